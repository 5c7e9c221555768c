//! What can stop the renderer.

use std::path::PathBuf;

/// Why a synthetic image or set could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// Font files the designs need are not installed; names the Debian packages that have them.
    #[error(
        "fonts for the plate renderer are missing under {dir}: {files}; install the Debian packages {packages} (apt-get install {packages}; tests/setup-debian.sh does)"
    )]
    MissingFonts {
        dir: PathBuf,
        files: String,
        packages: String,
    },
    /// A font file exists but cannot be read or parsed.
    #[error("font {path}: {reason}")]
    BadFont { path: PathBuf, reason: String },
    /// An option is out of range.
    #[error("{0}")]
    BadOption(String),
    /// Writing an output file failed.
    #[error("{path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Encoding an image failed.
    #[error("encoding {path}: {source}")]
    Encode {
        path: PathBuf,
        source: image::ImageError,
    },
}
