//! The project's NMEA logs, decoded here, against what gpsd 3.22 reported for the same bytes
//! (`logs/<log>.gpsd.jsonl`, made by `logs/capture_gpsd.py`; what gpsd does is in
//! `logs/GPSD_BEHAVIOUR.md`).
//!
//! gpsd's TPVs are compared in the "epoch view": for each distinct `time`, the last TPV carrying
//! it. Every such epoch must be one of our fixes with the same mode, position, altitude, speed
//! and track. Where gpsd's output is an artefact of its cycle detection rather than of the
//! sentences (a TPV lost, a field lost), the exception is listed below with its reason, and
//! nothing else may differ.

use std::collections::BTreeMap;
use std::path::PathBuf;

use alpr_gps::{Fix, FixMode, NmeaDecoder, SentenceStats};
use chrono::{DateTime, Utc};
use serde_json::Value;

fn log_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/logs")
        .join(name)
}

/// Decodes a log fed in chunks of `chunk` bytes, as a serial port would deliver it.
fn decode(bytes: &[u8], chunk: usize) -> (Vec<Fix>, SentenceStats) {
    let mut decoder = NmeaDecoder::default();
    let mut fixes = Vec::new();
    for part in bytes.chunks(chunk) {
        decoder.push(part, &mut fixes);
    }
    decoder.finish(&mut fixes);
    (fixes, decoder.stats().clone())
}

fn ours(log: &str) -> (Vec<Fix>, SentenceStats) {
    let bytes = std::fs::read(log_path(&format!("{log}.nmea"))).expect("test log is readable");
    let (whole, stats) = decode(&bytes, bytes.len().max(1));
    for chunk in [1, 37, 64, 200] {
        let (split, split_stats) = decode(&bytes, chunk);
        assert_eq!(
            split, whole,
            "{log}: fixes differ when read in {chunk}-byte chunks"
        );
        assert_eq!(
            split_stats, stats,
            "{log}: counts differ in {chunk}-byte chunks"
        );
    }
    (whole, stats)
}

/// gpsd's epoch view: time → the last TPV with that time.
fn gpsd_epochs(log: &str) -> BTreeMap<DateTime<Utc>, Value> {
    let text = std::fs::read_to_string(log_path(&format!("{log}.gpsd.jsonl")))
        .expect("gpsd reference is readable");
    let mut epochs = BTreeMap::new();
    for line in text.lines() {
        let tpv: Value = serde_json::from_str(line).expect("reference line is JSON");
        let Some(time) = tpv.get("time").and_then(Value::as_str) else {
            continue;
        };
        let time = DateTime::parse_from_rfc3339(time)
            .expect("reference time is RFC 3339")
            .with_timezone(&Utc);
        epochs.insert(time, tpv);
    }
    epochs
}

/// What gpsd reported for one epoch, in our terms.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    mode: FixMode,
    lat: Option<f64>,
    lon: Option<f64>,
    alt_m: Option<f64>,
    /// Speed and track as the sentences gave them; gpsd computes a speed (and gives no track)
    /// when the epoch had none, which is not compared.
    speed_mps: Option<f64>,
    track_deg: Option<f64>,
}

fn expected(tpv: &Value) -> Expected {
    let num = |k: &str| tpv.get(k).and_then(Value::as_f64);
    let mode = match tpv.get("mode").and_then(Value::as_u64) {
        Some(3) => FixMode::ThreeD,
        Some(2) => FixMode::TwoD,
        _ => FixMode::None,
    };
    let track = num("track");
    Expected {
        mode,
        lat: num("lat"),
        lon: num("lon"),
        alt_m: num("altMSL"),
        speed_mps: track.and(num("speed")),
        track_deg: track,
    }
}

fn close(a: Option<f64>, b: Option<f64>, tolerance: f64) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= tolerance,
        _ => false,
    }
}

/// How our fix differs from what gpsd reported; fields named in `lost` (which gpsd lost) must be
/// present in ours and are not compared.
fn differences(fix: &Fix, want: &Expected, lost: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    if fix.mode != want.mode {
        out.push(format!("mode {:?}, gpsd {:?}", fix.mode, want.mode));
    }
    // gpsd prints 9 decimals of a degree, 4 of a metre, 3 of m/s and 4 of a degree of track.
    let checks = [
        ("lat", fix.lat, want.lat, 2e-9),
        ("lon", fix.lon, want.lon, 2e-9),
        ("alt_m", fix.alt_m, want.alt_m, 1e-4),
        ("speed_mps", fix.speed_mps, want.speed_mps, 1e-3),
        ("track_deg", fix.track_deg, want.track_deg, 1e-4),
    ];
    for (name, got, gpsd, tolerance) in checks {
        if lost.contains(&name) {
            if got.is_none() {
                out.push(format!(
                    "{name} missing (gpsd lost it; the sentences have it)"
                ));
            }
            continue;
        }
        let skip_speed = name == "speed_mps" && want.track_deg.is_none();
        if !skip_speed && !close(got, gpsd, tolerance) {
            out.push(format!("{name} {got:?}, gpsd {gpsd:?}"));
        }
    }
    out
}

