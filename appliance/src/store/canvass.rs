//! Canvass mode: at a crime scene the officer starts a canvass under a case number; every read the
//! car captures from then until the canvass ends is tagged with it as it is stored (in a dead
//! zone too: nothing here needs headquarters), listed, and exported as evidence. A car runs one
//! canvass at a time. Canvasses and their tags sync to headquarters with the reads.
//!
//! Starting, ending, listing, viewing and exporting are each recorded in the audit trail with
//! who and when; the reads themselves are plate data and are shown only to members who may see
//! reads (patrol on this car, or search).

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use uuid::Uuid;

use super::audit::{AuditEntry, append};
use super::export::ExportReport;
use super::reads::{STORED_READ_COLUMNS, StoredRead, stored_read_from_row};
use super::{Context, Session, Store, StoreError, StoreResult, ms};
use crate::model::new_id;
use crate::policy::Permission;

/// A canvass as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Canvass {
    pub id: Uuid,
    pub case_number: String,
    pub note: String,
    /// The car that ran it.
    pub car_id: String,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub ended_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Reads tagged with it that the store still holds.
    pub reads: i64,
}

impl Canvass {
    /// Whether the canvass is still tagging reads.
    pub fn is_open(&self) -> bool {
        self.ended_at.is_none()
    }
}

const CANVASS_COLUMNS: &str = "c.id, c.case_number, c.note, c.car_id, c.started_by, \
    c.started_at_ms, c.ended_by, c.ended_at_ms, \
    (SELECT count(*) FROM canvass_reads t JOIN reads r ON r.id = t.read_id \
        WHERE t.canvass_id = c.id)";

fn canvass_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Canvass> {
    let id: Vec<u8> = r.get(0)?;
    Ok(Canvass {
        id: Uuid::from_slice(&id).unwrap_or_default(),
        case_number: r.get(1)?,
        note: r.get(2)?,
        car_id: r.get(3)?,
        started_by: r.get(4)?,
        started_at: DateTime::from_timestamp_millis(r.get(5)?).unwrap_or_default(),
        ended_by: r.get(6)?,
        ended_at: r
            .get::<_, Option<i64>>(7)?
            .and_then(DateTime::from_timestamp_millis),
        reads: r.get(8)?,
    })
}

