//! Writes reads in batches on a blocking thread, retrying until the store takes them.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};

use super::events::PipelineEvent;
use super::stats::PipelineStats;
use crate::model::MatchedRead;
use crate::store::{Store, StoreError};

pub(super) fn run(
    mut store: Store,
    mut rx: mpsc::Receiver<MatchedRead>,
    batch_size: usize,
    events: broadcast::Sender<PipelineEvent>,
    stats: Arc<PipelineStats>,
) -> Result<Store, StoreError> {
    let mut batch = Vec::with_capacity(batch_size);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < batch_size {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut delay = Duration::from_millis(100);
        // Reads are evidence: a full disk or a locked database holds the pipeline (and so the
        // cameras) back until it clears, it never discards them.
        while let Err(e) = store.insert_reads(&batch) {
            stats.store_retry();
            tracing::error!(
                "storing {} reads failed, trying again in {delay:?}: {e}",
                batch.len()
            );
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        // Committed: the cameras may forget these reads now.
        for m in &batch {
            if let Some(ack) = &m.read.observation.ack {
                ack.send();
            }
        }
        let hits = batch.iter().map(|m| m.hits.len()).sum();
        stats.stored(batch.len(), hits);
        for m in batch.drain(..) {
            let _ = events.send(PipelineEvent::Stored(Arc::new(m)));
        }
    }
    Ok(store)
}
