//! Why a frame source failed, each naming the source (and the file or device) at fault.

use std::path::PathBuf;

/// A frame source's failure. `origin` is the source as configured (`http://cam/...` with any
/// password hidden, `dir:/path`, ...).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The source string could not be understood.
    #[error("frame source {spec:?}: {reason}")]
    Spec { spec: String, reason: String },
    /// A file or directory of a recorded source could not be read.
    #[error("{origin}: {path}: {error}")]
    File {
        origin: String,
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    /// A recorded source holds nothing to play.
    #[error("{origin}: {reason}")]
    Empty { origin: String, reason: String },
    /// The camera could not be reached, or the connection to it failed or went quiet.
    #[error("{origin}: {reason}")]
    Connection { origin: String, reason: String },
    /// The camera answered, but not with a stream of images.
    #[error("{origin}: {reason}")]
    Protocol { origin: String, reason: String },
    /// A V4L2 device could not be opened, set up or read (`origin` names the device).
    #[error("{origin}: {reason}")]
    Device {
        origin: String,
        device: PathBuf,
        reason: String,
    },
}
