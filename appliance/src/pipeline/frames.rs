//! Frames into the recogniser, dropped (and counted) when it is behind.

use std::sync::Arc;

use alpr_images::{Frame, PlateObservation, Recognizer};
use tokio::sync::mpsc;

use super::stats::PipelineStats;

/// The end a frame source offers frames to.
#[derive(Debug, Clone)]
pub struct FrameSender {
    tx: mpsc::Sender<Frame>,
    stats: Arc<PipelineStats>,
}

impl FrameSender {
    pub(super) fn new(tx: mpsc::Sender<Frame>, stats: Arc<PipelineStats>) -> Self {
        Self { tx, stats }
    }

    /// Offers a frame without waiting; `false` (and one more dropped frame counted) when the
    /// recogniser's queue is full. A camera keeps its frame rate; the recogniser takes what it can.
    pub fn offer(&self, frame: Frame) -> bool {
        self.stats.frame_received();
        match self.tx.try_send(frame) {
            Ok(()) => true,
            Err(_) => {
                self.stats.frame_dropped();
                false
            }
        }
    }

    /// Sends a frame, waiting for room: for recorded frames, which can wait, unlike a camera.
    /// `false` when the pipeline has stopped.
    pub async fn send(&self, frame: Frame) -> bool {
        self.stats.frame_received();
        self.tx.send(frame).await.is_ok()
    }
}

pub(super) async fn recognise(
    mut frames: mpsc::Receiver<Frame>,
    recognizer: Arc<dyn Recognizer>,
    out: mpsc::Sender<PlateObservation>,
    stats: Arc<PipelineStats>,
) {
    while let Some(frame) = frames.recv().await {
        let r = recognizer.clone();
        let camera = frame.camera.clone();
        let result = tokio::task::spawn_blocking(move || r.recognize(&frame)).await;
        let observations = match result {
            Ok(Ok(observations)) => observations,
            Ok(Err(e)) => {
                stats.frame_failed();
                tracing::warn!("{e}");
                continue;
            }
            Err(e) => {
                stats.frame_failed();
                tracing::error!(%camera, "recogniser crashed on a frame: {e}");
                continue;
            }
        };
        for o in observations {
            if out.send(o).await.is_err() {
                return;
            }
        }
    }
}
