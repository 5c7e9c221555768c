//! Reading certificates back: who they name, their serial and validity, and who an
//! authenticated peer is.

use chrono::{DateTime, Utc};
use rustls::ServerConnection;
use rustls_pki_types::CertificateDer;
use serde::{Deserialize, Serialize};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::{TlsError, pem, serial, validity};

/// What `alpr selftest` and `alpr hq status` show about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertInfo {
    /// The subject's CN: the car id for car certificates. `None` if the subject has none.
    pub common_name: Option<String>,
    /// Lowercase hex, as in [`super::Issued::serial_hex`] and CRL entries.
    pub serial_hex: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

/// Describes the first certificate in `pem`.
pub fn describe_cert(pem: &str) -> Result<CertInfo, TlsError> {
    let what = "certificate PEM";
    let certs = pem::certificates(pem, what)?;
    let cert = pem::parse_certificate(&certs[0], what)?;
    let validity = cert.validity();
    let time = |t, field: &str| {
        validity::from_x509(t)
            .ok_or_else(|| TlsError::certificate(what, format!("{field} is out of range")))
    };
    Ok(CertInfo {
        common_name: common_name(&cert),
        serial_hex: serial::to_hex(cert.raw_serial()),
        not_before: time(validity.not_before, "notBefore")?,
        not_after: time(validity.not_after, "notAfter")?,
    })
}

/// The car id (CN) of the client certificate headquarters verified for `conn`; `None` before
/// the handshake completed or without a client certificate. With tokio-rustls, pass
/// `tls_stream.get_ref().1`.
pub fn peer_car_id(conn: &ServerConnection) -> Option<String> {
    let leaf: &CertificateDer<'_> = conn.peer_certificates()?.first()?;
    let (_, cert) = X509Certificate::from_der(leaf).ok()?;
    common_name(&cert)
}

fn common_name(cert: &X509Certificate<'_>) -> Option<String> {
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
}