/// An epoch where gpsd's report is an artefact of its cycle detection, and what we give instead.
struct Artefact {
    /// UTC, `YYYY-MM-DDThh:mm:ss`.
    at: &'static str,
    kind: ArtefactKind,
    why: &'static str,
}

enum ArtefactKind {
    /// gpsd emitted no TPV for an epoch whose sentences arrived; we give a fix.
    NoTpv,
    /// gpsd's TPV lacks these fields, which the epoch's sentences carry (and with them, when
    /// given, has a lower mode than this one, which is ours).
    Lost {
        fields: &'static [&'static str],
        mode: Option<FixMode>,
    },
}

fn check_log(log: &str, artefacts: &[Artefact]) -> (Vec<Fix>, SentenceStats) {
    let (fixes, stats) = ours(log);
    let gpsd = gpsd_epochs(log);
    assert!(!gpsd.is_empty(), "{log}: empty reference");
    let mut by_time: BTreeMap<DateTime<Utc>, &Fix> = BTreeMap::new();
    for f in &fixes {
        assert!(
            by_time.insert(f.time, f).is_none(),
            "{log}: two fixes for one epoch at {}",
            f.time
        );
    }
    let artefact_at = |t: &DateTime<Utc>| {
        let hms = t.format("%Y-%m-%dT%H:%M:%S").to_string();
        artefacts.iter().find(|a| a.at == hms)
    };
    let mut problems = Vec::new();
    for (time, tpv) in &gpsd {
        let Some(fix) = by_time.get(time) else {
            problems.push(format!("{time}: gpsd has an epoch we do not"));
            continue;
        };
        let mut want = expected(tpv);
        let mut lost: &[&str] = &[];
        if let Some(a) = artefact_at(time) {
            match a.kind {
                ArtefactKind::Lost { fields, mode } => {
                    assert!(
                        !differences(fix, &want, &[]).is_empty(),
                        "{log} {time}: listed artefact ({}) not seen",
                        a.why
                    );
                    want.mode = mode.unwrap_or(want.mode);
                    lost = fields;
                }
                ArtefactKind::NoTpv => panic!("{log} {time}: gpsd has a TPV after all"),
            }
        }
        let d = differences(fix, &want, lost);
        if !d.is_empty() {
            problems.push(format!("{time}: {}", d.join("; ")));
        }
    }
    for (time, fix) in &by_time {
        if gpsd.contains_key(time) {
            continue;
        }
        match artefact_at(time) {
            Some(Artefact {
                kind: ArtefactKind::NoTpv,
                why,
                ..
            }) => assert!(
                fix.position().is_some(),
                "{log} {time} ({why}): no position"
            ),
            _ => problems.push(format!("{time}: a fix gpsd does not report: {fix:?}")),
        }
    }
    assert!(
        problems.is_empty(),
        "{log}: {} differences from gpsd:\n{}",
        problems.len(),
        problems.join("\n")
    );
    (fixes, stats)
}

