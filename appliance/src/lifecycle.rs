//! The appliance's life in a car: telling systemd it is up and alive, and ignition-off as a
//! delayed, graceful shutdown.

use std::time::Duration;

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

use crate::config::IgnitionConfig;

/// Tells systemd (when it started us with `Type=notify`) that start-up is done.
pub fn ready() {
    if let Err(e) = sd_notify::notify(&[NotifyState::Ready]) {
        tracing::warn!("telling systemd we are ready: {e}");
    }
}

/// Tells systemd the shutdown has begun, so it waits for the drain rather than the watchdog.
pub fn stopping() {
    if let Err(e) = sd_notify::notify(&[NotifyState::Stopping]) {
        tracing::warn!("telling systemd we are stopping: {e}");
    }
}

/// Pets systemd's watchdog at half its period until `stop`, from the runtime that runs the
/// pipeline: if that runtime hangs, the pets stop and systemd restarts the appliance.
pub async fn watchdog(stop: CancellationToken) {
    let Some(period) = sd_notify::watchdog_enabled() else {
        return;
    };
    tracing::info!(?period, "petting the systemd watchdog");
    let mut tick = tokio::time::interval(period / 2);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {
                if let Err(e) = sd_notify::notify(&[NotifyState::Watchdog]) {
                    tracing::warn!("petting the watchdog: {e}");
                }
            }
        }
    }
}

/// Whether the ignition line says the engine is on; `None` when it cannot be read.
fn ignition_on(cfg: &IgnitionConfig) -> Option<bool> {
    let text = std::fs::read_to_string(&cfg.path).ok()?;
    let high = match text.trim() {
        "1" => true,
        "0" => false,
        _ => return None,
    };
    Some(high != cfg.active_low)
}

/// Resolves once the ignition has been off for `delay` without coming back on. A line that
/// cannot be read counts as on (warned about once): a broken wire must not stop the appliance
/// mid-patrol; the base unit's low-voltage cut-off guards the battery.
pub async fn ignition_off(cfg: IgnitionConfig, delay: Duration) {
    let poll = Duration::from_millis(cfg.poll_ms);
    let mut off_since: Option<tokio::time::Instant> = None;
    let mut warned = false;
    loop {
        let now = tokio::time::Instant::now();
        match ignition_on(&cfg) {
            Some(false) => {
                let since = *off_since.get_or_insert_with(|| {
                    tracing::warn!(?delay, "ignition off: shutting down after the delay");
                    now
                });
                if now.duration_since(since) >= delay {
                    tracing::warn!("ignition off for {delay:?}: shutting down");
                    return;
                }
            }
            reading => {
                if reading.is_none() && !warned {
                    tracing::warn!(path = %cfg.path.display(), "ignition line unreadable; taken as on");
                    warned = true;
                }
                if off_since.take().is_some() {
                    tracing::info!("ignition back on: shutdown cancelled");
                }
            }
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn ignition_off_waits_the_delay_and_is_cancelled_by_ignition_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("value");
        std::fs::write(&path, "1\n").expect("write");
        let cfg = IgnitionConfig {
            path: path.clone(),
            active_low: false,
            poll_ms: 100,
        };
        let off = tokio::spawn(ignition_off(cfg, Duration::from_secs(60)));
        tokio::time::sleep(Duration::from_secs(5)).await;
        std::fs::write(&path, "0\n").expect("off");
        tokio::time::sleep(Duration::from_secs(30)).await;
        std::fs::write(&path, "1\n").expect("back on");
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!off.is_finished(), "on again within the delay: no shutdown");
        std::fs::write(&path, "0\n").expect("off");
        tokio::time::sleep(Duration::from_secs(59)).await;
        assert!(!off.is_finished());
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(off.is_finished(), "off for the whole delay: shutdown");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreadable_line_is_taken_as_on() {
        let cfg = IgnitionConfig {
            path: "/nonexistent/gpio/value".into(),
            active_low: true,
            poll_ms: 100,
        };
        let off = tokio::spawn(ignition_off(cfg, Duration::from_secs(10)));
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!off.is_finished());
    }
}
