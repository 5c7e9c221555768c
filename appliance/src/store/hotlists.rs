//! Hot lists: whole-list replacement, daily deltas, and the index the matcher loads.

use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use uuid::Uuid;

use super::general::GENERAL_COLUMNS;
use super::{Context, Store, StoreError, StoreResult, ms};
use crate::hotlist::{ConfusionTable, HotlistIndex, IndexBuilder};
use crate::model::{ListedPlate, Priority, new_id};

/// One list as `alpr hotlist ls` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSummary {
    pub id: String,
    pub name: String,
    /// `general` (replaced whole) or `agency` (entries entered and approved one by one).
    pub kind: String,
    pub version: i64,
    pub entries: u64,
    /// Agency entries still waiting for an administrator.
    pub pending: u64,
    pub loaded_at: Option<DateTime<Utc>>,
    pub loaded_by: String,
    pub source_sha256: String,
}

/// What a delta did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeltaOutcome {
    pub version: i64,
    pub added: u64,
    pub removed: u64,
    /// Removals that named no entry of the list.
    pub not_found: u64,
}

/// The columns of `hotlist_entries` that hold a [`ListedPlate`], in insert order after
/// `(id, list_id, version)`.
pub(super) const ENTRY_COLUMNS: &str =
    "plate, state, plate_type, plate_year, make, model, vehicle_year,
    color, reason, priority, ncic_number, ori, oca, instructions, effective_at_ms, expires_at_ms,
    extra";

/// The values of [`ENTRY_COLUMNS`] for an entry, in that order (shared by both entry tables and
/// by updates).
pub(super) fn entry_values(e: &ListedPlate) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
    let int = |v: Option<i64>| v.map_or(Value::Null, Value::Integer);
    vec![
        Value::Text(e.plate.clone()),
        text(&e.state),
        text(&e.plate_type),
        int(e.plate_year.map(i64::from)),
        text(&e.make),
        text(&e.model),
        int(e.vehicle_year.map(i64::from)),
        text(&e.color),
        Value::Text(e.reason.clone()),
        Value::Text(e.priority.as_str().to_string()),
        text(&e.ncic_number),
        text(&e.ori),
        text(&e.oca),
        text(&e.instructions),
        int(e.effective_at.map(ms)),
        int(e.expires_at.map(ms)),
        Value::Text(serde_json::to_string(&e.extra).unwrap_or_else(|_| "[]".into())),
    ]
}

