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

/// One receiver epoch: where the receiver was at `time`, by the receiver's own clock (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub time: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    pub alt_m: Option<f64>,
    pub speed_mps: Option<f64>,
    pub track_deg: Option<f64>,
    pub mode: FixMode,
    pub hdop: Option<f64>,
    pub sats: Option<u32>,
}
