//! What a role may do: each permission-guarded action against the policy's grants, the
//! technician's view without plate data, no access without a login, the administrator's own
//! powers, and one login per member.

use std::path::Path;

use alpr_appliance::diagnostics::{Thresholds, selftest};
use alpr_appliance::policy::Permission;
use alpr_appliance::store::{
    AgencyEntryInput, AnnualFigures, AuditFilter, AuditSample, ExportReport, HitSummary, HoldInput,
    LoginError, NewMember, ReadQuery, ReleaseRequestInput, SearchOutcome, SearchPurpose, Session,
    Store, StoreResult, StoredRead,
};
use alpr_tests::agency::{PASSWORD, member};
use chrono::{Datelike, Duration, Utc};
use uuid::Uuid;

use super::{Fx, entry_input, lacks, read_days, refused_naming};

/// What each guarded action returned for one member: allowed, or the refusal.
type Outcome = Result<(), alpr_appliance::store::StoreError>;

fn ok<T>(r: StoreResult<T>) -> Outcome {
    r.map(|_| ())
}

/// For each role and each permission-guarded action: allowed exactly when the policy's role
/// grants the permission; each refusal names the permission and is audited.
pub fn role_permissions_match_policy(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let read = read_days("ROLE01", 1, 0, 1);
    fx.insert(std::slice::from_ref(&read));
    let admin = fx.admin.clone();
    let kind = fx.policy.retention.hold_kinds[0].clone();
    fx.store
        .place_hold(
            &admin,
            &HoldInput {
                kind: kind.clone(),
                case_number: "25-ROLES".into(),
                reference: "REF-1".into(),
                note: "held for the role check".into(),
            },
            &[read.read.id],
        )
        .expect("hold for the export check");
    let sessions = [
        fx.admin.clone(),
        fx.det.clone(),
        fx.ofc.clone(),
        fx.aud.clone(),
        fx.tech.clone(),
    ];
    let request = |case: &str| ReleaseRequestInput {
        agency: "County Sheriff".into(),
        agency_kind: "law-enforcement".into(),
        requester: "Sgt. Lee".into(),
        purpose: "burglary investigation".into(),
        case_number: case.into(),
        query: ReadQuery {
            plate: Some("ROLE01".into()),
            ..Default::default()
        },
    };
    let year = Utc::now().year();
    for (i, s) in sessions.iter().enumerate() {
        // What the action works on, made by a member allowed to make it.
        let entry = fx
            .store
            .enter_agency_entry(&admin, &entry_input("bolo", &format!("ROLE{i}X")))
            .expect("entry to approve");
        let pending = fx
            .store
            .record_release_request(&admin, &request(&format!("25-REQ{i}")))
            .expect("request to decide");
        let approver = if s.user() == "admin" {
            fx.admin2()
        } else {
            s.clone()
        };
        let purpose = fx.purpose();
        let export_dir = fx.path(&format!("export-{}", s.user()));
        let store = &mut fx.store;
        let checks: Vec<(Permission, Outcome)> = vec![
            (Permission::Patrol, ok(store.open_hits(s))),
            (
                Permission::Search,
                ok(store.search_reads(
                    s,
                    &ReadQuery {
                        plate: Some("ROLE01".into()),
                        ..Default::default()
                    },
                    &purpose,
                )),
            ),
            (
                Permission::HotlistView,
                store.record_access(
                    s,
                    Permission::HotlistView,
                    "hotlist.list",
                    "hotlist",
                    "",
                    "",
                ),
            ),
            (
                Permission::HotlistImport,
                store.record_access(
                    s,
                    Permission::HotlistImport,
                    "hotlist.import",
                    "hotlist",
                    "ncic",
                    "",
                ),
            ),
            (
                Permission::HotlistEnter,
                ok(store.enter_agency_entry(s, &entry_input("bolo", &format!("ENTR{i}Y")))),
            ),
            (
                Permission::HotlistApprove,
                ok(store.approve_agency_entry(&approver, entry)),
            ),
            (Permission::UserManage, ok(store.members(s))),
            (
                Permission::AuditView,
                ok(store.audit_records(
                    s,
                    &AuditFilter {
                        limit: Some(1),
                        ..Default::default()
                    },
                )),
            ),
            (
                Permission::Purge,
                ok(store.purge_expired(Some(s), Utc::now())),
            ),
            (
                Permission::HoldManage,
                ok(store.place_hold(
                    s,
                    &HoldInput {
                        kind: kind.clone(),
                        case_number: format!("25-HOLD{i}"),
                        reference: "REF".into(),
                        note: String::new(),
                    },
                    &[read.read.id],
                )),
            ),
            (
                Permission::EvidenceExport,
                ok(store.export_evidence(s, "25-ROLES", &export_dir)),
            ),
            (
                Permission::ReleaseRequest,
                ok(store.record_release_request(s, &request("25-NEW"))),
            ),
            (
                Permission::ReleaseDecide,
                ok(store.decide_release(s, pending, true, "approved: a law enforcement purpose")),
            ),
            (Permission::Report, ok(store.annual_figures(s, year))),
            // `alpr selftest` reads no store data and takes no session; the permission is the
            // check the appliance makes for the technician's screen.
            (
                Permission::Diagnostics,
                store.require(s, Permission::Diagnostics),
            ),
        ];
        for (permission, outcome) in checks {
            let granted = fx.policy.grants(s.roles(), permission);
            let acting = if permission == Permission::HotlistApprove {
                &approver
            } else {
                s
            };
            match (granted, outcome) {
                (true, Ok(())) => {}
                (true, Err(e)) => panic!(
                    "{} ({}) is granted {} by the policy but was refused: {e}",
                    acting.user(),
                    acting.roles().join(","),
                    permission.name()
                ),
                (false, outcome) => lacks(outcome, acting, permission),
            }
        }
        // Every refusal is in the audit trail under the member, naming the permission.
        let refused: Vec<Permission> = ALL
            .iter()
            .copied()
            .filter(|p| !fx.policy.grants(s.roles(), *p))
            .collect();
        for p in refused {
            assert!(
                fx.scalar(
                    "SELECT count(*) FROM audit_events WHERE action = 'refused'
                     AND user_id = ?1 AND object_id = ?2",
                    [s.user(), p.name()],
                ) >= 1,
                "{}'s refusal of {} is not audited",
                s.user(),
                p.name()
            );
        }
    }
}

