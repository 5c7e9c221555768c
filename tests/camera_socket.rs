//! Bad input on the smart-camera socket is logged with what was wrong; the appliance keeps
//! running and nothing stored is lost.

use std::io::Write;
use std::sync::{Arc, Mutex};

use alpr_appliance::hotlist::HotlistIndex;
use alpr_appliance::pipeline::{Pipeline, PipelineConfig};
use alpr_images::smart_camera::{CameraStats, serve};
use alpr_tests::{jpeg_bytes, store, unmatched};
use base64::Engine;
use chrono::Utc;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn read_line(plate: &str, extra: &str) -> String {
    format!(
        r#"{{"camera":"front-left","plate":"{plate}","state":"IA","confidence":0.9,"time":"{}"{extra}}}"#,
        Utc::now().to_rfc3339()
    )
}

async fn send(addr: std::net::SocketAddr, bytes: &[u8]) {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(bytes).await.expect("send");
    s.shutdown().await.expect("close");
}

#[tokio::test]
async fn bad_camera_input_is_logged_and_survived_and_stored_reads_stay() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let logs = logs.clone();
            move || logs.clone()
        })
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let dir = tempfile::tempdir().expect("tempdir");
    let mut car = store(dir.path(), "CAR-3");
    // Reads stored before the bad input arrives.
    let earlier: Vec<_> = (0..3)
        .map(|i| unmatched(&format!("OLD{i}"), Utc::now()))
        .collect();
    car.insert_reads(&earlier).expect("earlier reads");

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (pipeline, inputs) = Pipeline::start(
        PipelineConfig::default(),
        car,
        HotlistIndex::default(),
        None,
    );
    let stats = Arc::new(CameraStats::default());
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(serve(
        listener,
        inputs.observations.clone(),
        stats.clone(),
        shutdown.clone(),
    ));

    let crop = base64::engine::general_purpose::STANDARD.encode(jpeg_bytes(7));
    let mut bad = Vec::new();
    bad.extend_from_slice(b"{\"camera\": \"front-left\", \"plate\": \n"); // broken JSON
    bad.extend_from_slice(&vec![b'x'; 9 * 1024 * 1024]); // a line past the 8 MiB limit
    bad.push(b'\n');
    bad.extend_from_slice(read_line("GOOD1", r#","firmware":"2.1","speed_kph":48"#).as_bytes()); // unknown fields
    bad.push(b'\n');
    bad.extend_from_slice(read_line("GOOD2", &format!(r#","plate_crop":"{crop}""#)).as_bytes());
    bad.push(b'\n');
    send(addr, &bad).await;
    // A connection closed in the middle of a line.
    send(addr, read_line("HALF", "").split_at(30).0.as_bytes()).await;
    // The listener still takes reads afterwards.
    send(addr, format!("{}\n", read_line("GOOD3", "")).as_bytes()).await;

    // Wait until the three good reads have been taken in.
    for _ in 0..500 {
        if stats.snapshot().reads == 3 && stats.snapshot().rejected == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    shutdown.cancel();
    server.await.expect("server stops cleanly");
    drop(inputs);
    let (car, pstats) = pipeline.join().await.expect("pipeline drains");

    let s = stats.snapshot();
    assert_eq!((s.reads, s.rejected), (3, 3), "{s:?}");
    assert_eq!(s.reasons.get("bad-json"), Some(&1));
    assert_eq!(s.reasons.get("too-long"), Some(&1));
    assert_eq!(s.reasons.get("truncated"), Some(&1));
    assert_eq!(pstats.reads_stored, 3);

    let mut plates: Vec<String> = car
        .recent_reads(100)
        .expect("reads")
        .into_iter()
        .map(|r| r.plate)
        .collect();
    plates.sort();
    assert_eq!(
        plates,
        ["GOOD1", "GOOD2", "GOOD3", "OLD0", "OLD1", "OLD2"],
        "nothing stored was lost"
    );
    let with_crop = car
        .recent_reads(100)
        .expect("reads")
        .into_iter()
        .find(|r| r.plate == "GOOD2")
        .expect("GOOD2");
    let sha = with_crop.plate_image_sha256.expect("crop stored by hash");
    assert!(
        car.images()
            .path_of(&sha, alpr_images::ImageFormat::Jpeg)
            .is_file()
    );

    let text = String::from_utf8(logs.0.lock().expect("logs").clone()).expect("utf8 logs");
    assert!(
        text.contains("rejected camera line: not a read event"),
        "{text}"
    );
    assert!(
        text.contains("line=2") && text.contains("longer than 8388608"),
        "{text}"
    );
    assert!(
        text.contains("ignored unknown fields: firmware, speed_kph"),
        "{text}"
    );
    assert!(
        text.contains("connection closed in the middle of a line (30 bytes discarded)"),
        "{text}"
    );
    car.close().expect("close");
}
