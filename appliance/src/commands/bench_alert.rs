//! `alpr bench alert`: how long from a read entering the pipeline until its alert is drawn on the
//! screen and its tone handed to the speaker. Reads go through the real pipeline (GPS tagger,
//! matcher against a generated NCIC-sized list, alert stage, store writer) into the real screen on
//! Slint's event loop, in a window (run it under Xvfb where there is no display). Ordinary reads
//! keep coming in the background the whole time, as on a busy street.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alpr_appliance::hotlist::ConfusionTable;
use alpr_appliance::model::{ListedPlate, Priority};
use alpr_appliance::pipeline::{Pipeline, PipelineConfig};
use alpr_appliance::policy::Policy;
use alpr_appliance::screen::{self, OutsideStatus};
use alpr_appliance::store::{NewMember, Store};
use alpr_images::PlateObservation;
use alpr_ui::audio::AlertSpeaker;
use alpr_ui::screen::ScreenHandle;
use anyhow::{Context as _, bail};
use chrono::Utc;
use clap::Args;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use slint::ComponentHandle as _;

#[derive(Debug, Args)]
pub struct AlertBenchArgs {
    /// Alerts timed.
    #[arg(long, default_value_t = 200)]
    alerts: usize,
    /// Entries in the generated hot list.
    #[arg(long, default_value_t = 200_000)]
    entries: usize,
    /// Ordinary reads per second in the background.
    #[arg(long, default_value_t = 30.0)]
    background_rate: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// When each timed plate went in, and when its alert was raised, drawn and sounded.
#[derive(Default)]
struct Timings {
    sent: HashMap<String, Instant>,
    raised: HashMap<String, Instant>,
    drawn: HashMap<String, Instant>,
}

const PASSWORD: &str = "bench-password-1";

pub fn run(args: AlertBenchArgs, runtime: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    if !screen::display_available() {
        bail!("no display: run it under Xvfb (xvfb-run -a alpr bench alert)");
    }
    let dir = tempfile::tempdir().context("a scratch folder")?;
    let policy = Arc::new(Policy::load("clinton")?);
    let mut store = Store::open(dir.path(), "BENCH-CAR").context("opening the store")?;
    store.use_policy(policy.clone())?;
    store.add_member(
        None,
        &NewMember {
            id: "ofc".into(),
            display_name: "Bench officer".into(),
            roles: vec!["administrator".into(), "operator".into()],
            password: PASSWORD.into(),
            training_expires: Some(Utc::now() + chrono::Duration::days(30)),
            ncic_expires: Some(Utc::now() + chrono::Duration::days(30)),
            sworn: true,
        },
    )?;

    // The list: generated NCIC-like records, among them the plates the bench will read.
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let mut entries = Vec::with_capacity(args.entries);
    let mut e = ListedPlate::default();
    for _ in 0..args.entries {
        super::bench::record(&mut rng, &mut e);
        entries.push(e.clone());
    }
    let wanted: Vec<String> = entries
        .iter()
        .step_by((args.entries / args.alerts.max(1)).max(1))
        .take(args.alerts)
        .map(|e| e.plate.clone())
        .collect();
    if wanted.len() < args.alerts {
        bail!("--entries must be at least --alerts");
    }
    for e in &mut entries {
        e.priority = Priority::High;
    }
    eprintln!("bench alert: loading {} entries", entries.len());
    store.replace_hotlist("ncic", "NCIC bench", &entries, "bench", "bench")?;
    let (index, _) = store.load_hotlist_index(Utc::now(), ConfusionTable::default())?;

    let screen = screen::open(
        dir.path(),
        "BENCH-CAR",
        policy.clone(),
        AlertSpeaker::open(),
    )?;
    screen.window().show()?;
    screen
        .log_in("ofc", PASSWORD, true)
        .map_err(|e| anyhow::anyhow!("the bench officer cannot log in: {e}"))?;

    let timings = Arc::new(Mutex::new(Timings::default()));
    let (drawn_tx, drawn_rx) = std::sync::mpsc::channel::<String>();
    {
        // Raised: the alert is in the screen's properties and its tone is with the speaker. Drawn:
        // the software renderer has drawn a whole frame with it (forced at once, rather than at
        // the window system's next refresh, so the figure does not depend on Xvfb's pacing).
        let timings = timings.clone();
        let weak = std::rc::Rc::downgrade(&screen);
        screen.on_raised(move |plate| {
            let raised = Instant::now();
            let drawn = weak
                .upgrade()
                .and_then(|s| s.window().window().take_snapshot().ok())
                .map(|_| Instant::now());
            let mut t = timings
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            t.raised.insert(plate.to_string(), raised);
            if let Some(d) = drawn {
                t.drawn.insert(plate.to_string(), d);
            }
            let _ = drawn_tx.send(plate.to_string());
        });
    }
    let (pipeline, inputs) =
        runtime.block_on(async { Pipeline::start(PipelineConfig::default(), store, index, None) });
    let (_outside_tx, outside_rx) = tokio::sync::watch::channel(OutsideStatus::default());
    runtime.spawn(screen::forward(
        pipeline.subscribe(),
        ScreenHandle,
        policy.clone(),
        outside_rx,
    ));

    let observations = inputs.observations.clone();
    let stop_background = tokio_util::sync::CancellationToken::new();
    let background = runtime.spawn({
        let stop = stop_background.clone();
        let rate = args.background_rate.max(0.1);
        async move {
            // Eight characters: longer than any listed plate, so the street never hits and every
            // alert on screen is a timed one.
            let mut n = 0u64;
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            let mut sent = 0u64;
            loop {
                tokio::select! {
                    () = stop.cancelled() => return sent,
                    _ = tick.tick() => {
                        n += 1;
                        let plate = format!("XB{:06}", n % 1_000_000);
                        if observations.send(observation(&plate)).await.is_err() {
                            return sent;
                        }
                        sent += 1;
                    }
                }
            }
        }
    });

    // The driver: one alert at a time, each cleared once drawn, at uneven intervals.
    let driver = std::thread::spawn({
        let timings = timings.clone();
        let observations = inputs.observations.clone();
        let handle = runtime.handle().clone();
        move || -> anyhow::Result<()> {
            // However the driver ends, the screen's loop ends with it.
            struct QuitOnDrop;
            impl Drop for QuitOnDrop {
                fn drop(&mut self) {
                    let _ = slint::quit_event_loop();
                }
            }
            let _quit = QuitOnDrop;
            for plate in &wanted {
                std::thread::sleep(Duration::from_millis(40 + (plate.len() as u64 * 7) % 30));
                timings
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .sent
                    .insert(plate.clone(), Instant::now());
                handle
                    .block_on(observations.send(observation(plate)))
                    .map_err(|_| anyhow::anyhow!("the pipeline closed"))?;
                // A background read may hit the list too (by confusion): wait for this one.
                loop {
                    let drawn = drawn_rx
                        .recv_timeout(Duration::from_secs(10))
                        .with_context(|| format!("the alert for {plate} was never drawn"))?;
                    if drawn == *plate {
                        break;
                    }
                }
                ScreenHandle
                    .post(|s| s.clear_alerts())
                    .map_err(|e| anyhow::anyhow!("the screen has closed: {e}"))?;
            }
            Ok(())
        }
    });
    eprintln!("bench alert: timing {} alerts", args.alerts);
    slint::run_event_loop_until_quit().context("running the screen")?;
    let driven = driver
        .join()
        .map_err(|_| anyhow::anyhow!("the driver thread panicked"))?;
    stop_background.cancel();
    let background_reads = runtime.block_on(background).unwrap_or(0);
    drop(inputs);
    let (_, stats) = runtime
        .block_on(pipeline.join())
        .context("draining the pipeline")?;
    driven?;

    let t = timings
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut drawn: Vec<f64> = Vec::new();
    let mut sounded: Vec<f64> = Vec::new();
    for (plate, sent) in &t.sent {
        if let Some(d) = t.drawn.get(plate) {
            drawn.push(d.duration_since(*sent).as_secs_f64() * 1000.0);
        }
        if let Some(r) = t.raised.get(plate) {
            sounded.push(r.duration_since(*sent).as_secs_f64() * 1000.0);
        }
    }
    let summary = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let q = |p: f64| {
            v.get(((v.len() as f64 - 1.0) * p).round() as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        json!({"n": v.len(), "p50_ms": q(0.5), "p95_ms": q(0.95), "p99_ms": q(0.99), "max_ms": q(1.0)})
    };
    println!(
        "{}",
        json!({
            "bench": "alert",
            "entries": args.entries,
            "alerts": args.alerts,
            "background_reads": background_reads,
            "reads_stored": stats.reads_stored,
            "read_to_drawn": summary(&mut drawn),
            "read_to_tone": summary(&mut sounded),
            "audio": screen.audio_status(),
            "target_p99_ms": 150,
        })
    );
    Ok(())
}

fn observation(plate: &str) -> PlateObservation {
    PlateObservation {
        camera: "bench".into(),
        plate: plate.to_string(),
        state: None,
        confidence: 0.95,
        captured_at: Utc::now(),
        alternatives: Vec::new(),
        plate_crop: None,
        context_image: None,
        ack: None,
    }
}
