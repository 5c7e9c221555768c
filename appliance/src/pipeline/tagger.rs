//! Gives each read the car's position at its capture time.
//!
//! A read usually arrives before the fix that follows its capture (the receiver reports once a
//! second), so it waits, up to `gps_wait`, for a fix at or after its capture time to interpolate
//! against; then it takes what the track holds, flagged for what it is.

use std::collections::VecDeque;
use std::sync::Arc;

use alpr_gps::{Fix, Track};
use alpr_images::PlateObservation;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::PipelineConfig;
use super::stats::PipelineStats;
use crate::model::{Read, new_id};

pub(super) async fn run(
    mut observations: mpsc::Receiver<PlateObservation>,
    mut fixes: mpsc::Receiver<Fix>,
    out: mpsc::Sender<Read>,
    config: PipelineConfig,
    stats: Arc<PipelineStats>,
) {
    let mut track = Track::new(config.track);
    let mut pending: VecDeque<(PlateObservation, Instant)> = VecDeque::new();
    let (mut observations_open, mut fixes_open) = (true, true);
    loop {
        let now = Instant::now();
        while let Some((o, deadline)) = pending.front() {
            let fix_after = track.newest().is_some_and(|t| t >= o.captured_at);
            if !(fix_after || *deadline <= now || !fixes_open) {
                break;
            }
            let Some((o, _)) = pending.pop_front() else {
                break;
            };
            let position = track.position_at(o.captured_at);
            if position.is_none() {
                stats.read_without_position();
            }
            if out
                .send(Read {
                    id: new_id(),
                    observation: o,
                    position,
                })
                .await
                .is_err()
            {
                tracing::error!("matcher has gone: the GPS tagger stops");
                return;
            }
        }
        if !observations_open && pending.is_empty() {
            return;
        }
        let deadline = pending.front().map(|(_, d)| *d);
        tokio::select! {
            o = observations.recv(), if observations_open => match o {
                Some(o) => {
                    stats.observation();
                    pending.push_back((o, Instant::now() + config.gps_wait));
                }
                None => observations_open = false,
            },
            f = fixes.recv(), if fixes_open => match f {
                Some(f) => track.push(f),
                None => fixes_open = false,
            },
            () = sleep_until(deadline), if deadline.is_some() => {}
            else => {}
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
