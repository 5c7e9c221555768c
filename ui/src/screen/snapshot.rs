//! The window's pixels into a PNG, for the screenshots in `docs/screenshots/` and for tests.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("drawing the window: {0}")]
    Render(#[from] slint::PlatformError),
    #[error("the window drew {width}x{height} pixels into a buffer of {len} bytes")]
    Size { width: u32, height: u32, len: usize },
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: image::ImageError,
    },
}

pub(super) fn save_png(window: &slint::Window, path: &Path) -> Result<(), SnapshotError> {
    let pixels = window.take_snapshot()?;
    let (width, height) = (pixels.width(), pixels.height());
    let bytes = pixels.as_bytes().to_vec();
    let len = bytes.len();
    let image = image::RgbaImage::from_raw(width, height, bytes).ok_or(SnapshotError::Size {
        width,
        height,
        len,
    })?;
    image.save(path).map_err(|source| SnapshotError::Write {
        path: path.display().to_string(),
        source,
    })
}
