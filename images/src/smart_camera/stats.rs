use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters for one camera input, shared between its tasks and the diagnostics.
#[derive(Debug, Default)]
pub struct CameraStats {
    connections: AtomicU64,
    /// Connections open now.
    open: AtomicU64,
    /// Per camera name: reads, and when the last one arrived (Unix milliseconds).
    cameras: Mutex<BTreeMap<String, CameraSeen>>,
    lines: AtomicU64,
    reads: AtomicU64,
    rejected: AtomicU64,
    reasons: Mutex<BTreeMap<String, u64>>,
}

/// What one named camera has sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CameraSeen {
    pub reads: u64,
    pub last_read_ms: i64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CameraStatsSnapshot {
    pub connections: u64,
    /// Connections open at that moment.
    pub open: u64,
    /// By camera name.
    pub cameras: BTreeMap<String, CameraSeen>,
    pub lines: u64,
    pub reads: u64,
    pub rejected: u64,
    /// Rejections by kind of fault.
    pub reasons: BTreeMap<String, u64>,
}

impl CameraStats {
    /// A camera connected (or a recorded feed began playing).
    pub fn connected(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
        self.open.fetch_add(1, Ordering::Relaxed);
    }

    /// It went away (or the feed ended).
    pub fn disconnected(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn line(&self) {
        self.lines.fetch_add(1, Ordering::Relaxed);
    }

    /// A read from `camera`, now.
    pub fn read(&self, camera: &str) {
        self.reads.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut cameras) = self.cameras.lock() {
            let seen = cameras.entry(camera.to_string()).or_default();
            seen.reads += 1;
            seen.last_read_ms = chrono::Utc::now().timestamp_millis();
        }
    }

    pub(crate) fn rejected(&self, kind: &str) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut reasons) = self.reasons.lock() {
            *reasons.entry(kind.to_string()).or_default() += 1;
        }
    }

    pub fn snapshot(&self) -> CameraStatsSnapshot {
        CameraStatsSnapshot {
            connections: self.connections.load(Ordering::Relaxed),
            open: self.open.load(Ordering::Relaxed),
            cameras: self.cameras.lock().map(|c| c.clone()).unwrap_or_default(),
            lines: self.lines.load(Ordering::Relaxed),
            reads: self.reads.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            reasons: self.reasons.lock().map(|r| r.clone()).unwrap_or_default(),
        }
    }
}
