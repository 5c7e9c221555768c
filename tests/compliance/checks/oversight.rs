//! Oversight: the monthly audit sample of searches and its memorandum to the chief, and the
//! yearly report.

use std::sync::Arc;

use alpr_appliance::documents::Block;
use alpr_appliance::model::{Hit, HotlistEntry, MatchKind, MatchedRead, new_id};
use alpr_appliance::policy::Permission;
use alpr_appliance::reports::{annual_report, audit_memo};
use alpr_appliance::store::{AuditSample, ReadQuery, SearchPurpose, month_bounds};
use alpr_tests::{store, unmatched};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use super::{Fx, Who, lacks, listed, read_days, reason_of};

/// Makes `n` searches by `det` and returns their ids.
fn searches(fx: &mut Fx, n: usize, tag: &str) -> Vec<Uuid> {
    let det = fx.det.clone();
    let min = fx.policy.search.reason_min_chars.max(30);
    let crimes = ["burglary", "robbery", "theft"];
    (0..n)
        .map(|i| {
            fx.store
                .search_reads(
                    &det,
                    &ReadQuery {
                        plate: Some("AUD1*".into()),
                        ..Default::default()
                    },
                    &SearchPurpose {
                        case_number: format!("25-{tag}{i:03}"),
                        reason: reason_of(min),
                        crime_type: crimes[i % 3].into(),
                    },
                )
                .expect("search")
                .search_id
        })
        .collect()
}

/// Sets a search's time (the clock cannot be set: searches are recorded now, then dated back).
fn date_search(fx: &Fx, id: Uuid, at: DateTime<Utc>) {
    let n = fx
        .store
        .connection()
        .execute(
            "UPDATE searches SET at_ms = ?2 WHERE id = ?1",
            rusqlite::params![id.as_bytes(), at.timestamp_millis()],
        )
        .expect("date the search");
    assert_eq!(n, 1);
}

fn day(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(
        &NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("a date"),
    )
}

fn picked_ids(s: &AuditSample) -> Vec<Uuid> {
    s.picked.iter().map(|p| p.id).collect()
}