/// Every permission the policy files can grant.
pub const ALL: &[Permission] = &[
    Permission::Patrol,
    Permission::Search,
    Permission::HotlistView,
    Permission::HotlistImport,
    Permission::HotlistEnter,
    Permission::HotlistApprove,
    Permission::UserManage,
    Permission::AuditView,
    Permission::Purge,
    Permission::HoldManage,
    Permission::EvidenceExport,
    Permission::ReleaseRequest,
    Permission::ReleaseDecide,
    Permission::Report,
    Permission::Diagnostics,
];

/// The technician sees no plate data: reads, hits, lists, searches and the audit trail are
/// refused, and the diagnostics name none of the stored plates.
pub fn technician_sees_no_plate_data(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let plates: Vec<String> = (0..50).map(|i| format!("TQ{i:03}K")).collect();
    let reads: Vec<_> = plates
        .iter()
        .enumerate()
        .map(|(i, p)| read_days(p, 0, i as i64 + 1, i as u8))
        .collect();
    fx.insert(&reads);
    fx.load_list("ncic", &[super::listed(&plates[0], Some("IA"))]);
    fx.hit(&plates[0], Some("IA"));
    let tech = fx.tech.clone();
    let purpose = fx.purpose();
    // The technician's role grants nothing that reaches data in this policy.
    assert!(!fx.policy.touches_data(tech.roles()));
    lacks(
        fx.store.view_read(&tech, reads[0].read.id),
        &tech,
        Permission::Search,
    );
    lacks(fx.store.recent_hits(&tech, 10), &tech, Permission::Patrol);
    lacks(fx.store.open_hits(&tech), &tech, Permission::Patrol);
    lacks(
        fx.store.record_access(
            &tech,
            Permission::HotlistView,
            "hotlist.list",
            "hotlist",
            "",
            "",
        ),
        &tech,
        Permission::HotlistView,
    );
    lacks(
        fx.store.search_reads(
            &tech,
            &ReadQuery {
                plate: Some("TQ*".into()),
                ..Default::default()
            },
            &purpose,
        ),
        &tech,
        Permission::Search,
    );
    lacks(
        fx.store.audit_records(&tech, &AuditFilter::default()),
        &tech,
        Permission::AuditView,
    );
    lacks(fx.store.verify_audit(&tech), &tech, Permission::AuditView);
    assert_eq!(fx.rows("searches"), 0, "no search was recorded");
    fx.store
        .require(&tech, Permission::Diagnostics)
        .expect("the technician's diagnostics");
    // The plates are in the store (so their absence from the diagnostics means something): the 50
    // reads and the read that hit ...
    assert_eq!(fx.rows("reads"), 51);
    let bytes = fx.db_bytes();
    assert!(super::holds(&bytes, &plates[7]));
    // ... and nowhere in what `alpr selftest` says.
    let checks = selftest(&fx.dir, &Thresholds::default(), Utc::now());
    let said = serde_json::to_string(&checks).expect("checks as JSON");
    assert!(
        said.contains("hotlists") && said.contains("database"),
        "{said}"
    );
    for p in &plates {
        assert!(
            !said.contains(p.as_str()),
            "selftest shows plate {p}: {said}"
        );
    }
}

