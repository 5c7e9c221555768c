//! A directory of JPEG and PNG files, played in name order at a set rate, once or in a loop.
//!
//! The directory is listed again at each pass, so files added meanwhile are played next time.
//! A file that cannot be read or is not an image is skipped (named in the last error) and takes
//! no frame's turn.

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use super::emit::Emitter;
use super::error::SourceError;
use super::image_check::MAX_FRAME_BYTES;
use super::pace::Pacer;
use super::spec::PlaybackSpec;
use crate::Frame;

/// Plays the directory until it ends (or `shutdown`).
pub(crate) async fn run<S: FnMut(Frame) -> bool>(
    spec: &PlaybackSpec,
    emitter: &mut Emitter<S>,
    shutdown: &CancellationToken,
) -> Result<(), SourceError> {
    let mut pacer = Pacer::new(spec.fps);
    emitter.stats().connected();
    loop {
        let files = list_images(&spec.path, emitter.origin()).await?;
        if files.is_empty() {
            return Err(SourceError::Empty {
                origin: emitter.origin().to_string(),
                reason: format!("no .jpg, .jpeg or .png files in {}", spec.path.display()),
            });
        }
        let mut played = 0usize;
        for file in &files {
            if shutdown.is_cancelled() {
                return Ok(());
            }
            let data = match read_image_file(file).await {
                Ok(data) => data,
                Err(why) => {
                    emitter.skip(why);
                    continue;
                }
            };
            let Some(image) = emitter.check(&data, &file.display()) else {
                continue;
            };
            if !pacer.wait(shutdown).await {
                return Ok(());
            }
            emitter.deliver(data, image);
            played += 1;
        }
        if !spec.looping {
            return Ok(());
        }
        if played == 0 {
            // Looping over files none of which is an image would spin for ever.
            return Err(SourceError::Empty {
                origin: emitter.origin().to_string(),
                reason: format!(
                    "none of the {} image files in {} could be read as an image",
                    files.len(),
                    spec.path.display()
                ),
            });
        }
    }
}

/// The directory's JPEG and PNG files (by extension, any case), sorted by name.
async fn list_images(dir: &Path, origin: &str) -> Result<Vec<PathBuf>, SourceError> {
    let fail = |error| SourceError::File {
        origin: origin.to_string(),
        path: dir.to_path_buf(),
        error,
    };
    let mut entries = tokio::fs::read_dir(dir).await.map_err(fail)?;
    let mut files = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(fail)? {
        let path = entry.path();
        let is_image = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"));
        if is_image {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The file's bytes, or why they cannot be had (unreadable, not a file, far too large).
async fn read_image_file(file: &Path) -> Result<Vec<u8>, String> {
    let why = |e: std::io::Error| format!("{}: {e}", file.display());
    let meta = tokio::fs::metadata(file).await.map_err(why)?;
    if !meta.is_file() {
        return Err(format!("{}: not a file", file.display()));
    }
    if meta.len() > MAX_FRAME_BYTES as u64 {
        return Err(format!(
            "{}: {} bytes, over the {MAX_FRAME_BYTES}-byte limit",
            file.display(),
            meta.len()
        ));
    }
    tokio::fs::read(file).await.map_err(why)
}
