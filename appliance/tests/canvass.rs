//! Canvass mode: an officer starts a canvass under a case number; the reads the car stores until
//! it ends (and only those) are tagged with it, listed by `alpr canvass show`, exported as
//! evidence that `sha256sum -c` verifies, and reach headquarters with their tags. Every action is
//! recorded in the audit trail under the member.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alpr_appliance::model::{MatchedRead, Read, new_id};
use alpr_appliance::policy::Policy;
use alpr_appliance::store::{NewMember, Store};
use alpr_images::{ImageBytes, PlateObservation};
use chrono::{DateTime, Utc};

mod common;

use common::{PASSWORD, Running, add_member, alpr, alpr_as};

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `cmd`, which must succeed; its standard output.
fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("alpr runs");
    assert!(out.status.success(), "{}", describe(&out));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs `cmd`, which must fail; its standard error.
fn refused(cmd: &mut Command) -> String {
    let out = cmd.output().expect("alpr runs");
    assert!(!out.status.success(), "{}", describe(&out));
    String::from_utf8(out.stderr).expect("utf-8")
}

/// `alpr` on the car's store as `user` (the store already names its car).
fn as_member(data: &Path, user: &str) -> Command {
    alpr_as(data, user)
}

fn audit_count(data: &Path, user: &str, action: &str, object_id: &str) -> i64 {
    let s = Store::open(data, "unused").expect("store");
    let n = s
        .connection()
        .query_row(
            "SELECT count(*) FROM audit_events WHERE user_id = ?1 AND action = ?2
                AND object_id = ?3",
            [user, action, object_id],
            |r| r.get(0),
        )
        .expect("count");
    s.close().expect("close");
    n
}

fn read_count(data: &Path) -> u64 {
    let s = Store::open(data, "unused").expect("store");
    let n = s.count("reads").expect("count");
    s.close().expect("close");
    n
}

