//! Frames into the recogniser, dropped (and counted) when it is behind.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use alpr_images::passes::{PassLimits, Passes};
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

/// Reads each frame, then gathers the readings of a plate passing a camera into one read
/// (`alpr_images::passes`). A pass ends by its camera's clock; a camera that has sent no frame
/// for the quiet time (stopped or unplugged) has its passes ended by this task's clock, so no
/// read waits for that camera's next frame.
pub(super) async fn recognise(
    mut frames: mpsc::Receiver<Frame>,
    recognizer: Arc<dyn Recognizer>,
    limits: PassLimits,
    out: mpsc::Sender<PlateObservation>,
    stats: Arc<PipelineStats>,
) {
    let mut passes = Passes::new(limits);
    let mut last_frame: HashMap<String, Instant> = HashMap::new();
    loop {
        let next = if passes.held() > 0 {
            tokio::time::timeout(limits.quiet, frames.recv()).await.ok()
        } else {
            Some(frames.recv().await)
        };
        let mut ended = Vec::new();
        last_frame.retain(|camera, at| {
            let quiet = at.elapsed() >= limits.quiet;
            if quiet {
                ended.extend(passes.end_camera(camera));
            }
            !quiet
        });
        if !send_all(&out, ended).await {
            return;
        }
        let frame = match next {
            None => continue,
            Some(None) => break,
            Some(Some(frame)) => frame,
        };
        let (camera, captured_at) = (frame.camera.clone(), frame.captured_at);
        let r = recognizer.clone();
        let result = tokio::task::spawn_blocking(move || r.recognize(&frame)).await;
        // From when the frame was read: a slow recogniser is not a quiet camera.
        last_frame.insert(camera.clone(), Instant::now());
        let ended = match result {
            Ok(Ok(readings)) => {
                stats.frame_readings(readings.len());
                passes.frame(&camera, captured_at, readings)
            }
            Ok(Err(e)) => {
                stats.frame_failed();
                tracing::warn!("{e}");
                passes.end_due(&camera, captured_at)
            }
            Err(e) => {
                stats.frame_failed();
                tracing::error!(%camera, "recogniser crashed on a frame: {e}");
                passes.end_due(&camera, captured_at)
            }
        };
        if !send_all(&out, ended).await {
            return;
        }
    }
    send_all(&out, passes.end_all()).await;
}

/// `false` when the matcher has gone.
async fn send_all(out: &mpsc::Sender<PlateObservation>, reads: Vec<PlateObservation>) -> bool {
    for o in reads {
        if out.send(o).await.is_err() {
            return false;
        }
    }
    true
}
