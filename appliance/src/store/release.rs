//! Release requests: another agency's written request for ALPR data (agency, requester, purpose,
//! case number), refused outright when the policy does not allow that kind of recipient, decided
//! by an administrator, fulfilled only once approved. The request, the decision and what went out
//! stay on file.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::audit::{AuditEntry, append};
use super::export::ExportReport;
use super::search::{ReadQuery, SearchPurpose};
use super::{Context, Session, Store, StoreError, StoreResult, ms};
use crate::model::new_id;
use crate::policy::Permission;

/// Kinds of requesting agency.
pub const AGENCY_KINDS: &[&str] = &["law-enforcement", "prosecutorial", "other"];

/// A written request as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRequestInput {
    pub agency: String,
    /// One of `AGENCY_KINDS`.
    pub agency_kind: String,
    pub requester: String,
    pub purpose: String,
    pub case_number: String,
    /// The reads asked for.
    pub query: ReadQuery,
}

/// A request on file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseRequest {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub recorded_by: String,
    pub agency: String,
    pub agency_kind: String,
    pub requester: String,
    pub purpose: String,
    pub case_number: String,
    pub query: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub fulfilled_by: Option<String>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub released: Option<String>,
}

fn when(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.and_then(DateTime::from_timestamp_millis)
}

