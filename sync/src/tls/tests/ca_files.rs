//! The CA on disk: round trip, permissions, and errors that name the file.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::harness::{Agency, TestServer};
use crate::tls::ca_files::{CERT_FILE, KEY_FILE};
use crate::tls::{AgencyCa, TlsError, server_config};

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

fn assert_names(err: &TlsError, path: &Path) {
    let message = err.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "{message:?} does not name {}",
        path.display()
    );
}

#[tokio::test]
async fn a_saved_ca_loads_and_still_signs_for_the_same_fleet() {
    let agency = Agency::new("Springfield PD");
    let dir = tempfile::tempdir().expect("temp dir");
    let ca_dir = dir.path().join("pki");
    agency.ca.save(&ca_dir).expect("save");
    let loaded = AgencyCa::load(&ca_dir).expect("load");
    assert_eq!(loaded.cert_pem(), agency.ca.cert_pem());

    // Certificates and CRLs from the reloaded CA must work with headquarters as configured
    // from the original: same name bytes, same key.
    let new_car = loaded
        .enroll_car("car-007", 365)
        .expect("enroll after reload");
    let crl = loaded.crl_pem(&[], 7).expect("CRL after reload");
    let mut server = TestServer::start(agency.server_config(&[crl])).await;
    let reply = super::harness::car_talks(server.addr, agency.car_config(&new_car))
        .await
        .expect("a car enrolled by the reloaded CA gets through");
    assert_eq!(reply, "welcome car-007\n");
    server.next_outcome().await;
    server.assert_accepts(&agency).await;
}

#[test]
fn the_key_file_is_private_and_the_certificate_readable() {
    let agency = Agency::new("Springfield PD");
    let dir = tempfile::tempdir().expect("temp dir");
    agency.ca.save(dir.path()).expect("save");
    assert_eq!(mode(&dir.path().join(KEY_FILE)), 0o600);
    assert_eq!(mode(&dir.path().join(CERT_FILE)), 0o644);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .filter(|name| name != CERT_FILE && name != KEY_FILE)
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn save_never_replaces_another_ca() {
    let first = Agency::new("Springfield PD");
    let second = Agency::new("Springfield PD");
    let dir = tempfile::tempdir().expect("temp dir");
    first.ca.save(dir.path()).expect("save");
    first
        .ca
        .save(dir.path())
        .expect("saving the same CA again is fine");

    let err = second.ca.save(dir.path()).expect_err("another CA");
    assert!(matches!(err, TlsError::CaExists { .. }), "{err:?}");
    assert_names(&err, &dir.path().join(CERT_FILE));
    let kept = AgencyCa::load(dir.path()).expect("load");
    assert_eq!(kept.cert_pem(), first.ca.cert_pem());
}

#[test]
fn loading_from_a_missing_directory_names_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nowhere");
    let err = AgencyCa::load(&missing).expect_err("nothing to load");
    assert!(matches!(err, TlsError::Io { .. }), "{err:?}");
    assert_names(&err, &missing.join(CERT_FILE));
}

#[test]
fn a_corrupt_certificate_is_named() {
    let agency = Agency::new("Springfield PD");
    for corrupt in [
        "not a PEM at all\n",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n",
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        agency.ca.save(dir.path()).expect("save");
        let cert_path = dir.path().join(CERT_FILE);
        fs::write(&cert_path, corrupt).expect("corrupt ca.pem");
        let err = AgencyCa::load(dir.path()).expect_err("corrupt certificate");
        assert_names(&err, &cert_path);
    }
}

#[test]
fn a_corrupt_or_foreign_key_is_named() {
    let agency = Agency::new("Springfield PD");
    let other = Agency::new("Springfield PD");
    let other_dir = tempfile::tempdir().expect("temp dir");
    other.ca.save(other_dir.path()).expect("save");
    let other_key = fs::read_to_string(other_dir.path().join(KEY_FILE)).expect("other key");

    for (key, expected) in [
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "not a usable private key",
        ),
        (other_key.as_str(), "does not belong"),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        agency.ca.save(dir.path()).expect("save");
        let key_path = dir.path().join(KEY_FILE);
        fs::write(&key_path, key).expect("replace ca-key.pem");
        let err = AgencyCa::load(dir.path()).expect_err("bad key");
        assert_names(&err, &key_path);
        assert!(err.to_string().contains(expected), "{err}");
    }
}

#[test]
fn a_leaf_certificate_is_not_loaded_as_the_ca() {
    let agency = Agency::new("Springfield PD");
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join(CERT_FILE), &agency.car.cert_pem).expect("write");
    fs::write(dir.path().join(KEY_FILE), &agency.car.key_pem).expect("write");
    let err = AgencyCa::load(dir.path()).expect_err("a car certificate is no CA");
    assert!(err.to_string().contains("not a CA"), "{err}");

    let err = server_config(
        &agency.car.cert_pem,
        &agency.server.cert_pem,
        &agency.server.key_pem,
        &[],
    )
    .expect_err("a car certificate as trust anchor");
    assert!(err.to_string().contains("not a CA"), "{err}");
}
