//! Runs the simulated patrol.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alpr_gps::NmeaLog;
use alpr_images::smart_camera::{CameraStats, RecordedFeed};
use alpr_ui::{Console, SummaryView};
use anyhow::Context as _;
use chrono::Utc;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::{FEED, HOTLIST, HOTLIST_ID, ROUTE, street};
use crate::headquarters::{HqLink, SyncTotals};
use crate::hotlist::{ConfusionTable, parse_csv_list};
use crate::pipeline::{Pipeline, PipelineConfig, PipelineEvent};
use crate::replay::play;
use crate::screen::{OutsideStatus, forward};
use crate::store::Store;
use crate::views;
use alpr_ui::PartStatus;

/// How to run the demo.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Holds `car/` and `hq/`, each a store.
    pub data_dir: PathBuf,
    /// Recorded seconds per real second.
    pub speed: f64,
    /// How often the car reaches headquarters, in real seconds.
    pub sync_every: Duration,
    pub car_id: String,
    /// The touchscreen, when one is open: reads, alerts and status go to it as well.
    pub screen: Option<alpr_ui::screen::ScreenHandle>,
    /// Ends the replay early (the screen was closed); what was read is still stored and synced.
    pub stop: CancellationToken,
}

/// What the demo did, as counted by the pipeline and the sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub summary: SummaryView,
    pub sync: SyncTotals,
}

/// The policy the demo agency runs under.
pub const DEMO_POLICY: &str = "clinton";

/// Runs the patrol, writing each read and hit to `console` as it happens and the summary last.
pub async fn run_demo<W: std::io::Write + Send + 'static>(
    options: DemoOptions,
    console: Console<W>,
) -> anyhow::Result<DemoReport> {
    let car_dir = options.data_dir.join("car");
    let hq_dir = options.data_dir.join("hq");

    // Headquarters publishes the hot list; the car receives it through cr-sqlite, as in service.
    // The demo agency runs under Clinton's policy (nine months' retention), as a real one would
    // under its own.
    let policy = std::sync::Arc::new(crate::policy::Policy::load(DEMO_POLICY)?);
    let mut hq = Store::open(&hq_dir, "HQ").context("opening the headquarters store")?;
    hq.use_policy(policy.clone())?;
    let entries = parse_csv_list(HOTLIST.as_bytes(), "embedded demo hot list")?;
    hq.replace_hotlist(
        HOTLIST_ID,
        "Demo stolen and wanted",
        &entries,
        &crate::sha256_hex(HOTLIST.as_bytes()),
        "demo",
    )
    .context("loading the demo hot list at headquarters")?;
    hq.close()?;
    let mut car = Store::open(&car_dir, &options.car_id).context("opening the car's store")?;
    car.use_policy(policy.clone())?;
    let link = HqLink::new(car.path().to_path_buf(), hq_dir.join(crate::store::DB_FILE));
    let mut totals = link
        .exchange()
        .await
        .context("first sync with headquarters")?;
    let (index, _) = car.load_hotlist_index(Utc::now(), ConfusionTable::default())?;
    tracing::info!(entries = index.len(), "hot lists loaded");

    let camera_stats = Arc::new(CameraStats::default());
    let feed = RecordedFeed::parse(FEED.as_bytes(), "embedded demo feed", &camera_stats);
    let route = NmeaLog::parse(ROUTE.as_bytes()).context("embedded demo route")?;
    let origin = route.start().context("embedded demo route has no fix")?;
    // The recorded patrol is replayed as if it started now.
    let shift = Utc::now() - origin;

    let entries = index.len();
    let street_plates =
        street::street_plates(&entries_plates(HOTLIST).context("embedded demo hot list")?);
    let recognizer = Arc::new(
        alpr_images::recognize::PlateRecognizer::embedded()
            .context("loading the plate recogniser")?,
    );
    let (pipeline, inputs) =
        Pipeline::start(PipelineConfig::default(), car, index, Some(recognizer));
    let printer = tokio::spawn(print_events(pipeline.subscribe(), console));
    let (outside_tx, outside_rx) = tokio::sync::watch::channel(OutsideStatus {
        hotlists: PartStatus {
            text: format!(
                "{entries} entries, loaded {}",
                chrono::Local::now().format("%H:%M")
            ),
            verdict: "pass".into(),
        },
        sync: PartStatus {
            text: "synced at start".into(),
            verdict: "pass".into(),
        },
    });
    if let Some(screen) = options.screen {
        tokio::spawn(forward(
            pipeline.subscribe(),
            screen,
            policy.clone(),
            outside_rx,
        ));
    }
    let sync_stop = CancellationToken::new();
    let syncer = tokio::spawn(sync_periodically(
        link.clone(),
        options.sync_every,
        sync_stop.clone(),
        outside_tx,
    ));

    // The replays pass through taps that count what a technician's screen shows of cameras and
    // GPS, and the demo writes the status file `alpr run` writes.
    let live = Arc::new(LiveParts::default());
    let (camera_tx, camera_rx) = tokio::sync::mpsc::channel(64);
    let (fix_tx, fix_rx) = tokio::sync::mpsc::channel(64);
    let taps = tokio::spawn(tap(
        camera_rx,
        inputs.observations,
        fix_rx,
        inputs.fixes,
        live.clone(),
    ));
    let status_stop = CancellationToken::new();
    let status_writer = tokio::spawn(write_status(
        car_dir.clone(),
        options.car_id.clone(),
        live.clone(),
        pipeline.stats_handle(),
        entries,
        status_stop.clone(),
    ));
    let speed = options.speed;
    let camera = tokio::spawn(play(feed.into_events(), camera_tx, origin, shift, speed));
    let gps = tokio::spawn(play(route.into_fixes(), fix_tx, origin, shift, speed));
    // The rendered street camera's frames go through the recogniser, as a real camera's would.
    let street = match inputs.frames.clone() {
        Some(frames) => tokio::spawn(street::play(street_plates, frames, speed)),
        None => tokio::spawn(async { Ok(0) }),
    };
    drop(inputs.frames);
    drop(inputs.hotlists);
    let (camera_abort, gps_abort, street_abort) = (
        camera.abort_handle(),
        gps.abort_handle(),
        street.abort_handle(),
    );
    tokio::select! {
        () = options.stop.cancelled() => {
            tracing::info!("the patrol was stopped: storing what was read");
            camera_abort.abort();
            gps_abort.abort();
            street_abort.abort();
        }
        done = async { (camera.await, gps.await, street.await) } => {
            let (sent, fixes, frames) = done;
            tracing::info!(reads = sent.context("camera replay")?, fixes = fixes.context("GPS replay")?, "replay finished");
            match frames.context("street camera")? {
                Ok(frames) => tracing::info!(frames, "rendered street camera finished"),
                // Without fonts the street cannot be drawn; the rest of the patrol stands.
                Err(e) => tracing::warn!("the rendered street camera did not run: {e:#}"),
            }
        }
    }

    taps.await.context("the replay taps")?;
    let (store, stats) = pipeline.join().await.context("draining the pipeline")?;
    status_stop.cancel();
    status_writer.await.context("the status writer")?;
    store.close()?;
    sync_stop.cancel();
    totals += syncer.await.context("periodic sync")?;
    // Whatever the last interval left goes now, as when the car parks at the station.
    totals += link
        .exchange()
        .await
        .context("final sync with headquarters")?;

    let summary = SummaryView {
        reads: stats.reads_stored,
        hits: stats.hits_stored,
        alerts: stats.alerts,
        rows_synced: totals.rows_to_hq,
        frames_dropped: stats.frames_dropped,
        camera_lines_rejected: camera_stats.snapshot().rejected,
    };
    let mut console = printer.await.context("console")?;
    console.summary(&summary).context("writing the summary")?;
    Ok(DemoReport {
        summary,
        sync: totals,
    })
}

