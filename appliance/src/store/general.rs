//! General lists (state/NCIC stolen and wanted plates): one writer, headquarters; millions of
//! entries; a new version a day. They live outside the CRRs. Each version records what it
//! removed (content hashes) and added (entries), so a car a few versions behind receives only the
//! difference, and a car further behind (or new) receives the current version whole.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Context, Store, StoreError, StoreResult, now_ms};
use crate::model::{ListedPlate, new_id};

/// Versions whose changes are kept; a car further behind gets the list whole.
pub const KEEP_VERSIONS: i64 = 30;

/// A general list as headquarters announces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListHead {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub entries: u64,
    pub source_sha256: String,
}

/// What brings a car's copy of a list to headquarters' version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ListUpdate {
    /// The list whole at `version`.
    Snapshot {
        head: ListHead,
        entries: Vec<ListedPlate>,
    },
    /// From `from` to `head.version`: remove the entries with these content hashes, add these.
    Changes {
        head: ListHead,
        from: i64,
        removes: Vec<Vec<u8>>,
        adds: Vec<ListedPlate>,
    },
}

/// The hash an entry is known by across stores: its whole content, sha256 cut to 16 bytes
/// (a removal costs 16 bytes on the wire; collisions among a few million entries are out of
/// reach at 128 bits).
pub fn content_hash(e: &ListedPlate) -> Vec<u8> {
    let bytes = postcard::to_stdvec(e).unwrap_or_default();
    Sha256::digest(&bytes)[..16].to_vec()
}

/// The columns of `general_entries` after `(id, list_id, version, content_sha256)`: the same as
/// an agency entry's, in the order `hotlists::listed_from_row` reads them.
pub(super) const GENERAL_COLUMNS: &str = super::hotlists::ENTRY_COLUMNS;

fn insert(
    tx: &Transaction<'_>,
    list_id: &str,
    version: i64,
    e: &ListedPlate,
    hash: &[u8],
) -> rusqlite::Result<()> {
    use rusqlite::types::Value;
    let mut values = vec![
        Value::Blob(new_id().as_bytes().to_vec()),
        Value::Text(list_id.to_string()),
        Value::Integer(version),
        Value::Blob(hash.to_vec()),
    ];
    values.extend(super::hotlists::entry_values(e));
    tx.prepare_cached(&format!(
        "INSERT INTO general_entries (id, list_id, version, content_sha256, {GENERAL_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, {})",
        super::hotlists::entry_placeholders(5)
    ))?
    .execute(rusqlite::params_from_iter(values))?;
    Ok(())
}

