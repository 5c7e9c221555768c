//! Frame sources against real components: an MJPEG camera served on loopback by the test,
//! directories and recordings on disk, and a V4L2 device that is not there.
//!
//! No test waits a fixed time for something to happen: each waits for the counters to say it
//! happened (with a generous guard that only a hang reaches), and scripted cameras move on only
//! when the test tells them to.

use std::path::Path;
use std::time::Duration;

use alpr_images::Frame;
use alpr_images::source::{self, FrameSourceSpec, SourceError, SourceStats, SourceStatsSnapshot};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Only a hang reaches this.
const GUARD: Duration = Duration::from_secs(30);

fn jpeg(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(32, 24, |x, y| {
        image::Rgb([shade, (x * 8) as u8, (y * 10) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .expect("encode a test JPEG");
    out
}

fn png(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(20, 10, image::Rgb([shade, 0, 0]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode a test PNG");
    out.into_inner()
}

/// A source running on its own task, its frames (those the sink took) on a channel.
struct Running {
    frames: mpsc::UnboundedReceiver<Frame>,
    stats: SourceStats,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), SourceError>>,
}

/// Starts `spec` as camera "front"; `take(n)` says whether the sink takes the n-th frame (from 1).
fn start(spec: &str, take: impl Fn(u64) -> bool + Send + 'static) -> Running {
    let spec: FrameSourceSpec = spec.parse().expect("a valid source");
    let stats = SourceStats::new(spec.to_string());
    let shutdown = CancellationToken::new();
    let (tx, frames) = mpsc::unbounded_channel();
    let mut n = 0;
    let sink = move |frame: Frame| {
        n += 1;
        take(n) && tx.send(frame).is_ok()
    };
    let task = tokio::spawn(source::run(
        spec,
        "front".into(),
        sink,
        stats.clone(),
        shutdown.clone(),
    ));
    Running {
        frames,
        stats,
        shutdown,
        task,
    }
}

impl Running {
    /// Waits until the counters satisfy `cond`, and gives the snapshot that did.
    async fn wait_for(
        &self,
        what: &str,
        cond: impl Fn(&SourceStatsSnapshot) -> bool,
    ) -> SourceStatsSnapshot {
        let deadline = tokio::time::Instant::now() + GUARD;
        loop {
            let s = self.stats.snapshot();
            if cond(&s) {
                return s;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {GUARD:?} for {what}; the source says {s:#?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn next_frame(&mut self) -> Frame {
        tokio::time::timeout(GUARD, self.frames.recv())
            .await
            .expect("a frame before the guard")
            .expect("the source is running")
    }

    async fn stop(self) -> Result<(), SourceError> {
        self.shutdown.cancel();
        tokio::time::timeout(GUARD, self.task)
            .await
            .expect("the source stops when told")
            .expect("the source's task does not panic")
    }

    async fn finish(self) -> (Result<(), SourceError>, Vec<Frame>) {
        let Running {
            mut frames, task, ..
        } = self;
        let result = tokio::time::timeout(GUARD, task)
            .await
            .expect("a recorded source ends")
            .expect("the source's task does not panic");
        let mut got = Vec::new();
        while let Ok(f) = frames.try_recv() {
            got.push(f);
        }
        (result, got)
    }
}

// --- An MJPEG camera on loopback, scripted by the test ---

/// Reads a request's head (up to its blank line).
async fn read_request(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).await.expect("read the request");
        assert!(n == 1 && head.len() < 8192, "a request head");
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).to_ascii_lowercase()
}

const STREAM_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; \
                           boundary=\"frame\"\r\nCache-Control: no-cache\r\n\r\n";

/// One part, with a `Content-Length` or not.
fn part(content_type: &str, body: &[u8], with_length: bool) -> Vec<u8> {
    let mut p = format!("--frame\r\nContent-Type: {content_type}\r\n").into_bytes();
    if with_length {
        p.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    p.extend_from_slice(b"\r\n");
    p.extend_from_slice(body);
    p.extend_from_slice(b"\r\n");
    p
}

/// Accepts the next connection and answers the request with the stream head and `parts`.
async fn serve_stream(listener: &TcpListener, parts: &[Vec<u8>]) -> (TcpStream, String) {
    let (mut stream, _) = listener.accept().await.expect("accept");
    let request = read_request(&mut stream).await;
    stream
        .write_all(STREAM_HEAD.as_bytes())
        .await
        .expect("write the head");
    for p in parts {
        stream.write_all(p).await.expect("write a part");
    }
    stream.flush().await.expect("flush");
    (stream, request)
}

#[tokio::test]
async fn http_frames_arrive_with_basic_auth_and_frames_not_taken_are_counted_dropped() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let images: Vec<Vec<u8>> = (0..6).map(|i| jpeg(i * 40)).collect();
    let parts: Vec<Vec<u8>> = images
        .iter()
        .enumerate()
        .map(|(i, img)| part("image/jpeg", img, i % 2 == 0))
        .collect();
    // Every second frame is not taken, as when the recogniser is behind.
    let mut src = start(
        &format!("http://user:p%40ss@127.0.0.1:{port}/mjpg/video.mjpg?fps=5"),
        |n| n % 2 == 1,
    );
    let (_open, request) = serve_stream(&listener, &parts).await;
    assert!(
        request.starts_with("get /mjpg/video.mjpg?fps=5 http/1.1"),
        "{request}"
    );
    // base64("user:p@ss")
    assert!(
        request.contains("authorization: basic dxnlcjpwqhnz\r\n"),
        "{request}"
    );

    // The last part has no length: it is complete only when a boundary follows it, which a
    // camera sends with the next frame.
    let s = src
        .wait_for("five frames and a rate", |s| s.frames >= 5 && s.fps > 0.0)
        .await;
    assert_eq!((s.frames, s.dropped, s.skipped), (5, 2, 0), "{s:#?}");
    assert!(s.connected);
    assert_eq!((s.reconnects, s.failed_connects), (0, 0));
    assert_eq!(s.last_frame_size, Some([32, 24]));
    assert_eq!(
        s.bytes,
        images[..5].iter().map(|i| i.len() as u64).sum::<u64>()
    );
    assert_eq!(
        s.source,
        format!("http://user:***@127.0.0.1:{port}/mjpg/video.mjpg?fps=5")
    );
    for expected in [&images[0], &images[2], &images[4]] {
        let f = src.next_frame().await;
        assert_eq!(f.camera, "front");
        assert_eq!(&f.data[..], &expected[..]);
    }
    src.stop().await.expect("a live source stops cleanly");
}

#[tokio::test]
async fn http_source_reconnects_when_the_camera_goes_away_and_comes_back() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut src = start(&format!("http://{addr}/video"), |_| true);

    let first: Vec<Vec<u8>> = (0..3).map(|i| part("image/jpeg", &jpeg(i), true)).collect();
    let (stream, _) = serve_stream(&listener, &first).await;
    src.wait_for("the first three frames", |s| s.frames == 3)
        .await;
    // The camera goes away: the connection drops and nothing listens any more.
    drop(stream);
    drop(listener);
    let s = src
        .wait_for("an attempt to reach the camera while it is away", |s| {
            s.failed_connects >= 1
        })
        .await;
    assert!(!s.connected, "{s:#?}");
    assert!(
        s.last_error
            .as_deref()
            .is_some_and(|e| e.contains(&addr.to_string())),
        "the error names the camera: {s:#?}"
    );

    // It comes back on the same address.
    let listener = TcpListener::bind(addr).await.expect("bind again");
    let second: Vec<Vec<u8>> = (3..6).map(|i| part("image/jpeg", &jpeg(i), true)).collect();
    let (_open, _) = serve_stream(&listener, &second).await;
    let s = src.wait_for("three more frames", |s| s.frames == 6).await;
    assert_eq!(s.reconnects, 1, "{s:#?}");
    assert!(s.connected);
    for i in 0..6 {
        assert_eq!(&src.next_frame().await.data[..], &jpeg(i)[..]);
    }
    src.stop().await.expect("stops");
}

#[tokio::test]
async fn http_garbage_and_parts_that_are_not_images_are_skipped_and_counted() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let src = start(&format!("http://{addr}/"), |_| true);

    // First the "camera" answers with something that is not HTTP at all.
    let (mut stream, _) = listener.accept().await.expect("accept");
    read_request(&mut stream).await;
    stream
        .write_all(b"\x00\x01garbage\xff\xfe not http\r\n\r\n")
        .await
        .expect("write");
    drop(stream);
    let s = src
        .wait_for("a failed attempt", |s| s.failed_connects == 1)
        .await;
    assert!(
        s.last_error.as_deref().is_some_and(|e| e.contains("HTTP")),
        "{s:#?}"
    );

    // Then with a web page.
    let (mut stream, _) = listener.accept().await.expect("accept");
    read_request(&mut stream).await;
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>")
        .await
        .expect("write");
    let s = src
        .wait_for("a second failed attempt", |s| s.failed_connects == 2)
        .await;
    assert!(
        s.last_error
            .as_deref()
            .is_some_and(|e| e.contains("text/html, not an MJPEG stream")),
        "{s:#?}"
    );
    drop(stream);

    // Then with a stream holding a text part, stray bytes, a cut-off JPEG and good frames.
    let good = jpeg(7);
    let mut parts = vec![
        part("image/jpeg", &good, true),
        part("text/plain", b"hello camera", true),
    ];
    parts.push(b"\x13\x37 stray bytes between parts \xff\r\n".to_vec());
    parts.push(part("image/jpeg", &good[..good.len() / 2], false));
    parts.push(part("image/jpeg", &good, false));
    parts.push(part("image/jpeg", &good, true));
    let (_open, _) = serve_stream(&listener, &parts).await;
    let s = src
        .wait_for("the good frames and the skips", |s| {
            s.frames == 3 && s.skipped == 3
        })
        .await;
    assert!(s.connected, "{s:#?}");
    assert!(
        s.last_error
            .as_deref()
            .is_some_and(|e| e.contains("cut short")),
        "{s:#?}"
    );
    src.stop().await.expect("stops");
}

// --- Directories ---

fn write(dir: &Path, name: &str, data: &[u8]) {
    std::fs::write(dir.join(name), data).expect("write a test file");
}

#[tokio::test]
async fn a_directory_plays_its_images_by_name_and_names_the_file_it_skips() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "003.JPG", &jpeg(3));
    write(dir.path(), "001.jpg", &jpeg(1));
    write(dir.path(), "002.png", &png(2));
    write(dir.path(), "002b-corrupt.jpg", b"this is not a JPEG");
    write(dir.path(), "notes.txt", b"not an image, not even looked at");
    let src = start(&format!("dir:{}?fps=0", dir.path().display()), |_| true);
    let stats = src.stats.clone();
    let (result, frames) = src.finish().await;
    result.expect("the directory plays to its end");
    let data: Vec<Vec<u8>> = frames.iter().map(|f| f.data.to_vec()).collect();
    assert_eq!(data, [jpeg(1), png(2), jpeg(3)]);
    let s = stats.snapshot();
    assert_eq!((s.frames, s.skipped, s.dropped), (3, 1, 0), "{s:#?}");
    assert!(!s.connected, "a played directory is done");
    let err = s.last_error.unwrap_or_default();
    assert!(
        err.contains("002b-corrupt.jpg") && err.contains("not a JPEG or PNG"),
        "{err}"
    );
}

#[tokio::test]
async fn a_looping_directory_starts_again_until_stopped() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.jpg", &jpeg(1));
    write(dir.path(), "b.jpg", &jpeg(2));
    let mut src = start(
        &format!("dir:{}?fps=0&loop=true", dir.path().display()),
        |_| true,
    );
    for i in 0..5 {
        let expected = if i % 2 == 0 { jpeg(1) } else { jpeg(2) };
        assert_eq!(&src.next_frame().await.data[..], &expected[..]);
    }
    src.stop().await.expect("stops");
}

#[tokio::test]
async fn a_missing_or_empty_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nowhere");
    let (result, _) = start(&format!("dir:{}", missing.display()), |_| true)
        .finish()
        .await;
    let err = result.expect_err("missing").to_string();
    assert!(err.contains(&missing.display().to_string()), "{err}");

    write(dir.path(), "bad.png", b"\x89PNG but no more");
    let (result, _) = start(
        &format!("dir:{}?loop=true&fps=0", dir.path().display()),
        |_| true,
    )
    .finish()
    .await;
    let err = result.expect_err("nothing playable").to_string();
    assert!(err.contains("could be read as an image"), "{err}");
}

