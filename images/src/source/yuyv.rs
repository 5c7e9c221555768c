//! YUYV (YUV 4:2:2, the one uncompressed format every UVC camera offers) to JPEG, for cameras
//! that cannot send MJPEG: the rest of the appliance takes encoded frames only.

/// Encodes a YUYV frame of `width`×`height` with `stride` bytes a row as a JPEG.
pub fn yuyv_to_jpeg(data: &[u8], width: u32, height: u32, stride: u32) -> Result<Vec<u8>, String> {
    let (w, h) = (width as usize, height as usize);
    let stride = (stride as usize).max(w * 2);
    if w == 0 || h == 0 || w % 2 != 0 {
        return Err(format!("a YUYV frame of {width}x{height}"));
    }
    let needed = stride * (h - 1) + w * 2;
    if data.len() < needed {
        return Err(format!(
            "a YUYV frame of {} bytes, {needed} needed for {width}x{height}",
            data.len()
        ));
    }
    let mut rgb = Vec::with_capacity(w * h * 3);
    for row in data.chunks(stride).take(h) {
        for quad in row[..w * 2].chunks_exact(4) {
            let (y0, u, y1, v) = (quad[0], quad[1], quad[2], quad[3]);
            rgb.extend_from_slice(&to_rgb(y0, u, v));
            rgb.extend_from_slice(&to_rgb(y1, u, v));
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode(&rgb, width, height, image::ExtendedColorType::Rgb8)
        .map_err(|e| format!("encoding a JPEG: {e}"))?;
    Ok(out)
}

/// BT.601 limited range, in integers (the camera's own convention for YUYV).
fn to_rgb(y: u8, u: u8, v: u8) -> [u8; 3] {
    let c = i32::from(y) - 16;
    let d = i32::from(u) - 128;
    let e = i32::from(v) - 128;
    let clamp = |x: i32| ((x + 128) >> 8).clamp(0, 255) as u8;
    [
        clamp(298 * c + 409 * e),
        clamp(298 * c - 100 * d - 208 * e),
        clamp(298 * c + 516 * d),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_becomes_a_jpeg_of_its_size_and_colours() {
        // 4x2, padded rows: pure red in BT.601 is about Y=82, U=90, V=240.
        let (w, h, stride) = (4u32, 2u32, 12u32);
        let mut data = Vec::new();
        for _ in 0..h {
            for _ in 0..w / 2 {
                data.extend_from_slice(&[82, 90, 82, 240]);
            }
            data.extend_from_slice(&[0; 4]);
        }
        let jpeg = yuyv_to_jpeg(&data, w, h, stride).expect("converts");
        let img = image::load_from_memory(&jpeg).expect("decodes").to_rgb8();
        assert_eq!(img.dimensions(), (4, 2));
        let p = img.get_pixel(1, 1);
        assert!(p[0] > 200 && p[1] < 60 && p[2] < 60, "{p:?}");
    }

    #[test]
    fn a_short_or_odd_frame_is_refused() {
        assert!(yuyv_to_jpeg(&[0; 10], 4, 2, 8).is_err());
        assert!(yuyv_to_jpeg(&[0; 100], 3, 2, 6).is_err());
    }
}