/// The plates of a hot list in CSV (`plate,...` with a header).
fn entries_plates(csv: &str) -> anyhow::Result<Vec<String>> {
    Ok(parse_csv_list(csv.as_bytes(), "embedded demo hot list")?
        .into_iter()
        .map(|e| e.plate)
        .collect())
}

/// The demo agency's members, all with the password [`DEMO_PASSWORD`]: an administrator, an
/// officer on patrol, an investigator and a fleet technician. Added once, to a store that has none.
pub const DEMO_MEMBERS: &[(&str, &str)] = &[
    ("admin", "administrator"),
    ("officer", "operator"),
    ("detective", "investigator"),
    ("tech", "technician"),
];

/// The demo's one password: the demo is a simulation on a store of its own.
pub const DEMO_PASSWORD: &str = "demo-patrol-2026";

/// Gives a new demo store its members; a store that has members is left as it is.
pub fn seed_members(car: &mut Store) -> anyhow::Result<()> {
    if car.member_count()? > 0 {
        return Ok(());
    }
    let member = |id: &str, role: &str| crate::store::NewMember {
        id: id.into(),
        display_name: format!("Demo {role}"),
        roles: vec![role.into()],
        password: DEMO_PASSWORD.into(),
        training_expires: Some(Utc::now() + chrono::Duration::days(365)),
        ncic_expires: Some(Utc::now() + chrono::Duration::days(365)),
        sworn: true,
    };
    let (admin_id, admin_role) = DEMO_MEMBERS[0];
    car.add_member(None, &member(admin_id, admin_role))?;
    let admin = car
        .login(admin_id, DEMO_PASSWORD, true, Utc::now())
        .context("the demo administrator logs in")?;
    for (id, role) in &DEMO_MEMBERS[1..] {
        car.add_member(Some(&admin), &member(id, role))?;
    }
    car.logout(&admin, "demo set-up done")?;
    Ok(())
}

/// What the replayed camera and GPS have done, as a technician's screen shows it.
#[derive(Debug, Default)]
struct LiveParts {
    cameras: CameraStats,
    last_fix: std::sync::Mutex<Option<alpr_gps::Fix>>,
    fixes: std::sync::atomic::AtomicU64,
}