// --- Recordings ---

#[tokio::test]
async fn a_recording_of_concatenated_jpegs_replays_in_order_skipping_damage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let images: Vec<Vec<u8>> = (0..5).map(|i| jpeg(i * 50)).collect();
    let mut file = Vec::new();
    for (i, img) in images.iter().enumerate() {
        file.extend_from_slice(img);
        if i == 1 {
            file.extend_from_slice(b"\r\n--not a frame--\r\n");
        }
    }
    // The recording was cut off mid-frame.
    file.extend_from_slice(&images[0][..100]);
    let path = dir.path().join("front.mjpeg");
    std::fs::write(&path, &file).expect("write");

    let src = start(&format!("replay:{}?fps=0", path.display()), |_| true);
    let stats = src.stats.clone();
    let (result, frames) = src.finish().await;
    result.expect("plays to the end");
    let data: Vec<Vec<u8>> = frames.iter().map(|f| f.data.to_vec()).collect();
    assert_eq!(data, images);
    let s = stats.snapshot();
    assert_eq!((s.frames, s.skipped), (5, 2), "{s:#?}");
    assert!(
        s.last_error
            .as_deref()
            .is_some_and(|e| e.contains("cut short")),
        "{s:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_recording_plays_at_its_rate_and_loops() {
    // The clock is the test's: the rate measured is exactly the rate played.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("r.mjpeg");
    std::fs::write(&path, [jpeg(1), jpeg(2), jpeg(3)].concat()).expect("write");
    let mut src = start(
        &format!("replay:{}?fps=4&loop=true", path.display()),
        |_| true,
    );
    let started = tokio::time::Instant::now();
    for i in 0..8u8 {
        assert_eq!(&src.next_frame().await.data[..], &jpeg(i % 3 + 1)[..]);
    }
    // Eight frames at 4 a second: seven gaps of 250 ms.
    assert_eq!(started.elapsed(), Duration::from_millis(1750));
    let s = src.stats.snapshot();
    assert!((s.fps - 4.0).abs() < 1e-6, "{s:#?}");
    src.stop().await.expect("stops");
}

