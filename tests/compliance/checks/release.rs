//! Release requests from other agencies: to whom, with what fields, approved before fulfilment,
//! kept on file.

use alpr_appliance::policy::Permission;
use alpr_appliance::store::{ReadQuery, ReleaseRequestInput};
use chrono::{Duration, Utc};
use uuid::Uuid;

use super::{Fx, exported_read_ids, lacks, read_days, refused_naming, verify_manifest};

/// A complete request for the reads of `plate` from a law enforcement agency.
pub fn request(plate: &str) -> ReleaseRequestInput {
    ReleaseRequestInput {
        agency: "Johnson County Sheriff's Office".into(),
        agency_kind: "law-enforcement".into(),
        requester: "Det. Sgt. Alvarez".into(),
        purpose: "identify the vehicle in a burglary series".into(),
        case_number: "JC-25-0999".into(),
        query: ReadQuery {
            plate: Some(plate.into()),
            ..Default::default()
        },
    }
}

/// Requests from `refused` kinds of agency are refused naming where they go instead
/// (`release.other_requests`); `allowed` kinds are recorded pending.
pub fn release_only_to(policy_id: &str, allowed: &[&str], refused: &[&str], names: &str) {
    let mut fx = Fx::new(policy_id);
    let rules = fx.policy.release.clone();
    let mut file: Vec<&str> = rules
        .allowed_recipients
        .iter()
        .map(String::as_str)
        .collect();
    file.sort_unstable();
    let mut want = allowed.to_vec();
    want.sort_unstable();
    assert_eq!(file, want, "release.allowed_recipients");
    assert!(
        rules.other_requests.contains(names),
        "{}",
        rules.other_requests
    );
    let det = fx.det.clone();
    for kind in refused {
        let text = refused_naming(
            fx.store.record_release_request(
                &det,
                &ReleaseRequestInput {
                    agency_kind: (*kind).into(),
                    agency: "Acme Repossession LLC".into(),
                    ..request("REL001")
                },
            ),
            &rules.other_requests,
        );
        assert!(text.contains(kind), "{text}");
    }
    assert_eq!(fx.rows("release_requests"), 0, "nothing recorded");
    for kind in allowed {
        let id = fx
            .store
            .record_release_request(
                &det,
                &ReleaseRequestInput {
                    agency_kind: (*kind).into(),
                    ..request("REL001")
                },
            )
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        let r = fx.store.release_request(id).expect("on file");
        assert_eq!(
            (
                r.status.as_str(),
                r.agency_kind.as_str(),
                r.recorded_by.as_str()
            ),
            ("pending", *kind, "det")
        );
    }
}

/// Each of the policy's `release.required_fields` left empty in turn is refused by name; with
/// all of them the request is recorded pending.
pub fn release_request_needs_fields(policy_id: &str, fields: &[&str]) {
    let mut fx = Fx::new(policy_id);
    assert_eq!(fx.policy.release.required_fields, fields);
    let det = fx.det.clone();
    for field in fields {
        let mut r = request("REL002");
        match *field {
            "agency" => r.agency = " ".into(),
            "requester" => r.requester = String::new(),
            "purpose" => r.purpose = "  ".into(),
            "case_number" => r.case_number = String::new(),
            other => panic!("no field {other}"),
        }
        refused_naming(
            fx.store.record_release_request(&det, &r),
            &format!("needs the {}", field.replace('_', " ")),
        );
    }
    assert_eq!(fx.rows("release_requests"), 0);
    // Only the required fields filled in.
    let mut minimal = ReleaseRequestInput {
        agency: String::new(),
        requester: String::new(),
        purpose: String::new(),
        case_number: String::new(),
        ..request("REL002")
    };
    let full = request("REL002");
    for field in fields {
        match *field {
            "agency" => minimal.agency = full.agency.clone(),
            "requester" => minimal.requester = full.requester.clone(),
            "purpose" => minimal.purpose = full.purpose.clone(),
            _ => minimal.case_number = full.case_number.clone(),
        }
    }
    let id = fx
        .store
        .record_release_request(&det, &minimal)
        .expect("the required fields");
    let r = fx.store.release_request(id).expect("on file");
    assert_eq!(r.status, "pending");
    assert_eq!(r.agency, full.agency);
}

