//! The officer's screen, headless: Slint's testing backend with its real software renderer, over a
//! real store, with a hit raised by the real pipeline. The officer logs in, walks the checklist
//! and records a disposition; the test checks what the store holds, and writes a screenshot of
//! each screen (into `docs/screenshots/` when `ALPR_SCREENSHOTS` names that folder).

use std::path::{Path, PathBuf};
use std::time::Duration;

use alpr_appliance::hotlist::{ConfusionTable, parse_csv_list};
use alpr_appliance::pipeline::{Pipeline, PipelineConfig, PipelineEvent};
use alpr_appliance::screen;
use alpr_images::{ImageBytes, PlateObservation};
use alpr_tests::agency::{Agency, PASSWORD};
use alpr_ui::audio::AlertSpeaker;
use alpr_ui::screen::Screen;
use chrono::Utc;
use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, TestingBackend, TestingBackendOptions,
};
use slint::ComponentHandle;

/// A real street photo from the shared data set and where its plate is (YG9X2G).
const SCENE: &str = "us-scenes-dev/0b86cecf-67d1-4fc0-87c9-b36b0ee228bb.jpg";
const PLATE_BOX: (u32, u32, u32, u32) = (935, 362, 99, 49);

fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
}

fn labelled(screen: &Screen, label: &str) -> ElementHandle {
    ElementHandle::find_by_accessible_label(screen.window(), label)
        .next()
        .unwrap_or_else(|| panic!("no {label:?} on the {} screen", screen.current_screen()))
}

/// The element labelled `label` with `role` (a field's caption is a text labelled alike).
fn with_role(screen: &Screen, label: &str, role: AccessibleRole) -> ElementHandle {
    ElementHandle::find_by_accessible_label(screen.window(), label)
        .find(|e| e.accessible_role() == Some(role))
        .unwrap_or_else(|| {
            let seen: Vec<_> = ElementHandle::find_by_accessible_label(screen.window(), label)
                .map(|e| (e.accessible_role(), e.type_name(), e.id()))
                .collect();
            let all: Vec<_> = i_slint_backend_testing::ElementQuery::from_root(screen.window())
                .match_descendants()
                .find_all()
                .iter()
                .filter_map(|e| {
                    e.accessible_label()
                        .map(|l| (l.to_string(), e.accessible_role()))
                })
                .take(40)
                .collect();
            panic!(
                "no {role:?} {label:?} on the {} screen: {seen:?}; labels: {all:?}",
                screen.current_screen()
            )
        })
}

fn press(screen: &Screen, label: &str) {
    let e = ElementHandle::find_by_accessible_label(screen.window(), label)
        .find(|e| {
            matches!(
                e.accessible_role(),
                Some(AccessibleRole::Button | AccessibleRole::Checkbox)
            )
        })
        .unwrap_or_else(|| {
            panic!(
                "no button {label:?} on the {} screen",
                screen.current_screen()
            )
        });
    assert_ne!(
        e.accessible_enabled(),
        Some(false),
        "{label:?} is not enabled on the {} screen",
        screen.current_screen()
    );
    e.invoke_accessible_default_action();
}

fn type_into(screen: &Screen, label: &str, text: &str) {
    with_role(screen, label, AccessibleRole::TextInput).set_accessible_value(text);
}

fn description(screen: &Screen, label: &str) -> String {
    labelled(screen, label)
        .accessible_description()
        .unwrap_or_default()
        .to_string()
}

/// What `alpr run` writes every 2 s: two cameras sending, a GPS with a fix.
fn write_status(dir: &Path) {
    use alpr_appliance::diagnostics::{ApplianceStatus, GpsState};
    use alpr_images::smart_camera::{CameraSeen, CameraStatsSnapshot};
    let now = Utc::now();
    let seen = CameraSeen {
        reads: 200,
        last_read_ms: now.timestamp_millis(),
    };
    let fix = alpr_gps::Fix {
        time: now,
        lat: Some(41.8445),
        lon: Some(-90.1887),
        alt_m: Some(180.0),
        speed_mps: Some(11.0),
        track_deg: Some(90.0),
        mode: alpr_gps::FixMode::ThreeD,
        hdop: Some(0.9),
        sats: Some(9),
        source: alpr_gps::FixSource::Nmea,
    };
    let status = ApplianceStatus {
        car_id: "CAR-7".into(),
        pid: std::process::id(),
        started_at: now,
        written_at: now,
        camera_listen: "0.0.0.0:7070".into(),
        cameras: CameraStatsSnapshot {
            connections: 2,
            open: 2,
            cameras: [
                ("front-left".to_string(), seen.clone()),
                ("front-right".to_string(), seen),
            ]
            .into_iter()
            .collect(),
            lines: 400,
            reads: 400,
            ..CameraStatsSnapshot::default()
        },
        frame_cameras: Default::default(),
        gps: GpsState {
            receiver: alpr_gps::GpsStatusSnapshot {
                source: "serial:/dev/ttyUSB0".into(),
                connected: true,
                baud: Some(9600),
                last_fix: Some(fix),
                fixes: 3600,
                clock_offset_ms: Some(120),
                ..alpr_gps::GpsStatusSnapshot::default()
            },
            last_position_at: Some(now),
        },
        reads_stored: 400,
        hits: 1,
        frames_dropped: 0,
        hotlist_entries: 1,
        sync: None,
    };
    status.write(dir).expect("status written");
}

