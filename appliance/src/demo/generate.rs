//! Makes the demo's recorded feed, route and hot list, reproducibly from a fixed seed.
//!
//! The patrol: a car drives a loop through Coralville, Iowa at about 40 km/h for eight minutes,
//! reporting GGA, RMC and GSA once a second. Two cameras read passing plates every few seconds.
//! A handful of the plates are on the hot list: one read twice (a repeat, not a second alert),
//! one whose state differs from the list's, one the camera read only as an alternative reading.

use std::fmt::Write;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use alpr_gps::frame_sentence;

/// The three demo files' contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFiles {
    pub feed: String,
    pub route: String,
    pub hotlist: String,
}

const SEED: u64 = 0x0A1B_2C3D;
const ROUTE_SECONDS: i64 = 480;
/// Corners of the loop, (lat, lon).
const WAYPOINTS: &[(f64, f64)] = &[
    (41.67640, -91.58030),
    (41.67640, -91.56900),
    (41.68420, -91.56900),
    (41.68420, -91.58030),
    (41.67640, -91.58030),
];
const STATES: &[&str] = &["IA", "IA", "IA", "IA", "IL", "MN", "NE", "WI", "MO"];

/// The listed plates the patrol passes: (plate, listed state, state the camera reports, how read).
const PASSED_HOT: &[(&str, &str, &str, HotRead)] = &[
    ("KXT482", "IA", "IA", HotRead::Plain),
    ("BRW9913", "IL", "IL", HotRead::Twice),
    ("HJM207", "IA", "NE", HotRead::Plain),
    ("719ZPT", "MN", "MN", HotRead::AsAlternative("719ZP7")),
    ("DLV4450", "IA", "IA", HotRead::Plain),
];

#[derive(Debug, Clone, Copy)]
enum HotRead {
    Plain,
    Twice,
    /// The camera's best reading was this; the listed plate came second.
    AsAlternative(&'static str),
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, 22, 10, 0)
        .single()
        .unwrap_or_default()
}

pub fn generate() -> DemoFiles {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    DemoFiles {
        route: route(),
        feed: feed(&mut rng),
        hotlist: hotlist(&mut rng),
    }
}

fn position_at(t: f64) -> (f64, f64, f64) {
    let legs: Vec<f64> = WAYPOINTS.windows(2).map(|w| dist(w[0], w[1])).collect();
    let total: f64 = legs.iter().sum();
    let mut d = (t / ROUTE_SECONDS as f64).clamp(0.0, 1.0) * total;
    for (w, len) in WAYPOINTS.windows(2).zip(&legs) {
        if d <= *len {
            let f = if *len > 0.0 { d / len } else { 0.0 };
            let track = (w[1].1 - w[0].1)
                .atan2(w[1].0 - w[0].0)
                .to_degrees()
                .rem_euclid(360.0);
            return (
                w[0].0 + (w[1].0 - w[0].0) * f,
                w[0].1 + (w[1].1 - w[0].1) * f,
                track,
            );
        }
        d -= len;
    }
    let last = WAYPOINTS[WAYPOINTS.len() - 1];
    (last.0, last.1, 0.0)
}

/// Distance in metres, flat-earth (the loop is two kilometres across).
fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    let dy = (b.0 - a.0) * 111_320.0;
    let dx = (b.1 - a.1) * 111_320.0 * a.0.to_radians().cos();
    (dx * dx + dy * dy).sqrt()
}

fn nmea_coord(value: f64, lat: bool) -> String {
    let hemi = match (lat, value >= 0.0) {
        (true, true) => "N",
        (true, false) => "S",
        (false, true) => "E",
        (false, false) => "W",
    };
    let v = value.abs();
    let deg = v.trunc();
    let min = (v - deg) * 60.0;
    if lat {
        format!("{deg:02.0}{min:07.4},{hemi}")
    } else {
        format!("{deg:03.0}{min:07.4},{hemi}")
    }
}

fn route() -> String {
    let total: f64 = WAYPOINTS.windows(2).map(|w| dist(w[0], w[1])).sum();
    let speed_knots = total / ROUTE_SECONDS as f64 / 0.514_444;
    let mut out = String::from(
        "# Demo patrol route: Coralville, Iowa loop, 1 Hz, made by `alpr demo generate`\n",
    );
    for s in 0..=ROUTE_SECONDS {
        let t = start() + Duration::seconds(s);
        let (lat, lon, track) = position_at(s as f64);
        let hms = t.format("%H%M%S%.3f");
        let dmy = t.format("%d%m%y");
        let (la, lo) = (nmea_coord(lat, true), nmea_coord(lon, false));
        let _ = writeln!(
            out,
            "{}",
            frame_sentence(&format!("GPGGA,{hms},{la},{lo},1,09,0.9,213.4,M,-31.2,M,,"))
        );
        let _ = writeln!(
            out,
            "{}",
            frame_sentence("GPGSA,A,3,02,05,12,15,18,21,24,25,29,,,,1.6,0.9,1.3")
        );
        let _ = writeln!(
            out,
            "{}",
            frame_sentence(&format!(
                "GPRMC,{hms},A,{la},{lo},{speed_knots:.1},{track:.1},{dmy},,,A"
            ))
        );
    }
    out
}