/// Fulfilment waits for an administrator's approval; an investigator cannot approve; a denied
/// request is never fulfilled; an approved one goes out with a manifest. The request holds only
/// the fields the policy requires (`minimal`), or every field.
pub fn release_fulfilled_only_after_approval(policy_id: &str, minimal: bool) {
    let mut fx = Fx::new(policy_id);
    let read = read_days("RLS123", 2, 0, 1);
    fx.insert(&[read.clone(), read_days("OTHER1", 2, 0, 2)]);
    let (det, admin) = (fx.det.clone(), fx.admin.clone());
    let mut input = request("RLS123");
    if minimal
        && !fx
            .policy
            .release
            .required_fields
            .iter()
            .any(|f| f == "case_number")
    {
        // The policy's written request need not carry a case number.
        input.case_number = String::new();
    }
    let id = fx
        .store
        .record_release_request(&det, &input)
        .expect("request");
    let out = fx.path("release");
    refused_naming(
        fx.store.fulfil_release(&admin, id, &out),
        "only an approved request is fulfilled",
    );
    assert!(!out.exists(), "nothing written");
    assert!(!fx.policy.grants(det.roles(), Permission::ReleaseDecide));
    lacks(
        fx.store.decide_release(&det, id, true, "fine by me"),
        &det,
        Permission::ReleaseDecide,
    );
    assert_eq!(fx.store.release_request(id).expect("r").status, "pending");
    let approved = fx
        .store
        .decide_release(&admin, id, true, "law enforcement purpose verified")
        .expect("approve");
    assert_eq!(
        (approved.status.as_str(), approved.decided_by.as_deref()),
        ("approved", Some("admin"))
    );
    let report = fx
        .store
        .fulfil_release(&admin, id, &out)
        .expect("an approved request is fulfilled");
    assert_eq!(report.reads, 1);
    verify_manifest(&out);
    assert_eq!(exported_read_ids(&out), [read.read.id.to_string()]);
    let done = fx.store.release_request(id).expect("on file");
    assert_eq!(done.status, "fulfilled");
    let released: serde_json::Value =
        serde_json::from_str(done.released.as_deref().expect("released")).expect("JSON");
    assert_eq!(released["manifest_sha256"], report.manifest_sha256);

    let denied = fx
        .store
        .record_release_request(&det, &input)
        .expect("second request");
    fx.store
        .decide_release(&admin, denied, false, "purpose not law enforcement")
        .expect("deny");
    refused_naming(
        fx.store.fulfil_release(&admin, denied, &fx.path("denied")),
        "is denied",
    );
    assert_eq!(
        fx.store.release_request(denied).expect("r").status,
        "denied"
    );
}

/// Approved, denied and fulfilled requests are all still on file, with their decisions, who and
/// when, and what was released, after `days` and a purge.
pub fn release_requests_kept_on_file(policy_id: &str, days: i64) {
    let mut fx = Fx::new(policy_id);
    fx.insert(&[read_days("FIL123", 2, 0, 1)]);
    let (det, admin) = (fx.det.clone(), fx.admin.clone());
    let ids: Vec<Uuid> = (0..3)
        .map(|_| {
            fx.store
                .record_release_request(&det, &request("FIL123"))
                .expect("request")
        })
        .collect();
    fx.store
        .decide_release(&admin, ids[0], true, "approved: verified agency")
        .expect("approve");
    fx.store
        .decide_release(&admin, ids[1], false, "denied: no case")
        .expect("deny");
    fx.store
        .decide_release(&admin, ids[2], true, "approved: verified agency")
        .expect("approve");
    fx.store
        .fulfil_release(&admin, ids[2], &fx.path("out"))
        .expect("fulfil");
    let before: Vec<_> = ids
        .iter()
        .map(|id| fx.store.release_request(*id).expect("on file"))
        .collect();
    // The clock cannot be moved: the purge runs as of `days` later instead.
    let report = fx
        .store
        .purge_expired(Some(&admin), Utc::now() + Duration::days(days))
        .expect("purge");
    assert_eq!(report.reads, 1, "the released read itself is purged");
    let listed = fx.store.release_requests(&admin).expect("requests");
    assert_eq!(listed.len(), 3);
    for (b, id) in before.iter().zip(&ids) {
        let after = fx.store.release_request(*id).expect("still on file");
        assert_eq!(&after, b);
    }
    let statuses: Vec<&str> = before.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["approved", "denied", "fulfilled"]);
    for r in &before {
        assert_eq!(r.decided_by.as_deref(), Some("admin"));
        assert!(r.decided_at.is_some() && r.decision_note.is_some());
    }
    let fulfilled = &before[2];
    assert_eq!(fulfilled.fulfilled_by.as_deref(), Some("admin"));
    assert!(
        fulfilled
            .released
            .as_deref()
            .is_some_and(|r| r.contains("manifest_sha256"))
    );
    // No call of the store deletes a release request: none is offered.
}
