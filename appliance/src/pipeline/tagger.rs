//! Gives each read the car's position at its capture time.
//!
//! A read usually arrives before the fix that follows its capture (the receiver reports once a
//! second), so it waits, up to `gps_wait`, for a fix at or after its capture time to interpolate
//! against; then it takes what the track holds, flagged for what it is. The stage comes after
//! the alert: an officer hears of a hit at once, not a GPS epoch later.

use std::collections::VecDeque;
use std::sync::Arc;

use alpr_gps::{Fix, Track};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::PipelineConfig;
use super::stats::PipelineStats;
use crate::model::MatchedRead;

pub(super) async fn run(
    mut observations: mpsc::Receiver<MatchedRead>,
    mut fixes: mpsc::Receiver<Fix>,
    out: mpsc::Sender<MatchedRead>,
    config: PipelineConfig,
    stats: Arc<PipelineStats>,
) {
    let mut track = Track::new(config.track);
    let mut pending: VecDeque<(MatchedRead, Instant)> = VecDeque::new();
    let (mut observations_open, mut fixes_open) = (true, true);
    loop {
        let now = Instant::now();
        while let Some((o, deadline)) = pending.front() {
            let fix_after = track
                .newest()
                .is_some_and(|t| t >= o.read.observation.captured_at);
            if !(fix_after || *deadline <= now || !fixes_open) {
                break;
            }
            let Some((mut m, _)) = pending.pop_front() else {
                break;
            };
            m.read.position = track.position_at(m.read.observation.captured_at);
            if m.read.position.is_none() {
                stats.read_without_position();
            }
            if out.send(m).await.is_err() {
                tracing::error!("store writer has gone: the GPS tagger stops");
                return;
            }
        }
        if !observations_open && pending.is_empty() {
            return;
        }
        let deadline = pending.front().map(|(_, d)| *d);
        tokio::select! {
            o = observations.recv(), if observations_open => match o {
                Some(m) => pending.push_back((m, Instant::now() + config.gps_wait)),
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
