//! Every `alpr` command that reaches stored ALPR data is refused without a login (and with a
//! wrong password, which is recorded), and with a login does its work and is recorded in the
//! audit trail under the member's name.

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use alpr_appliance::model::{ListedPlate, MatchedRead, Priority, Read, new_id};
use alpr_appliance::policy::Policy;
use alpr_appliance::store::{
    AgencyEntryInput, HoldInput, NewMember, ReadQuery, ReleaseRequestInput, Store,
};
use alpr_images::PlateObservation;
use chrono::{Duration, Utc};

mod common;

use common::{PASSWORD, alpr, alpr_as};

fn member(id: &str, role: &str) -> NewMember {
    NewMember {
        id: id.into(),
        display_name: id.into(),
        roles: vec![role.into()],
        password: PASSWORD.into(),
        training_expires: Some(Utc::now() + Duration::days(300)),
        ncic_expires: Some(Utc::now() + Duration::days(300)),
        sworn: true,
    }
}

fn read(plate: &str, days_ago: i64) -> MatchedRead {
    MatchedRead {
        read: Read {
            id: new_id(),
            observation: PlateObservation {
                camera: "front".into(),
                plate: plate.into(),
                state: Some("UT".into()),
                confidence: 0.9,
                captured_at: Utc::now() - Duration::days(days_ago),
                alternatives: vec![],
                plate_crop: None,
                context_image: None,
                ack: None,
            },
            position: None,
        },
        hits: vec![],
    }
}

/// What the commands work on: members, reads (one with a hit), a hold, a pending and an
/// approved release request, a pending agency entry. Returns the ids the commands take.
struct Fixture {
    read: String,
    hit: String,
    hold: String,
    pending_entry: String,
    pending_request: String,
    approved_request: String,
}

fn fixture(data: &Path) -> Fixture {
    let mut s = Store::open(data, "CAR-4").expect("store");
    s.use_policy(Arc::new(Policy::load("clinton").expect("policy")))
        .expect("policy");
    s.add_member(None, &member("admin", "administrator"))
        .expect("admin");
    let admin = s.login("admin", PASSWORD, true, Utc::now()).expect("login");
    for (id, role) in [
        ("det", "investigator"),
        ("ofc", "operator"),
        ("aud", "auditor"),
        ("admin2", "administrator"),
        ("tech", "technician"),
    ] {
        s.add_member(Some(&admin), &member(id, role))
            .expect("member");
    }
    let det = s.login("det", PASSWORD, true, Utc::now()).expect("login");
    let ofc = s.login("ofc", PASSWORD, true, Utc::now()).expect("login");
    let admin2 = s
        .login("admin2", PASSWORD, true, Utc::now())
        .expect("login");
    let reads = [read("KXT482", 2), read("ABC123", 1)];
    s.insert_reads(&reads).expect("reads");
    let entry = |plate: &str| AgencyEntryInput {
        list_id: "bolo".into(),
        listed: ListedPlate {
            plate: plate.into(),
            reason: "ARMED ROBBERY".into(),
            priority: Priority::High,
            expires_at: Some(Utc::now() + Duration::days(5)),
            ..Default::default()
        },
        case_number: "26-77".into(),
        synopsis: "bank robbery, grey sedan".into(),
        requested_by: "Det. Cho".into(),
    };
    let approved = s.enter_agency_entry(&ofc, &entry("KXT482")).expect("entry");
    s.approve_agency_entry(&admin2, approved).expect("approve");
    s.lookback(&admin2, approved)
        .expect("look-back makes a hit");
    let pending = s.enter_agency_entry(&ofc, &entry("ZZZ999")).expect("entry");
    let hit = s.recent_hits(&ofc, 1).expect("hits")[0].id;
    let hold = s
        .place_hold(
            &det,
            &HoldInput {
                kind: "warrant".into(),
                case_number: "26-77".into(),
                reference: "SW-1".into(),
                note: String::new(),
            },
            &[reads[0].read.id],
        )
        .expect("hold");
    let request = |s: &mut Store| {
        s.record_release_request(
            &det,
            &ReleaseRequestInput {
                agency: "Layton PD".into(),
                agency_kind: "law-enforcement".into(),
                requester: "Det. Park".into(),
                purpose: "stolen vehicle investigation".into(),
                case_number: "LPD-9".into(),
                query: ReadQuery {
                    plate: Some("KXT*".into()),
                    ..Default::default()
                },
            },
        )
        .expect("request")
    };
    let pending_request = request(&mut s);
    let approved_request = request(&mut s);
    s.decide_release(&admin, approved_request, true, "verified requester")
        .expect("approve");
    s.close().expect("close");
    Fixture {
        read: reads[0].read.id.to_string(),
        hit: hit.to_string(),
        hold: hold.to_string(),
        pending_entry: pending.to_string(),
        pending_request: pending_request.to_string(),
        approved_request: approved_request.to_string(),
    }
}

