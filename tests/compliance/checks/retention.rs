//! Retention: the purge of reads past `retention.max_days` (unrecoverably, by itself), the legal
//! holds that keep reads longer, and the export of held reads as evidence.

use std::path::PathBuf;

use alpr_appliance::policy::Policy;
use alpr_appliance::store::HoldInput;
use alpr_images::ImageFormat;
use chrono::{Datelike, Duration, Utc};
use uuid::Uuid;

use super::{Fx, exported_read_ids, holds, read_aged, read_days, refused_naming, verify_manifest};

fn hold(kind: &str, case: &str) -> HoldInput {
    HoldInput {
        kind: kind.into(),
        case_number: case.into(),
        reference: format!("{kind}-REF-1"),
        note: format!("held under a {kind}"),
    }
}

fn read_ids(fx: &Fx) -> Vec<Uuid> {
    let mut stmt = fx
        .store
        .connection()
        .prepare("SELECT id FROM reads ORDER BY captured_at_ms")
        .expect("prepare");
    stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))
        .expect("ids")
        .map(|id| Uuid::from_slice(&id.expect("id")).expect("uuid"))
        .collect()
}

/// Reads aged `max_days` minus an hour and plus an hour: the purge takes the older only, leaves
/// no plate text in the database, audits its count, and (with `yearly_count`) the yearly report
/// still counts the purged read.
pub fn purge_after_max_days(policy_id: &str, yearly_count: bool) {
    let mut fx = Fx::new(policy_id);
    let max = i64::from(fx.policy.retention.max_days);
    let young = read_aged("YNG4721", Duration::days(max) - Duration::hours(1), 1);
    let old = read_aged("OLD4721", Duration::days(max) + Duration::hours(1), 2);
    fx.insert(&[young.clone(), old.clone()]);
    let admin = fx.admin.clone();
    let report = fx
        .store
        .purge_expired(Some(&admin), Utc::now())
        .expect("purge");
    assert_eq!(
        (report.reads, report.held, report.images),
        (1, 0, 2),
        "{report:?}"
    );
    assert_eq!(read_ids(&fx), [young.read.id], "the younger read is kept");
    let (_, detail, _) = fx.last_audit("purge", "admin");
    assert!(
        detail.contains(&format!("retention {max} days")) && detail.contains(": 1 reads"),
        "{detail}"
    );
    let bytes = fx.db_bytes();
    assert!(
        !holds(&bytes, "OLD4721"),
        "the purged plate is still in alpr.db"
    );
    assert!(
        holds(&bytes, "YNG4721"),
        "the kept plate is (so the search works)"
    );
    assert!(
        super::files_holding(&fx.dir.join("images"), b"OLD4721").is_empty(),
        "the purged images are gone"
    );
    if yearly_count {
        let year = old.read.observation.captured_at.year();
        let f = fx.store.annual_figures(&admin, year).expect("figures");
        assert_eq!(f.purged_reads, 1, "{f:?}");
        let expected_reads = if young.read.observation.captured_at.year() == year {
            2
        } else {
            1
        };
        assert_eq!(
            f.reads(),
            expected_reads,
            "purged reads still counted: {f:?}"
        );
    }
}

