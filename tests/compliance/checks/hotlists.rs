//! Hot lists: agency entries (BOLOs, partial plates) that match only once approved, their
//! record-keeping fields, whole-list replacement and stale lists.

use alpr_appliance::diagnostics::{Thresholds, Verdict, selftest};
use alpr_appliance::model::MatchKind;
use alpr_appliance::policy::Permission;
use chrono::{Duration, Utc};

use super::{Fx, entry_input, lacks, listed, read_days, refused_naming};

/// A vehicle description for an entry: make, model, colour and what else the witness saw.
#[derive(Debug, Clone, Copy)]
pub struct Vehicle<'a> {
    pub make: &'a str,
    pub model: &'a str,
    pub color: &'a str,
    pub description: &'a str,
}

/// `op` enters `AB?12*` with its fields: no hit before approval; approved by an administrator,
/// the next read `AB3125` hits; the look-back over stored reads is a search under the case
/// number. With a vehicle, the hit shows its description.
pub fn partial_plate_entry_matches_after_approval(policy_id: &str, vehicle: Option<Vehicle<'_>>) {
    let mut fx = Fx::new(policy_id);
    assert!(fx.policy.hotlists.agency_entry_requires_approval);
    // Yesterday's read of the suspect vehicle, already stored, for the look-back.
    let yesterday = read_days("AB7129", 1, 0, 1);
    fx.insert(&[yesterday.clone(), read_days("ZZ9999", 1, 0, 2)]);
    let mut input = entry_input("major-crime", "AB?12*");
    if let Some(v) = vehicle {
        input.listed.make = Some(v.make.into());
        input.listed.model = Some(v.model.into());
        input.listed.color = Some(v.color.into());
        input.listed.extra = vec![("description".into(), v.description.into())];
    }
    let ofc = fx.ofc.clone();
    let id = fx
        .store
        .enter_agency_entry(&ofc, &input)
        .expect("op enters the partial plate");
    let entry = fx.store.agency_entry(id).expect("entry");
    assert_eq!(
        (entry.entered_by.as_str(), entry.requested_by.as_str()),
        ("ofc", "Det. Rivera")
    );
    assert_eq!(entry.case_number, "25-00777");
    assert!(entry.approved_by.is_none());
    let lists = fx.store.hotlist_summaries().expect("lists");
    assert_eq!(lists.iter().map(|l| l.pending).sum::<u64>(), 1);
    let (_, hits) = fx.read_with_hits("AB3125", None);
    assert!(hits.is_empty(), "no hit before approval: {hits:?}");
    let admin = fx.admin.clone();
    refused_naming(fx.store.lookback(&admin, id), "not approved");

    let approved = fx
        .store
        .approve_agency_entry(&admin, id)
        .expect("an administrator approves");
    assert_eq!(approved.approved_by.as_deref(), Some("admin"));
    let (_, hits) = fx.read_with_hits("AB3125", None);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].entry.id, id);
    assert_eq!(hits[0].kind, MatchKind::Wildcard);
    if let Some(v) = vehicle {
        let alert = fx.store.hit_alert(&ofc, hits[0].id).expect("alert");
        let e = alert.entry.expect("the entry on the alert");
        assert_eq!(
            (e.make.as_deref(), e.model.as_deref(), e.color.as_deref()),
            (Some(v.make), Some(v.model), Some(v.color))
        );
        assert!(
            e.extra.iter().any(|(_, d)| d == v.description),
            "{:?}",
            e.extra
        );
        assert_eq!(alert.case_number.as_deref(), Some("25-00777"));
    }

    let searches = fx.rows("searches");
    let found = fx.store.lookback(&admin, id).expect("look-back");
    let plates: Vec<&str> = found.iter().map(|m| m.plate.as_str()).collect();
    assert!(plates.contains(&"AB7129"), "{plates:?}");
    assert!(!plates.contains(&"ZZ9999"), "{plates:?}");
    assert_eq!(fx.rows("searches"), searches + 1);
    let (case, user, n): (String, String, i64) = fx
        .store
        .connection()
        .query_row(
            "SELECT case_number, user_id, result_count FROM searches ORDER BY at_ms DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the look-back's search record");
    assert_eq!((case.as_str(), user.as_str()), ("25-00777", "admin"));
    assert_eq!(n as usize, found.len());
}

