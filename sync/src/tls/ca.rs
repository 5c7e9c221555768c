//! The agency CA and what it issues: car client certificates, headquarters' server certificate
//! and certificate revocation lists.

use std::fmt;

use chrono::{DateTime, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use serde::{Deserialize, Serialize};

use super::validity::{self, Window};
use super::{TlsError, ca_name, serial};

/// The agency's certificate authority: its certificate and the key that signs cars' and
/// headquarters' certificates and the CRL. Lives only at headquarters.
pub struct AgencyCa {
    cert_pem: String,
    key_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate and its freshly generated private key (PKCS#8 PEM), as handed to a car or to
/// headquarters' server.
#[derive(Clone)]
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    pub serial_hex: String,
    pub not_after: DateTime<Utc>,
}

/// A certificate withdrawn before it expired (a stolen car, a decommissioned unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedCert {
    /// As in [`Issued::serial_hex`]; `:` separators and upper case are accepted too.
    pub serial_hex: String,
    pub revoked_at: DateTime<Utc>,
}

impl AgencyCa {
    /// A new self-signed CA named after the agency, with a fresh P-256 key.
    pub fn generate(agency_name: &str, valid_days: u32) -> Result<Self, TlsError> {
        let what = "agency CA certificate";
        let window = Window::from_now(valid_days, what)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = ca_name::for_agency(agency_name)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.serial_number = Some(SerialNumber::from_slice(&serial::random()?));
        set_window(&mut params, window, what)?;
        let key = KeyPair::generate().map_err(|e| TlsError::generate("the agency CA key", e))?;
        let cert = params
            .self_signed(&key)
            .map_err(|e| TlsError::generate(what, e))?;
        Ok(Self {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// For [`AgencyCa::load`], which has already checked that the three agree.
    pub(crate) fn from_parts(
        cert_pem: String,
        key_pem: String,
        issuer: Issuer<'static, KeyPair>,
    ) -> Self {
        Self {
            cert_pem,
            key_pem,
            issuer,
        }
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub(crate) fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// A car's client certificate: CN = `car_id`, SAN URI `urn:alpr:car:<car_id>`, EKU
    /// clientAuth, a fresh random serial.
    pub fn enroll_car(&self, car_id: &str, valid_days: u32) -> Result<Issued, TlsError> {
        let window = Window::from_now(valid_days, &format!("certificate for car {car_id:?}"))?;
        self.issue_car(car_id, window)
    }

    /// [`AgencyCa::enroll_car`] with an explicit window, so tests can make expired certificates.
    pub(crate) fn issue_car(&self, car_id: &str, window: Window) -> Result<Issued, TlsError> {
        ca_name::check_car_id(car_id)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = ca_name::common_name(car_id);
        params.subject_alt_names = vec![ca_name::car_uri(car_id)?];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params, window, &format!("certificate for car {car_id:?}"))
    }

    /// Headquarters' server certificate for `hostnames` (DNS names or IP addresses); the first
    /// is also its CN.
    pub fn issue_server(&self, hostnames: &[String], valid_days: u32) -> Result<Issued, TlsError> {
        let what = "headquarters server certificate";
        let window = Window::from_now(valid_days, what)?;
        let first = ca_name::check_hostnames(hostnames)?;
        let mut params =
            CertificateParams::new(hostnames.to_vec()).map_err(|e| TlsError::generate(what, e))?;
        params.distinguished_name = ca_name::common_name(first);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue(params, window, what)
    }

    fn issue(
        &self,
        mut params: CertificateParams,
        window: Window,
        what: &str,
    ) -> Result<Issued, TlsError> {
        let serial = serial::random()?;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        set_window(&mut params, window, what)?;
        let key =
            KeyPair::generate().map_err(|e| TlsError::generate(format!("key for {what}"), e))?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(|e| TlsError::generate(what, e))?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            serial_hex: serial::to_hex(&serial),
            not_after: window.not_after,
        })
    }

    /// A CRL listing every serial in `revoked`, valid for `valid_days`. Its CRL number is the
    /// issue time in milliseconds, so a later CRL always supersedes an earlier one.
    pub fn crl_pem(&self, revoked: &[RevokedCert], valid_days: u32) -> Result<String, TlsError> {
        let what = "certificate revocation list";
        let window = Window::from_now(valid_days, what)?;
        let now = Utc::now();
        let revoked_certs = revoked
            .iter()
            .map(|r| {
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&serial::from_hex(&r.serial_hex)?),
                    revocation_time: validity::to_x509(
                        r.revoked_at,
                        &format!("revocation time of serial {}", r.serial_hex),
                    )?
                    .into(),
                    reason_code: None,
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>, TlsError>>()?;
        let crl_number = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        let params = CertificateRevocationListParams {
            this_update: validity::to_x509(validity::whole_seconds(now), what)?.into(),
            next_update: validity::to_x509(window.not_after, what)?.into(),
            crl_number: SerialNumber::from(crl_number),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params
            .signed_by(&self.issuer)
            .and_then(|crl| crl.pem())
            .map_err(|e| TlsError::generate(what, e))
    }
}

fn set_window(params: &mut CertificateParams, window: Window, what: &str) -> Result<(), TlsError> {
    params.not_before = validity::to_x509(window.not_before, what)?.into();
    params.not_after = validity::to_x509(window.not_after, what)?.into();
    Ok(())
}

impl fmt::Debug for AgencyCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The issuer's own Debug leaves out the signing key; so must we.
        f.debug_struct("AgencyCa")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issued")
            .field("serial_hex", &self.serial_hex)
            .field("not_after", &self.not_after)
            .field("key_pem", &"[elided]")
            .finish_non_exhaustive()
    }
}
