//! `alpr bench recognize`: per-frame latency of plate recognition on 1080p frames, on one thread
//! and on every core, and frames per second.

use std::path::{Path, PathBuf};
use std::time::Instant;

use alpr_images::recognize::{NetworkTime, NetworkTimes, decode_image, load_image};
use anyhow::{Context as _, ensure};
use clap::Args;
use image::RgbImage;
use serde_json::json;

use super::bench::percentile;

#[derive(Debug, Args)]
pub struct RecognizeBenchArgs {
    /// A directory of JPEG/PNG frames; each is scaled to 1920x1080 first. Without it, street
    /// frames rendered by the project are used.
    dir: Option<PathBuf>,
    /// Frames timed on each run (the frames are cycled).
    #[arg(long, default_value_t = 200)]
    frames: usize,
    /// Threads for the all-cores run (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Networks trained apart, in place of the built-in ones: a directory of `detector.onnx`,
    /// `reader.onnx`, `state.onnx` (any missing there is the built-in one), to time them
    /// before they are committed.
    #[arg(long)]
    models: Option<PathBuf>,
}

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;

pub fn run(args: RecognizeBenchArgs) -> anyhow::Result<()> {
    ensure!(args.frames >= 1, "--frames must be at least 1");
    let recognizer = super::recognize::load_recognizer(args.models.as_deref())?;
    let frames = match &args.dir {
        Some(dir) => frames_from(dir)?,
        None => rendered_frames(24)?,
    };
    ensure!(!frames.is_empty(), "no frames to time");

    // Warm up: the first runs allocate the networks' scratch space.
    for f in frames.iter().take(3) {
        recognizer.read(f).context("recognising a frame")?;
    }
    let warm = recognizer.network_times();
    let mut one = Vec::with_capacity(args.frames);
    let mut plates = 0usize;
    for i in 0..args.frames {
        let t = Instant::now();
        plates += recognizer
            .read(&frames[i % frames.len()])
            .context("recognising a frame")?
            .len();
        one.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let networks = per_frame(&recognizer.network_times(), &warm, args.frames);

    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let per_thread = args.frames.div_ceil(threads);
    let started = Instant::now();
    let all: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (recognizer, frames) = (&recognizer, &frames);
                s.spawn(move || {
                    let mut times = Vec::with_capacity(per_thread);
                    for i in 0..per_thread {
                        let t0 = Instant::now();
                        let _ = recognizer.read(&frames[(t * per_thread + i) % frames.len()]);
                        times.push(t0.elapsed().as_secs_f64() * 1000.0);
                    }
                    times
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let wall = started.elapsed().as_secs_f64();

    // Decoding is the camera's JPEG, before recognition: timed apart.
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&frames[0])
        .context("encoding a frame")?;
    let mut decode = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        decode_image(&jpeg).context("decoding a frame")?;
        decode.push(t.elapsed().as_secs_f64() * 1000.0);
    }

    let one_mean = one.iter().sum::<f64>() / one.len() as f64;
    let mut all = all;
    for times in [&mut one, &mut all, &mut decode] {
        times.sort_by(f64::total_cmp);
    }
    println!(
        "{}",
        json!({
            "bench": "recognize",
            "frame": format!("{WIDTH}x{HEIGHT}"),
            "source": args.dir.as_ref().map_or("rendered street frames".to_string(), |d| d.display().to_string()),
            "distinct_frames": frames.len(),
            "plates_found_per_frame": plates as f64 / args.frames as f64,
            "one_thread": {
                "frames": one.len(),
                "p50_ms": percentile(&one, 0.5),
                "p95_ms": percentile(&one, 0.95),
                "mean_ms": one_mean,
                "fps": 1000.0 / one_mean,
            },
            "all_cores": {
                "threads": threads,
                "frames": all.len(),
                "p50_ms": percentile(&all, 0.5),
                "p95_ms": percentile(&all, 0.95),
                "fps": all.len() as f64 / wall,
            },
            "jpeg_decode_p50_ms": percentile(&decode, 0.5),
            "one_thread_per_network": networks,
        })
    );
    Ok(())
}

/// Each network's runs per frame and milliseconds per run, over the one-thread frames (the
/// times after them less those before).
fn per_frame(after: &NetworkTimes, before: &NetworkTimes, frames: usize) -> serde_json::Value {
    let one = |a: NetworkTime, b: NetworkTime| {
        let runs = a.runs.saturating_sub(b.runs);
        let ms = (a.seconds - b.seconds) * 1000.0;
        json!({
            "runs_per_frame": runs as f64 / frames.max(1) as f64,
            "ms_per_run": if runs == 0 { 0.0 } else { ms / runs as f64 },
            "ms_per_frame": ms / frames.max(1) as f64,
        })
    };
    json!({
        "detector": one(after.detector, before.detector),
        "reader": one(after.reader, before.reader),
        "state": one(after.state, before.state),
    })
}

/// Street frames rendered by the project at 1080p, each with 0 to 3 plates.
fn rendered_frames(count: usize) -> anyhow::Result<Vec<RgbImage>> {
    use alpr_images::synth::{FontLibrary, SceneOptions, render_scene};
    let fonts = FontLibrary::system().context("rendering the benchmark's frames")?;
    let options = SceneOptions {
        width: WIDTH,
        height: HEIGHT,
        ..SceneOptions::default()
    };
    (0..count as u64)
        .map(|seed| {
            render_scene(&fonts, 1000 + seed, &options)
                .map(|scene| scene.image)
                .context("rendering a benchmark frame")
        })
        .collect()
}

/// Every JPEG/PNG in `dir`, scaled to 1080p; unreadable files are skipped with a warning.
fn frames_from(dir: &Path) -> anyhow::Result<Vec<RgbImage>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
        })
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        match load_image(&p) {
            Ok(img) if img.dimensions() == (WIDTH, HEIGHT) => out.push(img),
            Ok(img) => out.push(image::imageops::resize(
                &img,
                WIDTH,
                HEIGHT,
                image::imageops::FilterType::Triangle,
            )),
            Err(e) => tracing::warn!("skipping {}: {e}", p.display()),
        }
    }
    Ok(out)
}

