//! Camera input and plate images.
//!
//! Everything that comes from a camera enters the appliance here: read events from smart cameras
//! (which recognise plates on board), frames for the recogniser, and the plate crops and context
//! images that are kept as evidence, stored as files named by their sha256. It knows nothing of
//! GPS, stores, sync or screens.

mod frame;
mod image_store;
mod observation;
pub mod passes;
pub mod recognize;
pub mod smart_camera;
pub mod source;
pub mod synth;

pub use frame::{Frame, Recognizer, RecognizerError};
pub use image_store::{ImageFormat, ImageRef, ImageStore, ImageStoreError};
pub use observation::{Ack, Alternative, ImageBytes, PlateObservation, o_as_zero, plate_text};