/// Records one change of `version` (when changes are kept: at headquarters).
fn record(
    tx: &Transaction<'_>,
    list_id: &str,
    version: i64,
    seq: &mut i64,
    action: &str,
    hash: &[u8],
    entry: Option<&ListedPlate>,
) -> rusqlite::Result<()> {
    let bytes = entry.map(|e| postcard::to_stdvec(e).unwrap_or_default());
    tx.prepare_cached(
        "INSERT INTO general_changes (list_id, version, seq, action, content_sha256, entry)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![list_id, version, *seq, action, hash, bytes])?;
    *seq += 1;
    Ok(())
}

impl Store {
    /// Starts the next version of general list `list_id`.
    pub(super) fn next_general_version(tx: &Transaction<'_>, list_id: &str) -> StoreResult<i64> {
        if list_id.trim().is_empty() {
            return Err(StoreError::Invalid("a hot list needs a name".into()));
        }
        let agency: Option<String> = tx
            .query_row("SELECT kind FROM hotlists WHERE id = ?1", [list_id], |r| {
                r.get(0)
            })
            .optional()
            .context("reading hot lists")?;
        if let Some(kind) = agency {
            return Err(StoreError::Invalid(format!(
                "{list_id} is an {kind} list: its entries are entered and approved one by one"
            )));
        }
        let current: Option<i64> = tx
            .query_row(
                "SELECT current_version FROM general_lists WHERE id = ?1",
                [list_id],
                |r| r.get(0),
            )
            .optional()
            .context("reading hot-list version")?;
        Ok(current.unwrap_or(0) + 1)
    }

    /// Records `version` as current. `kept_changes`: this version's changes were recorded
    /// (headquarters); otherwise (a car's copy) no changes are kept from here on.
    pub(super) fn finish_general_version(
        tx: &Transaction<'_>,
        list_id: &str,
        name: Option<&str>,
        version: i64,
        source_sha256: &str,
        loaded_by: &str,
        kept_changes: bool,
    ) -> StoreResult<()> {
        let kept_after = if kept_changes {
            (version - KEEP_VERSIONS).max(0)
        } else {
            version
        };
        tx.execute(
            "INSERT INTO general_lists (id, name, current_version, loaded_at_ms, loaded_by,
                source_sha256, changes_kept_after)
             VALUES (?1, COALESCE(?2, ?1), ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET name = COALESCE(?2, name),
                current_version = excluded.current_version, loaded_at_ms = excluded.loaded_at_ms,
                loaded_by = excluded.loaded_by, source_sha256 = excluded.source_sha256,
                changes_kept_after = CASE WHEN ?8 THEN max(changes_kept_after, ?7) ELSE ?7 END",
            params![
                list_id,
                name,
                version,
                now_ms(),
                loaded_by,
                source_sha256,
                kept_after,
                kept_changes
            ],
        )
        .context("recording the list's version")?;
        tx.execute(
            "DELETE FROM general_changes WHERE list_id = ?1 AND version <= ?2",
            params![list_id, version - KEEP_VERSIONS],
        )
        .context("dropping old versions' changes")?;
        Ok(())
    }

    /// Makes `entries` the content of `list_id` at `version`, recording what was removed and
    /// added when `keep_changes`. Identical entries count once.
    pub(super) fn set_general_entries(
        tx: &Transaction<'_>,
        list_id: &str,
        version: i64,
        entries: &[ListedPlate],
        keep_changes: bool,
    ) -> StoreResult<()> {
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS incoming (h BLOB PRIMARY KEY, i INTEGER NOT NULL);
             DELETE FROM incoming;",
        )
        .context("preparing the new version")?;
        let hashes: Vec<Vec<u8>> = entries.iter().map(content_hash).collect();
        {
            let mut stmt = tx
                .prepare_cached("INSERT OR IGNORE INTO incoming (h, i) VALUES (?1, ?2)")
                .context("preparing the new version")?;
            for (i, h) in hashes.iter().enumerate() {
                stmt.execute(params![h, i as i64])
                    .context("preparing the new version")?;
            }
        }
        let mut seq = 0i64;
        let gone: Vec<Vec<u8>> = {
            let mut stmt = tx
                .prepare(
                    "SELECT content_sha256 FROM general_entries
                     WHERE list_id = ?1 AND content_sha256 NOT IN (SELECT h FROM incoming)",
                )
                .context("finding removed entries")?;
            let rows = stmt
                .query_map([list_id], |r| r.get(0))
                .context("finding removed entries")?;
            rows.collect::<rusqlite::Result<_>>()
                .context("finding removed entries")?
        };
        for h in &gone {
            if keep_changes {
                record(tx, list_id, version, &mut seq, "remove", h, None)
                    .context("recording a removal")?;
            }
        }
        tx.execute(
            "DELETE FROM general_entries WHERE list_id = ?1
               AND content_sha256 NOT IN (SELECT h FROM incoming)",
            [list_id],
        )
        .context("removing entries")?;
        let mut seen = std::collections::HashSet::new();
        for (e, h) in entries.iter().zip(&hashes) {
            if !seen.insert(h.as_slice()) {
                continue;
            }
            let exists: Option<i64> = tx
                .prepare_cached(
                    "SELECT 1 FROM general_entries WHERE list_id = ?1 AND content_sha256 = ?2",
                )
                .and_then(|mut s| s.query_row(params![list_id, h], |r| r.get(0)).optional())
                .context("checking an entry")?;
            if exists.is_none() {
                insert(tx, list_id, version, e, h)
                    .context(format!("loading {} into {list_id}", e.plate))?;
                if keep_changes {
                    record(tx, list_id, version, &mut seq, "add", h, Some(e))
                        .context("recording an addition")?;
                }
            }
        }
        Ok(())
    }

    /// Removes the entries of `list_id` with the plate, state and NCIC number of `e`; returns
    /// how many.
    pub(super) fn remove_general_matching(
        tx: &Transaction<'_>,
        list_id: &str,
        version: i64,
        e: &ListedPlate,
        seq: &mut i64,
    ) -> StoreResult<u64> {
        let hashes: Vec<Vec<u8>> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT content_sha256 FROM general_entries WHERE list_id = ?1 AND plate = ?2
                       AND state IS ?3 AND (?4 IS NULL OR ncic_number IS ?4)",
                )
                .context("finding entries to remove")?;
            let rows = stmt
                .query_map(params![list_id, e.plate, e.state, e.ncic_number], |r| {
                    r.get(0)
                })
                .context("finding entries to remove")?;
            rows.collect::<rusqlite::Result<_>>()
                .context("finding entries to remove")?
        };
        for h in &hashes {
            record(tx, list_id, version, seq, "remove", h, None).context("recording a removal")?;
            tx.execute(
                "DELETE FROM general_entries WHERE list_id = ?1 AND content_sha256 = ?2",
                params![list_id, h],
            )
            .context("removing an entry")?;
        }
        Ok(hashes.len() as u64)
    }

    pub(super) fn add_general(
        tx: &Transaction<'_>,
        list_id: &str,
        version: i64,
        e: &ListedPlate,
        seq: &mut i64,
    ) -> StoreResult<()> {
        let h = content_hash(e);
        insert(tx, list_id, version, e, &h).context(format!("adding {} to {list_id}", e.plate))?;
        record(tx, list_id, version, seq, "add", &h, Some(e)).context("recording an addition")?;
        Ok(())
    }

    /// The general lists this store holds.
    pub fn general_list_heads(&self) -> StoreResult<Vec<ListHead>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT l.id, l.name, l.current_version,
                    (SELECT count(*) FROM general_entries e WHERE e.list_id = l.id),
                    l.source_sha256
                 FROM general_lists l ORDER BY l.id",
            )
            .context("listing general lists")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ListHead {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    version: r.get(2)?,
                    entries: r.get::<_, i64>(3)?.max(0) as u64,
                    source_sha256: r.get(4)?,
                })
            })
            .context("listing general lists")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("listing general lists")
    }

    /// What takes a copy of `list_id` at version `from` to this store's version: the changes of
    /// every version in between when all are kept, else the list whole.
    pub fn general_list_update(&self, list_id: &str, from: i64) -> StoreResult<ListUpdate> {
        let head = self
            .general_list_heads()?
            .into_iter()
            .find(|h| h.id == list_id)
            .ok_or_else(|| StoreError::Invalid(format!("no general list {list_id}")))?;
        let kept_after: i64 = self
            .conn
            .query_row(
                "SELECT changes_kept_after FROM general_lists WHERE id = ?1",
                [list_id],
                |r| r.get(0),
            )
            .context("reading kept changes")?;
        if from < 1 || from < kept_after || from > head.version {
            return self.general_snapshot(head);
        }
        let mut removes: Vec<Vec<u8>> = Vec::new();
        let mut adds: Vec<(Vec<u8>, ListedPlate)> = Vec::new();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT action, content_sha256, entry FROM general_changes
                 WHERE list_id = ?1 AND version > ?2 ORDER BY version, seq",
            )
            .context("reading changes")?;
        let mut rows = stmt
            .query(params![list_id, from])
            .context("reading changes")?;
        while let Some(r) = rows.next().context("reading changes")? {
            let action: String = r.get(0).context("action")?;
            let hash: Vec<u8> = r.get(1).context("hash")?;
            if action == "add" {
                let bytes: Vec<u8> = r.get(2).context("entry")?;
                let e: ListedPlate = postcard::from_bytes(&bytes)
                    .map_err(|e| StoreError::Invalid(format!("a kept change is damaged: {e}")))?;
                adds.push((hash, e));
            } else if let Some(i) = adds.iter().position(|(h, _)| *h == hash) {
                // Added and removed again within the range: neither travels.
                adds.swap_remove(i);
            } else {
                removes.push(hash);
            }
        }
        Ok(ListUpdate::Changes {
            head,
            from,
            removes,
            adds: adds.into_iter().map(|(_, e)| e).collect(),
        })
    }

    fn general_snapshot(&self, head: ListHead) -> StoreResult<ListUpdate> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {GENERAL_COLUMNS} FROM general_entries WHERE list_id = ?1 ORDER BY id"
            ))
            .context("reading the list")?;
        let rows = stmt
            .query_map([&head.id], |r| super::hotlists::listed_from_row(r, 0))
            .context("reading the list")?;
        let entries = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("reading the list")?;
        Ok(ListUpdate::Snapshot { head, entries })
    }

    /// Applies headquarters' update to this store's copy (a car). Changes that do not meet the
    /// copy (it is not at `from`, or the counts disagree afterwards) are refused and nothing is
    /// applied: the car asks for the list whole instead.
    pub fn apply_general_update(&mut self, update: &ListUpdate) -> StoreResult<i64> {
        let tx = self.conn.transaction().context("starting a list update")?;
        let head = match update {
            ListUpdate::Snapshot { head, entries } => {
                Self::next_general_version(&tx, &head.id)?;
                Self::set_general_entries(&tx, &head.id, head.version, entries, false)?;
                head
            }
            ListUpdate::Changes {
                head,
                from,
                removes,
                adds,
            } => {
                let have: Option<i64> = tx
                    .query_row(
                        "SELECT current_version FROM general_lists WHERE id = ?1",
                        [&head.id],
                        |r| r.get(0),
                    )
                    .optional()
                    .context("reading the list's version")?;
                if have != Some(*from) {
                    return Err(StoreError::Invalid(format!(
                        "{}: changes from version {from}, but this copy is at {have:?}",
                        head.id
                    )));
                }
                for h in removes {
                    tx.execute(
                        "DELETE FROM general_entries WHERE list_id = ?1 AND content_sha256 = ?2",
                        params![head.id, h],
                    )
                    .context("removing an entry")?;
                }
                for e in adds {
                    insert(&tx, &head.id, head.version, e, &content_hash(e))
                        .context("adding an entry")?;
                }
                head
            }
        };
        let count: i64 = tx
            .query_row(
                "SELECT count(*) FROM general_entries WHERE list_id = ?1",
                [&head.id],
                |r| r.get(0),
            )
            .context("counting the list")?;
        if count as u64 != head.entries {
            return Err(StoreError::Invalid(format!(
                "{} version {}: {count} entries here after the update, {} at headquarters",
                head.id, head.version, head.entries
            )));
        }
        Self::finish_general_version(
            &tx,
            &head.id,
            Some(&head.name),
            head.version,
            &head.source_sha256,
            "headquarters",
            false,
        )?;
        tx.commit().context("committing the list update")?;
        Ok(head.version)
    }
}

