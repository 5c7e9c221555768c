//! The gpsd client: fixes through Debian's gpsd, fed by gpsfake, against the same log decoded
//! directly; and reconnecting when gpsd goes away and comes back.
//!
//! Needs the Debian packages gpsd and gpsd-clients (`tests/setup-debian.sh` installs them).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::os::unix::process::CommandExt;

use alpr_gps::{Fix, GpsHandle, GpsSource, GpsdConfig, read_nmea_fixes};
use tokio::sync::mpsc;

/// A gpsfake run: killed with its gpsd when dropped.
struct Gpsfake {
    child: Child,
    _tmp: tempfile::TempDir,
}

impl Drop for Gpsfake {
    fn drop(&mut self) {
        // gpsfake leads its own process group; its gpsd is in it.
        if let Ok(pid) = i32::try_from(self.child.id())
            && pid > 1
        {
            // gpsfake does not always exit on SIGTERM (it waits for its gpsd); nothing of theirs
            // needs to outlive the test.
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

/// Starts gpsfake on `log`: it runs a private gpsd on `port` and feeds it the log once, one
/// sentence every `cycle`, as soon as a client is watching.
fn gpsfake(log: &Path, port: u16, cycle: &str) -> Gpsfake {
    let tmp = tempfile::tempdir().expect("tempdir");
    let child = Command::new("gpsfake")
        .args(["-1", "-q", "-c", cycle, "-P", &port.to_string()])
        .arg(log)
        // Its control socket goes in TMPDIR: a private one keeps parallel runs apart.
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(tmp.path().join("gpsfake.log"))
                .map_or_else(|_| Stdio::null(), Stdio::from),
        )
        .process_group(0)
        .spawn()
        .expect("gpsfake runs (Debian packages gpsd and gpsd-clients)");
    Gpsfake { child, _tmp: tmp }
}

/// The fixes that come through gpsd while gpsfake plays `log` once.
async fn through_gpsd(log: &Path) -> Vec<Fix> {
    // The port is free when chosen but may be taken before gpsd binds it (gpsd then exits and
    // gpsfake waits for ever): try again on another.
    for _ in 0..3 {
        let port = free_port();
        let _fake = gpsfake(log, port, "0.01");
        let (tx, mut rx) = mpsc::channel(1024);
        let config = GpsdConfig {
            reconnect_every: Duration::from_millis(100),
            ..GpsdConfig::new(format!("127.0.0.1:{port}"))
        };
        let gps = GpsHandle::spawn(GpsSource::Gpsd(config), tx).expect("gpsd client starts");
        let mut fixes = Vec::new();
        // gpsfake ends (and its gpsd with it) when the log is done; the stream then goes quiet.
        let mut quiet_for = Duration::from_secs(20);
        while let Ok(Some(fix)) = tokio::time::timeout(quiet_for, rx.recv()).await {
            fixes.push(fix);
            quiet_for = Duration::from_secs(3);
        }
        let status = gps.stop();
        if !fixes.is_empty() {
            return fixes;
        }
        let said = std::fs::read_to_string(_fake._tmp.path().join("gpsfake.log"));
        eprintln!("no fix came through gpsd on port {port}: {status:?}; gpsfake said {said:?}");
    }
    panic!("no fix came through gpsd for {log:?}");
}

fn log(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/logs")
        .join(name)
}

fn close(a: Option<f64>, b: Option<f64>, tolerance: f64) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= tolerance,
        _ => false,
    }
}

