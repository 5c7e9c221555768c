//! The `alpr` program as a user runs it: real processes, real files, real sockets.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alpr_appliance::store::Store;

mod common;

use common::{Running, add_member, alpr, alpr_as};

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
    let mut appliance = Running::start(
        alpr()
            .args(["run", "--car-id", "CAR-9", "--camera-listen", "127.0.0.1:0"])
            .arg("--nmea-file")
            .arg(&route)
            .arg("--data-dir")
            .arg(dir.path().join("data")),
    );
    let addr = appliance.camera_addr.clone();

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
    appliance.sigterm();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut appliance.stdout, &mut rest).expect("rest of stdout");
    let exit = appliance.child.wait().expect("exit");
    assert!(exit.success(), "appliance exit {exit:?}: {rest}");
    assert!(rest.contains("stopped: reads=2 hits=0"), "{rest}");
    assert!(rest.contains("camera_lines_rejected=1"), "{rest}");
}

fn gps_log(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../gps/tests/logs")
        .join(name)
}

#[test]
fn gps_json_prints_one_object_per_epoch_and_the_counts() {
    let out = alpr()
        .args(["gps", "--json", "--nmea-file"])
        .arg(gps_log("noisy.nmea"))
        .output()
        .expect("alpr gps runs");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line one JSON object"))
        .collect();
    assert_eq!(lines.len(), 60, "one per epoch");
    let allowed = [
        "time",
        "lat",
        "lon",
        "alt_m",
        "speed_mps",
        "track_deg",
        "mode",
        "hdop",
        "sats",
    ];
    for l in &lines {
        let obj = l.as_object().expect("an object");
        assert!(obj.keys().all(|k| allowed.contains(&k.as_str())), "{l}");
        assert_eq!(obj["mode"], 3);
    }
    assert_eq!(lines[0]["time"], "2026-03-14T12:00:00.000Z");
    assert_eq!(lines[0]["lat"], 41.672);
    assert_eq!(lines[0]["alt_m"], 209.2);
    // The epoch whose GGA was lost (bad checksum) has no altitude rather than a stale one.
    assert!(lines[27].get("alt_m").is_none(), "{}", lines[27]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let counts = stderr
        .lines()
        .find(|l| l.starts_with("sentences "))
        .expect("closing counts on stderr");
    assert_eq!(summary_count(counts, "fixes"), 60);
    assert!(summary_count(counts, "rejected") > 0);
    assert!(summary_count(counts, "noise_bytes") > 0);
    assert!(counts.contains("bad-checksum="), "{counts}");
}

#[test]
fn gps_survives_ten_megabytes_without_a_newline_and_binary_noise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hostile.nmea");
    let mut bytes = std::fs::read(gps_log("gp_only.nmea")).expect("log");
    let (head, tail) = bytes.split_at(bytes.len() / 2);
    let mut hostile = head.to_vec();
    hostile.extend(std::iter::repeat_n(b'7', 10 * 1024 * 1024));
    hostile.extend((0..=255u8).cycle().take(64 * 1024));
    hostile.extend_from_slice(b"\r\n$GPRMC,garbage*00\r\n$GPGGA,1234");
    hostile.extend_from_slice(b"\r\n");
    hostile.extend_from_slice(tail);
    bytes.clear();
    std::fs::write(&path, &hostile).expect("write");
    let out = alpr()
        .args(["gps", "--json", "--nmea-file"])
        .arg(&path)
        .output()
        .expect("alpr gps runs");
    assert!(out.status.success(), "{out:?}");
    let fixes = String::from_utf8_lossy(&out.stdout).lines().count();
    // The epoch cut by the noise is lost; every other one is read.
    assert!((58..=60).contains(&fixes), "{fixes} fixes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("too-long="), "{stderr}");
}

/// `alpr` on the store in `dir` as its administrator (added on first use).
fn alpr_in(dir: &std::path::Path) -> Command {
    if !dir.join("alpr.db").exists() {
        add_member(dir, "admin", "administrator");
    }
    alpr_as(dir, "admin")
}

fn ok(c: &mut Command) -> String {
    let out = c.output().expect("alpr runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn hotlist_import_match_and_a_bad_file_that_leaves_the_list_live() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hq");
    let list = dir.path().join("ncic.txt");
    std::fs::write(
        &list,
        "ABC123|IA|PC|2027|TOYT|CAM|2019|BLU|V000000001|IA0520100|26-1|STOLEN PLATE\n\
         8OIL5Z|MN|PC|2026|FORD|F15|2015|RED|V000000002|MN0270000|26-2|STOLEN VEHICLE\n",
    )
    .expect("list");
    let out = ok(alpr_in(&data)
        .args(["hotlist", "import", "--list", "ncic", "--format", "ncic"])
        .arg(&list));
    assert!(out.contains("version 1, 2 entries"), "{out}");

    let m = ok(alpr_in(&data).args(["hotlist", "match", "BO1L52", "--state", "MN", "--json"]));
    let hit: serde_json::Value = serde_json::from_str(m.trim()).expect("one JSON hit");
    assert_eq!(hit["listed_plate"], "8OIL5Z");
    assert_eq!(hit["match"], "confusion");
    assert_eq!(hit["confused_positions"], serde_json::json!([0, 2, 5]));
    assert_eq!(hit["make"], "FORD");
    let m = ok(alpr_in(&data).args(["hotlist", "match", "ABC123", "--state", "NE"]));
    assert!(m.contains("STATE DIFFERS"), "{m}");

    // A file with a bad line is refused whole, naming the line; version 1 stays in use.
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "XYZ999|IA|PC\n|IA|PC|2027\n").expect("bad list");
    let out = alpr_in(&data)
        .args(["hotlist", "import", "--list", "ncic", "--format", "ncic"])
        .arg(&bad)
        .output()
        .expect("alpr runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2"), "{err}");
    let ls = ok(alpr_in(&data).args(["hotlist", "ls", "--json"]));
    let l: serde_json::Value = serde_json::from_str(ls.trim()).expect("one list");
    assert_eq!(
        (l["version"].as_i64(), l["entries"].as_u64()),
        (Some(1), Some(2))
    );
}