/// The version of `list_id` a store holds (0 for none).
pub fn general_version(store: &Store, list_id: &str) -> StoreResult<i64> {
    store
        .conn
        .query_row(
            "SELECT current_version FROM general_lists WHERE id = ?1",
            [list_id],
            |r| r.get(0),
        )
        .optional()
        .context("reading the list's version")
        .map(|v| v.unwrap_or(0))
}

/// Encodes an update for the wire: postcard, then zstd.
pub fn encode_update(update: &ListUpdate) -> StoreResult<Vec<u8>> {
    let raw = postcard::to_stdvec(update)
        .map_err(|e| StoreError::Invalid(format!("encoding a list update: {e}")))?;
    zstd::encode_all(raw.as_slice(), 3)
        .map_err(|e| StoreError::Invalid(format!("compressing a list update: {e}")))
}

/// The most bytes a list update may unpack to (a 5-million-plate snapshot is about 400 MB).
pub const MAX_UPDATE_BYTES: u64 = 1 << 30;

/// Decodes an update as it arrived, within `MAX_UPDATE_BYTES`.
pub fn decode_update(bytes: &[u8]) -> StoreResult<ListUpdate> {
    use std::io::Read as _;
    let dec = zstd::stream::Decoder::new(bytes)
        .map_err(|e| StoreError::Invalid(format!("a list update is not zstd: {e}")))?;
    let mut raw = Vec::new();
    dec.take(MAX_UPDATE_BYTES + 1)
        .read_to_end(&mut raw)
        .map_err(|e| StoreError::Invalid(format!("a list update is damaged: {e}")))?;
    if raw.len() as u64 > MAX_UPDATE_BYTES {
        return Err(StoreError::Invalid("a list update is too large".into()));
    }
    postcard::from_bytes(&raw)
        .map_err(|e| StoreError::Invalid(format!("a list update does not decode: {e}")))
}

/// Brings every general list of `to` to `from`'s version: the changes since `to`'s version when
/// `from` kept them and they apply cleanly, else the list whole. Returns the lists updated.
pub fn sync_general_lists(from: &Store, to: &mut Store) -> StoreResult<usize> {
    let mut updated = 0;
    for head in from.general_list_heads()? {
        let have = general_version(to, &head.id)?;
        if have == head.version {
            continue;
        }
        let update = from.general_list_update(&head.id, have)?;
        if let Err(e) = to.apply_general_update(&update) {
            if !matches!(update, ListUpdate::Changes { .. }) {
                return Err(e);
            }
            tracing::warn!(list = %head.id, "changes did not apply ({e}); taking the list whole");
            to.apply_general_update(&from.general_list_update(&head.id, 0)?)?;
        }
        updated += 1;
    }
    Ok(updated)
}
