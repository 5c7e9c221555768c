//! The fast hot-list index gives exactly the plain matcher's answers, on random lists and reads.

use std::sync::Arc;

use alpr_appliance::hotlist::naive::NaiveMatcher;
use alpr_appliance::hotlist::{Candidate, ConfusionTable, HotlistIndex, IndexBuilder};
use alpr_appliance::model::{HotlistEntry, ListedPlate, new_id};
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

/// Few characters, many of them confusable, so that plates collide often.
const CHARS: &[u8] = b"0OD81IBSZ5AX";

fn plate() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CHARS), 2..6)
        .prop_map(|v| String::from_utf8(v).unwrap_or_default())
}

fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(CHARS),
            1 => Just(b'?'),
            1 => Just(b'*'),
        ],
        2..7,
    )
    .prop_map(|v| String::from_utf8(v).unwrap_or_default())
    .prop_filter("two known characters", |p| {
        p.bytes().filter(|b| !matches!(b, b'*' | b'?')).count() >= 2
    })
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default()
}

fn entry() -> impl Strategy<Value = HotlistEntry> {
    (
        prop_oneof![4 => plate(), 1 => pattern()],
        prop::option::of(prop::sample::select(vec!["IA", "MN", "NE"])),
        prop::option::of(-3i64..4),
        prop::option::of(-3i64..4),
    )
        .prop_map(|(plate, state, effective, expires)| HotlistEntry {
            id: new_id(),
            list_id: "l".into(),
            listed: ListedPlate {
                plate,
                state: state.map(Into::into),
                effective_at: effective.map(|s| now() + Duration::seconds(s)),
                expires_at: expires.map(|s| now() + Duration::seconds(s)),
                ..Default::default()
            },
        })
}

fn fast(entries: &[HotlistEntry]) -> HotlistIndex {
    let mut b = IndexBuilder::new(ConfusionTable::default());
    for e in entries {
        b.push(e.id, &e.list_id, &e.listed)
            .expect("generated entries are valid");
    }
    b.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_index_answers_as_the_plain_matcher_does(
        entries in prop::collection::vec(entry(), 0..60),
        reads in prop::collection::vec(plate(), 1..30),
        offset in -2i64..3,
    ) {
        let index = fast(&entries);
        let naive = NaiveMatcher::new(entries.clone(), ConfusionTable::default());
        let at = now() + Duration::seconds(offset);
        for read in &reads {
            let mut got = Vec::new();
            index.lookup(read, alpr_appliance::hotlist::secs(at), &mut got);
            let mut got: Vec<(usize, _, Vec<usize>)> = got
                .into_iter()
                .map(|Candidate { entry, kind, confused }| (entry as usize, kind, confused))
                .collect();
            got.sort_by_key(|c| c.0);
            let want = naive.lookup(read, at);
            prop_assert_eq!(got, want, "read {}", read);
        }
    }
}

#[test]
fn hits_carry_the_whole_entry_back() {
    let listed = ListedPlate {
        plate: "7ABC123".into(),
        state: Some("IA".into()),
        make: Some("TOYT".into()),
        reason: "stolen vehicle".into(),
        ncic_number: Some("V123".into()),
        extra: vec![("Owner".into(), "x".into())],
        expires_at: Some(now() + Duration::days(1)),
        ..Default::default()
    };
    let e = Arc::new(HotlistEntry {
        id: new_id(),
        list_id: "ncic".into(),
        listed: listed.clone(),
    });
    let index = HotlistIndex::build(vec![e.clone()]);
    let back = index.entry(0).expect("entry 0");
    assert_eq!(back, *e);
}
