//! `alpr selftest` against a simulated car: a GPS puck on a pseudo-terminal, a smart camera on a
//! socket, the real appliance; then the puck unplugged and the camera stopped.

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use alpr_gps::frame_sentence;
use chrono::Utc;
use serde_json::Value;
use serialport::{SerialPort, TTYPort};

mod common;

use common::{Running, add_member, alpr, alpr_as};

/// A puck sending an epoch at 5 Hz with the current time, until `stop`.
fn puck(mut master: TTYPort, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let now = Utc::now();
            let hms = now.format("%H%M%S%.3f");
            let dmy = now.format("%d%m%y");
            for body in [
                format!("GPGGA,{hms},4140.5840,N,09134.8180,W,1,08,0.9,210.0,M,-31.2,M,,"),
                "GPGSA,A,3,02,05,12,15,18,21,24,29,,,,,1.6,0.9,1.3".to_string(),
                format!("GPRMC,{hms},A,4140.5840,N,09134.8180,W,12.0,90.0,{dmy},,,A"),
            ] {
                if master
                    .write_all(format!("{}\r\n", frame_sentence(&body)).as_bytes())
                    .is_err()
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    })
}

fn selftest(data: &Path) -> (bool, Value) {
    let out = alpr()
        .args([
            "selftest",
            "--json",
            "--camera-silence-secs",
            "1",
            "--data-dir",
        ])
        .arg(data)
        .output()
        .expect("selftest runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    (out.status.success(), v)
}

fn status_of(v: &Value, name: &str) -> (String, String) {
    let c = v["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no {name} check in {v}"));
    (
        c["status"].as_str().unwrap_or_default().to_string(),
        c["hint"].as_str().unwrap_or_default().to_string(),
    )
}

/// Polls the self-test until `name` reads `want`.
fn wait_for(data: &Path, name: &str, want: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, v) = selftest(data);
        if status_of(&v, name).0 == want {
            return v;
        }
        assert!(Instant::now() < deadline, "{name} never became {want}: {v}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn selftest_sees_the_car_and_names_what_was_unplugged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let list = dir.path().join("list.csv");
    std::fs::write(&list, "plate,state\nKXT482,IA\n").expect("list");
    alpr_appliance::store::Store::open(&data, "CAR-3")
        .and_then(|s| s.close())
        .expect("the car's store");
    add_member(&data, "admin", "administrator");
    let imported = alpr_as(&data, "admin")
        .args(["hotlist", "import", "--list", "state", "--format", "csv"])
        .args(["--car-id", "CAR-3"])
        .arg(&list)
        .output()
        .expect("import");
    assert!(imported.status.success(), "{imported:?}");

    let link = dir.path().join("gps0");
    let mut appliance = Running::start(
        alpr()
            .args(["run", "--car-id", "CAR-3", "--camera-listen", "127.0.0.1:0"])
            .arg("--gps-serial")
            .arg(&link)
            .arg("--data-dir")
            .arg(&data),
    );
    // The puck is plugged in after the appliance starts (it looks for the device every second):
    // a child process started later would inherit the pty's master and keep it from hanging up.
    let (master, slave) = TTYPort::pair().expect("pty pair");
    std::os::unix::fs::symlink(slave.name().expect("pty name"), &link).expect("link");
    let stop = Arc::new(AtomicBool::new(false));
    let writer = puck(master, stop.clone());
    let addr = appliance.camera_addr.clone();
    // A camera reading a plate every 300 ms over one connection, until stopped.
    let camera_stop = Arc::new(AtomicBool::new(false));
    let camera = {
        let stop = camera_stop.clone();
        let mut stream = TcpStream::connect(&addr).expect("camera connects");
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let read = format!(
                    "{{\"camera\":\"front\",\"plate\":\"ABC123\",\"confidence\":0.9,\"time\":\"{}\"}}\n",
                    Utc::now().to_rfc3339()
                );
                if stream.write_all(read.as_bytes()).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };

    wait_for(&data, "gps", "pass");
    let v = wait_for(&data, "cameras", "pass");
    for name in ["appliance", "storage", "database", "hotlists", "clock"] {
        assert_eq!(status_of(&v, name).0, "pass", "{name}: {v}");
    }

    // Unplug the puck: the GPS check fails, naming the cable.
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("puck");
    drop(slave);
    let _ = std::fs::remove_file(&link);
    let v = wait_for(&data, "gps", "fail");
    assert!(status_of(&v, "gps").1.contains("USB cable"), "{v}");
    assert_eq!(
        status_of(&v, "cameras").0,
        "pass",
        "the camera still sends: {v}"
    );

    // Stop the camera: the camera check fails, saying none is connected.
    camera_stop.store(true, Ordering::Relaxed);
    camera.join().expect("camera");
    let v = wait_for(&data, "cameras", "fail");
    assert!(
        status_of(&v, "cameras")
            .1
            .contains("no camera is connected"),
        "{v}"
    );
    let (ok, v) = selftest(&data);
    assert!(!ok, "a failed check fails the command");
    assert_eq!(v["overall"], "fail");

    appliance.sigterm();
    assert!(appliance.child.wait().expect("exit").success());
    // Stopped: the appliance check says so.
    std::thread::sleep(Duration::from_secs(11));
    let (_, v) = selftest(&data);
    assert_eq!(status_of(&v, "appliance").0, "fail", "{v}");
}
