//! The recorded camera feed and NMEA route through the real pipeline into a real store.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration as StdDuration;

use alpr_appliance::demo::{FEED, HOTLIST, ROUTE};
use alpr_appliance::hotlist::{ConfusionTable, HotlistIndex, parse_csv_list};
use alpr_appliance::model::ListedPlate;
use alpr_appliance::pipeline::{Pipeline, PipelineConfig, PipelineEvent};
use alpr_appliance::replay::play;
use alpr_appliance::store::Store;
use alpr_gps::{NmeaLog, read_nmea_fixes};
use alpr_images::smart_camera::{CameraStats, RecordedFeed};
use alpr_images::{Frame, PlateObservation, Recognizer, RecognizerError};
use alpr_tests::{expected_position, observation, store};
use chrono::{Duration, Utc};

/// A car's store with the demo hot list loaded, its entries, and the index the pipeline matches
/// against.
fn car_with_demo_hotlist(
    dir: &std::path::Path,
    car_id: &str,
) -> (Store, Vec<ListedPlate>, HotlistIndex) {
    let mut car = store(dir, car_id);
    let entries = parse_csv_list(HOTLIST.as_bytes(), "demo hot list").expect("hot list");
    car.replace_hotlist("demo", "Demo", &entries, "test", "test")
        .expect("hot list loads");
    let (index, _) = car
        .load_hotlist_index(Utc::now(), ConfusionTable::default())
        .expect("entries");
    (car, entries, index)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_feed_and_route_give_positioned_reads_and_hits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (car, _, index) = car_with_demo_hotlist(dir.path(), "CAR-1");

    let camera_stats = CameraStats::default();
    let feed = RecordedFeed::parse(FEED.as_bytes(), "demo feed", &camera_stats);
    let route = NmeaLog::parse(ROUTE.as_bytes()).expect("route");
    let origin = route.start().expect("route start");
    let expected_reads = feed.len() as u64;

    let (pipeline, inputs) = Pipeline::start(PipelineConfig::default(), car, index, None);
    // Recorded times are kept (no shift), so positions can be checked against the route itself.
    let camera = tokio::spawn(play(
        feed.into_events(),
        inputs.observations,
        origin,
        Duration::zero(),
        400.0,
    ));
    let gps = tokio::spawn(play(
        route.into_fixes(),
        inputs.fixes,
        origin,
        Duration::zero(),
        400.0,
    ));
    drop(inputs.hotlists);
    assert_eq!(camera.await.expect("camera replay") as u64, expected_reads);
    gps.await.expect("gps replay");
    let (car, stats) = pipeline.join().await.expect("pipeline drains");

    assert_eq!(stats.reads_stored, expected_reads, "every read is stored");
    assert_eq!(camera_stats.snapshot().rejected, 0);
    let reads = car.recent_reads(10_000).expect("reads");
    assert_eq!(reads.len() as u64, expected_reads);
    let (route_fixes, _) = read_nmea_fixes(ROUTE.as_bytes());
    for r in &reads {
        let (lat, lon) =
            expected_position(&route_fixes, r.captured_at).expect("read within the route");
        let (got_lat, got_lon) = (r.lat.expect("lat"), r.lon.expect("lon"));
        assert!(
            (got_lat - lat).abs() < 1e-7 && (got_lon - lon).abs() < 1e-7,
            "{} at {}: got {got_lat},{got_lon}, route says {lat},{lon}",
            r.plate,
            r.captured_at
        );
        assert!(
            matches!(r.fix_quality.as_str(), "interpolated" | "fix"),
            "{}: {}",
            r.plate,
            r.fix_quality
        );
    }

    let hits = |plate: &str| -> Vec<(String, String, bool)> {
        let mut stmt = car
            .connection()
            .prepare(
                "SELECT read_plate, match_kind, state_mismatch FROM hits WHERE listed_plate = ?1",
            )
            .expect("hits query");
        stmt.query_map([plate], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("hits")
            .collect::<Result<_, _>>()
            .expect("hits")
    };
    assert_eq!(
        hits("KXT482"),
        vec![("KXT482".into(), "exact".into(), false)]
    );
    assert_eq!(
        hits("HJM207"),
        vec![("HJM207".into(), "exact".into(), true)],
        "another state is labelled so"
    );
    assert_eq!(
        hits("719ZPT"),
        vec![("719ZPT".into(), "alternative exact".into(), false)],
        "matched on the second reading"
    );
    assert_eq!(
        hits("BRW9913").len(),
        2,
        "both reads of a car read twice are hits"
    );
    assert_eq!(stats.hits_stored, 6);
    assert_eq!(
        stats.alerts, 5,
        "the second read of the same car within a minute is not a second alert"
    );
    car.close().expect("close");
}

/// Takes its time over each frame and sees one plate in it.
struct SlowRecognizer {
    seen: AtomicU32,
}

impl Recognizer for SlowRecognizer {
    fn recognize(&self, frame: &Frame) -> Result<Vec<PlateObservation>, RecognizerError> {
        std::thread::sleep(StdDuration::from_millis(20));
        let n = self.seen.fetch_add(1, Ordering::SeqCst);
        Ok(vec![observation(
            &format!("FRM{n}"),
            None,
            frame.captured_at,
        )])
    }
}

/// Reads the camera's name as the plate: the front camera sees one car, the others none.
struct CameraRecognizer;

impl Recognizer for CameraRecognizer {
    fn recognize(&self, frame: &Frame) -> Result<Vec<PlateObservation>, RecognizerError> {
        Ok(match frame.camera.as_str() {
            "front" => {
                let mut o = observation("ABC1234", None, frame.captured_at);
                o.camera = frame.camera.clone();
                vec![o]
            }
            _ => Vec::new(),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camera_that_stops_has_its_pass_read_while_another_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let car = store(dir.path(), "CAR-4");
    let config = PipelineConfig::default();
    let quiet = config.passes.quiet;
    // Stored after the pass is read and the tagger has waited for a fix that never comes.
    let deadline = (quiet + config.gps_wait) * 2;
    let (pipeline, inputs) = Pipeline::start(
        config,
        car,
        HotlistIndex::default(),
        Some(Arc::new(CameraRecognizer)),
    );
    let mut events = pipeline.subscribe();
    let frames = inputs.frames.clone().expect("frame input");
    let frame = |camera: &str| Frame {
        camera: camera.into(),
        captured_at: Utc::now(),
        data: Arc::from(vec![0xFF, 0xD8]),
    };
    for _ in 0..3 {
        assert!(frames.send(frame("front")).await);
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    // The front camera is unplugged; the rear one goes on sending frames with no plate in them.
    let started = std::time::Instant::now();
    let stored = loop {
        assert!(frames.send(frame("rear")).await);
        if let Ok(PipelineEvent::Stored(read)) = events.try_recv() {
            break read;
        }
        assert!(
            started.elapsed() < deadline,
            "the front camera's pass was never read"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    };
    assert_eq!(stored.read.observation.plate, "ABC1234");
    assert_eq!(stored.read.observation.camera, "front");
    assert!(
        started.elapsed() >= quiet / 2,
        "read when the camera went quiet, not before"
    );
    drop(frames);
    drop(inputs);
    let (car, stats) = pipeline.join().await.expect("pipeline drains");
    assert_eq!(stats.frame_readings, 3);
    assert_eq!(
        stats.reads_stored, 1,
        "three frames of one car are one read"
    );
    car.close().expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_overload_frames_are_dropped_and_counted_but_reads_are_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let car = store(dir.path(), "CAR-2");
    let recognizer = Arc::new(SlowRecognizer {
        seen: AtomicU32::new(0),
    });
    let (pipeline, inputs) = Pipeline::start(
        PipelineConfig::default(),
        car,
        HotlistIndex::default(),
        Some(recognizer.clone()),
    );
    let frames = inputs
        .frames
        .clone()
        .expect("frame input with a recogniser");
    let mut accepted = 0u32;
    for i in 0..200 {
        let frame = Frame {
            camera: "front".into(),
            captured_at: Utc::now(),
            data: Arc::from(vec![0xFF, 0xD8, 0xFF, i as u8]),
        };
        if frames.offer(frame) {
            accepted += 1;
        }
        tokio::time::sleep(StdDuration::from_millis(1)).await;
    }
    drop(frames);
    drop(inputs);
    let (car, stats) = pipeline.join().await.expect("pipeline drains");
    assert_eq!(stats.frames_received, 200);
    assert!(
        stats.frames_dropped > 0,
        "a recogniser at 50 frames/s cannot keep up with 1000/s"
    );
    assert_eq!(
        stats.frames_dropped + u64::from(accepted),
        200,
        "every frame is accepted or counted as dropped"
    );
    let recognised = u64::from(recognizer.seen.load(Ordering::SeqCst));
    assert_eq!(recognised, u64::from(accepted));
    assert_eq!(stats.frame_readings, recognised);
    // One camera's alike readings within a second are one pass and one read; no reading is
    // lost on the way: each is that read's plate or one of its alternatives.
    let reads = car.recent_reads(1000).expect("reads");
    assert_eq!(reads.len() as u64, stats.reads_stored);
    assert!(
        stats.reads_stored < recognised,
        "readings were gathered into passes"
    );
    let stored: HashSet<String> = reads
        .iter()
        .flat_map(|r| std::iter::once(r.plate.clone()).chain(r.alternatives.iter().cloned()))
        .collect();
    for n in 0..recognised {
        assert!(
            stored.contains(&format!("FRM{n}")),
            "FRM{n} reached the store"
        );
    }
    car.close().expect("close");
}

/// A fixed camera's drive-by rendered by the project, through the real recogniser: each car
/// passing is one read with the plate the frames agree on, and a car on the hot list one alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rendered_drive_by_is_one_read_per_passing_car() {
    use alpr_images::passes::plate_distance;
    use alpr_images::recognize::PlateRecognizer;
    use alpr_images::synth::{FontLibrary, SceneOptions, SceneSequence};

    let plates = ["KXT482", "BRW9913", "GRN4471", "7TRK209", "LMW530"];
    let fonts = FontLibrary::system().expect("fonts (setup-debian.sh installs them)");
    let options = SceneOptions {
        plates: plates.map(String::from).to_vec(),
        degrade: 0.6,
        ..SceneOptions::default()
    };
    let sequence = SceneSequence::new(&fonts, 2026, &options, 36).expect("plans the drive-by");
    // Rendered before the camera starts: frames then come as fast as a camera's, and the pass
    // timing goes by the camera's clock, 150 ms a frame.
    let start = Utc::now();
    let frames: Vec<Frame> = (0..36)
        .map(|i| {
            let scene = sequence.frame(i).expect("renders");
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 88)
                .encode_image(&scene.image)
                .expect("encodes");
            Frame {
                camera: "street".into(),
                captured_at: start + Duration::milliseconds(150 * i as i64),
                data: Arc::from(jpeg),
            }
        })
        .collect();

    let dir = tempfile::tempdir().expect("tempdir");
    let (car, entries, index) = car_with_demo_hotlist(dir.path(), "CAR-3");
    let listed: Vec<&str> = plates
        .into_iter()
        .filter(|p| entries.iter().any(|e| e.plate == *p))
        .collect();
    assert_eq!(
        listed,
        ["KXT482", "BRW9913"],
        "the demo hot list's first plates"
    );

    let recognizer = Arc::new(PlateRecognizer::embedded().expect("embedded recogniser"));
    let (pipeline, inputs) =
        Pipeline::start(PipelineConfig::default(), car, index, Some(recognizer));
    let sender = inputs.frames.clone().expect("frame input");
    for frame in frames {
        assert!(sender.send(frame).await, "the pipeline takes the frame");
    }
    drop(sender);
    drop(inputs);
    let (car, stats) = pipeline.join().await.expect("pipeline drains");

    let reads = car.recent_reads(1000).expect("reads");
    for plate in plates {
        let of_car: Vec<&str> = reads
            .iter()
            .filter(|r| plate_distance(&r.plate, plate).is_some())
            .map(|r| r.plate.as_str())
            .collect();
        assert_eq!(of_car, [plate], "one read of the car with {plate}");
    }
    assert!(
        stats.frame_readings >= 3 * plates.len() as u64,
        "each car was read in several frames: {stats:?}"
    );
    assert_eq!(stats.alerts, 2, "one alert per listed car: {stats:?}");
    for plate in listed {
        let read = reads.iter().find(|r| r.plate == plate).expect("read");
        assert!(read.hits >= 1, "{plate} is a hit");
    }
    car.close().expect("close");
}
