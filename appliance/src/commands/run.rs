use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use alpr_appliance::config::{self, Config};
use alpr_appliance::diagnostics::{self, ApplianceStatus, GpsState, SyncStatus};
use alpr_appliance::hotlist::{ConfusionTable, HotlistIndex};
use alpr_appliance::lifecycle;
use alpr_appliance::pipeline::{Pipeline, PipelineConfig};
use alpr_appliance::policy::Policy;
use alpr_appliance::replay::play;
use alpr_appliance::screen::OutsideStatus;
use alpr_appliance::store::Store;
use alpr_appliance::sync_rules;
use alpr_gps::{GpsHandle, GpsSource, GpsdConfig, NmeaLog, SerialConfig};
use alpr_images::Recognizer;
use alpr_images::smart_camera::{self, CameraStats};
use alpr_images::source::{FrameSourceSpec, SourceStats};
use alpr_sync::link::client::Link;
use alpr_ui::PartStatus;
use anyhow::Context as _;
use chrono::Utc;
use clap::Args;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The configuration file (`appliance/alpr.example.toml` shows every key); without it,
    /// /etc/alpr/alpr.toml when it exists. The options below override it.
    #[arg(long, env = "ALPR_CONFIG")]
    config: Option<PathBuf>,
    /// The data directory: the store (alpr.db) and images/.
    #[arg(long, env = "ALPR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// This car's id, recorded in the store when it is created.
    #[arg(long, env = "ALPR_CAR_ID")]
    car_id: Option<String>,
    /// The agency's ALPR policy (`alpr policy ls`, or a policy file).
    #[arg(long, env = "ALPR_POLICY")]
    policy: Option<String>,
    /// Address smart cameras connect to (JSON lines, see images/SMART_CAMERA_PROTOCOL.md);
    /// 127.0.0.1:5077 unless configured.
    #[arg(long)]
    camera_listen: Option<SocketAddr>,
    /// GPS from a serial receiver (USB puck).
    #[arg(long, value_name = "DEV", group = "gps")]
    gps_serial: Option<PathBuf>,
    /// The serial receiver's baud rate; detected when not given.
    #[arg(long, value_name = "N", requires = "gps_serial")]
    gps_baud: Option<u32>,
    /// GPS from a running gpsd.
    #[arg(long, value_name = "HOST:PORT", group = "gps")]
    gpsd: Option<String>,
    /// Characters OCR confuses, as classes (`0ODQ,1IL,...`): a read that meets a listed plate
    /// only through them is a hit marked as such.
    #[arg(long)]
    confusions: Option<String>,
    /// How often, in seconds, to look for new hot-list versions and approvals in the store.
    #[arg(long)]
    hotlist_check_secs: Option<u64>,
    /// Headquarters' sync address (`host:port`); with --hq-name and --tls-dir, or `[sync]`.
    #[arg(long, requires_all = ["hq_name", "tls_dir"])]
    hq: Option<String>,
    /// The name in headquarters' certificate.
    #[arg(long)]
    hq_name: Option<String>,
    /// The folder `alpr hq enroll` wrote for this car.
    #[arg(long)]
    tls_dir: Option<PathBuf>,
    /// Seconds between sync attempts.
    #[arg(long)]
    sync_interval_s: Option<u64>,
    /// GPS replayed from a recorded NMEA log, shifted to start now (bench tests).
    #[arg(long, value_name = "FILE", group = "gps")]
    nmea_file: Option<PathBuf>,
    /// Run without the touchscreen even where a display exists.
    #[arg(long, env = "ALPR_NO_SCREEN")]
    no_screen: bool,
}

impl RunArgs {
    /// Whether this run opens the touchscreen: a display to draw on, and not turned off.
    pub fn wants_screen(&self) -> bool {
        !self.no_screen && alpr_appliance::screen::display_available()
    }
}