#[test]
fn a_bolo_is_entered_approved_and_looked_back_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("car");
    add_member(&data, "admin", "administrator");
    add_member(&data, "ofc.lee", "operator");
    add_member(&data, "sgt.kay", "administrator");
    let id = ok(alpr_as(&data, "ofc.lee").args([
        "hotlist",
        "enter",
        "--plate",
        "KX?48*",
        "--reason",
        "ARMED ROBBERY",
        "--case",
        "26-77",
        "--synopsis",
        "bank robbery, grey sedan",
        "--requested-by",
        "Det. Cho",
        "--expires",
        "2099-01-01",
        "--priority",
        "critical",
    ]));
    let id = id.trim().to_string();
    let none = ok(alpr_in(&data).args(["hotlist", "match", "KXT482"]));
    assert!(
        none.contains("no match"),
        "pending entries do not match: {none}"
    );
    let refused = alpr_as(&data, "ofc.lee")
        .args(["hotlist", "approve", &id])
        .output()
        .expect("runs");
    assert!(!refused.status.success());
    let approved = ok(alpr_as(&data, "sgt.kay").args(["hotlist", "approve", &id]));
    assert!(approved.contains("0 found"), "{approved}");
    let m = ok(alpr_in(&data).args(["hotlist", "match", "KXT482"]));
    assert!(m.contains("[wildcard] KX?48*"), "{m}");
}