/// The canvass open on `car_id`, if any: its id and start (ms). One indexed lookup; the store
/// writer makes it once per batch of reads.
pub(crate) fn open_canvass_on(
    conn: &rusqlite::Connection,
    car_id: &str,
) -> rusqlite::Result<Option<(Vec<u8>, i64)>> {
    conn.prepare_cached(
        "SELECT id, started_at_ms FROM canvasses
         WHERE car_id = ?1 AND ended_at_ms IS NULL
         ORDER BY started_at_ms DESC, id DESC LIMIT 1",
    )?
    .query_row([car_id], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

impl Store {
    /// Starts a canvass on this car under `case_number` (the officer's patrol permission).
    /// Refused while another canvass is open on this car, or when the case number is blank.
    /// From now until it ends, every read this car stores that was captured at or after its
    /// start is tagged with it.
    pub fn start_canvass(
        &mut self,
        by: &Session,
        case_number: &str,
        note: &str,
    ) -> StoreResult<Canvass> {
        self.require(by, Permission::Patrol)?;
        let case_number = case_number.trim();
        if case_number.is_empty() {
            return Err(StoreError::Invalid(
                "a canvass needs a case number: give --case".into(),
            ));
        }
        let id = new_id();
        let now = DateTime::from_timestamp_millis(ms(Utc::now())).unwrap_or_else(Utc::now);
        // Immediate: the check for an open canvass and the insert hold the write lock together,
        // so the screen and a command cannot both start one.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("starting a canvass")?;
        if let Some((open, _)) =
            open_canvass_on(&tx, &self.car_id).context("finding an open canvass")?
        {
            let open = Uuid::from_slice(&open).unwrap_or_default();
            let case: String = tx
                .query_row(
                    "SELECT case_number FROM canvasses WHERE id = ?1",
                    [open.as_bytes()],
                    |r| r.get(0),
                )
                .context("reading the open canvass")?;
            drop(tx);
            self.audit(&AuditEntry {
                user: by.user(),
                action: "refused",
                object_kind: "canvass",
                object_id: &open.to_string(),
                detail: &format!("start for case {case_number} while case {case} is open"),
            })?;
            return Err(StoreError::Refused(format!(
                "canvass {open} for case {case} is still open on {}: end it first (one canvass \
                 at a time)",
                self.car_id
            )));
        }
        tx.execute(
            "INSERT INTO canvasses (id, case_number, note, car_id, started_by, started_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id.as_bytes(),
                case_number,
                note.trim(),
                self.car_id,
                by.user(),
                ms(now),
            ],
        )
        .context("recording the canvass")?;
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action: "canvass.start",
                object_kind: "canvass",
                object_id: &id.to_string(),
                detail: &format!("case {case_number}"),
            },
            now,
        )
        .context("auditing the canvass")?;
        tx.commit().context("starting a canvass")?;
        Ok(Canvass {
            id,
            case_number: case_number.to_string(),
            note: note.trim().to_string(),
            car_id: self.car_id.clone(),
            started_by: by.user().to_string(),
            started_at: now,
            ended_by: None,
            ended_at: None,
            reads: 0,
        })
    }

    /// Ends canvass `id` (patrol permission): reads stored from now on are no longer tagged.
    /// Refused when there is no such canvass, it has ended already, or another car runs it.
    pub fn end_canvass(&mut self, by: &Session, id: Uuid) -> StoreResult<Canvass> {
        self.require(by, Permission::Patrol)?;
        let found = self.canvass_by_id(id)?;
        if found.car_id != self.car_id {
            return Err(StoreError::Invalid(format!(
                "canvass {id} runs on {}, not {}: end it there",
                found.car_id, self.car_id
            )));
        }
        if let (Some(at), Some(who)) = (found.ended_at, &found.ended_by) {
            return Err(StoreError::Invalid(format!(
                "canvass {id} (case {}) already ended at {} by {who}",
                found.case_number,
                at.to_rfc3339()
            )));
        }
        let now = Utc::now();
        let tx = self.conn.transaction().context("ending a canvass")?;
        let n = tx
            .execute(
                "UPDATE canvasses SET ended_by = ?2, ended_at_ms = ?3
                 WHERE id = ?1 AND ended_at_ms IS NULL",
                params![id.as_bytes(), by.user(), ms(now)],
            )
            .context("ending the canvass")?;
        if n == 0 {
            return Err(StoreError::Invalid(format!("canvass {id} already ended")));
        }
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action: "canvass.end",
                object_kind: "canvass",
                object_id: &id.to_string(),
                detail: &format!("case {}; {} reads", found.case_number, found.reads),
            },
            now,
        )
        .context("auditing the canvass")?;
        tx.commit().context("ending a canvass")?;
        self.canvass_by_id(id)
    }

    /// The canvass open on this car, if any (case number and times, no plates: the store writer
    /// and the screen's banner need it without a login).
    pub fn active_canvass(&self) -> StoreResult<Option<Canvass>> {
        let open = open_canvass_on(&self.conn, &self.car_id).context("finding an open canvass")?;
        match open {
            Some((id, _)) => Ok(Some(
                self.canvass_by_id(Uuid::from_slice(&id).unwrap_or_default())?,
            )),
            None => Ok(None),
        }
    }

    /// Canvasses on record (every car's, at headquarters), newest first, with how many reads
    /// each tagged. Needs patrol or search permission; the listing is recorded.
    pub fn canvasses(&self, by: &Session) -> StoreResult<Vec<Canvass>> {
        self.require(by, read_permission(by))?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {CANVASS_COLUMNS} FROM canvasses c
                 ORDER BY c.started_at_ms DESC, c.id DESC"
            ))
            .context("listing canvasses")?;
        let rows = stmt
            .query_map([], canvass_from_row)
            .context("listing canvasses")?;
        let list = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("listing canvasses")?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "canvass.list",
            object_kind: "canvass",
            object_id: "",
            detail: &format!("{} canvasses", list.len()),
        })?;
        Ok(list)
    }

    /// One canvass, by id, with its read count (patrol or search permission; recorded).
    pub fn canvass(&self, by: &Session, id: Uuid) -> StoreResult<Canvass> {
        self.require(by, read_permission(by))?;
        let canvass = self.canvass_by_id(id)?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "canvass.show",
            object_kind: "canvass",
            object_id: &id.to_string(),
            detail: &format!("case {}", canvass.case_number),
        })?;
        Ok(canvass)
    }

    /// The reads tagged with canvass `id`, newest first, at most `limit`: plate data, so it
    /// needs what viewing a read needs (patrol, or search), and the viewing is recorded.
    pub fn canvass_reads(
        &self,
        by: &Session,
        id: Uuid,
        limit: usize,
    ) -> StoreResult<Vec<StoredRead>> {
        self.require(by, read_permission(by))?;
        let canvass = self.canvass_by_id(id)?;
        let reads = self.tagged_reads(id, "DESC", limit)?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "canvass.view",
            object_kind: "canvass",
            object_id: &id.to_string(),
            detail: &format!("case {}; {} reads shown", canvass.case_number, reads.len()),
        })?;
        Ok(reads)
    }

    /// `alpr canvass export`: every read tagged with canvass `id`, with its images and a sha256
    /// manifest, into `dir` (new or empty), in the evidence export's format. Needs the evidence
    /// export permission; recorded with the manifest's hash.
    pub fn export_canvass(
        &mut self,
        by: &Session,
        id: Uuid,
        dir: &Path,
    ) -> StoreResult<ExportReport> {
        self.require(by, Permission::EvidenceExport)?;
        let canvass = self.canvass_by_id(id)?;
        let reads = self.tagged_reads(id, "ASC", usize::MAX)?;
        if reads.is_empty() {
            return Err(StoreError::Invalid(format!(
                "canvass {id} (case {}) has no reads to export",
                canvass.case_number
            )));
        }
        let header = serde_json::json!({
            "kind": "canvass",
            "agency": by.policy().agency.name,
            "case_number": canvass.case_number,
            "canvass": {
                "id": canvass.id,
                "note": canvass.note,
                "car_id": canvass.car_id,
                "started_by": canvass.started_by,
                "started_at": canvass.started_at,
                "ended_by": canvass.ended_by,
                "ended_at": canvass.ended_at,
            },
            "exported_by": by.user(),
            "exported_at": Utc::now(),
            "car_id": self.car_id,
        });
        let report = self.export_reads(&reads, header, dir)?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "canvass.export",
            object_kind: "canvass",
            object_id: &id.to_string(),
            detail: &format!(
                "case {}: {} reads, {} images to {}; manifest sha256 {}",
                canvass.case_number,
                report.reads,
                report.images,
                dir.display(),
                report.manifest_sha256
            ),
        })?;
        Ok(report)
    }

    fn canvass_by_id(&self, id: Uuid) -> StoreResult<Canvass> {
        self.conn
            .query_row(
                &format!("SELECT {CANVASS_COLUMNS} FROM canvasses c WHERE c.id = ?1"),
                [id.as_bytes()],
                canvass_from_row,
            )
            .optional()
            .context("reading a canvass")?
            .ok_or_else(|| StoreError::Invalid(format!("no canvass {id}")))
    }

    fn tagged_reads(&self, id: Uuid, order: &str, limit: usize) -> StoreResult<Vec<StoredRead>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {STORED_READ_COLUMNS} FROM reads r
                 WHERE r.id IN (SELECT t.read_id FROM canvass_reads t WHERE t.canvass_id = ?1)
                 ORDER BY r.captured_at_ms {order}, r.id {order} LIMIT ?2"
            ))
            .context("preparing the canvass's reads")?;
        let rows = stmt
            .query_map(
                params![id.as_bytes(), i64::try_from(limit).unwrap_or(i64::MAX)],
                stored_read_from_row,
            )
            .context("reading the canvass's reads")?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .context("reading the canvass's reads")
    }
}

