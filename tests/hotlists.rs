//! Hot lists in the store: whole lists and deltas, the index loaded from them, and agency
//! entries from entry through approval to the look-back over stored reads.

use alpr_appliance::hotlist::ConfusionTable;
use alpr_appliance::model::{ListedPlate, MatchKind, MatchedRead, Priority, Read, new_id};
use alpr_appliance::store::AgencyEntryInput;
use alpr_images::Alternative;
use alpr_tests::agency::Agency;
use alpr_tests::{observation, store, unmatched};
use chrono::{Duration, Utc};

fn listed(plate: &str, state: &str, nic: &str) -> ListedPlate {
    ListedPlate {
        plate: plate.into(),
        state: Some(state.into()),
        ncic_number: Some(nic.into()),
        plate_year: Some(2027),
        reason: "STOLEN PLATE".into(),
        extra: vec![("Owner".into(), "J. Doe".into())],
        ..Default::default()
    }
}

fn plates_of(store: &alpr_appliance::store::Store, read: &str) -> Vec<(String, MatchKind)> {
    let (index, _) = store
        .load_hotlist_index(Utc::now(), ConfusionTable::default())
        .expect("index loads");
    let r = Read {
        id: new_id(),
        observation: observation(read, None, Utc::now()),
        position: None,
    };
    index
        .match_read(&r, Utc::now())
        .into_iter()
        .map(|h| (h.entry.listed.plate.clone(), h.kind))
        .collect()
}

#[test]
fn a_delta_adds_and_removes_without_reloading_the_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut car = store(dir.path(), "car1");
    let v1 = car
        .replace_hotlist(
            "ncic",
            "NCIC stolen plates",
            &[listed("ABC123", "IA", "V1"), listed("XYZ789", "MN", "V2")],
            "sha-a",
            "import",
        )
        .expect("load");
    assert_eq!(v1, 1);
    let out = car
        .apply_hotlist_delta(
            "ncic",
            &[listed("NEW111", "NE", "V3")],
            &[listed("XYZ789", "MN", "V2"), listed("GONE00", "IA", "V9")],
            "sha-b",
            "import",
        )
        .expect("delta");
    assert_eq!(
        (out.version, out.added, out.removed, out.not_found),
        (2, 1, 1, 1)
    );
    assert_eq!(
        plates_of(&car, "NEW111"),
        [("NEW111".into(), MatchKind::Exact)]
    );
    assert!(plates_of(&car, "XYZ789").is_empty());
    // Every field comes back from the store.
    let (index, _) = car
        .load_hotlist_index(Utc::now(), ConfusionTable::default())
        .expect("index");
    let hit = index.match_read(
        &Read {
            id: new_id(),
            observation: observation("ABC123", Some("IA"), Utc::now()),
            position: None,
        },
        Utc::now(),
    );
    assert_eq!(hit[0].entry.listed, listed("ABC123", "IA", "V1"));
    let lists = car.hotlist_summaries().expect("summaries");
    assert_eq!(
        (lists[0].name.as_str(), lists[0].version, lists[0].entries),
        ("NCIC stolen plates", 2, 2)
    );
    assert_eq!(lists[0].source_sha256, "sha-b");
    assert!(
        car.apply_hotlist_delta("nolist", &[], &[], "x", "import")
            .is_err(),
        "a delta needs the list it changes"
    );
}

fn bolo() -> AgencyEntryInput {
    AgencyEntryInput {
        list_id: "major-crime".into(),
        listed: ListedPlate {
            plate: "7B?C*".into(),
            color: Some("BLU".into()),
            make: Some("HOND".into()),
            reason: "HOMICIDE SUSPECT VEHICLE".into(),
            priority: Priority::Critical,
            instructions: Some("stop only with probable cause and ID occupants".into()),
            expires_at: Some(Utc::now() + Duration::days(3)),
            ..Default::default()
        },
        case_number: "26-004512".into(),
        synopsis: "shooting on 1st Ave, blue Honda, partial plate from a witness".into(),
        requested_by: "Det. Rivera".into(),
    }
}