#[test]
fn a_list_imported_while_the_appliance_runs_is_matched_from_then_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    add_member(&data, "admin", "administrator");
    let mut appliance = Running::start(
        alpr()
            .args(["run", "--car-id", "CAR-7", "--camera-listen", "127.0.0.1:0"])
            .args(["--hotlist-check-secs", "1", "--data-dir"])
            .arg(&data),
    );
    let addr = appliance.camera_addr.clone();
    let send = |plate: &str| {
        let feed = dir.path().join(format!("{plate}.jsonl"));
        let now = chrono::Utc::now().to_rfc3339();
        std::fs::write(
            &feed,
            format!("{{\"camera\":\"front\",\"plate\":\"{plate}\",\"confidence\":0.9,\"time\":\"{now}\"}}\n"),
        )
        .expect("feed");
        let sent = alpr()
            .args(["camera", "send", "--speed", "0", "--to", &addr])
            .arg(&feed)
            .output()
            .expect("send");
        assert!(sent.status.success(), "{sent:?}");
    };
    let counts = || {
        let store = Store::open(&data, "CAR-7").expect("store");
        let n = (
            store.count("reads").expect("reads"),
            store.count("hits").expect("hits"),
        );
        store.close().expect("close");
        n
    };
    let wait_for = |want: (u64, u64)| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while counts() != want {
            assert!(
                Instant::now() < deadline,
                "wanted {want:?}, have {:?}",
                counts()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    send("KXT482");
    wait_for((1, 0));
    let list = dir.path().join("list.csv");
    std::fs::write(&list, "plate,state,reason\nKXT482,IA,stolen vehicle\n").expect("list");
    ok(alpr_in(&data)
        .args(["hotlist", "import", "--list", "state", "--format", "csv"])
        .arg(&list));
    // The appliance looks every second; give it a few.
    std::thread::sleep(Duration::from_secs(3));
    send("KXT482");
    wait_for((2, 1));
    appliance.sigterm();
    let exit = appliance.child.wait().expect("exit");
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn the_appliance_tells_systemd_it_is_alive_and_stops_after_ignition_off() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().expect("tempdir");
    let ignition = dir.path().join("ignition");
    std::fs::write(&ignition, "1\n").expect("ignition on");
    let config = dir.path().join("alpr.toml");
    std::fs::write(
        &config,
        format!(
            "car_id = \"CAR-5\"\ndata_dir = {:?}\n[cameras]\nlisten = \"127.0.0.1:0\"\n\
             [lifecycle]\nshutdown_delay_s = 10\n[lifecycle.ignition]\npath = {:?}\npoll_ms = 100\n",
            dir.path().join("data"),
            ignition
        ),
    )
    .expect("config");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut appliance = alpr()
        .args(["run", "--config"])
        .arg(&config)
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "200000")
        .stdout(Stdio::null())
        .spawn()
        .expect("alpr run starts");
    let mut said = Vec::new();
    let mut buf = [0u8; 256];
    let recv = |buf: &mut [u8]| -> String {
        let n = socket.recv(buf).expect("a notification");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    while !said.iter().any(|m: &String| m.contains("WATCHDOG=1")) {
        said.push(recv(&mut buf));
    }
    assert!(said[0].contains("READY=1"), "{said:?}");
    let off_at = Instant::now();
    std::fs::write(&ignition, "0\n").expect("ignition off");
    loop {
        let m = recv(&mut buf);
        if m.contains("STOPPING=1") {
            break;
        }
        assert!(m.contains("WATCHDOG=1"), "{m}");
    }
    let waited = off_at.elapsed();
    let exit = appliance.wait().expect("exit");
    assert!(exit.success(), "{exit:?}");
    assert!(
        waited >= Duration::from_secs(10),
        "stopped {waited:?} after ignition off, before the delay"
    );
}

#[test]
fn a_bad_configuration_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("alpr.toml");
    std::fs::write(
        &config,
        "car_id = \"CAR-5\"\ndata_dir = \"/tmp/x\"\n[gps]\ngpsd = \"h:1\"\nbaud = 9600\n",
    )
    .expect("config");
    let out = alpr()
        .args(["run", "--config"])
        .arg(&config)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gps.baud") && err.contains("alpr.toml"),
        "{err}"
    );
}

#[test]
fn recognize_json_gives_one_object_per_image_and_goes_on_past_bad_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").expect("write");
    let blank = dir.path().join("blank.png");
    image::RgbImage::from_pixel(640, 360, image::Rgb([110, 110, 115]))
        .save(&blank)
        .expect("png");
    let out = alpr()
        .args(["recognize", "--json"])
        .arg(&empty)
        .arg(&blank)
        .output()
        .expect("alpr recognize runs");
    assert!(!out.status.success(), "a bad image makes the exit status 1");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("empty"))
    );
    assert_eq!(lines[1]["plates"], serde_json::json!([]));
    assert!(lines[1].get("error").is_none());
}

