//! Tells the officer of hits at once: before the read has its position, before it is stored.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;
use uuid::Uuid;

use super::events::PipelineEvent;
use super::stats::PipelineStats;
use crate::model::MatchedRead;

pub(super) async fn run(
    mut matched: mpsc::Receiver<MatchedRead>,
    out: mpsc::Sender<MatchedRead>,
    events: broadcast::Sender<PipelineEvent>,
    realert_after: Duration,
    stats: Arc<PipelineStats>,
) {
    // A car in view is read several times over a few seconds; one alert per entry is enough.
    let mut last_alert: HashMap<Uuid, Instant> = HashMap::new();
    while let Some(m) = matched.recv().await {
        if !m.hits.is_empty() {
            let now = Instant::now();
            last_alert.retain(|_, t| now.duration_since(*t) < realert_after);
            let fresh = m
                .hits
                .iter()
                .filter(|h| !last_alert.contains_key(&h.entry.id))
                .count();
            for h in &m.hits {
                last_alert.entry(h.entry.id).or_insert(now);
            }
            if fresh > 0 {
                stats.alert();
                // No subscriber (a run without screen or console) is not an error.
                let _ = events.send(PipelineEvent::Alert(Arc::new(m.clone())));
            } else {
                stats.repeat_hit();
            }
        }
        if out.send(m).await.is_err() {
            tracing::error!("GPS tagger has gone: the alert stage stops");
            break;
        }
    }
}
