//! cr-sqlite for the appliance and headquarters.
//!
//! This crate owns the CRDT machinery: the cr-sqlite extension (built from pinned source by
//! `build.rs`, embedded in the binary), connections that load it, and moving `crsql_changes`
//! between stores with a per-peer watermark. It knows nothing of cameras, GPS or screens; the tables
//! it replicates are the appliance's.

mod changes;
mod connection;
mod error;
mod exchange;
mod extension;
pub mod link;
mod peers;
pub mod tls;
pub mod wire;

pub use changes::{Change, SqlValue, apply_changes, changes_since};
pub use connection::CrConnection;
pub use error::{Error, Result};
pub use exchange::{
    Applied, ExchangeError, Resume, Rules, acked_through, apply_incoming, outgoing, record_acked,
    stream_resume, stream_watermark,
};
pub use extension::{CRSQLITE_VERSION, extension_path};
pub use peers::{PullStats, pull, received_watermark};
