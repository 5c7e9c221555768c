//! The three networks, as committed ONNX files built into the program, run by tract.

use std::io::Cursor;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;
use tract_onnx::tract_hir::internal::DimLike;

/// The shapes the networks were trained for; `images/train/` writes them.
pub const DETECTOR_W: usize = 640;
pub const DETECTOR_H: usize = 384;
pub const DETECTOR_STRIDE: usize = 8;
/// The reader's input when its weights declare none (every reader `images/train/` writes
/// declares its own: `train_reader.py --height` trains taller ones).
pub const READER_W: usize = 128;
pub const READER_H: usize = 32;
pub const STATE_W: usize = 96;
pub const STATE_H: usize = 48;

/// Characters the reader knows; class 0 is the CTC blank, class `i + 1` is `CHARSET[i]`.
pub const CHARSET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// States the state model knows, in its class order (`images/train/data.py`).
pub const STATES: [&str; 51] = [
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN",
    "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ",
    "NM", "NV", "NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA",
    "WI", "WV", "WY",
];

const DETECTOR_ONNX: &[u8] = include_bytes!("../../models/detector.onnx");
const READER_ONNX: &[u8] = include_bytes!("../../models/reader.onnx");
const STATE_ONNX: &[u8] = include_bytes!("../../models/state.onnx");

type Plan = std::sync::Arc<TypedSimplePlan>;

const DETECTOR: Input = Input::Fixed([1, 3, DETECTOR_H, DETECTOR_W]);
const READER: Input = Input::Declared {
    default: [1, 1, READER_H, READER_W],
};
const STATE: Input = Input::Fixed([1, 3, STATE_H, STATE_W]);

/// Why the models could not be loaded: a broken build for the built-in ones, a missing or
/// broken file for weights given as a directory.
#[derive(Debug, thiserror::Error)]
#[error("loading the {model} model: {source:#}")]
pub struct ModelError {
    model: &'static str,
    source: anyhow::Error,
}

pub(super) struct Networks {
    detector: Plan,
    reader: Plan,
    /// The reader's input, NCHW, as its weights declare it.
    reader_input: [usize; 4],
    state: Plan,
    /// Time spent in each network: detector, reader, state model.
    timers: [Timer; 3],
}

/// Runs of one network and the time they took, summed across threads.
#[derive(Default)]
struct Timer {
    runs: AtomicU64,
    nanos: AtomicU64,
}

impl Timer {
    fn time<T>(&self, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let out = f();
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
        self.runs.fetch_add(1, Ordering::Relaxed);
        out
    }

    fn total(&self) -> NetworkTime {
        NetworkTime {
            runs: self.runs.load(Ordering::Relaxed),
            seconds: self.nanos.load(Ordering::Relaxed) as f64 / 1e9,
        }
    }
}

/// How often one network ran and for how long in all, since the recogniser was loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct NetworkTime {
    pub runs: u64,
    pub seconds: f64,
}

/// Where the recogniser's time went, network by network.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct NetworkTimes {
    pub detector: NetworkTime,
    pub reader: NetworkTime,
    pub state: NetworkTime,
}

/// How the input of a network is shaped: fixed for the detector and the state model, or as
/// the weights declare it (the reader, whose height is a training choice).
#[derive(Clone, Copy)]
enum Input {
    Fixed([usize; 4]),
    Declared { default: [usize; 4] },
}

fn plan(model: &'static str, bytes: &[u8], input: Input) -> Result<(Plan, [usize; 4]), ModelError> {
    let load = || -> TractResult<(Plan, [usize; 4])> {
        let net = tract_onnx::onnx().model_for_read(&mut Cursor::new(bytes))?;
        let shape = match input {
            Input::Fixed(shape) => shape,
            Input::Declared { default } => declared(&net, default)?,
        };
        let plan = net
            .with_input_fact(0, f32::fact(shape).into())?
            .into_optimized()?
            .into_runnable()?;
        Ok((plan, shape))
    };
    load().map_err(|source| ModelError { model, source })
}

/// The single-image, single-channel input the weights declare, `default` when they declare
/// none; a declared shape of another kind is refused, naming it.
fn declared(net: &InferenceModel, default: [usize; 4]) -> TractResult<[usize; 4]> {
    let Some(dims) = net.input_fact(0)?.shape.concretize() else {
        return Ok(default);
    };
    let dims: Vec<usize> = dims
        .iter()
        .map(|d| d.to_usize().map_err(anyhow::Error::from))
        .collect::<TractResult<_>>()?;
    match dims[..] {
        [1, 1, h, w] if (8..=256).contains(&h) && (8..=1024).contains(&w) => Ok([1, 1, h, w]),
        _ => anyhow::bail!("the input is declared {dims:?}, not one grey image [1, 1, H, W]"),
    }
}

