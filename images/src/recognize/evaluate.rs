//! Accuracy on labelled real images (the shared plate crops and street scenes), split as the
//! training scripts split them (`images/models/splits.json`): figures for the report and for the
//! test that holds the committed weights to them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Detection, PlateReading, PlateRecognizer, iou, load_image};
use crate::o_as_zero;

const SPLITS: &str = include_str!("../../models/splits.json");

/// Detection counts as found at this overlap with the labelled box.
pub const MIN_IOU: f32 = 0.4;

#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {reason}")]
    Label {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("the splits file {path} is not what `images/train/splits.py` writes: {source}")]
    Splits {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// Which images were never trained on: the validation crops and the held-out scenes, by file
/// name, as `images/train/splits.py` writes them.
#[derive(Debug, serde::Deserialize)]
pub struct Splits {
    crops_validation: HashSet<String>,
    scenes_holdout: HashSet<String>,
}

impl Splits {
    /// The splits the committed weights were trained with.
    pub fn committed() -> Result<Self, EvaluateError> {
        serde_json::from_str(SPLITS).map_err(|source| EvaluateError::Splits {
            path: "images/models/splits.json".into(),
            source,
        })
    }

    /// Splits written for weights trained apart (cross-validation's other held-out quarters).
    pub fn load(path: &Path) -> Result<Self, EvaluateError> {
        let text = std::fs::read_to_string(path).map_err(|source| EvaluateError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| EvaluateError::Splits {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The splits in `path` when given, else the committed ones.
    pub fn given_or_committed(path: Option<&Path>) -> Result<Self, EvaluateError> {
        path.map_or_else(Self::committed, Self::load)
    }

    /// Whether the crop `file` is in the validation split (never trained on).
    pub fn is_validation_crop(&self, file: &str) -> bool {
        self.crops_validation.contains(file)
    }

    /// Whether the scene image `file` is held out (never trained on).
    pub fn is_holdout_scene(&self, file: &str) -> bool {
        self.scenes_holdout.contains(file)
    }
}

/// Figures for a set of plate crops.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CropScores {
    pub plates: usize,
    /// Plate text exactly right.
    pub exact: f64,
    /// Plate text right with the letter O and the digit 0 taken as one.
    pub exact_o0: f64,
    /// State of issue right.
    pub state: f64,
    /// Plate text and state both right.
    pub exact_and_state: f64,
    /// Images that could not be read at all (named in `failures`).
    pub unreadable: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<String>,
    /// A few wrong readings: file, label, read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wrong: Vec<(String, String, String)>,
}

/// Figures for a set of street scenes.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SceneScores {
    pub scenes: usize,
    pub plates: usize,
    /// Labelled plates with a detection at IoU >= 0.4.
    pub recall: f64,
    /// Labelled plates found and read exactly.
    pub exact: f64,
    pub exact_o0: f64,
    /// Detections that overlap no labelled plate (the scenes label one plate each, so some of
    /// these are real plates in the background).
    pub unmatched_detections: usize,
    pub unreadable: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wrong: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Split<T> {
    /// Never trained on.
    pub validation: T,
    /// Trained on (or tuned on).
    pub training: T,
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// Runs `f` over `items` on `threads` threads, keeping the order.
fn parallel<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// One labelled plate crop: its file name in the crops folder, state of issue and plate text,
/// both upper case.
#[derive(Debug, Clone)]
pub struct CropLabel {
    pub file: String,
    pub state: String,
    pub plate: String,
}

/// The labels of the crops in `dir` (its `labels.csv` of `file,state,plate`).
pub fn crop_labels(dir: &Path) -> Result<Vec<CropLabel>, EvaluateError> {
    let path = dir.join("labels.csv");
    let text = std::fs::read_to_string(&path).map_err(|source| EvaluateError::Read {
        path: path.clone(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let parts: Vec<&str> = line.trim().split(',').collect();
        let [file, state, plate] = parts[..] else {
            return Err(EvaluateError::Label {
                path,
                line: i + 1,
                reason: "expected file,state,plate".into(),
            });
        };
        out.push(CropLabel {
            file: file.to_string(),
            state: state.to_ascii_uppercase(),
            plate: plate.to_ascii_uppercase(),
        });
    }
    Ok(out)
}

/// Reads every crop in `dir` (a `labels.csv` of `file,state,plate`) as one whole plate.
pub fn evaluate_crops(
    recognizer: &PlateRecognizer,
    dir: &Path,
    splits: &Splits,
    threads: usize,
) -> Result<Split<CropScores>, EvaluateError> {
    let labels = crop_labels(dir)?;
    let results = parallel(&labels, threads, |l| {
        let image = load_image(&dir.join(&l.file)).map_err(|e| format!("{}: {e}", l.file))?;
        recognizer
            .read_whole(&image)
            .map_err(|e| format!("{}: {e}", l.file))
            .map(|r| r.map(|r| (r.text, r.state.unwrap_or_default())))
    });
    let mut validation = CropScores::default();
    let mut training = CropScores::default();
    let mut counts = [[0usize; 4]; 2];
    for (l, r) in labels.iter().zip(results) {
        let val = splits.is_validation_crop(&l.file);
        let (scores, c) = if val {
            (&mut validation, &mut counts[0])
        } else {
            (&mut training, &mut counts[1])
        };
        scores.plates += 1;
        match r {
            Err(e) => {
                scores.unreadable += 1;
                scores.failures.push(e);
            }
            Ok(read) => {
                let (text, state) = read.unwrap_or_default();
                let exact = text == l.plate;
                c[0] += usize::from(exact);
                c[1] += usize::from(o_as_zero(&text) == o_as_zero(&l.plate));
                c[2] += usize::from(state == l.state);
                c[3] += usize::from(exact && state == l.state);
                if !exact && scores.wrong.len() < 40 {
                    scores.wrong.push((l.file.clone(), l.plate.clone(), text));
                }
            }
        }
    }
    for (scores, c) in [(&mut validation, counts[0]), (&mut training, counts[1])] {
        scores.exact = ratio(c[0], scores.plates);
        scores.exact_o0 = ratio(c[1], scores.plates);
        scores.state = ratio(c[2], scores.plates);
        scores.exact_and_state = ratio(c[3], scores.plates);
    }
    Ok(Split {
        validation,
        training,
    })
}

/// One labelled street scene: its image's file name in the scenes folder, and each labelled
/// plate's box with its text (upper case).
#[derive(Debug, Clone)]
pub struct Scene {
    pub image: String,
    pub boxes: Vec<(Detection, String)>,
}

/// The labelled scenes in `dir` (`NAME.txt` of `file, x, y, w, h, plate` lines, tab-separated),
/// in file-name order.
pub fn scene_labels(dir: &Path) -> Result<Vec<Scene>, EvaluateError> {
    let read_dir = std::fs::read_dir(dir).map_err(|source| EvaluateError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut names: Vec<PathBuf> = read_dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(&path).map_err(|source| EvaluateError::Read {
            path: path.clone(),
            source,
        })?;
        let mut scene = Scene {
            image: String::new(),
            boxes: Vec::new(),
        };
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parts: Vec<&str> = line.split('\t').collect();
            let bad = |reason: &str| EvaluateError::Label {
                path: path.clone(),
                line: i + 1,
                reason: reason.into(),
            };
            let [image, x, y, w, h, plate] = parts[..] else {
                return Err(bad("expected file, x, y, w, h, plate separated by tabs"));
            };
            let num = |v: &str| {
                v.trim()
                    .parse::<f32>()
                    .map_err(|_| bad("a box value is not a number"))
            };
            scene.image = image.to_string();
            scene.boxes.push((
                Detection {
                    x: num(x)?,
                    y: num(y)?,
                    w: num(w)?,
                    h: num(h)?,
                    score: 1.0,
                },
                plate.trim().to_ascii_uppercase(),
            ));
        }
        if !scene.image.is_empty() {
            out.push(scene);
        }
    }
    Ok(out)
}

/// Runs the whole recogniser on every scene in `dir` (`NAME.jpg` with `NAME.txt` labels).
pub fn evaluate_scenes(
    recognizer: &PlateRecognizer,
    dir: &Path,
    splits: &Splits,
    threads: usize,
) -> Result<Split<SceneScores>, EvaluateError> {
    let scenes = scene_labels(dir)?;
    let results = parallel(&scenes, threads, |s| {
        let image = load_image(&dir.join(&s.image)).map_err(|e| format!("{}: {e}", s.image))?;
        recognizer
            .read(&image)
            .map_err(|e| format!("{}: {e}", s.image))
    });
    let mut validation = SceneScores::default();
    let mut training = SceneScores::default();
    let mut counts = [[0usize; 3]; 2];
    for (s, r) in scenes.iter().zip(results) {
        let val = splits.is_holdout_scene(&s.image);
        let (scores, c) = if val {
            (&mut validation, &mut counts[0])
        } else {
            (&mut training, &mut counts[1])
        };
        scores.scenes += 1;
        scores.plates += s.boxes.len();
        let readings = match r {
            Ok(r) => r,
            Err(e) => {
                scores.unreadable += 1;
                scores.failures.push(e);
                continue;
            }
        };
        let boxes: Vec<Detection> = readings.iter().map(PlateReading::detection).collect();
        for (label, plate) in &s.boxes {
            let best = boxes
                .iter()
                .enumerate()
                .map(|(i, b)| (i, iou(label, b)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((i, v)) if v >= MIN_IOU => {
                    let text = &readings[i].text;
                    c[0] += 1;
                    c[1] += usize::from(text == plate);
                    c[2] += usize::from(o_as_zero(text) == o_as_zero(plate));
                    if text != plate && scores.wrong.len() < 40 {
                        scores
                            .wrong
                            .push((s.image.clone(), plate.clone(), text.clone()));
                    }
                }
                _ => {
                    if scores.wrong.len() < 40 {
                        scores
                            .wrong
                            .push((s.image.clone(), plate.clone(), "(not found)".into()));
                    }
                }
            }
        }
        scores.unmatched_detections += boxes
            .iter()
            .filter(|b| s.boxes.iter().all(|(l, _)| iou(l, b) < MIN_IOU))
            .count();
    }
    for (scores, c) in [(&mut validation, counts[0]), (&mut training, counts[1])] {
        scores.recall = ratio(c[0], scores.plates);
        scores.exact = ratio(c[1], scores.plates);
        scores.exact_o0 = ratio(c[2], scores.plates);
    }
    Ok(Split {
        validation,
        training,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_splits_parse() {
        let splits = Splits::committed().expect("parses");
        assert_eq!(splits.crops_validation.len(), 150);
        assert_eq!(splits.scenes_holdout.len(), 28);
    }

    #[test]
    fn a_splits_file_that_is_not_splits_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("splits.json");
        std::fs::write(&path, b"{\"crops_validation\": 3}").expect("write");
        let err = Splits::load(&path).expect_err("refused");
        assert!(err.to_string().contains("splits.json"), "{err}");
        let missing = Splits::load(&dir.path().join("none.json")).expect_err("refused");
        assert!(matches!(missing, EvaluateError::Read { .. }), "{missing}");
    }
}
