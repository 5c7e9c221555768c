//! Two stores in separate files converge by exchanging crsql_changes both ways.

use alpr_appliance::store::Store;
use alpr_sync::{CrConnection, pull};
use alpr_tests::{store, unmatched};
use chrono::{Duration, Utc};

/// Every replicated row of `reads`, in key order, as text.
fn reads_table(conn: &CrConnection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT hex(id), car_id, plate, state, confidence, captured_at_ms, fix_quality FROM reads ORDER BY id")
        .expect("query");
    stmt.query_map([], |r| {
        Ok(format!(
            "{}|{}|{}|{:?}|{}|{}|{}",
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, f64>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, String>(6)?
        ))
    })
    .expect("rows")
    .collect::<Result<_, _>>()
    .expect("rows")
}

fn exchange(a: &mut Store, b: &mut Store) {
    // Each pull reads from one store's file and merges into the other's.
    pull(a.connection(), b.connection_mut(), 1000).expect("a to b");
    pull(b.connection(), a.connection_mut(), 1000).expect("b to a");
}

#[test]
fn two_stores_converge_and_concurrent_edits_resolve_the_same_on_both_sides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut car = store(dir.path(), "CAR-7");
    let mut hq = store(dir.path(), "HQ");
    let t0 = Utc::now();
    let car_reads: Vec<_> = (0..5)
        .map(|i| unmatched(&format!("CAR{i}"), t0 + Duration::seconds(i)))
        .collect();
    let hq_reads: Vec<_> = (0..3)
        .map(|i| unmatched(&format!("HQ{i}"), t0 + Duration::seconds(i)))
        .collect();
    car.insert_reads(&car_reads).expect("car writes");
    hq.insert_reads(&hq_reads).expect("hq writes");
    assert_ne!(reads_table(car.connection()), reads_table(hq.connection()));

    exchange(&mut car, &mut hq);
    let after = reads_table(car.connection());
    assert_eq!(after.len(), 8);
    assert_eq!(
        after,
        reads_table(hq.connection()),
        "both hold the same rows"
    );

    // Twice over: both sides edit the same row while apart, then meet again.
    let shared = car_reads[0].read.id;
    for round in 0..2 {
        car.connection()
            .execute(
                "UPDATE reads SET plate = ?1, fix_quality = 'stale' WHERE id = ?2",
                (format!("CARFIX{round}"), shared.as_bytes()),
            )
            .expect("car edit");
        hq.connection()
            .execute(
                "UPDATE reads SET plate = ?1 WHERE id = ?2",
                (format!("HQFIX{round}"), shared.as_bytes()),
            )
            .expect("hq edit");
        hq.connection()
            .execute(
                "UPDATE reads SET plate = ?1 WHERE id = ?2",
                (format!("HQFIX{round}B"), shared.as_bytes()),
            )
            .expect("hq second edit");
        exchange(&mut car, &mut hq);
        let car_view = reads_table(car.connection());
        assert_eq!(
            car_view,
            reads_table(hq.connection()),
            "round {round}: both sides resolve the same"
        );
        let row = car_view
            .iter()
            .find(|r| r.starts_with(&shared.simple().to_string().to_uppercase()))
            .expect("row");
        // cr-sqlite merges per column by edit count: HQ edited the plate twice, the car once.
        assert!(
            row.contains(&format!("|HQFIX{round}B|")),
            "round {round}: {row}"
        );
        assert!(
            row.ends_with("|stale"),
            "the car's edit to another column survives: {row}"
        );
    }
}
