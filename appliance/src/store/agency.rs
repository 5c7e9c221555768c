//! Agency entries (BOLOs, partial plates from a major crime): entered by a member, active only
//! once an administrator approves them, and then matched against the reads already stored.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::audit::{AuditEntry, append};
use super::hotlists::{insert_entry, listed_from_row};
use super::{Context, Session, Store, StoreError, StoreResult, ms, now_ms};
use crate::hotlist::plate::{PlateKey, normalize};
use crate::hotlist::wildcard::Pattern;
use crate::hotlist::{Candidate, ConfusionTable, IndexBuilder, secs};
use crate::model::{ListedPlate, MatchKind, new_id};
use crate::policy::Permission;

/// The roles a member can have.
pub const ROLES: &[&str] = &[
    "operator",
    "investigator",
    "administrator",
    "auditor",
    "technician",
];

/// What a member enters.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyEntryInput {
    /// The list it goes on (`bolo`, `major-crime`, ...).
    pub list_id: String,
    /// Plate (or partial plate with `*` and `?`), vehicle, priority, instructions, expiry.
    pub listed: ListedPlate,
    pub case_number: String,
    pub synopsis: String,
    /// The officer who asked for it.
    pub requested_by: String,
}

/// An entry as stored, with who entered and approved it.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyEntry {
    pub id: Uuid,
    pub list_id: String,
    pub listed: ListedPlate,
    pub case_number: String,
    pub synopsis: String,
    pub entered_by: String,
    pub requested_by: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
}

/// A stored read an approved entry met.
#[derive(Debug, Clone, PartialEq)]
pub struct LookbackMatch {
    pub read_id: Uuid,
    pub plate: String,
    /// The reading that met the entry (the read's plate or one of its other readings).
    pub reading: String,
    pub kind: MatchKind,
    pub confused: Vec<usize>,
    pub captured_at: DateTime<Utc>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub camera: String,
}

const SYNOPSIS_MAX: usize = 500;

