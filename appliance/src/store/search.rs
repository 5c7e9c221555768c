//! Searches of stored reads. A search needs a case (or call-for-service) number, a reason and,
//! where the policy asks, a crime type; each is recorded (who, when, crime type, case number, the
//! query, how many reads it found) and kept for the policy's years whatever happens to the reads.
//!
//! The query names a plate (with `*` and `?`), a time range, an area and a camera, nothing else:
//! there is no field for anything about a person, so no search can be made on one.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::audit::{AuditEntry, append};
use super::reads::{STORED_READ_COLUMNS, StoredRead, stored_read_from_row};
use super::{Context, Session, Store, StoreError, StoreResult, ms};
use crate::model::new_id;
use crate::policy::{Permission, Policy};

/// What to look for. Deliberately only these fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadQuery {
    /// A plate, or part of one: `*` any run of characters, `?` one character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<Area>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
}

/// A circle on the map.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
}

/// Why the search is made; every field is recorded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchPurpose {
    /// Case, incident or call-for-service number.
    pub case_number: String,
    pub reason: String,
    pub crime_type: String,
}

/// A recorded search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchRecord {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub car_id: String,
    pub user_id: String,
    pub case_number: String,
    pub reason: String,
    pub crime_type: String,
    pub query: String,
    pub result_count: i64,
}

/// The most reads one search returns; a search that finds more says so and asks for a narrower one.
pub const SEARCH_LIMIT: usize = 5000;

/// A search's reads and its record.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOutcome {
    pub search_id: Uuid,
    pub reads: Vec<StoredRead>,
    /// More reads matched than `SEARCH_LIMIT`.
    pub truncated: bool,
}

impl SearchPurpose {
    /// Refuses a purpose that does not carry what the policy asks.
    pub fn check(&self, policy: &Policy) -> Result<(), String> {
        let rules = &policy.search;
        if rules.case_number_required && self.case_number.trim().is_empty() {
            return Err("a search needs a case or call-for-service number".into());
        }
        if rules.reason_required {
            let n = self.reason.trim().chars().count();
            if n == 0 {
                return Err("a search needs a reason".into());
            }
            if n < rules.reason_min_chars {
                return Err(format!(
                    "the reason is {n} characters; the {} policy asks for a detailed reason of at least {}",
                    policy.agency.id, rules.reason_min_chars
                ));
            }
        }
        let crime = self.crime_type.trim();
        if rules.crime_type_required && crime.is_empty() {
            return Err(format!(
                "a search needs a crime type: one of {}",
                rules.crime_types.join(", ")
            ));
        }
        if !crime.is_empty() && !rules.crime_types.iter().any(|c| c == crime) {
            return Err(format!(
                "crime type {crime:?}: one of {}",
                rules.crime_types.join(", ")
            ));
        }
        Ok(())
    }
}

impl ReadQuery {
    /// The plate as a SQLite GLOB pattern (the same `*` and `?`), or why it is not one.
    fn plate_glob(&self) -> Result<Option<String>, String> {
        let Some(p) = &self.plate else {
            return Ok(None);
        };
        let up: String = p
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_uppercase)
            .collect();
        if up.is_empty() || up.len() > 10 {
            return Err(format!("plate {p:?}: 1 to 10 characters"));
        }
        if let Some(bad) = up
            .chars()
            .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '*' || *c == '?'))
        {
            return Err(format!(
                "plate {p:?}: {bad:?} is not a plate character (0-9, A-Z, `*`, `?`)"
            ));
        }
        if up.chars().all(|c| c == '*') {
            return Err(format!(
                "plate {p:?}: give at least one known character, or leave the plate out"
            ));
        }
        Ok(Some(up))
    }

    fn check(&self) -> Result<(), String> {
        self.plate_glob()?;
        if let (Some(f), Some(t)) = (self.from, self.to)
            && f > t
        {
            return Err(format!("the time range ends ({t}) before it starts ({f})"));
        }
        if let Some(a) = self.area {
            if !(-90.0..=90.0).contains(&a.lat) || !(-180.0..=180.0).contains(&a.lon) {
                return Err(format!("area centre {},{} is not on Earth", a.lat, a.lon));
            }
            if !(a.radius_m > 0.0 && a.radius_m <= 100_000.0) {
                return Err(format!(
                    "area radius {} m: more than 0 and at most 100 km",
                    a.radius_m
                ));
            }
        }
        if self.plate.is_none() && self.from.is_none() && self.to.is_none() && self.area.is_none() {
            return Err("a search needs a plate, a time range or an area".into());
        }
        Ok(())
    }
}

