//! Batches between two stores: direction rules on both sides, watermarks that make a replayed
//! or out-of-order batch a refusal that changes nothing, local deletes that stay local, and
//! whole versions in bounded batches.

use alpr_sync::wire::ChangeBatch;
use alpr_sync::{
    CrConnection, ExchangeError, Resume, Rules, apply_incoming, outgoing, stream_resume,
};

fn store(dir: &std::path::Path, name: &str) -> CrConnection {
    let c = CrConnection::open(&dir.join(format!("{name}.db"))).expect("open");
    c.execute_batch(
        "CREATE TABLE reads (id INTEGER PRIMARY KEY NOT NULL, plate TEXT NOT NULL DEFAULT '');
         CREATE TABLE hits (id INTEGER PRIMARY KEY NOT NULL, read_id INTEGER NOT NULL DEFAULT 0);
         CREATE TABLE lists (id INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL DEFAULT '');
         SELECT crsql_as_crr('reads'); SELECT crsql_as_crr('hits'); SELECT crsql_as_crr('lists');",
    )
    .expect("schema");
    c
}

fn streams() -> Vec<(String, Vec<String>)> {
    vec![
        ("priority".into(), vec!["hits".into()]),
        ("bulk".into(), vec!["reads".into(), "lists".into()]),
    ]
}

fn car_rules() -> Rules {
    Rules {
        streams: streams(),
        send: vec!["reads".into(), "hits".into()],
        receive: vec!["lists".into()],
        keep_deletes_local: vec!["reads".into()],
    }
}

fn hq_rules() -> Rules {
    Rules {
        streams: streams(),
        send: vec!["lists".into()],
        receive: vec!["reads".into(), "hits".into()],
        keep_deletes_local: vec![],
    }
}

fn count(c: &CrConnection, table: &str) -> i64 {
    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

/// Everything `from` has for `to` on `stream`, batch by batch, as the link would move it.
fn push_all(
    from: &CrConnection,
    fr: &Rules,
    to: &mut CrConnection,
    tr: &Rules,
    stream: &str,
) -> usize {
    let to_site = to.site_id().expect("site");
    let from_site = from.site_id().expect("site");
    let mut batches = 0;
    loop {
        let at = stream_resume(to, &from_site, stream).expect("where the receiver stands");
        let Some(b) = outgoing(from, fr, stream, &to_site, at, 300).expect("outgoing") else {
            return batches;
        };
        let bytes = b.encode().expect("encode");
        apply_incoming(to, tr, ChangeBatch::decode(&bytes).expect("decode")).expect("apply");
        batches += 1;
    }
}

#[test]
fn rows_flow_only_their_way_in_bounded_whole_versions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let car = store(dir.path(), "car");
    let mut hq = store(dir.path(), "hq");
    for i in 0..40 {
        car.execute(
            "INSERT INTO reads (id, plate) VALUES (?1, ?2)",
            rusqlite::params![i, format!("PLATE{i:04}")],
        )
        .expect("read");
    }
    car.execute("INSERT INTO hits (id, read_id) VALUES (1, 3)", [])
        .expect("hit");
    // A list the car made up itself must not reach HQ; HQ's list must reach the car.
    car.execute("INSERT INTO lists (id, name) VALUES (99, 'car-made')", [])
        .expect("list");
    hq.execute("INSERT INTO lists (id, name) VALUES (1, 'ncic')", [])
        .expect("list");

    assert_eq!(
        push_all(&car, &car_rules(), &mut hq, &hq_rules(), "priority"),
        1
    );
    assert_eq!(
        (count(&hq, "hits"), count(&hq, "reads")),
        (1, 0),
        "the hit goes first"
    );
    let batches = push_all(&car, &car_rules(), &mut hq, &hq_rules(), "bulk");
    assert!(
        batches > 3,
        "40 reads in batches of about 300 bytes: {batches}"
    );
    assert_eq!(count(&hq, "reads"), 40);
    assert_eq!(
        count(&hq, "lists"),
        1,
        "the car's own list stayed in the car"
    );

    let mut car = car;
    push_all(&hq, &hq_rules(), &mut car, &car_rules(), "bulk");
    assert_eq!(count(&car, "lists"), 2);
    assert_eq!(count(&car, "reads"), 40, "nothing came back");
}

