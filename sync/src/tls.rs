//! The agency's PKI and the mutual-TLS configurations between cars and headquarters.
//!
//! Headquarters runs a private certificate authority ([`AgencyCa`]). Each car is enrolled with a
//! client certificate naming it; headquarters gets a server certificate. Both sides speak TLS 1.3
//! only, trust nothing but the agency CA, and use the `ring` provider explicitly so that no
//! process-wide default provider (or another crate enabling aws-lc-rs) changes what is negotiated.
//!
//! With TLS 1.3 client authentication the car's handshake finishes before headquarters has judged
//! the car's certificate, so a refused car sees the refusal (an alert such as
//! `certificate_revoked`) on its first read, not from `connect`. Headquarters never hands a refused
//! connection to the application.
//!
//! Set `TCP_NODELAY` on both ends' sockets: otherwise Nagle's algorithm and delayed ACKs stall
//! the handshake's last flight (measured on loopback: ~44 ms per connection, ~1 ms with it).

mod ca;
mod ca_files;
mod ca_name;
mod cert_info;
mod configs;
mod crl_check;
mod error;
mod pem;
mod serial;
mod validity;

pub use ca::{AgencyCa, Issued, RevokedCert};
pub use cert_info::{CertInfo, describe_cert, peer_car_id};
pub use configs::{client_config, server_config};
pub use error::TlsError;

#[cfg(test)]
mod tests;
