//! What the officer sees.
//!
//! Screens take view models, never domain types: the appliance adapts its reads and hits into
//! these structs, so screens can be previewed and tested without the appliance. The console
//! presenter draws the same view models as lines of text for headless runs.

pub mod alert_tones;
pub mod audio;
mod console;
pub mod screen;
mod views;

pub use console::Console;
pub use views::{
    AlertView, CanvassView, CheckView, EncodedImage, EntryForm, HitView, LoginView, Mark,
    PartStatus, ReadView, SearchForm, StatusView, StepView, SummaryView,
};