/// The appliance with its touchscreen: Slint's event loop on this (the main) thread, the rest
/// on `runtime`. The appliance stops as it always does (SIGTERM, ignition off), not when a
/// window is closed; the screen's loop ends with it. A screen that cannot open is logged and
/// the appliance runs without it.
pub fn run_with_screen(args: RunArgs, runtime: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    let config = args.config()?;
    let (Some(data_dir), Some(car_id)) = (config.data_dir.clone(), config.car_id.clone()) else {
        anyhow::bail!("configuration: data_dir and car_id are needed");
    };
    let policy = Arc::new(Policy::load(config.policy.as_deref().unwrap_or_default())?);
    let speaker = alpr_ui::audio::AlertSpeaker::open();
    let screen = alpr_appliance::screen::open(&data_dir, &car_id, policy, speaker).and_then(|s| {
        use slint::ComponentHandle as _;
        s.window().show()?;
        Ok(s)
    });
    let screen = match screen {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("the touchscreen does not open ({e:#}): running without it");
            return runtime.block_on(run_with(args, None));
        }
    };
    let appliance = runtime.spawn(async move {
        let result = run_with(args, Some(alpr_ui::screen::ScreenHandle)).await;
        let _ = slint::quit_event_loop();
        result
    });
    let shown = slint::run_event_loop_until_quit().context("running the touchscreen");
    drop(screen);
    runtime
        .block_on(appliance)
        .context("the appliance task")??;
    shown
}

impl RunArgs {
    /// The configuration file (if any) with the options laid over it, checked.
    fn config(&self) -> anyhow::Result<Config> {
        let path = self.config.clone().or_else(|| {
            let default = PathBuf::from(config::DEFAULT_PATH);
            default.exists().then_some(default)
        });
        let mut c = match &path {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        if self.car_id.is_some() {
            c.car_id.clone_from(&self.car_id);
        }
        if self.data_dir.is_some() {
            c.data_dir.clone_from(&self.data_dir);
        }
        if self.policy.is_some() {
            c.policy.clone_from(&self.policy);
        }
        if let Some(l) = self.camera_listen {
            c.cameras.listen = l;
        }
        if self.gps_serial.is_some() || self.gpsd.is_some() || self.nmea_file.is_some() {
            c.gps = config::GpsConfig {
                serial: self.gps_serial.clone(),
                baud: self.gps_baud,
                gpsd: self.gpsd.clone(),
            };
        }
        if let Some(x) = &self.confusions {
            c.hotlists.confusions.clone_from(x);
        }
        if let Some(x) = self.hotlist_check_secs {
            c.hotlists.check_interval_s = x;
        }
        if let (Some(hq), Some(name), Some(dir)) = (&self.hq, &self.hq_name, &self.tls_dir) {
            c.sync = Some(config::SyncConfig {
                hq: hq.clone(),
                server_name: name.clone(),
                tls_dir: dir.clone(),
                interval_s: self.sync_interval_s.unwrap_or(30),
                timeout_s: 20,
            });
        } else if let (Some(sync), Some(every)) = (c.sync.as_mut(), self.sync_interval_s) {
            sync.interval_s = every;
        }
        c.validate().with_context(|| match &path {
            Some(p) => format!("configuration {}", p.display()),
            None => "configuration (no file)".to_string(),
        })?;
        Ok(c)
    }
}

/// The GPS part of the status file; remembers when a position was last had.
fn gps_state(
    gps: Option<&GpsInput>,
    last_position_at: &mut Option<chrono::DateTime<Utc>>,
) -> GpsState {
    match gps {
        Some(GpsInput::Live(handle)) => {
            let s = handle.status();
            if let Some(f) = s.last_fix.as_ref().filter(|f| f.position().is_some()) {
                // GPS time: the clock check says how far the system clock is from it.
                *last_position_at = Some(f.time);
            }
            GpsState {
                receiver: s,
                last_position_at: *last_position_at,
            }
        }
        Some(GpsInput::Replay(task)) => GpsState {
            receiver: alpr_gps::GpsStatusSnapshot {
                source: "replay".into(),
                connected: !task.is_finished(),
                ..Default::default()
            },
            last_position_at: Some(Utc::now()),
        },
        None => GpsState::default(),
    }
}

/// The recogniser frames from ordinary cameras go through.
fn frame_recognizer() -> anyhow::Result<Arc<dyn Recognizer>> {
    let recognizer = alpr_images::recognize::PlateRecognizer::embedded()
        .context("loading the plate recogniser")?;
    Ok(Arc::new(recognizer))
}

/// A configured ordinary camera and its counters.
struct FrameCamera {
    name: String,
    spec: FrameSourceSpec,
    stats: SourceStats,
}

fn frame_cameras(config: &Config) -> Vec<FrameCamera> {
    config
        .cameras
        .frames
        .iter()
        .filter_map(|c| match c.spec() {
            Ok(spec) => Some(FrameCamera {
                name: c.name.clone(),
                stats: SourceStats::new(spec.to_string()),
                spec,
            }),
            // Refused by the configuration's check already; never started.
            Err(e) => {
                tracing::error!(camera = %c.name, "{e}");
                None
            }
        })
        .collect()
}

/// Plays each ordinary camera into the recogniser's queue until `shutdown`.
fn start_frame_sources(
    cameras: &[FrameCamera],
    frames: &alpr_appliance::pipeline::FrameSender,
    shutdown: &CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    cameras
        .iter()
        .map(|c| {
            let sender = frames.clone();
            let (name, spec, stats) = (c.name.clone(), c.spec.clone(), c.stats.clone());
            tracing::info!(camera = %name, source = %spec, "frame camera starting");
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                let sink = move |frame| sender.offer(frame);
                match alpr_images::source::run(spec, name.clone(), sink, stats, shutdown).await {
                    Ok(()) => tracing::info!(camera = %name, "frame source ended"),
                    Err(e) => tracing::error!(camera = %name, "frame source stopped: {e}"),
                }
            })
        })
        .collect()
}