// --- V4L2 ---

#[tokio::test]
async fn a_missing_v4l2_device_is_named_in_the_error_and_tried_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = dir.path().join("video7");
    let src = start(&format!("v4l2:{}", device.display()), |_| true);
    let s = src
        .wait_for("two attempts", |s| s.failed_connects >= 2)
        .await;
    let err = s.last_error.unwrap_or_default();
    assert!(
        err.contains(&device.display().to_string()) && err.contains("no such device"),
        "{err}"
    );
    assert_eq!((s.frames, s.reconnects), (0, 0));
    src.stop().await.expect("stops while waiting to retry");
}

#[tokio::test]
async fn a_file_that_is_not_a_v4l2_device_says_so() {
    let file = tempfile::NamedTempFile::new().expect("tempfile");
    let src = start(&format!("v4l2:{}", file.path().display()), |_| true);
    let s = src.wait_for("an attempt", |s| s.failed_connects >= 1).await;
    let err = s.last_error.unwrap_or_default();
    assert!(err.contains("not a V4L2 device"), "{err}");
    src.stop().await.expect("stops");
}

#[test]
fn the_snapshot_serialises_for_the_status_file() {
    let stats = SourceStats::new("dir:/x?fps=10&loop=false");
    stats.connected();
    stats.frame(1000, Some([640, 480]));
    stats.dropped();
    let json = serde_json::to_value(stats.snapshot()).expect("serialises");
    for key in [
        "source",
        "connected",
        "frames",
        "dropped",
        "skipped",
        "bytes",
        "reconnects",
        "failed_connects",
        "fps",
        "last_frame_at",
        "last_frame_size",
        "last_error",
    ] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
    let back: SourceStatsSnapshot = serde_json::from_value(json).expect("reads back");
    assert_eq!((back.frames, back.dropped, back.bytes), (1, 1, 1000));
}