fn wait_for_reads(data: &Path, want: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n = read_count(data);
        if n == want {
            return;
        }
        assert!(n < want, "more reads than sent: {n} > {want}");
        assert!(
            Instant::now() < deadline,
            "reads did not arrive: {n} of {want}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends one smart-camera line per `(plate, capture time)` to the appliance at `addr`.
fn send(dir: &Path, addr: &str, name: &str, reads: &[(&str, DateTime<Utc>)]) {
    let feed = dir.join(format!("{name}.jsonl"));
    let lines: String = reads
        .iter()
        .map(|(plate, at)| {
            format!(
                "{{\"camera\":\"front\",\"plate\":\"{plate}\",\"state\":\"UT\",\"confidence\":0.9,\"time\":\"{}\"}}\n",
                at.to_rfc3339()
            )
        })
        .collect();
    std::fs::write(&feed, lines).expect("feed");
    ok(alpr()
        .args(["camera", "send", "--speed", "0", "--to", addr])
        .arg(&feed));
}

/// Plates of the reads tagged with `canvass` in the store at `data`, sorted.
fn tagged_plates(data: &Path, canvass: &str) -> Vec<String> {
    let s = Store::open(data, "unused").expect("store");
    let id = uuid::Uuid::parse_str(canvass).expect("canvass id");
    let mut plates: Vec<String> = {
        let mut stmt = s
            .connection()
            .prepare(
                "SELECT r.plate FROM canvass_reads t JOIN reads r ON r.id = t.read_id
                 WHERE t.canvass_id = ?1",
            )
            .expect("query");
        stmt.query_map([id.as_bytes()], |r| r.get::<_, String>(0))
            .expect("tags")
            .collect::<Result<_, _>>()
            .expect("tags")
    };
    s.close().expect("close");
    plates.sort();
    plates
}

/// A car's store with an administrator, an operator (`ofc`), an investigator (`det`) and a
/// technician (`tech`).
fn car_with_members(data: &Path, car_id: &str) {
    Store::open(data, car_id)
        .expect("car store")
        .close()
        .expect("close");
    add_member(data, "admin", "administrator");
    add_member(data, "ofc", "operator");
    add_member(data, "det", "investigator");
    add_member(data, "tech", "technician");
}

#[test]
fn the_appliance_tags_only_reads_taken_while_a_canvass_is_open_and_headquarters_gets_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("car");
    car_with_members(&data, "CAR-7");
    let mut appliance = Running::start(
        alpr()
            .args(["run", "--car-id", "CAR-7", "--camera-listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(&data),
    );
    let addr = appliance.camera_addr.clone();

    // Before the canvass.
    send(dir.path(), &addr, "before", &[("BEFORE1", Utc::now())]);
    wait_for_reads(&data, 1);

    let id = ok(as_member(&data, "ofc").args([
        "canvass",
        "start",
        "--case",
        "26-500",
        "--note",
        "shots fired, 400 block Main",
    ]))
    .trim()
    .to_string();
    let started = Utc::now();
    // One canvass at a time.
    let second = refused(as_member(&data, "ofc").args(["canvass", "start", "--case", "26-501"]));
    assert!(
        second.contains("still open") && second.contains("26-500"),
        "{second}"
    );

    // During: a read captured before the start that arrives late is not tagged; the rest are.
    send(
        dir.path(),
        &addr,
        "during",
        &[
            ("LATE1", started - chrono::Duration::seconds(30)),
            ("DURING1", Utc::now()),
            ("DURING2", Utc::now()),
        ],
    );
    wait_for_reads(&data, 4);
    let ended = ok(as_member(&data, "ofc").args(["canvass", "end"]));
    assert!(ended.contains("2 reads tagged"), "{ended}");

    // After it ends, nothing is tagged, and there is nothing left to end.
    send(dir.path(), &addr, "after", &[("AFTER1", Utc::now())]);
    wait_for_reads(&data, 5);
    let none = refused(as_member(&data, "ofc").args(["canvass", "end"]));
    assert!(none.contains("no canvass is open on CAR-7"), "{none}");
    appliance.sigterm();
    let exit = appliance.child.wait().expect("exit");
    assert!(exit.success(), "{exit:?}");

    assert_eq!(tagged_plates(&data, &id), ["DURING1", "DURING2"]);

    // `show` lists exactly the canvass's reads; `ls` its count and who started and ended it.
    let shown: serde_json::Value = serde_json::from_str(&ok(
        as_member(&data, "ofc").args(["canvass", "show", &id, "--json"])
    ))
    .expect("json");
    let mut plates: Vec<&str> = shown["reads"]
        .as_array()
        .expect("reads")
        .iter()
        .map(|r| r["plate"].as_str().expect("plate"))
        .collect();
    plates.sort();
    assert_eq!(plates, ["DURING1", "DURING2"], "{shown}");
    assert_eq!(shown["canvass"]["case_number"], "26-500");
    let text = ok(as_member(&data, "ofc").args(["canvass", "show", &id]));
    assert!(
        text.contains("DURING1") && !text.contains("LATE1"),
        "{text}"
    );
    let listed: serde_json::Value = serde_json::from_str(&ok(
        as_member(&data, "ofc").args(["canvass", "ls", "--json"])
    ))
    .expect("json");
    let list = listed.as_array().expect("a list");
    assert_eq!(list.len(), 1, "{listed}");
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["reads"], 2);
    assert_eq!(list[0]["car_id"], "CAR-7");
    assert_eq!(list[0]["started_by"], "ofc");
    assert_eq!(list[0]["ended_by"], "ofc");
    assert_eq!(list[0]["note"], "shots fired, 400 block Main");

    // Each action is in the audit trail under the member, on the canvass.
    for action in ["canvass.start", "canvass.end"] {
        assert_eq!(audit_count(&data, "ofc", action, &id), 1, "{action}");
    }
    // `show` twice: the canvass and its reads, each time.
    for action in ["canvass.show", "canvass.view"] {
        assert_eq!(audit_count(&data, "ofc", action, &id), 2, "{action}");
    }
    assert_eq!(audit_count(&data, "ofc", "canvass.list", ""), 1);
    assert_eq!(
        audit_count(&data, "ofc", "refused", &id),
        1,
        "the refused second start is recorded"
    );

    // Headquarters gets the canvass, its tags and its audit records through the ordinary sync.
    let hq = dir.path().join("hq");
    let synced = ok(alpr()
        .args(["hq", "sync", "--car"])
        .arg(&data)
        .arg("--hq")
        .arg(&hq));
    assert!(synced.contains("synced:"), "{synced}");
    assert_eq!(tagged_plates(&hq, &id), ["DURING1", "DURING2"]);
    let s = Store::open(&hq, "HQ").expect("hq store");
    let (case, car, by, ended): (String, String, String, Option<i64>) = s
        .connection()
        .query_row(
            "SELECT case_number, car_id, started_by, ended_at_ms FROM canvasses WHERE id = ?1",
            [uuid::Uuid::parse_str(&id).expect("id").as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("the canvass is at headquarters");
    assert_eq!(
        (case.as_str(), car.as_str(), by.as_str()),
        ("26-500", "CAR-7", "ofc")
    );
    assert!(ended.is_some(), "its end too");
    // Headquarters runs no canvass of its own because of a car's.
    assert!(s.active_canvass().expect("active").is_none());
    s.close().expect("close");
    assert_eq!(audit_count(&hq, "ofc", "canvass.start", &id), 1);
}

fn jpeg(tag: u8) -> Vec<u8> {
    vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, tag, 0xFF, 0xD9,
    ]
}

fn read_with_images(plate: &str, at: DateTime<Utc>, tag: u8) -> MatchedRead {
    MatchedRead {
        read: Read {
            id: new_id(),
            observation: PlateObservation {
                camera: "front".into(),
                plate: plate.into(),
                state: Some("UT".into()),
                confidence: 0.9,
                captured_at: at,
                alternatives: vec![],
                plate_crop: Some(ImageBytes(jpeg(tag))),
                context_image: Some(ImageBytes(jpeg(tag.wrapping_add(100)))),
                ack: None,
            },
            position: None,
        },
        hits: vec![],
    }
}

fn insert(data: &Path, reads: &[MatchedRead]) {
    let mut s = Store::open(data, "unused").expect("store");
    s.insert_reads(reads).expect("reads");
    s.close().expect("close");
}

fn sha256sum_check(dir: &Path) -> Output {
    Command::new("sha256sum")
        .args(["-c", "MANIFEST.sha256"])
        .current_dir(dir)
        .output()
        .expect("sha256sum runs")
}

#[test]
fn a_canvass_exports_as_evidence_that_sha256sum_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("car");
    car_with_members(&data, "CAR-4");
    insert(
        &data,
        &[read_with_images(
            "BEFORE1",
            Utc::now() - chrono::Duration::minutes(2),
            1,
        )],
    );
    let id = ok(as_member(&data, "ofc").args(["canvass", "start", "--case", "26-77"]))
        .trim()
        .to_string();
    insert(
        &data,
        &[
            read_with_images("DURING1", Utc::now(), 2),
            read_with_images("DURING2", Utc::now(), 3),
        ],
    );
    ok(as_member(&data, "ofc").args(["canvass", "end", &id]));
    insert(&data, &[read_with_images("AFTER1", Utc::now(), 4)]);

    // An operator may see the reads but not export them as evidence.
    let out = dir.path().join("evidence");
    let no = refused(
        as_member(&data, "ofc")
            .args(["canvass", "export", &id, "--out"])
            .arg(&out),
    );
    assert!(no.contains("evidence-export"), "{no}");
    assert!(!out.join("MANIFEST.sha256").exists());

    let said = ok(as_member(&data, "det")
        .args(["canvass", "export", &id, "--out"])
        .arg(&out));
    assert!(said.contains("2 reads and 4 images"), "{said}");
    let check = sha256sum_check(&out);
    assert!(check.status.success(), "{}", describe(&check));
    let manifest = std::fs::read_to_string(out.join("MANIFEST.sha256")).expect("manifest");
    assert_eq!(
        manifest.lines().count(),
        5,
        "reads.json and 4 images: {manifest}"
    );
    let body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("reads.json")).expect("reads.json"))
            .expect("json");
    assert_eq!(body["export"]["kind"], "canvass");
    assert_eq!(body["export"]["case_number"], "26-77");
    assert_eq!(body["export"]["exported_by"], "det");
    assert_eq!(body["export"]["canvass"]["id"], id.as_str());
    let plates: Vec<&str> = body["reads"]
        .as_array()
        .expect("reads")
        .iter()
        .map(|r| r["plate"].as_str().expect("plate"))
        .collect();
    assert_eq!(plates, ["DURING1", "DURING2"]);
    assert_eq!(audit_count(&data, "det", "canvass.export", &id), 1);
    assert_eq!(audit_count(&data, "ofc", "canvass.export", &id), 0);

    // The manifest notices an edited file.
    let reads_json = out.join("reads.json");
    let mut edited = std::fs::read(&reads_json).expect("reads.json");
    let at = edited
        .windows(7)
        .position(|w| w == b"DURING1")
        .expect("plate in the file");
    edited[at] = b'X';
    std::fs::write(&reads_json, edited).expect("edit");
    assert!(!sha256sum_check(&out).status.success());

    // A second export into the same folder is refused rather than mixed in.
    let again = refused(
        as_member(&data, "det")
            .args(["canvass", "export", &id, "--out"])
            .arg(&out),
    );
    assert!(again.contains("not empty"), "{again}");
}

