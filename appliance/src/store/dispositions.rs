//! The officer's walk through a hit: the policy's verification checklist, each step and the
//! disposition that ends the alert stored with who and when (and synced). No stop, arrest,
//! citation or recovery is recorded before the checklist allows it.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::audit::{AuditEntry, append};
use super::hotlists::listed_from_row;
use super::reads::{STORED_READ_COLUMNS, StoredRead, stored_read_from_row};
use super::{Context, Session, Store, StoreError, StoreResult, ms};
use crate::model::{ListedPlate, new_id};
use crate::policy::{Permission, STEP_OUTCOMES};

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
pub const ACTIONS: &[&str] = &["arrest", "recovery", "stop", "citation", "none"];

/// Actions that restrict someone's freedom or property: refused until the hit is verified as the
/// policy's checklist requires.
pub const ENFORCEMENT_ACTIONS: &[&str] = &["arrest", "recovery", "stop", "citation"];

/// A checklist step and what has been recorded for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepStatus {
    pub id: String,
    pub text: String,
    pub required_before_enforcement: bool,
    pub excusable: Vec<String>,
    /// The latest outcome recorded, with its note, who and when.
    pub outcome: Option<String>,
    pub notes: Option<String>,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

impl StepStatus {
    /// Whether the step lets an enforcement action through.
    pub fn satisfied(&self) -> bool {
        match self.outcome.as_deref() {
            Some("confirmed") => true,
            Some(o) => {
                self.excusable.iter().any(|e| e == o)
                    && self.notes.as_deref().is_some_and(|n| !n.trim().is_empty())
            }
            None => false,
        }
    }
}

/// Everything the hit alert shows: the read, the record it met, where they differ, the checklist
/// and the policy's reminder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HitAlert {
    pub hit: HitSummary,
    pub read: StoredRead,
    /// The hot-list record, when the list still holds it.
    pub entry: Option<ListedPlate>,
    /// The agency entry's case number and synopsis (BOLOs, partial plates).
    pub case_number: Option<String>,
    pub synopsis: Option<String>,
    pub state_mismatch: bool,
    /// Positions (0-based) where the read's characters differ from the listed plate's.
    pub differing_positions: Vec<usize>,
    pub steps: Vec<StepStatus>,
    pub confirm_through: String,
    pub reminder: String,
}

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
    pub state_mismatch: bool,
}