/// Nothing reaches stored data without a member's login: every data call takes a session, which
/// only a successful, acknowledged login gives; refused logins give none and are recorded.
pub fn no_access_without_login(policy_id: &str) {
    // Each of: viewing reads and hits, search, hot-list show, evidence export, audit sample,
    // report takes a `Session` (checked by the compiler: these lines stop compiling if one does
    // not), and `Session` has no public constructor but `Store::login`.
    let _: fn(&Store, &Session, Uuid) -> StoreResult<StoredRead> = Store::view_read;
    let _: fn(&Store, &Session, usize) -> StoreResult<Vec<HitSummary>> = Store::recent_hits;
    let _: fn(&Store, &Session) -> StoreResult<Vec<HitSummary>> = Store::open_hits;
    let _: fn(&mut Store, &Session, &ReadQuery, &SearchPurpose) -> StoreResult<SearchOutcome> =
        Store::search_reads;
    let _: fn(&Store, &Session, Permission, &str, &str, &str, &str) -> StoreResult<()> =
        Store::record_access;
    let _: fn(&mut Store, &Session, &str, &Path) -> StoreResult<ExportReport> =
        Store::export_evidence;
    let _: fn(&mut Store, &Session, &str, Option<u64>, usize) -> StoreResult<AuditSample> =
        Store::sample_searches;
    let _: fn(&mut Store, &Session, i32) -> StoreResult<AnnualFigures> = Store::annual_figures;
    let _: fn(&mut Store, &Session, &AgencyEntryInput) -> StoreResult<Uuid> =
        Store::enter_agency_entry;

    let mut fx = Fx::new(policy_id);
    fx.insert(&[read_days("NOLOG1", 1, 0, 1)]);
    let failed = fx.rows("audit_events WHERE action = 'login-failed'");
    for (id, password, ack) in [
        ("ofc", "not the password at all", true),
        ("nobody", PASSWORD, true),
        ("", "", true),
        ("det", PASSWORD, false),
    ] {
        let r = fx.store.login(id, password, ack, Utc::now());
        assert!(
            matches!(
                r,
                Err(LoginError::BadCredentials | LoginError::NotAcknowledged)
            ),
            "{id:?}: {r:?}"
        );
    }
    assert_eq!(
        fx.rows("audit_events WHERE action = 'login-failed'"),
        failed + 4,
        "every refused login is recorded"
    );
    // A member taken off the roll is refused too.
    let admin = fx.admin.clone();
    fx.store
        .deactivate_member(&admin, "ofc")
        .expect("deactivated");
    let r = fx.store.login("ofc", PASSWORD, true, Utc::now());
    assert!(matches!(r, Err(LoginError::Inactive(_))), "{r:?}");
    // No member is added without an administrator's login.
    refused_naming(
        fx.store
            .add_member(None, &member("walkin", &["administrator"])),
        "needs an administrator's login",
    );
    assert_eq!(fx.rows("users WHERE id = 'walkin'"), 0);
}

