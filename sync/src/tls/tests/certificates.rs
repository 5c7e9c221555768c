//! What the CA issues, as read back by `describe_cert`, and configurations refusing
//! certificates that could never work.

use chrono::{TimeDelta, Utc};

use super::harness::Agency;
use crate::tls::{AgencyCa, TlsError, client_config, describe_cert, server_config};

#[test]
fn describe_cert_reports_what_was_issued() {
    let agency = Agency::new("Springfield PD");
    let info = describe_cert(&agency.car.cert_pem).expect("describe");
    assert_eq!(info.common_name.as_deref(), Some("car-001"));
    assert_eq!(info.serial_hex, agency.car.serial_hex);
    assert_eq!(info.not_after, agency.car.not_after);
    let now = Utc::now();
    assert!(info.not_before < now && info.not_before > now - TimeDelta::hours(2));
    let days = (info.not_after - now).num_days();
    assert!((364..=365).contains(&days), "{days} days");

    let ca = describe_cert(agency.ca.cert_pem()).expect("describe the CA");
    assert_eq!(ca.common_name.as_deref(), Some("Springfield PD ALPR CA"));
    let server = describe_cert(&agency.server.cert_pem).expect("describe the server");
    assert_eq!(server.common_name.as_deref(), Some("localhost"));
    assert_ne!(server.serial_hex, info.serial_hex);
}

#[test]
fn describe_cert_names_bad_input() {
    let err = describe_cert("garbage").expect_err("no certificate");
    assert!(err.to_string().contains("certificate PEM"), "{err}");
}

#[test]
fn names_and_lifetimes_are_checked() {
    let agency = Agency::new("Springfield PD");
    for bad in ["", "car 1", "car/1", "ünit", &"x".repeat(65)] {
        let err = agency.ca.enroll_car(bad, 365).expect_err("bad car id");
        assert!(
            matches!(err, TlsError::InvalidName { .. }),
            "{bad:?}: {err:?}"
        );
    }
    assert!(agency.ca.enroll_car("car-001", 0).is_err());
    assert!(agency.ca.enroll_car("car-001", 100_000).is_err());
    assert!(agency.ca.issue_server(&[], 365).is_err());
    assert!(AgencyCa::generate("", 365).is_err());
    assert!(AgencyCa::generate(&"x".repeat(57), 365).is_err());
}

#[test]
fn configurations_refuse_certificates_from_another_ca() {
    let agency = Agency::new("Springfield PD");
    let other = Agency::new("Shelbyville PD");
    let err = server_config(
        agency.ca.cert_pem(),
        &other.server.cert_pem,
        &other.server.key_pem,
        &[],
    )
    .expect_err("a server certificate from another CA");
    assert!(err.to_string().contains("server certificate PEM"), "{err}");

    let err = client_config(
        agency.ca.cert_pem(),
        &other.car.cert_pem,
        &other.car.key_pem,
    )
    .expect_err("a car certificate from another CA");
    assert!(err.to_string().contains("car certificate PEM"), "{err}");
}

#[test]
fn configurations_refuse_a_key_that_does_not_match() {
    let agency = Agency::new("Springfield PD");
    let second = agency.ca.enroll_car("car-002", 365).expect("enroll");
    let err = client_config(agency.ca.cert_pem(), &agency.car.cert_pem, &second.key_pem)
        .expect_err("mismatched car key");
    assert!(err.to_string().contains("car"), "{err}");

    let err = server_config(
        agency.ca.cert_pem(),
        &agency.server.cert_pem,
        &second.key_pem,
        &[],
    )
    .expect_err("mismatched server key");
    assert!(err.to_string().contains("server"), "{err}");
}

#[test]
fn debug_output_never_shows_keys() {
    let agency = Agency::new("Springfield PD");
    let shown = format!("{:?} {:?}", agency.ca, agency.car);
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    assert!(shown.contains(&agency.car.serial_hex));
}