/// The running GPS input, whichever it is.
enum GpsInput {
    Live(GpsHandle),
    Replay(tokio::task::JoinHandle<usize>),
}

fn start_gps(
    args: &RunArgs,
    config: &Config,
    fixes: tokio::sync::mpsc::Sender<alpr_gps::Fix>,
) -> anyhow::Result<Option<GpsInput>> {
    let gps = &config.gps;
    let live = match (&gps.serial, &gps.gpsd, &args.nmea_file) {
        (Some(dev), _, _) => GpsSource::Serial(SerialConfig {
            baud: gps.baud,
            ..SerialConfig::new(dev)
        }),
        (None, Some(addr), _) => GpsSource::Gpsd(GpsdConfig::new(addr.clone())),
        (None, None, Some(path)) => {
            let log = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let log =
                NmeaLog::parse(&log).with_context(|| format!("replaying {}", path.display()))?;
            let origin = log.start().context("the NMEA log has no fix")?;
            let replay = play(log.into_fixes(), fixes, origin, Utc::now() - origin, 1.0);
            return Ok(Some(GpsInput::Replay(tokio::spawn(replay))));
        }
        (None, None, None) => {
            tracing::warn!("no GPS configured: reads are stored without a position");
            return Ok(None);
        }
    };
    tracing::info!(source = %live.describe(), "GPS starting");
    Ok(Some(GpsInput::Live(
        GpsHandle::spawn(live, fixes).context("starting the GPS reader")?,
    )))
}

/// The status bar's hot-list and sync parts, from what the appliance writes down.
fn outside_status(s: &ApplianceStatus, now: chrono::DateTime<Utc>) -> OutsideStatus {
    let part = |text: String, verdict: &str| PartStatus {
        text,
        verdict: verdict.into(),
    };
    let sync = match &s.sync {
        None => part("not configured".into(), "warn"),
        Some(sync) => match sync.last_success {
            Some(t) if now - t < chrono::Duration::minutes(5) => part(
                format!("synced {}", t.with_timezone(&chrono::Local).format("%H:%M")),
                "pass",
            ),
            Some(t) => part(
                format!("out of contact {} min", (now - t).num_minutes()),
                "warn",
            ),
            None => part("never reached".into(), "warn"),
        },
    };
    OutsideStatus {
        hotlists: part(
            format!("{} entries", s.hotlist_entries),
            if s.hotlist_entries > 0 {
                "pass"
            } else {
                "warn"
            },
        ),
        sync,
    }
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    run_with(args, None).await
}

