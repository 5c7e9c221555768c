//! `alpr bench passes`: what gathering a passing plate's frames into one read does to the read
//! log, on drive-bys rendered by the project with the plates' truth known.
//!
//! Each rendered sequence is a fixed camera with cars driving past; every frame goes through the
//! pipeline's recogniser (`Recognizer::recognize`, with its filter of what is worth a read), then
//! through `alpr_images::passes` as the pipeline does. The figures compare the reads a
//! frame-by-frame log would hold with the reads the passes give.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use alpr_images::passes::{PassLimits, Passes, plate_distance};
use alpr_images::recognize::PlateRecognizer;
use alpr_images::synth::{FontLibrary, SceneOptions, SceneSequence};
use alpr_images::{Frame, PlateObservation, Recognizer, o_as_zero};
use anyhow::{Context as _, ensure};
use chrono::{TimeZone, Utc};
use clap::Args;
use rayon::prelude::*;
use serde_json::json;

#[derive(Debug, Args)]
pub struct PassesBenchArgs {
    /// Rendered drive-bys.
    #[arg(long, default_value_t = 16)]
    sequences: u64,
    /// Frames in each.
    #[arg(long, default_value_t = 36)]
    frames: usize,
    /// Camera time between frames, in milliseconds.
    #[arg(long, default_value_t = 150)]
    interval_ms: u64,
    /// How hard the camera is: 0 clean, 1 like real captures, up to 2 harsher.
    #[arg(long, default_value_t = 0.8)]
    degrade: f32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Milliseconds without a reading that end a pass (default: the pipeline's).
    #[arg(long)]
    quiet_ms: Option<u64>,
    /// Milliseconds after which a pass still in view is voted (default: the pipeline's).
    #[arg(long)]
    longest_ms: Option<u64>,
}

/// What one drive-by gave.
#[derive(Debug, Default)]
struct Tally {
    cars: usize,
    frames: usize,
    readings: usize,
    readings_of_cars: usize,
    readings_exact: usize,
    readings_of_nothing: usize,
    cars_read_in_a_frame: usize,
    cars_read_in_a_frame_o0: usize,
    reads: usize,
    reads_of_cars: usize,
    reads_exact: usize,
    reads_of_nothing: usize,
    cars_read: usize,
    cars_read_o0: usize,
    cars_read_once: usize,
    cars_kept_for_matcher: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.cars += o.cars;
        self.frames += o.frames;
        self.readings += o.readings;
        self.readings_of_cars += o.readings_of_cars;
        self.readings_exact += o.readings_exact;
        self.readings_of_nothing += o.readings_of_nothing;
        self.cars_read_in_a_frame += o.cars_read_in_a_frame;
        self.cars_read_in_a_frame_o0 += o.cars_read_in_a_frame_o0;
        self.reads += o.reads;
        self.reads_of_cars += o.reads_of_cars;
        self.reads_exact += o.reads_exact;
        self.reads_of_nothing += o.reads_of_nothing;
        self.cars_read += o.cars_read;
        self.cars_read_o0 += o.cars_read_o0;
        self.cars_read_once += o.cars_read_once;
        self.cars_kept_for_matcher += o.cars_kept_for_matcher;
    }
}

pub fn run(args: PassesBenchArgs) -> anyhow::Result<()> {
    ensure!(args.sequences >= 1, "--sequences must be at least 1");
    ensure!(args.frames >= 2, "--frames must be at least 2");
    let recognizer = Arc::new(PlateRecognizer::embedded().context("loading the recogniser")?);
    let fonts = FontLibrary::system().context("rendering the drive-bys")?;
    let defaults = PassLimits::default();
    let limits = PassLimits {
        quiet: args.quiet_ms.map_or(defaults.quiet, Duration::from_millis),
        longest: args
            .longest_ms
            .map_or(defaults.longest, Duration::from_millis),
    };
    let tallies = (0..args.sequences)
        .into_par_iter()
        .map(|i| {
            drive_by(
                recognizer.as_ref(),
                &fonts,
                &args,
                args.seed * 1000 + i,
                limits,
            )
        })
        .collect::<anyhow::Result<Vec<Tally>>>()?;
    let mut t = Tally::default();
    for s in &tallies {
        t.add(s);
    }
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    println!(
        "{}",
        json!({
            "bench": "passes",
            "sequences": args.sequences,
            "frames": t.frames,
            "cars": t.cars,
            "interval_ms": args.interval_ms,
            "degrade": args.degrade,
            "limits_ms": {"quiet": limits.quiet.as_millis() as u64, "longest": limits.longest.as_millis() as u64},
            "frame_by_frame": {
                "reads": t.readings,
                "reads_per_car": share(t.readings_of_cars, t.cars),
                "reads_of_cars_exact": share(t.readings_exact, t.readings_of_cars),
                "reads_of_no_car": t.readings_of_nothing,
                "cars_read_exactly_in_some_frame": share(t.cars_read_in_a_frame, t.cars),
                "cars_read_exactly_in_some_frame_o_as_0": share(t.cars_read_in_a_frame_o0, t.cars),
            },
            "passes": {
                "reads": t.reads,
                "reads_per_car": share(t.reads_of_cars, t.cars),
                "reads_of_cars_exact": share(t.reads_exact, t.reads_of_cars),
                "reads_of_no_car": t.reads_of_nothing,
                "cars_read_exactly": share(t.cars_read, t.cars),
                "cars_read_exactly_o_as_0": share(t.cars_read_o0, t.cars),
                "cars_read_exactly_once_and_nothing_else": share(t.cars_read_once, t.cars),
                "cars_read_in_some_frame_kept_for_the_matcher": share(t.cars_kept_for_matcher, t.cars_read_in_a_frame),
            },
        })
    );
    Ok(())
}

