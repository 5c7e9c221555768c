//! Real TLS handshakes over loopback TCP between the configurations this module builds.

mod ca_files;
mod certificates;
mod harness;
mod protocol_version;
mod refusals;
mod revocation;
