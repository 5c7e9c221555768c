//! Revoked cars are refused; CRLs that would lock out every car are refused at start-up.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use rustls::{AlertDescription, CertificateError, Error as RustlsError};
use x509_parser::prelude::{CertificateRevocationList, FromDer};

use super::harness::{Agency, Outcome, TestServer, car_talks, rustls_error};
use crate::tls::validity::whole_seconds;
use crate::tls::{Issued, RevokedCert, TlsError, pem, serial, server_config};

fn revoked(car: &Issued) -> RevokedCert {
    RevokedCert {
        serial_hex: car.serial_hex.clone(),
        revoked_at: Utc::now() - TimeDelta::minutes(5),
    }
}

async fn assert_revoked_car_refused(server: &mut TestServer, agency: &Agency, car: &Issued) {
    let err = car_talks(server.addr, agency.car_config(car))
        .await
        .expect_err("a revoked car is refused");
    assert!(
        matches!(
            rustls_error(&err),
            Some(RustlsError::AlertReceived(
                AlertDescription::CertificateRevoked
            ))
        ),
        "car saw {err}"
    );
    // The server's accept failed, so nothing the car wrote reached the application.
    match server.next_outcome().await {
        Outcome::Refused(e) => assert!(
            matches!(
                rustls_error(&e),
                Some(RustlsError::InvalidCertificate(CertificateError::Revoked))
            ),
            "server saw {e}"
        ),
        Outcome::Accepted { received, .. } => {
            panic!("revoked car accepted; the server read {received:?}")
        }
    }
}

#[tokio::test]
async fn revoked_car_is_refused_before_any_data_moves() {
    let agency = Agency::new("Springfield PD");
    let stolen = agency
        .ca
        .enroll_car("car-002", 365)
        .expect("enroll car-002");

    // Without the CRL the same certificate gets in, so the refusal below is the CRL's doing.
    let lenient = TestServer::start(agency.server_config(&[])).await;
    car_talks(lenient.addr, agency.car_config(&stolen))
        .await
        .expect("car-002 gets in before its revocation");

    let crl = agency
        .ca
        .crl_pem(&[revoked(&stolen)], 7)
        .expect("CRL revoking car-002");
    let mut server = TestServer::start(agency.server_config(&[crl])).await;
    assert_revoked_car_refused(&mut server, &agency, &stolen).await;
    server.assert_accepts(&agency).await;
}

#[tokio::test]
async fn the_newest_crl_is_used_whatever_order_they_come_in() {
    let agency = Agency::new("Springfield PD");
    let stolen = agency
        .ca
        .enroll_car("car-002", 365)
        .expect("enroll car-002");
    let before_theft = agency.ca.crl_pem(&[], 7).expect("empty CRL");
    // CRL numbers are milliseconds; make sure the second is a later one.
    std::thread::sleep(Duration::from_millis(5));
    let after_theft = agency
        .ca
        .crl_pem(&[revoked(&stolen)], 7)
        .expect("CRL revoking car-002");

    for crls in [
        [before_theft.clone(), after_theft.clone()],
        [after_theft, before_theft],
    ] {
        let mut server = TestServer::start(agency.server_config(&crls)).await;
        assert_revoked_car_refused(&mut server, &agency, &stolen).await;
        server.assert_accepts(&agency).await;
    }
}

#[test]
fn crl_lists_each_revoked_serial_with_its_time() {
    let agency = Agency::new("Springfield PD");
    let a = agency.ca.enroll_car("car-002", 365).expect("enroll");
    let b = agency.ca.enroll_car("car-003", 365).expect("enroll");
    let revoked_at = whole_seconds(Utc::now() - TimeDelta::days(2));
    let list = [
        RevokedCert {
            serial_hex: a.serial_hex.to_uppercase(),
            revoked_at,
        },
        RevokedCert {
            serial_hex: b.serial_hex.clone(),
            revoked_at,
        },
    ];
    let crl_pem = agency.ca.crl_pem(&list, 7).expect("CRL");

    let ders = pem::revocation_lists(&crl_pem, "CRL").expect("CRL PEM");
    let (_, crl) = CertificateRevocationList::from_der(&ders[0]).expect("parse CRL");
    let listed: Vec<(String, i64)> = crl
        .iter_revoked_certificates()
        .map(|r| {
            (
                serial::to_hex(r.raw_serial()),
                r.revocation_date.timestamp(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (a.serial_hex.clone(), revoked_at.timestamp()),
            (b.serial_hex.clone(), revoked_at.timestamp())
        ]
    );
    assert!(!listed.iter().any(|(s, _)| *s == agency.car.serial_hex));
    let next = crl.next_update().expect("next update").timestamp();
    let expected = (Utc::now() + TimeDelta::days(7)).timestamp();
    assert!(
        (next - expected).abs() < 60,
        "next update {next}, expected ~{expected}"
    );
    assert!(crl.crl_number().is_some());
}

#[test]
fn crl_rejects_a_malformed_serial() {
    let agency = Agency::new("Springfield PD");
    let err = agency
        .ca
        .crl_pem(
            &[RevokedCert {
                serial_hex: "not-hex".to_owned(),
                revoked_at: Utc::now(),
            }],
            7,
        )
        .expect_err("a malformed serial");
    assert!(err.to_string().contains("not-hex"), "{err}");
}

#[test]
fn a_crl_from_another_ca_is_refused_at_start_up() {
    let agency = Agency::new("Springfield PD");
    let other = Agency::new("Shelbyville PD");
    let good = agency.ca.crl_pem(&[], 7).expect("CRL");
    let wrong = other.ca.crl_pem(&[], 7).expect("CRL");
    let err = server_config(
        agency.ca.cert_pem(),
        &agency.server.cert_pem,
        &agency.server.key_pem,
        &[good, wrong],
    )
    .expect_err("a CRL from another CA");
    assert!(matches!(err, TlsError::Crl { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("CRL PEM 2 of 2"), "{message}");
    assert!(message.contains("Shelbyville PD ALPR CA"), "{message}");
}

#[test]
fn a_crl_from_a_same_named_ca_is_refused_at_start_up() {
    let agency = Agency::new("Springfield PD");
    let regenerated = Agency::new("Springfield PD");
    let wrong = regenerated.ca.crl_pem(&[], 7).expect("CRL");
    let err = server_config(
        agency.ca.cert_pem(),
        &agency.server.cert_pem,
        &agency.server.key_pem,
        &[wrong],
    )
    .expect_err("a CRL whose signature does not verify");
    let message = err.to_string();
    assert!(message.contains("CRL PEM 1 of 1"), "{message}");
    assert!(message.contains("signature"), "{message}");
}

#[test]
fn a_corrupt_crl_is_refused_naming_it() {
    let agency = Agency::new("Springfield PD");
    let err = server_config(
        agency.ca.cert_pem(),
        &agency.server.cert_pem,
        &agency.server.key_pem,
        &["-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n".to_owned()],
    )
    .expect_err("a corrupt CRL");
    assert!(err.to_string().contains("CRL PEM 1 of 1"), "{err}");
}
