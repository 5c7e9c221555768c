//! Retention: reads older than the policy's limit are purged with their hits, dispositions and
//! images, unrecoverably, unless a legal hold (warrant, preservation request, disclosure order,
//! evidence) keeps them; held reads are exported as evidence with their images.
//!
//! The purge deletes rows with `secure_delete` on (their bytes zeroed), checkpoints the WAL to
//! nothing, gives the freed pages back, and overwrites image files before removing them. The
//! deletes are cr-sqlite tombstones (a larger causal length), so a peer that still holds a purged
//! read cannot bring it back by merge. Counts of what was purged (never plates) are kept for the
//! yearly report.

use std::path::Path;

use alpr_images::ImageFormat;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::audit::{AuditEntry, append};
use super::export::ExportReport;
use super::reads::{STORED_READ_COLUMNS, stored_read_from_row};
use super::search::{ReadQuery, SearchPurpose};
use super::{Context, Session, Store, StoreError, StoreResult, ms};
use crate::model::new_id;
use crate::policy::Permission;

/// A hold as an investigator places it.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldInput {
    /// One of the policy's hold kinds.
    pub kind: String,
    pub case_number: String,
    /// The warrant's or request's own number.
    pub reference: String,
    pub note: String,
}

/// A hold as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hold {
    pub id: Uuid,
    pub kind: String,
    pub case_number: String,
    pub reference: String,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub released_by: Option<String>,
    pub released_at: Option<DateTime<Utc>>,
    pub reads: i64,
}

/// What a purge did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PurgeReport {
    /// Reads captured before this were due.
    pub cutoff: DateTime<Utc>,
    pub reads: u64,
    pub hits: u64,
    pub dispositions: u64,
    pub images: u64,
    /// Due reads kept because a hold names them.
    pub held: u64,
    /// Due reads kept because headquarters has not acknowledged them yet (a car that syncs).
    pub unsent: u64,
}

/// Reads (with their hits and dispositions) headquarters has acknowledged: `?3` is the bulk
/// stream's acknowledged version, `?4` the priority stream's.
const ACKED: &str = "(SELECT coalesce(max(c.db_version), 0) FROM reads__crsql_clock c
        JOIN reads__crsql_pks p ON p.__crsql_key = c.key WHERE p.id = reads.id) <= ?3
    AND NOT EXISTS (SELECT 1 FROM hits h JOIN hits__crsql_pks p ON p.id = h.id
        JOIN hits__crsql_clock c ON c.key = p.__crsql_key
        WHERE h.read_id = reads.id AND c.db_version > ?4)
    AND NOT EXISTS (SELECT 1 FROM dispositions d JOIN hits h ON h.id = d.hit_id
        JOIN dispositions__crsql_pks p ON p.id = d.id
        JOIN dispositions__crsql_clock c ON c.key = p.__crsql_key
        WHERE h.read_id = reads.id AND c.db_version > ?4)";

/// Reads purged per transaction: bounds the WAL and the time the store is locked.
const PURGE_BATCH: i64 = 5000;