/// What showing reads takes: patrol (the officer's own car), else search (as `view_read`).
fn read_permission(by: &Session) -> Permission {
    if by.may(Permission::Patrol) {
        Permission::Patrol
    } else {
        Permission::Search
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use alpr_images::PlateObservation;
    use chrono::Duration;

    use super::*;
    use crate::model::{MatchedRead, Read};
    use crate::policy::Policy;
    use crate::store::NewMember;

    const PASSWORD: &str = "correct horse battery staple";

    fn read(plate: &str, at: DateTime<Utc>) -> MatchedRead {
        MatchedRead {
            read: Read {
                id: new_id(),
                observation: PlateObservation {
                    camera: "front".into(),
                    plate: plate.into(),
                    state: Some("UT".into()),
                    confidence: 0.9,
                    captured_at: at,
                    alternatives: vec![],
                    plate_crop: None,
                    context_image: None,
                    ack: None,
                },
                position: None,
            },
            hits: vec![],
        }
    }

    fn store(dir: &Path) -> (Store, Session, Session) {
        let mut s = Store::open(dir, "CAR-7").expect("store");
        s.use_policy(Arc::new(Policy::load("clinton").expect("policy")))
            .expect("policy");
        let member = |id: &str, role: &str| NewMember {
            id: id.into(),
            display_name: id.into(),
            roles: vec![role.into()],
            password: PASSWORD.into(),
            training_expires: Some(Utc::now() + Duration::days(30)),
            ncic_expires: Some(Utc::now() + Duration::days(30)),
            sworn: true,
        };
        s.add_member(None, &member("admin", "administrator"))
            .expect("admin");
        let admin = s.login("admin", PASSWORD, true, Utc::now()).expect("login");
        s.add_member(Some(&admin), &member("ofc", "operator"))
            .expect("ofc");
        s.add_member(Some(&admin), &member("tech", "technician"))
            .expect("tech");
        let ofc = s.login("ofc", PASSWORD, true, Utc::now()).expect("login");
        let tech = s.login("tech", PASSWORD, true, Utc::now()).expect("login");
        (s, ofc, tech)
    }

    fn tags(s: &Store) -> i64 {
        s.connection()
            .query_row("SELECT count(*) FROM canvass_reads", [], |r| r.get(0))
            .expect("count")
    }

    #[test]
    fn reads_are_tagged_from_the_start_until_the_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut s, ofc, _) = store(dir.path());
        s.insert_reads(&[read("BEFORE1", Utc::now() - Duration::minutes(5))])
            .expect("reads");
        assert!(s.active_canvass().expect("active").is_none());
        let c = s
            .start_canvass(&ofc, " 26-101 ", "shots fired")
            .expect("start");
        assert_eq!(c.case_number, "26-101");
        assert_eq!(
            s.active_canvass().expect("active").map(|a| a.id),
            Some(c.id)
        );
        // One batch: a read captured before the start (arriving late) and two after it.
        s.insert_reads(&[
            read("LATE1", c.started_at - Duration::seconds(1)),
            read("DURING1", c.started_at),
            read("DURING2", c.started_at + Duration::seconds(3)),
        ])
        .expect("reads");
        assert_eq!(tags(&s), 2);
        let ended = s.end_canvass(&ofc, c.id).expect("end");
        assert!(!ended.is_open());
        assert_eq!(ended.reads, 2);
        s.insert_reads(&[read("AFTER1", Utc::now() + Duration::seconds(1))])
            .expect("reads");
        assert_eq!(tags(&s), 2);
        let plates: Vec<String> = s
            .canvass_reads(&ofc, c.id, 100)
            .expect("reads")
            .into_iter()
            .map(|r| r.plate)
            .collect();
        assert_eq!(plates, ["DURING2", "DURING1"]);
        assert!(s.active_canvass().expect("active").is_none());
        assert!(s.end_canvass(&ofc, c.id).is_err(), "ended twice");
    }

    #[test]
    fn one_canvass_at_a_time_a_case_number_and_no_plates_for_a_technician() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut s, ofc, tech) = store(dir.path());
        let err = s.start_canvass(&ofc, "  ", "").expect_err("blank case");
        assert!(err.to_string().contains("case number"), "{err}");
        let c = s.start_canvass(&ofc, "26-1", "").expect("start");
        let err = s.start_canvass(&ofc, "26-2", "").expect_err("second");
        assert!(matches!(err, StoreError::Refused(_)), "{err}");
        assert!(err.to_string().contains("26-1"), "{err}");
        assert!(matches!(
            s.start_canvass(&tech, "26-3", ""),
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(
            s.canvass_reads(&tech, c.id, 10),
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(s.canvasses(&tech), Err(StoreError::Refused(_))));
        assert_eq!(s.canvasses(&ofc).expect("list").len(), 1);
        // An operator may not export; an unknown id is named.
        assert!(matches!(
            s.export_canvass(&ofc, c.id, &dir.path().join("out")),
            Err(StoreError::Refused(_))
        ));
        let unknown = new_id();
        let err = s.end_canvass(&ofc, unknown).expect_err("unknown");
        assert!(err.to_string().contains(&unknown.to_string()), "{err}");
    }
}