fn metres_between(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * a.sqrt().asin()
}

impl Store {
    /// Searches stored reads for `purpose`. Refused without the policy's case number, reason and
    /// crime type; the search is recorded (and audited) with how many reads it found.
    pub fn search_reads(
        &mut self,
        by: &Session,
        query: &ReadQuery,
        purpose: &SearchPurpose,
    ) -> StoreResult<SearchOutcome> {
        self.require(by, Permission::Search)?;
        self.search_as(by, query, purpose, "search")
    }

    /// A search made as part of another job (a legal hold, a release): the same record, with
    /// `action` naming the job.
    pub(crate) fn search_as(
        &mut self,
        by: &Session,
        query: &ReadQuery,
        purpose: &SearchPurpose,
        action: &str,
    ) -> StoreResult<SearchOutcome> {
        purpose.check(by.policy()).map_err(StoreError::Refused)?;
        query.check().map_err(StoreError::Invalid)?;
        let glob = query.plate_glob().map_err(StoreError::Invalid)?;
        // A box around the circle narrows the rows; the distance decides.
        let (lat_lo, lat_hi, lon_lo, lon_hi) = match query.area {
            Some(a) => {
                let dlat = a.radius_m / 111_000.0;
                let dlon = a.radius_m / (111_000.0 * a.lat.to_radians().cos().max(0.01));
                (a.lat - dlat, a.lat + dlat, a.lon - dlon, a.lon + dlon)
            }
            None => (-91.0, 91.0, -181.0, 181.0),
        };
        let mut reads = Vec::new();
        let mut truncated = false;
        {
            let mut stmt = self
                .conn
                .prepare(&format!(
                    "SELECT {STORED_READ_COLUMNS} FROM reads r
                     WHERE (?1 IS NULL OR r.plate GLOB ?1)
                       AND r.captured_at_ms >= ?2 AND r.captured_at_ms <= ?3
                       AND (?4 = 0 OR (r.lat BETWEEN ?5 AND ?6 AND r.lon BETWEEN ?7 AND ?8))
                       AND (?9 IS NULL OR r.camera = ?9)
                     ORDER BY r.captured_at_ms, r.id"
                ))
                .context("preparing the search")?;
            let mut rows = stmt
                .query(params![
                    glob,
                    query.from.map(ms).unwrap_or(i64::MIN),
                    query.to.map(ms).unwrap_or(i64::MAX),
                    query.area.is_some(),
                    lat_lo,
                    lat_hi,
                    lon_lo,
                    lon_hi,
                    query.camera,
                ])
                .context("searching reads")?;
            while let Some(row) = rows.next().context("searching reads")? {
                let read = stored_read_from_row(row).context("reading a found read")?;
                if let Some(a) = query.area {
                    match (read.lat, read.lon) {
                        (Some(lat), Some(lon))
                            if metres_between(a.lat, a.lon, lat, lon) <= a.radius_m => {}
                        _ => continue,
                    }
                }
                if reads.len() == SEARCH_LIMIT {
                    truncated = true;
                    break;
                }
                reads.push(read);
            }
        }
        let search_id = new_id();
        let query_json = serde_json::to_string(query).unwrap_or_default();
        let now = Utc::now();
        let tx = self.conn.transaction().context("recording the search")?;
        tx.execute(
            "INSERT INTO searches (id, at_ms, car_id, user_id, case_number, reason, crime_type,
                query, result_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                search_id.as_bytes(),
                ms(now),
                self.car_id,
                by.user(),
                purpose.case_number.trim(),
                purpose.reason.trim(),
                purpose.crime_type.trim(),
                query_json,
                reads.len() as i64,
            ],
        )
        .context("recording the search")?;
        append(
            &tx,
            &self.audit_chain,
            &self.car_id,
            &AuditEntry {
                user: by.user(),
                action,
                object_kind: "search",
                object_id: &search_id.to_string(),
                detail: &format!(
                    "case {}; {} reads found{}",
                    purpose.case_number.trim(),
                    reads.len(),
                    if truncated { " (more not shown)" } else { "" }
                ),
            },
            now,
        )
        .context("auditing the search")?;
        tx.commit().context("recording the search")?;
        Ok(SearchOutcome {
            search_id,
            reads,
            truncated,
        })
    }

    /// One stored read, seen by a member (recorded by read id, never by plate).
    pub fn view_read(&self, by: &Session, id: Uuid) -> StoreResult<StoredRead> {
        let permission = if by.may(Permission::Patrol) {
            Permission::Patrol
        } else {
            Permission::Search
        };
        self.require(by, permission)?;
        let read = self
            .conn
            .query_row(
                &format!("SELECT {STORED_READ_COLUMNS} FROM reads r WHERE r.id = ?1"),
                [id.as_bytes()],
                stored_read_from_row,
            )
            .optional()
            .context("reading a read")?
            .ok_or_else(|| StoreError::Invalid(format!("no read {id}")))?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "read.view",
            object_kind: "read",
            object_id: &id.to_string(),
            detail: "",
        })?;
        Ok(read)
    }

    /// Recorded searches made between `from` and `to`, oldest first (no audit: callers record).
    pub(crate) fn searches_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<SearchRecord>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, at_ms, car_id, user_id, case_number, reason, crime_type, query,
                    result_count FROM searches WHERE at_ms >= ?1 AND at_ms < ?2
                 ORDER BY at_ms, id",
            )
            .context("preparing the search listing")?;
        let rows = stmt
            .query_map(params![ms(from), ms(to)], |r| {
                let id: Vec<u8> = r.get(0)?;
                Ok(SearchRecord {
                    id: Uuid::from_slice(&id).unwrap_or_default(),
                    at: DateTime::from_timestamp_millis(r.get(1)?).unwrap_or_default(),
                    car_id: r.get(2)?,
                    user_id: r.get(3)?,
                    case_number: r.get(4)?,
                    reason: r.get(5)?,
                    crime_type: r.get(6)?,
                    query: r.get(7)?,
                    result_count: r.get(8)?,
                })
            })
            .context("listing searches")?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .context("listing searches")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_has_no_field_for_a_person() {
        for field in ["race", "gender", "religion", "ethnicity", "name", "driver"] {
            let json = format!(r#"{{"plate": "AB*", "{field}": "x"}}"#);
            let err = serde_json::from_str::<ReadQuery>(&json).expect_err(field);
            assert!(err.to_string().contains(field), "{err}");
        }
    }

    #[test]
    fn plate_patterns_become_globs_and_bad_ones_are_named() {
        let q = |p: &str| ReadQuery {
            plate: Some(p.into()),
            ..Default::default()
        };
        assert_eq!(q("ab-1?3*").plate_glob(), Ok(Some("AB1?3*".into())));
        assert!(
            q("AB[1]")
                .plate_glob()
                .expect_err("bracket")
                .contains("'['")
        );
        assert!(q("**").plate_glob().is_err());
    }

    #[test]
    fn distance_is_haversine() {
        let d = metres_between(40.0, -111.0, 40.001, -111.0);
        assert!((d - 111.2).abs() < 0.5, "{d}");
    }
}