impl Store {
    /// Records a checklist step (an id from the policy's `alerts.steps`, outcome from
    /// `policy::STEP_OUTCOMES`) or, with step `disposition`, how the alert ended (`DISPOSITIONS`;
    /// `confirmed` needs an action from `ACTIONS`). An enforcement action is refused until every
    /// required step that applies to the hit is confirmed, or excused as the policy allows with
    /// a note.
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
        let list_id: String = self
            .conn
            .query_row(
                "SELECT list_id FROM hits WHERE id = ?1",
                [hit_id.as_bytes()],
                |r| r.get(0),
            )
            .optional()
            .context("finding the hit")?
            .ok_or_else(|| StoreError::Invalid(format!("no hit {hit_id}")))?;
        let policy = by.policy();
        let note = notes.map(str::trim).filter(|n| !n.is_empty());
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
            if let Some(action) = action_taken.filter(|a| ENFORCEMENT_ACTIONS.contains(a)) {
                let steps = self.step_statuses(policy, hit_id, &list_id)?;
                if let Some(s) = steps
                    .iter()
                    .find(|s| s.required_before_enforcement && !s.satisfied())
                {
                    let recorded = match (&s.outcome, &s.notes) {
                        (None, _) => "not recorded".to_string(),
                        (Some(o), None) if s.excusable.contains(o) => {
                            format!("recorded {o} without a note")
                        }
                        (Some(o), _) => format!("recorded {o}"),
                    };
                    self.audit(&AuditEntry {
                        user: by.user(),
                        action: "refused",
                        object_kind: "hit",
                        object_id: &hit_id.to_string(),
                        detail: &format!("{action} before step {} ({recorded})", s.id),
                    })?;
                    return Err(StoreError::Refused(format!(
                        "no {action} on this alert yet: \"{}\" is {recorded}. {}",
                        s.text, policy.alerts.reminder
                    )));
                }
            }
        } else {
            let Some(def) = policy.alerts.steps_for(&list_id).find(|s| s.id == step) else {
                let ids: Vec<&str> = policy
                    .alerts
                    .steps_for(&list_id)
                    .map(|s| s.id.as_str())
                    .collect();
                return Err(StoreError::Invalid(format!(
                    "step {step:?}: this alert's steps are {}, or disposition",
                    ids.join(", ")
                )));
            };
            if !STEP_OUTCOMES.contains(&outcome) {
                return Err(StoreError::Invalid(format!(
                    "outcome {outcome:?}: one of {}",
                    STEP_OUTCOMES.join(", ")
                )));
            }
            if matches!(outcome, "not-practicable" | "exigent") {
                if !def.excusable.iter().any(|e| e == outcome) {
                    return Err(StoreError::Refused(format!(
                        "the {} policy does not let \"{}\" be recorded as {outcome}",
                        policy.agency.id, def.text
                    )));
                }
                if note.is_none() {
                    return Err(StoreError::Invalid(format!(
                        "recording {step} as {outcome} needs a note saying why"
                    )));
                }
            }
            if action_taken.is_some() {
                return Err(StoreError::Invalid(
                    "an action goes with the disposition, not a checklist step".into(),
                ));
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
                note,
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

    /// The policy's steps for a hit on `list_id`, with the latest recorded outcome of each.
    fn step_statuses(
        &self,
        policy: &crate::policy::Policy,
        hit_id: Uuid,
        list_id: &str,
    ) -> StoreResult<Vec<StepStatus>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT outcome, notes, user_id, at_ms FROM dispositions
                 WHERE hit_id = ?1 AND step = ?2 ORDER BY at_ms DESC, id DESC LIMIT 1",
            )
            .context("reading the checklist")?;
        policy
            .alerts
            .steps_for(list_id)
            .map(|def| {
                let last: Option<(String, Option<String>, String, i64)> = stmt
                    .query_row(params![hit_id.as_bytes(), def.id], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .optional()
                    .context("reading the checklist")?;
                Ok(StepStatus {
                    id: def.id.clone(),
                    text: def.text.clone(),
                    required_before_enforcement: def.required_before_enforcement,
                    excusable: def.excusable.clone(),
                    outcome: last.as_ref().map(|l| l.0.clone()),
                    notes: last.as_ref().and_then(|l| l.1.clone()),
                    by: last.as_ref().map(|l| l.2.clone()),
                    at: last.and_then(|l| DateTime::from_timestamp_millis(l.3)),
                })
            })
            .collect()
    }

    /// The alert for a hit, as the officer's screen shows it (the viewing is recorded).
    pub fn hit_alert(&self, by: &Session, hit_id: Uuid) -> StoreResult<HitAlert> {
        self.require(by, Permission::Patrol)?;
        let hit = self
            .hits_where("h.id = ?1", [hit_id.as_bytes().to_vec()], 1)?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Invalid(format!("no hit {hit_id}")))?;
        let read = self
            .conn
            .query_row(
                &format!("SELECT {STORED_READ_COLUMNS} FROM reads r WHERE r.id = ?1"),
                [hit.read_id.as_bytes()],
                stored_read_from_row,
            )
            .optional()
            .context("reading the hit's read")?
            .ok_or_else(|| StoreError::Invalid(format!("hit {hit_id}: its read is gone")))?;
        let entry_id: Vec<u8> = self
            .conn
            .query_row(
                "SELECT entry_id FROM hits WHERE id = ?1",
                [hit_id.as_bytes()],
                |r| r.get(0),
            )
            .context("reading the hit")?;
        let entry: Option<(ListedPlate, Option<String>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT e.plate, e.state, e.plate_type, e.plate_year, e.make, e.model,
                    e.vehicle_year, e.color, e.reason, e.priority, e.ncic_number, e.ori, e.oca,
                    e.instructions, e.effective_at_ms, e.expires_at_ms, e.extra,
                    e.case_number, e.synopsis
                 FROM hotlist_entries e WHERE e.id = ?1
                 UNION ALL
                 SELECT e.plate, e.state, e.plate_type, e.plate_year, e.make, e.model,
                    e.vehicle_year, e.color, e.reason, e.priority, e.ncic_number, e.ori, e.oca,
                    e.instructions, e.effective_at_ms, e.expires_at_ms, e.extra, NULL, NULL
                 FROM general_entries e WHERE e.id = ?1",
                [&entry_id],
                |r| Ok((listed_from_row(r, 0)?, r.get(17)?, r.get(18)?)),
            )
            .optional()
            .context("reading the hot-list record")?;
        let (listed, case_number, synopsis) = match entry {
            Some((l, c, s)) => (Some(l), c, s),
            None => (None, None, None),
        };
        let differing_positions = if hit.read_plate.len() == hit.listed_plate.len() {
            hit.read_plate
                .bytes()
                .zip(hit.listed_plate.bytes())
                .enumerate()
                .filter(|(_, (a, b))| a != b && *b != b'?')
                .map(|(i, _)| i)
                .collect()
        } else {
            Vec::new()
        };
        let steps = self.step_statuses(by.policy(), hit_id, &hit.list_id)?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "hit.view",
            object_kind: "hit",
            object_id: &hit_id.to_string(),
            detail: "",
        })?;
        Ok(HitAlert {
            state_mismatch: hit.state_mismatch,
            hit,
            read,
            entry: listed,
            case_number: case_number.filter(|c| !c.is_empty()),
            synopsis: synopsis.filter(|s| !s.is_empty()),
            differing_positions,
            steps,
            confirm_through: by.policy().alerts.confirm_through.clone(),
            reminder: by.policy().alerts.reminder.clone(),
        })
    }

    /// Hits no disposition has ended yet, newest first.
    pub fn open_hits(&self, by: &Session) -> StoreResult<Vec<HitSummary>> {
        self.require(by, Permission::Patrol)?;
        let hits = self.hits_where(
            "NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.hit_id = h.id
                AND d.step = 'disposition')",
            [],
            10_000,
        )?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "hit.list",
            object_kind: "hit",
            object_id: "open",
            detail: &format!("{} open hits", hits.len()),
        })?;
        Ok(hits)
    }

    fn hits_where<P: rusqlite::Params>(
        &self,
        condition: &str,
        params: P,
        limit: usize,
    ) -> StoreResult<Vec<HitSummary>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT h.id, h.read_id, h.list_id, h.listed_plate, h.read_plate, h.match_kind,
                    h.priority, h.raised_at_ms,
                    (SELECT d.outcome FROM dispositions d WHERE d.hit_id = h.id
                        AND d.step = 'disposition' ORDER BY d.at_ms DESC LIMIT 1),
                    h.state_mismatch
                 FROM hits h WHERE {condition}
                 ORDER BY h.raised_at_ms DESC, h.id DESC LIMIT {limit}"
            ))
            .context("listing hits")?;
        let rows = stmt
            .query_map(params, |r| {
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
                    state_mismatch: r.get(9)?,
                })
            })
            .context("listing hits")?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .context("listing hits")
    }

    /// The newest hits, newest first, with their disposition when recorded.
    pub fn recent_hits(&self, by: &Session, limit: usize) -> StoreResult<Vec<HitSummary>> {
        self.require(by, Permission::Patrol)?;
        let hits = self.hits_where("1", [], limit)?;
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