#[test]
fn canvass_commands_say_what_was_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("car");
    car_with_members(&data, "CAR-2");
    let blank = refused(as_member(&data, "ofc").args(["canvass", "start", "--case", "  "]));
    assert!(blank.contains("case number"), "{blank}");
    let nothing = refused(as_member(&data, "ofc").args(["canvass", "end"]));
    assert!(nothing.contains("no canvass is open"), "{nothing}");
    let unknown = new_id().to_string();
    let missing = refused(as_member(&data, "ofc").args(["canvass", "show", &unknown]));
    assert!(
        missing.contains(&format!("no canvass {unknown}")),
        "{missing}"
    );
    // A technician sees no plate data, and may not start one.
    let tech = refused(as_member(&data, "tech").args(["canvass", "ls"]));
    assert!(tech.contains("may not"), "{tech}");
    let tech = refused(as_member(&data, "tech").args(["canvass", "start", "--case", "26-9"]));
    assert!(tech.contains("may not patrol"), "{tech}");
    // No login, no canvass.
    let anonymous = refused(alpr().env("ALPR_DATA_DIR", &data).args(["canvass", "ls"]));
    assert!(anonymous.contains("needs a login"), "{anonymous}");
    let s = Store::open(&data, "unused").expect("store");
    assert_eq!(s.count("canvasses").expect("count"), 0, "nothing started");
    s.close().expect("close");
}