fn audit_count(data: &Path, user: &str, action: &str) -> i64 {
    let s = Store::open(data, "CAR-4").expect("store");
    let n = s
        .connection()
        .query_row(
            "SELECT count(*) FROM audit_events WHERE user_id = ?1 AND action = ?2",
            [user, action],
            |r| r.get(0),
        )
        .expect("count");
    s.close().expect("close");
    n
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn every_data_command_needs_a_login_and_is_recorded_under_the_member() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("car");
    let f = fixture(&data);
    let list = dir.path().join("list.csv");
    std::fs::write(&list, "plate,state,reason\nQQQ111,UT,stolen vehicle\n").expect("list");
    let out = |name: &str| dir.path().join(name).display().to_string();
    // (member, the command's arguments, the audit action its work is recorded under)
    let commands: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "admin",
            vec![
                "hotlist".into(),
                "import".into(),
                "--list".into(),
                "state".into(),
                "--format".into(),
                "csv".into(),
                list.display().to_string(),
            ],
            "hotlist.import",
        ),
        ("ofc", vec!["hotlist".into(), "ls".into()], "hotlist.list"),
        (
            "ofc",
            vec!["hotlist".into(), "match".into(), "QQQ111".into()],
            "hotlist.try",
        ),
        (
            "ofc",
            vec![
                "hotlist".into(),
                "enter".into(),
                "--plate".into(),
                "7B?C*".into(),
                "--list".into(),
                "bolo".into(),
                "--reason".into(),
                "HOMICIDE".into(),
                "--case".into(),
                "26-88".into(),
                "--synopsis".into(),
                "shooting".into(),
                "--requested-by".into(),
                "Det. Rivera".into(),
                "--expires".into(),
                "2099-01-01".into(),
            ],
            "hotlist.enter",
        ),
        (
            "admin",
            vec!["hotlist".into(), "approve".into(), f.pending_entry.clone()],
            "hotlist.approve",
        ),
        ("admin", vec!["user".into(), "ls".into()], "member.list"),
        (
            "admin",
            vec![
                "user".into(),
                "add".into(),
                "ofc2".into(),
                "--name".into(),
                "Officer Two".into(),
                "--role".into(),
                "operator".into(),
                "--training-until".into(),
                "2099-01-01".into(),
            ],
            "member.add",
        ),
        (
            "admin",
            vec!["user".into(), "deactivate".into(), "ofc2".into()],
            "member.deactivate",
        ),
        (
            "det",
            vec![
                "search".into(),
                "--plate".into(),
                "KXT*".into(),
                "--case".into(),
                "26-77".into(),
                "--reason".into(),
                "robbery suspect vehicle".into(),
                "--crime-type".into(),
                "robbery".into(),
            ],
            "search",
        ),
        (
            "det",
            vec!["read".into(), "show".into(), f.read.clone()],
            "read.view",
        ),
        ("ofc", vec!["hit".into(), "ls".into()], "hit.list"),
        (
            "ofc",
            vec![
                "hit".into(),
                "record".into(),
                f.hit.clone(),
                "--step".into(),
                "plate-characters".into(),
                "--outcome".into(),
                "confirmed".into(),
            ],
            "hit.verify",
        ),
        ("aud", vec!["audit".into(), "verify".into()], "audit.verify"),
        (
            "aud",
            vec!["audit".into(), "log".into(), "--limit".into(), "5".into()],
            "audit.view",
        ),
        (
            "aud",
            vec![
                "audit".into(),
                "sample".into(),
                "--month".into(),
                Utc::now().format("%Y-%m").to_string(),
                "--out".into(),
                out("memo"),
            ],
            "audit.sample",
        ),
        ("admin", vec!["purge".into()], "purge"),
        ("det", vec!["hold".into(), "ls".into()], "hold.list"),
        (
            "det",
            vec![
                "hold".into(),
                "place".into(),
                "--kind".into(),
                "evidence".into(),
                "--case".into(),
                "26-78".into(),
                "--read".into(),
                f.read.clone(),
            ],
            "hold.place",
        ),
        (
            "det",
            vec![
                "evidence".into(),
                "export".into(),
                "--case".into(),
                "26-77".into(),
                "--out".into(),
                out("evidence"),
            ],
            "evidence.export",
        ),
        (
            "det",
            vec!["hold".into(), "release".into(), f.hold.clone()],
            "hold.release",
        ),
        (
            "det",
            vec![
                "release".into(),
                "request".into(),
                "--agency".into(),
                "Ogden PD".into(),
                "--agency-kind".into(),
                "law-enforcement".into(),
                "--requester".into(),
                "Sgt. Day".into(),
                "--purpose".into(),
                "homicide investigation".into(),
                "--plate".into(),
                "ABC*".into(),
            ],
            "release.request",
        ),
        ("admin", vec!["release".into(), "ls".into()], "release.list"),
        (
            "admin",
            vec![
                "release".into(),
                "decide".into(),
                f.pending_request.clone(),
                "--deny".into(),
                "--note".into(),
                "no case number given".into(),
            ],
            "release.deny",
        ),
        (
            "admin",
            vec![
                "release".into(),
                "fulfil".into(),
                f.approved_request.clone(),
                "--out".into(),
                out("release"),
            ],
            "release.fulfil",
        ),
        (
            "aud",
            vec![
                "report".into(),
                "annual".into(),
                "--year".into(),
                Utc::now().format("%Y").to_string(),
                "--out".into(),
                out("report"),
            ],
            "report.annual",
        ),
    ];
    for (user, args, action) in &commands {
        let what = args.join(" ");
        // No login at all.
        let anonymous = alpr()
            .env("ALPR_DATA_DIR", &data)
            .env_remove("ALPR_USER")
            .env("ALPR_PASSWORD", PASSWORD)
            .env("ALPR_ACKNOWLEDGE_PROHIBITED_USES", "true")
            .args(args)
            .output()
            .expect("alpr runs");
        assert!(!anonymous.status.success(), "{what} ran without a login");
        assert!(
            String::from_utf8_lossy(&anonymous.stderr).contains("needs a login"),
            "{what}: {}",
            describe(&anonymous)
        );
        // A wrong password: refused and recorded.
        let failed_before = audit_count(&data, user, "login-failed");
        let wrong = alpr_as(&data, user)
            .env("ALPR_PASSWORD", "not the password at all")
            .args(args)
            .output()
            .expect("alpr runs");
        assert!(!wrong.status.success(), "{what} ran with a wrong password");
        assert_eq!(
            audit_count(&data, user, "login-failed"),
            failed_before + 1,
            "{what}: the failed login is recorded"
        );
        // Without acknowledging the prohibited uses: refused.
        let unacknowledged = alpr_as(&data, user)
            .env_remove("ALPR_ACKNOWLEDGE_PROHIBITED_USES")
            .args(args)
            .output()
            .expect("alpr runs");
        assert!(
            !unacknowledged.status.success(),
            "{what} ran without the acknowledgement"
        );
        // Logged in: done, and recorded under the member.
        let logins_before = audit_count(&data, user, "login");
        let before = audit_count(&data, user, action);
        let done = alpr_as(&data, user)
            .env("ALPR_NEW_PASSWORD", PASSWORD)
            .args(args)
            .output()
            .expect("alpr runs");
        assert!(done.status.success(), "{what}: {}", describe(&done));
        assert_eq!(
            audit_count(&data, user, "login"),
            logins_before + 1,
            "{what}: the login is recorded"
        );
        assert_eq!(
            audit_count(&data, user, action),
            before + 1,
            "{what}: recorded as {action} under {user}"
        );
    }
    // A technician reaches no plate data from the command line.
    for args in [
        vec!["hit", "ls"],
        vec!["hotlist", "ls"],
        vec!["audit", "log"],
    ] {
        let refused = alpr_as(&data, "tech").args(&args).output().expect("runs");
        assert!(!refused.status.success(), "tech ran {args:?}");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("may not"),
            "{}",
            describe(&refused)
        );
    }
    assert!(audit_count(&data, "tech", "refused") >= 3);
}