/// Saves the window and checks it drew something: a blank or one-colour window fails.
fn shoot(screen: &Screen, dir: &Path, name: &str) {
    let path = dir.join(format!("{name}.png"));
    screen.save_png(&path).expect("snapshot");
    let img = image::open(&path).expect("snapshot reads back").to_rgba8();
    assert!(
        img.width() >= 1000 && img.height() >= 700,
        "{name}: {}x{}",
        img.width(),
        img.height()
    );
    let mut colours = std::collections::HashSet::new();
    for p in img.pixels().step_by(97) {
        colours.insert(p.0);
    }
    assert!(
        colours.len() > 20,
        "{name}: only {} colours: nothing drawn",
        colours.len()
    );
}

/// A plate the program draws itself (Slint's software renderer), for the committed screenshots:
/// the shared photographs must not end up in the repository, even inside a picture.
fn sample_crop() -> ImageBytes {
    let plate = alpr_ui::screen::SamplePlate::new().expect("sample plate");
    plate.set_plate("YG9X2G".into());
    plate.set_state_name("CALIFORNIA".into());
    plate.set_motto("dmv.ca.gov".into());
    plate.window().set_size(slint::PhysicalSize::new(300, 150));
    plate.show().expect("sample plate shows");
    let pixels = plate.window().take_snapshot().expect("sample plate draws");
    let img =
        image::RgbaImage::from_raw(pixels.width(), pixels.height(), pixels.as_bytes().to_vec())
            .expect("pixels fill the image");
    plate.hide().expect("sample plate hides");
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png)
        .expect("sample encodes");
    ImageBytes(png.into_inner())
}

fn crop_and_scene() -> (ImageBytes, ImageBytes) {
    let bytes =
        std::fs::read(shared_data().join(SCENE)).expect("the shared scene is beside the project");
    let scene = image::load_from_memory(&bytes).expect("scene decodes");
    let (x, y, w, h) = PLATE_BOX;
    let crop = scene.crop_imm(x - 10, y - 8, w + 20, h + 16);
    let mut png = std::io::Cursor::new(Vec::new());
    crop.write_to(&mut png, image::ImageFormat::Png)
        .expect("crop encodes");
    (ImageBytes(png.into_inner()), ImageBytes(bytes))
}

