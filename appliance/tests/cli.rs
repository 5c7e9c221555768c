//! The `alpr` program as a user runs it: real processes, real files, real sockets.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alpr_appliance::store::Store;

fn alpr() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alpr"));
    c.env("ALPR_LOG", "warn");
    c
}

fn summary_count(line: &str, key: &str) -> u64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
}

#[test]
fn headless_demo_reads_hits_and_syncs_to_headquarters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = alpr()
        .args([
            "demo",
            "--headless",
            "--speed",
            "200",
            "--sync-every",
            "0.5",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .expect("alpr demo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("SUMMARY"))
        .expect("a summary line");
    let reads = summary_count(summary, "reads");
    let hits = summary_count(summary, "hits");
    assert!(reads > 0 && hits > 0, "{summary}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("READ ")).count() as u64,
        reads,
        "each read is printed"
    );
    assert!(stdout.lines().filter(|l| l.starts_with("HIT ")).count() > 0);
    assert!(
        stdout.contains("STATE DIFFERS"),
        "a hit on another state's plate is said plainly"
    );
    assert_eq!(
        summary_count(summary, "rows_synced"),
        reads + hits,
        "every read and hit reached headquarters"
    );

    // Headquarters really holds them: open its store and count.
    let hq = Store::open(&dir.path().join("hq"), "HQ").expect("hq store");
    assert_eq!(hq.count("reads").expect("count"), reads);
    assert_eq!(hq.count("hits").expect("count"), hits);
    hq.close().expect("close");
}

#[test]
fn demo_refuses_a_nonsense_speed_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = alpr()
        .args(["demo", "--headless", "--speed=0", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--speed must be a positive number"));
}

#[test]
fn appliance_takes_a_camera_feed_over_tcp_and_shuts_down_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let route = dir.path().join("route.nmea");
    std::fs::write(&route, alpr_appliance::demo::ROUTE).expect("route");
    let mut appliance = alpr()
        .args([
            "run",
            "--car-id",
            "CAR-9",
            "--camera-listen",
            "127.0.0.1:0",
            "--nmea-file",
        ])
        .arg(&route)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("alpr run starts");
    let mut stdout = BufReader::new(appliance.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("listening line");
    let addr = line.trim().rsplit(' ').next().expect("address").to_string();
    assert!(line.starts_with("listening for smart cameras on"), "{line}");

    // A feed with a broken line among good ones, sent as fast as the appliance takes it.
    let now = chrono::Utc::now().to_rfc3339();
    let feed = dir.path().join("feed.jsonl");
    std::fs::write(
        &feed,
        format!(
            "{{\"camera\":\"rear\",\"plate\":\"ABC123\",\"state\":\"IA\",\"confidence\":0.9,\"time\":\"{now}\"}}\n\
             {{\"camera\":\"rear\",\"plate\":\n\
             {{\"camera\":\"rear\",\"plate\":\"XYZ789\",\"confidence\":0.8,\"time\":\"{now}\"}}\n"
        ),
    )
    .expect("feed");
    let sent = alpr()
        .args(["camera", "send", "--speed", "0", "--to", &addr])
        .arg(&feed)
        .output()
        .expect("send");
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );

    // The store is WAL, so the reads can be watched arriving while the appliance runs.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let store = Store::open(&dir.path().join("data"), "CAR-9").expect("store");
        let n = store.count("reads").expect("count");
        store.close().expect("close");
        if n == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "reads did not arrive: {n}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-TERM", &appliance.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("rest of stdout");
    let exit = appliance.wait().expect("exit");
    assert!(exit.success(), "appliance exit {exit:?}: {rest}");
    assert!(rest.contains("stopped: reads=2 hits=0"), "{rest}");
    assert!(rest.contains("camera_lines_rejected=1"), "{rest}");
}
