//! The audit trail: every access to ALPR data, by whom, when and what it touched.
//!
//! Each store appends to its own chain (named by its cr-sqlite site id), numbered from 1; each
//! record carries the hash of the one before it and a hash of itself over every field. Records
//! from other stores arrive by merge and keep their own chains. The head of this store's chain is
//! also kept outside the replicated table, so losing the newest records is noticed too.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Context, Session, Store, StoreResult};
use crate::model::new_id;
use crate::policy::Permission;

/// What an audit record says happened.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuditEntry<'a> {
    /// The member (or `system:<job>` for the appliance's own jobs).
    pub user: &'a str,
    /// `login`, `login-failed`, `read.view`, `search`, `export`, `hotlist.import`, ...
    pub action: &'a str,
    pub object_kind: &'a str,
    pub object_id: &'a str,
    pub detail: &'a str,
}

/// A stored audit record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub id: Uuid,
    pub chain: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub car_id: String,
    pub user_id: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The first record that breaks a chain, and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokenRecord {
    pub chain: String,
    pub seq: i64,
    pub id: String,
    pub problem: String,
}

/// What `verify_audit` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditVerification {
    /// Chains and how many records each holds.
    pub chains: Vec<(String, i64)>,
    pub records: i64,
    /// The first bad record of each broken chain.
    pub broken: Vec<BrokenRecord>,
}

impl AuditVerification {
    pub fn ok(&self) -> bool {
        self.broken.is_empty()
    }
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// The hash of a record over all its fields; length-prefixed so no two records collide by moving
/// bytes between fields.
fn record_hash(r: &AuditRecord) -> String {
    let mut h = Sha256::new();
    field(&mut h, r.id.as_bytes());
    field(&mut h, r.chain.as_bytes());
    field(&mut h, &r.seq.to_be_bytes());
    field(&mut h, &r.at.timestamp_millis().to_be_bytes());
    field(&mut h, r.car_id.as_bytes());
    field(&mut h, r.user_id.as_bytes());
    field(&mut h, r.action.as_bytes());
    field(&mut h, r.object_kind.as_bytes());
    field(&mut h, r.object_id.as_bytes());
    field(&mut h, r.detail.as_bytes());
    field(&mut h, r.prev_hash.as_bytes());
    hex::encode(h.finalize())
}

/// Appends a record to `chain` on `conn` (a transaction when the access it records changes data,
/// so both land or neither).
pub(crate) fn append(
    conn: &Connection,
    chain: &str,
    car_id: &str,
    entry: &AuditEntry<'_>,
    at: DateTime<Utc>,
) -> rusqlite::Result<AuditRecord> {
    let head: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_head WHERE chain = ?1",
            [chain],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = head.map(|(s, h)| (s + 1, h)).unwrap_or((1, String::new()));
    let mut record = AuditRecord {
        id: new_id(),
        chain: chain.to_string(),
        seq,
        at: DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at),
        car_id: car_id.to_string(),
        user_id: entry.user.to_string(),
        action: entry.action.to_string(),
        object_kind: entry.object_kind.to_string(),
        object_id: entry.object_id.to_string(),
        detail: entry.detail.to_string(),
        prev_hash,
        hash: String::new(),
    };
    record.hash = record_hash(&record);
    conn.execute(
        "INSERT INTO audit_events (id, at_ms, car_id, user_id, action, object_kind, object_id,
            detail, prev_hash, hash, chain, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            record.id.as_bytes(),
            record.at.timestamp_millis(),
            record.car_id,
            record.user_id,
            record.action,
            record.object_kind,
            record.object_id,
            record.detail,
            record.prev_hash,
            record.hash,
            record.chain,
            record.seq,
        ],
    )?;
    conn.execute(
        "INSERT INTO audit_head (chain, seq, hash) VALUES (?1, ?2, ?3)
         ON CONFLICT(chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        params![chain, record.seq, record.hash],
    )?;
    Ok(record)
}

const RECORD_COLUMNS: &str = "id, chain, seq, at_ms, car_id, user_id, action, object_kind, \
                              object_id, detail, prev_hash, hash";

fn record_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRecord> {
    let id: Vec<u8> = r.get(0)?;
    Ok(AuditRecord {
        // A mangled id still verifies to a mismatch, which is what the trail should say.
        id: Uuid::from_slice(&id).unwrap_or_default(),
        chain: r.get(1)?,
        seq: r.get(2)?,
        at: DateTime::from_timestamp_millis(r.get(3)?).unwrap_or_default(),
        car_id: r.get(4)?,
        user_id: r.get(5)?,
        action: r.get(6)?,
        object_kind: r.get(7)?,
        object_id: r.get(8)?,
        detail: r.get(9)?,
        prev_hash: r.get(10)?,
        hash: r.get(11)?,
    })
}

/// Which records `audit_records` returns.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub user: Option<String>,
    pub action: Option<String>,
    pub limit: Option<usize>,
}

