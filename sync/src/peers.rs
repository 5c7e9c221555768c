//! What each store has already received from each peer, so exchange resumes where it stopped.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, params};

use crate::changes::{apply_changes, changes_at, changes_since};
use crate::connection::CrConnection;
use crate::error::{Result, SqliteContext};

/// Watermarks live in a plain (not replicated) table: they describe this store's view of a peer.
const WATERMARK_TABLE: &str = "CREATE TABLE IF NOT EXISTS alpr_sync_received (
    peer_site_id BLOB PRIMARY KEY NOT NULL,
    db_version INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
)";

/// What one pull moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullStats {
    /// `crsql_changes` rows (one per changed column) merged into the receiving store.
    pub changes: usize,
    /// Table rows those changes touched (counted per batch: a row changed in two batches counts twice).
    pub rows: usize,
    /// The sender's `db_version` the receiver now holds everything up to.
    pub through_db_version: i64,
}

/// The sender `db_version` up to which `store` holds `peer_site_id`'s changes (0 for none).
pub fn received_watermark(store: &CrConnection, peer_site_id: &[u8]) -> Result<i64> {
    store
        .execute_batch(WATERMARK_TABLE)
        .context("creating alpr_sync_received")?;
    store
        .query_row(
            "SELECT db_version FROM alpr_sync_received WHERE peer_site_id = ?1",
            [peer_site_id],
            |r| r.get(0),
        )
        .optional()
        .context("reading alpr_sync_received")
        .map(|v| v.unwrap_or(0))
}

/// Moves what `to` has not yet received from `from`, in batches of whole `db_version`s of at most
/// about `batch_rows` rows, each merged and recorded in one transaction so an interrupted pull
/// resumes after the last batch that committed.
pub fn pull(from: &CrConnection, to: &mut CrConnection, batch_rows: usize) -> Result<PullStats> {
    let from_site = from.site_id()?;
    let to_site = to.site_id()?;
    let mut stats = PullStats {
        changes: 0,
        rows: 0,
        through_db_version: received_watermark(to, &from_site)?,
    };
    loop {
        let mut batch = changes_since(
            from,
            stats.through_db_version,
            Some(&to_site),
            batch_rows.max(1),
        )?;
        if batch.is_empty() {
            return Ok(stats);
        }
        // A db_version is one transaction at the sender; never split one across batches, so a
        // batch that commits holds every change of every version up to its watermark.
        let last_version = batch
            .last()
            .map(|c| c.db_version)
            .unwrap_or(stats.through_db_version);
        if batch.len() >= batch_rows {
            batch.retain(|c| c.db_version < last_version);
            batch.extend(changes_at(from, last_version, Some(&to_site))?);
        }
        let tx = to.transaction().context("starting merge transaction")?;
        apply_changes(&tx, &batch)?;
        tx.execute(
            "INSERT INTO alpr_sync_received (peer_site_id, db_version, updated_at_ms)
             VALUES (?1, ?2, CAST(unixepoch('subsec') * 1000 AS INTEGER))
             ON CONFLICT(peer_site_id) DO UPDATE SET db_version = excluded.db_version,
                                                     updated_at_ms = excluded.updated_at_ms",
            params![from_site, last_version],
        )
        .context("recording received watermark")?;
        tx.commit().context("committing merged changes")?;
        stats.changes += batch.len();
        stats.rows += batch
            .iter()
            .map(|c| (&c.table, &c.pk))
            .collect::<HashSet<_>>()
            .len();
        stats.through_db_version = last_version;
    }
}
