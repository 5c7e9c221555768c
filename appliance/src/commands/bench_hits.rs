//! `alpr bench hits`: what the officer would be alerted to if every labelled real plate were on
//! the hot list, among an NCIC-sized list of other plates.
//!
//! Exact plate text is the recogniser's own figure; what an ALPR is for is the alert. The
//! matcher also tries each reading's alternatives and the OCR confusions a plate reader makes
//! (`hotlist::ConfusionTable`), so a reading one character wrong may still raise the right
//! alert, and a wrong reading may raise the wrong one. This runs the real recogniser on the
//! labelled crops and scenes in `../shared/data`, stores what the pipeline would store
//! (`worth_a_read`), and matches it with the real index, splits apart as `bench accuracy` does.

use std::path::PathBuf;

use alpr_appliance::hotlist::{ConfusionTable, HotlistIndex, IndexBuilder};
use alpr_appliance::model::{Hit, ListedPlate, MatchKind, Priority, Read, new_id};
use alpr_images::recognize::evaluate::{MIN_IOU, Splits, crop_labels, scene_labels};
use alpr_images::recognize::{PlateReading, iou, load_image, worth_a_read};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::Args;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Args)]
pub struct HitsBenchArgs {
    /// Labelled plate crops (`labels.csv`: file,state,plate).
    #[arg(long, default_value = "../shared/data/us-plate-crops")]
    crops: PathBuf,
    /// Labelled street scenes (`NAME.jpg` with `NAME.txt`).
    #[arg(long, default_value = "../shared/data/us-scenes-dev")]
    scenes: PathBuf,
    /// Generated NCIC-like records listed beside the labelled plates, for the wrong alerts a
    /// misreading can raise.
    #[arg(long, default_value_t = 200_000)]
    entries: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many plates with no alert, and how many wrong alerts, to list per split.
    #[arg(long, default_value_t = 10)]
    examples: usize,
    /// Networks trained apart, in place of the built-in ones (as for `bench accuracy`).
    #[arg(long, requires = "splits")]
    models: Option<PathBuf>,
    /// The splits those networks were trained with, in place of the committed ones.
    #[arg(long)]
    splits: Option<PathBuf>,
}

/// What became of one labelled plate.
#[derive(Debug)]
struct Outcome {
    plate: String,
    /// The stored readings of it: text, and the alternatives the matcher tries.
    read: Vec<String>,
    alternatives: Vec<String>,
    /// The hit on the plate's own entry, if any.
    right: Option<Hit>,
    /// Hits on other entries.
    wrong: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
struct Tally {
    plates: usize,
    /// Share of plates whose own entry was hit.
    alerted: f64,
    /// How the right alerts came: the reading itself, the reading through an OCR confusion,
    /// an alternative reading.
    alerted_read_exactly: usize,
    alerted_through_confusion: usize,
    alerted_through_alternative: usize,
    /// Right alerts flagged for a state that differs from the one listed.
    alerted_state_mismatch: usize,
    no_alert: usize,
    /// Alerts on another plate's entry, raised by readings of a labelled plate.
    wrong_alerts: usize,
    no_alert_examples: Vec<serde_json::Value>,
    wrong_alert_examples: Vec<serde_json::Value>,
}

impl Tally {
    fn add(&mut self, o: &Outcome, examples: usize) {
        self.plates += 1;
        match &o.right {
            Some(h) if h.via_alternative => self.alerted_through_alternative += 1,
            Some(h) if h.kind == MatchKind::Exact => self.alerted_read_exactly += 1,
            Some(_) => self.alerted_through_confusion += 1,
            None => {
                self.no_alert += 1;
                if self.no_alert_examples.len() < examples {
                    self.no_alert_examples.push(json!({
                        "plate": o.plate, "read": o.read, "alternatives": o.alternatives,
                    }));
                }
            }
        }
        if o.right.as_ref().is_some_and(|h| h.state_mismatch) {
            self.alerted_state_mismatch += 1;
        }
        self.wrong_alerts += o.wrong.len();
        if !o.wrong.is_empty() && self.wrong_alert_examples.len() < examples {
            self.wrong_alert_examples
                .push(json!({"plate": o.plate, "read": o.read, "alerted_on": o.wrong}));
        }
    }