/// A network's output: its shape (NCHW) and values.
pub(super) struct Output {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

fn run(plan: &Plan, shape: [usize; 4], input: Vec<f32>) -> TractResult<Output> {
    let tensor = Tensor::from_shape(&shape, &input)?;
    let out = plan.run(tvec!(tensor.into()))?;
    let first = out
        .first()
        .ok_or_else(|| anyhow::anyhow!("the network gave no output"))?;
    let view = first.to_plain_array_view::<f32>()?;
    Ok(Output {
        shape: view.shape().to_vec(),
        values: view.iter().copied().collect(),
    })
}

impl Networks {
    pub fn embedded() -> Result<Self, ModelError> {
        let (reader, reader_input) = plan("reader", READER_ONNX, READER)?;
        Ok(Self {
            detector: plan("detector", DETECTOR_ONNX, DETECTOR)?.0,
            reader,
            reader_input,
            state: plan("state", STATE_ONNX, STATE)?.0,
            timers: Default::default(),
        })
    }

    /// The networks in `dir` (`detector.onnx`, `reader.onnx`, `state.onnx`), each one missing
    /// there the built-in one: weights trained apart, as cross-validation trains them.
    pub fn from_dir(dir: &Path) -> Result<Self, ModelError> {
        let load = |model: &'static str, built_in: &[u8], input| {
            let path = dir.join(format!("{model}.onnx"));
            let bytes = match std::fs::read(&path) {
                Ok(b) => std::borrow::Cow::Owned(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => built_in.into(),
                Err(e) => {
                    return Err(ModelError {
                        model,
                        source: anyhow::anyhow!("reading {}: {e}", path.display()),
                    });
                }
            };
            plan(model, &bytes, input).map_err(|e| ModelError {
                model,
                source: e.source.context(path.display().to_string()),
            })
        };
        let (reader, reader_input) = load("reader", READER_ONNX, READER)?;
        Ok(Self {
            detector: load("detector", DETECTOR_ONNX, DETECTOR)?.0,
            reader,
            reader_input,
            state: load("state", STATE_ONNX, STATE)?.0,
            timers: Default::default(),
        })
    }

    /// Input: NCHW RGB, normalised. Output: `[1, 5, H/8, W/8]`.
    pub fn detect(&self, input: Vec<f32>) -> TractResult<Output> {
        self.timers[0].time(|| run(&self.detector, [1, 3, DETECTOR_H, DETECTOR_W], input))
    }

    /// Each network's runs and time so far.
    pub fn times(&self) -> NetworkTimes {
        let [detector, reader, state] = &self.timers;
        NetworkTimes {
            detector: detector.total(),
            reader: reader.total(),
            state: state.total(),
        }
    }

    /// The reader's input, width and height: the plate is resampled to it.
    pub fn reader_size(&self) -> (usize, usize) {
        (self.reader_input[3], self.reader_input[2])
    }

    /// Input: grey, normalised, [`Networks::reader_size`]. Output: `[1, 37, 1, T]` logits.
    pub fn read(&self, input: Vec<f32>) -> TractResult<Output> {
        self.timers[1].time(|| run(&self.reader, self.reader_input, input))
    }

    /// Input: NCHW RGB, normalised. Output: `[1, 51, 1, 1]` logits.
    pub fn state(&self, input: Vec<f32>) -> TractResult<Output> {
        self.timers[2].time(|| run(&self.state, [1, 3, STATE_H, STATE_W], input))
    }
}

/// The networks' pixel scaling, as in training.
pub(super) fn normalise(v: u8) -> f32 {
    (f32::from(v) - 127.5) / 64.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_missing_from_the_directory_is_the_built_in_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("reader.onnx"), READER_ONNX).expect("write");
        let nets = Networks::from_dir(dir.path()).expect("loads");
        let (w, h) = nets.reader_size();
        let input = vec![0.0; w * h];
        let theirs = nets.read(input.clone()).expect("reads");
        let ours = Networks::embedded()
            .expect("built in")
            .read(input)
            .expect("reads");
        assert_eq!(theirs.shape, ours.shape);
        assert_eq!(theirs.values, ours.values);
    }

    #[test]
    fn the_reader_reads_at_the_size_its_weights_declare() {
        let nets = Networks::embedded().expect("built in");
        assert_eq!(nets.reader_size(), (READER_W, READER_H));
        let out = nets.read(vec![0.0; READER_W * READER_H]).expect("reads");
        assert_eq!(out.shape, [1, 37, 1, READER_W / 4]);
    }

    #[test]
    fn a_reader_declaring_another_kind_of_input_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        // The state model takes a colour image: not a reader's input.
        std::fs::write(dir.path().join("reader.onnx"), STATE_ONNX).expect("write");
        let err = Networks::from_dir(dir.path())
            .err()
            .expect("a colour input is refused for the reader");
        let text = format!("{err:#}");
        assert!(text.contains("reader"), "{text}");
        assert!(text.contains("[1, 3, 48, 96]"), "{text}");
    }

    #[test]
    fn a_broken_network_file_names_the_network_and_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("detector.onnx"), b"not a network").expect("write");
        let err = Networks::from_dir(dir.path())
            .err()
            .expect("a broken file is refused");
        let text = format!("{err:#}");
        assert!(text.contains("detector"), "{text}");
        let source = format!("{:#}", err.source);
        assert!(source.contains("detector.onnx"), "{source}");
    }
}