/// The store API the touchscreen uses: one canvass at a time, and reads in a batch split at its
/// start by capture time.
#[test]
fn the_store_tags_a_batch_by_capture_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open(dir.path(), "CAR-3").expect("store");
    s.use_policy(Arc::new(Policy::load("clinton").expect("policy")))
        .expect("policy");
    let member = |id: &str, role: &str| NewMember {
        id: id.into(),
        display_name: id.into(),
        roles: vec![role.into()],
        password: PASSWORD.into(),
        training_expires: Some(Utc::now() + chrono::Duration::days(30)),
        ncic_expires: Some(Utc::now() + chrono::Duration::days(30)),
        sworn: true,
    };
    s.add_member(None, &member("admin", "administrator"))
        .expect("admin");
    let admin = s.login("admin", PASSWORD, true, Utc::now()).expect("login");
    s.add_member(Some(&admin), &member("ofc", "operator"))
        .expect("ofc");
    let ofc = s.login("ofc", PASSWORD, true, Utc::now()).expect("login");
    let c = s.start_canvass(&ofc, "26-3", "").expect("start");
    assert!(
        s.start_canvass(&admin, "26-4", "").is_err(),
        "one at a time"
    );
    let at = c.started_at;
    s.insert_reads(&[
        read_with_images("EARLY1", at - chrono::Duration::milliseconds(1), 1),
        read_with_images("EXACT1", at, 2),
        read_with_images("LATER1", at + chrono::Duration::minutes(1), 3),
    ])
    .expect("reads");
    let shown: Vec<String> = s
        .canvass_reads(&ofc, c.id, 10)
        .expect("reads")
        .into_iter()
        .map(|r| r.plate)
        .collect();
    assert_eq!(
        shown,
        ["LATER1", "EXACT1"],
        "newest first, from the start on"
    );
    assert_eq!(s.canvass_reads(&ofc, c.id, 1).expect("reads").len(), 1);
    let ended = s.end_canvass(&ofc, c.id).expect("end");
    assert_eq!(ended.reads, 2);
    assert_eq!(ended.ended_by.as_deref(), Some("ofc"));
    let next = s
        .start_canvass(&admin, "26-4", "")
        .expect("a new one after the end");
    assert_eq!(
        s.active_canvass().expect("active").map(|a| a.id),
        Some(next.id)
    );
    s.close().expect("close");
}
