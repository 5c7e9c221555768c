//! Recordings played back at their recorded pace, as if they were happening now.
//!
//! A recorded camera feed and a recorded route share one clock: given the same `origin` (the
//! recorded moment that is "now") they stay in step, so a read meets the fixes around it.

use std::time::Duration as StdDuration;

use alpr_gps::Fix;
use alpr_images::PlateObservation;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::mpsc;

/// Something recorded at a moment.
pub trait Timed {
    fn time(&self) -> DateTime<Utc>;
    fn shift(&mut self, by: Duration);
}

impl Timed for Fix {
    fn time(&self) -> DateTime<Utc> {
        self.time
    }
    fn shift(&mut self, by: Duration) {
        self.time += by;
    }
}

impl Timed for PlateObservation {
    fn time(&self) -> DateTime<Utc> {
        self.captured_at
    }
    fn shift(&mut self, by: Duration) {
        self.captured_at += by;
    }
}

/// Sends `items` (in time order) into `tx`, each at its recorded offset from `origin` divided by
/// `speed`, its time moved by `shift`. Items before `origin` go at once. Returns how many were
/// sent before the receiver went away.
pub async fn play<T: Timed>(
    items: Vec<T>,
    tx: mpsc::Sender<T>,
    origin: DateTime<Utc>,
    shift: Duration,
    speed: f64,
) -> usize {
    let speed = if speed.is_finite() && speed > 0.0 {
        speed
    } else {
        1.0
    };
    let started = tokio::time::Instant::now();
    let mut sent = 0;
    for mut item in items {
        let offset = (item.time() - origin)
            .to_std()
            .unwrap_or_default()
            .as_secs_f64()
            / speed;
        tokio::time::sleep_until(started + StdDuration::from_secs_f64(offset)).await;
        item.shift(shift);
        if tx.send(item).await.is_err() {
            break;
        }
        sent += 1;
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(secs: i64) -> Fix {
        Fix {
            time: DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap_or_default(),
            lat: Some(0.0),
            lon: Some(0.0),
            alt_m: None,
            speed_mps: None,
            track_deg: None,
            mode: alpr_gps::FixMode::TwoD,
            hdop: None,
            sats: None,
            source: alpr_gps::FixSource::Nmea,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn items_go_at_their_recorded_pace_sped_up_and_shifted() {
        let (tx, mut rx) = mpsc::channel(8);
        let origin = fix(0).time;
        let started = tokio::time::Instant::now();
        let player = tokio::spawn(play(
            vec![fix(0), fix(10), fix(30)],
            tx,
            origin,
            Duration::hours(1),
            10.0,
        ));
        let mut arrivals = Vec::new();
        while let Some(f) = rx.recv().await {
            arrivals.push((
                started.elapsed().as_millis(),
                (f.time - origin).num_seconds(),
            ));
        }
        assert_eq!(player.await.expect("player"), 3);
        assert_eq!(arrivals, vec![(0, 3600), (1000, 3610), (3000, 3630)]);
    }
}
