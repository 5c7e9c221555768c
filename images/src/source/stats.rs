//! What a frame source has done, shared between its task and whoever reports on it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

/// The frame rate is measured over the frames of this last stretch of time.
pub const FPS_WINDOW: Duration = Duration::from_secs(5);

/// At most this many arrival times are kept (enough for 100 fps over the window).
const FPS_SAMPLES: usize = 512;

/// Counters of one frame source. Clones share the same counters: the source's task keeps one,
/// the diagnostics another.
#[derive(Debug, Clone, Default)]
pub struct SourceStats {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    source: String,
    frames: AtomicU64,
    dropped: AtomicU64,
    skipped: AtomicU64,
    bytes: AtomicU64,
    reconnects: AtomicU64,
    failed_connects: AtomicU64,
    connected: AtomicBool,
    /// Set once the source has connected once; a later connection is a reconnect.
    ever_connected: AtomicBool,
    fps: Mutex<FpsWindow>,
    last: Mutex<Last>,
}

#[derive(Debug, Default)]
struct Last {
    frame_at: Option<DateTime<Utc>>,
    frame_size: Option<[u32; 2]>,
    error: Option<String>,
    error_at: Option<DateTime<Utc>>,
}

/// The counters at one moment, as `status.json` and `alpr camera frames --json` show them.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceStatsSnapshot {
    /// The source as configured, any password hidden.
    pub source: String,
    /// Connected to the camera (or playing the recording) now.
    pub connected: bool,
    /// Images received from the source.
    pub frames: u64,
    /// Frames the consumer did not take (the recogniser was behind).
    pub dropped: u64,
    /// Parts, files or stretches of a recording that were not images, skipped.
    pub skipped: u64,
    /// Bytes of the images received.
    pub bytes: u64,
    /// Times the camera was lost and found again.
    pub reconnects: u64,
    /// Attempts to reach the camera that failed.
    pub failed_connects: u64,
    /// Frames a second over the last few seconds; 0 when none arrived in that time.
    pub fps: f64,
    pub last_frame_at: Option<DateTime<Utc>>,
    /// Width and height of the last image.
    pub last_frame_size: Option<[u32; 2]>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

impl SourceStats {
    /// Counters for the source described as `source` (shown in the snapshot).
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(Inner {
                source: source.into(),
                ..Default::default()
            }),
        }
    }

    /// The camera answered (or a recording opened).
    pub fn connected(&self) {
        self.inner.connected.store(true, Ordering::Relaxed);
        if self.inner.ever_connected.swap(true, Ordering::Relaxed) {
            self.inner.reconnects.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The session ended with `error`: a lost connection if it had connected, else a failed
    /// attempt.
    pub fn lost(&self, error: &str) {
        if !self.inner.connected.swap(false, Ordering::Relaxed) {
            self.inner.failed_connects.fetch_add(1, Ordering::Relaxed);
        }
        self.error(error);
    }

    /// The source ended on its own (a recording played out) or was stopped.
    pub fn ended(&self) {
        self.inner.connected.store(false, Ordering::Relaxed);
    }

    /// An image of `bytes` bytes (and `size` pixels, when known) arrived.
    pub fn frame(&self, bytes: usize, size: Option<[u32; 2]>) {
        self.inner.frames.fetch_add(1, Ordering::Relaxed);
        self.inner.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        if let Ok(mut w) = self.inner.fps.lock() {
            w.push(Instant::now());
        }
        if let Ok(mut last) = self.inner.last.lock() {
            last.frame_at = Some(Utc::now());
            if size.is_some() {
                last.frame_size = size;
            }
        }
    }

    /// The consumer did not take a frame.
    pub fn dropped(&self) {
        self.inner.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Something that is not an image was skipped; `why` names it. Gives the count so far.
    pub fn skipped(&self, why: &str) -> u64 {
        self.error(why);
        self.inner.skipped.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Records `error` as the last one without counting anything.
    pub fn error(&self, error: &str) {
        if let Ok(mut last) = self.inner.last.lock() {
            last.error = Some(error.to_string());
            last.error_at = Some(Utc::now());
        }
    }

    /// Images received so far.
    pub fn frames(&self) -> u64 {
        self.inner.frames.load(Ordering::Relaxed)
    }

    pub fn snapshot(&self) -> SourceStatsSnapshot {
        let i = &self.inner;
        let fps = i
            .fps
            .lock()
            .map(|mut w| w.rate(Instant::now()))
            .unwrap_or_default();
        let (last_frame_at, last_frame_size, last_error, last_error_at) = i
            .last
            .lock()
            .map(|l| (l.frame_at, l.frame_size, l.error.clone(), l.error_at))
            .unwrap_or_default();
        SourceStatsSnapshot {
            source: i.source.clone(),
            connected: i.connected.load(Ordering::Relaxed),
            frames: i.frames.load(Ordering::Relaxed),
            dropped: i.dropped.load(Ordering::Relaxed),
            skipped: i.skipped.load(Ordering::Relaxed),
            bytes: i.bytes.load(Ordering::Relaxed),
            reconnects: i.reconnects.load(Ordering::Relaxed),
            failed_connects: i.failed_connects.load(Ordering::Relaxed),
            fps,
            last_frame_at,
            last_frame_size,
            last_error,
            last_error_at,
        }
    }
}

/// Arrival times of the recent frames.
#[derive(Debug, Default)]
struct FpsWindow {
    arrivals: VecDeque<Instant>,
}

impl FpsWindow {
    fn push(&mut self, at: Instant) {
        if self.arrivals.len() == FPS_SAMPLES {
            self.arrivals.pop_front();
        }
        self.arrivals.push_back(at);
    }

    /// Frames a second among those that arrived in the window before `now`: the gaps between
    /// them, so a camera's rate shows from its second frame on and does not depend on when it
    /// is asked within a gap.
    fn rate(&mut self, now: Instant) -> f64 {
        while let Some(&first) = self.arrivals.front() {
            if now.saturating_duration_since(first) > FPS_WINDOW {
                self.arrivals.pop_front();
            } else {
                break;
            }
        }
        match (self.arrivals.front(), self.arrivals.back()) {
            (Some(&first), Some(&last)) if self.arrivals.len() >= 2 => {
                let span = last.saturating_duration_since(first).as_secs_f64();
                if span > 0.0 {
                    (self.arrivals.len() - 1) as f64 / span
                } else {
                    0.0
                }
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_measured_over_the_window_and_falls_to_zero() {
        let start = Instant::now();
        let mut w = FpsWindow::default();
        for i in 0..50 {
            w.push(start + Duration::from_millis(100 * i));
        }
        let last = start + Duration::from_millis(4900);
        assert!((w.rate(last) - 10.0).abs() < 1e-9);
        // Two seconds on, the frames older than the window are forgotten; the rest still say 10.
        assert!((w.rate(last + Duration::from_secs(2)) - 10.0).abs() < 1e-9);
        assert_eq!(w.rate(last + FPS_WINDOW + Duration::from_millis(1)), 0.0);
    }

    #[test]
    fn a_reconnect_is_a_second_connection_and_a_failure_before_one_is_a_failed_attempt() {
        let s = SourceStats::new("test");
        s.lost("refused");
        s.connected();
        s.lost("reset");
        s.lost("refused");
        s.connected();
        let snap = s.snapshot();
        assert_eq!((snap.reconnects, snap.failed_connects), (1, 2));
        assert!(snap.connected);
        assert_eq!(snap.last_error.as_deref(), Some("refused"));
    }
}
