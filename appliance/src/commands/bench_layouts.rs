//! `alpr bench layouts`: how the recogniser reads each kind of plate layout, on street frames
//! rendered by the project with the plates' truth known.
//!
//! The real sets in `../shared/data` hold almost no two-row plates and few stacked letters, and
//! the issue asks that such plates never mislead: a plate the recogniser cannot read must come
//! out unsure or not at all, never as a sure wrong reading. So each rendered plate is put in one
//! class (one row issued, one row vanity, stacked letters, two rows) and counted by what the
//! pipeline would store for it (`worth_a_read`): read exactly, misread surely, misread and flagged
//! unsure, nothing stored though the detector found it, or not found. A plate partly hidden by a
//! car in the next lane is a class of its own, whatever its layout.

use std::collections::BTreeMap;

use alpr_images::o_as_zero;
use alpr_images::recognize::decode_image;
use alpr_images::recognize::evaluate::MIN_IOU;
use alpr_images::recognize::{Detection, PlateReading, PlateRecognizer, iou, worth_a_read};
use alpr_images::synth::{FontLibrary, PlateTruth, SceneOptions, item_seed, render_scene};
use anyhow::{Context as _, ensure};
use clap::Args;
use rayon::prelude::*;
use serde_json::json;

#[derive(Debug, Args)]
pub struct LayoutsBenchArgs {
    /// Rendered street frames (1280x720, as `alpr render scenes` draws them).
    #[arg(long, default_value_t = 600)]
    scenes: usize,
    #[arg(long, default_value_t = 77)]
    seed: u64,
    /// How hard the camera is: 0 clean, 1 like real captures, up to 2 harsher.
    #[arg(long, default_value_t = 1.0)]
    degrade: f32,
    /// How many sure misreadings of each class to list.
    #[arg(long, default_value_t = 8)]
    examples: usize,
    /// Networks trained apart, in place of the built-in ones: a directory of `detector.onnx`,
    /// `reader.onnx`, `state.onnx` (any missing there is the built-in one).
    #[arg(long)]
    models: Option<std::path::PathBuf>,
}

/// `alpr render scenes` writes its frames at this JPEG quality.
const JPEG_QUALITY: u8 = 92;

#[derive(Debug, Default)]
struct Tally {
    plates: usize,
    exact: usize,
    exact_o0: usize,
    /// Read wrongly (O and 0 as one) and not flagged `low_confidence`.
    wrong_sure: usize,
    wrong_unsure: usize,
    not_stored: usize,
    not_found: usize,
    sure_examples: Vec<(String, String, f32)>,
}