async fn run_with(
    args: RunArgs,
    screen: Option<alpr_ui::screen::ScreenHandle>,
) -> anyhow::Result<()> {
    let config = args.config()?;
    let (data_dir, car_id) = match (&config.data_dir, &config.car_id) {
        (Some(d), Some(c)) => (d.clone(), c.clone()),
        _ => anyhow::bail!("configuration: data_dir and car_id are needed"),
    };
    let policy = Arc::new(Policy::load(config.policy.as_deref().unwrap_or_default())?);
    let mut store = Store::open(&data_dir, &car_id)
        .with_context(|| format!("opening the store in {}", data_dir.display()))?;
    store.use_policy(policy.clone())?;
    if let Some(sync) = &config.sync {
        store.set_syncs_with_hq(&sync.hq)?;
    }
    let confusions = config.confusions();
    let (index, _) = store.load_hotlist_index(Utc::now(), confusions.clone())?;
    let camera_listen = config.cameras.listen;
    let listener = TcpListener::bind(camera_listen)
        .await
        .with_context(|| format!("listening for smart cameras on {camera_listen}"))?;
    let bound = listener
        .local_addr()
        .context("reading the camera listener's address")?;
    tracing::info!(
        hotlist_entries = index.len(),
        car = store.car_id(),
        "appliance starting"
    );

    let frame_cameras = frame_cameras(&config);
    let recognizer = if frame_cameras.is_empty() {
        None
    } else {
        match frame_recognizer() {
            Ok(r) => Some(r),
            Err(e) => {
                // The rest of the appliance (smart cameras, sync) is worth running without them;
                // the status file and selftest show why these cameras give nothing.
                let why = format!("frame cameras are not started: {e:#}");
                tracing::error!("{why}");
                for c in &frame_cameras {
                    c.stats.error(&why);
                }
                None
            }
        }
    };
    let pipeline_config = PipelineConfig {
        passes: config.cameras.pass_limits(),
        ..PipelineConfig::default()
    };
    let (pipeline, inputs) = Pipeline::start(pipeline_config, store, index, recognizer);
    let (outside_tx, outside_rx) = tokio::sync::watch::channel(OutsideStatus::default());
    if let Some(screen) = screen {
        tokio::spawn(alpr_appliance::screen::forward(
            pipeline.subscribe(),
            screen,
            policy.clone(),
            outside_rx,
        ));
    }
    let shutdown = CancellationToken::new();
    let camera_stats = Arc::new(CameraStats::default());
    let cameras = tokio::spawn(smart_camera::serve(
        listener,
        inputs.observations.clone(),
        camera_stats.clone(),
        shutdown.clone(),
    ));
    let frame_sources = match &inputs.frames {
        Some(sender) => start_frame_sources(&frame_cameras, sender, &shutdown),
        None => Vec::new(),
    };
    let gps = start_gps(&args, &config, inputs.fixes.clone())?;
    let reload = tokio::spawn(reload_hotlists(
        data_dir.clone(),
        car_id.clone(),
        confusions,
        std::time::Duration::from_secs(config.hotlists.check_interval_s),
        inputs.hotlists.clone(),
        shutdown.clone(),
    ));
    let retention = tokio::spawn(retention_schedule(
        data_dir.clone(),
        car_id.clone(),
        policy.clone(),
        shutdown.clone(),
    ));
    let sync_status = Arc::new(std::sync::Mutex::new(None::<SyncStatus>));
    let sync = match &config.sync {
        Some(cfg) => Some(tokio::spawn(sync_schedule(
            data_dir.clone(),
            car_id.clone(),
            car_link(cfg)?,
            cfg.clone(),
            sync_status.clone(),
            shutdown.clone(),
        ))),
        None => {
            tracing::warn!("no [sync] configured: nothing reaches headquarters");
            None
        }
    };
    // Printed on standard output so a supervisor or test can find an ephemeral port.
    say(format_args!("listening for smart cameras on {bound}"));

    lifecycle::ready();
    let watchdog = tokio::spawn(lifecycle::watchdog(shutdown.clone()));
    let ignition = config.lifecycle.ignition.clone();
    let delay = config.shutdown_delay();
    let stop = async {
        tokio::select! {
            _ = super::shutdown_signal() => {}
            _ = async {
                match ignition {
                    Some(cfg) => lifecycle::ignition_off(cfg, delay).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
    };
    tokio::pin!(stop);
    let started_at = Utc::now();
    let mut last_position_at = None;
    let mut status_tick = tokio::time::interval(diagnostics::STATUS_EVERY);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = status_tick.tick() => {
                let gps_state = gps_state(gps.as_ref(), &mut last_position_at);
                let stats = pipeline.stats();
                let status = ApplianceStatus {
                    car_id: car_id.clone(),
                    pid: std::process::id(),
                    started_at,
                    written_at: Utc::now(),
                    camera_listen: bound.to_string(),
                    cameras: camera_stats.snapshot(),
                    frame_cameras: frame_cameras
                        .iter()
                        .map(|c| (c.name.clone(), c.stats.snapshot()))
                        .collect(),
                    gps: gps_state,
                    reads_stored: stats.reads_stored,
                    hits: stats.hits,
                    frames_dropped: stats.frames_dropped,
                    hotlist_entries: inputs.hotlists.borrow().len(),
                    sync: sync_status.lock().ok().and_then(|s| s.clone()),
                };
                outside_tx.send_replace(outside_status(&status, Utc::now()));
                if let Err(e) = status.write(&data_dir) {
                    tracing::warn!("writing {}: {e}", diagnostics::STATUS_FILE);
                }
            }
        }
    }
    lifecycle::stopping();
    tracing::info!("shutting down: draining the pipeline");
    shutdown.cancel();
    let _ = cameras.await;
    // Each holds a frame sender: the pipeline drains only once they are gone.
    for source in frame_sources {
        let _ = source.await;
    }
    match gps {
        Some(GpsInput::Live(handle)) => {
            let status = tokio::task::spawn_blocking(move || handle.stop())
                .await
                .context("stopping GPS")?;
            tracing::info!(
                fixes = status.fixes,
                reconnects = status.reconnects,
                "GPS stopped"
            );
        }
        Some(GpsInput::Replay(task)) => task.abort(),
        None => {}
    }
    let _ = reload.await;
    let _ = retention.await;
    if let Some(s) = sync {
        let _ = s.await;
    }
    let _ = watchdog.await;
    drop(inputs);
    let drain = std::time::Duration::from_secs(config.lifecycle.drain_timeout_s);
    let (store, stats) = match tokio::time::timeout(drain, pipeline.join()).await {
        Ok(joined) => joined?,
        // What was not stored was not acknowledged either: the cameras send it again.
        Err(_) => anyhow::bail!(
            "the pipeline did not drain within {drain:?}; reads not yet acknowledged will be \
             sent again by the cameras"
        ),
    };
    store.close()?;
    let cam = camera_stats.snapshot();
    say(format_args!(
        "stopped: reads={} hits={} alerts={} camera_lines={} camera_lines_rejected={} frames_dropped={}",
        stats.reads_stored,
        stats.hits_stored,
        stats.alerts,
        cam.lines,
        cam.rejected,
        stats.frames_dropped
    ));
    Ok(())
}

/// Swaps in a new index whenever the lists change in the store (an import, a delta, an approval,
/// or any of these arriving by sync), until `shutdown`. The old index serves until the new one
/// is whole.
async fn reload_hotlists(
    data_dir: PathBuf,
    car_id: String,
    confusions: ConfusionTable,
    every: std::time::Duration,
    hotlists: tokio::sync::watch::Sender<Arc<HotlistIndex>>,
    shutdown: CancellationToken,
) {
    let store = match Store::open(&data_dir, &car_id) {
        Ok(s) => Arc::new(std::sync::Mutex::new(s)),
        Err(e) => {
            tracing::error!("hot lists will not be reloaded: {e}");
            return;
        }
    };
    let fingerprint = |store: &Arc<std::sync::Mutex<Store>>| {
        store
            .lock()
            .map_err(|_| "store lock poisoned".to_string())
            .and_then(|s| s.hotlist_fingerprint().map_err(|e| e.to_string()))
    };
    let mut last = fingerprint(&store).ok();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let now = match fingerprint(&store) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!("checking hot lists: {e}");
                continue;
            }
        };
        if last == Some(now) {
            continue;
        }
        let (s, confusions) = (store.clone(), confusions.clone());
        let loaded = tokio::task::spawn_blocking(move || {
            let s = s.lock().map_err(|_| "store lock poisoned".to_string())?;
            s.load_hotlist_index(Utc::now(), confusions)
                .map_err(|e| e.to_string())
        })
        .await;
        match loaded {
            Ok(Ok((index, left_out))) => {
                tracing::info!(entries = index.len(), left_out, "hot lists reloaded");
                let _ = hotlists.send(Arc::new(index));
                last = Some(now);
            }
            Ok(Err(e)) => tracing::error!("reloading hot lists: {e}; the loaded lists stay in use"),
            Err(e) => tracing::error!("reloading hot lists: {e}"),
        }
    }
}

