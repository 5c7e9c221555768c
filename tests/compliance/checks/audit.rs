//! The audit trail: hash-chained and checked by `alpr audit verify`, and every access in it with
//! the member, the time, the action and what it was done to.

use alpr_appliance::model::ListedPlate;
use alpr_appliance::policy::Permission;
use alpr_appliance::store::{HoldInput, ReadQuery, ReleaseRequestInput};
use alpr_tests::agency::PASSWORD;
use chrono::{Duration, Utc};

use super::{Fx, Who, entry_input, lacks, read_days};

/// (seq, id, user) of this store's audit records, in chain order.
fn own_chain(fx: &Fx) -> Vec<(i64, Vec<u8>, String)> {
    let conn = fx.store.connection();
    let chain: String = conn
        .query_row("SELECT chain FROM audit_head", [], |r| r.get(0))
        .expect("this store's chain");
    let mut stmt = conn
        .prepare("SELECT seq, id, user_id FROM audit_events WHERE chain = ?1 ORDER BY seq")
        .expect("prepare");
    stmt.query_map([chain], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("records")
        .collect::<Result<Vec<_>, _>>()
        .expect("records")
}

/// 20 audited actions verify; a member id changed in SQL is found at its record; a deleted record
/// is found as a gap; a member without `audit-view` cannot run the check.
pub fn audit_trail_tamper_evident(policy_id: &str, verifier: Who) {
    let mut fx = Fx::new(policy_id);
    let v = fx.session(verifier).clone();
    assert!(
        fx.policy.grants(v.roles(), Permission::AuditView),
        "the policy lets {} verify the trail",
        v.user()
    );
    let reads: Vec<_> = (0..5)
        .map(|i| read_days(&format!("AUD{i}X"), 1, i, i as u8))
        .collect();
    fx.insert(&reads);
    let (ofc, det) = (fx.ofc.clone(), fx.det.clone());
    let purpose = fx.purpose();
    let before = own_chain(&fx).len();
    for _ in 0..10 {
        fx.store
            .record_access(
                &ofc,
                Permission::HotlistView,
                "hotlist.list",
                "hotlist",
                "",
                "",
            )
            .expect("hot-list view");
    }
    for r in &reads {
        fx.store.view_read(&det, r.read.id).expect("view");
        fx.store
            .search_reads(
                &det,
                &ReadQuery {
                    plate: Some(r.read.observation.plate.clone()),
                    ..Default::default()
                },
                &purpose,
            )
            .expect("search");
    }
    let records = own_chain(&fx);
    assert_eq!(records.len() - before, 20, "20 audited actions");
    let ok = fx.store.verify_audit(&v).expect("verify");
    assert!(ok.ok(), "{ok:?}");
    assert!(ok.records >= 20, "{ok:?}");

    // One event's member changed.
    let (seq, id, user) = records[before + 12].clone();
    let conn = fx.store.connection();
    let n = conn
        .execute(
            "UPDATE audit_events SET user_id = 'someone-else' WHERE id = ?1",
            [&id],
        )
        .expect("edit");
    assert_eq!(n, 1);
    let broken = fx.store.verify_audit(&v).expect("verify");
    let first = broken.broken.first().expect("the edit is found");
    assert_eq!(first.seq, seq, "{first:?}");
    assert!(first.problem.contains("edited"), "{first:?}");
    fx.store
        .connection()
        .execute(
            "UPDATE audit_events SET user_id = ?2 WHERE id = ?1",
            (&id, &user),
        )
        .expect("put it back");
    assert!(fx.store.verify_audit(&v).expect("verify").ok());

    // Another deleted.
    let (gone, id, _) = records[before + 5].clone();
    fx.store
        .connection()
        .execute("DELETE FROM audit_events WHERE id = ?1", [&id])
        .expect("delete");
    let broken = fx.store.verify_audit(&v).expect("verify");
    let first = broken.broken.first().expect("the deletion is found");
    assert_eq!(first.seq, gone + 1, "{first:?}");
    assert!(
        first.problem.contains(&format!("record {gone} is missing")),
        "{first:?}"
    );

    // Only members the policy lets read the trail run the check.
    let op = fx.ofc.clone();
    assert!(!fx.policy.grants(op.roles(), Permission::AuditView));
    lacks(fx.store.verify_audit(&op), &op, Permission::AuditView);
}

/// Each access (login, failed login, view, search, export, import, entry, approval, purge, release
/// request, decision, fulfilment) is one audit record with the member, the time, the action and
/// the object, and the trail still verifies.
pub fn every_access_audited_by_name_and_time(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let read = read_days("ACC123", 1, 0, 1);
    let old = read_days("OLD999", i64::from(fx.policy.retention.max_days) + 1, 0, 2);
    fx.insert(&[read.clone(), old]);
    let (admin, det) = (fx.admin.clone(), fx.det.clone());
    let t0 = Utc::now() - Duration::milliseconds(1);
    let mut expected: Vec<(&str, &str, String)> = Vec::new();

    fx.store
        .login("ofc", PASSWORD, true, Utc::now())
        .expect("login");
    expected.push(("login", "ofc", "ofc".into()));
    let _ = fx.store.login("ofc", "not the password", true, Utc::now());
    expected.push(("login-failed", "ofc", "ofc".into()));

    fx.store.view_read(&det, read.read.id).expect("view");
    expected.push(("read.view", "det", read.read.id.to_string()));

    let purpose = fx.purpose();
    let found = fx
        .store
        .search_reads(
            &det,
            &ReadQuery {
                plate: Some("ACC123".into()),
                ..Default::default()
            },
            &purpose,
        )
        .expect("search");
    expected.push(("search", "det", found.search_id.to_string()));

    let kind = fx.policy.retention.hold_kinds[0].clone();
    let hold = fx
        .store
        .place_hold(
            &det,
            &HoldInput {
                kind,
                case_number: "25-EVID".into(),
                reference: "REF-9".into(),
                note: "evidence in a burglary".into(),
            },
            &[read.read.id],
        )
        .expect("hold");
    expected.push(("hold.place", "det", hold.to_string()));
    let dir = fx.path("evidence");
    fx.store
        .export_evidence(&det, "25-EVID", &dir)
        .expect("export");
    expected.push(("evidence.export", "det", "25-EVID".into()));

    // `alpr hotlist import` records the access, then replaces the list.
    fx.store
        .record_access(
            &admin,
            Permission::HotlistImport,
            "hotlist.import",
            "hotlist",
            "ncic",
            "ncic.txt (sha256 ...)",
        )
        .expect("import recorded");
    fx.load_list(
        "ncic",
        &[ListedPlate {
            plate: "NCIC01".into(),
            reason: "STOLEN".into(),
            ..Default::default()
        }],
    );
    expected.push(("hotlist.import", "admin", "ncic".into()));

    let ofc = fx.ofc.clone();
    let entry = fx
        .store
        .enter_agency_entry(&ofc, &entry_input("bolo", "ENT123"))
        .expect("entry");
    expected.push(("hotlist.enter", "ofc", entry.to_string()));
    fx.store
        .approve_agency_entry(&admin, entry)
        .expect("approval");
    expected.push(("hotlist.approve", "admin", entry.to_string()));

    fx.store
        .purge_expired(Some(&admin), Utc::now())
        .expect("purge");
    expected.push(("purge", "admin", String::new()));

    let request = fx
        .store
        .record_release_request(
            &det,
            &ReleaseRequestInput {
                agency: "County Attorney".into(),
                agency_kind: "law-enforcement".into(),
                requester: "Atty. Moss".into(),
                purpose: "prosecution of a burglary".into(),
                case_number: "25-REL".into(),
                query: ReadQuery {
                    plate: Some("ACC123".into()),
                    ..Default::default()
                },
            },
        )
        .expect("request");
    expected.push(("release.request", "det", request.to_string()));
    fx.store
        .decide_release(&admin, request, true, "verified law enforcement purpose")
        .expect("decision");
    expected.push(("release.approve", "admin", request.to_string()));
    let out = fx.path("release");
    fx.store
        .fulfil_release(&admin, request, &out)
        .expect("fulfilment");
    expected.push(("release.fulfil", "admin", request.to_string()));
    let t1 = Utc::now() + Duration::milliseconds(1);

    for (action, user, object) in &expected {
        let (n, at): (i64, i64) = fx
            .store
            .connection()
            .query_row(
                "SELECT count(*), coalesce(max(at_ms), 0) FROM audit_events
                 WHERE action = ?1 AND user_id = ?2 AND object_id = ?3 AND at_ms >= ?4",
                rusqlite::params![action, user, object, t0.timestamp_millis()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("audit query");
        assert_eq!(n, 1, "{action} by {user} on {object:?}: {n} records");
        assert!(
            (t0.timestamp_millis()..=t1.timestamp_millis()).contains(&at),
            "{action} at {at}"
        );
    }
    let aud = fx.aud.clone();
    assert!(fx.store.verify_audit(&aud).expect("verify").ok());
}
