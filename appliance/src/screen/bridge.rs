//! Carries the pipeline's events to the screen: an alert at once, before its read is stored; each
//! stored read onto the patrol list; and the status bar every few seconds.

use std::sync::Arc;
use std::time::Duration;

use alpr_ui::screen::ScreenHandle;
use alpr_ui::{PartStatus, StatusView};
use chrono::Utc;
use tokio::sync::{broadcast, watch};

use super::alert_view::alert_view;
use crate::pipeline::PipelineEvent;
use crate::policy::Policy;
use crate::views;

/// What the status bar says of the parts the pipeline does not see itself.
#[derive(Debug, Clone, Default)]
pub struct OutsideStatus {
    pub hotlists: PartStatus,
    pub sync: PartStatus,
}

/// Runs until the pipeline closes or the screen's event loop stops.
pub async fn forward(
    mut events: broadcast::Receiver<PipelineEvent>,
    screen: ScreenHandle,
    policy: Arc<Policy>,
    outside: watch::Receiver<OutsideStatus>,
) {
    let mut status = StatusView::default();
    let mut last_read = None::<chrono::DateTime<Utc>>;
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        let posted = tokio::select! {
            event = events.recv() => match event {
                Ok(PipelineEvent::Alert(m)) => {
                    let now = Utc::now();
                    m.hits.iter().try_for_each(|h| screen.alert(alert_view(&m.read, h, &policy, now)))
                }
                Ok(PipelineEvent::Stored(m)) => {
                    let mut view = views::read_view(&m.read);
                    view.hit = !m.hits.is_empty();
                    status.gps = gps_status(&view.position_quality);
                    last_read = Some(Utc::now());
                    if m.hits.is_empty() {
                        screen.read(view)
                    } else {
                        let ids = m.hits.iter().map(|h| h.id.to_string()).collect();
                        screen.alert_read(ids, view.clone()).and_then(|()| screen.read(view))
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("the screen fell behind: {n} reads not listed");
                    Ok(())
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = tick.tick() => {
                let outside = outside.borrow().clone();
                status.hotlists = outside.hotlists;
                status.sync = outside.sync;
                status.cameras = match last_read {
                    Some(t) => PartStatus {
                        text: format!("last read {}s ago", (Utc::now() - t).num_seconds().max(0)),
                        verdict: "pass".into(),
                    },
                    None => PartStatus { text: "no reads yet".into(), verdict: "warn".into() },
                };
                if status.gps.text.is_empty() {
                    status.gps = PartStatus { text: "waiting".into(), verdict: "warn".into() };
                }
                screen.status(status.clone())
            }
        };
        if posted.is_err() {
            tracing::info!("the screen has closed: no more reads go to it");
            return;
        }
    }
}

fn gps_status(quality: &str) -> PartStatus {
    let verdict = match quality {
        "fix" | "interpolated" => "pass",
        "no fix" | "gap-too-long" => "fail",
        _ => "warn",
    };
    PartStatus {
        text: quality.to_string(),
        verdict: verdict.into(),
    }
}
