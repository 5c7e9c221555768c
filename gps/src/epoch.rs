//! NMEA sentences into one fix per receiver epoch.
//!
//! A receiver sends several sentences per epoch (GGA, RMC, GSA, ...) that each carry part of the
//! picture; the date arrives only on RMC (or ZDA). An epoch ends when a sentence carries a
//! different time of fix. Waiting for that would hold every fix back a whole second, so, as gpsd
//! does, the assembler learns which sentence type closes a receiver's cycle and emits the fix as
//! soon as that sentence arrives.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use crate::fix::{Fix, FixMode, FixSource};
use crate::framing::{SentenceFramer, Skipped};
use crate::sentence::{Sentence, ShortDate, parse};

/// One knot is one nautical mile (1852 m) an hour.
const KNOTS_TO_MPS: f64 = 1852.0 / 3600.0;

/// GPS receivers count weeks in 10 bits: every 1024 weeks, a receiver with old firmware reports
/// dates 1024 weeks too early.
const GPS_ROLLOVER: Duration = Duration::weeks(1024);

/// A date before this is taken to be a GPS week-number rollover and moved forward 1024 weeks.
/// gpsd uses the same day (the start of its compiled-in leap-second count, 18 s): a receiver
/// 1024 weeks behind reports dates from 1999-2016 until 2036, and a recorded log from any year
/// since 2017 keeps its own dates.
pub const DEFAULT_DATE_FLOOR: NaiveDate = match NaiveDate::from_ymd_opt(2017, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Counts of what the decoder was given.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SentenceStats {
    /// Sentences framed (between `$` and the line end).
    pub read: u64,
    pub rejected: u64,
    /// Why sentences were rejected, with how often.
    pub reasons: BTreeMap<String, u64>,
    /// Bytes outside any sentence (binary frames, noise).
    pub noise_bytes: u64,
    pub fixes: u64,
    /// Epochs dropped because no date had been received yet to give them a time.
    pub epochs_without_date: u64,
    /// Dates moved forward by 1024 weeks.
    pub week_rollovers_corrected: u64,
}

impl SentenceStats {
    fn reject(&mut self, why: &str) {
        self.rejected += 1;
        *self.reasons.entry(why.to_string()).or_default() += 1;
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
    gsa_prns: BTreeSet<u32>,
    /// A sentence said there is no fix (GGA quality 0, RMC/GLL status V, GNS all N).
    said_no_fix: bool,
    /// A sentence said there is a fix.
    said_fix: bool,
    gsa_mode: Option<u8>,
    /// Sentence types seen, in order (for learning the cycle's last one).
    last_type: Option<String>,
    sentences: u32,
}

/// Builds fixes from sentences.
#[derive(Debug)]
pub struct EpochAssembler {
    epoch: Epoch,
    last_date: Option<NaiveDate>,
    last_time: Option<NaiveTime>,
    /// The time of the epoch most recently emitted; later sentences of that epoch are not a new one.
    emitted_time: Option<NaiveTime>,
    /// The sentence type that closes this receiver's cycle, once seen twice in a row.
    cycle_ender: Option<String>,
    ender_candidate: Option<String>,
    date_floor: NaiveDate,
    source: FixSource,
    stats: SentenceStats,
}

impl Default for EpochAssembler {
    fn default() -> Self {
        Self::new(DEFAULT_DATE_FLOOR)
    }
}

impl EpochAssembler {
    /// `date_floor`: dates before it are taken to be GPS week-number rollovers and corrected.
    pub fn new(date_floor: NaiveDate) -> Self {
        Self {
            epoch: Epoch::default(),
            last_date: None,
            last_time: None,
            emitted_time: None,
            cycle_ender: None,
            ender_candidate: None,
            date_floor,
            source: FixSource::Nmea,
            stats: SentenceStats::default(),
        }
    }

    pub fn stats(&self) -> &SentenceStats {
        &self.stats
    }

    pub(crate) fn stats_mut(&mut self) -> &mut SentenceStats {
        &mut self.stats
    }

    /// Takes one sentence (`$...*hh`); appends any fix it completes to `out`.
    pub fn push_sentence(&mut self, line: &str, out: &mut Vec<Fix>) {
        self.stats.read += 1;
        let sentence = match parse(line) {
            Ok(s) => s,
            Err(r) => {
                tracing::debug!("rejected NMEA sentence ({}): {}: {line}", r.kind, r.detail);
                self.stats.reject(r.kind);
                return;
            }
        };
        let kind = line.get(3..6).unwrap_or("").to_string();
        let time = match &sentence {
            Sentence::Gga { time, .. }
            | Sentence::Rmc { time, .. }
            | Sentence::Gns { time, .. }
            | Sentence::Gll { time, .. }
            | Sentence::Zda { time, .. } => *time,
            _ => None,
        };
        if let Some(t) = time {
            if self.emitted_time == Some(t) && self.epoch.time.is_none() {
                // A late sentence of an epoch already emitted: the learned cycle end was wrong.
                self.cycle_ender = None;
                return;
            }
            if self.epoch.time.is_some_and(|current| current != t) {
                self.learn_ender();
                out.extend(self.finish_epoch());
            }
            self.epoch.time = Some(t);
        }
        if matches!(sentence, Sentence::Ignored) {
            return;
        }
        // A sentence without a time that comes after the cycle end (VTG, GSA) opens the next
        // epoch: the learned end is the last fix-bearing sentence of a cycle, so nothing of the
        // emitted epoch follows it. (When the sentence that opens an epoch is lost, the VTG that
        // follows it still belongs to that epoch, not to the one before.)
        let carries_fix = !matches!(sentence, Sentence::Gsv);
        self.absorb(sentence);
        self.epoch.sentences += 1;
        if carries_fix {
            self.epoch.last_type = Some(kind.clone());
        }
        if self.epoch.time.is_some() && self.cycle_ender.as_deref() == Some(kind.as_str()) {
            out.extend(self.finish_epoch());
        }
    }

    /// Ends the current epoch (at the end of input).
    pub fn finish(&mut self, out: &mut Vec<Fix>) {
        out.extend(self.finish_epoch());
    }

    fn learn_ender(&mut self) {
        let last = self.epoch.last_type.clone();
        if last.is_some() && last == self.ender_candidate {
            self.cycle_ender = last;
        } else {
            self.ender_candidate = last;
        }
    }

    fn absorb(&mut self, sentence: Sentence) {
        let floor = self.date_floor;
        let e = &mut self.epoch;
        match sentence {
            Sentence::Gga {
                lat,
                lon,
                quality,
                sats,
                hdop,
                alt_m,
                ..
            } => {
                match quality {
                    Some(0) | None => e.said_no_fix = true,
                    Some(_) => e.said_fix = true,
                }
                set(&mut e.lat, lat);
                set(&mut e.lon, lon);
                set(&mut e.alt_m, alt_m);
                set(&mut e.hdop, hdop);
                set(&mut e.sats, sats);
            }
            Sentence::Rmc {
                date,
                valid,
                lat,
                lon,
                speed_knots,
                track_deg,
                ..
            } => {
                if valid {
                    e.said_fix = true
                } else {
                    e.said_no_fix = true
                }
                // As gpsd does, a receiver without a fix is not trusted with the date: before
                // the first fix many send the date of their battery-backed clock, or a default.
                if valid
                    && let Some(d) =
                        date.and_then(|d| resolve_short_date(d, floor, &mut self.stats))
                {
                    e.date = Some(d);
                }
                set(&mut e.lat, lat);
                set(&mut e.lon, lon);
                set(&mut e.speed_mps, speed_knots.map(|k| k * KNOTS_TO_MPS));
                set(&mut e.track_deg, track_deg);
            }
            Sentence::Gsa { mode, prns, hdop } => {
                // Multi-constellation receivers send one GSA per system: keep the best mode and
                // every satellite used.
                e.gsa_mode = e.gsa_mode.max(mode);
                e.gsa_prns.extend(prns);
                set(&mut e.hdop, hdop);
            }
            Sentence::Vtg {
                track_deg,
                speed_knots,
            } => {
                set(&mut e.speed_mps, speed_knots.map(|k| k * KNOTS_TO_MPS));
                set(&mut e.track_deg, track_deg);
            }
            Sentence::Gns {
                lat,
                lon,
                valid,
                sats,
                hdop,
                alt_m,
                ..
            } => {
                if valid {
                    e.said_fix = true
                } else {
                    e.said_no_fix = true
                }
                set(&mut e.lat, lat);
                set(&mut e.lon, lon);
                set(&mut e.alt_m, alt_m);
                set(&mut e.hdop, hdop);
                set(&mut e.sats, sats);
            }
            Sentence::Gll {
                lat, lon, valid, ..
            } => {
                if valid {
                    e.said_fix = true
                } else {
                    e.said_no_fix = true
                }
                set(&mut e.lat, lat);
                set(&mut e.lon, lon);
            }
            Sentence::Zda { date, .. } => {
                if let Some(d) = date.and_then(|(d, m, y)| NaiveDate::from_ymd_opt(y, m, d)) {
                    e.date = Some(correct_rollover(d, floor, &mut self.stats));
                }
            }
            Sentence::Gsv | Sentence::Ignored => {}
        }
    }

    fn finish_epoch(&mut self) -> Option<Fix> {
        let e = std::mem::take(&mut self.epoch);
        let time = e.time?;
        self.emitted_time = Some(time);
        let date = match (e.date, self.last_date, self.last_time) {
            (Some(d), _, _) => Some(d),
            // Without its own RMC the epoch takes the last date; past midnight, the next day.
            (None, Some(d), Some(prev)) if time < prev && prev - time > Duration::hours(12) => {
                d.succ_opt()
            }
            (None, d, _) => d,
        };
        self.last_time = Some(time);
        let Some(date) = date else {
            self.stats.epochs_without_date += 1;
            return None;
        };
        self.last_date = Some(date);
        let mode = match e.gsa_mode {
            Some(1) => FixMode::None,
            Some(2) => FixMode::TwoD,
            Some(3) => FixMode::ThreeD,
            _ if e.said_no_fix || !e.said_fix => FixMode::None,
            _ if e.alt_m.is_some() => FixMode::ThreeD,
            _ => FixMode::TwoD,
        };
        // A position the receiver itself calls invalid is not one to tag evidence with.
        let positioned = mode != FixMode::None && (e.said_fix || !e.said_no_fix);
        let (lat, lon) = match (e.lat, e.lon) {
            (Some(lat), Some(lon)) if positioned => (Some(lat), Some(lon)),
            _ => (None, None),
        };
        let mode = if lat.is_some() { mode } else { FixMode::None };
        // The satellites GSA lists as used, over every constellation, as gpsd counts them; GGA's
        // count only without GSA (many receivers cap it at 12 whatever they use).
        let sats = if e.gsa_prns.is_empty() {
            e.sats
        } else {
            Some(e.gsa_prns.len() as u32)
        };
        self.stats.fixes += 1;
        Some(Fix {
            time: NaiveDateTime::new(date, time).and_utc(),
            lat,
            lon,
            alt_m: e.alt_m.filter(|_| mode == FixMode::ThreeD),
            speed_mps: e.speed_mps.filter(|_| lat.is_some()),
            track_deg: e.track_deg.filter(|_| lat.is_some()),
            mode,
            hdop: e.hdop,
            sats,
            source: self.source,
        })
    }
}

/// RMC's two-digit year is taken in the century of the date floor, except that years 80-99
/// are the previous century's (as gpsd takes them: GPS time began in 1980).
fn resolve_short_date(
    d: ShortDate,
    floor: NaiveDate,
    stats: &mut SentenceStats,
) -> Option<NaiveDate> {
    use chrono::Datelike;
    let century = floor.year() - floor.year().rem_euclid(100);
    let century = if d.yy >= 80 { century - 100 } else { century };
    let date = NaiveDate::from_ymd_opt(century + d.yy as i32, d.month, d.day)?;
    Some(correct_rollover(date, floor, stats))
}

fn correct_rollover(date: NaiveDate, floor: NaiveDate, stats: &mut SentenceStats) -> NaiveDate {
    // Once, as gpsd does: a receiver that has missed one rollover is common (firmware from
    // 1999-2019), one that has missed two would report dates before GPS began.
    if date >= floor {
        return date;
    }
    match date.checked_add_signed(GPS_ROLLOVER) {
        Some(d) => {
            stats.week_rollovers_corrected += 1;
            d
        }
        None => date,
    }
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

/// Bytes in, fixes out: framing, parsing and epoch assembly together.
#[derive(Debug, Default)]
pub struct NmeaDecoder {
    framer: SentenceFramer,
    assembler: EpochAssembler,
}

impl NmeaDecoder {
    pub fn new(date_floor: NaiveDate) -> Self {
        Self {
            framer: SentenceFramer::new(),
            assembler: EpochAssembler::new(date_floor),
        }
    }

    pub fn stats(&self) -> &SentenceStats {
        self.assembler.stats()
    }

    /// Feeds a chunk of bytes as read; appends completed fixes to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Fix>) {
        let Self { framer, assembler } = self;
        let mut sentences: Vec<String> = Vec::new();
        let mut skipped: Vec<Skipped> = Vec::new();
        framer.push(
            bytes,
            |s| sentences.push(s.to_string()),
            |k| skipped.push(k),
        );
        for k in skipped {
            record_skip(assembler.stats_mut(), k);
        }
        for s in &sentences {
            assembler.push_sentence(s, out);
        }
    }

    /// Ends the stream.
    pub fn finish(&mut self, out: &mut Vec<Fix>) {
        let Self { framer, assembler } = self;
        let mut skipped = Vec::new();
        framer.finish_stream(|k| skipped.push(k));
        for k in skipped {
            record_skip(assembler.stats_mut(), k);
        }
        assembler.finish(out);
    }
}

fn record_skip(stats: &mut SentenceStats, k: Skipped) {
    match k {
        Skipped::Noise(n) => stats.noise_bytes += n as u64,
        Skipped::Truncated => {
            stats.read += 1;
            stats.reject("truncated");
        }
        Skipped::TooLong => {
            stats.read += 1;
            stats.reject("too-long");
        }
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
        let mut d = NmeaDecoder::default();
        let mut out = Vec::new();
        for l in lines {
            d.push(format!("{l}\r\n").as_bytes(), &mut out);
        }
        d.finish(&mut out);
        (out, d.stats().clone())
    }

    fn epoch(hms: &str, dmy: &str) -> Vec<String> {
        vec![
            frame_sentence(&format!(
                "GPGGA,{hms},4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"
            )),
            frame_sentence(&format!(
                "GPRMC,{hms},A,4807.038,N,01131.000,E,022.4,084.4,{dmy},003.1,W"
            )),
        ]
    }

    #[test]
    fn one_fix_per_epoch_with_date_from_rmc() {
        let lines: Vec<String> = [epoch("123519", "230325"), epoch("123520", "230325")].concat();
        let (f, stats) = fixes(&lines);
        assert_eq!(f.len(), 2, "{stats:?}");
        assert_eq!(f[0].time.to_rfc3339(), "2025-03-23T12:35:19+00:00");
        assert!((f[0].lat.expect("lat") - 48.1173).abs() < 1e-4);
        assert_eq!(f[0].mode, FixMode::ThreeD);
        assert_eq!(f[0].sats, Some(8));
        let speed = f[0].speed_mps.expect("RMC gives speed");
        assert!((speed - 22.4 * KNOTS_TO_MPS).abs() < 1e-3);
    }

    #[test]
    fn the_cycle_end_is_learned_so_fixes_come_without_waiting_for_the_next_epoch() {
        let mut a = EpochAssembler::default();
        let mut out = Vec::new();
        for (i, hms) in ["120000", "120001", "120002"].iter().enumerate() {
            for l in epoch(hms, "140326") {
                a.push_sentence(&l, &mut out);
            }
            // After two cycles ending in RMC, the third is emitted at its RMC.
            assert_eq!(out.len(), if i < 2 { i } else { 3 }, "after epoch {i}");
        }
    }

    #[test]
    fn week_rollover_dates_are_moved_forward_1024_weeks() {
        // 2026-03-14 reported by a receiver 1024 weeks behind: 2006-07-29.
        let (f, stats) = fixes(&epoch("120000", "290706"));
        assert_eq!(f[0].time.to_rfc3339(), "2026-03-14T12:00:00+00:00");
        assert_eq!(stats.week_rollovers_corrected, 1);
    }

    #[test]
    fn no_fix_epochs_carry_time_but_no_position() {
        let mut lines = epoch("000000", "010126");
        lines.push(frame_sentence("GPRMC,000001,V,,,,,,,010126,,"));
        lines.push(frame_sentence("GPGGA,000001,,,,,0,00,99.9,,M,,M,,"));
        let (f, stats) = fixes(&lines);
        assert_eq!(f.len(), 2, "{stats:?}");
        assert_eq!(f[1].time.to_rfc3339(), "2026-01-01T00:00:01+00:00");
        assert_eq!((f[1].mode, f[1].lat), (FixMode::None, None));
    }

    #[test]
    fn two_digit_years_and_old_logs_resolve_as_gpsd_resolves_them() {
        for (dmy, want) in [
            ("150679", "2079-06-15"),
            // 1999, from a receiver 1024 weeks behind: moved forward once.
            ("150699", "2019-01-29"),
            // A log recorded in 2018 keeps its date.
            ("150618", "2018-06-15"),
            ("311225", "2025-12-31"),
        ] {
            let (f, _) = fixes(&epoch("120000", dmy));
            assert_eq!(f[0].time.date_naive().to_string(), want, "{dmy}");
        }
    }

    #[test]
    fn a_receiver_without_a_fix_is_not_trusted_with_the_date() {
        // Before its first fix a receiver may send its clock's date (here a default from 1980).
        let (f, stats) = fixes(&[
            frame_sentence("GPRMC,000001,V,,,,,,,060180,,"),
            frame_sentence("GPGGA,000001,,,,,0,00,99.9,,M,,M,,"),
        ]);
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(stats.epochs_without_date, 1);
    }
}