/// `?first, ?first+1, ...` for the entry columns.
pub(super) fn entry_placeholders(first: usize) -> String {
    (first..first + 17)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn insert_entry(
    tx: &Transaction<'_>,
    list_id: &str,
    version: i64,
    e: &ListedPlate,
) -> rusqlite::Result<Uuid> {
    use rusqlite::types::Value;
    let id = new_id();
    let mut values = vec![
        Value::Blob(id.as_bytes().to_vec()),
        Value::Text(list_id.to_string()),
        Value::Integer(version),
    ];
    values.extend(entry_values(e));
    tx.prepare_cached(&format!(
        "INSERT INTO hotlist_entries (id, list_id, version, {ENTRY_COLUMNS})
         VALUES (?1, ?2, ?3, {})",
        entry_placeholders(4)
    ))?
    .execute(rusqlite::params_from_iter(values))?;
    Ok(id)
}

/// Reads the [`ENTRY_COLUMNS`] starting at column `at`.
pub(super) fn listed_from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<ListedPlate> {
    let priority: String = r.get(at + 9)?;
    let effective: Option<i64> = r.get(at + 14)?;
    let expires: Option<i64> = r.get(at + 15)?;
    let extra: String = r.get(at + 16)?;
    Ok(ListedPlate {
        plate: r.get(at)?,
        state: r.get(at + 1)?,
        plate_type: r.get(at + 2)?,
        plate_year: r.get(at + 3)?,
        make: r.get(at + 4)?,
        model: r.get(at + 5)?,
        vehicle_year: r.get(at + 6)?,
        color: r.get(at + 7)?,
        reason: r.get(at + 8)?,
        priority: Priority::parse(&priority).unwrap_or_default(),
        ncic_number: r.get(at + 10)?,
        ori: r.get(at + 11)?,
        oca: r.get(at + 12)?,
        instructions: r.get(at + 13)?,
        effective_at: effective.and_then(DateTime::from_timestamp_millis),
        expires_at: expires.and_then(DateTime::from_timestamp_millis),
        extra: serde_json::from_str(&extra).unwrap_or_default(),
    })
}

impl Store {
    /// Replaces a general list whole with `entries` as its next version, in one transaction: the
    /// matcher sees the old list or the new one, never half of either. What the version removed
    /// and added is kept, for cars that are a few versions behind. Returns the new version.
    pub fn replace_hotlist(
        &mut self,
        list_id: &str,
        name: &str,
        entries: &[ListedPlate],
        source_sha256: &str,
        loaded_by: &str,
    ) -> StoreResult<i64> {
        let tx = self.conn.transaction().context("starting hot-list load")?;
        let version = Self::next_general_version(&tx, list_id)?;
        Self::set_general_entries(&tx, list_id, version, entries, true)?;
        Self::finish_general_version(
            &tx,
            list_id,
            Some(name),
            version,
            source_sha256,
            loaded_by,
            true,
        )?;
        tx.commit().context("committing hot-list load")?;
        Ok(version)
    }

    /// Applies a daily delta to a general list as its next version, in one transaction: `adds`
    /// are inserted, and every entry with the plate, state and NCIC number of a removal is
    /// deleted.
    pub fn apply_hotlist_delta(
        &mut self,
        list_id: &str,
        adds: &[ListedPlate],
        removes: &[ListedPlate],
        source_sha256: &str,
        loaded_by: &str,
    ) -> StoreResult<DeltaOutcome> {
        let tx = self.conn.transaction().context("starting hot-list delta")?;
        let exists: bool = tx
            .query_row(
                "SELECT count(*) FROM general_lists WHERE id = ?1",
                [list_id],
                |r| r.get::<_, i64>(0),
            )
            .context("finding the list")?
            > 0;
        if !exists {
            return Err(StoreError::Invalid(format!(
                "no list {list_id} to apply a delta to: import it whole first"
            )));
        }
        let version = Self::next_general_version(&tx, list_id)?;
        let mut seq = 0i64;
        let mut removed = 0u64;
        let mut not_found = 0u64;
        for e in removes {
            let n = Self::remove_general_matching(&tx, list_id, version, e, &mut seq)?;
            if n == 0 {
                not_found += 1;
            }
            removed += n;
        }
        for e in adds {
            Self::add_general(&tx, list_id, version, e, &mut seq)?;
        }
        Self::finish_general_version(&tx, list_id, None, version, source_sha256, loaded_by, true)?;
        tx.commit().context("committing hot-list delta")?;
        Ok(DeltaOutcome {
            version,
            added: adds.len() as u64,
            removed,
            not_found,
        })
    }

    /// Every list, with its current version and counts: general lists, then agency lists.
    pub fn hotlist_summaries(&self) -> StoreResult<Vec<ListSummary>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT l.id, l.name, 'general', l.current_version,
                    (SELECT count(*) FROM general_entries e WHERE e.list_id = l.id), 0,
                    l.loaded_at_ms, l.loaded_by, l.source_sha256
                 FROM general_lists l
                 UNION ALL
                 SELECT l.id, l.name, l.kind, l.current_version,
                    (SELECT count(*) FROM hotlist_entries e WHERE e.list_id = l.id),
                    (SELECT count(*) FROM hotlist_entries e
                        WHERE e.list_id = l.id AND e.approved_at_ms IS NULL),
                    NULL, NULL, NULL
                 FROM hotlists l
                 ORDER BY 1",
            )
            .context("preparing list summary")?;
        let rows = stmt
            .query_map([], |r| {
                let loaded: Option<i64> = r.get(6)?;
                Ok(ListSummary {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    kind: r.get(2)?,
                    version: r.get(3)?,
                    entries: r.get::<_, i64>(4)?.max(0) as u64,
                    pending: r.get::<_, i64>(5)?.max(0) as u64,
                    loaded_at: loaded.and_then(DateTime::from_timestamp_millis),
                    loaded_by: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                    source_sha256: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                })
            })
            .context("listing hot lists")?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .context("listing hot lists")
    }

    /// Changes whenever what the matcher loads may have changed: a list's new version, an
    /// agency entry entered or approved (here or by sync).
    pub fn hotlist_fingerprint(&self) -> StoreResult<(i64, i64, i64, i64)> {
        self.conn
            .query_row(
                "SELECT (SELECT coalesce(sum(current_version), 0) FROM general_lists)
                          + (SELECT coalesce(sum(current_version), 0) FROM hotlists),
                        (SELECT count(*) FROM hotlist_entries WHERE approved_at_ms IS NOT NULL),
                        (SELECT coalesce(max(approved_at_ms), 0) FROM hotlist_entries),
                        (SELECT count(*) FROM hotlists) + (SELECT count(*) FROM general_lists)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .context("checking hot-list versions")
    }

    /// The matcher's index of every entry that can match at or after `now`: general lists
    /// whole, agency entries once approved. Rows stream into the index, so a list of millions is
    /// never held twice. Entries whose plate can never be read are left out and counted.
    pub fn load_hotlist_index(
        &self,
        now: DateTime<Utc>,
        confusions: ConfusionTable,
    ) -> StoreResult<(HotlistIndex, u64)> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT e.id, e.list_id, {GENERAL_COLUMNS} FROM general_entries e
                 WHERE e.expires_at_ms IS NULL OR e.expires_at_ms > ?1
                 UNION ALL
                 SELECT e.id, e.list_id, {ENTRY_COLUMNS} FROM hotlist_entries e
                 WHERE (e.expires_at_ms IS NULL OR e.expires_at_ms > ?1)
                   AND e.approved_at_ms IS NOT NULL"
            ))
            .context("preparing hot-list load")?;
        let mut rows = stmt.query([ms(now)]).context("loading hot lists")?;
        let mut builder = IndexBuilder::new(confusions);
        let mut left_out = 0u64;
        while let Some(r) = rows.next().context("loading hot lists")? {
            let id: Vec<u8> = r.get(0).context("entry id")?;
            let list: String = r.get(1).context("entry list")?;
            let listed = listed_from_row(r, 2).context("hot-list entry")?;
            let id = Uuid::from_slice(&id).unwrap_or_default();
            if let Err(why) = builder.push(id, &list, &listed) {
                tracing::warn!(%list, %id, "hot-list entry left out: {why}");
                left_out += 1;
            }
        }
        Ok((builder.finish(), left_out))
    }
}

impl Store {
    /// General lists (state/NCIC, replaced whole) last loaded more than `max_age` before `now`,
    /// with their age: the daily download has not arrived.
    pub fn stale_hotlists(
        &self,
        max_age: chrono::Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(String, chrono::Duration)>> {
        Ok(self
            .hotlist_summaries()?
            .into_iter()
            .filter(|l| l.kind == "general")
            .filter_map(|l| {
                let age = now - l.loaded_at?;
                (age > max_age).then_some((l.id, age))
            })
            .collect())
    }
}
