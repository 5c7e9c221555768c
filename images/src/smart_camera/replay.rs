//! A recorded smart-camera feed: the same JSON lines as on the wire, read from a file.

use std::path::Path;

use chrono::{DateTime, Utc};

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
                    stats.read(&parsed.observation.camera);
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

    /// The events, in capture-time order.
    pub fn into_events(self) -> Vec<PlateObservation> {
        self.events
    }
}