impl Store {
    /// Enters a BOLO or partial plate, pending approval. Everything the policies ask of an entry
    /// must be there: who enters it, who asked for it, a case number, a synopsis, an expiry.
    pub fn enter_agency_entry(
        &mut self,
        by: &Session,
        input: &AgencyEntryInput,
    ) -> StoreResult<Uuid> {
        let bad = |m: String| Err(StoreError::Invalid(m));
        self.require(by, Permission::HotlistEnter)?;
        let listed = validated(input)?;
        let tx = self.conn.transaction().context("starting agency entry")?;
        let general: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM general_lists WHERE id = ?1",
                [&input.list_id],
                |r| r.get(0),
            )
            .optional()
            .context("finding the list")?;
        if general.is_some() {
            return bad(format!(
                "{} is a general list, replaced whole by imports: agency entries go on a list \
                 of their own",
                input.list_id
            ));
        }
        let kind: Option<String> = tx
            .query_row(
                "SELECT kind FROM hotlists WHERE id = ?1",
                [&input.list_id],
                |r| r.get(0),
            )
            .optional()
            .context("finding the list")?;
        match kind.as_deref() {
            Some("agency") => {}
            Some(other) => {
                return bad(format!(
                    "{} is a {other} list, replaced whole by imports: agency entries go on a list \
                     of their own",
                    input.list_id
                ));
            }
            None => {
                tx.execute(
                    "INSERT INTO hotlists (id, name, kind, current_version)
                     VALUES (?1, ?1, 'agency', 1)",
                    [&input.list_id],
                )
                .context("creating the list")?;
            }
        }
        let id =
            insert_entry(&tx, &input.list_id, 1, &listed).context("storing the agency entry")?;
        tx.execute(
            "UPDATE hotlist_entries SET case_number = ?2, synopsis = ?3, entered_by = ?4,
                requested_by = ?5 WHERE id = ?1",
            params![
                id.as_bytes(),
                input.case_number.trim(),
                input.synopsis.trim(),
                by.user(),
                input.requested_by.trim(),
            ],
        )
        .context("recording who entered the agency entry")?;
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action: "hotlist.enter",
                object_kind: "hotlist-entry",
                object_id: &id.to_string(),
                detail: &format!("{} for case {}", input.list_id, input.case_number.trim()),
            },
            Utc::now(),
        )
        .context("auditing the agency entry")?;
        tx.commit().context("committing the agency entry")?;
        Ok(id)
    }

    /// Changes an agency entry. The change is recorded under the member and the case number,
    /// and the entry stops matching until an administrator approves it again.
    pub fn update_agency_entry(
        &mut self,
        by: &Session,
        id: Uuid,
        input: &AgencyEntryInput,
    ) -> StoreResult<AgencyEntry> {
        self.require(by, Permission::HotlistEnter)?;
        let before = self.agency_entry(id)?;
        if before.list_id != input.list_id {
            return Err(StoreError::Invalid(format!(
                "entry {id} is on {}; an entry does not move between lists",
                before.list_id
            )));
        }
        let listed = validated(input)?;
        let set: Vec<String> = super::hotlists::ENTRY_COLUMNS
            .split(',')
            .map(str::trim)
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 2))
            .collect();
        let tx = self
            .conn
            .transaction()
            .context("updating the agency entry")?;
        let mut values = vec![rusqlite::types::Value::Blob(id.as_bytes().to_vec())];
        values.extend(super::hotlists::entry_values(&listed));
        tx.execute(
            &format!(
                "UPDATE hotlist_entries SET {} WHERE id = ?1",
                set.join(", ")
            ),
            rusqlite::params_from_iter(values),
        )
        .context("updating the agency entry")?;
        tx.execute(
            "UPDATE hotlist_entries SET case_number = ?2, synopsis = ?3, entered_by = ?4,
                requested_by = ?5, approved_by = NULL, approved_at_ms = NULL WHERE id = ?1",
            params![
                id.as_bytes(),
                input.case_number.trim(),
                input.synopsis.trim(),
                by.user(),
                input.requested_by.trim(),
            ],
        )
        .context("updating the agency entry")?;
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action: "hotlist.update",
                object_kind: "hotlist-entry",
                object_id: &id.to_string(),
                detail: &format!(
                    "{} for case {}; approval cleared",
                    input.list_id,
                    input.case_number.trim()
                ),
            },
            Utc::now(),
        )
        .context("auditing the update")?;
        tx.commit().context("updating the agency entry")?;
        self.agency_entry(id)
    }

    /// An agency entry by id.
    pub fn agency_entry(&self, id: Uuid) -> StoreResult<AgencyEntry> {
        self.conn
            .query_row(
                "SELECT e.list_id, e.case_number, e.synopsis, e.entered_by, e.requested_by,
                    e.approved_by, e.approved_at_ms, e.plate, e.state, e.plate_type, e.plate_year,
                    e.make, e.model, e.vehicle_year, e.color, e.reason, e.priority, e.ncic_number,
                    e.ori, e.oca, e.instructions, e.effective_at_ms, e.expires_at_ms, e.extra
                 FROM hotlist_entries e JOIN hotlists l ON l.id = e.list_id
                 WHERE e.id = ?1 AND l.kind = 'agency'",
                [id.as_bytes()],
                |r| {
                    let approved: Option<i64> = r.get(6)?;
                    Ok(AgencyEntry {
                        id,
                        list_id: r.get(0)?,
                        case_number: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                        synopsis: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        entered_by: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                        requested_by: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                        approved_by: r.get(5)?,
                        approved_at: approved.and_then(DateTime::from_timestamp_millis),
                        listed: listed_from_row(r, 7)?,
                    })
                },
            )
            .optional()
            .context("reading the agency entry")?
            .ok_or_else(|| StoreError::Invalid(format!("no agency entry {id}")))
    }

    /// An administrator approves a pending entry: from now on it is matched.
    pub fn approve_agency_entry(&mut self, by: &Session, id: Uuid) -> StoreResult<AgencyEntry> {
        self.require(by, Permission::HotlistApprove)?;
        let admin = by.user();
        let entry = self.agency_entry(id)?;
        if entry.entered_by == admin {
            return Err(StoreError::Refused(format!(
                "{admin} entered entry {id}: another administrator approves it"
            )));
        }
        if let Some(by) = &entry.approved_by {
            return Err(StoreError::Invalid(format!(
                "entry {id} was already approved by {by}"
            )));
        }
        if entry.listed.expires_at.is_some_and(|t| t <= Utc::now()) {
            return Err(StoreError::Invalid(format!("entry {id} has expired")));
        }
        self.conn
            .execute(
                "UPDATE hotlist_entries SET approved_by = ?2, approved_at_ms = ?3 WHERE id = ?1",
                params![id.as_bytes(), admin, now_ms()],
            )
            .context("approving the agency entry")?;
        self.audit(&AuditEntry {
            user: admin,
            action: "hotlist.approve",
            object_kind: "hotlist-entry",
            object_id: &id.to_string(),
            detail: &format!("{} for case {}", entry.list_id, entry.case_number),
        })?;
        self.agency_entry(id)
    }

    /// Matches an approved entry against every read stored (those the retention schedule has
    /// kept), records each match as a hit and the look-back itself as a search under the entry's
    /// case number, by `by`.
    pub fn lookback(&mut self, by: &Session, id: Uuid) -> StoreResult<Vec<LookbackMatch>> {
        self.require(by, Permission::HotlistApprove)?;
        let entry = self.agency_entry(id)?;
        if entry.approved_by.is_none() {
            return Err(StoreError::Invalid(format!(
                "entry {id} is not approved: nothing is matched against it yet"
            )));
        }
        let now = Utc::now();
        let mut b = IndexBuilder::new(ConfusionTable::default());
        b.push(id, &entry.list_id, &entry.listed)
            .map_err(StoreError::Invalid)?;
        let index = b.finish();
        let now_s = secs(now);
        let mut matches = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT id, plate, alternatives, captured_at_ms, lat, lon, camera FROM reads
                     ORDER BY captured_at_ms",
                )
                .context("preparing look-back")?;
            let mut rows = stmt.query([]).context("look-back")?;
            let mut found: Vec<Candidate> = Vec::new();
            while let Some(r) = rows.next().context("look-back")? {
                let plate: String = r.get(1).context("read plate")?;
                let alternatives: String = r.get(2).context("read alternatives")?;
                let others: Vec<alpr_images::Alternative> =
                    serde_json::from_str(&alternatives).unwrap_or_default();
                let readings =
                    std::iter::once(plate.clone()).chain(others.into_iter().map(|a| a.plate));
                for reading in readings {
                    found.clear();
                    index.lookup(&normalize(&reading), now_s, &mut found);
                    if let Some(c) = found.first() {
                        let read_id: Vec<u8> = r.get(0).context("read id")?;
                        matches.push(LookbackMatch {
                            read_id: Uuid::from_slice(&read_id).unwrap_or_default(),
                            plate: plate.clone(),
                            reading,
                            kind: c.kind,
                            confused: c.confused.clone(),
                            captured_at: DateTime::from_timestamp_millis(
                                r.get(3).context("capture time")?,
                            )
                            .unwrap_or_default(),
                            lat: r.get(4).context("lat")?,
                            lon: r.get(5).context("lon")?,
                            camera: r.get(6).context("camera")?,
                        });
                        break;
                    }
                }
            }
        }
        let tx = self.conn.transaction().context("recording look-back")?;
        for m in &matches {
            tx.execute(
                "INSERT INTO hits (id, read_id, entry_id, list_id, listed_plate, read_plate,
                    match_kind, state_mismatch, priority, raised_at_ms, car_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9, ?10)",
                params![
                    new_id().as_bytes(),
                    m.read_id.as_bytes(),
                    id.as_bytes(),
                    entry.list_id,
                    entry.listed.plate,
                    m.reading,
                    format!("look-back {}", m.kind.as_str()),
                    entry.listed.priority.as_str(),
                    ms(now),
                    self.car_id,
                ],
            )
            .context("recording a look-back hit")?;
        }
        let search_id = new_id();
        let query = serde_json::json!({
            "plate": entry.listed.plate,
            "make": entry.listed.make,
            "model": entry.listed.model,
            "color": entry.listed.color,
            "hotlist_entry": id.to_string(),
            "scope": "all stored reads",
        });
        tx.execute(
            "INSERT INTO searches (id, at_ms, car_id, user_id, case_number, reason, crime_type,
                query, result_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                search_id.as_bytes(),
                ms(now),
                self.car_id,
                by.user(),
                entry.case_number,
                format!("look-back for approved hot-list entry: {}", entry.synopsis),
                entry.listed.reason,
                query.to_string(),
                matches.len() as i64,
            ],
        )
        .context("recording the look-back search")?;
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action: "search.lookback",
                object_kind: "search",
                object_id: &search_id.to_string(),
                detail: &format!("case {}; {} reads found", entry.case_number, matches.len()),
            },
            now,
        )
        .context("auditing the look-back")?;
        tx.commit().context("committing look-back")?;
        Ok(matches)
    }
}