#[test]
fn a_partial_plate_is_matched_only_once_approved_and_finds_yesterdays_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Agency {
        store: mut car,
        ofc,
        tech,
        admin,
        ..
    } = Agency::new(dir.path(), "kentucky", "car1");
    // Yesterday the car passed 7BXC123 (read as 7BXCI23, the right reading second) and others.
    let yesterday = Utc::now() - Duration::days(1);
    let mut passed = unmatched("7BXCI23", yesterday);
    passed.read.observation.alternatives = vec![Alternative {
        plate: "7BXC123".into(),
        confidence: 0.4,
    }];
    let other: MatchedRead = unmatched("8ZZZ999", yesterday);
    car.insert_reads(&[passed.clone(), other]).expect("reads");

    assert!(
        car.enter_agency_entry(&tech, &bolo()).is_err(),
        "a technician enters no BOLO"
    );
    let mut no_case = bolo();
    no_case.case_number = " ".into();
    let err = car
        .enter_agency_entry(&ofc, &no_case)
        .expect_err("needs a case");
    assert!(err.to_string().contains("case number"), "{err}");
    let mut no_expiry = bolo();
    no_expiry.listed.expires_at = None;
    assert!(car.enter_agency_entry(&ofc, &no_expiry).is_err());
    let mut star = bolo();
    star.listed.plate = "*".into();
    assert!(
        car.enter_agency_entry(&ofc, &star).is_err(),
        "a bare * would hit every car"
    );

    let id = car.enter_agency_entry(&ofc, &bolo()).expect("entered");
    assert!(
        plates_of(&car, "7B1C999").is_empty(),
        "not active before approval"
    );
    assert_eq!(car.hotlist_summaries().expect("lists")[0].pending, 1);
    let err = car
        .approve_agency_entry(&ofc, id)
        .expect_err("an operator cannot approve");
    assert!(err.to_string().contains("hotlist-approve"), "{err}");
    assert!(
        car.lookback(&admin, id).is_err(),
        "no look-back before approval"
    );

    let approved = car.approve_agency_entry(&admin, id).expect("approved");
    assert_eq!(approved.approved_by.as_deref(), Some("admin"));
    assert_eq!(approved.entered_by, "ofc");
    assert_eq!(
        plates_of(&car, "7B1C999"),
        [("7B?C*".into(), MatchKind::Wildcard)]
    );
    assert!(
        car.approve_agency_entry(&admin, id).is_err(),
        "approved once"
    );

    let found = car.lookback(&admin, id).expect("look-back");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].read_id, passed.read.id);
    assert_eq!(found[0].kind, MatchKind::Wildcard);
    let conn = car.connection();
    let (case, user, count): (String, String, i64) = conn
        .query_row(
            "SELECT case_number, user_id, result_count FROM searches",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the look-back is a recorded search");
    assert_eq!(
        (case.as_str(), user.as_str(), count),
        ("26-004512", "admin", 1)
    );
    let kind: String = conn
        .query_row("SELECT match_kind FROM hits", [], |r| r.get(0))
        .expect("a hit");
    assert_eq!(kind, "look-back wildcard");
}

#[test]
fn a_car_takes_a_general_list_as_changes_when_close_and_whole_when_not() {
    use alpr_appliance::store::{ListUpdate, decode_update, encode_update, sync_general_lists};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut hq = store(dir.path(), "HQ");
    let mut car = store(dir.path(), "car1");
    // Plates and record numbers as varied as a real list's, so compression cannot hide the
    // difference between sending the changes and sending the list.
    let varied = |i: u32, prefix: &str| {
        let h = alpr_appliance::sha256_hex(&i.to_be_bytes());
        let states = ["IA", "NE", "MN", "MO", "IL", "WI", "SD", "KS"];
        listed(
            &format!("{prefix}{}", h[..5].to_uppercase()),
            states[(i % 8) as usize],
            &format!("V{}", &h[10..19]),
        )
    };
    let v1: Vec<ListedPlate> = (0..500).map(|i| varied(i, "P")).collect();
    hq.replace_hotlist("ncic", "NCIC", &v1, "sha-1", "import")
        .expect("v1");
    assert_eq!(sync_general_lists(&hq, &mut car).expect("sync"), 1);
    // A day with 2% change: ten plates gone, ten new ones.
    let mut v2: Vec<ListedPlate> = v1[10..].to_vec();
    v2.extend((1000..1010).map(|i| varied(i, "N")));
    let new_plate = v2[v2.len() - 3].plate.clone();
    let gone_plate = v1[3].plate.clone();
    hq.replace_hotlist("ncic", "NCIC", &v2, "sha-2", "import")
        .expect("v2");
    let update = hq.general_list_update("ncic", 1).expect("update");
    let ListUpdate::Changes { removes, adds, .. } = &update else {
        panic!("a car one version behind gets changes: {update:?}");
    };
    assert_eq!((removes.len(), adds.len()), (10, 10));
    let changes = encode_update(&update).expect("encode").len();
    let whole = encode_update(&hq.general_list_update("ncic", 0).expect("whole"))
        .expect("encode")
        .len();
    assert!(
        changes * 8 < whole,
        "changes {changes} B against the list whole {whole} B"
    );
    car.apply_general_update(&decode_update(&encode_update(&update).expect("e")).expect("d"))
        .expect("changes apply");
    let plates = |s: &alpr_appliance::store::Store| {
        let mut p: Vec<String> = s
            .connection()
            .prepare("SELECT plate FROM general_entries")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        p.sort();
        p
    };
    assert_eq!(plates(&car), plates(&hq));
    assert_eq!(
        plates_of(&car, &new_plate),
        [(new_plate.clone(), MatchKind::Exact)]
    );
    assert!(
        plates_of(&car, &gone_plate).is_empty(),
        "removed at HQ, removed in the car"
    );
    // Changes that do not meet the car's copy are refused whole, and nothing changes.
    let stale = hq.general_list_update("ncic", 1).expect("update");
    assert!(car.apply_general_update(&stale).is_err());
    assert_eq!(plates(&car), plates(&hq));
    // A new car gets the list whole.
    let mut new_car = store(dir.path(), "car2");
    sync_general_lists(&hq, &mut new_car).expect("bootstrap");
    assert_eq!(plates(&new_car), plates(&hq));
}
