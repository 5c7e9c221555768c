//! The agency CA on disk: `ca.pem` (0644) and `ca-key.pem` (0600) in one directory.

use std::fs::{self, File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use rcgen::{CertificateParams, Issuer, KeyPair, KeyUsagePurpose, PublicKeyData};
use x509_parser::prelude::X509Certificate;

use super::{AgencyCa, TlsError, ca_name, pem};

pub(crate) const CERT_FILE: &str = "ca.pem";
pub(crate) const KEY_FILE: &str = "ca-key.pem";

impl AgencyCa {
    /// Writes `ca.pem` and `ca-key.pem` into `dir` (created if missing). Refuses to replace a
    /// different CA already there, since that would orphan every enrolled car; saving the same
    /// CA again is a no-op.
    pub fn save(&self, dir: &Path) -> Result<(), TlsError> {
        let cert_path = dir.join(CERT_FILE);
        let key_path = dir.join(KEY_FILE);
        match (read_if_exists(&cert_path)?, read_if_exists(&key_path)?) {
            (Some(cert), Some(key)) if cert == self.cert_pem() && key == self.key_pem() => {
                return Ok(());
            }
            (Some(_), _) => return Err(TlsError::CaExists { path: cert_path }),
            (None, Some(_)) => return Err(TlsError::CaExists { path: key_path }),
            (None, None) => {}
        }
        fs::create_dir_all(dir).map_err(|e| TlsError::io("create directory", dir, e))?;
        write_new_file(dir, &key_path, self.key_pem(), 0o600)?;
        if let Err(e) = write_new_file(dir, &cert_path, self.cert_pem(), 0o644) {
            // A key without its certificate would block the next save and load nothing.
            let _ = fs::remove_file(&key_path);
            return Err(e);
        }
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| TlsError::io("sync directory", dir, e))
    }

    /// Reads the CA saved by [`AgencyCa::save`], checking that the key belongs to the
    /// certificate and that certificates signed now will chain to it.
    pub fn load(dir: &Path) -> Result<Self, TlsError> {
        let cert_path = dir.join(CERT_FILE);
        let key_path = dir.join(KEY_FILE);
        let cert_pem = fs::read_to_string(&cert_path)
            .map_err(|e| TlsError::io("read the agency CA certificate", &cert_path, e))?;
        let key_pem = fs::read_to_string(&key_path)
            .map_err(|e| TlsError::io("read the agency CA key", &key_path, e))?;
        warn_if_exposed(&key_path);

        let cert_what = format!("agency CA certificate {}", cert_path.display());
        let key_what = format!("agency CA key {}", key_path.display());
        let der = pem::single_certificate(&cert_pem, &cert_what)?;
        let cert = pem::parse_certificate(&der, &cert_what)?;
        if !cert.is_ca() {
            return Err(TlsError::certificate(
                &cert_what,
                "not a CA certificate (basicConstraints does not say CA)",
            ));
        }
        let key = KeyPair::from_pem(&key_pem)
            .map_err(|e| TlsError::key(&key_what, format!("not a usable private key: {e}")))?;
        if key.subject_public_key_info() != cert.public_key().raw {
            return Err(TlsError::key(
                &key_what,
                format!("does not belong to {}", cert_path.display()),
            ));
        }

        let mut params = CertificateParams::default();
        params.distinguished_name = ca_name::from_certificate(&cert, &cert_what)?;
        params.key_usages = key_usages(&cert, &cert_what)?;
        let issuer = Issuer::new(params, key);
        check_issuer_name(&issuer, &cert, &cert_what)?;
        Ok(Self::from_parts(cert_pem, key_pem, issuer))
    }
}

fn read_if_exists(path: &Path) -> Result<Option<String>, TlsError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(TlsError::io("read", path, e)),
    }
}

/// Written to a temporary file first (created 0600) so a crash never leaves half a key, then
/// moved into place without replacing anything that appeared meanwhile.
fn write_new_file(dir: &Path, path: &Path, contents: &str, mode: u32) -> Result<(), TlsError> {
    let write_err = |e| TlsError::io("write", path, e);
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(write_err)?;
    temp.write_all(contents.as_bytes()).map_err(write_err)?;
    temp.as_file()
        .set_permissions(Permissions::from_mode(mode))
        .map_err(write_err)?;
    temp.as_file().sync_all().map_err(write_err)?;
    temp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            TlsError::CaExists {
                path: path.to_owned(),
            }
        } else {
            write_err(e.error)
        }
    })?;
    Ok(())
}

fn warn_if_exposed(key_path: &Path) {
    if let Ok(meta) = fs::metadata(key_path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %key_path.display(),
            mode = format!("{:o}", meta.permissions().mode() & 0o777),
            "the agency CA key is readable by other users; it should be 0600"
        );
    }
}

fn key_usages(cert: &X509Certificate<'_>, what: &str) -> Result<Vec<KeyUsagePurpose>, TlsError> {
    let usage = cert
        .key_usage()
        .map_err(|e| TlsError::certificate(what, format!("unreadable keyUsage: {e}")))?;
    let Some(usage) = usage else {
        return Ok(Vec::new());
    };
    let mut usages = Vec::new();
    if usage.value.digital_signature() {
        usages.push(KeyUsagePurpose::DigitalSignature);
    }
    if usage.value.key_cert_sign() {
        usages.push(KeyUsagePurpose::KeyCertSign);
    }
    if usage.value.crl_sign() {
        usages.push(KeyUsagePurpose::CrlSign);
    }
    Ok(usages)
}

/// Chains are built by comparing issuer and subject names byte for byte, so a rebuilt name
/// that differs in any encoding detail would make every new certificate an orphan. Sign a
/// throwaway certificate and compare.
fn check_issuer_name(
    issuer: &Issuer<'static, KeyPair>,
    ca_cert: &X509Certificate<'_>,
    what: &str,
) -> Result<(), TlsError> {
    let probe = CertificateParams::default()
        .signed_by(issuer.key(), issuer)
        .map_err(|e| TlsError::generate(format!("a probe certificate from {what}"), e))?;
    let probe = pem::parse_certificate(probe.der(), "probe certificate")?;
    if probe.issuer().as_raw() != ca_cert.subject().as_raw() {
        return Err(TlsError::certificate(
            what,
            "its subject name cannot be reproduced exactly, so certificates signed with it would not chain",
        ));
    }
    Ok(())
}
