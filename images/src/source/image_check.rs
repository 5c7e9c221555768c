//! Whether bytes from a camera are a whole JPEG or PNG, cheaply: the signature, the header (read
//! for the size, not decoded), and for a JPEG its end marker, which a cut-short frame lacks.

use std::io::Cursor;

/// A frame larger than this is refused: no camera in a car sends one, and a runaway part must not
/// take the memory.
pub const MAX_FRAME_BYTES: usize = 32 << 20;

/// What an acceptable frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedImage {
    pub width: u32,
    pub height: u32,
}

/// Checks `data` is a JPEG or PNG; the error says what it is instead.
pub fn check_image(data: &[u8]) -> Result<CheckedImage, String> {
    if data.len() > MAX_FRAME_BYTES {
        return Err(format!(
            "{} bytes, over the {MAX_FRAME_BYTES}-byte limit",
            data.len()
        ));
    }
    let format = if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        if !has_jpeg_end(data) {
            return Err("a JPEG cut short (no end-of-image marker)".into());
        }
        image::ImageFormat::Jpeg
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        image::ImageFormat::Png
    } else {
        return Err(format!("not a JPEG or PNG ({})", describe(data)));
    };
    let mut reader = image::ImageReader::new(Cursor::new(data));
    reader.set_format(format);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| format!("a damaged {format:?} header: {e}"))?;
    if width == 0 || height == 0 {
        return Err(format!("an empty {format:?} image ({width}x{height})"));
    }
    Ok(CheckedImage { width, height })
}

/// The JPEG ends with its EOI marker, allowing the padding some cameras add after it.
pub(crate) fn has_jpeg_end(data: &[u8]) -> bool {
    let end = data
        .iter()
        .rposition(|b| !matches!(b, 0x00 | b'\r' | b'\n' | b' '))
        .map_or(0, |i| i + 1);
    data[..end].ends_with(&[0xFF, 0xD9])
}

/// A short description of bytes that are not an image, for the last error.
fn describe(data: &[u8]) -> String {
    if data.is_empty() {
        return "empty".into();
    }
    let head = &data[..data.len().min(16)];
    if head
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        format!(
            "{} bytes starting {:?}",
            data.len(),
            String::from_utf8_lossy(head)
        )
    } else {
        format!("{} bytes starting {}", data.len(), hex::encode(head))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(16, 8, image::Rgb([200, 30, 30]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&img)
            .expect("encode");
        out
    }

    #[test]
    fn a_whole_jpeg_passes_with_its_size() {
        let mut data = jpeg();
        assert_eq!(
            check_image(&data),
            Ok(CheckedImage {
                width: 16,
                height: 8
            })
        );
        data.extend_from_slice(b"\r\n\0\0");
        assert!(check_image(&data).is_ok(), "padding after the end marker");
    }

    #[test]
    fn cut_short_text_and_empty_are_refused_with_what_they_are() {
        let data = jpeg();
        let cut = check_image(&data[..data.len() / 2]).expect_err("cut");
        assert!(cut.contains("cut short"), "{cut}");
        let text = check_image(b"hello camera").expect_err("text");
        assert!(text.contains("\"hello camera\""), "{text}");
        let empty = check_image(b"").expect_err("empty");
        assert!(empty.contains("empty"), "{empty}");
        let mut bad = vec![0xFF, 0xD8, 0xFF, 0x00, 0x01, 0x02];
        bad.extend_from_slice(&[0xFF, 0xD9]);
        assert!(check_image(&bad).expect_err("header").contains("header"));
    }
}