/// An entry matches only after `hotlist-approve`; operators and investigators cannot approve;
/// entry and approval are audited.
pub fn agency_entry_matches_only_after_approval(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    assert!(fx.policy.hotlists.agency_entry_requires_approval);
    let (ofc, det, admin) = (fx.ofc.clone(), fx.det.clone(), fx.admin.clone());
    let id = fx
        .store
        .enter_agency_entry(&ofc, &entry_input("bolo", "XYZ789"))
        .expect("entered");
    assert!(fx.would_hit("XYZ789", None).is_empty(), "pending: no hit");
    for s in [&ofc, &det] {
        assert!(!fx.policy.grants(s.roles(), Permission::HotlistApprove));
        lacks(
            fx.store.approve_agency_entry(s, id),
            s,
            Permission::HotlistApprove,
        );
    }
    assert!(
        fx.store
            .agency_entry(id)
            .expect("entry")
            .approved_by
            .is_none()
    );
    assert!(fx.would_hit("XYZ789", None).is_empty());
    fx.store.approve_agency_entry(&admin, id).expect("approved");
    let hits = fx.would_hit("XYZ789", None);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].entry.id, id);
    let (object, detail, _) = fx.last_audit("hotlist.enter", "ofc");
    assert_eq!(object, id.to_string());
    assert!(detail.contains("25-00777"), "{detail}");
    let (object, _, _) = fx.last_audit("hotlist.approve", "admin");
    assert_eq!(object, id.to_string());
}

/// A change to an approved entry is recorded under the member and case number, and the changed
/// entry matches only once approved again.
pub fn entry_update_needs_approval_again(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let (ofc, admin) = (fx.ofc.clone(), fx.admin.clone());
    let id = fx
        .store
        .enter_agency_entry(&ofc, &entry_input("bolo", "XYZ789"))
        .expect("entered");
    fx.store.approve_agency_entry(&admin, id).expect("approved");
    assert_eq!(fx.would_hit("XYZ789", None).len(), 1);
    let mut changed = entry_input("bolo", "XYZ78?");
    changed.case_number = "25-00778".into();
    let after = fx
        .store
        .update_agency_entry(&ofc, id, &changed)
        .expect("updated");
    assert_eq!(after.listed.plate, "XYZ78?");
    assert!(after.approved_by.is_none(), "approval cleared");
    assert_eq!(after.entered_by, "ofc");
    let (object, detail, _) = fx.last_audit("hotlist.update", "ofc");
    assert_eq!(object, id.to_string());
    assert!(detail.contains("25-00778"), "{detail}");
    assert!(fx.would_hit("XYZ781", None).is_empty(), "unapproved change");
    assert!(
        fx.would_hit("XYZ789", None).is_empty(),
        "the old text is gone"
    );
    fx.store
        .approve_agency_entry(&admin, id)
        .expect("approved again");
    let hits = fx.would_hit("XYZ781", None);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].kind, MatchKind::Wildcard);
}

/// Every entry needs the entering member, the requesting officer, the case number and a
/// synopsis; each missing is refused by name and nothing is stored.
pub fn agency_entry_needs_member_officer_case_and_synopsis(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    assert_eq!(
        fx.policy.hotlists.agency_entry_fields,
        ["entered_by", "requested_by", "case_number", "synopsis"]
    );
    let ofc = fx.ofc.clone();
    let blank = |f: &dyn Fn(&mut alpr_appliance::store::AgencyEntryInput)| {
        let mut i = entry_input("bolo", "GHI456");
        f(&mut i);
        i
    };
    for (input, named) in [
        (
            blank(&|i| i.requested_by = " ".into()),
            "requesting officer",
        ),
        (blank(&|i| i.case_number = String::new()), "case number"),
        (blank(&|i| i.synopsis = "  ".into()), "synopsis"),
    ] {
        refused_naming(fx.store.enter_agency_entry(&ofc, &input), named);
    }
    assert_eq!(fx.rows("hotlist_entries"), 0, "nothing stored");
    // The entering member is the logged-in member: recorded from the session, never typed.
    let id = fx
        .store
        .enter_agency_entry(&ofc, &entry_input("bolo", "GHI456"))
        .expect("all four");
    let e = fx.store.agency_entry(id).expect("entry");
    assert_eq!(e.entered_by, "ofc");
    assert_eq!(e.requested_by, "Det. Rivera");
    assert_eq!(e.case_number, "25-00777");
    assert!(!e.synopsis.is_empty());
    assert!(e.approved_by.is_none(), "pending");
}

