use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of solution the receiver had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixMode {
    /// No position: the receiver is searching, or the antenna sees no sky.
    None,
    /// Latitude and longitude only.
    TwoD,
    /// Latitude, longitude and altitude.
    ThreeD,
}

impl FixMode {
    /// The gpsd-style number: 0 (no fix), 2 or 3.
    pub fn as_number(self) -> u8 {
        match self {
            FixMode::None => 0,
            FixMode::TwoD => 2,
            FixMode::ThreeD => 3,
        }
    }
}

/// Where fixes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixSource {
    /// NMEA from a serial receiver or a recorded log, decoded here.
    Nmea,
    /// gpsd's reports.
    Gpsd,
}

impl FixSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FixSource::Nmea => "nmea",
            FixSource::Gpsd => "gpsd",
        }
    }
}

/// One receiver epoch: where the receiver was at `time`, by the receiver's own clock (UTC).
/// Without a fix (`mode` none) an epoch still has a time, but no position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub time: DateTime<Utc>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub alt_m: Option<f64>,
    pub speed_mps: Option<f64>,
    pub track_deg: Option<f64>,
    pub mode: FixMode,
    pub hdop: Option<f64>,
    /// Satellites used in the solution.
    pub sats: Option<u32>,
    pub source: FixSource,
}

impl Fix {
    /// Latitude and longitude, when the epoch had a position.
    pub fn position(&self) -> Option<(f64, f64)> {
        self.lat.zip(self.lon)
    }
}
