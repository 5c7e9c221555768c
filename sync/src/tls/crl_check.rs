//! Vetting the CRLs headquarters is started with, so that revocation checking during handshakes
//! can only ever refuse revoked cars.
//!
//! webpki checks revocation per handshake, and a CRL it cannot use there fails every handshake:
//! a CRL from another CA leaves each car's status unknown (refused under the default policy); a
//! CRL with the right issuer name but a bad signature (say, from a regenerated CA of the same
//! name) fails its signature check. Both are caught here, once, at start-up, naming the CRL.
//! webpki also consults only the first CRL whose issuer matches, so of several CRLs only the
//! newest is handed on.

use chrono::Utc;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::CertificateRevocationListDer;
use x509_parser::num_bigint::BigUint;
use x509_parser::oid_registry::{
    OID_X509_EXT_DELTA_CRL_INDICATOR, OID_X509_EXT_ISSUER_DISTRIBUTION_POINT,
};
use x509_parser::prelude::{CertificateRevocationList, FromDer, X509Certificate};

use super::{TlsError, pem, validity};

struct Candidate {
    der: CertificateRevocationListDer<'static>,
    what: String,
    crl_number: Option<BigUint>,
    this_update: i64,
    next_update: Option<i64>,
}

/// The newest of `crl_pems` (each may hold several CRLs), after checking every one is a complete
/// CRL signed by `ca`. `None` when there are none, which disables revocation checking.
pub(crate) fn newest_from_agency(
    ca: &X509Certificate<'_>,
    crl_pems: &[String],
    provider: &CryptoProvider,
) -> Result<Option<CertificateRevocationListDer<'static>>, TlsError> {
    let mut newest: Option<Candidate> = None;
    for (index, text) in crl_pems.iter().enumerate() {
        let what = format!("CRL PEM {} of {}", index + 1, crl_pems.len());
        for (block, der) in pem::revocation_lists(text, &what)?.into_iter().enumerate() {
            let what = format!("{what}, block {}", block + 1);
            let candidate = vet(ca, der, what, provider)?;
            let newer = newest.as_ref().is_none_or(|n| {
                (&candidate.crl_number, candidate.this_update) > (&n.crl_number, n.this_update)
            });
            if newer {
                newest = Some(candidate);
            }
        }
    }
    let Some(newest) = newest else {
        return Ok(None);
    };
    if newest
        .next_update
        .is_some_and(|t| t < Utc::now().timestamp())
    {
        // Still used: refusing the fleet because HQ let its own CRL lapse would be worse.
        tracing::warn!(crl = %newest.what, "the newest CRL is past its next update; issue a fresh one");
    }
    Ok(Some(newest.der))
}

fn vet(
    ca: &X509Certificate<'_>,
    der: CertificateRevocationListDer<'static>,
    what: String,
    provider: &CryptoProvider,
) -> Result<Candidate, TlsError> {
    let (crl_number, this_update, next_update) = {
        let crl = match CertificateRevocationList::from_der(&der) {
            Ok(([], crl)) => crl,
            Ok(_) => return Err(TlsError::crl(what, "trailing bytes after the CRL")),
            Err(e) => return Err(TlsError::crl(what, format!("not a valid CRL: {e}"))),
        };
        if crl.issuer().as_raw() != ca.subject().as_raw() {
            return Err(TlsError::crl(
                what,
                format!(
                    "issued by \"{}\", not by the agency CA \"{}\"; with it no car could connect",
                    crl.issuer(),
                    ca.subject()
                ),
            ));
        }
        let partial = crl.extensions().iter().any(|ext| {
            ext.oid == OID_X509_EXT_ISSUER_DISTRIBUTION_POINT
                || ext.oid == OID_X509_EXT_DELTA_CRL_INDICATOR
        });
        if partial {
            return Err(TlsError::crl(
                what,
                "a partitioned or delta CRL; headquarters needs the CA's complete CRL",
            ));
        }
        let key = &ca.public_key().subject_public_key.data;
        let signed = crl.tbs_cert_list.as_ref();
        let signature = &crl.signature_value.data;
        let verified = provider
            .signature_verification_algorithms
            .all
            .iter()
            .any(|alg| alg.verify_signature(key, signed, signature).is_ok());
        if !verified {
            return Err(TlsError::crl(
                what,
                format!(
                    "its signature does not verify with the agency CA \"{}\" key (a CRL from a different CA of the same name?)",
                    ca.subject()
                ),
            ));
        }
        (
            crl.crl_number().cloned(),
            validity::from_x509(crl.last_update()).map_or(i64::MIN, |t| t.timestamp()),
            crl.next_update()
                .and_then(validity::from_x509)
                .map(|t| t.timestamp()),
        )
    };
    Ok(Candidate {
        der,
        what,
        crl_number,
        this_update,
        next_update,
    })
}