#[test]
fn a_replayed_or_misplaced_batch_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let car = store(dir.path(), "car");
    let mut hq = store(dir.path(), "hq");
    car.execute("INSERT INTO reads (id, plate) VALUES (1, 'ABC123')", [])
        .expect("read");
    let hq_site = hq.site_id().expect("site");
    let b = outgoing(
        &car,
        &car_rules(),
        "bulk",
        &hq_site,
        Resume::after(0),
        1 << 20,
    )
    .expect("outgoing")
    .expect("a batch");
    apply_incoming(&mut hq, &hq_rules(), b.clone()).expect("first time");
    hq.execute("UPDATE reads SET plate = 'EDITED' WHERE id = 1", [])
        .expect("edit at hq");
    let err = apply_incoming(&mut hq, &hq_rules(), b.clone()).expect_err("replay");
    let ExchangeError::OutOfOrder { expected, .. } = &err else {
        panic!("a replay is out of order: {err}");
    };
    assert_eq!(**expected, Resume::after(1), "{err}");
    let plate: String = hq
        .query_row("SELECT plate FROM reads", [], |r| r.get(0))
        .expect("plate");
    assert_eq!(plate, "EDITED", "the replay changed nothing");

    // A batch after a gap is refused the same way.
    car.execute("INSERT INTO reads (id, plate) VALUES (2, 'X1')", [])
        .expect("read");
    car.execute("INSERT INTO reads (id, plate) VALUES (3, 'X2')", [])
        .expect("read");
    let later = outgoing(
        &car,
        &car_rules(),
        "bulk",
        &hq_site,
        Resume::after(2),
        1 << 20,
    )
    .expect("outgoing")
    .expect("a batch");
    assert!(matches!(
        apply_incoming(&mut hq, &hq_rules(), later),
        Err(ExchangeError::OutOfOrder { .. })
    ));
    assert_eq!(count(&hq, "reads"), 1);

    // A batch naming a table HQ does not take from cars is refused whole.
    car.execute("INSERT INTO lists (id, name) VALUES (5, 'sneaky')", [])
        .expect("list");
    let rogue_rules = Rules {
        send: vec!["reads".into(), "lists".into()],
        ..car_rules()
    };
    let rogue = outgoing(
        &car,
        &rogue_rules,
        "bulk",
        &hq_site,
        Resume::after(1),
        1 << 20,
    )
    .expect("outgoing")
    .expect("a batch");
    let err = apply_incoming(&mut hq, &hq_rules(), rogue).expect_err("direction");
    assert!(
        matches!(err, ExchangeError::Direction { ref table } if table == "lists"),
        "{err}"
    );
    assert_eq!((count(&hq, "reads"), count(&hq, "lists")), (1, 0));
}

#[test]
fn a_cars_purge_stays_in_the_car() {
    let dir = tempfile::tempdir().expect("tempdir");
    let car = store(dir.path(), "car");
    let mut hq = store(dir.path(), "hq");
    for i in 0..5 {
        car.execute("INSERT INTO reads (id, plate) VALUES (?1, 'P')", [i])
            .expect("read");
    }
    push_all(&car, &car_rules(), &mut hq, &hq_rules(), "bulk");
    car.execute("DELETE FROM reads WHERE id < 3", [])
        .expect("purge");
    car.execute("INSERT INTO reads (id, plate) VALUES (10, 'NEW')", [])
        .expect("read");
    push_all(&car, &car_rules(), &mut hq, &hq_rules(), "bulk");
    assert_eq!(count(&car, "reads"), 3);
    assert_eq!(
        count(&hq, "reads"),
        6,
        "HQ keeps its copies and gets the new read"
    );
}

#[test]
fn a_version_larger_than_a_batch_goes_in_parts_and_is_merged_only_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let car = store(dir.path(), "car");
    let mut hq = store(dir.path(), "hq");
    // One transaction of 200 reads: one version far over a 2,000-byte batch.
    car.execute_batch("BEGIN").expect("begin");
    for i in 0..200 {
        car.execute(
            "INSERT INTO reads (id, plate) VALUES (?1, ?2)",
            rusqlite::params![i, format!("BIG{i:05}")],
        )
        .expect("read");
    }
    car.execute_batch("COMMIT").expect("commit");
    let hq_site = hq.site_id().expect("site");
    let car_site = car.site_id().expect("site");
    let mut parts = 0;
    let mut replayed = false;
    loop {
        let at = stream_resume(&hq, &car_site, "bulk").expect("resume");
        let Some(b) = outgoing(&car, &car_rules(), "bulk", &hq_site, at, 2_000).expect("outgoing")
        else {
            break;
        };
        let part = b.part.clone();
        let b = ChangeBatch::decode(&b.encode().expect("encode")).expect("decode");
        apply_incoming(&mut hq, &hq_rules(), b.clone()).expect("part applied");
        parts += 1;
        if part.is_some_and(|p| !p.last) {
            assert_eq!(
                count(&hq, "reads"),
                0,
                "nothing merged before the last part"
            );
            if !replayed {
                // The same part again: refused, and nothing kept twice.
                assert!(matches!(
                    apply_incoming(&mut hq, &hq_rules(), b),
                    Err(ExchangeError::OutOfOrder { .. })
                ));
                replayed = true;
            }
        }
    }
    assert!(parts > 5, "{parts} parts");
    assert!(replayed);
    assert_eq!(count(&hq, "reads"), 200);
    let staged: i64 = hq
        .query_row("SELECT count(*) FROM alpr_sync_staged", [], |r| r.get(0))
        .expect("staged");
    assert_eq!(staged, 0, "nothing left aside");
    // Nothing more to send, and the whole version counts as received.
    let at = stream_resume(&hq, &car_site, "bulk").expect("resume");
    assert_eq!((at.version, at.cursor.clone()), (0, None));
    assert!(
        outgoing(&car, &car_rules(), "bulk", &hq_site, at, 2_000)
            .expect("outgoing")
            .is_none()
    );
}
