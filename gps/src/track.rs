//! Recent fixes, and the position at a read's capture time.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::fix::{Fix, FixMode};

/// How far a position may be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PositionQuality {
    /// A fix at the capture time itself.
    Fix,
    /// Interpolated between fixes close enough in time.
    Interpolated,
    /// Interpolated between fixes further apart than the limit: the car may have turned between them.
    GapTooLong,
    /// The last fix before the capture time, recent enough to stand for it.
    LastFix,
    /// The last fix before the capture time, older than the stale limit.
    Stale,
}

impl PositionQuality {
    pub fn as_str(self) -> &'static str {
        match self {
            PositionQuality::Fix => "fix",
            PositionQuality::Interpolated => "interpolated",
            PositionQuality::GapTooLong => "gap-too-long",
            PositionQuality::LastFix => "last-fix",
            PositionQuality::Stale => "stale",
        }
    }
}

/// The position given to a read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaggedPosition {
    pub lat: f64,
    pub lon: f64,
    pub quality: PositionQuality,
    /// Time from the capture to the nearest fix used, in milliseconds.
    pub fix_age_ms: i64,
    pub mode: FixMode,
    pub hdop: Option<f64>,
}

/// When interpolation stops being trustworthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackLimits {
    /// Fixes further apart than this are interpolated but flagged.
    pub max_gap: Duration,
    /// A last fix older than this is stale.
    pub stale_after: Duration,
    /// How much history to keep for reads that arrive late.
    pub keep: Duration,
}

impl Default for TrackLimits {
    fn default() -> Self {
        Self {
            max_gap: Duration::seconds(5),
            stale_after: Duration::seconds(10),
            keep: Duration::minutes(10),
        }
    }
}

/// Fixes in time order, oldest dropped after [`TrackLimits::keep`].
#[derive(Debug, Clone, Default)]
pub struct Track {
    fixes: VecDeque<Fix>,
    limits: TrackLimits,
}

impl Track {
    pub fn new(limits: TrackLimits) -> Self {
        Self {
            fixes: VecDeque::new(),
            limits,
        }
    }

    /// Adds a fix; one older than the newest already held is placed in order. An epoch without a
    /// position is not kept: interpolation runs between positions, and a gap of no-fix epochs
    /// shows as a gap.
    pub fn push(&mut self, fix: Fix) {
        if fix.position().is_none() {
            return;
        }
        let at = self.fixes.partition_point(|f| f.time <= fix.time);
        if at > 0 && self.fixes[at - 1].time == fix.time {
            self.fixes[at - 1] = fix;
        } else {
            self.fixes.insert(at, fix);
        }
        if let Some(newest) = self.fixes.back().map(|f| f.time) {
            while self
                .fixes
                .front()
                .is_some_and(|f| newest - f.time > self.limits.keep)
            {
                self.fixes.pop_front();
            }
        }
    }

    /// The time of the newest fix held.
    pub fn newest(&self) -> Option<DateTime<Utc>> {
        self.fixes.back().map(|f| f.time)
    }

