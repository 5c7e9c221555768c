//! A recorded NMEA log, replayed as a receiver would send it.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::mpsc;

use crate::epoch::{EpochAssembler, SentenceStats};
use crate::fix::Fix;

/// Why a replay stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("the NMEA log has no usable fix ({rejected} of {read} sentences rejected)")]
    NoFixes { read: u64, rejected: u64 },
}

/// Every fix in an NMEA log, with counts of what was read and rejected.
pub fn read_nmea_fixes(text: &str) -> (Vec<Fix>, SentenceStats) {
    let mut asm = EpochAssembler::new();
    let mut fixes: Vec<Fix> = text.lines().filter_map(|l| asm.push_line(l)).collect();
    fixes.extend(asm.finish());
    (fixes, asm.stats().clone())
}

/// Fixes of a recorded log sent at their recorded pace (sped up by `speed`), shifted in time by
/// `shift` so a recorded route can stand for a patrol happening now.
#[derive(Debug, Clone)]
pub struct NmeaReplay {
    fixes: Vec<Fix>,
    stats: SentenceStats,
}

impl NmeaReplay {
    pub fn parse(text: &str) -> Result<Self, ReplayError> {
        let (fixes, stats) = read_nmea_fixes(text);
        if fixes.is_empty() {
            return Err(ReplayError::NoFixes {
                read: stats.read,
                rejected: stats.rejected,
            });
        }
        Ok(Self { fixes, stats })
    }

    pub fn stats(&self) -> &SentenceStats {
        &self.stats
    }

    /// The recorded time of the first fix.
    pub fn start(&self) -> Option<DateTime<Utc>> {
        self.fixes.first().map(|f| f.time)
    }

    /// Sends every fix into `tx` at its recorded pace (sped up by `speed`) counted from the recorded
    /// moment `origin`, which is now; fix times are moved by `shift`. Returns how many were sent
    /// before the receiver left.
    pub async fn run(
        self,
        tx: mpsc::Sender<Fix>,
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
        let first = origin;
        let mut sent = 0;
        for mut fix in self.fixes {
            let offset = (fix.time - first)
                .to_std()
                .unwrap_or_default()
                .as_secs_f64()
                / speed;
            tokio::time::sleep_until(started + StdDuration::from_secs_f64(offset)).await;
            fix.time += shift;
            if tx.send(fix).await.is_err() {
                break;
            }
            sent += 1;
        }
        sent
    }
}
