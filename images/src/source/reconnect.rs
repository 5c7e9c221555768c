//! How a live source (a V4L2 device, an IP camera) waits before it tries its camera again.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::error::SourceError;
use super::stats::SourceStats;

/// Exponential backoff: `first`, doubling up to `max`; back to `first` once a session has
/// delivered a frame, so a camera that blinks is picked up again at once but a dead one is not
/// hammered.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// The delays a live camera is retried at: 0.5 s, doubling to 10 s.
    pub const FIRST: Duration = Duration::from_millis(500);
    pub const MAX: Duration = Duration::from_secs(10);

    pub fn new(first: Duration, max: Duration) -> Self {
        let max = max.max(first);
        Self {
            first,
            max,
            next: first,
        }
    }

    /// The delay before the next attempt; each call doubles the one after.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (d * 2).min(self.max);
        d
    }

    /// A good frame arrived: the next failure is retried after `first` again.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// A live session ended with `error`: records it and logs it, and gives how long to wait before
/// the next attempt (from the start of the backoff again if the session delivered a frame).
pub(crate) fn record_failure(
    backoff: &mut Backoff,
    error: &SourceError,
    delivered: bool,
    stats: &SourceStats,
    camera: &str,
) -> Duration {
    if delivered {
        backoff.reset();
    }
    stats.lost(&error.to_string());
    let delay = backoff.next_delay();
    tracing::warn!(camera = %camera, "{error}; trying again in {delay:?}");
    delay
}

/// Waits `delay`; false when shut down meanwhile.
pub(crate) async fn wait(delay: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => false,
        () = tokio::time::sleep(delay) => true,
    }
}

/// The same on a blocking thread (V4L2 capture), looking at the token every 50 ms.
pub(crate) fn wait_blocking(delay: Duration, shutdown: &CancellationToken) -> bool {
    let until = std::time::Instant::now() + delay;
    loop {
        if shutdown.is_cancelled() {
            return false;
        }
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Self::FIRST, Self::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_ceiling_and_resets() {
        let mut b = Backoff::default();
        let delays: Vec<u64> = (0..8).map(|_| b.next_delay().as_millis() as u64).collect();
        assert_eq!(
            delays,
            [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]
        );
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(500));
    }
}
