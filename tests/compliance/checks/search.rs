//! Searches of stored reads: what a search needs, what its record holds, how long the record is
//! kept, and what a query cannot name.

use alpr_appliance::policy::Permission;
use alpr_appliance::store::{ReadQuery, SearchPurpose};
use chrono::{Duration, Utc};
use uuid::Uuid;

use super::{Fx, lacks, read_days, reason_of, refused_naming};

/// A stored search record: (user, at ms, case number, reason, crime type, query, result count).
pub type Record = (String, i64, String, String, String, String, i64);

pub fn record(fx: &Fx, id: Uuid) -> Record {
    fx.store
        .connection()
        .query_row(
            "SELECT user_id, at_ms, case_number, reason, crime_type, query, result_count
             FROM searches WHERE id = ?1",
            [id.as_bytes()],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .expect("the search is recorded")
}

fn plate(p: &str) -> ReadQuery {
    ReadQuery {
        plate: Some(p.into()),
        ..Default::default()
    }
}

/// A search without a case number, or with a reason shorter than the policy's minimum, is
/// refused and leaves no record; with both it finds the read and records both.
pub fn search_refused_without_case_number_or_reason(policy_id: &str, case: &str) {
    let mut fx = Fx::new(policy_id);
    let rules = fx.policy.search.clone();
    assert!(rules.case_number_required && rules.reason_required);
    let min = rules.reason_min_chars;
    fx.insert(&[read_days("CASE01", 2, 0, 1)]);
    let det = fx.det.clone();
    let crime = "burglary".to_string();
    let q = plate("CASE01");
    for (purpose, why) in [
        (
            SearchPurpose {
                case_number: " ".into(),
                reason: reason_of(min),
                crime_type: crime.clone(),
            },
            "case or call-for-service number",
        ),
        (
            SearchPurpose {
                case_number: case.into(),
                reason: reason_of(min - 1),
                crime_type: crime.clone(),
            },
            &format!("at least {min}") as &str,
        ),
    ] {
        refused_naming(fx.store.search_reads(&det, &q, &purpose), why);
    }
    assert_eq!(fx.rows("searches"), 0, "a refused search leaves no record");
    let reason = reason_of(min);
    let found = fx
        .store
        .search_reads(
            &det,
            &q,
            &SearchPurpose {
                case_number: case.into(),
                reason: reason.clone(),
                crime_type: crime,
            },
        )
        .expect("case number and a detailed reason");
    assert_eq!(found.reads.len(), 1);
    assert_eq!(found.reads[0].plate, "CASE01");
    let (user, _, c, r, _, _, n) = record(&fx, found.search_id);
    assert_eq!(
        (user.as_str(), c.as_str(), r.as_str(), n),
        ("det", case, reason.as_str(), 1)
    );
    assert_eq!(fx.rows("searches"), 1);
}

/// A search needs a reason of the policy's length; a case number is not needed (or, with
/// `case`, is given and still does not make up for the reason).
pub fn search_refused_without_reason(policy_id: &str, case: Option<&str>) {
    let mut fx = Fx::new(policy_id);
    let rules = fx.policy.search.clone();
    assert!(rules.reason_required);
    assert!(!rules.case_number_required);
    let min = rules.reason_min_chars;
    fx.insert(&[read_days("RSN001", 2, 0, 1)]);
    let det = fx.det.clone();
    let q = plate("RSN001");
    let with = |reason: String| SearchPurpose {
        case_number: case.unwrap_or_default().into(),
        reason,
        crime_type: String::new(),
    };
    refused_naming(
        fx.store.search_reads(&det, &q, &with(String::new())),
        "needs a reason",
    );
    refused_naming(
        fx.store.search_reads(&det, &q, &with("   ".into())),
        "needs a reason",
    );
    refused_naming(
        fx.store.search_reads(&det, &q, &with(reason_of(min - 1))),
        &format!("at least {min}"),
    );
    assert_eq!(fx.rows("searches"), 0, "a refused search leaves no record");
    let reason = reason_of(min);
    let found = fx
        .store
        .search_reads(&det, &q, &with(reason.clone()))
        .expect("a reason of the minimum length");
    assert_eq!(found.reads.len(), 1);
    let (user, _, c, r, _, _, n) = record(&fx, found.search_id);
    assert_eq!(
        (user.as_str(), c.as_str(), r.as_str(), n),
        ("det", case.unwrap_or_default(), reason.as_str(), 1)
    );
}

/// A search needs a crime type from the policy's list; the record holds member, time, crime type,
/// incident number, query and result count.
pub fn search_needs_crime_type_and_incident_number(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let rules = fx.policy.search.clone();
    assert!(rules.crime_type_required && rules.case_number_required);
    assert!(rules.crime_types.iter().any(|c| c == "burglary"));
    assert!(!rules.crime_types.iter().any(|c| c == "jaywalking"));
    fx.insert(&[read_days("CRM001", 2, 0, 1), read_days("CRM002", 3, 0, 2)]);
    let det = fx.det.clone();
    let q = plate("CRM00?");
    let with = |crime: &str| SearchPurpose {
        case_number: "25-00123".into(),
        reason: reason_of(rules.reason_min_chars.max(30)),
        crime_type: crime.into(),
    };
    refused_naming(
        fx.store.search_reads(&det, &q, &with("")),
        "needs a crime type",
    );
    refused_naming(
        fx.store.search_reads(&det, &q, &with("jaywalking")),
        "jaywalking",
    );
    assert_eq!(fx.rows("searches"), 0);
    let t0 = Utc::now().timestamp_millis();
    let found = fx
        .store
        .search_reads(&det, &q, &with("burglary"))
        .expect("burglary, incident 25-00123");
    assert_eq!(found.reads.len(), 2);
    let (user, at, case, _, crime, query, n) = record(&fx, found.search_id);
    assert_eq!(user, "det");
    assert!(at >= t0 && at <= Utc::now().timestamp_millis(), "{at}");
    assert_eq!(
        (case.as_str(), crime.as_str(), n),
        ("25-00123", "burglary", 2)
    );
    let query: serde_json::Value = serde_json::from_str(&query).expect("query JSON");
    assert_eq!(query["plate"], "CRM00?");
}

/// A search record outlives the reads it found: the reads are purged, the record (member, time,
/// case number, reason, query, count) stays until `record_retention_years` have passed.
pub fn search_records_outlive_reads(policy_id: &str, read_age_days: i64) {
    let mut fx = Fx::new(policy_id);
    let max = i64::from(fx.policy.retention.max_days);
    let years = i64::from(fx.policy.search.record_retention_years);
    assert!(years >= 5, "search records kept {years} years");
    // Reads already past retention when the search finds them (no purge has run yet).
    assert!(read_age_days > max);
    fx.insert(&[
        read_days("KEPT01", read_age_days, 0, 1),
        read_days("KEPT02", read_age_days, 1, 2),
    ]);
    let det = fx.det.clone();
    let purpose = fx.purpose();
    let found = fx
        .store
        .search_reads(
            &det,
            &ReadQuery {
                plate: Some("KEPT0?".into()),
                ..Default::default()
            },
            &purpose,
        )
        .expect("search");
    assert_eq!(found.reads.len(), 2);
    let before = record(&fx, found.search_id);
    let admin = fx.admin.clone();
    let purged = fx
        .store
        .purge_expired(Some(&admin), Utc::now())
        .expect("purge");
    assert_eq!(purged.reads, 2, "{purged:?}");
    assert_eq!(fx.rows("reads"), 0, "the reads are gone");
    // The clock cannot be set: a scheduled purge runs as of one day short of the record
    // retention instead.
    let last_day = Utc::now() + Duration::days(years * 365 - 1);
    fx.store
        .purge_expired(None, last_day)
        .expect("scheduled purge years later");
    let after = record(&fx, found.search_id);
    assert_eq!(after, before, "the search record is intact");
    assert_eq!(after.6, 2, "with the count of reads it found");
    assert_eq!(after.2, purpose.case_number);
    assert_eq!(after.3, purpose.reason);
    // No call of the store deletes a search record: none is offered.
}

/// The access record holds the time, the data queried, the member and the purpose; a release
/// fulfilment records the receiving agency.
pub fn access_record_has_time_query_user_purpose(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    fx.insert(&[read_days("7ABC123", 3, 0, 1)]);
    let det = fx.det.clone();
    let reason = reason_of(fx.policy.search.reason_min_chars.max(30));
    let t0 = Utc::now().timestamp_millis();
    let found = fx
        .store
        .search_reads(
            &det,
            &ReadQuery {
                plate: Some("7ABC123".into()),
                ..Default::default()
            },
            &SearchPurpose {
                case_number: String::new(),
                reason: reason.clone(),
                crime_type: String::new(),
            },
        )
        .expect("search");
    let (user, at, _, r, _, query, n) = record(&fx, found.search_id);
    assert_eq!((user.as_str(), r.as_str(), n), ("det", reason.as_str(), 1));
    assert!(at >= t0 && at <= Utc::now().timestamp_millis());
    assert!(query.contains("7ABC123"), "{query}");
    let (object, detail, _) = fx.last_audit("search", "det");
    assert_eq!(object, found.search_id.to_string());
    assert!(detail.contains("1 reads"), "{detail}");

    let admin = fx.admin.clone();
    let request = fx
        .store
        .record_release_request(
            &det,
            &alpr_appliance::store::ReleaseRequestInput {
                agency: "San Diego County Sheriff".into(),
                agency_kind: "law-enforcement".into(),
                requester: "Det. Ortiz".into(),
                purpose: "homicide investigation".into(),
                case_number: "25-7777".into(),
                query: ReadQuery {
                    plate: Some("7ABC123".into()),
                    ..Default::default()
                },
            },
        )
        .expect("request");
    fx.store
        .decide_release(&admin, request, true, "verified")
        .expect("approve");
    let out = fx.path("release");
    fx.store
        .fulfil_release(&admin, request, &out)
        .expect("fulfil");
    let r = fx.store.release_request(request).expect("on file");
    assert_eq!(r.status, "fulfilled");
    assert_eq!(r.agency, "San Diego County Sheriff");
    assert_eq!(r.fulfilled_by.as_deref(), Some("admin"));
    assert!(r.fulfilled_at.is_some());
    let released: serde_json::Value =
        serde_json::from_str(r.released.as_deref().expect("what went out")).expect("JSON");
    assert_eq!(released["reads"].as_array().map(Vec::len), Some(1));
    let reason = fulfilment_search_reason(&fx);
    assert!(reason.contains("San Diego County Sheriff"), "{reason}");
}

/// The reason recorded for the search the latest release fulfilment made.
fn fulfilment_search_reason(fx: &Fx) -> String {
    let (object, _, _) = fx.last_audit("search.release", "admin");
    let id = Uuid::parse_str(&object).expect("search id");
    record(fx, id).3
}

/// A query naming a person's characteristic is refused as an unknown field; the fields a query
/// has are the plate (whole or partial), the time range, the area and the camera.
pub fn search_has_no_protected_characteristic_field() {
    for field in [
        "race",
        "gender",
        "religion",
        "ethnicity",
        "nationality",
        "disability",
    ] {
        let json = format!(r#"{{"plate": "AB1*", "{field}": "any"}}"#);
        let err = serde_json::from_str::<ReadQuery>(&json)
            .expect_err(field)
            .to_string();
        assert!(err.contains(&format!("unknown field `{field}`")), "{err}");
        // The camera is the car's own device, not a characteristic of a person.
        assert!(
            err.contains("expected one of `plate`, `from`, `to`, `area`, `camera`"),
            "{err}"
        );
    }
    let q: ReadQuery = serde_json::from_str(
        r#"{"plate": "AB?1*", "from": "2025-01-01T00:00:00Z", "to": "2025-02-01T00:00:00Z",
            "area": {"lat": 41.6, "lon": -91.5, "radius_m": 500}, "camera": "front"}"#,
    )
    .expect("every field a query has");
    assert_eq!(q.plate.as_deref(), Some("AB?1*"));
    assert!(q.area.is_some() && q.from.is_some() && q.to.is_some());
}

/// Operators have no `search`; investigators search.
pub fn operators_cannot_search(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    assert!(!fx.policy.grants(fx.ofc.roles(), Permission::Search));
    assert!(fx.policy.grants(fx.det.roles(), Permission::Search));
    fx.insert(&[read_days("OPS001", 2, 0, 1)]);
    let (ofc, det) = (fx.ofc.clone(), fx.det.clone());
    let purpose = SearchPurpose {
        case_number: String::new(),
        reason: reason_of(fx.policy.search.reason_min_chars.max(30)),
        crime_type: String::new(),
    };
    let q = ReadQuery {
        plate: Some("OPS001".into()),
        ..Default::default()
    };
    lacks(
        fx.store.search_reads(&ofc, &q, &purpose),
        &ofc,
        Permission::Search,
    );
    assert_eq!(fx.rows("searches"), 0);
    let found = fx.store.search_reads(&det, &q, &purpose).expect("inv");
    assert_eq!(found.reads.len(), 1);
}

/// Each search records its case or incident number (when given) and its reason.
pub fn search_records_case_number_and_reason(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    fx.insert(&[read_days("REC001", 2, 0, 1)]);
    let det = fx.det.clone();
    let reason = reason_of(fx.policy.search.reason_min_chars.max(30));
    let q = ReadQuery {
        plate: Some("REC001".into()),
        ..Default::default()
    };
    for case in ["25-1234", ""] {
        let found = fx
            .store
            .search_reads(
                &det,
                &q,
                &SearchPurpose {
                    case_number: case.into(),
                    reason: reason.clone(),
                    crime_type: String::new(),
                },
            )
            .expect("search");
        let (user, _, c, r, _, _, n) = record(&fx, found.search_id);
        assert_eq!(
            (user.as_str(), c.as_str(), r.as_str(), n),
            ("det", case, reason.as_str(), 1)
        );
    }
}
