//! The officer's walk through a hit: each verification step and the disposition that ends it,
//! stored with who and when (and synced).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::audit::{AuditEntry, append};
use super::{Context, Session, Store, StoreError, StoreResult, ms};
use crate::model::new_id;
use crate::policy::Permission;

/// The verification steps, in order.
pub const VERIFICATION_STEPS: &[&str] =
    &["plate-characters", "state", "vehicle", "dispatch-confirmed"];

/// Outcomes of a verification step.
pub const STEP_OUTCOMES: &[&str] = &["match", "mismatch", "not-checked"];

/// How an alert ends.
pub const DISPOSITIONS: &[&str] = &[
    "confirmed",
    "misread",
    "wrong-state",
    "vehicle-mismatch",
    "no-longer-wanted",
    "dismissed",
    "unable-to-locate",
];

/// What a confirmed hit led to.
pub const ACTIONS: &[&str] = &["arrest", "recovery", "stop", "none"];

/// A hit as the officer sees it listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HitSummary {
    pub id: Uuid,
    pub read_id: Uuid,
    pub list_id: String,
    pub listed_plate: String,
    pub read_plate: String,
    pub match_kind: String,
    pub priority: String,
    pub raised_at: DateTime<Utc>,
    /// The disposition, once recorded.
    pub disposition: Option<String>,
}

impl Store {
    /// Records one verification step (`VERIFICATION_STEPS`) or, with step `disposition`, the
    /// disposition (`DISPOSITIONS`, with an action from `ACTIONS` when confirmed).
    pub fn record_hit_step(
        &mut self,
        by: &Session,
        hit_id: Uuid,
        step: &str,
        outcome: &str,
        action_taken: Option<&str>,
        notes: Option<&str>,
    ) -> StoreResult<Uuid> {
        self.require(by, Permission::Patrol)?;
        let known: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM hits WHERE id = ?1",
                [hit_id.as_bytes()],
                |r| r.get(0),
            )
            .optional()
            .context("finding the hit")?;
        if known.is_none() {
            return Err(StoreError::Invalid(format!("no hit {hit_id}")));
        }
        if step == "disposition" {
            if !DISPOSITIONS.contains(&outcome) {
                return Err(StoreError::Invalid(format!(
                    "disposition {outcome:?}: one of {}",
                    DISPOSITIONS.join(", ")
                )));
            }
            match (outcome, action_taken) {
                ("confirmed", Some(a)) if ACTIONS.contains(&a) => {}
                ("confirmed", _) => {
                    return Err(StoreError::Invalid(format!(
                        "a confirmed hit needs the action taken: one of {}",
                        ACTIONS.join(", ")
                    )));
                }
                (_, Some(a)) => {
                    return Err(StoreError::Invalid(format!(
                        "an action ({a}) goes only with a confirmed hit"
                    )));
                }
                _ => {}
            }
        } else {
            if !VERIFICATION_STEPS.contains(&step) {
                return Err(StoreError::Invalid(format!(
                    "step {step:?}: one of {}, or disposition",
                    VERIFICATION_STEPS.join(", ")
                )));
            }
            if !STEP_OUTCOMES.contains(&outcome) {
                return Err(StoreError::Invalid(format!(
                    "outcome {outcome:?}: one of {}",
                    STEP_OUTCOMES.join(", ")
                )));
            }
        }
        let id = new_id();
        let now = Utc::now();
        let tx = self.conn.transaction().context("recording a hit step")?;
        tx.execute(
            "INSERT INTO dispositions (id, hit_id, step, outcome, action_taken, notes, user_id, at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id.as_bytes(),
                hit_id.as_bytes(),
                step,
                outcome,
                action_taken,
                notes,
                by.user(),
                ms(now),
            ],
        )
        .context("recording a hit step")?;
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action: if step == "disposition" {
                    "hit.disposition"
                } else {
                    "hit.verify"
                },
                object_kind: "hit",
                object_id: &hit_id.to_string(),
                detail: &format!(
                    "{step}: {outcome}{}",
                    action_taken.map(|a| format!(" ({a})")).unwrap_or_default()
                ),
            },
            now,
        )
        .context("auditing the hit step")?;
        tx.commit().context("recording a hit step")?;
        Ok(id)
    }

    /// The newest hits, newest first, with their disposition when recorded.
    pub fn recent_hits(&self, by: &Session, limit: usize) -> StoreResult<Vec<HitSummary>> {
        self.require(by, Permission::Patrol)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT h.id, h.read_id, h.list_id, h.listed_plate, h.read_plate, h.match_kind,
                    h.priority, h.raised_at_ms,
                    (SELECT d.outcome FROM dispositions d WHERE d.hit_id = h.id
                        AND d.step = 'disposition' ORDER BY d.at_ms DESC LIMIT 1)
                 FROM hits h ORDER BY h.raised_at_ms DESC, h.id DESC LIMIT ?1",
            )
            .context("listing hits")?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                let id: Vec<u8> = r.get(0)?;
                let read: Vec<u8> = r.get(1)?;
                Ok(HitSummary {
                    id: Uuid::from_slice(&id).unwrap_or_default(),
                    read_id: Uuid::from_slice(&read).unwrap_or_default(),
                    list_id: r.get(2)?,
                    listed_plate: r.get(3)?,
                    read_plate: r.get(4)?,
                    match_kind: r.get(5)?,
                    priority: r.get(6)?,
                    raised_at: DateTime::from_timestamp_millis(r.get(7)?).unwrap_or_default(),
                    disposition: r.get(8)?,
                })
            })
            .context("listing hits")?;
        let hits = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("listing hits")?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "hit.list",
            object_kind: "hit",
            object_id: "",
            detail: &format!("{} hits", hits.len()),
        })?;
        Ok(hits)
    }
}
