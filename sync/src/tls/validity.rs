//! Validity windows and the conversions between chrono and X.509 times.

use std::time::SystemTime;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use x509_parser::time::ASN1Time;

use super::TlsError;

/// A century: beyond it the number is a typo, and `time` (rcgen's date type) stops at year 9999.
const MAX_VALID_DAYS: u32 = 36_525;

/// How far back `not_before` is set. A car or headquarters whose clock lags the issuer's would
/// otherwise reject a certificate issued moments ago as "not valid yet".
const CLOCK_SKEW_ALLOWANCE: TimeDelta = TimeDelta::hours(1);

#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub(crate) not_before: DateTime<Utc>,
    pub(crate) not_after: DateTime<Utc>,
}

impl Window {
    /// From now (backdated for clock skew) until `valid_days` from now, in whole seconds as X.509
    /// stores them so the `not_after` we report is the one in the certificate.
    pub(crate) fn from_now(valid_days: u32, what: &str) -> Result<Self, TlsError> {
        if !(1..=MAX_VALID_DAYS).contains(&valid_days) {
            return Err(TlsError::InvalidValidity {
                what: format!("validity of the {what}"),
                reason: format!("{valid_days} days; expected 1 to {MAX_VALID_DAYS}"),
            });
        }
        let now = whole_seconds(Utc::now());
        Ok(Self {
            not_before: now - CLOCK_SKEW_ALLOWANCE,
            not_after: now + TimeDelta::days(i64::from(valid_days)),
        })
    }
}

pub(crate) fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// A time rcgen can encode (UTCTime or GeneralizedTime), as the `SystemTime` that converts into
/// rcgen's `OffsetDateTime` without panicking.
pub(crate) fn to_x509(t: DateTime<Utc>, what: &str) -> Result<SystemTime, TlsError> {
    if !(1950..=9999).contains(&t.year()) {
        return Err(TlsError::InvalidValidity {
            what: what.to_owned(),
            reason: format!("{t} is outside the years 1950 to 9999 that X.509 can encode"),
        });
    }
    Ok(SystemTime::from(t))
}

pub(crate) fn from_x509(t: ASN1Time) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.timestamp(), 0)
}