fn random_plate(rng: &mut ChaCha8Rng) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    let mut p = String::new();
    match rng.random_range(0..3) {
        0 => {
            for _ in 0..3 {
                p.push(LETTERS[rng.random_range(0..LETTERS.len())] as char);
            }
            for _ in 0..3 {
                p.push(char::from(b'0' + rng.random_range(0..10u8)));
            }
        }
        1 => {
            p.push(char::from(b'0' + rng.random_range(1..10u8)));
            for _ in 0..3 {
                p.push(LETTERS[rng.random_range(0..LETTERS.len())] as char);
            }
            for _ in 0..3 {
                p.push(char::from(b'0' + rng.random_range(0..10u8)));
            }
        }
        _ => {
            for _ in 0..3 {
                p.push(LETTERS[rng.random_range(0..LETTERS.len())] as char);
            }
            for _ in 0..4 {
                p.push(char::from(b'0' + rng.random_range(0..10u8)));
            }
        }
    }
    p
}

fn event(
    camera: &str,
    plate: &str,
    state: &str,
    confidence: f64,
    t: DateTime<Utc>,
    alt: Option<(&str, f64)>,
) -> String {
    let mut v = serde_json::json!({
        "type": "read",
        "camera": camera,
        "plate": plate,
        "state": state,
        "confidence": (confidence * 1000.0).round() / 1000.0,
        "time": t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    });
    if let Some((p, c)) = alt {
        v["alternatives"] = serde_json::json!([{ "plate": p, "confidence": c }]);
    }
    v.to_string()
}

fn feed(rng: &mut ChaCha8Rng) -> String {
    let mut lines: Vec<(DateTime<Utc>, String)> = Vec::new();
    let mut t_ms: i64 = 3_000;
    while t_ms < (ROUTE_SECONDS - 5) * 1000 {
        let camera = if rng.random_bool(0.5) {
            "front-left"
        } else {
            "front-right"
        };
        let plate = random_plate(rng);
        let state = STATES[rng.random_range(0..STATES.len())];
        let t = start() + Duration::milliseconds(t_ms);
        lines.push((
            t,
            event(camera, &plate, state, rng.random_range(0.80..0.99), t, None),
        ));
        t_ms += rng.random_range(1_200..4_000);
    }
    let spacing = ROUTE_SECONDS * 1000 / (PASSED_HOT.len() as i64 + 1);
    for (i, (plate, _, seen_state, how)) in PASSED_HOT.iter().enumerate() {
        let t = start() + Duration::milliseconds(spacing * (i as i64 + 1) + 437);
        match how {
            HotRead::Plain => {
                lines.push((t, event("front-right", plate, seen_state, 0.94, t, None)))
            }
            HotRead::Twice => {
                lines.push((t, event("front-left", plate, seen_state, 0.91, t, None)));
                let t2 = t + Duration::milliseconds(1_300);
                lines.push((t2, event("front-left", plate, seen_state, 0.95, t2, None)));
            }
            HotRead::AsAlternative(best) => {
                lines.push((
                    t,
                    event(
                        "front-right",
                        best,
                        seen_state,
                        0.71,
                        t,
                        Some((plate, 0.66)),
                    ),
                ));
            }
        }
    }
    lines.sort_by_key(|(t, _)| *t);
    let mut out = String::new();
    for (_, l) in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

fn hotlist(rng: &mut ChaCha8Rng) -> String {
    let mut out = String::from("plate,state,make,model,color,reason,priority,instructions\n");
    let vehicles = [
        ("TOYT", "CAM", "SIL"),
        ("HOND", "CIV", "BLK"),
        ("FORD", "F15", "WHI"),
        ("CHEV", "MAL", "BLU"),
    ];
    let reasons = [
        ("stolen vehicle", "high"),
        ("stolen plate", "high"),
        ("wanted person", "critical"),
        ("missing person", "high"),
    ];
    for (i, (plate, listed_state, _, _)) in PASSED_HOT.iter().enumerate() {
        let (make, model, color) = vehicles[i % vehicles.len()];
        let (reason, priority) = reasons[i % reasons.len()];
        let _ = writeln!(
            out,
            "{plate},{listed_state},{make},{model},{color},{reason},{priority},Confirm with dispatch before any stop"
        );
    }
    // Plates the patrol never passes: the list is mostly plates that are elsewhere.
    for i in 0..60 {
        let (make, model, color) = vehicles[i % vehicles.len()];
        let (reason, priority) = reasons[i % reasons.len()];
        let state = STATES[rng.random_range(0..STATES.len())];
        let _ = writeln!(
            out,
            "{},{state},{make},{model},{color},{reason},{priority},",
            random_plate(rng)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_demo_files_are_what_the_generator_makes() {
        let g = generate();
        assert!(
            g.feed == super::super::FEED,
            "appliance/demo/feed.jsonl is stale: run `alpr demo generate`"
        );
        assert!(
            g.route == super::super::ROUTE,
            "appliance/demo/route.nmea is stale: run `alpr demo generate`"
        );
        assert!(
            g.hotlist == super::super::HOTLIST,
            "appliance/demo/hotlist.csv is stale: run `alpr demo generate`"
        );
    }

    #[test]
    fn the_route_parses_to_one_fix_a_second() {
        let (fixes, stats) = alpr_gps::read_nmea_fixes(generate().route.as_bytes());
        assert_eq!(stats.rejected, 0, "{:?}", stats.reasons);
        assert_eq!(fixes.len() as i64, ROUTE_SECONDS + 1);
    }
}
