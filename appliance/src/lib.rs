//! The in-car ALPR appliance: the local store, the read pipeline, hot-list matching, the link to
//! headquarters and the `alpr` program's commands. It composes the `ui`, `gps`, `images` and
//! `sync` crates, which know nothing of each other.

pub mod config;
pub mod demo;
pub mod diagnostics;
pub mod documents;
pub mod headquarters;
pub mod hotlist;
pub mod lifecycle;
pub mod model;
pub mod pipeline;
pub mod pki;
pub mod policy;
pub mod replay;
pub mod reports;
pub mod screen;
pub mod store;
pub mod sync_rules;
pub mod views;

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
