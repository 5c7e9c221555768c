//! NMEA sentences into one fix per receiver epoch.
//!
//! A receiver sends several sentences per epoch (GGA, RMC, GSA, ...) that each carry part of the
//! picture; the date arrives only on RMC. An epoch ends when a sentence carries a different time of
//! fix, which is when the fix it built is complete.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use nmea::ParseResult;
use nmea::sentences::FixType;
use nmea::sentences::gsa::GsaMode2;
use nmea::sentences::rmc::RmcStatusOfFix;

use crate::fix::{Fix, FixMode};

const KNOTS_TO_MPS: f64 = 0.514_444;

/// Counts of what the assembler was given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentenceStats {
    pub read: u64,
    pub rejected: u64,
    /// Why sentences were rejected, with how often.
    pub reasons: BTreeMap<String, u64>,
    pub fixes: u64,
    /// Epochs that ended with no usable position (no fix yet, or no date seen yet).
    pub epochs_without_fix: u64,
}

impl SentenceStats {
    fn reject(&mut self, why: String) {
        self.rejected += 1;
        *self.reasons.entry(why).or_default() += 1;
    }
}

#[derive(Debug, Default)]
struct Epoch {
    time: Option<NaiveTime>,
    date: Option<NaiveDate>,
    lat: Option<f64>,
    lon: Option<f64>,
    alt_m: Option<f64>,
    speed_mps: Option<f64>,
    track_deg: Option<f64>,
    hdop: Option<f64>,
    sats: Option<u32>,
    gga_valid: Option<bool>,
    rmc_valid: Option<bool>,
    gsa_mode: Option<FixMode>,
}

/// Builds fixes from NMEA lines.
#[derive(Debug, Default)]
pub struct EpochAssembler {
    epoch: Epoch,
    last_date: Option<NaiveDate>,
    last_time: Option<NaiveTime>,
    stats: SentenceStats,
}

impl EpochAssembler {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn stats(&self) -> &SentenceStats {
        &self.stats
    }

    /// Takes one line as received; returns the previous epoch's fix when this line starts a new one.
    pub fn push_line(&mut self, line: &str) -> Option<Fix> {
        let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        // Logs recorded for gpsfake carry `#` comment lines.
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        self.stats.read += 1;
        let parsed = match nmea::parse_str(line) {
            Ok(p) => p,
            Err(e) => {
                let kind = sentence_kind(line);
                self.stats.reject(format!("{kind}: {e}"));
                return None;
            }
        };
        let time = match &parsed {
            ParseResult::GGA(d) => d.fix_time,
            ParseResult::RMC(d) => d.fix_time,
            ParseResult::GLL(d) => d.fix_time,
            ParseResult::GNS(d) => d.fix_time,
            ParseResult::ZDA(d) => d.utc_time,
            _ => None,
        };
        let finished = match (time, self.epoch.time) {
            (Some(t), Some(current)) if t != current => self.finish_epoch(),
            _ => None,
        };
        if let Some(t) = time {
            self.epoch.time = Some(t);
        }
        self.absorb(parsed);
        finished
    }

    /// Ends the current epoch (at the end of input).
    pub fn finish(&mut self) -> Option<Fix> {
        self.finish_epoch()
    }

    fn absorb(&mut self, parsed: ParseResult) {
        let e = &mut self.epoch;
        match parsed {
            ParseResult::GGA(d) => {
                e.gga_valid = Some(!matches!(d.fix_type, None | Some(FixType::Invalid)));
                set(&mut e.lat, d.latitude);
                set(&mut e.lon, d.longitude);
                set(&mut e.alt_m, d.altitude.map(f64::from));
                set(&mut e.hdop, d.hdop.map(f64::from));
                set(&mut e.sats, d.fix_satellites);
            }
            ParseResult::RMC(d) => {
                e.rmc_valid = Some(d.status_of_fix != RmcStatusOfFix::Invalid);
                set(&mut e.date, d.fix_date);
                set(&mut e.lat, d.lat);
                set(&mut e.lon, d.lon);
                set(
                    &mut e.speed_mps,
                    d.speed_over_ground.map(|k| f64::from(k) * KNOTS_TO_MPS),
                );
                set(&mut e.track_deg, d.true_course.map(f64::from));
            }
            ParseResult::GSA(d) => {
                e.gsa_mode = Some(match d.mode2 {
                    GsaMode2::NoFix => FixMode::None,
                    GsaMode2::Fix2D => FixMode::TwoD,
                    GsaMode2::Fix3D => FixMode::ThreeD,
                });
                set(&mut e.hdop, d.hdop.map(f64::from));
            }
            ParseResult::VTG(d) => {
                set(
                    &mut e.speed_mps,
                    d.speed_over_ground.map(|k| f64::from(k) * KNOTS_TO_MPS),
                );
                set(&mut e.track_deg, d.true_course.map(f64::from));
            }
            ParseResult::ZDA(d) => set(&mut e.date, d.utc_date()),
            _ => {}
        }
    }

