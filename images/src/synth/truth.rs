//! Ground truth: what was drawn and where.

use super::geometry::{PixelBox, Quad};

/// One character's place in the image.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CharTruth {
    pub ch: char,
    /// The ink's corners, clockwise from the character's own top left.
    pub quad: Quad,
    #[serde(rename = "box")]
    pub bbox: PixelBox,
}

/// One plate's place and reading in the image.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlateTruth {
    /// The registration as labels write it: capital letters and digits, no spaces or dashes.
    pub text: String,
    /// Two-letter state code, lower case.
    pub state: String,
    /// The plate's corners, clockwise from its own top left.
    pub quad: Quad,
    #[serde(rename = "box")]
    pub bbox: PixelBox,
    /// Each character of `text`, in order.
    pub chars: Vec<CharTruth>,
    /// Small stacked letters beside the registration (county or class codes, not in `text`).
    pub stacked: Vec<CharTruth>,
    /// A personalised plate rather than an issued pattern.
    pub vanity: bool,
    /// The registration is set in two rows, one above the other (`text` reads the top row first).
    pub two_rows: bool,
    /// How much of the registration something nearer hides (in a street frame, the side of a car
    /// in the next lane): the share of its characters' ink boxes drawn over, 0 to 1. Street
    /// frames leave out of their truth a plate half hidden or more.
    pub hidden: f32,
}
