//! Smart cameras: read events as JSON lines, over TCP or from a recorded file.
//!
//! The protocol is described in `images/SMART_CAMERA_PROTOCOL.md`. A bad line is logged with the
//! peer and line number and counted; it never closes the listener or loses reads already received.

mod lines;
mod protocol;
mod replay;
mod server;
mod stats;

pub use lines::{BoundedLines, Line, MAX_LINE_BYTES};
pub use protocol::{LineError, ParsedRead, ReadEvent, parse_read_event};
pub use replay::{RecordedFeed, ReplayFeedError};
pub use server::serve;
pub use stats::{CameraSeen, CameraStats, CameraStatsSnapshot};
