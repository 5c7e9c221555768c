//! What a GPS source is doing, for diagnostics, the patrol screen and `alpr gps`.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::epoch::SentenceStats;
use crate::fix::Fix;

/// How many recent clock offsets the median is taken over.
const OFFSET_WINDOW: usize = 15;

/// A GPS source's state at one moment.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GpsStatusSnapshot {
    /// `serial:/dev/ttyUSB0`, `gpsd:127.0.0.1:2947`, ...
    pub source: String,
    pub connected: bool,
    /// The baud rate in use (serial only), detected or configured.
    pub baud: Option<u32>,
    pub last_fix: Option<Fix>,
    pub fixes: u64,
    /// Times the source was lost and found again.
    pub reconnects: u64,
    pub last_error: Option<String>,
    /// NMEA sentence counts (serial and files; gpsd decodes for itself).
    pub sentences: SentenceStats,
    /// System clock minus GPS time when fixes arrived, median of the last few, in milliseconds:
    /// positive when the system clock is ahead. Includes the receiver's reporting delay.
    pub clock_offset_ms: Option<i64>,
}

impl GpsStatusSnapshot {
    /// The last fix is older than `max_age` at `now` (or there is none).
    pub fn is_stale(&self, now: DateTime<Utc>, max_age: Duration) -> bool {
        self.last_fix
            .as_ref()
            .is_none_or(|f| now - f.time > max_age)
    }
}

/// Shared between a source's thread and its readers.
#[derive(Debug, Default)]
pub struct GpsStatus {
    inner: Mutex<(GpsStatusSnapshot, VecDeque<i64>)>,
}

impl GpsStatus {
    pub fn new(source: String) -> Self {
        Self {
            inner: Mutex::new((
                GpsStatusSnapshot {
                    source,
                    ..Default::default()
                },
                VecDeque::new(),
            )),
        }
    }

    pub fn snapshot(&self) -> GpsStatusSnapshot {
        self.inner.lock().map(|g| g.0.clone()).unwrap_or_default()
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut GpsStatusSnapshot)) {
        if let Ok(mut g) = self.inner.lock() {
            f(&mut g.0);
        }
    }

    pub(crate) fn fix(&self, fix: &Fix, received: DateTime<Utc>) {
        if let Ok(mut g) = self.inner.lock() {
            let (snap, offsets) = &mut *g;
            offsets.push_back((received - fix.time).num_milliseconds());
            if offsets.len() > OFFSET_WINDOW {
                offsets.pop_front();
            }
            let mut sorted: Vec<i64> = offsets.iter().copied().collect();
            sorted.sort_unstable();
            snap.clock_offset_ms = sorted.get(sorted.len() / 2).copied();
            snap.fixes += 1;
            snap.last_fix = Some(fix.clone());
        }
    }
}