/// The entry's plate normalised and every field the policies ask for checked.
fn validated(input: &AgencyEntryInput) -> StoreResult<ListedPlate> {
    let bad = |m: String| Err(StoreError::Invalid(m));
    let mut listed = input.listed.clone();
    listed.plate = normalize(&listed.plate);
    if listed.plate.contains(['*', '?']) {
        Pattern::new(&listed.plate, &ConfusionTable::default()).map_err(StoreError::Invalid)?;
    } else if PlateKey::new(listed.plate.as_bytes()).is_none() {
        return bad(format!(
            "plate {:?}: 1-10 of 0-9 and A-Z, with `*` and `?` for unknown characters",
            input.listed.plate
        ));
    }
    for (what, value) in [
        ("requesting officer", &input.requested_by),
        ("case number", &input.case_number),
        ("synopsis", &input.synopsis),
        ("list", &input.list_id),
    ] {
        if value.trim().is_empty() {
            return bad(format!("an agency entry needs a {what}"));
        }
    }
    if input.synopsis.chars().count() > SYNOPSIS_MAX {
        return bad(format!(
            "the synopsis is {} characters; keep it under {SYNOPSIS_MAX}",
            input.synopsis.chars().count()
        ));
    }
    match listed.expires_at {
        None => return bad("an agency entry needs an expiry".into()),
        Some(t) if t <= Utc::now() => {
            return bad(format!("the expiry {t} has already passed"));
        }
        Some(_) => {}
    }
    Ok(listed)
}
