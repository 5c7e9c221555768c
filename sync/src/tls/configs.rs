//! rustls configurations for headquarters (server) and cars (clients): TLS 1.3 only, the ring
//! provider, mutual authentication against the agency CA alone.

use std::sync::Arc;

use rustls::client::Resumption;
use rustls::crypto::CryptoProvider;
use rustls::server::{NoServerSessionStorage, WebPkiClientVerifier};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_pki_types::CertificateDer;
use x509_parser::prelude::X509Certificate;

use super::{TlsError, crl_check, pem};

const CA_WHAT: &str = "agency CA certificate PEM";

/// Chosen here rather than through `CryptoProvider::install_default`, so that another crate in
/// the process enabling a different provider cannot change what cars and headquarters negotiate.
fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Headquarters' configuration: a client certificate is required, must chain to the agency CA,
/// be within its validity at handshake time and not be listed on the newest of `crl_pems`.
///
/// Every CRL must be a complete CRL signed by the agency CA (see `crl_check`); with none,
/// revocation is not checked. Rebuild the configuration when the CRL changes.
pub fn server_config(
    ca_pem: &str,
    server_cert_pem: &str,
    server_key_pem: &str,
    crl_pems: &[String],
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = ring_provider();
    let ca_der = pem::single_certificate(ca_pem, CA_WHAT)?;
    let ca = agency_ca(&ca_der)?;
    let chain = pem::certificates(server_cert_pem, "server certificate PEM")?;
    require_issued_by(&ca, &chain[0], "server certificate PEM")?;
    let key = pem::private_key(server_key_pem, "server key PEM")?;
    let crl = crl_check::newest_from_agency(&ca, crl_pems, &provider)?;

    let mut verifier =
        WebPkiClientVerifier::builder_with_provider(root_store(&ca_der)?, provider.clone());
    if let Some(crl) = crl {
        // The chain is CA → car and the CA is the trust anchor, so only the car's certificate
        // has a revocation status. Unknown status stays an error (the default): the vetted CRL
        // is the anchor's own complete CRL, authoritative for every certificate chaining to it,
        // so "unknown" cannot happen to a car of this CA and must not be waved through.
        verifier = verifier.with_crls([crl]).only_check_end_entity_revocation();
    }
    let verifier = verifier
        .build()
        .map_err(|source| TlsError::Verifier { source })?;

    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|source| TlsError::Rustls {
            what: "server TLS configuration",
            source,
        })?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|source| TlsError::Rustls {
            what: "server TLS configuration from the server certificate and key PEMs",
            source,
        })?;
    // A resumed session skips certificate verification, so a car revoked or expired since its
    // last full handshake could slip back in. TLS 1.3 resumption saves no round trip here.
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(Arc::new(config))
}

/// A car's configuration: trusts only the agency CA and presents the car's certificate.
pub fn client_config(
    ca_pem: &str,
    car_cert_pem: &str,
    car_key_pem: &str,
) -> Result<Arc<ClientConfig>, TlsError> {
    let provider = ring_provider();
    let ca_der = pem::single_certificate(ca_pem, CA_WHAT)?;
    let ca = agency_ca(&ca_der)?;
    let chain = pem::certificates(car_cert_pem, "car certificate PEM")?;
    require_issued_by(&ca, &chain[0], "car certificate PEM")?;
    let key = pem::private_key(car_key_pem, "car key PEM")?;

    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|source| TlsError::Rustls {
            what: "car TLS configuration",
            source,
        })?
        .with_root_certificates(root_store(&ca_der)?)
        .with_client_auth_cert(chain, key)
        .map_err(|source| TlsError::Rustls {
            what: "car TLS configuration from the car certificate and key PEMs",
            source,
        })?;
    config.resumption = Resumption::disabled();
    Ok(Arc::new(config))
}

fn agency_ca<'a>(der: &'a CertificateDer<'_>) -> Result<X509Certificate<'a>, TlsError> {
    let ca = pem::parse_certificate(der, CA_WHAT)?;
    if !ca.is_ca() {
        return Err(TlsError::certificate(
            CA_WHAT,
            format!("\"{}\" is not a CA certificate", ca.subject()),
        ));
    }
    Ok(ca)
}

fn root_store(ca_der: &CertificateDer<'static>) -> Result<Arc<RootCertStore>, TlsError> {
    let mut roots = RootCertStore::empty();
    roots
        .add(ca_der.clone())
        .map_err(|source| TlsError::Rustls {
            what: "trust anchor from the agency CA certificate PEM",
            source,
        })?;
    Ok(Arc::new(roots))
}

/// A certificate from another CA would be refused by every peer; say so at start-up instead.
fn require_issued_by(
    ca: &X509Certificate<'_>,
    leaf: &CertificateDer<'_>,
    what: &str,
) -> Result<(), TlsError> {
    let leaf = pem::parse_certificate(leaf, what)?;
    if leaf.issuer().as_raw() != ca.subject().as_raw() {
        return Err(TlsError::certificate(
            what,
            format!(
                "issued by \"{}\", not by the agency CA \"{}\"",
                leaf.issuer(),
                ca.subject()
            ),
        ));
    }
    Ok(())
}
