//! Plate recognition from camera frames: find plates, read their characters and their state.
//!
//! Work in progress (issue 3): the models and their runtime land here.

use image::RgbImage;

/// One plate found in an image.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlateReading {
    /// Upper-case letters and digits, as read.
    pub text: String,
    /// Two-letter state of issue (upper case), when the state model is sure enough.
    pub state: Option<String>,
    /// Overall confidence, 0 to 1.
    pub confidence: f32,
    /// Confidence of each character of `text`.
    pub char_confidences: Vec<f32>,
    /// The plate's box in the image's pixels: x, y, width, height.
    #[serde(rename = "box")]
    pub bbox: [u32; 4],
    /// Other readings, most likely first.
    pub alternatives: Vec<AlternativeReading>,
    /// True when the reading is too unsure to act on without a look.
    pub low_confidence: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AlternativeReading {
    pub text: String,
    pub confidence: f32,
}

/// The recogniser: detector, character reader and state classifier.
pub struct PlateRecognizer {}

impl PlateRecognizer {
    /// The recogniser with the weights built into the program.
    pub fn embedded() -> Result<Self, String> {
        Ok(Self {})
    }

    /// Every plate found in the image.
    pub fn read(&self, _image: &RgbImage) -> Vec<PlateReading> {
        Vec::new()
    }
}