/// Every epoch that came through gpsd is the epoch decoded directly, and none is missing after
/// the first. (gpsfake starts feeding as soon as a client connects, and gpsd takes up to a
/// second or so to open the device and lock on to the stream: the first epochs may be lost, and
/// the first one reported may be partial.)
fn compare(name: &str, via_gpsd: &[Fix]) {
    let bytes = std::fs::read(log(name)).expect("log");
    let (direct, _) = read_nmea_fixes(&bytes);
    let first = direct
        .iter()
        .position(|f| f.time == via_gpsd[0].time)
        .expect("gpsd's first fix is an epoch of the log");
    assert!(first <= 12, "{name}: gpsd's fixes start at epoch {first}");
    assert!(
        direct.len() - first >= 40,
        "{name}: too few epochs through gpsd"
    );
    // The first epoch gpsd reported may be partial (gpsd had not seen the whole of it).
    let rest = &via_gpsd[1..];
    let expected = &direct[first + 1..];
    let times = |f: &[Fix]| f.iter().map(|f| f.time).collect::<Vec<_>>();
    assert_eq!(times(rest), times(expected), "{name}: epochs through gpsd");
    for (g, d) in rest.iter().zip(expected) {
        let same = g.mode == d.mode
            && close(g.lat, d.lat, 2e-9)
            && close(g.lon, d.lon, 2e-9)
            && close(g.alt_m, d.alt_m, 1e-4)
            && close(g.speed_mps, d.speed_mps, 1e-3)
            && close(g.track_deg, d.track_deg, 1e-4)
            && close(g.hdop, d.hdop, 1e-6);
        assert!(same, "{name} {}:\n gpsd   {g:?}\n direct {d:?}", d.time);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixes_through_gpsd_match_the_log_read_directly() {
    for name in ["gn_multi.nmea", "tunnel.nmea"] {
        let via_gpsd = through_gpsd(&log(name)).await;
        compare(name, &via_gpsd);
    }
}

/// gpsd's side of one connection: the greeting, the answer to `?WATCH`, then `reports`.
fn serve(stream: std::net::TcpStream, reports: &[&str]) {
    use std::io::{BufRead, BufReader, Write};
    let mut w = stream.try_clone().expect("clone");
    let mut r = BufReader::new(stream);
    writeln!(
        w,
        r#"{{"class":"VERSION","release":"3.22","rev":"3.22","proto_major":3,"proto_minor":14}}"#
    )
    .expect("greeting");
    let mut watch = String::new();
    r.read_line(&mut watch).expect("?WATCH");
    assert!(watch.starts_with("?WATCH="), "{watch}");
    writeln!(w, r#"{{"class":"DEVICES","devices":[]}}"#).expect("devices");
    writeln!(w, r#"{{"class":"WATCH","enable":true,"json":true}}"#).expect("watch");
    for line in reports {
        writeln!(w, "{line}").expect("report");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_reconnects_when_gpsd_restarts() {
    // What gpsd 3.22 sent for gn_multi.nmea, served by a stand-in that closes the connection
    // half-way (gpsd stopping) and then accepts again (gpsd back).
    let reference = std::fs::read_to_string(log("gn_multi.gpsd.jsonl")).expect("gpsd reference");
    let reports: Vec<String> = reference.lines().map(str::to_string).collect();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        let (half1, half2) = reports.split_at(reports.len() / 2);
        for part in [half1, half2] {
            let (stream, _) = listener.accept().expect("client connects");
            let lines: Vec<&str> = part.iter().map(String::as_str).collect();
            serve(stream, &lines);
        }
    });
    let (tx, mut rx) = mpsc::channel(1024);
    let config = GpsdConfig {
        reconnect_every: Duration::from_millis(100),
        ..GpsdConfig::new(addr.to_string())
    };
    let gps = GpsHandle::spawn(GpsSource::Gpsd(config), tx).expect("client starts");
    let mut fixes = Vec::new();
    while let Ok(Some(fix)) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
        fixes.push(fix);
        if fixes.len() == 60 {
            break;
        }
    }
    server.join().expect("stand-in gpsd");
    let status = gps.stop();
    let bytes = std::fs::read(log("gn_multi.nmea")).expect("log");
    let (direct, _) = read_nmea_fixes(&bytes);
    let times = |f: &[Fix]| f.iter().map(|f| f.time).collect::<Vec<_>>();
    assert_eq!(
        times(&fixes),
        times(&direct),
        "every epoch, across the restart"
    );
    assert_eq!(status.reconnects, 1, "{status:?}");
}
