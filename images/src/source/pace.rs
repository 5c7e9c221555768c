//! The pace a recorded source plays at.

use std::time::Duration;

use tokio::time::{Interval, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

/// One frame every `1/fps` seconds, or as fast as they come at 0 fps.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Option<Interval>,
}

impl Pacer {
    pub(crate) fn new(fps: f64) -> Self {
        let interval = (fps > 0.0).then(|| {
            let mut i = tokio::time::interval(Duration::from_secs_f64(1.0 / fps));
            // A slow read delays the frames after it rather than bunching them up to catch up:
            // the rate a recogniser sees stays the one asked for.
            i.set_missed_tick_behavior(MissedTickBehavior::Delay);
            i
        });
        Self { interval }
    }

    /// Waits for the next frame's turn; false when shut down meanwhile.
    pub(crate) async fn wait(&mut self, shutdown: &CancellationToken) -> bool {
        match &mut self.interval {
            Some(i) => tokio::select! {
                biased;
                () = shutdown.cancelled() => false,
                _ = i.tick() => true,
            },
            None => {
                // As fast as read, but never holding the runtime's thread.
                tokio::task::yield_now().await;
                !shutdown.is_cancelled()
            }
        }
    }
}
