//! Bad images give a clear answer and never a crash: the corrupted JPEG, zero-byte
//! file, 20000x20000 image and frame with no plate.

use std::io::Cursor;

use alpr_images::recognize::{DecodeError, PlateRecognizer, decode_image};
use image::{Rgb, RgbImage};

fn jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(image)
        .expect("encode");
    out
}

fn street() -> RgbImage {
    RgbImage::from_fn(640, 360, |x, y| {
        let v = if y < 150 {
            200 - (y / 2) as u8
        } else {
            90 + ((x / 40 + y / 40) % 2) as u8 * 6
        };
        Rgb([v, v, v.saturating_add(10)])
    })
}

#[test]
fn zero_bytes_is_named_as_empty() {
    let err = decode_image(&[]).expect_err("empty");
    assert!(matches!(err, DecodeError::Empty), "{err}");
    assert!(err.to_string().contains("empty"));
}

#[test]
fn corrupt_jpeg_is_an_error_not_a_crash() {
    let good = jpeg(&street());
    // Cut short, and with its scan data overwritten.
    let mut broken = good[..good.len() / 2].to_vec();
    for b in broken.iter_mut().skip(700).step_by(3) {
        *b = 0xFF;
    }
    let err = decode_image(&broken).expect_err("corrupt");
    assert!(err.to_string().contains("cut short"), "{err}");
    // Whole, but with its scan data damaged: decoded as well as it can be, or refused; the
    // recogniser reads what decodes and never panics.
    let mut damaged = good.clone();
    let end = damaged.len() - 2;
    for b in damaged[700..end].iter_mut().step_by(5) {
        *b ^= 0x5A;
    }
    let recognizer = PlateRecognizer::embedded().expect("models");
    if let Ok(image) = decode_image(&damaged) {
        recognizer.read(&image).expect("read");
    }
    // A file that is not an image at all.
    let err = decode_image(b"this is not an image").expect_err("text");
    assert!(matches!(err, DecodeError::UnknownFormat), "{err}");
}

#[test]
fn a_20000_by_20000_image_is_refused_by_its_size() {
    // A real PNG of that size: one bit per pixel, all black, so the file stays small.
    let mut file = Vec::new();
    {
        let mut enc = png::Encoder::new(Cursor::new(&mut file), 20_000, 20_000);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        let mut writer = enc.write_header().expect("header");
        let mut stream = writer.stream_writer().expect("stream");
        let row = vec![0u8; 20_000 / 8];
        for _ in 0..20_000 {
            std::io::Write::write_all(&mut stream, &row).expect("row");
        }
        stream.finish().expect("finish");
    }
    let err = decode_image(&file).expect_err("too large");
    assert!(
        matches!(
            err,
            DecodeError::TooLarge {
                width: 20_000,
                height: 20_000
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("20000x20000"), "{err}");
}

#[test]
fn a_frame_with_no_plate_reads_nothing() {
    let recognizer = PlateRecognizer::embedded().expect("models");
    let image = decode_image(&jpeg(&street())).expect("decode");
    let plates = recognizer.read(&image).expect("read");
    assert!(plates.is_empty(), "{plates:?}");
    // Degenerate sizes: one pixel, a thin strip.
    for (w, h) in [(1, 1), (3000, 2), (2, 3000)] {
        let tiny = RgbImage::from_pixel(w, h, Rgb([128, 128, 128]));
        assert!(recognizer.read(&tiny).expect("read").is_empty());
    }
}