    fn finish(mut self) -> Self {
        let alerted = self.plates - self.no_alert;
        self.alerted = if self.plates == 0 {
            0.0
        } else {
            alerted as f64 / self.plates as f64
        };
        self
    }
}

pub fn run(args: HitsBenchArgs) -> anyhow::Result<()> {
    let recognizer = super::recognize::load_recognizer(args.models.as_deref())?;
    let splits = Splits::given_or_committed(args.splits.as_deref())?;
    let crops = crop_labels(&args.crops)?;
    let scenes = scene_labels(&args.scenes)?;

    let mut builder = IndexBuilder::new(ConfusionTable::default());
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let mut record = ListedPlate::default();
    for _ in 0..args.entries {
        super::bench::record(&mut rng, &mut record);
        builder
            .push(new_id(), "ncic", &record)
            .map_err(|e| anyhow::anyhow!("a generated record: {e}"))?;
    }
    let labelled = crops
        .iter()
        .map(|c| (c.plate.clone(), Some(c.state.clone())))
        .chain(
            scenes
                .iter()
                .flat_map(|s| s.boxes.iter().map(|(_, p)| (p.clone(), None))),
        );
    let mut listed_labelled = 0usize;
    for (plate, state) in labelled {
        let entry = ListedPlate {
            plate: plate.clone(),
            state,
            reason: "BENCH: LABELLED PLATE".into(),
            priority: Priority::High,
            ..ListedPlate::default()
        };
        builder
            .push(new_id(), "labelled", &entry)
            .map_err(|e| anyhow::anyhow!("labelled plate {plate}: {e}"))?;
        listed_labelled += 1;
    }
    let index = builder.finish();
    let now = Utc::now();

    let crop_outcomes = crops
        .par_iter()
        .map(|c| {
            let image = load_image(&args.crops.join(&c.file))
                .with_context(|| format!("crop {}", c.file))?;
            let reading = recognizer
                .read_whole(&image)
                .with_context(|| format!("crop {}", c.file))?;
            let stored: Vec<PlateReading> = reading.into_iter().filter(worth_a_read).collect();
            let val = splits.is_validation_crop(&c.file);
            Ok((val, outcome(&c.plate, &stored, &index, now)))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let scene_outcomes = scenes
        .par_iter()
        .map(|s| {
            let image = load_image(&args.scenes.join(&s.image))
                .with_context(|| format!("scene {}", s.image))?;
            let readings = recognizer
                .read(&image)
                .with_context(|| format!("scene {}", s.image))?;
            let stored: Vec<PlateReading> = readings.into_iter().filter(worth_a_read).collect();
            let val = splits.is_holdout_scene(&s.image);
            let plates: Vec<(bool, Outcome)> = s
                .boxes
                .iter()
                .map(|(label, plate)| {
                    let of_plate: Vec<PlateReading> = stored
                        .iter()
                        .filter(|r| iou(&r.detection(), label) >= MIN_IOU)
                        .cloned()
                        .collect();
                    (val, outcome(plate, &of_plate, &index, now))
                })
                .collect();
            // Stored readings of nothing labelled: a background plate or a sign.
            let elsewhere = stored
                .iter()
                .filter(|r| {
                    s.boxes
                        .iter()
                        .all(|(l, _)| iou(&r.detection(), l) < MIN_IOU)
                })
                .map(|r| hits(r, &index, now).len())
                .sum::<usize>();
            Ok((plates, (val, elsewhere)))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let tally = |outcomes: &mut dyn Iterator<Item = &(bool, Outcome)>| {
        let (mut val, mut train) = (Tally::default(), Tally::default());
        for (v, o) in outcomes {
            if *v { &mut val } else { &mut train }.add(o, args.examples);
        }
        json!({"validation": val.finish(), "training": train.finish()})
    };
    let crops_json = tally(&mut crop_outcomes.iter());
    let mut scene_json = tally(&mut scene_outcomes.iter().flat_map(|(p, _)| p.iter()));
    for (split, held_out) in [("validation", true), ("training", false)] {
        let n: usize = scene_outcomes
            .iter()
            .filter(|(_, (v, _))| *v == held_out)
            .map(|(_, (_, n))| n)
            .sum();
        scene_json[split]["alerts_from_unlabelled_detections"] = json!(n);
    }
    println!(
        "{}",
        json!({
            "bench": "hits",
            "entries": args.entries,
            "labelled_plates_listed": listed_labelled,
            "confusions": format!("{:?}", ConfusionTable::default()),
            "models": args.models.as_ref().map(|d| d.display().to_string()),
            "crops": crops_json,
            "scenes": scene_json,
        })
    );
    Ok(())
}

/// The hits a stored reading raises in the pipeline's matcher.
fn hits(r: &PlateReading, index: &HotlistIndex, now: DateTime<Utc>) -> Vec<Hit> {
    let read = Read {
        id: new_id(),
        observation: r.clone().into_observation("bench".into(), now),
        position: None,
    };
    index.match_read(&read, now)
}

/// What the stored readings of one labelled plate raise: its own entry's hit (the best way it
/// was reached), and hits on any other entry.
fn outcome(
    plate: &str,
    stored: &[PlateReading],
    index: &HotlistIndex,
    now: DateTime<Utc>,
) -> Outcome {
    let mut right: Option<Hit> = None;
    let mut wrong = Vec::new();
    for r in stored {
        for h in hits(r, index, now) {
            if h.entry.listed.plate == plate {
                // Plates listed twice (the same sample text in two states) are hit twice: the
                // entry of the state read is the plate's own.
                let rank = |h: &Hit| (h.via_alternative, h.kind, h.state_mismatch);
                if right.as_ref().is_none_or(|b| rank(&h) < rank(b)) {
                    right = Some(h);
                }
            } else if !wrong.contains(&h.entry.listed.plate) {
                wrong.push(h.entry.listed.plate.clone());
            }
        }
    }
    Outcome {
        plate: plate.to_string(),
        read: stored.iter().map(|r| r.text.clone()).collect(),
        alternatives: stored
            .iter()
            .flat_map(|r| r.alternatives.iter().map(|a| a.text.clone()))
            .collect(),
        right,
        wrong,
    }
}