/// One rendered drive-by through the recogniser and the passes.
fn drive_by(
    recognizer: &PlateRecognizer,
    fonts: &FontLibrary,
    args: &PassesBenchArgs,
    seed: u64,
    limits: PassLimits,
) -> anyhow::Result<Tally> {
    let options = SceneOptions {
        degrade: args.degrade,
        ..SceneOptions::default()
    };
    let sequence = SceneSequence::new(fonts, seed, &options, args.frames)
        .with_context(|| format!("planning drive-by {seed}"))?;
    let start = Utc
        .timestamp_opt(1_800_000_000, 0)
        .single()
        .context("the drive-by's start time")?;
    let mut passes = Passes::new(limits);
    let mut cars: HashSet<String> = HashSet::new();
    let mut readings: Vec<PlateObservation> = Vec::new();
    let mut reads: Vec<PlateObservation> = Vec::new();
    let mut t = Tally::default();
    for i in 0..args.frames {
        let scene = sequence
            .frame(i)
            .with_context(|| format!("rendering frame {i} of drive-by {seed}"))?;
        let in_view: Vec<&str> = scene.plates.iter().map(|p| p.text.as_str()).collect();
        cars.extend(in_view.iter().map(|s| s.to_string()));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 88)
            .encode_image(&scene.image)
            .context("encoding a frame")?;
        let captured_at = start + Duration::from_millis(args.interval_ms * i as u64);
        let frame = Frame {
            camera: "street".into(),
            captured_at,
            data: Arc::from(jpeg),
        };
        let read = recognizer
            .recognize(&frame)
            .with_context(|| format!("recognising frame {i} of drive-by {seed}"))?;
        t.frames += 1;
        for r in &read {
            if in_view.contains(&r.plate.as_str()) {
                t.readings_exact += 1;
            }
        }
        readings.extend(read.iter().cloned());
        reads.extend(passes.frame(&frame.camera, captured_at, read));
    }
    reads.extend(passes.end_all());

    let car_of = |plate: &str| cars.iter().find(|c| plate_distance(c, plate).is_some());
    t.cars = cars.len();
    t.readings = readings.len();
    t.readings_of_cars = readings
        .iter()
        .filter(|r| car_of(&r.plate).is_some())
        .count();
    t.readings_of_nothing = t.readings - t.readings_of_cars;
    t.cars_read_in_a_frame = cars
        .iter()
        .filter(|c| readings.iter().any(|r| &r.plate == *c))
        .count();
    t.cars_read_in_a_frame_o0 = cars
        .iter()
        .filter(|c| readings.iter().any(|r| o_as_zero(&r.plate) == o_as_zero(c)))
        .count();
    t.reads = reads.len();
    t.reads_of_cars = reads.iter().filter(|r| car_of(&r.plate).is_some()).count();
    t.reads_of_nothing = t.reads - t.reads_of_cars;
    t.reads_exact = reads.iter().filter(|r| cars.contains(&r.plate)).count();
    for c in &cars {
        let of_car: Vec<&PlateObservation> = reads
            .iter()
            .filter(|r| car_of(&r.plate) == Some(c))
            .collect();
        let exact = of_car.iter().filter(|r| &r.plate == c).count();
        if of_car.len() != 1 || exact != 1 {
            let describe = |r: &PlateObservation| {
                let ms = (r.captured_at - start).num_milliseconds();
                format!("{}/{}@{ms}", r.plate, r.state.as_deref().unwrap_or("--"))
            };
            let sent: Vec<String> = of_car.iter().map(|r| describe(r)).collect();
            let seen: Vec<String> = readings
                .iter()
                .filter(|r| car_of(&r.plate) == Some(c))
                .map(describe)
                .collect();
            tracing::debug!(
                "drive-by {seed}: {c} gave {} reads, {exact} exact ({}) from the frames {}",
                of_car.len(),
                sent.join(" "),
                seen.join(" ")
            );
        }
        t.cars_read += usize::from(exact > 0);
        t.cars_read_o0 += usize::from(of_car.iter().any(|r| o_as_zero(&r.plate) == o_as_zero(c)));
        t.cars_read_once += usize::from(exact == 1 && of_car.len() == 1);
        let kept = reads
            .iter()
            .any(|r| &r.plate == c || r.alternatives.iter().any(|a| &a.plate == c));
        let read_in_a_frame = readings.iter().any(|r| &r.plate == c);
        t.cars_kept_for_matcher += usize::from(read_in_a_frame && kept);
    }
    Ok(t)
}
