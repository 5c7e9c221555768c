//! Images from files and cameras, decoded with limits, so a huge or broken image is an error
//! that says what was wrong instead of a crash or gigabytes of memory.

use std::io::Cursor;
use std::path::Path;

use image::{ImageReader, Limits, RgbImage};

/// The longest side the recogniser takes (a 12-megapixel camera is far below it).
pub const MAX_SIDE: u32 = 12_000;
const MAX_ALLOC: u64 = 600 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the file is empty (0 bytes)")]
    Empty,
    #[error("not an image format the recogniser reads (JPEG or PNG)")]
    UnknownFormat,
    #[error(
        "the image is {width}x{height} pixels; the recogniser takes at most {MAX_SIDE} on a side"
    )]
    TooLarge { width: u32, height: u32 },
    #[error("the image is corrupt: {0}")]
    Corrupt(String),
}

/// Decodes a JPEG or PNG held in memory into RGB pixels.
pub fn decode_image(bytes: &[u8]) -> Result<RgbImage, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    match reader.format() {
        None => return Err(DecodeError::UnknownFormat),
        // The decoder fills a cut-short JPEG with grey and says nothing: say it here.
        Some(image::ImageFormat::Jpeg) if !crate::source::has_jpeg_end(bytes) => {
            return Err(DecodeError::Corrupt(
                "the JPEG is cut short (no end-of-image marker)".into(),
            ));
        }
        Some(_) => {}
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(DecodeError::TooLarge { width, height });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    Ok(image.into_rgb8())
}

/// Reads and decodes an image file.
pub fn load_image(path: &Path) -> Result<RgbImage, DecodeError> {
    let bytes = std::fs::read(path).map_err(|source| DecodeError::Read {
        path: path.display().to_string(),
        source,
    })?;
    decode_image(&bytes)
}
