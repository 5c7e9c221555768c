use std::sync::atomic::{AtomicU64, Ordering};

/// Counters every stage updates; the diagnostics and the summary read them.
#[derive(Debug, Default)]
pub struct PipelineStats {
    frames_received: AtomicU64,
    frames_dropped: AtomicU64,
    frames_failed: AtomicU64,
    frame_readings: AtomicU64,
    observations: AtomicU64,
    reads_without_position: AtomicU64,
    hits: AtomicU64,
    alerts: AtomicU64,
    repeat_hits: AtomicU64,
    reads_stored: AtomicU64,
    hits_stored: AtomicU64,
    store_retries: AtomicU64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub frames_received: u64,
    /// Frames dropped because the recogniser was behind.
    pub frames_dropped: u64,
    pub frames_failed: u64,
    /// Plates the recogniser read, frame by frame, before a pass's readings became one read.
    pub frame_readings: u64,
    /// Plates seen (by smart cameras or the recogniser) entering the tagger.
    pub observations: u64,
    pub reads_without_position: u64,
    pub hits: u64,
    /// Alerts raised (a read with new hits); repeats within the re-alert time are not alerts.
    pub alerts: u64,
    pub repeat_hits: u64,
    pub reads_stored: u64,
    pub hits_stored: u64,
    /// Batches the store refused and that were tried again.
    pub store_retries: u64,
}

fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

impl PipelineStats {
    pub(crate) fn frame_received(&self) {
        add(&self.frames_received, 1);
    }
    pub(crate) fn frame_dropped(&self) {
        add(&self.frames_dropped, 1);
    }
    pub(crate) fn frame_failed(&self) {
        add(&self.frames_failed, 1);
    }
    pub(crate) fn frame_readings(&self, n: usize) {
        add(&self.frame_readings, n as u64);
    }
    pub(crate) fn observation(&self) {
        add(&self.observations, 1);
    }
    pub(crate) fn read_without_position(&self) {
        add(&self.reads_without_position, 1);
    }
    pub(crate) fn add_hits(&self, n: usize) {
        add(&self.hits, n as u64);
    }
    pub(crate) fn alert(&self) {
        add(&self.alerts, 1);
    }
    pub(crate) fn repeat_hit(&self) {
        add(&self.repeat_hits, 1);
    }
    pub(crate) fn stored(&self, reads: usize, hits: usize) {
        add(&self.reads_stored, reads as u64);
        add(&self.hits_stored, hits as u64);
    }
    pub(crate) fn store_retry(&self) {
        add(&self.store_retries, 1);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            frames_received: get(&self.frames_received),
            frames_dropped: get(&self.frames_dropped),
            frames_failed: get(&self.frames_failed),
            frame_readings: get(&self.frame_readings),
            observations: get(&self.observations),
            reads_without_position: get(&self.reads_without_position),
            hits: get(&self.hits),
            alerts: get(&self.alerts),
            repeat_hits: get(&self.repeat_hits),
            reads_stored: get(&self.reads_stored),
            hits_stored: get(&self.hits_stored),
            store_retries: get(&self.store_retries),
        }
    }
}
