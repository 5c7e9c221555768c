//! GPS for the appliance.
//!
//! Receivers speak NMEA in bursts of sentences per epoch, over a serial port or through gpsd; this
//! crate turns either into one stream of [`Fix`]es, one per epoch, and keeps a [`Track`] of recent
//! fixes so a plate read can be given the position the car had at the read's capture time, with a
//! word on how good that position is. It knows nothing of cameras, stores or screens.

mod epoch;
mod fix;
mod framing;
mod gpsd;
mod replay;
mod sentence;
mod serial;
mod source;
mod status;
mod track;

pub use epoch::{DEFAULT_DATE_FLOOR, EpochAssembler, NmeaDecoder, SentenceStats, frame_sentence};
pub use fix::{Fix, FixMode, FixSource};
pub use framing::{MAX_SENTENCE, SentenceFramer, Skipped};
pub use gpsd::GpsdConfig;
pub use replay::{NmeaLog, NmeaLogError, read_nmea_fixes};
pub use serial::{BAUD_RATES, SerialConfig};
pub use source::{GpsHandle, GpsSource};
pub use status::{GpsStatus, GpsStatusSnapshot};
pub use track::{PositionQuality, TaggedPosition, Track, TrackLimits};