/// Member management, the purge and release decisions are the administrator's alone: each other
/// role is refused, naming the permission; the administrator's attempts work and are audited.
pub fn only_administrator_manages_access_and_retention(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    for role in fx.policy.roles.keys() {
        for p in [
            Permission::UserManage,
            Permission::Purge,
            Permission::ReleaseDecide,
        ] {
            assert_eq!(
                fx.policy.grants(std::slice::from_ref(role), p),
                role == "administrator",
                "roles.{role} and {}",
                p.name()
            );
        }
    }
    let admin = fx.admin.clone();
    let request = fx
        .store
        .record_release_request(
            &admin,
            &ReleaseRequestInput {
                agency: "State Patrol".into(),
                agency_kind: "law-enforcement".into(),
                requester: "Tpr. Hale".into(),
                purpose: "stolen vehicle recovery".into(),
                case_number: "25-0042".into(),
                query: ReadQuery {
                    plate: Some("ADM1N".into()),
                    ..Default::default()
                },
            },
        )
        .expect("request on file");
    let later = Utc::now() + Duration::days(700);
    // Setting a role or training goes through `add_member` with the member's id (it updates).
    let new_member = member("new1", &["operator"]);
    let role_change = member("ofc", &["administrator"]);
    let training = NewMember {
        training_expires: Some(later),
        ..member("det", &["investigator"])
    };
    for s in [
        fx.ofc.clone(),
        fx.det.clone(),
        fx.aud.clone(),
        fx.tech.clone(),
    ] {
        for m in [&new_member, &role_change, &training] {
            lacks(fx.store.add_member(Some(&s), m), &s, Permission::UserManage);
        }
        lacks(
            fx.store.purge_expired(Some(&s), Utc::now()),
            &s,
            Permission::Purge,
        );
        lacks(
            fx.store.decide_release(&s, request, true, "looks fine"),
            &s,
            Permission::ReleaseDecide,
        );
    }
    assert_eq!(fx.rows("users WHERE id = 'new1'"), 0);
    let members = fx.store.members(&admin).expect("members");
    let ofc = members.iter().find(|m| m.id == "ofc").expect("ofc");
    assert_eq!(ofc.roles, ["operator"], "no role changed");
    assert_eq!(
        fx.store.release_request(request).expect("request").status,
        "pending"
    );
    assert_eq!(fx.audited("purge", None), 0);

    let added = fx.audited("member.add", Some("admin"));
    fx.store.add_member(Some(&admin), &new_member).expect("add");
    fx.store
        .add_member(Some(&admin), &member("new1", &["investigator"]))
        .expect("role change");
    let trained = NewMember {
        training_expires: Some(later),
        ..member("new1", &["investigator"])
    };
    fx.store
        .add_member(Some(&admin), &trained)
        .expect("training");
    let members = fx.store.members(&admin).expect("members");
    let new1 = members.iter().find(|m| m.id == "new1").expect("new1");
    assert_eq!(new1.roles, ["investigator"]);
    assert_eq!(
        new1.training_expires.map(|t| t.timestamp_millis()),
        Some(later.timestamp_millis())
    );
    assert_eq!(fx.audited("member.add", Some("admin")), added + 3);
    fx.store
        .purge_expired(Some(&admin), Utc::now())
        .expect("purge");
    assert_eq!(fx.audited("purge", Some("admin")), 1);
    let decided = fx
        .store
        .decide_release(&admin, request, true, "law enforcement purpose verified")
        .expect("decision");
    assert_eq!(
        (decided.status.as_str(), decided.decided_by.as_deref()),
        ("approved", Some("admin"))
    );
    assert_eq!(fx.audited("release.approve", Some("admin")), 1);
}

/// One login per member, each action recorded under the member who did it; ids are unique.
pub fn every_user_has_an_individual_login(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let read = read_days("INDV01", 1, 0, 1);
    fx.insert(std::slice::from_ref(&read));
    let op = fx.login("ofc");
    fx.store.view_read(&op, read.read.id).expect("op views");
    let inv = fx.login("det");
    let (_, _, inv_login_at) = fx.last_audit("login", "det");
    let purpose = fx.purpose();
    let found = fx
        .store
        .search_reads(
            &inv,
            &ReadQuery {
                plate: Some("INDV01".into()),
                ..Default::default()
            },
            &purpose,
        )
        .expect("inv searches");
    assert_eq!(found.reads.len(), 1);
    // The view is under op, the search under inv, each with its own login before it.
    let read_id = read.read.id.to_string();
    assert_eq!(
        fx.scalar(
            "SELECT count(*) FROM audit_events WHERE action = 'read.view' AND object_id = ?1
             AND user_id = 'ofc'",
            [&read_id],
        ),
        1
    );
    let search_id = found.search_id.to_string();
    assert_eq!(
        fx.scalar(
            "SELECT count(*) FROM audit_events WHERE action = 'search' AND object_id = ?1
             AND user_id = 'det'",
            [&search_id],
        ),
        1
    );
    let user: String = fx
        .store
        .connection()
        .query_row(
            "SELECT user_id FROM searches WHERE id = ?1",
            [found.search_id.as_bytes()],
            |r| r.get(0),
        )
        .expect("search record");
    assert_eq!(user, "det");
    assert_eq!(
        fx.scalar(
            "SELECT count(*) FROM audit_events WHERE user_id = 'ofc' AND at_ms > ?1",
            [inv_login_at.timestamp_millis()],
        ),
        0,
        "nothing under op after inv's login"
    );
    // The API has no notion of "the car's current session": inv's login does not end op's
    // session object (the screen drops it); what is checked is that actions are attributed.
    // A second member with op's id: the id stays one member's. The store's add is an upsert (it
    // is also how roles and training are changed), so the change must at least be attributed.
    let admin = fx.admin.clone();
    let before = fx.audited("member.add", Some("admin"));
    let second = fx.store.add_member(
        Some(&admin),
        &NewMember {
            display_name: "Another Person".into(),
            ..member("ofc", &["operator"])
        },
    );
    assert_eq!(fx.rows("users WHERE id = 'ofc'"), 1, "one member per id");
    match second {
        Ok(()) => {
            assert_eq!(fx.audited("member.add", Some("admin")), before + 1);
            let (object, _, _) = fx.last_audit("member.add", "admin");
            assert_eq!(object, "ofc", "the change to ofc is on record under admin");
        }
        Err(_) => assert_eq!(fx.audited("member.add", Some("admin")), before),
    }
}