#[derive(Debug, Args)]
pub struct AccuracyBenchArgs {
    /// Labelled plate crops (`labels.csv`: file,state,plate).
    #[arg(long, default_value = "../shared/data/us-plate-crops")]
    crops: PathBuf,
    /// Labelled street scenes (`NAME.jpg` with `NAME.txt`).
    #[arg(long, default_value = "../shared/data/us-scenes-dev")]
    scenes: PathBuf,
    /// Threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Networks trained apart, in place of the built-in ones: a directory of `detector.onnx`,
    /// `reader.onnx`, `state.onnx` (any missing there is the built-in one).
    #[arg(long, requires = "splits")]
    models: Option<PathBuf>,
    /// The splits those networks were trained with (`images/train/splits.py FILE`), in place of
    /// the committed `images/models/splits.json`.
    #[arg(long)]
    splits: Option<PathBuf>,
}

/// Accuracy of the recogniser on labelled real images, validation and training splits apart:
/// the built-in weights and splits, or weights trained apart (`images/train/crossval.sh`).
pub fn accuracy(args: AccuracyBenchArgs) -> anyhow::Result<()> {
    use alpr_images::recognize::evaluate::{Splits, evaluate_crops, evaluate_scenes};
    let recognizer = super::recognize::load_recognizer(args.models.as_deref())?;
    let splits = Splits::given_or_committed(args.splits.as_deref())?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let crops = evaluate_crops(&recognizer, &args.crops, &splits, threads)?;
    let scenes = evaluate_scenes(&recognizer, &args.scenes, &splits, threads)?;
    println!(
        "{}",
        json!({ "bench": "accuracy", "crops": crops, "scenes": scenes })
    );
    Ok(())
}