#[test]
fn bench_accuracy_recognize_and_bench_recognize_take_networks_given_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let crops = dir.path().join("crops");
    let scenes = dir.path().join("scenes");
    let models = dir.path().join("models");
    for d in [&crops, &scenes, &models] {
        std::fs::create_dir(d).expect("mkdir");
    }
    image::RgbImage::from_pixel(200, 100, image::Rgb([240, 240, 240]))
        .save(crops.join("a.png"))
        .expect("png");
    image::RgbImage::from_pixel(200, 100, image::Rgb([20, 20, 20]))
        .save(crops.join("b.png"))
        .expect("png");
    std::fs::write(
        crops.join("labels.csv"),
        "file,state,plate\na.png,ca,ABC123\nb.png,tx,XYZ9\n",
    )
    .expect("labels");
    let splits = dir.path().join("splits.json");
    std::fs::write(
        &splits,
        r#"{"crops_validation": ["b.png"], "scenes_holdout": []}"#,
    )
    .expect("splits");
    let bench = |models: &std::path::Path, splits: Option<&std::path::Path>| {
        let mut c = alpr();
        c.args(["bench", "accuracy", "--threads", "1", "--crops"])
            .arg(&crops)
            .arg("--scenes")
            .arg(&scenes)
            .arg("--models")
            .arg(models);
        if let Some(s) = splits {
            c.arg("--splits").arg(s);
        }
        c.output().expect("alpr bench accuracy runs")
    };

    // No network in the directory: the built-in ones, on the splits given.
    let out = bench(&models, Some(&splits));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figures: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(figures["crops"]["validation"]["plates"], 1, "{figures}");
    assert_eq!(figures["crops"]["training"]["plates"], 1, "{figures}");

    // Networks given apart are measured on the splits they were trained with, never the
    // committed ones.
    let out = bench(&models, None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--splits"));

    std::fs::write(models.join("reader.onnx"), b"not a network").expect("write");
    let out = bench(&models, Some(&splits));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reader.onnx"), "{err}");
    let out = alpr()
        .args(["recognize", "--json", "--models"])
        .arg(&models)
        .arg(crops.join("a.png"))
        .output()
        .expect("alpr recognize runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reader.onnx"), "{err}");
    let out = alpr()
        .args(["bench", "recognize", "--frames", "1", "--models"])
        .arg(&models)
        .arg(&crops)
        .output()
        .expect("alpr bench recognize runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reader.onnx"), "{err}");
}

