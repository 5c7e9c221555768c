//! Helpers shared by the end-to-end tests.

pub mod agency;

use std::path::Path;

use alpr_appliance::model::{MatchedRead, Read, new_id};
use alpr_appliance::store::Store;
use alpr_gps::Fix;
use alpr_images::PlateObservation;
use chrono::{DateTime, Utc};

/// A store in its own directory under `dir`.
pub fn store(dir: &Path, car: &str) -> Store {
    Store::open(&dir.join(car), car).expect("store opens")
}

/// A plate observation from camera `front` at `t`.
pub fn observation(plate: &str, state: Option<&str>, t: DateTime<Utc>) -> PlateObservation {
    PlateObservation {
        camera: "front".into(),
        plate: plate.into(),
        state: state.map(Into::into),
        confidence: 0.9,
        captured_at: t,
        alternatives: vec![],
        plate_crop: None,
        context_image: None,
        ack: None,
    }
}

/// A read with no hits, ready for `Store::insert_reads`.
pub fn unmatched(plate: &str, t: DateTime<Utc>) -> MatchedRead {
    MatchedRead {
        read: Read {
            id: new_id(),
            observation: observation(plate, Some("IA"), t),
            position: None,
        },
        hits: vec![],
    }
}

/// The smallest JPEG-looking bytes the image store accepts (it checks the signature only).
pub fn jpeg_bytes(tag: u8) -> Vec<u8> {
    vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, tag, 0xFF, 0xD9,
    ]
}

/// Linear interpolation over a route, written independently of the tagger, to check it.
pub fn expected_position(route: &[Fix], t: DateTime<Utc>) -> Option<(f64, f64)> {
    let after = route.iter().position(|f| f.time >= t)?;
    let next = &route[after];
    let (next_lat, next_lon) = next.position()?;
    if next.time == t || after == 0 {
        return Some((next_lat, next_lon));
    }
    let prev = &route[after - 1];
    let (prev_lat, prev_lon) = prev.position()?;
    let f = (t - prev.time).num_milliseconds() as f64
        / (next.time - prev.time).num_milliseconds() as f64;
    Some((
        prev_lat + (next_lat - prev_lat) * f,
        prev_lon + (next_lon - prev_lon) * f,
    ))
}
