//! Names in certificates: the agency CA's, cars' and headquarters', and rebuilding the CA's
//! name from a saved certificate.

use rcgen::string::{Ia5String, PrintableString};
use rcgen::{DistinguishedName, DnType, DnValue, SanType};
use x509_parser::asn1_rs::Tag;
use x509_parser::prelude::X509Certificate;

use super::TlsError;

/// X.520's upper bound for a common name (ub-common-name).
const MAX_COMMON_NAME: usize = 64;
const CA_SUFFIX: &str = " ALPR CA";

fn invalid(what: &'static str, value: &str, reason: &'static str) -> TlsError {
    TlsError::InvalidName {
        what,
        value: value.to_owned(),
        reason,
    }
}

/// O = the agency, CN = "<agency> ALPR CA".
pub(crate) fn for_agency(agency_name: &str) -> Result<DistinguishedName, TlsError> {
    let what = "agency name";
    if agency_name.trim().is_empty() {
        return Err(invalid(what, agency_name, "empty"));
    }
    if agency_name.trim() != agency_name {
        return Err(invalid(what, agency_name, "leading or trailing whitespace"));
    }
    if agency_name.chars().any(char::is_control) {
        return Err(invalid(what, agency_name, "contains control characters"));
    }
    if agency_name.chars().count() + CA_SUFFIX.len() > MAX_COMMON_NAME {
        return Err(invalid(
            what,
            agency_name,
            "longer than 56 characters (the CA's common name adds \" ALPR CA\")",
        ));
    }
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, agency_name);
    dn.push(DnType::CommonName, format!("{agency_name}{CA_SUFFIX}"));
    Ok(dn)
}

pub(crate) fn common_name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

/// Car ids end up in a CN, a URI, log lines and file names, so they stay plain.
pub(crate) fn check_car_id(car_id: &str) -> Result<(), TlsError> {
    let what = "car id";
    if car_id.is_empty() {
        return Err(invalid(what, car_id, "empty"));
    }
    if car_id.len() > MAX_COMMON_NAME {
        return Err(invalid(what, car_id, "longer than 64 characters"));
    }
    if !car_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(invalid(
            what,
            car_id,
            "only ASCII letters, digits, '-', '_' and '.' are allowed",
        ));
    }
    Ok(())
}

pub(crate) fn car_uri(car_id: &str) -> Result<SanType, TlsError> {
    let uri = format!("urn:alpr:car:{car_id}");
    Ia5String::try_from(uri.as_str())
        .map(SanType::URI)
        .map_err(|_| invalid("car id", car_id, "not ASCII"))
}

/// Returns the first hostname, which becomes the certificate's CN.
pub(crate) fn check_hostnames(hostnames: &[String]) -> Result<&str, TlsError> {
    let what = "server hostname";
    let Some(first) = hostnames.first() else {
        return Err(invalid(what, "", "no hostnames given"));
    };
    for name in hostnames {
        if name.is_empty() {
            return Err(invalid(what, name, "empty"));
        }
        if !name.chars().all(|c| c.is_ascii_graphic()) {
            return Err(invalid(
                what,
                name,
                "only printable ASCII without spaces is allowed",
            ));
        }
        if name.len() > 253 {
            return Err(invalid(what, name, "longer than 253 characters"));
        }
    }
    if first.len() > MAX_COMMON_NAME {
        return Err(invalid(
            what,
            first,
            "the first hostname becomes the common name and must fit in 64 characters",
        ));
    }
    Ok(first)
}

/// The subject of a saved CA certificate in rcgen's terms, so certificates signed after a
/// restart carry exactly the issuer name that chains to it. Covers the single-valued UTF8String
/// and PrintableString attributes `AgencyCa::generate` writes; the caller checks the result
/// byte for byte against the certificate.
pub(crate) fn from_certificate(
    cert: &X509Certificate<'_>,
    what: &str,
) -> Result<DistinguishedName, TlsError> {
    let mut dn = DistinguishedName::new();
    for rdn in cert.subject().iter_rdn() {
        let mut attributes = rdn.iter();
        let (Some(attribute), None) = (attributes.next(), attributes.next()) else {
            return Err(TlsError::certificate(
                what,
                "subject has a multi-valued name component, which this CA cannot reproduce",
            ));
        };
        let oid: Vec<u64> = attribute
            .attr_type()
            .iter()
            .ok_or_else(|| TlsError::certificate(what, "subject has an unreadable attribute type"))?
            .collect();
        let text = attribute.as_str().map_err(|e| {
            TlsError::certificate(what, format!("subject attribute is not text: {e}"))
        })?;
        let value = match attribute.attr_value().tag() {
            Tag::Utf8String => DnValue::Utf8String(text.to_owned()),
            Tag::PrintableString => DnValue::PrintableString(
                PrintableString::try_from(text)
                    .map_err(|e| TlsError::certificate(what, format!("subject attribute: {e}")))?,
            ),
            other => {
                return Err(TlsError::certificate(
                    what,
                    format!("subject attribute encoded as {other}, which this CA cannot reproduce"),
                ));
            }
        };
        let ty = DnType::from_oid(&oid);
        if dn.get(&ty).is_some() {
            return Err(TlsError::certificate(
                what,
                "subject repeats an attribute type, which this CA cannot reproduce",
            ));
        }
        dn.push(ty, value);
    }
    Ok(dn)
}