/// `alpr bench layouts` with `args`: its figures, after checking it succeeded.
fn bench_layouts(args: &[&str]) -> serde_json::Value {
    let out = alpr()
        .args(["bench", "layouts"])
        .args(args)
        .output()
        .expect("alpr bench layouts runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn bench_layouts_accounts_for_every_rendered_plate_by_layout() {
    let figures = bench_layouts(&["--scenes", "12", "--seed", "77"]);
    let classes = figures["classes"].as_object().expect("classes");
    let mut plates = 0;
    for (class, c) in classes {
        let n = c["plates"].as_u64().expect("plates");
        let exact = (c["exact_o_as_0"].as_f64().expect("share") * n as f64).round() as u64;
        let others: u64 = [
            "wrong_sure",
            "wrong_flagged_unsure",
            "found_nothing_stored",
            "not_found",
        ]
        .iter()
        .map(|k| c[*k].as_u64().expect("count"))
        .sum();
        assert_eq!(exact + others, n, "{class}: {c}");
        plates += n;
    }
    assert!(plates >= 12, "{figures}");
    let issued = &figures["classes"]["one_row_issued"];
    assert!(issued["exact"].as_f64().expect("share") > 0.3, "{figures}");
    // Frames 0 and 9 of seed 77 each have a plate partly behind the side of a car in the next
    // lane (`CUW460`, `6760JB`).
    let hidden = figures["classes"]["partly_hidden"]["plates"].as_u64();
    assert!(hidden >= Some(2), "{figures}");

    // The committed weights given as networks trained apart read as the built-in ones do.
    let models = concat!(env!("CARGO_MANIFEST_DIR"), "/../images/models");
    let classes_with = |extra: &[&str]| {
        let args = [&["--scenes", "3", "--seed", "77"], extra].concat();
        bench_layouts(&args)["classes"].clone()
    };
    assert_eq!(classes_with(&[]), classes_with(&["--models", models]));

    // Refused, naming what was wrong: no frames, or networks in no directory.
    for (bad, named) in [
        (["--scenes", "0"], "--scenes"),
        (["--models", "/no/such/networks"], "/no/such/networks"),
    ] {
        let out = alpr()
            .args(["bench", "layouts"])
            .args(bad)
            .output()
            .expect("alpr bench layouts runs");
        assert!(!out.status.success(), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{bad:?}: {err}");
    }
}

/// The shared real images (`ALPR_SHARED_DATA`, or `../shared/data` beside the project).
fn shared_data() -> std::path::PathBuf {
    std::env::var_os("ALPR_SHARED_DATA").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
        std::path::PathBuf::from,
    )
}

#[test]
fn bench_hits_tells_the_right_alert_from_none_and_from_a_wrong_one() {
    let real = shared_data().join("us-plate-crops");
    assert!(real.join("labels.csv").is_file(), "{}", real.display());
    let dir = tempfile::tempdir().expect("tempdir");
    let crops = dir.path().join("crops");
    let scenes = dir.path().join("scenes");
    std::fs::create_dir(&crops).expect("mkdir");
    std::fs::create_dir(&scenes).expect("mkdir");
    image::RgbImage::from_pixel(200, 100, image::Rgb([240, 240, 240]))
        .save(crops.join("blank.png"))
        .expect("png");
    let real = |f: &str| real.join(f).display().to_string();
    // ak1165 reads `FUW999`; al1181 reads `26A178N`, listed here as `26A17BN` in Texas (8 and B
    // are one OCR confusion); ca1127 reads `BUBBTE2`, which is the blank crop's listed plate.
    let labels = format!(
        "file,state,plate\n{},ak,FUW999\n{},tx,26A17BN\n{},ca,BUBBIE2\nblank.png,ca,BUBBTE2\n",
        real("ak1165.png"),
        real("al1181.png"),
        real("ca1127.png"),
    );
    std::fs::write(crops.join("labels.csv"), labels).expect("labels");
    let splits = dir.path().join("splits.json");
    let val = serde_json::json!({
        "crops_validation": [real("ak1165.png"), real("al1181.png"), real("ca1127.png")],
        "scenes_holdout": [],
    });
    std::fs::write(&splits, val.to_string()).expect("splits");
    let out = alpr()
        .args(["bench", "hits", "--entries", "2000", "--crops"])
        .arg(&crops)
        .arg("--scenes")
        .arg(&scenes)
        .arg("--splits")
        .arg(&splits)
        .output()
        .expect("alpr bench hits runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figures: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let v = &figures["crops"]["validation"];
    assert_eq!(v["plates"], 3, "{figures}");
    assert_eq!(v["alerted_read_exactly"], 1, "{figures}");
    assert_eq!(v["alerted_through_confusion"], 1, "{figures}");
    assert_eq!(v["alerted_state_mismatch"], 1, "{figures}");
    assert_eq!(v["no_alert"], 1, "{figures}");
    assert_eq!(v["no_alert_examples"][0]["plate"], "BUBBIE2", "{figures}");
    assert_eq!(v["wrong_alerts"], 1, "{figures}");
    assert_eq!(
        v["wrong_alert_examples"][0]["alerted_on"],
        serde_json::json!(["BUBBTE2"]),
        "{figures}"
    );
    let t = &figures["crops"]["training"];
    assert_eq!(t["plates"], 1, "{figures}");
    assert_eq!(t["no_alert"], 1, "{figures}");
    assert_eq!(figures["labelled_plates_listed"], 4, "{figures}");
    assert_eq!(figures["scenes"]["validation"]["plates"], 0, "{figures}");

    // A crop that is not there is named, and the run stops.
    std::fs::write(
        crops.join("labels.csv"),
        "file,state,plate\nmissing.png,ca,ABC123\n",
    )
    .expect("labels");
    let out = alpr()
        .args(["bench", "hits", "--entries", "10", "--crops"])
        .arg(&crops)
        .arg("--scenes")
        .arg(&scenes)
        .output()
        .expect("alpr bench hits runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing.png"), "{err}");
}

#[test]
fn bench_recognize_tells_where_each_frame_s_time_goes() {
    let scenes = shared_data().join("us-scenes-dev");
    let mut jpegs: Vec<_> = std::fs::read_dir(&scenes)
        .expect("the shared scenes")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    jpegs.sort();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&jpegs[0], dir.path().join("street.jpg")).expect("copy a scene");
    image::RgbImage::from_pixel(640, 360, image::Rgb([90, 90, 90]))
        .save(dir.path().join("grey.png"))
        .expect("png");
    let out = alpr()
        .args(["bench", "recognize", "--frames", "6", "--threads", "1"])
        .arg(dir.path())
        .output()
        .expect("alpr bench recognize runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figures: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let nets = &figures["one_thread_per_network"];
    // Every frame is searched once; plates, when found, are read and their state told.
    assert_eq!(nets["detector"]["runs_per_frame"], 1.0, "{figures}");
    assert!(
        nets["detector"]["ms_per_run"].as_f64().expect("ms") > 0.0,
        "{figures}"
    );
    let reads = nets["reader"]["runs_per_frame"].as_f64().expect("runs");
    let found = figures["plates_found_per_frame"].as_f64().expect("plates");
    assert!(found > 0.0 && reads >= found, "{figures}");
    // The networks run inside the frame's time.
    let in_networks: f64 = ["detector", "reader", "state"]
        .iter()
        .map(|n| nets[*n]["ms_per_frame"].as_f64().expect("ms"))
        .sum();
    let mean = figures["one_thread"]["mean_ms"].as_f64().expect("mean");
    assert!(in_networks <= mean, "{figures}");
}
