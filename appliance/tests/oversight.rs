//! The monthly audit sample and the yearly report as an auditor produces them: files written in
//! Markdown, HTML and PDF (read back with poppler's pdftotext), the sample reproducible by its
//! seed, the memorandum filed in the store.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use alpr_appliance::model::{MatchedRead, Read, new_id};
use alpr_appliance::policy::Policy;
use alpr_appliance::store::{NewMember, ReadQuery, SearchPurpose, Store};
use alpr_images::PlateObservation;
use chrono::{Duration, Utc};

mod common;

use common::{PASSWORD, alpr_as};

fn member(id: &str, role: &str) -> NewMember {
    NewMember {
        id: id.into(),
        display_name: format!("Member {id}"),
        roles: vec![role.into()],
        password: PASSWORD.into(),
        training_expires: Some(Utc::now() + Duration::days(300)),
        ncic_expires: Some(Utc::now() + Duration::days(300)),
        sworn: true,
    }
}

/// A Kentucky store with 14 searches this month, each under its own case number.
fn store_with_searches(data: &Path) {
    let mut s = Store::open(data, "CAR-2").expect("store");
    s.use_policy(Arc::new(Policy::load("kentucky").expect("policy")))
        .expect("policy");
    s.add_member(None, &member("admin", "administrator"))
        .expect("admin");
    let admin = s.login("admin", PASSWORD, true, Utc::now()).expect("login");
    s.add_member(Some(&admin), &member("det", "investigator"))
        .expect("det");
    s.add_member(Some(&admin), &member("aud", "auditor"))
        .expect("aud");
    let det = s.login("det", PASSWORD, true, Utc::now()).expect("login");
    let reads: Vec<MatchedRead> = (0..5)
        .map(|i| MatchedRead {
            read: Read {
                id: new_id(),
                observation: PlateObservation {
                    camera: "front".into(),
                    plate: format!("OVS{i:03}"),
                    state: Some("KY".into()),
                    confidence: 0.9,
                    captured_at: Utc::now() - Duration::minutes(i),
                    alternatives: vec![],
                    plate_crop: None,
                    context_image: None,
                    ack: None,
                },
                position: None,
            },
            hits: vec![],
        })
        .collect();
    s.insert_reads(&reads).expect("reads");
    for i in 0..14 {
        s.search_reads(
            &det,
            &ReadQuery {
                plate: Some("OVS*".into()),
                ..Default::default()
            },
            &SearchPurpose {
                case_number: format!("KY-26-{i:04}"),
                reason: format!("burglary series, suspect vehicle lead {i}"),
                crime_type: "burglary".into(),
            },
        )
        .expect("search");
    }
    s.close().expect("close");
}

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils; tests/setup-debian.sh installs it)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run_ok(c: &mut Command) -> String {
    let out = c.output().expect("alpr runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The case numbers a memorandum's table lists, in order.
fn sampled_cases(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter(|l| l.starts_with('|'))
        .filter_map(|l| {
            l.split('|')
                .map(str::trim)
                .find(|c| c.starts_with("KY-26-"))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_monthly_sample_is_reproducible_and_the_memo_is_filed_in_three_formats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("car");
    store_with_searches(&data);
    let month = Utc::now().format("%Y-%m").to_string();
    let sample = |seed: &str, out: &str| {
        let out = dir.path().join(out);
        run_ok(
            alpr_as(&data, "aud")
                .env("ALPR_POLICY", "kentucky")
                .args([
                    "audit", "sample", "--month", &month, "--seed", seed, "--out",
                ])
                .arg(&out),
        );
        let md = std::fs::read_to_string(out.join(format!("alpr-audit-{month}.md")))
            .expect("markdown memo");
        (out, md)
    };
    let (first, md) = sample("7", "a");
    let (_, again) = sample("7", "b");
    let (_, other) = sample("8", "c");
    let cases = sampled_cases(&md);
    assert_eq!(cases.len(), 10, "Kentucky Q.2 samples at least ten: {md}");
    assert_eq!(
        cases,
        sampled_cases(&again),
        "the same seed picks the same searches"
    );
    assert_ne!(cases, sampled_cases(&other), "another seed picks others");
    assert!(
        md.contains("Chief of Police"),
        "addressed to the chief: {md}"
    );
    assert!(md.contains("14 searches"), "{md}");
    let html =
        std::fs::read_to_string(first.join(format!("alpr-audit-{month}.html"))).expect("html memo");
    assert!(html.contains(&cases[0]), "the HTML lists the searches");
    let pdf = pdf_text(&first.join(format!("alpr-audit-{month}.pdf")));
    assert!(pdf.contains("audit memorandum"), "{pdf}");
    for case in &cases {
        assert!(
            pdf.contains(case.as_str()),
            "{case} missing from the PDF:\n{pdf}"
        );
    }
    assert!(
        pdf.contains("data errors found"),
        "a line for the finding: {pdf}"
    );
    let store = Store::open(&data, "CAR-2").expect("store");
    let filed: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM audit_memos WHERE month = ?1 AND created_by = 'aud'",
            [&month],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(filed, 3, "each memorandum is kept in the agency's records");
    store.close().expect("close");
}

#[test]
fn the_yearly_report_counts_the_year_with_charts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("car");
    store_with_searches(&data);
    let year = Utc::now().format("%Y").to_string();
    let out = dir.path().join("report");
    let said = run_ok(
        alpr_as(&data, "admin")
            .env("ALPR_POLICY", "kentucky")
            .args(["report", "annual", "--year", &year, "--out"])
            .arg(&out),
    );
    assert!(said.contains("1 devices, 5 reads, 0 hits"), "{said}");
    assert!(said.contains("14 searches"), "{said}");
    let stem = format!("alpr-annual-report-{year}");
    let html = std::fs::read_to_string(out.join(format!("{stem}.html"))).expect("html");
    assert!(html.contains("<svg"), "charts in the HTML");
    let pdf = pdf_text(&out.join(format!("{stem}.pdf")));
    for needle in [
        "annual report",
        "Plates read per month",
        "Searches of stored reads",
        "CAR-2",
    ] {
        assert!(pdf.contains(needle), "{needle:?} missing:\n{pdf}");
    }
    // An auditor may produce it too; an investigator may not.
    let refused = alpr_as(&data, "det")
        .env("ALPR_POLICY", "kentucky")
        .args(["report", "annual", "--year", &year, "--out"])
        .arg(dir.path().join("nope"))
        .output()
        .expect("runs");
    assert!(!refused.status.success());
}

#[test]
fn a_search_cannot_name_a_person() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("car");
    store_with_searches(&data);
    for field in [
        "--race",
        "--gender",
        "--religion",
        "--ethnicity",
        "--name",
        "--owner",
    ] {
        let out = alpr_as(&data, "det")
            .args([
                "search",
                field,
                "x",
                "--case",
                "1",
                "--reason",
                "testing the form",
            ])
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{field} accepted");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("unexpected argument"),
            "{field}: {out:?}"
        );
    }
}
