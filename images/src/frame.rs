use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::observation::PlateObservation;

/// A frame from an ordinary camera, encoded as the camera sent it.
#[derive(Debug, Clone)]
pub struct Frame {
    pub camera: String,
    pub captured_at: DateTime<Utc>,
    /// Encoded image (JPEG or PNG); shared so a frame can be kept as context without a copy.
    pub data: Arc<[u8]>,
}

/// Why a frame could not be recognised.
#[derive(Debug, thiserror::Error)]
#[error("recognising a frame from {camera}: {reason}")]
pub struct RecognizerError {
    pub camera: String,
    pub reason: String,
}

/// Finds and reads plates in a frame. Runs on a blocking thread: recognition is CPU-bound.
pub trait Recognizer: Send + Sync + 'static {
    fn recognize(&self, frame: &Frame) -> Result<Vec<PlateObservation>, RecognizerError>;
}