impl Store {
    /// `alpr audit verify`: checks the whole trail, then records that it was checked.
    pub fn verify_audit(&self, by: &Session) -> StoreResult<AuditVerification> {
        self.require(by, Permission::AuditView)?;
        let result = self.verify_audit_chains()?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "audit.verify",
            object_kind: "audit-trail",
            object_id: "",
            detail: &format!(
                "{} records in {} chains; {} broken",
                result.records,
                result.chains.len(),
                result.broken.len()
            ),
        })?;
        Ok(result)
    }

    /// `alpr audit log`: records of the trail, oldest first (the reading itself is recorded).
    pub fn audit_records(&self, by: &Session, f: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        self.require(by, Permission::AuditView)?;
        let records = self.read_audit_records(f)?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "audit.view",
            object_kind: "audit-trail",
            object_id: "",
            detail: &format!("{} records", records.len()),
        })?;
        Ok(records)
    }

    /// Checks every chain in the trail: numbering without gaps, each record's link to the one
    /// before, each record's own hash, and this store's chain against its recorded head.
    pub(crate) fn verify_audit_chains(&self) -> StoreResult<AuditVerification> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {RECORD_COLUMNS} FROM audit_events ORDER BY chain, seq, id"
            ))
            .context("preparing audit verification")?;
        let mut rows = stmt.query([]).context("reading the audit trail")?;
        let mut out = AuditVerification {
            chains: Vec::new(),
            records: 0,
            broken: Vec::new(),
        };
        let mut current: Option<(String, i64, String, bool)> = None; // chain, last seq, last hash, broken
        let bad = |out: &mut AuditVerification, r: &AuditRecord, problem: String| {
            out.broken.push(BrokenRecord {
                chain: r.chain.clone(),
                seq: r.seq,
                id: r.id.to_string(),
                problem,
            });
        };
        while let Some(row) = rows.next().context("reading the audit trail")? {
            let r = record_from_row(row).context("reading an audit record")?;
            out.records += 1;
            let same_chain = current.as_ref().is_some_and(|(c, ..)| *c == r.chain);
            if !same_chain {
                out.chains.push((r.chain.clone(), 0));
                current = Some((r.chain.clone(), 0, String::new(), false));
            }
            if let Some(last) = out.chains.last_mut() {
                last.1 += 1;
            }
            let Some((_, last_seq, last_hash, broken)) = current.as_mut() else {
                continue;
            };
            if *broken {
                continue;
            }
            let problem = if r.seq != *last_seq + 1 {
                Some(if r.seq == *last_seq {
                    format!("record number {} appears twice", r.seq)
                } else if r.seq == *last_seq + 2 {
                    format!("record {} is missing before it", *last_seq + 1)
                } else {
                    format!(
                        "records {} to {} are missing before it",
                        *last_seq + 1,
                        r.seq - 1
                    )
                })
            } else if r.prev_hash != *last_hash {
                Some("it does not follow the record before it (deleted, swapped or edited)".into())
            } else if record_hash(&r) != r.hash {
                Some("its content does not match its hash (edited)".into())
            } else {
                None
            };
            match problem {
                Some(p) => {
                    bad(&mut out, &r, p);
                    *broken = true;
                }
                None => {
                    *last_seq = r.seq;
                    *last_hash = r.hash.clone();
                }
            }
        }
        drop(rows);
        // The newest records of this store's own chain: gone if the head is further on.
        let own = self.audit_chain.clone();
        let head: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT seq, hash FROM audit_head WHERE chain = ?1",
                [&own],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .context("reading the audit head")?;
        if let Some((head_seq, head_hash)) = head
            && !out.broken.iter().any(|b| b.chain == own)
        {
            let (last_seq, last_hash): (i64, String) = self
                .conn
                .query_row(
                    "SELECT coalesce(max(seq), 0), coalesce((SELECT hash FROM audit_events
                        WHERE chain = ?1 ORDER BY seq DESC LIMIT 1), '')
                     FROM audit_events WHERE chain = ?1",
                    [&own],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .context("reading the end of the audit chain")?;
            if last_seq != head_seq || last_hash != head_hash {
                out.broken.push(BrokenRecord {
                    chain: own.clone(),
                    seq: last_seq + 1,
                    id: String::new(),
                    problem: format!(
                        "the trail ends at record {last_seq} but {head_seq} were written: the newest are missing or replaced"
                    ),
                });
            }
        }
        Ok(out)
    }

    /// Records of the trail, oldest first.
    pub(crate) fn read_audit_records(&self, f: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {RECORD_COLUMNS} FROM audit_events
                 WHERE at_ms >= ?1 AND at_ms < ?2 AND (?3 IS NULL OR user_id = ?3)
                    AND (?4 IS NULL OR action = ?4)
                 ORDER BY at_ms, chain, seq LIMIT ?5"
            ))
            .context("preparing audit listing")?;
        let rows = stmt
            .query_map(
                params![
                    f.from.map(|t| t.timestamp_millis()).unwrap_or(i64::MIN),
                    f.to.map(|t| t.timestamp_millis()).unwrap_or(i64::MAX),
                    f.user,
                    f.action,
                    f.limit.map(|l| l as i64).unwrap_or(-1),
                ],
                record_from_row,
            )
            .context("listing the audit trail")?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .context("listing the audit trail")
    }

    /// Checks `permission` and records the access: for commands that read through the store's
    /// plain functions (hot-list listings, tries of a plate, imports).
    pub fn record_access(
        &self,
        by: &Session,
        permission: Permission,
        action: &str,
        object_kind: &str,
        object_id: &str,
        detail: &str,
    ) -> StoreResult<()> {
        self.require(by, permission)?;
        self.audit(&AuditEntry {
            user: by.user(),
            action,
            object_kind,
            object_id,
            detail,
        })?;
        Ok(())
    }

    /// Appends a record to this store's chain, outside any other change.
    pub(crate) fn audit(&self, entry: &AuditEntry<'_>) -> StoreResult<AuditRecord> {
        let what = format!("recording {} in the audit trail", entry.action);
        let tx = self.conn.unchecked_transaction().context(what.clone())?;
        let record = append(&tx, &self.audit_chain, &self.car_id, entry, Utc::now())
            .context(what.clone())?;
        tx.commit().context(what)?;
        Ok(record)
    }
}
