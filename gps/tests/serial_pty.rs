//! The serial reader against a real pseudo-terminal pair: baud detection, fixes, and a receiver
//! unplugged and plugged back in.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use alpr_gps::{Fix, GpsHandle, GpsSource, SerialConfig, frame_sentence, read_nmea_fixes};
use serialport::{SerialPort, TTYPort};
use tokio::sync::mpsc;

/// NMEA for `n` epochs from second `start`, as an old 4800-baud puck sends it.
fn epochs(start: u32, n: u32) -> Vec<u8> {
    let mut out = String::new();
    for i in start..start + n {
        let hms = format!("1200{:02}.00", i % 60);
        let lon = format!("{:09.4}", 9134.8180 - f64::from(i) * 0.0100);
        for body in [
            format!("GPGGA,{hms},4140.5840,N,{lon},W,1,07,1.1,210.{i},M,-31.2,M,,"),
            "GPGSA,A,3,02,05,12,15,18,21,24,,,,,,2.0,1.1,1.6".to_string(),
            format!("GPRMC,{hms},A,4140.5840,N,{lon},W,25.3,270.0,140326,,,A"),
        ] {
            out.push_str(&frame_sentence(&body));
            out.push_str("\r\n");
        }
    }
    out.into_bytes()
}

/// Writes like a receiver: at its pace, in chunks that cut sentences in two.
fn feed(master: &mut TTYPort, bytes: &[u8]) {
    for chunk in bytes.chunks(37) {
        master.write_all(chunk).expect("write to pty");
        std::thread::sleep(Duration::from_millis(3));
    }
}

fn plug_in(link: &Path) -> (TTYPort, TTYPort) {
    let (mut master, slave) = TTYPort::pair().expect("pty pair");
    master.set_baud_rate(4800).expect("4800 baud settings");
    let name = slave.name().expect("slave path");
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(name, link).expect("device link");
    (master, slave)
}

async fn recv(rx: &mut mpsc::Receiver<Fix>) -> Fix {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a fix in time")
        .expect("stream open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixes_from_a_pty_at_4800_baud_survive_unplugging() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("gps0");
    let (mut master, slave) = plug_in(&link);

    let (tx, mut rx) = mpsc::channel(256);
    let config = SerialConfig {
        reconnect_every: Duration::from_millis(100),
        detect_window: Duration::from_millis(800),
        ..SerialConfig::new(&link)
    };
    let gps = GpsHandle::spawn(GpsSource::Serial(config), tx).expect("reader starts");

    let first = epochs(0, 20);
    let (expected, _) = read_nmea_fixes(&first);
    let writer = std::thread::spawn(move || {
        feed(&mut master, &first);
        master
    });
    // Detection listens to the first sentences, so the first epoch after it may lack the ones it
    // heard (its GGA, say); every fix after that one must be exactly the log's.
    let got = recv(&mut rx).await;
    let skip = expected
        .iter()
        .position(|f| f.time == got.time)
        .expect("a fix of the log");
    assert!(skip < 5, "detection took {skip} epochs");
    assert_eq!(got.position(), expected[skip].position());
    for want in &expected[skip + 1..expected.len() - 1] {
        assert_eq!(&recv(&mut rx).await, want);
    }
    let status = gps.status();
    assert_eq!(status.baud, Some(4800), "{status:?}");
    assert!(status.connected);

    // Unplug: the pty goes away. The reader notices and keeps trying.
    drop(writer.join().expect("writer"));
    drop(slave);
    for _ in 0..100 {
        if !gps.status().connected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!gps.status().connected, "unplugging is noticed");

    // Plug back in (a new pty behind the same device name) and the fixes come again.
    let (mut master, _slave) = plug_in(&link);
    let second = epochs(30, 20);
    let (expected, _) = read_nmea_fixes(&second);
    let writer = std::thread::spawn(move || {
        feed(&mut master, &second);
        master
    });
    // The epoch cut off by the unplugging may come now; the new ones follow in order.
    let mut got = recv(&mut rx).await;
    while !expected.iter().any(|f| f.time == got.time) {
        got = recv(&mut rx).await;
    }
    let at = expected
        .iter()
        .position(|f| f.time == got.time)
        .expect("a fix of the second log");
    // As at the start, detection may have heard part of this epoch.
    assert_eq!(got.position(), expected[at].position());
    assert_eq!(&recv(&mut rx).await, &expected[at + 1]);
    drop(writer.join().expect("writer"));
    let status = gps.stop();
    assert_eq!(status.reconnects, 1, "{status:?}");
    assert!(status.clock_offset_ms.is_some());
}