    /// The position at `t`: interpolated between the fixes around it, or the last fix before it.
    /// `None` when no fix at or before `t` is held.
    pub fn position_at(&self, t: DateTime<Utc>) -> Option<TaggedPosition> {
        let after = self.fixes.partition_point(|f| f.time < t);
        let next = self.fixes.get(after);
        if let Some(next) = next.filter(|f| f.time == t) {
            let (lat, lon) = next.position()?;
            return Some(tagged(next, lat, lon, PositionQuality::Fix, 0));
        }
        let prev = after.checked_sub(1).and_then(|i| self.fixes.get(i))?;
        let (prev_lat, prev_lon) = prev.position()?;
        let since_prev = t - prev.time;
        match next.and_then(|n| n.position().map(|p| (n, p))) {
            Some((next, (next_lat, next_lon))) => {
                let span = next.time - prev.time;
                let frac = since_prev.num_microseconds().unwrap_or(0) as f64
                    / span.num_microseconds().unwrap_or(1).max(1) as f64;
                let lat = prev_lat + (next_lat - prev_lat) * frac;
                let lon = prev_lon + (next_lon - prev_lon) * frac;
                let quality = if span > self.limits.max_gap {
                    PositionQuality::GapTooLong
                } else {
                    PositionQuality::Interpolated
                };
                let nearest = since_prev.min(next.time - t);
                let base = if frac < 0.5 { prev } else { next };
                Some(tagged(base, lat, lon, quality, nearest.num_milliseconds()))
            }
            None => {
                let quality = if since_prev > self.limits.stale_after {
                    PositionQuality::Stale
                } else {
                    PositionQuality::LastFix
                };
                Some(tagged(
                    prev,
                    prev_lat,
                    prev_lon,
                    quality,
                    since_prev.num_milliseconds(),
                ))
            }
        }
    }
}

fn tagged(
    base: &Fix,
    lat: f64,
    lon: f64,
    quality: PositionQuality,
    fix_age_ms: i64,
) -> TaggedPosition {
    TaggedPosition {
        lat,
        lon,
        quality,
        fix_age_ms,
        mode: base.mode,
        hdop: base.hdop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(secs: i64, lat: f64, lon: f64) -> Fix {
        Fix {
            time: DateTime::from_timestamp(1_700_000_000 + secs, 0).expect("valid time"),
            lat: Some(lat),
            lon: Some(lon),
            alt_m: None,
            speed_mps: None,
            track_deg: None,
            mode: FixMode::TwoD,
            hdop: Some(1.0),
            sats: Some(7),
            source: crate::FixSource::Nmea,
        }
    }

    fn at(secs: f64) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(((1_700_000_000.0 + secs) * 1e6) as i64)
            .expect("valid time")
    }

    #[test]
    fn interpolates_between_bracketing_fixes() {
        let mut t = Track::new(TrackLimits::default());
        t.push(fix(0, 41.0, -91.0));
        t.push(fix(2, 41.002, -91.004));
        let p = t.position_at(at(0.5)).expect("bracketed");
        assert_eq!(p.quality, PositionQuality::Interpolated);
        assert!(
            (p.lat - 41.0005).abs() < 1e-9 && (p.lon + 91.001).abs() < 1e-9,
            "{p:?}"
        );
        assert_eq!(p.fix_age_ms, 500);
    }

    #[test]
    fn flags_long_gaps_and_stale_fixes() {
        let mut t = Track::new(TrackLimits::default());
        t.push(fix(0, 41.0, -91.0));
        t.push(fix(30, 41.1, -91.0));
        assert_eq!(
            t.position_at(at(10.0)).map(|p| p.quality),
            Some(PositionQuality::GapTooLong)
        );
        assert_eq!(
            t.position_at(at(33.0)).map(|p| p.quality),
            Some(PositionQuality::LastFix)
        );
        assert_eq!(
            t.position_at(at(45.0)).map(|p| p.quality),
            Some(PositionQuality::Stale)
        );
        assert_eq!(t.position_at(at(-1.0)), None);
        assert_eq!(
            t.position_at(at(30.0)).map(|p| p.quality),
            Some(PositionQuality::Fix)
        );
    }

    #[test]
    fn out_of_order_fixes_are_placed_in_order_and_old_ones_forgotten() {
        let mut t = Track::new(TrackLimits {
            keep: Duration::seconds(60),
            ..TrackLimits::default()
        });
        t.push(fix(2, 41.002, -91.0));
        t.push(fix(0, 41.0, -91.0));
        assert_eq!(
            t.position_at(at(1.0)).map(|p| p.quality),
            Some(PositionQuality::Interpolated)
        );
        t.push(fix(100, 41.1, -91.0));
        assert_eq!(
            t.position_at(at(1.0)),
            None,
            "fixes older than keep are dropped"
        );
    }
}