/// Passes the replayed reads and fixes on to the pipeline, counting them.
async fn tap(
    mut reads: tokio::sync::mpsc::Receiver<alpr_images::PlateObservation>,
    reads_out: tokio::sync::mpsc::Sender<alpr_images::PlateObservation>,
    mut fixes: tokio::sync::mpsc::Receiver<alpr_gps::Fix>,
    fixes_out: tokio::sync::mpsc::Sender<alpr_gps::Fix>,
    live: Arc<LiveParts>,
) {
    live.cameras.connected();
    let (mut reads_open, mut fixes_open) = (true, true);
    while reads_open || fixes_open {
        tokio::select! {
            r = reads.recv(), if reads_open => match r {
                Some(r) => {
                    live.cameras.read(&r.camera);
                    if reads_out.send(r).await.is_err() {
                        reads_open = false;
                    }
                }
                None => {
                    reads_open = false;
                    live.cameras.disconnected();
                }
            },
            f = fixes.recv(), if fixes_open => match f {
                Some(f) => {
                    live.fixes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if let Ok(mut last) = live.last_fix.lock() {
                        *last = Some(f.clone());
                    }
                    if fixes_out.send(f).await.is_err() {
                        fixes_open = false;
                    }
                }
                None => fixes_open = false,
            },
        }
    }
}

/// Writes `status.json` as `alpr run` does, until `stop`.
async fn write_status(
    car_dir: PathBuf,
    car_id: String,
    live: Arc<LiveParts>,
    stats: Arc<crate::pipeline::PipelineStats>,
    hotlist_entries: usize,
    stop: CancellationToken,
) {
    use crate::diagnostics::{ApplianceStatus, GpsState, STATUS_EVERY, STATUS_FILE};
    let started_at = Utc::now();
    let mut tick = tokio::time::interval(STATUS_EVERY);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let last_fix = live.last_fix.lock().ok().and_then(|f| f.clone());
        let now = Utc::now();
        let snapshot = stats.snapshot();
        let status = ApplianceStatus {
            car_id: car_id.clone(),
            pid: std::process::id(),
            started_at,
            written_at: now,
            camera_listen: "recorded feed (demo)".into(),
            cameras: live.cameras.snapshot(),
            frame_cameras: Default::default(),
            gps: GpsState {
                receiver: alpr_gps::GpsStatusSnapshot {
                    source: "recorded route (demo)".into(),
                    connected: true,
                    fixes: live.fixes.load(std::sync::atomic::Ordering::Relaxed),
                    // The replay is shifted to the wall clock, so it agrees with it.
                    clock_offset_ms: last_fix.as_ref().map(|_| 0),
                    last_fix: last_fix.clone(),
                    ..alpr_gps::GpsStatusSnapshot::default()
                },
                last_position_at: last_fix.map(|f| f.time),
            },
            reads_stored: snapshot.reads_stored,
            hits: snapshot.hits,
            frames_dropped: snapshot.frames_dropped,
            hotlist_entries,
            sync: None,
        };
        if let Err(e) = status.write(&car_dir) {
            tracing::warn!("writing {STATUS_FILE}: {e}");
        }
    }
}

async fn print_events<W: std::io::Write>(
    mut events: broadcast::Receiver<PipelineEvent>,
    mut console: Console<W>,
) -> Console<W> {
    loop {
        let result = match events.recv().await {
            Ok(PipelineEvent::Alert(m)) => m
                .hits
                .iter()
                .try_for_each(|h| console.hit(&views::hit_view(&m.read, h))),
            Ok(PipelineEvent::Stored(m)) => console.read(&views::read_view(&m.read)),
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!("console fell behind: {n} events not shown");
                Ok(())
            }
            Err(broadcast::error::RecvError::Closed) => return console,
        };
        if let Err(e) = result {
            tracing::warn!("writing to the console: {e}");
        }
    }
}

async fn sync_periodically(
    link: HqLink,
    every: Duration,
    stop: CancellationToken,
    status: tokio::sync::watch::Sender<OutsideStatus>,
) -> SyncTotals {
    let mut totals = SyncTotals::default();
    let mut interval = tokio::time::interval(every);
    interval.tick().await;
    loop {
        tokio::select! {
            () = stop.cancelled() => return totals,
            _ = interval.tick() => match link.exchange().await {
                Ok(t) => {
                    status.send_modify(|s| {
                        s.sync = PartStatus {
                            text: format!("synced {}", chrono::Local::now().format("%H:%M:%S")),
                            verdict: "pass".into(),
                        };
                    });
                    if t.changes_to_hq > 0 || t.changes_to_car > 0 {
                        tracing::info!(rows_to_hq = t.rows_to_hq, rows_to_car = t.rows_to_car, "synced with headquarters");
                    }
                    totals += t;
                }
                // Out of coverage is normal for a car: try again at the next interval.
                Err(e) => {
                    tracing::warn!("sync with headquarters failed: {e:#}");
                    status.send_modify(|s| {
                        s.sync = PartStatus { text: "out of contact".into(), verdict: "warn".into() };
                    });
                }
            },
        }
    }
}