fn rfc3339(f: &Fix) -> String {
    f.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[test]
fn gp_only_matches_gpsd() {
    let (fixes, stats) = check_log("gp_only", &[]);
    assert_eq!(fixes.len(), 60);
    assert_eq!(stats.rejected, 0, "{stats:?}");
    assert!(fixes.iter().all(|f| f.mode == FixMode::ThreeD));
    assert!(fixes.iter().all(|f| f.sats.is_some() && f.hdop.is_some()));
}

#[test]
fn gn_multi_matches_gpsd() {
    let (fixes, stats) = check_log("gn_multi", &[]);
    assert_eq!(fixes.len(), 60);
    assert_eq!(stats.rejected, 0, "{stats:?}");
    // Two GSAs per epoch, one per constellation: satellites used add up.
    assert_eq!(fixes[0].sats, Some(12));
}

#[test]
fn no_fix_start_matches_gpsd() {
    let (fixes, stats) = check_log("no_fix_start", &[]);
    // Epochs 0-15 have no valid RMC, so no date: like gpsd, no time is claimed for them (epochs
    // 0-4 have no time of day either, so are not epochs at all).
    assert_eq!(stats.epochs_without_date, 11, "{stats:?}");
    assert_eq!(fixes.len(), 44);
    let modes: Vec<FixMode> = fixes.iter().map(|f| f.mode).collect();
    assert_eq!(modes.iter().filter(|m| **m == FixMode::TwoD).count(), 6);
    assert_eq!(modes.iter().filter(|m| **m == FixMode::ThreeD).count(), 38);
}

#[test]
fn tunnel_matches_gpsd() {
    let (fixes, _) = check_log("tunnel", &[]);
    assert_eq!(fixes.len(), 70);
    let blind: Vec<&Fix> = fixes.iter().filter(|f| f.position().is_none()).collect();
    assert_eq!(
        blind.len(),
        20,
        "epochs in the tunnel carry a time and no position"
    );
    assert!(
        blind
            .iter()
            .all(|f| f.mode == FixMode::None && f.speed_mps.is_none())
    );
}

#[test]
fn midnight_matches_gpsd() {
    let (fixes, _) = check_log(
        "midnight",
        &[Artefact {
            at: "2026-03-15T23:59:40",
            kind: ArtefactKind::NoTpv,
            why: "the receiver's sentence order changes; gpsd has not yet learned RMC as the \
                  cycle end and the old one (GLL) no longer comes",
        }],
    );
    assert_eq!(fixes.len(), 82);
    let times: Vec<String> = fixes.iter().map(rfc3339).collect();
    for pair in [
        ("2026-03-14T23:59:59.000Z", "2026-03-15T00:00:00.000Z"),
        ("2026-03-15T23:59:59.000Z", "2026-03-16T00:00:00.000Z"),
    ] {
        let i = times.iter().position(|t| t == pair.0).expect(pair.0);
        assert_eq!(times[i + 1], pair.1);
    }
}

#[test]
fn week_rollover_matches_gpsd() {
    let (fixes, stats) = check_log("week_rollover", &[]);
    assert_eq!(fixes.len(), 60);
    assert_eq!(rfc3339(&fixes[0]), "2026-03-14T10:00:00.000Z");
    assert!(stats.week_rollovers_corrected >= 60, "{stats:?}");
}

#[test]
fn two_digit_year_matches_gpsd() {
    let (fixes, _) = check_log("two_digit_year", &[]);
    assert_eq!(fixes.len(), 81);
    assert!(fixes.windows(2).all(|w| w[0].time < w[1].time));
    assert!(
        fixes
            .iter()
            .any(|f| rfc3339(f) == "2025-12-31T23:59:59.000Z")
    );
    assert!(
        fixes
            .iter()
            .any(|f| rfc3339(f) == "2026-01-01T00:00:00.000Z")
    );
}

/// The VTG of an epoch whose RMC was lost still gives its speed and track: gpsd clears them when
/// the GGA starts its cycle and computes a speed from positions instead.
const VTG_KEPT: ArtefactKind = ArtefactKind::Lost {
    fields: &["speed_mps", "track_deg"],
    mode: None,
};

#[test]
fn noisy_matches_gpsd_apart_from_its_cycle_artefacts() {
    let artefacts = [
        Artefact {
            at: "2026-03-14T12:00:00",
            kind: ArtefactKind::Lost {
                fields: &["alt_m"],
                mode: Some(FixMode::ThreeD),
            },
            why: "a UBX frame switches gpsd to its u-blox driver mid-epoch; it reports the \
                  epoch at the RMC, before the GGA's altitude",
        },
        Artefact {
            at: "2026-03-14T12:00:07",
            kind: VTG_KEPT,
            why: "RMC with a bad checksum",
        },
        Artefact {
            at: "2026-03-14T12:00:12",
            kind: VTG_KEPT,
            why: "RMC cut short",
        },
        Artefact {
            at: "2026-03-14T12:00:22",
            kind: VTG_KEPT,
            why: "RMC over 102 bytes",
        },
        Artefact {
            at: "2026-03-14T12:00:47",
            kind: ArtefactKind::NoTpv,
            why: "the GLL that gpsd learned as the cycle end was destroyed",
        },
    ];
    let (fixes, stats) = check_log("noisy", &artefacts);
    assert_eq!(fixes.len(), 60);
    assert!(stats.noise_bytes > 0, "{stats:?}");
    for reason in ["bad-checksum", "too-long", "too-short", "truncated"] {
        assert!(stats.reasons.contains_key(reason), "{reason}: {stats:?}");
    }
}