impl Store {
    /// Places a hold on `reads`. The hold's kind must be one the policy knows.
    pub fn place_hold(
        &mut self,
        by: &Session,
        input: &HoldInput,
        reads: &[Uuid],
    ) -> StoreResult<Uuid> {
        self.require(by, Permission::HoldManage)?;
        let kinds = &by.policy().retention.hold_kinds;
        if !kinds.contains(&input.kind) {
            return Err(StoreError::Invalid(format!(
                "hold kind {:?}: one of {}",
                input.kind,
                kinds.join(", ")
            )));
        }
        if input.case_number.trim().is_empty() {
            return Err(StoreError::Invalid("a hold needs a case number".into()));
        }
        if reads.is_empty() {
            return Err(StoreError::Invalid("a hold needs at least one read".into()));
        }
        let id = new_id();
        let now = Utc::now();
        let tx = self.conn.transaction().context("placing a hold")?;
        tx.execute(
            "INSERT INTO legal_holds (id, kind, case_number, reference, note, created_by, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id.as_bytes(),
                input.kind,
                input.case_number.trim(),
                input.reference.trim(),
                input.note.trim(),
                by.user(),
                ms(now),
            ],
        )
        .context("recording the hold")?;
        for read in reads {
            let exists: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM reads WHERE id = ?1",
                    [read.as_bytes()],
                    |r| r.get(0),
                )
                .optional()
                .context("finding a read to hold")?;
            if exists.is_none() {
                return Err(StoreError::Invalid(format!(
                    "no read {read} (purged, or never here)"
                )));
            }
            tx.execute(
                "INSERT INTO held_reads (id, hold_id, read_id) VALUES (?1, ?2, ?3)",
                params![new_id().as_bytes(), id.as_bytes(), read.as_bytes()],
            )
            .context("holding a read")?;
        }
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action: "hold.place",
                object_kind: "hold",
                object_id: &id.to_string(),
                detail: &format!(
                    "{} {} for case {}; {} reads",
                    input.kind,
                    input.reference,
                    input.case_number,
                    reads.len()
                ),
            },
            now,
        )
        .context("auditing the hold")?;
        tx.commit().context("placing a hold")?;
        Ok(id)
    }

    /// Holds every read a search finds (the search is recorded under the hold's case).
    pub fn place_hold_on_search(
        &mut self,
        by: &Session,
        input: &HoldInput,
        query: &ReadQuery,
        purpose: &SearchPurpose,
    ) -> StoreResult<(Uuid, usize)> {
        self.require(by, Permission::HoldManage)?;
        let found = self.search_as(by, query, purpose, "search.hold")?;
        let ids: Vec<Uuid> = found.reads.iter().map(|r| r.id).collect();
        let id = self.place_hold(by, input, &ids)?;
        Ok((id, ids.len()))
    }

    /// Ends a hold: its reads fall back under the retention schedule.
    pub fn release_hold(&mut self, by: &Session, id: Uuid) -> StoreResult<()> {
        self.require(by, Permission::HoldManage)?;
        let n = self
            .conn
            .execute(
                "UPDATE legal_holds SET released_by = ?2, released_at_ms = ?3
                 WHERE id = ?1 AND released_at_ms IS NULL",
                params![id.as_bytes(), by.user(), ms(Utc::now())],
            )
            .context("releasing the hold")?;
        if n == 0 {
            return Err(StoreError::Invalid(format!("no active hold {id}")));
        }
        self.audit(&AuditEntry {
            user: by.user(),
            action: "hold.release",
            object_kind: "hold",
            object_id: &id.to_string(),
            detail: "",
        })?;
        Ok(())
    }

    /// Holds on record, newest first.
    pub fn holds(&self, by: &Session) -> StoreResult<Vec<Hold>> {
        self.require(by, Permission::HoldManage)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT l.id, l.kind, l.case_number, l.reference, l.note, l.created_by,
                    l.created_at_ms, l.released_by, l.released_at_ms,
                    (SELECT count(*) FROM held_reads h WHERE h.hold_id = l.id)
                 FROM legal_holds l ORDER BY l.created_at_ms DESC",
            )
            .context("listing holds")?;
        let rows = stmt
            .query_map([], |r| {
                let id: Vec<u8> = r.get(0)?;
                Ok(Hold {
                    id: Uuid::from_slice(&id).unwrap_or_default(),
                    kind: r.get(1)?,
                    case_number: r.get(2)?,
                    reference: r.get(3)?,
                    note: r.get(4)?,
                    created_by: r.get(5)?,
                    created_at: DateTime::from_timestamp_millis(r.get(6)?).unwrap_or_default(),
                    released_by: r.get(7)?,
                    released_at: r
                        .get::<_, Option<i64>>(8)?
                        .and_then(DateTime::from_timestamp_millis),
                    reads: r.get(9)?,
                })
            })
            .context("listing holds")?;
        let holds = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("listing holds")?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "hold.list",
            object_kind: "hold",
            object_id: "",
            detail: &format!("{} holds", holds.len()),
        })?;
        Ok(holds)
    }

    /// `alpr evidence export`: every read an active hold for `case_number` keeps, with its images
    /// and a sha256 manifest, into `dir` (a folder or a mounted portable medium).
    pub fn export_evidence(
        &mut self,
        by: &Session,
        case_number: &str,
        dir: &Path,
    ) -> StoreResult<ExportReport> {
        self.require(by, Permission::EvidenceExport)?;
        let reads = {
            let mut stmt = self
                .conn
                .prepare(&format!(
                    "SELECT {STORED_READ_COLUMNS} FROM reads r WHERE r.id IN (
                        SELECT h.read_id FROM held_reads h JOIN legal_holds l ON l.id = h.hold_id
                        WHERE l.case_number = ?1 AND l.released_at_ms IS NULL)
                     ORDER BY r.captured_at_ms, r.id"
                ))
                .context("preparing the evidence export")?;
            let rows = stmt
                .query_map([case_number.trim()], stored_read_from_row)
                .context("reading held reads")?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .context("reading held reads")?
        };
        if reads.is_empty() {
            return Err(StoreError::Invalid(format!(
                "no held reads for case {case_number:?}: place a hold first"
            )));
        }
        let header = serde_json::json!({
            "kind": "evidence",
            "agency": by.policy().agency.name,
            "case_number": case_number.trim(),
            "exported_by": by.user(),
            "exported_at": Utc::now(),
            "car_id": self.car_id,
        });
        let report = self.export_reads(&reads, header, dir)?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "evidence.export",
            object_kind: "case",
            object_id: case_number.trim(),
            detail: &format!(
                "{} reads, {} images to {}; manifest sha256 {}",
                report.reads,
                report.images,
                dir.display(),
                report.manifest_sha256
            ),
        })?;
        Ok(report)
    }

    /// Purges what the policy's retention schedule says is due at `now`. `by` is the member
    /// running it by hand; without one it is the appliance's scheduled job.
    pub fn purge_expired(
        &mut self,
        by: Option<&Session>,
        now: DateTime<Utc>,
    ) -> StoreResult<PurgeReport> {
        let policy = self.policy()?;
        let actor = match by {
            Some(s) => {
                self.require(s, Permission::Purge)?;
                s.user().to_string()
            }
            None => "system:retention".to_string(),
        };
        let cutoff = now - Duration::days(i64::from(policy.retention.max_days));
        let mut report = PurgeReport {
            cutoff,
            ..Default::default()
        };
        report.held = self
            .conn
            .query_row(
                "SELECT count(*) FROM reads WHERE captured_at_ms < ?1 AND id IN (
                    SELECT h.read_id FROM held_reads h JOIN legal_holds l ON l.id = h.hold_id
                    WHERE l.released_at_ms IS NULL)",
                [ms(cutoff)],
                |r| r.get::<_, i64>(0),
            )
            .context("counting held reads")?
            .max(0) as u64;
        // A car that syncs purges only what headquarters has acknowledged: a read deleted before
        // it was sent could never be sent (cr-sqlite keeps only the deletion).
        let (bulk, priority) = if self.syncs_with_hq()? {
            (
                alpr_sync::acked_through(&self.conn, "bulk")?,
                alpr_sync::acked_through(&self.conn, "priority")?,
            )
        } else {
            (i64::MAX, i64::MAX)
        };
        if bulk != i64::MAX {
            report.unsent = self.count_unacknowledged(cutoff, bulk, priority)?;
        }
        let mut images: Vec<(String, String)> = Vec::new();
        loop {
            let tx = self.conn.transaction().context("starting a purge batch")?;
            tx.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS purge_reads (id BLOB PRIMARY KEY);
                 DELETE FROM purge_reads;",
            )
            .context("preparing a purge batch")?;
            let n = tx
                .execute(
                    &format!(
                        "INSERT INTO purge_reads (id) SELECT id FROM reads
                         WHERE captured_at_ms < ?1 AND id NOT IN (
                            SELECT h.read_id FROM held_reads h
                            JOIN legal_holds l ON l.id = h.hold_id
                            WHERE l.released_at_ms IS NULL)
                           AND {ACKED}
                         LIMIT ?2"
                    ),
                    params![ms(cutoff), PURGE_BATCH, bulk, priority],
                )
                .context("choosing reads to purge")?;
            if n == 0 {
                break;
            }
            // Counts for the yearly report, by day and car: never a plate.
            tx.execute_batch(
                "INSERT INTO purged_counts (day, car_id, metric, n)
                    SELECT date(r.captured_at_ms / 1000, 'unixepoch'), r.car_id, 'reads', count(*)
                    FROM reads r JOIN purge_reads p ON p.id = r.id GROUP BY 1, 2
                    ON CONFLICT(day, car_id, metric) DO UPDATE SET n = n + excluded.n;
                 INSERT INTO purged_counts (day, car_id, metric, n)
                    SELECT date(h.raised_at_ms / 1000, 'unixepoch'), h.car_id, 'hits', count(*)
                    FROM hits h JOIN purge_reads p ON p.id = h.read_id GROUP BY 1, 2
                    ON CONFLICT(day, car_id, metric) DO UPDATE SET n = n + excluded.n;
                 INSERT INTO purged_counts (day, car_id, metric, n)
                    SELECT date(d.at_ms / 1000, 'unixepoch'), h.car_id,
                        'disposition:' || d.outcome, count(*)
                    FROM dispositions d JOIN hits h ON h.id = d.hit_id
                    JOIN purge_reads p ON p.id = h.read_id
                    WHERE d.step = 'disposition' GROUP BY 1, 2, 3
                    ON CONFLICT(day, car_id, metric) DO UPDATE SET n = n + excluded.n;
                 INSERT INTO purged_counts (day, car_id, metric, n)
                    SELECT date(d.at_ms / 1000, 'unixepoch'), h.car_id,
                        'action:' || d.action_taken, count(*)
                    FROM dispositions d JOIN hits h ON h.id = d.hit_id
                    JOIN purge_reads p ON p.id = h.read_id
                    WHERE d.step = 'disposition' AND d.action_taken IS NOT NULL GROUP BY 1, 2, 3
                    ON CONFLICT(day, car_id, metric) DO UPDATE SET n = n + excluded.n;",
            )
            .context("counting what the purge removes")?;
            {
                let mut stmt = tx
                    .prepare(
                        "SELECT plate_image_sha256, plate_image_format FROM reads
                            WHERE id IN purge_reads AND plate_image_sha256 IS NOT NULL
                         UNION SELECT context_image_sha256, context_image_format FROM reads
                            WHERE id IN purge_reads AND context_image_sha256 IS NOT NULL",
                    )
                    .context("finding purged images")?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                    })
                    .context("finding purged images")?;
                for row in rows {
                    let (sha, format) = row.context("finding purged images")?;
                    images.push((sha, format.unwrap_or_else(|| "jpg".into())));
                }
            }
            report.dispositions += tx
                .execute(
                    "DELETE FROM dispositions WHERE hit_id IN (
                        SELECT id FROM hits WHERE read_id IN purge_reads)",
                    [],
                )
                .context("purging dispositions")? as u64;
            report.hits += tx
                .execute("DELETE FROM hits WHERE read_id IN purge_reads", [])
                .context("purging hits")? as u64;
            tx.execute("DELETE FROM held_reads WHERE read_id IN purge_reads", [])
                .context("purging released holds' links")?;
            tx.execute("DELETE FROM canvass_reads WHERE read_id IN purge_reads", [])
                .context("purging canvass tags")?;
            report.reads += tx
                .execute("DELETE FROM reads WHERE id IN purge_reads", [])
                .context("purging reads")? as u64;
            tx.execute("DELETE FROM purge_reads", [])
                .context("clearing the purge batch")?;
            tx.commit().context("committing a purge batch")?;
        }
        images.sort();
        images.dedup();
        for (sha, ext) in &images {
            let still_used: Option<i64> = self
                .conn
                .query_row(
                    "SELECT 1 FROM reads WHERE plate_image_sha256 = ?1 OR context_image_sha256 = ?1
                     LIMIT 1",
                    [sha],
                    |r| r.get(0),
                )
                .optional()
                .context("checking an image is unused")?;
            if still_used.is_some() {
                continue;
            }
            let format = ImageFormat::from_extension(ext).unwrap_or(ImageFormat::Jpeg);
            if self.images.shred(sha, format)? {
                report.images += 1;
            }
        }
        if report.reads > 0 {
            self.reclaim_space()?;
        }
        self.audit(&AuditEntry {
            user: &actor,
            action: "purge",
            object_kind: "reads",
            object_id: "",
            detail: &format!(
                "retention {} days under the {} policy: reads captured before {cutoff} purged: \
                 {} reads, {} hits, {} dispositions, {} images; {} held reads kept; {} kept until \
                 headquarters has them",
                policy.retention.max_days,
                policy.agency.id,
                report.reads,
                report.hits,
                report.dispositions,
                report.images,
                report.held,
                report.unsent
            ),
        })?;
        Ok(report)
    }

    fn count_unacknowledged(
        &self,
        before: DateTime<Utc>,
        bulk: i64,
        priority: i64,
    ) -> StoreResult<u64> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM reads WHERE captured_at_ms < ?1 AND ?2 = ?2
                       AND NOT ({ACKED})"
                ),
                params![ms(before), 0, bulk, priority],
                |r| r.get::<_, i64>(0),
            )
            .context("counting reads not yet at headquarters")?
            .max(0) as u64)
    }

    /// Reads past the policy's retention that a syncing car keeps because headquarters has not
    /// acknowledged them (0 for a store that does not sync).
    pub fn reads_awaiting_hq(&self, max_days: u32, now: DateTime<Utc>) -> StoreResult<u64> {
        if !self.syncs_with_hq()? {
            return Ok(0);
        }
        let cutoff = now - Duration::days(i64::from(max_days));
        self.count_unacknowledged(
            cutoff,
            alpr_sync::acked_through(&self.conn, "bulk")?,
            alpr_sync::acked_through(&self.conn, "priority")?,
        )
    }

    /// Whether this store is a car that syncs with headquarters (set by `alpr run` with `[sync]`).
    pub fn syncs_with_hq(&self) -> StoreResult<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM local_settings WHERE key = 'sync_hq'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .context("reading local settings")?
            .is_some())
    }

    /// Records that this car syncs with headquarters at `hq`: from now on its purge takes only
    /// what headquarters has acknowledged.
    pub fn set_syncs_with_hq(&self, hq: &str) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT INTO local_settings (key, value) VALUES ('sync_hq', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [hq],
            )
            .context("recording the headquarters link")?;
        Ok(())
    }

    /// Moves everything into the main file, empties the WAL, and gives freed pages back to the
    /// file system (their contents were already zeroed by secure_delete).
    fn reclaim_space(&self) -> StoreResult<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .context("checkpointing after the purge")?;
        self.conn
            .execute_batch("PRAGMA incremental_vacuum;")
            .context("reclaiming freed pages")?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .context("checkpointing after the purge")?;
        Ok(())
    }
}