impl Store {
    /// Records a written request. Refused when a field the policy asks for is empty or the
    /// requesting agency's kind is not one the policy releases to.
    pub fn record_release_request(
        &mut self,
        by: &Session,
        input: &ReleaseRequestInput,
    ) -> StoreResult<Uuid> {
        self.require(by, Permission::ReleaseRequest)?;
        let rules = &by.policy().release;
        for field in &rules.required_fields {
            let value = match field.as_str() {
                "agency" => &input.agency,
                "requester" => &input.requester,
                "purpose" => &input.purpose,
                _ => &input.case_number,
            };
            if value.trim().is_empty() {
                return Err(StoreError::Invalid(format!(
                    "a release request needs the {}",
                    field.replace('_', " ")
                )));
            }
        }
        if !AGENCY_KINDS.contains(&input.agency_kind.as_str()) {
            return Err(StoreError::Invalid(format!(
                "agency kind {:?}: one of {}",
                input.agency_kind,
                AGENCY_KINDS.join(", ")
            )));
        }
        if !rules.allowed_recipients.contains(&input.agency_kind) {
            return Err(StoreError::Refused(format!(
                "the {} policy releases ALPR data only to {} agencies; a request from {} ({}) \
                 goes through the {}",
                by.policy().agency.id,
                rules.allowed_recipients.join(" or "),
                input.agency,
                input.agency_kind,
                rules.other_requests
            )));
        }
        let query = serde_json::to_string(&input.query)
            .map_err(|e| StoreError::Invalid(format!("encoding the query: {e}")))?;
        let id = new_id();
        let now = Utc::now();
        let tx = self
            .conn
            .transaction()
            .context("recording a release request")?;
        tx.execute(
            "INSERT INTO release_requests (id, at_ms, recorded_by, agency, agency_kind, requester,
                purpose, case_number, query, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending')",
            params![
                id.as_bytes(),
                ms(now),
                by.user(),
                input.agency.trim(),
                input.agency_kind,
                input.requester.trim(),
                input.purpose.trim(),
                input.case_number.trim(),
                query,
            ],
        )
        .context("recording a release request")?;
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action: "release.request",
                object_kind: "release-request",
                object_id: &id.to_string(),
                detail: &format!("from {} ({})", input.agency.trim(), input.requester.trim()),
            },
            now,
        )
        .context("auditing the release request")?;
        tx.commit().context("recording a release request")?;
        Ok(id)
    }

    /// A request on file.
    pub fn release_request(&self, id: Uuid) -> StoreResult<ReleaseRequest> {
        self.conn
            .query_row(
                "SELECT at_ms, recorded_by, agency, agency_kind, requester, purpose, case_number,
                    query, status, decided_by, decided_at_ms, decision_note, fulfilled_by,
                    fulfilled_at_ms, released FROM release_requests WHERE id = ?1",
                [id.as_bytes()],
                |r| {
                    Ok(ReleaseRequest {
                        id,
                        at: DateTime::from_timestamp_millis(r.get(0)?).unwrap_or_default(),
                        recorded_by: r.get(1)?,
                        agency: r.get(2)?,
                        agency_kind: r.get(3)?,
                        requester: r.get(4)?,
                        purpose: r.get(5)?,
                        case_number: r.get(6)?,
                        query: r.get(7)?,
                        status: r.get(8)?,
                        decided_by: r.get(9)?,
                        decided_at: when(r.get(10)?),
                        decision_note: r.get(11)?,
                        fulfilled_by: r.get(12)?,
                        fulfilled_at: when(r.get(13)?),
                        released: r.get(14)?,
                    })
                },
            )
            .optional()
            .context("reading a release request")?
            .ok_or_else(|| StoreError::Invalid(format!("no release request {id}")))
    }

    /// Requests on file, newest first.
    pub fn release_requests(&self, by: &Session) -> StoreResult<Vec<ReleaseRequest>> {
        let permission = if by.may(Permission::ReleaseDecide) {
            Permission::ReleaseDecide
        } else {
            Permission::ReleaseRequest
        };
        self.require(by, permission)?;
        let ids: Vec<Vec<u8>> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id FROM release_requests ORDER BY at_ms DESC")
                .context("listing release requests")?;
            let rows = stmt
                .query_map([], |r| r.get(0))
                .context("listing release requests")?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .context("listing release requests")?
        };
        let requests = ids
            .iter()
            .map(|id| self.release_request(Uuid::from_slice(id).unwrap_or_default()))
            .collect::<StoreResult<Vec<_>>>()?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "release.list",
            object_kind: "release-request",
            object_id: "",
            detail: &format!("{} requests", requests.len()),
        })?;
        Ok(requests)
    }

    /// The administrator's decision on a pending request.
    pub fn decide_release(
        &mut self,
        by: &Session,
        id: Uuid,
        approve: bool,
        note: &str,
    ) -> StoreResult<ReleaseRequest> {
        self.require(by, Permission::ReleaseDecide)?;
        let request = self.release_request(id)?;
        if request.status != "pending" {
            return Err(StoreError::Invalid(format!(
                "request {id} is already {}",
                request.status
            )));
        }
        if note.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a decision needs a note saying why".into(),
            ));
        }
        let status = if approve { "approved" } else { "denied" };
        let now = Utc::now();
        let tx = self
            .conn
            .transaction()
            .context("deciding a release request")?;
        tx.execute(
            "UPDATE release_requests SET status = ?2, decided_by = ?3, decided_at_ms = ?4,
                decision_note = ?5 WHERE id = ?1",
            params![id.as_bytes(), status, by.user(), ms(now), note.trim()],
        )
        .context("deciding a release request")?;
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action: if approve {
                    "release.approve"
                } else {
                    "release.deny"
                },
                object_kind: "release-request",
                object_id: &id.to_string(),
                detail: note.trim(),
            },
            now,
        )
        .context("auditing the decision")?;
        tx.commit().context("deciding a release request")?;
        self.release_request(id)
    }

    /// Writes what an approved request asked for into `dir` and records what went out.
    pub fn fulfil_release(
        &mut self,
        by: &Session,
        id: Uuid,
        dir: &Path,
    ) -> StoreResult<ExportReport> {
        self.require(by, Permission::ReleaseDecide)?;
        let request = self.release_request(id)?;
        if request.status != "approved" {
            return Err(StoreError::Refused(format!(
                "request {id} is {}: only an approved request is fulfilled",
                request.status
            )));
        }
        let query: ReadQuery = serde_json::from_str(&request.query)
            .map_err(|e| StoreError::Invalid(format!("request {id}'s query: {e}")))?;
        let crime_type = if by.policy().search.crime_type_required {
            "other".to_string()
        } else {
            String::new()
        };
        // The search that finds what goes out is filed under the request's own case number, or
        // under the request when the policy lets a request come without one.
        let case_number = if request.case_number.trim().is_empty() {
            format!("release-request-{id}")
        } else {
            request.case_number.clone()
        };
        let purpose = SearchPurpose {
            case_number,
            reason: format!(
                "release to {} ({}) for {}",
                request.agency, request.requester, request.purpose
            ),
            crime_type,
        };
        let found = self.search_as(by, &query, &purpose, "search.release")?;
        let header = serde_json::json!({
            "kind": "release",
            "request": id,
            "released_by": by.policy().agency.name,
            "to_agency": request.agency,
            "requester": request.requester,
            "purpose": request.purpose,
            "case_number": request.case_number,
            "approved_by": request.decided_by,
            "exported_at": Utc::now(),
        });
        let report = self.export_reads(&found.reads, header, dir)?;
        let released = serde_json::json!({
            "reads": found.reads.iter().map(|r| r.id).collect::<Vec<_>>(),
            "images": report.images,
            "manifest_sha256": report.manifest_sha256,
        })
        .to_string();
        let now = Utc::now();
        let tx = self.conn.transaction().context("recording the release")?;
        tx.execute(
            "UPDATE release_requests SET status = 'fulfilled', fulfilled_by = ?2,
                fulfilled_at_ms = ?3, released = ?4 WHERE id = ?1",
            params![id.as_bytes(), by.user(), ms(now), released],
        )
        .context("recording the release")?;
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action: "release.fulfil",
                object_kind: "release-request",
                object_id: &id.to_string(),
                detail: &format!(
                    "{} reads, {} images; manifest sha256 {}",
                    report.reads, report.images, report.manifest_sha256
                ),
            },
            now,
        )
        .context("auditing the release")?;
        tx.commit().context("recording the release")?;
        Ok(report)
    }
}
