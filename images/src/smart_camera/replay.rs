//! A recorded smart-camera feed: the same JSON lines, read from a file and replayed at their pace.

use std::path::Path;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::mpsc;

use super::protocol::parse_read_event;
use super::stats::CameraStats;
use crate::observation::PlateObservation;

#[derive(Debug, thiserror::Error)]
pub enum ReplayFeedError {
    #[error("reading recorded feed {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Read events from a recording, in capture-time order.
#[derive(Debug, Clone)]
pub struct RecordedFeed {
    events: Vec<PlateObservation>,
}

impl RecordedFeed {
    pub fn load(path: &Path) -> Result<Self, ReplayFeedError> {
        let text = std::fs::read(path).map_err(|source| ReplayFeedError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self::parse(
            &text,
            &path.display().to_string(),
            &CameraStats::default(),
        ))
    }

    /// Parses a recording; bad lines are logged with `source` and their number, counted in
    /// `stats`, and skipped.
    pub fn parse(text: &[u8], source: &str, stats: &CameraStats) -> Self {
        let mut events = Vec::new();
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            stats.line();
            match parse_read_event(line) {
                Ok(parsed) => {
                    for w in &parsed.warnings {
                        tracing::warn!("{source}:{}: {w}", i + 1);
                    }
                    stats.read();
                    events.push(parsed.observation);
                }
                Err(e) => {
                    stats.rejected(e.kind);
                    tracing::warn!("{source}:{}: rejected: {e}", i + 1);
                }
            }
        }
        events.sort_by_key(|o| o.captured_at);
        Self { events }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn first_capture(&self) -> Option<DateTime<Utc>> {
        self.events.first().map(|o| o.captured_at)
    }

    /// Sends each event at its recorded pace (sped up by `speed`) counted from the recorded moment
    /// `origin`, which is now; capture times are moved by `shift`. Other replays given the same
    /// origin stay in step with this one. Returns how many were sent before the receiver went away.
    pub async fn run(
        self,
        tx: mpsc::Sender<PlateObservation>,
        origin: DateTime<Utc>,
        shift: Duration,
        speed: f64,
    ) -> usize {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        let first = origin;
        let started = tokio::time::Instant::now();
        let mut sent = 0;
        for mut o in self.events {
            let offset = (o.captured_at - first)
                .to_std()
                .unwrap_or_default()
                .as_secs_f64()
                / speed;
            tokio::time::sleep_until(started + StdDuration::from_secs_f64(offset)).await;
            o.captured_at += shift;
            if tx.send(o).await.is_err() {
                break;
            }
            sent += 1;
        }
        sent
    }
}