/// 25 searches in 2025-03 and 5 in 2025-04: the sample for March holds at least
/// `audit.monthly_sample_size` distinct March searches, a finding line each, addressed to the
/// chief, filed in the store; the same seed picks the same searches; members without
/// `audit-view` are refused. With `thorough`: each pick carries its reason, number, member and
/// time; another seed picks others; a month with 6 searches gives all 6.
pub fn monthly_audit_samples_searches(
    policy_id: &str,
    sampler: Who,
    refused: &[Who],
    thorough: bool,
) {
    let mut fx = Fx::new(policy_id);
    let size = fx.policy.audit.monthly_sample_size;
    fx.insert(&[read_days("AUD100", 1, 0, 1)]);
    let march = searches(&mut fx, 25, "M");
    let april = searches(&mut fx, 5, "A");
    for (i, id) in march.iter().enumerate() {
        date_search(&fx, *id, day(2025, 3, 1 + i as u32, 10));
    }
    for (i, id) in april.iter().enumerate() {
        date_search(&fx, *id, day(2025, 4, 2 + i as u32, 9));
    }
    let s = fx.session(sampler).clone();
    assert!(fx.policy.grants(s.roles(), Permission::AuditView));
    let sample = fx
        .store
        .sample_searches(&s, "2025-03", Some(20250301), 0)
        .expect("sample");
    assert_eq!(sample.population, 25);
    assert!(
        sample.picked.len() >= size,
        "{} picked",
        sample.picked.len()
    );
    let mut ids = picked_ids(&sample);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), sample.picked.len(), "distinct searches");
    let (from, to) = month_bounds("2025-03").expect("month");
    for p in &sample.picked {
        assert!(p.at >= from && p.at < to, "{p:?} is not from March");
        assert!(march.contains(&p.id));
    }
    if thorough {
        for p in &sample.picked {
            assert_eq!(p.user_id, "det");
            assert!(p.case_number.starts_with("25-M"), "{p:?}");
            assert!(p.reason.len() >= fx.policy.search.reason_min_chars, "{p:?}");
            assert!(p.query.contains("AUD1*"), "{p:?}");
        }
    }
    let memo = audit_memo(&fx.policy, &sample, s.display_name());
    let md = memo.to_markdown();
    let to_line = md
        .lines()
        .find(|l| l.contains("To"))
        .expect("a To line")
        .to_string();
    assert!(to_line.contains(&fx.policy.agency.chief_title), "{to_line}");
    assert_eq!(
        md.matches("Meets policy (yes/no)").count(),
        sample.picked.len(),
        "a finding line for each picked search"
    );
    for p in &sample.picked {
        assert!(
            md.contains(&p.case_number),
            "{} not in the memorandum",
            p.case_number
        );
    }
    let memo_id = fx
        .store
        .file_audit_memo(&s, &sample, &md)
        .expect("memo filed");
    let (month, by, stored): (String, String, String) = fx
        .store
        .connection()
        .query_row(
            "SELECT month, created_by, markdown FROM audit_memos WHERE id = ?1",
            [memo_id.as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the memorandum is in the store");
    assert_eq!((month.as_str(), by.as_str()), ("2025-03", s.user()));
    assert_eq!(stored, md);
    let again = fx
        .store
        .sample_searches(&s, "2025-03", Some(20250301), 0)
        .expect("sample again");
    assert_eq!(
        picked_ids(&again),
        picked_ids(&sample),
        "same seed, same picks"
    );
    for who in refused {
        let r = fx.session(*who).clone();
        lacks(
            fx.store.sample_searches(&r, "2025-03", Some(1), 0),
            &r,
            Permission::AuditView,
        );
    }
    if thorough {
        let differs = (1..=5u64).any(|seed| {
            let other = fx
                .store
                .sample_searches(&s, "2025-03", Some(seed), 0)
                .expect("sample");
            picked_ids(&other) != picked_ids(&sample)
        });
        assert!(differs, "another seed picks other searches");
        let may = searches(&mut fx, 6, "Y");
        for (i, id) in may.iter().enumerate() {
            date_search(&fx, *id, day(2025, 5, 3 + i as u32, 14));
        }
        let few = fx
            .store
            .sample_searches(&s, "2025-05", Some(7), 0)
            .expect("sample");
        let mut got = picked_ids(&few);
        got.sort();
        let mut want = may.clone();
        want.sort();
        assert_eq!(got, want, "fewer than the sample size: all of them");
    }
}

/// The month's searches are still sampled, with their queries and counts, after the reads they
/// found are purged.
pub fn sampled_searches_outlive_reads(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let max = i64::from(fx.policy.retention.max_days);
    fx.insert(&[
        read_days("AUD100", max - 1, 0, 1),
        read_days("AUD101", max - 1, 1, 2),
    ]);
    let ids = searches(&mut fx, 3, "S");
    let month = fx
        .store
        .connection()
        .query_row("SELECT max(at_ms) FROM searches", [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|ms| {
            DateTime::from_timestamp_millis(ms)
                .unwrap_or_default()
                .format("%Y-%m")
                .to_string()
        })
        .expect("month of the searches");
    // The purge runs as of two days later, when the reads are past retention.
    let purged = fx
        .store
        .purge_expired(None, Utc::now() + Duration::days(2))
        .expect("purge");
    assert_eq!(purged.reads, 2);
    assert_eq!(fx.rows("reads"), 0);
    let aud = fx.aud.clone();
    let sample = fx
        .store
        .sample_searches(&aud, &month, Some(5), 0)
        .expect("sample");
    let mut got = picked_ids(&sample);
    got.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(got, want);
    for p in &sample.picked {
        assert_eq!(p.result_count, 2, "{p:?}");
        assert!(p.query.contains("AUD1*"), "{p:?}");
    }
}

/// The memorandum is addressed to the chief, has a place for the data errors found, renders as
/// Markdown, HTML and PDF, and stays in the store through a purge a year later.
pub fn audit_memo_to_chief_lists_data_errors_and_is_kept(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    fx.insert(&[read_days("AUD100", 1, 0, 1)]);
    let ids = searches(&mut fx, 12, "Q");
    for (i, id) in ids.iter().enumerate() {
        date_search(&fx, *id, day(2025, 3, 1 + i as u32, 11));
    }
    let aud = fx.aud.clone();
    let sample = fx
        .store
        .sample_searches(&aud, "2025-03", None, 0)
        .expect("sample");
    let memo = audit_memo(&fx.policy, &sample, aud.display_name());
    let chief = fx.policy.agency.chief_title.clone();
    let to = memo.blocks.iter().find_map(|b| match b {
        Block::KeyValues(kv) => kv.iter().find(|(k, _)| k == "To").map(|(_, v)| v.clone()),
        _ => None,
    });
    assert_eq!(to.as_deref(), Some(chief.as_str()));
    let md = memo.to_markdown();
    let html = memo.to_html();
    let pdf = memo.to_pdf();
    assert!(md.to_lowercase().contains("data errors"), "{md}");
    assert!(
        md.matches("data errors found").count() >= sample.picked.len(),
        "a data-errors line for each sampled search"
    );
    assert!(html.contains(&chief) && html.to_lowercase().contains("data errors"));
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let id = fx.store.file_audit_memo(&aud, &sample, &md).expect("filed");
    let (object, _, _) = fx.last_audit("audit.memo", "aud");
    assert_eq!(object, id.to_string());
    let admin = fx.admin.clone();
    fx.store
        .purge_expired(Some(&admin), Utc::now() + Duration::days(400))
        .expect("purge a year later");
    let kept: String = fx
        .store
        .connection()
        .query_row(
            "SELECT markdown FROM audit_memos WHERE id = ?1",
            [id.as_bytes()],
            |r| r.get(0),
        )
        .expect("the memorandum is kept");
    assert_eq!(kept, md);
}

/// 37 searches this year and 12 the year before: the yearly report counts 37, broken down by
/// crime type, the counts adding up.
pub fn annual_report_counts_searches(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    fx.insert(&[read_days("AUD100", 1, 0, 1)]);
    let year = Utc::now().year();
    let this_year = searches(&mut fx, 37, "T");
    let last_year = searches(&mut fx, 12, "L");
    for (i, id) in this_year.iter().enumerate() {
        date_search(&fx, *id, day(year, 1 + (i % 10) as u32, 5, 10));
    }
    for (i, id) in last_year.iter().enumerate() {
        date_search(&fx, *id, day(year - 1, 1 + i as u32, 9, 10));
    }
    let admin = fx.admin.clone();
    let f = fx.store.annual_figures(&admin, year).expect("figures");
    assert_eq!(f.searches(), 37, "{f:?}");
    assert_eq!(f.searches_by_month.iter().sum::<u64>(), 37);
    let doc = annual_report(&fx.policy, &f);
    let md = doc.to_markdown();
    assert!(md.contains("Searches of stored reads"), "{md}");
    // By crime type: 13 burglary, 12 robbery, 12 theft (the searches cycle through the three).
    let by_crime = [("burglary", 13), ("robbery", 12), ("theft", 12)];
    assert_eq!(by_crime.iter().map(|(_, n)| n).sum::<u64>(), 37);
    for (crime, n) in by_crime {
        let row = md
            .lines()
            .find(|l| l.to_lowercase().contains(crime))
            .unwrap_or_else(|| panic!("the yearly report has no line for crime type {crime}"));
        assert!(row.contains(&n.to_string()), "{row}");
    }
}

/// A headquarters store with the year's reads from three cars (some purged), 40 hits, 12
/// confirmed (4 arrests, 3 recoveries, 5 with no action), searches, and last year's data: the
/// report to the council counts this year only, purged reads included.
pub fn annual_report_to_council(policy_id: &str) {
    let mut hq = Fx::for_car(policy_id, "HQ");
    assert_eq!(hq.policy.report.annual_to, "City Council");
    assert_eq!(hq.policy.agency.chief_title, "Chief of Police");
    let year = Utc::now().year();
    let start = day(year, 1, 10, 12);
    let mut all_hits: Vec<(Uuid, DateTime<Utc>)> = Vec::new();
    let per_car_hits = [14usize, 13, 13];
    for (c, car_id) in ["CAR-A", "CAR-B", "CAR-C"].iter().enumerate() {
        let mut car = store(hq.tmp.path(), car_id);
        let mut batch = Vec::new();
        // 14 reads this year, spread over the year; the first `per_car_hits[c]` hit.
        for k in 0..14 {
            let at = start + Duration::days(25 * k) + Duration::hours(c as i64);
            let plate = format!("C{c}R{k:02}");
            batch.push(hit_read(&plate, at, k < per_car_hits[c] as i64));
        }
        // Last year's read with a hit.
        batch.push(hit_read(
            &format!("C{c}OLD"),
            day(year - 1, 12, 20, 8),
            true,
        ));
        car.insert_reads(&batch).expect("car reads");
        for m in &batch {
            for h in &m.hits {
                all_hits.push((h.id, h.raised_at));
            }
        }
        alpr_sync::pull(car.connection(), hq.store.connection_mut(), 1000).expect("car to HQ");
        car.close().expect("close car");
    }
    assert_eq!(hq.rows("reads"), 45);
    // Dispositions at headquarters: 4 arrests and 3 recoveries (each validated first), 5
    // confirmed with no action, 2 misreads.
    let admin = hq.admin.clone();
    let this_year: Vec<Uuid> = all_hits
        .iter()
        .filter(|(_, at)| at.year() == year)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(this_year.len(), 40);
    let steps: Vec<String> = hq
        .policy
        .alerts
        .steps_for("ncic")
        .filter(|s| s.required_before_enforcement)
        .map(|s| s.id.clone())
        .collect();
    let plan: Vec<(&str, Option<&str>)> = std::iter::repeat_n(("confirmed", Some("arrest")), 4)
        .chain(std::iter::repeat_n(("confirmed", Some("recovery")), 3))
        .chain(std::iter::repeat_n(("confirmed", Some("none")), 5))
        .chain(std::iter::repeat_n(("misread", None), 2))
        .collect();
    for (i, (outcome, action)) in plan.iter().enumerate() {
        // Every third from the start of the year, so some are on reads the purge takes.
        let hit = this_year[(i * 3) % this_year.len()];
        if action.is_some_and(|a| a != "none") {
            for s in &steps {
                hq.store
                    .record_hit_step(&admin, hit, s, "confirmed", None, None)
                    .expect("step");
            }
        }
        hq.store
            .record_hit_step(&admin, hit, "disposition", outcome, *action, None)
            .unwrap_or_else(|e| panic!("{outcome} {action:?}: {e}"));
    }
    // Searches: three this year, one last year.
    let det = hq.det.clone();
    let purpose = hq.purpose();
    let mut search_ids = Vec::new();
    for _ in 0..4 {
        search_ids.push(
            hq.store
                .search_reads(
                    &det,
                    &ReadQuery {
                        plate: Some("C0R*".into()),
                        ..Default::default()
                    },
                    &purpose,
                )
                .expect("search")
                .search_id,
        );
    }
    date_search(&hq, search_ids[3], day(year - 1, 6, 1, 12));
    // Headquarters purges as of 200 days into the year: reads before day 170 go (last year's
    // too), counts kept.
    let purge_at = start + Duration::days(200);
    let report = hq.store.purge_expired(None, purge_at).expect("purge");
    let cutoff = purge_at - Duration::days(i64::from(hq.policy.retention.max_days));
    let purged_this_year = (0..14)
        .filter(|k| start + Duration::days(25 * k) + Duration::hours(2) < cutoff)
        .count() as u64
        * 3;
    assert_eq!(report.reads, purged_this_year + 3, "{report:?}");

    let f = hq.store.annual_figures(&admin, year).expect("figures");
    assert_eq!(f.devices, ["CAR-A", "CAR-B", "CAR-C"], "{f:?}");
    assert_eq!(f.reads(), 42, "{f:?}");
    assert_eq!(f.purged_reads, purged_this_year, "{f:?}");
    assert_eq!(f.hits(), 40, "{f:?}");
    assert_eq!(f.confirmed(), 12, "{f:?}");
    assert_eq!(f.dispositions.get("misread"), Some(&2), "{f:?}");
    assert_eq!(f.actions.get("arrest"), Some(&4), "{f:?}");
    assert_eq!(f.actions.get("recovery"), Some(&3), "{f:?}");
    assert_eq!(f.actions.get("none"), Some(&5), "{f:?}");
    assert_eq!(f.searches(), 3, "{f:?}");

    let doc = annual_report(&hq.policy, &f);
    let header = doc
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::KeyValues(kv) => Some(kv.clone()),
            _ => None,
        })
        .expect("header");
    assert!(
        header.contains(&("To".into(), "City Council".into())),
        "{header:?}"
    );
    assert!(
        header.contains(&("From".into(), "Chief of Police".into())),
        "{header:?}"
    );
    let summary = doc
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Table { headers, rows } if headers[0] == "Measure" => Some(rows.clone()),
            _ => None,
        })
        .expect("summary table");
    let row = |name: &str| {
        summary
            .iter()
            .find(|r| r[0] == name)
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("no {name} row: {summary:?}"))
    };
    assert_eq!(row("ALPR devices (cars) in use"), "3");
    assert_eq!(row("Plates read"), "42");
    assert_eq!(row("Hot-list matches (hits)"), "40");
    assert_eq!(row("Hits confirmed"), "12");
    assert_eq!(row("Searches of stored reads"), "3");
    let html = doc.to_html();
    assert!(html.contains("City Council") && html.contains("Chief of Police"));
    assert!(doc.to_pdf().starts_with(b"%PDF"));
}

/// A read at `at`, with a hit on an NCIC entry for its plate raised then when `hit`.
fn hit_read(plate: &str, at: DateTime<Utc>, hit: bool) -> MatchedRead {
    let mut m = unmatched(plate, at);
    if hit {
        let entry = HotlistEntry {
            id: new_id(),
            list_id: "ncic".into(),
            listed: listed(plate, Some("IA")),
        };
        m.hits.push(Hit {
            id: new_id(),
            read_id: m.read.id,
            entry: Arc::new(entry),
            read_plate: plate.into(),
            kind: MatchKind::Exact,
            via_alternative: false,
            confused: vec![],
            state_mismatch: false,
            raised_at: at,
        });
    }
    m
}