/// A read past retention, with a hard link kept to each of its images: after the purge no row,
/// the linked files read as zeros, and no trace of the plate in `alpr.db` or its WAL.
pub fn purge_is_unrecoverable(policy_id: &str, age_days: i64) {
    let mut fx = Fx::new(policy_id);
    assert!(age_days > i64::from(fx.policy.retention.max_days));
    let read = read_days("ZQX9K7W", age_days, 0, 7);
    fx.insert(std::slice::from_ref(&read));
    let (crop, context): (Option<String>, Option<String>) = fx
        .store
        .connection()
        .query_row(
            "SELECT plate_image_sha256, context_image_sha256 FROM reads",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the read's images");
    let links: Vec<PathBuf> = [crop, context]
        .into_iter()
        .enumerate()
        .map(|(i, sha)| {
            let sha = sha.expect("an image");
            let path = fx.store.images().path_of(&sha, ImageFormat::Jpeg);
            let link = fx.path(&format!("kept-link-{i}.jpg"));
            std::fs::hard_link(&path, &link).expect("hard link");
            assert!(holds(&std::fs::read(&link).expect("image"), "ZQX9K7W"));
            link
        })
        .collect();
    let report = fx.store.purge_expired(None, Utc::now()).expect("purge");
    assert_eq!((report.reads, report.images), (1, 2), "{report:?}");
    assert_eq!(fx.rows("reads"), 0);
    for link in &links {
        let bytes = std::fs::read(link).expect("the link still opens");
        assert!(!bytes.is_empty());
        assert!(
            bytes.iter().all(|b| *b == 0),
            "{} was not overwritten",
            link.display()
        );
    }
    let bytes = fx.db_bytes();
    assert!(
        !holds(&bytes, "ZQX9K7W"),
        "the plate is left in alpr.db or its WAL"
    );
    assert!(
        super::files_holding(&fx.dir, b"ZQX9K7W").is_empty(),
        "the plate is left in the data directory"
    );
    let (_, detail, _) = fx.last_audit("purge", "system:retention");
    assert!(
        detail.contains(": 1 reads") && detail.contains("2 images"),
        "{detail}"
    );
}

/// The appliance's own scheduled purge (no member) takes reads past retention at start, and again
/// `purge_interval_hours` later takes a read that has just passed it; both audited as the
/// scheduled job.
pub fn purge_runs_by_itself(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let max = i64::from(fx.policy.retention.max_days);
    let every = i64::from(fx.policy.retention.purge_interval_hours);
    let past = read_aged("PST001", Duration::days(max + 1), 1);
    let soon = read_aged("SON001", Duration::days(max) - Duration::hours(1), 2);
    fx.insert(&[past, soon.clone()]);
    // `alpr run` calls `purge_expired(None, now)` at start and every `purge_interval_hours`
    // (its schedule is private to the binary): the same calls, the second as of a later instant.
    let first = fx.store.purge_expired(None, Utc::now()).expect("at start");
    assert_eq!(first.reads, 1, "{first:?}");
    assert_eq!(read_ids(&fx), [soon.read.id]);
    let next = fx
        .store
        .purge_expired(None, Utc::now() + Duration::hours(every))
        .expect("next interval");
    assert_eq!(next.reads, 1, "{next:?}");
    assert_eq!(fx.rows("reads"), 0);
    assert_eq!(fx.audited("purge", Some("system:retention")), 2);
    assert_eq!(fx.audited("purge", None), 2, "no member ran it");
}

/// Reads past retention under a hold of each of `kinds` survive the purge; a hold of a kind the
/// policy does not have is refused; releasing one hold lets the next purge take its read.
pub fn held_reads_survive_purge(policy_id: &str, kinds: &[&str], not_a_kind: &str, age_days: i64) {
    let mut fx = Fx::new(policy_id);
    let file_kinds = fx.policy.retention.hold_kinds.clone();
    for k in kinds {
        assert!(
            file_kinds.iter().any(|f| f == k),
            "{k} is not in {file_kinds:?}"
        );
    }
    assert!(!file_kinds.iter().any(|f| f == not_a_kind));
    assert!(age_days > i64::from(fx.policy.retention.max_days));
    let reads: Vec<_> = kinds
        .iter()
        .enumerate()
        .map(|(i, _)| read_days(&format!("HLD{i}00"), age_days, i as i64, i as u8))
        .collect();
    let loose = read_days("LOOSE1", age_days, 0, 99);
    fx.insert(&reads);
    fx.insert(std::slice::from_ref(&loose));
    let det = fx.det.clone();
    let holds_placed: Vec<Uuid> = kinds
        .iter()
        .zip(&reads)
        .enumerate()
        .map(|(i, (k, r))| {
            fx.store
                .place_hold(&det, &hold(k, &format!("25-H{i}")), &[r.read.id])
                .unwrap_or_else(|e| panic!("{k} hold: {e}"))
        })
        .collect();
    let before = fx.rows("legal_holds");
    let text = refused_naming(
        fx.store
            .place_hold(&det, &hold(not_a_kind, "25-X"), &[loose.read.id]),
        &format!("hold kind {not_a_kind:?}"),
    );
    for k in &file_kinds {
        assert!(text.contains(k.as_str()), "{text}");
    }
    assert_eq!(fx.rows("legal_holds"), before, "no hold stored");
    let admin = fx.admin.clone();
    let report = fx
        .store
        .purge_expired(Some(&admin), Utc::now())
        .expect("purge");
    assert_eq!(
        (report.reads, report.held),
        (1, kinds.len() as u64),
        "{report:?}"
    );
    let kept = read_ids(&fx);
    for r in &reads {
        assert!(kept.contains(&r.read.id));
    }
    assert!(!kept.contains(&loose.read.id));
    fx.store
        .release_hold(&det, holds_placed[0])
        .expect("hold released");
    let report = fx
        .store
        .purge_expired(Some(&admin), Utc::now())
        .expect("purge");
    assert_eq!((report.reads, report.held), (1, kinds.len() as u64 - 1));
    let kept = read_ids(&fx);
    assert!(
        !kept.contains(&reads[0].read.id),
        "the released read is purged"
    );
    assert_eq!(kept.len(), kinds.len() - 1);
    let (object, _, _) = fx.last_audit("hold.release", "det");
    assert_eq!(object, holds_placed[0].to_string());
}

/// An `investigation` hold keeps a read past retention; it needs a case number.
pub fn investigation_hold_keeps_read(policy_id: &str, case: &str) {
    let mut fx = Fx::new(policy_id);
    assert!(
        fx.policy
            .retention
            .hold_kinds
            .iter()
            .any(|k| k == "investigation")
    );
    let age = i64::from(fx.policy.retention.max_days) + 1;
    let read = read_days("INV777", age, 0, 1);
    let other = read_days("INV778", age, 0, 2);
    fx.insert(&[read.clone(), other.clone()]);
    let det = fx.det.clone();
    refused_naming(
        fx.store
            .place_hold(&det, &hold("investigation", "  "), &[other.read.id]),
        "needs a case number",
    );
    assert_eq!(fx.rows("legal_holds"), 0);
    fx.store
        .place_hold(&det, &hold("investigation", case), &[read.read.id])
        .expect("investigation hold");
    let report = fx.store.purge_expired(None, Utc::now()).expect("purge");
    assert_eq!((report.reads, report.held), (1, 1));
    assert_eq!(read_ids(&fx), [read.read.id]);
    let admin = fx.admin.clone();
    let on_file = fx.store.holds(&admin).expect("holds");
    assert_eq!(on_file.len(), 1);
    assert_eq!(
        (
            on_file[0].kind.as_str(),
            on_file[0].case_number.as_str(),
            on_file[0].reads
        ),
        ("investigation", case, 1)
    );
}

/// An investigator holds `n` reads under `kind` and exports them: reads, images and a manifest
/// that verifies; a case with no hold is refused; the export is audited with the manifest's hash.
pub fn held_reads_export_as_evidence(policy_id: &str, kind: &str, n: usize) {
    let mut fx = Fx::new(policy_id);
    assert!(fx.policy.retention.hold_kinds.iter().any(|k| k == kind));
    let reads: Vec<_> = (0..n)
        .map(|i| read_days(&format!("EVD{i}00"), 2, i as i64, i as u8))
        .collect();
    let unheld = read_days("FREE001", 2, 0, 50);
    fx.insert(&reads);
    fx.insert(std::slice::from_ref(&unheld));
    let det = fx.det.clone();
    let ids: Vec<Uuid> = reads.iter().map(|r| r.read.id).collect();
    fx.store
        .place_hold(&det, &hold(kind, "25-EVD"), &ids)
        .expect("hold");
    let dir = fx.path("evidence");
    let report = fx
        .store
        .export_evidence(&det, "25-EVD", &dir)
        .expect("export");
    assert_eq!((report.reads, report.images), (n, 2 * n), "{report:?}");
    assert!(report.missing_images.is_empty());
    let listed = verify_manifest(&dir);
    assert_eq!(listed.len(), 2 * n + 1, "images and reads.json: {listed:?}");
    let mut exported = exported_read_ids(&dir);
    exported.sort();
    let mut want: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    want.sort();
    assert_eq!(exported, want, "exactly the held reads");
    assert!(
        super::files_holding(&dir, b"FREE001").is_empty(),
        "the unheld read is not exported"
    );
    let manifest = std::fs::read(dir.join("MANIFEST.sha256")).expect("manifest");
    assert_eq!(
        report.manifest_sha256,
        alpr_appliance::sha256_hex(&manifest)
    );
    let (object, detail, _) = fx.last_audit("evidence.export", "det");
    assert_eq!(object, "25-EVD");
    assert!(detail.contains(&report.manifest_sha256), "{detail}");
    // A read under no hold cannot be exported: its case has no held reads.
    refused_naming(
        fx.store
            .export_evidence(&det, "25-FREE", &fx.path("evidence-free")),
        "no held reads",
    );
}

/// No read younger than `retention.min_days` is purged, and a file whose `max_days` is under
/// `min_days` does not load.
pub fn reads_kept_at_least_min_days(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let min = i64::from(fx.policy.retention.min_days);
    let reads = [
        read_days("MIN364", min - 1, 0, 1),
        read_days("MIN365", min, 0, 2),
        read_aged("MIN366", Duration::days(min + 1) - Duration::hours(1), 3),
    ];
    fx.insert(&reads);
    let admin = fx.admin.clone();
    let report = fx
        .store
        .purge_expired(Some(&admin), Utc::now())
        .expect("purge");
    assert_eq!(report.reads, 0, "{report:?}");
    assert_eq!(fx.rows("reads"), 3);
    let (_, text) = alpr_appliance::policy::EMBEDDED
        .iter()
        .find(|(id, _)| *id == policy_id)
        .expect("embedded policy");
    let max_line = format!("max_days = {}", fx.policy.retention.max_days);
    assert!(text.contains(&max_line));
    let bad = text.replace(&max_line, "max_days = 300");
    let path = fx.path(&format!("{policy_id}-short.toml"));
    std::fs::write(&path, bad).expect("write copy");
    let err = Policy::load(path.to_str().expect("utf-8 path"))
        .expect_err("max_days under min_days")
        .to_string();
    assert!(err.contains("min_days") && err.contains("300"), "{err}");
}
