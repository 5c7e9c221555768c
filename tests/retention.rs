//! Retention under a seed policy: a purge leaves no trace of the purged plates in the database
//! file, its WAL or the image folder; held reads stay and export as evidence; and a merge from a
//! store that still holds the purged reads does not bring them back.

use std::path::Path;

use alpr_appliance::model::MatchedRead;
use alpr_appliance::store::{HoldInput, Store};
use alpr_images::ImageBytes;
use alpr_sync::{apply_changes, changes_since, pull};
use alpr_tests::agency::Agency;
use alpr_tests::{jpeg_bytes, unmatched};
use chrono::{Duration, Utc};

/// A read of `plate` `days` ago whose plate crop carries the plate's text in its bytes, so the
/// image folder can be searched for it too.
fn read_with_image(plate: &str, days: i64, tag: u8) -> MatchedRead {
    let mut m = unmatched(plate, Utc::now() - Duration::days(days));
    let mut bytes = jpeg_bytes(tag);
    bytes.splice(4..4, plate.bytes());
    m.read.observation.plate_crop = Some(ImageBytes(bytes));
    m
}

/// Every file under `dir`, and whether `needle` occurs in any of them.
fn found_in(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("read file");
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    hits.push(p.display().to_string());
                }
            }
        }
    }
    hits
}

#[test]
fn clinton_426_3_purge_after_nine_months_leaves_no_trace_and_is_not_undone_by_merge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut car = Agency::new(dir.path(), "clinton", "CAR-1");
    let purged: Vec<String> = (0..5).map(|i| format!("PRGD{i:03}")).collect();
    let mut reads: Vec<MatchedRead> = purged
        .iter()
        .enumerate()
        .map(|(i, p)| read_with_image(p, 280, i as u8))
        .collect();
    let held = read_with_image("HELD777", 300, 50);
    let recent = read_with_image("KEEP888", 200, 51);
    reads.push(held.clone());
    reads.push(recent.clone());
    car.store.insert_reads(&reads).expect("reads stored");
    let hold = HoldInput {
        kind: "warrant".into(),
        case_number: "26-1234".into(),
        reference: "SW-2026-88".into(),
        note: "search warrant for the vehicle".into(),
    };
    car.store
        .place_hold(&car.det, &hold, &[held.read.id])
        .expect("hold placed");
    // Headquarters has everything before the purge, as it would after the car's last sync.
    let mut hq = Store::open(&dir.path().join("HQ"), "HQ").expect("hq store");
    pull(car.store.connection(), hq.connection_mut(), 1000).expect("car to hq");
    assert_eq!(hq.count("reads").expect("count"), 7);

    let refused = car.store.purge_expired(Some(&car.ofc), Utc::now());
    assert!(refused.is_err(), "an operator does not run purges");
    let report = car
        .store
        .purge_expired(Some(&car.admin), Utc::now())
        .expect("purge");
    assert_eq!(
        (report.reads, report.held, report.images),
        (5, 1, 5),
        "{report:?}"
    );
    assert_eq!(car.store.count("reads").expect("count"), 2);
    assert_eq!(car.audited("purge", Some("admin")), 1);

    // Nothing of the purged plates anywhere in the car's files; the kept ones are still there,
    // so the search itself can find a plate.
    let data = car.dir.clone();
    let evidence = dir.path().join("evidence");
    car.store
        .export_evidence(&car.det, "26-1234", &evidence)
        .expect("evidence export");
    let Agency { store, .. } = car;
    store.close().expect("close");
    for plate in &purged {
        assert_eq!(
            found_in(&data, plate),
            Vec::<String>::new(),
            "{plate} left behind"
        );
    }
    assert!(
        !found_in(&data, "HELD777").is_empty(),
        "the held read stays"
    );
    assert!(
        !found_in(&data, "KEEP888").is_empty(),
        "the recent read stays"
    );
    assert!(!found_in(&evidence, "HELD777").is_empty());
    let manifest = std::fs::read_to_string(evidence.join("MANIFEST.sha256")).expect("manifest");
    for line in manifest.lines() {
        let (sha, name) = line.split_once("  ").expect("sha256sum format");
        let bytes = std::fs::read(evidence.join(name)).expect("listed file");
        assert_eq!(alpr_appliance::sha256_hex(&bytes), sha, "{name}");
    }

    // A merge of everything headquarters holds, with nothing left out, brings nothing back.
    let mut car = Store::open(&data, "CAR-1").expect("reopen");
    let everything = changes_since(hq.connection(), 0, None, usize::MAX).expect("hq changes");
    let tx = car.connection_mut().transaction().expect("tx");
    apply_changes(&tx, &everything).expect("merge");
    tx.commit().expect("commit");
    assert_eq!(
        car.count("reads").expect("count"),
        2,
        "purged reads came back"
    );

    // Headquarters purges its copies on its own schedule; the car's store, which still holds
    // none of them but sends all it has again, does not bring them back there either.
    hq.use_policy(std::sync::Arc::new(
        alpr_appliance::policy::Policy::load("clinton").expect("policy"),
    ))
    .expect("hq policy");
    let hq_report = hq.purge_expired(None, Utc::now()).expect("hq purge");
    assert_eq!(
        (hq_report.reads, hq_report.held),
        (5, 1),
        "the car's hold reached headquarters with the reads"
    );
    hq.connection()
        .execute("DELETE FROM alpr_sync_received", [])
        .expect("forget watermarks");
    pull(car.connection(), hq.connection_mut(), 1000).expect("car to hq again");
    assert_eq!(
        hq.count("reads").expect("count"),
        2,
        "the held and the recent read"
    );
    car.close().expect("close");
    hq.close().expect("close");
}

#[test]
fn a_car_that_syncs_purges_only_what_headquarters_has_acknowledged() {
    use alpr_appliance::sync_rules;
    use alpr_sync::{apply_incoming, outgoing, record_acked};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut car = Agency::new(dir.path(), "clinton", "CAR-1");
    let old: Vec<MatchedRead> = (0..3)
        .map(|i| unmatched(&format!("OLD{i}"), Utc::now() - Duration::days(280)))
        .collect();
    car.store.insert_reads(&old).expect("reads");
    car.store
        .set_syncs_with_hq("hq.example:8443")
        .expect("sync configured");
    let report = car.store.purge_expired(None, Utc::now()).expect("purge");
    assert_eq!(
        (report.reads, report.unsent),
        (0, 3),
        "nothing leaves before HQ has it"
    );

    let mut hq = Store::open(&dir.path().join("HQ"), "HQ").expect("hq");
    let hq_site = hq.connection().site_id().expect("site");
    let mut after = 0;
    while let Some(b) = outgoing(
        car.store.connection(),
        &sync_rules::car(),
        "bulk",
        &hq_site,
        alpr_sync::Resume::after(after),
        1 << 20,
    )
    .expect("outgoing")
    {
        after = apply_incoming(hq.connection_mut(), &sync_rules::hq(), b)
            .expect("applied at HQ")
            .through;
        record_acked(car.store.connection(), &hq_site, "bulk", after).expect("acked");
    }
    let report = car.store.purge_expired(None, Utc::now()).expect("purge");
    assert_eq!((report.reads, report.unsent), (3, 0));
    assert_eq!(
        car.store.reads_awaiting_hq(270, Utc::now()).expect("count"),
        0
    );
    assert_eq!(hq.count("reads").expect("count"), 3, "HQ keeps its copies");
    hq.close().expect("close");
}