    fn finish_epoch(&mut self) -> Option<Fix> {
        let e = std::mem::take(&mut self.epoch);
        let time = e.time?;
        let date = match (e.date, self.last_date, self.last_time) {
            (Some(d), _, _) => Some(d),
            // The date only comes on RMC; past midnight without a new RMC, the day has turned.
            (None, Some(d), Some(prev)) if time < prev && prev - time > Duration::hours(12) => {
                d.succ_opt()
            }
            (None, d, _) => d,
        };
        self.last_time = Some(time);
        if date.is_some() {
            self.last_date = date;
        }
        let usable = e.gga_valid.unwrap_or(true)
            && e.rmc_valid.unwrap_or(true)
            && e.gsa_mode != Some(FixMode::None);
        let (Some(date), Some(lat), Some(lon), true) = (date, e.lat, e.lon, usable) else {
            self.stats.epochs_without_fix += 1;
            return None;
        };
        let mode = e.gsa_mode.unwrap_or(if e.alt_m.is_some() {
            FixMode::ThreeD
        } else {
            FixMode::TwoD
        });
        self.stats.fixes += 1;
        Some(Fix {
            time: NaiveDateTime::new(date, time).and_utc(),
            lat,
            lon,
            alt_m: e.alt_m,
            speed_mps: e.speed_mps,
            track_deg: e.track_deg,
            mode,
            hdop: e.hdop,
            sats: e.sats,
        })
    }
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

/// `GPGGA` from `$GPGGA,...`, for naming what was rejected.
fn sentence_kind(line: &str) -> String {
    let head = line.split(',').next().unwrap_or("");
    let head = head.trim_start_matches(['$', '!']);
    if head.is_empty() || head.len() > 8 || !head.chars().all(|c| c.is_ascii_alphanumeric()) {
        "unrecognised line".to_string()
    } else {
        head.to_string()
    }
}

/// Frames a sentence body as `$BODY*CS` with its checksum.
pub fn frame_sentence(body: &str) -> String {
    let cs = body.bytes().fold(0u8, |acc, b| acc ^ b);
    format!("${body}*{cs:02X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixes(lines: &[String]) -> (Vec<Fix>, SentenceStats) {
        let mut a = EpochAssembler::new();
        let mut out: Vec<Fix> = lines.iter().filter_map(|l| a.push_line(l)).collect();
        out.extend(a.finish());
        (out, a.stats().clone())
    }

    #[test]
    fn one_fix_per_epoch_with_date_from_rmc() {
        let (f, stats) = fixes(&[
            frame_sentence("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"),
            frame_sentence("GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"),
            frame_sentence("GNGGA,123520,4807.040,N,01131.010,E,1,09,0.8,545.0,M,46.9,M,,"),
            frame_sentence("GNRMC,123520,A,4807.040,N,01131.010,E,022.4,084.4,230394,003.1,W"),
        ]);
        assert_eq!(f.len(), 2, "{stats:?}");
        assert_eq!(f[0].time.to_rfc3339(), "1994-03-23T12:35:19+00:00");
        assert!((f[0].lat - 48.1173).abs() < 1e-4);
        assert_eq!(f[0].mode, FixMode::ThreeD);
        assert_eq!(f[0].sats, Some(8));
        assert_eq!(f[1].sats, Some(9));
        let speed = f[0].speed_mps.expect("RMC gives speed");
        assert!((speed - 22.4 * KNOTS_TO_MPS).abs() < 1e-3);
    }

    #[test]
    fn bad_checksums_and_noise_are_counted_not_fatal() {
        let mut bad =
            frame_sentence("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,");
        bad.replace_range(bad.len() - 2.., "00");
        let (f, stats) = fixes(&[
            "\u{1}\u{2}garbage".to_string(),
            bad,
            frame_sentence("GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"),
        ]);
        assert_eq!(stats.read, 3);
        assert_eq!(stats.rejected, 2, "{:?}", stats.reasons);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].mode, FixMode::TwoD, "no altitude without GGA");
    }

    #[test]
    fn no_fix_epochs_give_no_position() {
        let (f, stats) = fixes(&[
            frame_sentence("GPGGA,000001,,,,,0,00,99.9,,M,,M,,"),
            frame_sentence("GPRMC,000001,V,,,,,,,010125,,"),
        ]);
        assert!(f.is_empty());
        assert_eq!(stats.epochs_without_fix, 1);
    }
}
