//! Every read the appliance has acknowledged to a camera survives a shutdown in the middle of
//! heavy ingest, and a kill at any moment; the database stays sound.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use alpr_appliance::store::Store;
use common::{Running, alpr};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn start(data: &Path) -> Running {
    Running::start(
        alpr()
            .env("ALPR_LOG", "error")
            .args(["run", "--car-id", "CAR-1", "--camera-listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data),
    )
}

/// A camera sending reads with ids as fast as the appliance takes them, collecting receipts.
struct Camera {
    acked: Arc<Mutex<HashSet<String>>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

fn camera(addr: &str, prefix: &str, max: usize) -> Camera {
    let stream = TcpStream::connect(addr).expect("camera connects");
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stream, acked) = (stream.try_clone().expect("clone"), acked.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { return };
                let v: serde_json::Value = serde_json::from_str(&line).expect("a receipt");
                let id = v["ack"].as_str().expect("an ack id").to_string();
                acked.lock().expect("lock").insert(id);
            }
        })
    };
    let writer = {
        let (mut stream, stop, prefix) = (stream, stop.clone(), prefix.to_string());
        std::thread::spawn(move || {
            let time = chrono::Utc::now().to_rfc3339();
            for n in 0..max {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let plate = format!("{prefix}{n:05}");
                let line = format!(
                    "{{\"camera\":\"front\",\"id\":\"{plate}\",\"plate\":\"{plate}\",\"confidence\":0.9,\"time\":\"{time}\"}}\n"
                );
                if stream.write_all(line.as_bytes()).is_err() {
                    return;
                }
            }
        })
    };
    Camera {
        acked,
        stop,
        threads: vec![reader, writer],
    }
}

impl Camera {
    fn finish(self) -> HashSet<String> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            t.join().expect("camera thread");
        }
        Arc::try_unwrap(self.acked)
            .map(|m| m.into_inner().expect("lock"))
            .unwrap_or_default()
    }
}

fn stored_plates(data: &Path) -> (String, HashSet<String>) {
    let store = Store::open(data, "CAR-1").expect("store opens after the stop");
    let integrity = store.integrity().expect("integrity check runs");
    let plates = {
        let mut stmt = store
            .connection()
            .prepare("SELECT plate FROM reads")
            .expect("query");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("plates")
            .collect::<Result<HashSet<_>, _>>()
            .expect("plates")
    };
    store.close().expect("close");
    (integrity, plates)
}

#[test]
fn every_acknowledged_read_survives_sigterm_during_heavy_ingest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut appliance = start(&data);
    let cam = camera(&appliance.camera_addr, "T", 50_000);
    std::thread::sleep(Duration::from_millis(1500));
    appliance.sigterm();
    let exit = appliance.child.wait().expect("exit");
    assert!(exit.success(), "{exit:?}");
    let acked = cam.finish();
    let (integrity, stored) = stored_plates(&data);
    assert_eq!(integrity, "ok");
    assert!(acked.len() > 100, "only {} reads acknowledged", acked.len());
    let lost: Vec<&String> = acked.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged reads lost: {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
}

#[test]
fn a_kill_at_any_moment_loses_no_acknowledged_read_a_hundred_times() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut acked_total = 0;
    let mut all_acked = HashSet::new();
    for round in 0..100 {
        let mut appliance = start(&data);
        let cam = camera(&appliance.camera_addr, &format!("K{round:03}"), 20_000);
        // Reads wait up to the tagger's GPS wait (2 s) for a fix, so kills land before, during
        // and after their commits.
        std::thread::sleep(Duration::from_millis(rng.random_range(5..3000)));
        appliance.child.kill().expect("SIGKILL");
        appliance.child.wait().expect("reaped");
        let acked = cam.finish();
        acked_total += acked.len();
        all_acked.extend(acked);
        let (integrity, stored) = stored_plates(&data);
        assert_eq!(integrity, "ok", "round {round}");
        let lost: Vec<&String> = all_acked.difference(&stored).collect();
        assert!(
            lost.is_empty(),
            "round {round}: {} acknowledged reads lost",
            lost.len()
        );
    }
    assert!(
        acked_total > 1000,
        "only {acked_total} reads acknowledged in all"
    );
}
