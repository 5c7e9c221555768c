//! Reading PEM text into DER, with errors that say which PEM was wrong.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::TlsError;

fn pem_error(what: &str, reason: impl ToString) -> TlsError {
    TlsError::Pem {
        what: what.to_owned(),
        reason: reason.to_string(),
    }
}

fn all_of<T: PemObject>(pem: &str, what: &str, label: &str) -> Result<Vec<T>, TlsError> {
    let items = T::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(what, e))?;
    if items.is_empty() {
        return Err(pem_error(what, format!("no {label} block found")));
    }
    Ok(items)
}

/// Every certificate in `pem`, leaf first as written; at least one.
pub(crate) fn certificates(
    pem: &str,
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    all_of(pem, what, "CERTIFICATE")
}

/// Exactly one certificate: a trust anchor given with extra certificates is ambiguous.
pub(crate) fn single_certificate(
    pem: &str,
    what: &str,
) -> Result<CertificateDer<'static>, TlsError> {
    let mut certs = certificates(pem, what)?;
    match certs.len() {
        1 => Ok(certs.remove(0)),
        n => Err(pem_error(
            what,
            format!("holds {n} certificates; expected exactly one"),
        )),
    }
}

pub(crate) fn private_key(pem: &str, what: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => pem_error(what, "no PRIVATE KEY block found"),
        other => pem_error(what, other),
    })
}

pub(crate) fn revocation_lists(
    pem: &str,
    what: &str,
) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    all_of(pem, what, "X509 CRL")
}

pub(crate) fn parse_certificate<'a>(
    der: &'a CertificateDer<'_>,
    what: &str,
) -> Result<X509Certificate<'a>, TlsError> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(TlsError::certificate(
            what,
            "trailing bytes after the certificate",
        )),
        Err(e) => Err(TlsError::certificate(
            what,
            format!("not a valid X.509 certificate: {e}"),
        )),
    }
}
