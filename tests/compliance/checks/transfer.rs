//! Reads, hits, searches and the audit trail move from the car's store to headquarters'.

use std::sync::Arc;

use alpr_appliance::store::{ReadQuery, Store};
use alpr_images::ImageFormat;
use alpr_sync::CrConnection;
use alpr_tests::agency::PASSWORD;
use chrono::Utc;

use super::{Fx, listed, read_days};

/// Every key of `table` (hex), sorted.
fn keys(conn: &CrConnection, table: &str, filter: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!("SELECT hex(id) FROM {table} {filter} ORDER BY id"))
        .expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("keys")
        .collect::<Result<_, _>>()
        .expect("keys")
}

/// (id, plate, plate image sha256, context image sha256) of every read.
fn reads(conn: &CrConnection) -> Vec<(String, String, Option<String>, Option<String>)> {
    let mut stmt = conn
        .prepare(
            "SELECT hex(id), plate, plate_image_sha256, context_image_sha256 FROM reads ORDER BY id",
        )
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("reads")
        .collect::<Result<_, _>>()
        .expect("reads")
}

/// A car with 100 reads (5 of them hits) and 3 searches syncs to an empty headquarters store:
/// every row arrives, the reads name the same images (whose files hash to those names), and the
/// car's audit chain verifies at headquarters. (General hot lists flow the other way only, as
/// versions; the car's list stays in the car.)
pub fn reads_transfer_to_headquarters(policy_id: &str) {
    let mut car = Fx::new(policy_id);
    let plain: Vec<_> = (0..95)
        .map(|i| read_days(&format!("TRF{i:03}"), 0, i as i64 + 1, i as u8))
        .collect();
    car.insert(&plain);
    let hot: Vec<_> = (0..5)
        .map(|i| listed(&format!("HOT{i:03}"), Some("IA")))
        .collect();
    car.load_list("ncic", &hot);
    for i in 0..5 {
        car.hit(&format!("HOT{i:03}"), Some("IA"));
    }
    let det = car.det.clone();
    let purpose = car.purpose();
    for p in ["TRF00*", "TRF01*", "HOT*"] {
        car.store
            .search_reads(
                &det,
                &ReadQuery {
                    plate: Some(p.into()),
                    ..Default::default()
                },
                &purpose,
            )
            .expect("search");
    }
    assert_eq!(car.rows("reads"), 100);
    assert_eq!(car.rows("hits"), 5);
    assert_eq!(car.rows("searches"), 3);
    let chain: String = car
        .store
        .connection()
        .query_row("SELECT chain FROM audit_head", [], |r| r.get(0))
        .expect("the car's chain");
    let car_records = car.rows("audit_events");

    let mut hq = Store::open(&car.path("HQ"), "HQ").expect("headquarters store");
    alpr_sync::pull(car.store.connection(), hq.connection_mut(), 1000).expect("car to HQ");
    let (from, to) = (car.store.connection(), hq.connection());
    for table in ["reads", "hits", "searches", "users"] {
        if table == "users" {
            let ids = |c: &CrConnection| -> Vec<String> {
                let mut s = c
                    .prepare("SELECT id FROM users ORDER BY id")
                    .expect("prepare");
                s.query_map([], |r| r.get(0))
                    .expect("ids")
                    .collect::<Result<_, _>>()
                    .expect("ids")
            };
            assert_eq!(ids(from), ids(to), "members");
            continue;
        }
        let car_keys = keys(from, table, "");
        assert!(!car_keys.is_empty(), "{table}");
        assert_eq!(car_keys, keys(to, table, ""), "{table} at headquarters");
    }
    let audit_filter = format!("WHERE chain = '{chain}'");
    assert_eq!(
        keys(from, "audit_events", &audit_filter),
        keys(to, "audit_events", &audit_filter)
    );
    let at_car = reads(from);
    assert_eq!(at_car, reads(to), "plates and image hashes");
    // The rows carry the images' hashes (the files themselves are not moved by the change
    // exchange); the car's files hash to the names the rows give.
    for (_, plate, crop, context) in at_car.iter().filter(|r| r.1.starts_with("TRF")) {
        for sha in [crop, context] {
            let sha = sha.as_ref().expect("an image");
            let bytes = std::fs::read(car.store.images().path_of(sha, ImageFormat::Jpeg))
                .unwrap_or_else(|e| panic!("{plate}'s image {sha}: {e}"));
            assert_eq!(&alpr_appliance::sha256_hex(&bytes), sha, "{plate}");
        }
    }

    hq.use_policy(Arc::new(super::policy(policy_id)))
        .expect("headquarters runs the agency's policy");
    let aud = hq
        .login("aud", PASSWORD, true, Utc::now())
        .expect("members arrive with the reads");
    let v = hq.verify_audit(&aud).expect("verify at headquarters");
    assert!(v.ok(), "{v:?}");
    let car_chain = v
        .chains
        .iter()
        .find(|(c, _)| *c == chain)
        .expect("the car's chain at headquarters");
    assert_eq!(car_chain.1, car_records);
    hq.close().expect("close");
}
