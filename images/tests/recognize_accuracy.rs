//! The committed weights must keep the accuracy recorded when they were trained
//! (`images/models/accuracy.json`, written by `images/train/train.sh`), on the real labelled
//! images in `../shared/data`.

use std::path::PathBuf;

use alpr_images::recognize::PlateRecognizer;
use alpr_images::recognize::evaluate::{Splits, evaluate_crops, evaluate_scenes};

fn shared_data() -> PathBuf {
    std::env::var_os("ALPR_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
        PathBuf::from,
    )
}

fn recorded() -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/accuracy.json");
    let text = std::fs::read_to_string(&path).expect("images/models/accuracy.json is committed");
    serde_json::from_str(&text).expect("accuracy.json is JSON")
}

fn figure(v: &serde_json::Value, path: &[&str]) -> f64 {
    let mut at = v;
    for p in path {
        at = &at[*p];
    }
    at.as_f64()
        .unwrap_or_else(|| panic!("accuracy.json has no number at {}", path.join(".")))
}

/// Allows for one image read differently (float rounding between builds), no more.
fn at_least(now: f64, then: f64, n: usize, what: &str) {
    let slack = 1.0 / n.max(1) as f64 + 1e-9;
    assert!(
        now + slack >= then,
        "{what}: {now:.4} now, {then:.4} recorded for the committed weights"
    );
}

#[test]
fn committed_weights_keep_their_recorded_accuracy() {
    let data = shared_data();
    assert!(
        data.join("us-plate-crops/labels.csv").is_file(),
        "the labelled images are expected at {} (set ALPR_SHARED_DATA)",
        data.display()
    );
    let recognizer = PlateRecognizer::embedded().expect("built-in models load");
    let rec = recorded();
    let splits = Splits::committed().expect("the committed splits parse");

    let crops =
        evaluate_crops(&recognizer, &data.join("us-plate-crops"), &splits, 2).expect("crops");
    let v = &crops.validation;
    assert_eq!(v.unreadable, 0, "{:?}", v.failures);
    for (name, now) in [
        ("exact", v.exact),
        ("state", v.state),
        ("exact_o0", v.exact_o0),
    ] {
        let then = figure(&rec, &["crops", "validation", name]);
        at_least(now, then, v.plates, &format!("crops validation {name}"));
    }

    let scenes =
        evaluate_scenes(&recognizer, &data.join("us-scenes-dev"), &splits, 2).expect("scenes");
    for (split, s) in [
        ("validation", &scenes.validation),
        ("training", &scenes.training),
    ] {
        assert_eq!(s.unreadable, 0, "{:?}", s.failures);
        for (name, now) in [("recall", s.recall), ("exact", s.exact)] {
            let then = figure(&rec, &["scenes", split, name]);
            at_least(now, then, s.plates, &format!("scenes {split} {name}"));
        }
    }
}