/// The car's link to headquarters from its enrolment folder.
fn car_link(cfg: &config::SyncConfig) -> anyhow::Result<Link> {
    let read = |name: &str| {
        let p = cfg.tls_dir.join(name);
        std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))
    };
    let tls =
        alpr_sync::tls::client_config(&read("ca.pem")?, &read("car.pem")?, &read("car-key.pem")?)
            .with_context(|| format!("the car's certificates in {}", cfg.tls_dir.display()))?;
    let server_name = rustls_pki_types::ServerName::try_from(cfg.server_name.clone())
        .with_context(|| format!("sync.server_name {:?}", cfg.server_name))?;
    Ok(Link {
        addr: cfg.hq.clone(),
        server_name,
        tls,
        timeout: std::time::Duration::from_secs(cfg.timeout_s),
    })
}

/// Syncs with headquarters every `interval_s` until `shutdown`: whatever link there is, for as
/// long as it lasts. A session cut short is simply tried again; the watermarks say where to
/// resume.
async fn sync_schedule(
    data_dir: PathBuf,
    car_id: String,
    link: Link,
    cfg: config::SyncConfig,
    status: Arc<std::sync::Mutex<Option<SyncStatus>>>,
    shutdown: CancellationToken,
) {
    let expires = std::fs::read_to_string(cfg.tls_dir.join("car.pem"))
        .ok()
        .and_then(|pem| alpr_sync::tls::describe_cert(&pem).ok())
        .map(|info| info.not_after);
    let mut current = SyncStatus {
        hq: cfg.hq.clone(),
        certificate_expires: expires,
        ..Default::default()
    };
    let every = std::time::Duration::from_secs(cfg.interval_s);
    let db = data_dir.join(alpr_appliance::store::DB_FILE);
    let lists: Arc<dyn alpr_sync::link::client::Subscriber> = Arc::new(
        alpr_appliance::headquarters::StoreSubscriber::new(data_dir.clone(), car_id.clone()),
    );
    let images: Arc<dyn alpr_sync::link::client::ImageSource> = Arc::new(
        alpr_appliance::headquarters::CarImages::new(data_dir, car_id),
    );
    loop {
        current.last_attempt = Some(Utc::now());
        let session = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = link.session_with(
                db.clone(),
                sync_rules::car(),
                Some(lists.clone()),
                Some(images.clone()),
            ) => r,
        };
        match session {
            Ok(r) => {
                current.last_success = Some(Utc::now());
                current.last_error = None;
                current.changes_pushed += r.changes_pushed as u64;
                current.changes_pulled += r.changes_pulled as u64;
                if r.changes_pushed + r.changes_pulled > 0 {
                    tracing::info!(
                        pushed = r.changes_pushed,
                        pulled = r.changes_pulled,
                        "synced with headquarters"
                    );
                }
            }
            Err(e) => {
                tracing::warn!("sync with headquarters: {e}");
                current.last_error = Some(e.to_string());
            }
        }
        if let Ok(mut s) = status.lock() {
            *s = Some(current.clone());
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// Purges what the policy's retention schedule says is due: at start, then every
/// `purge_interval_hours`, on its own connection so reads keep flowing meanwhile.
async fn retention_schedule(
    data_dir: PathBuf,
    car_id: String,
    policy: Arc<Policy>,
    shutdown: CancellationToken,
) {
    let every = std::time::Duration::from_secs(
        u64::from(policy.retention.purge_interval_hours.max(1)) * 3600,
    );
    loop {
        let (dir, car, p) = (data_dir.clone(), car_id.clone(), policy.clone());
        let purged = tokio::task::spawn_blocking(move || {
            let mut store = Store::open(&dir, &car).map_err(|e| e.to_string())?;
            store.use_policy(p).map_err(|e| e.to_string())?;
            let report = store
                .purge_expired(None, Utc::now())
                .map_err(|e| e.to_string())?;
            store.close().map_err(|e| e.to_string())?;
            Ok::<_, String>(report)
        })
        .await;
        match purged {
            Ok(Ok(r)) if r.reads > 0 => tracing::info!(
                reads = r.reads,
                hits = r.hits,
                images = r.images,
                held = r.held,
                "retention purge"
            ),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::error!("retention purge failed: {e}; retried at the next interval")
            }
            Err(e) => tracing::error!("retention purge stopped: {e}"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// A line on standard output for a supervisor; one that has closed its end must not stop the
/// appliance (printing would panic).
fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}