#[test]
fn an_officer_logs_in_walks_the_checklist_and_records_the_disposition() {
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: false,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .expect("the testing platform is the first");

    let tmp = tempfile::tempdir().expect("tempdir");
    let shots = std::env::var_os("ALPR_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("screenshots"));
    std::fs::create_dir_all(&shots).expect("screenshot folder");

    // A Clinton car: its hot list has the plate as listed, YG9X26 out of Arizona, and the
    // camera reads YG9X2G in California: a 6/G confusion and a state that differs.
    let mut agency = Agency::new(tmp.path(), "clinton", "CAR-7");
    let list = "plate,state,make,model,color,reason,priority,instructions\n\
                YG9X26,AZ,HOND,ACC,GRY,stolen vehicle,high,Confirm with dispatch before any stop\n";
    let entries = parse_csv_list(list.as_bytes(), "test list").expect("list parses");
    agency
        .store
        .replace_hotlist("ncic-stolen", "NCIC stolen", &entries, "test", "test")
        .expect("list stored");
    let (index, _) = agency
        .store
        .load_hotlist_index(Utc::now(), ConfusionTable::default())
        .expect("index");
    let policy = agency.policy.clone();
    let dir = agency.dir.clone();

    let screen = screen::open(&dir, "CAR-7", policy.clone(), AlertSpeaker::silent("test"))
        .expect("screen opens");
    screen
        .window()
        .window()
        .set_size(slint::PhysicalSize::new(1280, 800));
    screen.window().show().expect("window shows");
    assert_eq!(screen.current_screen(), "login");
    let part = |text: &str, verdict: &str| alpr_ui::PartStatus {
        text: text.into(),
        verdict: verdict.into(),
    };
    screen.set_status(&alpr_ui::StatusView {
        gps: part("fix, 9 satellites", "pass"),
        cameras: part("2 of 2, last read 3s ago", "pass"),
        hotlists: part("1 list, loaded 06:10", "pass"),
        sync: part("out of contact 14 min", "warn"),
    });
    shoot(&screen, &shots, "login");

    // The real pipeline raises the hit.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // The real photograph tests the camera-image path; the pictures for the repository get a
    // drawn plate and no scene.
    let (crop, scene) = if std::env::var_os("ALPR_SCREENSHOTS").is_some() {
        (sample_crop(), None)
    } else {
        let (crop, scene) = crop_and_scene();
        (crop, Some(scene))
    };
    let store = std::mem::replace(
        &mut agency.store,
        alpr_appliance::store::Store::open(&tmp.path().join("spare"), "SPARE").expect("spare"),
    );
    let (matched, stored) = runtime.block_on(async {
        let (pipeline, inputs) = Pipeline::start(PipelineConfig::default(), store, index, None);
        let mut events = pipeline.subscribe();
        let observation = PlateObservation {
            camera: "front-left".into(),
            plate: "YG9X2G".into(),
            state: Some("CA".into()),
            confidence: 0.91,
            captured_at: Utc::now(),
            alternatives: Vec::new(),
            plate_crop: Some(crop),
            context_image: scene,
            ack: None,
        };
        inputs
            .observations
            .send(observation)
            .await
            .expect("pipeline takes the read");
        drop(inputs);
        let mut alert = None;
        let mut stored = None;
        while alert.is_none() || stored.is_none() {
            match tokio::time::timeout(Duration::from_secs(20), events.recv()).await {
                Ok(Ok(PipelineEvent::Alert(m))) => alert = Some(m),
                Ok(Ok(PipelineEvent::Stored(m))) => stored = Some(m),
                other => panic!("pipeline: {other:?}"),
            }
        }
        let (store, _) = pipeline.join().await.expect("pipeline drains");
        store.close().expect("store closes");
        (alert.expect("alert"), stored.expect("stored"))
    });
    assert_eq!(matched.hits.len(), 1, "one hit");
    let hit = &matched.hits[0];
    let mut read = alpr_appliance::views::read_view(&stored.read);
    read.hit = true;
    screen.push_read(&read);
    screen.raise(screen::alert_view(&matched.read, hit, &policy, Utc::now()));
    assert_eq!(screen.open_alerts(), 1);
    assert_eq!(
        screen.current_screen(),
        "login",
        "no plate data before a login"
    );
    // The alert sounds before the read has its position; the position follows once stored.
    let mut positioned = read.clone();
    positioned.position = "41.84450,-90.18870".into();
    positioned.position_quality = "interpolated".into();
    screen.update_alert_read(&[hit.id.to_string()], &positioned);
    let shown = screen.current_alert().expect("an alert");
    assert_eq!(
        (
            shown.read.position.as_str(),
            shown.read.position_quality.as_str()
        ),
        ("41.84450,-90.18870", "interpolated")
    );
    assert_eq!(
        screen
            .window()
            .global::<alpr_ui::screen::AlertPage>()
            .get_read_position()
            .as_str(),
        "41.84450,-90.18870 (interpolated)"
    );

    // A wrong password is refused on screen.
    type_into(&screen, "User", "ofc");
    type_into(&screen, "Password", "not the password");
    press(&screen, "I acknowledge the prohibited uses");
    press(&screen, "Log in");
    assert_eq!(screen.current_screen(), "login");
    assert!(description(&screen, "Login error").contains("wrong password"));

    type_into(&screen, "Password", PASSWORD);
    press(&screen, "Log in");
    assert_eq!(
        screen.current_screen(),
        "alert",
        "the waiting alert comes first"
    );
    assert!(description(&screen, "Alert").contains("stolen vehicle"));
    let chars = description(&screen, "Characters to check");
    assert!(chars.contains("position 6: read G, listed 6"), "{chars}");
    assert!(
        ElementHandle::find_by_accessible_label(screen.window(), "State differs")
            .next()
            .is_some()
    );
    assert!(description(&screen, "Reminder").contains("not reasonable suspicion"));
    shoot(&screen, &shots, "alert");

    // No enforcement before the checklist: the buttons are off, and the store refuses too.
    assert_eq!(
        labelled(&screen, "Confirmed: arrest").accessible_enabled(),
        Some(false)
    );
    let steps: Vec<String> = policy
        .alerts
        .steps_for("ncic-stolen")
        .map(|s| s.id.clone())
        .collect();
    assert!(steps.len() >= 4, "{steps:?}");
    for step in &steps {
        press(&screen, &format!("Step {step}: Matches"));
        let shown = labelled(&screen, &format!("Step {step}"));
        assert_eq!(
            shown.accessible_description().as_deref(),
            Some("confirmed"),
            "{step}"
        );
    }
    assert_eq!(
        labelled(&screen, "Confirmed: arrest").accessible_enabled(),
        Some(true)
    );
    shoot(&screen, &shots, "alert-verified");
    press(&screen, "Confirmed: arrest");
    assert!(description(&screen, "Disposition recorded").contains("confirmed"));
    assert_eq!(screen.open_alerts(), 0);

    // What the store holds: each step and the disposition, by the officer, on this hit.
    let check = alpr_appliance::store::Store::open(&dir, "CAR-7").expect("store reopens");
    let rows: Vec<(String, String, Option<String>, String)> = check
        .connection()
        .prepare(
            "SELECT step, outcome, action_taken, user_id FROM dispositions
             WHERE hit_id = ?1 ORDER BY at_ms, step",
        )
        .and_then(|mut s| {
            s.query_map([hit.id.as_bytes()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect()
        })
        .expect("dispositions");
    for step in &steps {
        assert!(
            rows.iter()
                .any(|(s, o, _, by)| s == step && o == "confirmed" && by == "ofc"),
            "{step} not stored: {rows:?}"
        );
    }
    assert!(
        rows.iter().any(|(s, o, a, by)| s == "disposition"
            && o == "confirmed"
            && a.as_deref() == Some("arrest")
            && by == "ofc"),
        "{rows:?}"
    );

    press(&screen, "Back to patrol");
    assert_eq!(screen.current_screen(), "patrol");
    shoot(&screen, &shots, "patrol");

    // An operator under Clinton's policy may not search stored reads: no Search on the screen.
    assert!(
        ElementHandle::find_by_accessible_label(screen.window(), "Search")
            .all(|e| e.accessible_role() != Some(AccessibleRole::Button)),
        "an operator is offered Search"
    );
    screen.show_screen("canvass");
    type_into(&screen, "Case number", "26-0414");
    press(&screen, "Start canvass");
    assert!(labelled(&screen, "End canvass").accessible_enabled() != Some(false));
    // A read coming in while the canvass runs is listed with it at once.
    let during = alpr_ui::ReadView {
        plate: "KXT482".into(),
        time: "18:01:02".into(),
        ..read.clone()
    };
    screen.push_read(&during);
    assert!(
        ElementHandle::find_by_accessible_label(screen.window(), "Read KXT482 CA at 18:01:02")
            .next()
            .is_some(),
        "the canvass list shows the read taken during it"
    );
    shoot(&screen, &shots, "canvass");
    press(&screen, "Log out");
    assert_eq!(screen.current_screen(), "login");

    // An investigator searches, with the case number and reason the policy asks for.
    type_into(&screen, "User", "det");
    type_into(&screen, "Password", PASSWORD);
    press(&screen, "I acknowledge the prohibited uses");
    press(&screen, "Log in");
    assert_eq!(screen.current_screen(), "patrol");
    press(&screen, "Search");
    type_into(&screen, "Plate (* any run, ? one character)", "YG9*");
    type_into(&screen, "Case number (required)", "26-0412");
    type_into(
        &screen,
        "Reason (at least 10 characters)",
        "stolen vehicle recovered nearby",
    );
    press(&screen, "Search");
    assert!(description(&screen, "Search result").contains("needs a crime type"));
    press(&screen, "vehicle-theft");
    press(&screen, "Search");
    let result = description(&screen, "Search result");
    assert!(result.starts_with("1 reads"), "{result}");
    shoot(&screen, &shots, "search");

    press(&screen, "BOLO entry");
    type_into(&screen, "Plate (* any run, ? one character)", "7?B*");
    type_into(&screen, "State", "IA");
    type_into(&screen, "Case number", "26-0413");
    type_into(&screen, "Make", "FORD");
    type_into(&screen, "Color", "WHITE");
    type_into(&screen, "Reason", "armed robbery suspect vehicle");
    press(&screen, "Enter on the list");
    let entered = description(&screen, "Entry result");
    assert!(
        entered.starts_with("Entered 7?B* on bolo for case 26-0413"),
        "{entered}"
    );
    shoot(&screen, &shots, "entry");

    // The technician's screen runs the self-test; the running appliance's status file is what it
    // reads of cameras and GPS.
    write_status(&dir);
    press(&screen, "Diagnostics");
    screen.refresh_diagnostics();
    for part in [
        "appliance",
        "cameras",
        "gps",
        "clock",
        "storage",
        "database",
    ] {
        let said = description(&screen, &format!("Check {part}"));
        assert!(said.starts_with("pass"), "{part}: {said}");
    }
    let audio = description(&screen, "Check audio");
    assert!(
        audio.starts_with("warn: no audio output"),
        "without a device the screen says so: {audio}"
    );
    shoot(&screen, &shots, "diagnostics");
    screen.set_night(true);
    screen.show_screen("patrol");
    shoot(&screen, &shots, "patrol-night");
}
