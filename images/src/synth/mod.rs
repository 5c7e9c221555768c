//! Synthetic US plates and street scenes, with their ground truth.
//!
//! The recogniser's training scripts take crops from [`render_plate`] by the tens of
//! thousands, and `alpr demo` shows its recogniser frames from [`render_scene`] and
//! [`SceneSequence`]. Everything is a pure function of a seed: the same seed and options give
//! the same bytes on any machine with the same fonts ([`FontLibrary`], from Debian packages).
//!
//! A plate is drawn flat from its state's design (`states`), then placed in a picture through a
//! homography and put through a camera (`degrade`); a character's box is its ink's box carried
//! through the same homography, so the truth is exact after any perspective.

mod canvas;
mod colour;
mod crop;
mod degrade;
mod error;
mod filters;
mod fonts;
mod geometry;
mod output;
mod plate;
mod random;
mod scene;
mod serial;
mod shapes;
mod states;
mod text;
mod truth;
mod warp;

pub use crop::{PlateOptions, PlateSample, render_plate};
pub use error::SynthError;
pub use fonts::{FontLibrary, SYSTEM_FONT_DIR, required_packages};
pub use geometry::{PixelBox, Point, Quad};
pub use output::{SetSummary, write_plate_set, write_scene_set, write_sequence};
pub use random::item_seed;
pub use scene::{Scene, SceneOptions, SceneSequence, render_scene};
pub use states::{all_issued_patterns, issued_patterns, state_codes};
pub use truth::{CharTruth, PlateTruth};
