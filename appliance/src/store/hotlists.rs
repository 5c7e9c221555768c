//! Hot lists: whole-list replacement and the entries the matcher loads.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::{Context, Store, StoreError, StoreResult, ms, now_ms};
use crate::model::{HotlistEntry, ListedPlate, Priority, new_id};

impl Store {
    /// Replaces a general list whole with `entries` as its next version, in one transaction: the
    /// matcher sees the old list or the new one, never half of either. Returns the new version.
    pub fn replace_hotlist(
        &mut self,
        list_id: &str,
        name: &str,
        entries: &[ListedPlate],
        source_sha256: &str,
        loaded_by: &str,
    ) -> StoreResult<i64> {
        if list_id.trim().is_empty() {
            return Err(StoreError::Invalid("a hot list needs a name".into()));
        }
        let tx = self.conn.transaction().context("starting hot-list load")?;
        let current: Option<i64> = tx
            .query_row(
                "SELECT current_version FROM hotlists WHERE id = ?1",
                [list_id],
                |r| r.get(0),
            )
            .optional()
            .context("reading hot-list version")?;
        let version = current.unwrap_or(0) + 1;
        tx.execute("DELETE FROM hotlist_entries WHERE list_id = ?1", [list_id])
            .context(format!("removing the old entries of {list_id}"))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO hotlist_entries (id, list_id, version, plate, state, make, model, color,
                        reason, priority, instructions, expires_at_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .context("preparing hot-list insert")?;
            for e in entries {
                stmt.execute(params![
                    new_id().as_bytes(),
                    list_id,
                    version,
                    e.plate,
                    e.state,
                    e.make,
                    e.model,
                    e.color,
                    e.reason,
                    e.priority.as_str(),
                    e.instructions,
                    e.expires_at.map(ms),
                ])
                .context(format!("loading {} into {list_id}", e.plate))?;
            }
        }
        tx.execute(
            "INSERT INTO hotlists (id, name, kind, current_version) VALUES (?1, ?2, 'general', ?3)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, current_version = excluded.current_version",
            params![list_id, name, version],
        )
        .context("recording hot list")?;
        tx.execute(
            "INSERT INTO hotlist_versions (id, list_id, version, loaded_at_ms, entry_count, source_sha256, loaded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![new_id().as_bytes(), list_id, version, now_ms(), entries.len() as i64, source_sha256, loaded_by],
        )
        .context("recording hot-list version")?;
        tx.commit().context("committing hot-list load")?;
        Ok(version)
    }

    /// Every entry that can still match at `now` (not expired), across all lists.
    pub fn active_hotlist_entries(
        &self,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Arc<HotlistEntry>>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, list_id, plate, state, make, model, color, reason, priority, instructions, expires_at_ms
                 FROM hotlist_entries WHERE expires_at_ms IS NULL OR expires_at_ms > ?1",
            )
            .context("preparing hot-list query")?;
        let rows = stmt
            .query_map([ms(now)], |r| {
                let id: Vec<u8> = r.get(0)?;
                let priority: String = r.get(8)?;
                let expires: Option<i64> = r.get(10)?;
                Ok(HotlistEntry {
                    id: Uuid::from_slice(&id).unwrap_or_default(),
                    list_id: r.get(1)?,
                    listed: ListedPlate {
                        plate: r.get(2)?,
                        state: r.get(3)?,
                        make: r.get(4)?,
                        model: r.get(5)?,
                        color: r.get(6)?,
                        reason: r.get(7)?,
                        priority: Priority::parse(&priority).unwrap_or(Priority::Normal),
                        instructions: r.get(9)?,
                        expires_at: expires.and_then(DateTime::from_timestamp_millis),
                        ..Default::default()
                    },
                })
            })
            .context("loading hot-list entries")?;
        rows.map(|r| r.map(Arc::new))
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("loading hot-list entries")
    }
}