/// A new version of a general list replaces the old one whole.
pub fn new_list_version_replaces_old(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    assert_eq!(
        fx.load_list("ncic", &[listed("AAA111", None), listed("BBB222", None)]),
        1
    );
    assert_eq!(fx.would_hit("AAA111", None).len(), 1);
    assert_eq!(
        fx.load_list("ncic", &[listed("BBB222", None), listed("CCC333", None)]),
        2
    );
    assert!(
        fx.would_hit("AAA111", None).is_empty(),
        "the old entry is gone"
    );
    assert_eq!(fx.would_hit("CCC333", None).len(), 1);
    assert_eq!(fx.would_hit("BBB222", None).len(), 1);
    let mut stmt = fx
        .store
        .connection()
        .prepare("SELECT plate, version FROM general_entries WHERE list_id = 'ncic' ORDER BY plate")
        .expect("prepare");
    let rows: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("entries")
        .collect::<Result<_, _>>()
        .expect("entries");
    // An entry the new version keeps unchanged keeps the version that added it; the list is at
    // the new version and holds exactly the new version's entries.
    assert_eq!(rows, [("BBB222".to_string(), 1), ("CCC333".to_string(), 2)]);
    let version: i64 = fx
        .store
        .connection()
        .query_row(
            "SELECT current_version FROM general_lists WHERE id = 'ncic'",
            [],
            |r| r.get(0),
        )
        .expect("the list's version");
    assert_eq!(version, 2);
}

/// A general list older than `hotlists.max_age_hours` is stale: the screen's status and the
/// self-test warn naming it and its age; a new version clears the warning.
pub fn general_list_older_than_max_age_warns(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let max = i64::from(fx.policy.hotlists.max_age_hours);
    let max_age = Duration::hours(max);
    fx.load_list("ncic", &[listed("AAA111", None)]);
    // The clock cannot be moved: the list's load time is set back instead (a list loaded
    // `max - 1` hours ago, then one loaded `max + 1` hours ago).
    let set_loaded = |fx: &Fx, hours_ago: i64| {
        fx.store
            .connection()
            .execute(
                "UPDATE general_lists SET loaded_at_ms = ?1 WHERE id = 'ncic'",
                [(Utc::now() - Duration::hours(hours_ago)).timestamp_millis()],
            )
            .expect("set back");
    };
    let hotlist_check = |fx: &Fx| {
        selftest(&fx.dir, &Thresholds::default(), Utc::now())
            .into_iter()
            .find(|c| c.name == "hotlists")
            .expect("a hot-list check")
    };
    set_loaded(&fx, max - 1);
    assert!(
        fx.store
            .stale_hotlists(max_age, Utc::now())
            .expect("stale")
            .is_empty()
    );
    let check = hotlist_check(&fx);
    assert_eq!(check.status, Verdict::Pass, "{check:?}");

    set_loaded(&fx, max + 1);
    let stale = fx.store.stale_hotlists(max_age, Utc::now()).expect("stale");
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(stale[0].0, "ncic");
    assert_eq!(stale[0].1.num_hours(), max + 1);
    let check = hotlist_check(&fx);
    assert_eq!(check.status, Verdict::Warn, "{check:?}");
    assert!(
        check.detail.contains(&format!("ncic {} h old", max + 1)),
        "{check:?}"
    );

    fx.load_list("ncic", &[listed("AAA111", None), listed("DDD444", None)]);
    assert!(
        fx.store
            .stale_hotlists(max_age, Utc::now())
            .expect("stale")
            .is_empty()
    );
    assert_eq!(hotlist_check(&fx).status, Verdict::Pass);
}

/// An entry's instructions to field personnel are on the alert of a hit on it.
pub fn alert_shows_entry_instructions(policy_id: &str, instructions: &str) {
    let mut fx = Fx::new(policy_id);
    let (ofc, admin) = (fx.ofc.clone(), fx.admin.clone());
    let mut input = entry_input("bolo", "JKL321");
    input.listed.instructions = Some(instructions.into());
    let id = fx.store.enter_agency_entry(&ofc, &input).expect("entered");
    fx.store.approve_agency_entry(&admin, id).expect("approved");
    let hit = fx.hit("JKL321", Some("KY"));
    let alert = fx.store.hit_alert(&ofc, hit).expect("alert");
    let entry = alert.entry.expect("entry on the alert");
    assert_eq!(entry.instructions.as_deref(), Some(instructions));
}
