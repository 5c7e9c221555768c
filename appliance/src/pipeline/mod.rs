//! The read pipeline: tokio tasks joined by bounded channels.
//!
//! ```text
//! frames ─▶ recognise ─▶ passes ─┐
//! smart cameras ──────────────────┴▶ hot-list matcher ─▶ alert ─▶ GPS tagger ─▶ store
//!                                                                  fixes ─▶┘
//! ```
//!
//! A camera sees a passing plate in many frames: the readings of one pass become one read, voted
//! from them all, when the plate has gone (`alpr_images::passes`). A hit's alert waits for that,
//! at most `PassLimits::longest` after the first frame. Smart cameras send one read per pass.
//!
//! The alert comes before the GPS tagger: a read waits there for the fix after its capture (up to
//! a second with a 1 Hz receiver), and an officer must not wait for that to hear of a hit. The
//! alert's position follows once the read is stored.
//!
//! Frames are offered, not pushed: when the recogniser falls behind, a frame that finds its queue
//! full is dropped and counted. Reads are never dropped: every channel after recognition waits,
//! so a slow store slows the cameras down (a smart camera's TCP connection waits) rather than
//! losing a read.

mod alert;
mod events;
mod frames;
mod stats;
mod store_writer;
mod tagger;

use std::sync::Arc;
use std::time::Duration;

use alpr_gps::{Fix, TrackLimits};
use alpr_images::passes::PassLimits;
use alpr_images::{Frame, PlateObservation, Recognizer};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

pub use events::PipelineEvent;
pub use frames::FrameSender;
pub use stats::{PipelineStats, StatsSnapshot};

use crate::hotlist::HotlistIndex;
use crate::model::{MatchedRead, Read};
use crate::store::{Store, StoreError};

/// Sizes and limits of the pipeline.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Capacity of each channel that carries reads.
    pub read_queue: usize,
    /// Frames waiting for the recogniser; a frame that finds this full is dropped.
    pub frame_queue: usize,
    /// Reads written per transaction at most.
    pub store_batch: usize,
    pub track: TrackLimits,
    /// When the recogniser's readings of a passing plate become its one read.
    pub passes: PassLimits,
    /// How long a read waits for a fix after its capture time before it takes the last one held.
    pub gps_wait: Duration,
    /// A second hit on the same entry within this time is stored but not alerted again.
    pub realert_after: Duration,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            read_queue: 256,
            frame_queue: 4,
            store_batch: 64,
            track: TrackLimits::default(),
            passes: PassLimits::default(),
            gps_wait: Duration::from_secs(2),
            realert_after: Duration::from_secs(60),
        }
    }
}

/// The ends the outside world feeds.
#[derive(Debug)]
pub struct PipelineInputs {
    /// For smart cameras and replays: each read is awaited into the pipeline.
    pub observations: mpsc::Sender<PlateObservation>,
    /// For ordinary cameras, when a recogniser is configured.
    pub frames: Option<FrameSender>,
    pub fixes: mpsc::Sender<Fix>,
    /// Swap in a new hot-list index; the matcher uses it from the next read on.
    pub hotlists: watch::Sender<Arc<HotlistIndex>>,
}

/// A running pipeline.
#[derive(Debug)]
pub struct Pipeline {
    stats: Arc<PipelineStats>,
    events: broadcast::Sender<PipelineEvent>,
    tasks: Vec<JoinHandle<()>>,
    store: JoinHandle<Result<Store, StoreError>>,
}

impl Pipeline {
    /// Starts every stage. The pipeline runs until every sender in the returned inputs (and every
    /// clone of them) is dropped, then drains: whatever was read is stored before [`Pipeline::join`]
    /// returns.
    pub fn start(
        config: PipelineConfig,
        store: Store,
        hotlists: HotlistIndex,
        recognizer: Option<Arc<dyn Recognizer>>,
    ) -> (Pipeline, PipelineInputs) {
        let stats = Arc::new(PipelineStats::default());
        let (events, _) = broadcast::channel(1024);
        let (obs_tx, obs_rx) = mpsc::channel::<PlateObservation>(config.read_queue);
        let (fix_tx, fix_rx) = mpsc::channel::<Fix>(64);
        let (matched_tx, matched_rx) = mpsc::channel::<MatchedRead>(config.read_queue);
        let (alerted_tx, alerted_rx) = mpsc::channel::<MatchedRead>(config.read_queue);
        let (store_tx, store_rx) = mpsc::channel::<MatchedRead>(config.read_queue);
        let (hotlist_tx, hotlist_rx) = watch::channel(Arc::new(hotlists));

        let mut tasks = Vec::new();
        let frames = recognizer.map(|recognizer| {
            let (frame_tx, frame_rx) = mpsc::channel::<Frame>(config.frame_queue.max(1));
            tasks.push(tokio::spawn(frames::recognise(
                frame_rx,
                recognizer,
                config.passes,
                obs_tx.clone(),
                stats.clone(),
            )));
            FrameSender::new(frame_tx, stats.clone())
        });
        tasks.push(tokio::spawn(matcher(
            obs_rx,
            hotlist_rx,
            matched_tx,
            stats.clone(),
        )));
        tasks.push(tokio::spawn(alert::run(
            matched_rx,
            alerted_tx,
            events.clone(),
            config.realert_after,
            stats.clone(),
        )));
        tasks.push(tokio::spawn(tagger::run(
            alerted_rx,
            fix_rx,
            store_tx,
            config.clone(),
            stats.clone(),
        )));
        let store = tokio::task::spawn_blocking({
            let (events, stats) = (events.clone(), stats.clone());
            move || store_writer::run(store, store_rx, config.store_batch, events, stats)
        });
        let inputs = PipelineInputs {
            observations: obs_tx,
            frames,
            fixes: fix_tx,
            hotlists: hotlist_tx,
        };
        (
            Pipeline {
                stats,
                events,
                tasks,
                store,
            },
            inputs,
        )
    }

    /// Events as they happen (alerts, stored reads), for screens and consoles.
    pub fn subscribe(&self) -> broadcast::Receiver<PipelineEvent> {
        self.events.subscribe()
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// The live counters, for a task that reports them while the pipeline runs.
    pub fn stats_handle(&self) -> Arc<PipelineStats> {
        self.stats.clone()
    }

    /// Waits for the pipeline to drain after its inputs closed; gives the store back.
    pub async fn join(self) -> Result<(Store, StatsSnapshot), StoreError> {
        for t in self.tasks {
            if let Err(e) = t.await {
                tracing::error!("pipeline stage ended abnormally: {e}");
            }
        }
        let store = self
            .store
            .await
            .map_err(|e| StoreError::Invalid(format!("store writer ended abnormally: {e}")))??;
        Ok((store, self.stats.snapshot()))
    }
}

/// Gives each observation its read id and matches it; the position comes later (the tagger).
async fn matcher(
    mut observations: mpsc::Receiver<PlateObservation>,
    hotlists: watch::Receiver<Arc<HotlistIndex>>,
    out: mpsc::Sender<MatchedRead>,
    stats: Arc<PipelineStats>,
) {
    while let Some(observation) = observations.recv().await {
        stats.observation();
        let read = Read {
            id: crate::model::new_id(),
            observation,
            position: None,
        };
        let hits = hotlists.borrow().match_read(&read, chrono::Utc::now());
        stats.add_hits(hits.len());
        if out.send(MatchedRead { read, hits }).await.is_err() {
            tracing::error!("alert stage has gone: the matcher stops");
            break;
        }
    }
}