pub fn run(args: LayoutsBenchArgs) -> anyhow::Result<()> {
    ensure!(args.scenes >= 1, "--scenes must be at least 1");
    let recognizer = super::recognize::load_recognizer(args.models.as_deref())?;
    let fonts = FontLibrary::system().context("rendering the street frames")?;
    let options = SceneOptions {
        degrade: args.degrade,
        ..SceneOptions::default()
    };
    let per_scene = (0..args.scenes)
        .into_par_iter()
        .map(|i| {
            one_scene(
                &recognizer,
                &fonts,
                &options,
                item_seed(args.seed, i as u64),
            )
            .with_context(|| format!("scene {i}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut classes: BTreeMap<&'static str, Tally> = BTreeMap::new();
    for (class, outcome) in per_scene.into_iter().flatten() {
        let t = classes.entry(class).or_default();
        t.plates += 1;
        match outcome {
            Outcome::NotFound => t.not_found += 1,
            Outcome::NotStored => t.not_stored += 1,
            Outcome::Exact { o0_only } => {
                t.exact_o0 += 1;
                t.exact += usize::from(!o0_only);
            }
            Outcome::Wrong { unsure: true, .. } => t.wrong_unsure += 1,
            Outcome::Wrong {
                truth,
                read,
                confidence,
                ..
            } => {
                t.wrong_sure += 1;
                if t.sure_examples.len() < args.examples {
                    t.sure_examples.push((truth, read, confidence));
                }
            }
        }
    }
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let by_class: serde_json::Map<String, serde_json::Value> = classes
        .iter()
        .map(|(class, t)| {
            let examples: Vec<_> = t
                .sure_examples
                .iter()
                .map(|(truth, read, c)| json!({"plate": truth, "read": read, "confidence": c}))
                .collect();
            let v = json!({
                "plates": t.plates,
                "exact": share(t.exact, t.plates),
                "exact_o_as_0": share(t.exact_o0, t.plates),
                "wrong_sure": t.wrong_sure,
                "wrong_flagged_unsure": t.wrong_unsure,
                "found_nothing_stored": t.not_stored,
                "not_found": t.not_found,
                "wrong_sure_examples": examples,
            });
            (class.to_string(), v)
        })
        .collect();
    println!(
        "{}",
        json!({
            "bench": "layouts",
            "scenes": args.scenes,
            "seed": args.seed,
            "degrade": args.degrade,
            "models": args.models.as_ref().map(|d| d.display().to_string()),
            "classes": by_class,
        })
    );
    Ok(())
}

#[derive(Debug)]
enum Outcome {
    NotFound,
    /// Detected, but no reading of it would be stored (too short, or hopeless).
    NotStored,
    Exact {
        /// Read exactly only with O and 0 taken as one.
        o0_only: bool,
    },
    Wrong {
        truth: String,
        read: String,
        confidence: f32,
        unsure: bool,
    },
}

/// One rendered frame, JPEG-encoded as `alpr render scenes` writes it, read by the recogniser:
/// each plate's class and what became of it.
fn one_scene(
    recognizer: &PlateRecognizer,
    fonts: &FontLibrary,
    options: &SceneOptions,
    seed: u64,
) -> anyhow::Result<Vec<(&'static str, Outcome)>> {
    let scene = render_scene(fonts, seed, options).context("rendering")?;
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&scene.image)
        .context("encoding the frame")?;
    let image = decode_image(&jpeg).context("decoding the frame")?;
    let readings = recognizer.read(&image).context("recognising")?;
    Ok(scene
        .plates
        .iter()
        .map(|plate| (class_of(plate), outcome(plate, &readings)))
        .collect())
}

/// A plate with this share of its registration hidden by something nearer is counted apart: the
/// recogniser can read only what shows, and a reading of the rest is not a misreading of it.
const PARTLY_HIDDEN: f32 = 0.05;

fn class_of(plate: &PlateTruth) -> &'static str {
    if plate.hidden >= PARTLY_HIDDEN {
        "partly_hidden"
    } else if plate.two_rows {
        "two_rows"
    } else if !plate.stacked.is_empty() {
        "stacked_letters"
    } else if plate.vanity {
        "one_row_vanity"
    } else {
        "one_row_issued"
    }
}

/// The surest stored reading whose box overlaps the plate's, judged against its text.
fn outcome(plate: &PlateTruth, readings: &[PlateReading]) -> Outcome {
    let b = plate.bbox;
    let truth_box = Detection {
        x: b.x as f32,
        y: b.y as f32,
        w: b.w as f32,
        h: b.h as f32,
        score: 1.0,
    };
    let of_plate: Vec<&PlateReading> = readings
        .iter()
        .filter(|r| iou(&r.detection(), &truth_box) >= MIN_IOU)
        .collect();
    let best = of_plate
        .iter()
        .filter(|r| worth_a_read(r))
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence));
    match best {
        None if of_plate.is_empty() => Outcome::NotFound,
        None => Outcome::NotStored,
        Some(r) if r.text == plate.text => Outcome::Exact { o0_only: false },
        Some(r) if o_as_zero(&r.text) == o_as_zero(&plate.text) => Outcome::Exact { o0_only: true },
        Some(r) => Outcome::Wrong {
            truth: plate.text.clone(),
            read: r.text.clone(),
            confidence: r.confidence,
            unsure: r.low_confidence,
        },
    }
}
