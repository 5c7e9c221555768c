//! Certificate serial numbers, written as the lowercase hex of their (unsigned) value.

use super::TlsError;

const SERIAL_BYTES: usize = 16;
/// RFC 5280 §4.1.2.2.
const MAX_SERIAL_BYTES: usize = 20;

/// A fresh 128-bit serial: unpredictable, so two enrollments never collide.
///
/// The top bit is cleared (DER would otherwise prepend a sign byte) and the next one set (no
/// leading zero byte to strip), so the DER content is exactly these bytes and its hex is the
/// `serial_hex` that the CRL and `describe_cert` report.
pub(crate) fn random() -> Result<Vec<u8>, TlsError> {
    let mut serial = vec![0u8; SERIAL_BYTES];
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut serial)
        .map_err(|_| {
            TlsError::certificate(
                "certificate serial number",
                "the system random source failed",
            )
        })?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

/// Hex of a DER INTEGER's content bytes, without the sign byte DER adds to large values.
pub(crate) fn to_hex(der_content: &[u8]) -> String {
    let first_nonzero = der_content
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(der_content.len().saturating_sub(1));
    hex::encode(&der_content[first_nonzero..])
}

/// Accepts what operators paste: upper or lower case, optionally `:`-separated as OpenSSL prints.
pub(crate) fn from_hex(serial_hex: &str) -> Result<Vec<u8>, TlsError> {
    let invalid = |reason: &str| TlsError::InvalidSerial {
        serial_hex: serial_hex.to_owned(),
        reason: reason.to_owned(),
    };
    let mut digits: String = serial_hex.trim().chars().filter(|&c| c != ':').collect();
    if digits.is_empty() {
        return Err(invalid("empty"));
    }
    if digits.len() % 2 == 1 {
        digits.insert(0, '0');
    }
    let bytes = hex::decode(&digits).map_err(|e| invalid(&format!("not hex: {e}")))?;
    let first_nonzero = bytes
        .iter()
        .position(|&b| b != 0)
        .ok_or_else(|| invalid("a serial number must be positive"))?;
    let magnitude = bytes[first_nonzero..].to_vec();
    if magnitude.len() > MAX_SERIAL_BYTES {
        return Err(invalid("longer than the 20 bytes X.509 allows"));
    }
    Ok(magnitude)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_serials_are_positive_without_padding_and_distinct() {
        let a = random().expect("serial");
        let b = random().expect("serial");
        assert_ne!(a, b);
        assert_eq!(a.len(), SERIAL_BYTES);
        assert_eq!(a[0] & 0xc0, 0x40);
        assert_eq!(to_hex(&a).len(), 2 * SERIAL_BYTES);
    }

    #[test]
    fn hex_round_trips_and_accepts_openssl_style() {
        assert_eq!(to_hex(&[0x00, 0x9a, 0x01]), "9a01");
        assert_eq!(to_hex(&[0x00]), "00");
        assert_eq!(from_hex("9A:01").expect("parse"), vec![0x9a, 0x01]);
        assert_eq!(from_hex("0009a01").expect("parse"), vec![0x9a, 0x01]);
        assert_eq!(from_hex("abc").expect("parse"), vec![0x0a, 0xbc]);
        assert!(from_hex("").is_err());
        assert!(from_hex("00").is_err());
        assert!(from_hex("xyz").is_err());
        assert!(from_hex(&"11".repeat(21)).is_err());
    }
}
