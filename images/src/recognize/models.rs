//! The three networks, as committed ONNX files built into the program, run by tract.

use std::io::Cursor;
use std::path::Path;

use tract_onnx::prelude::*;

/// The shapes the networks were trained for; `images/train/` writes them.
pub const DETECTOR_W: usize = 640;
pub const DETECTOR_H: usize = 384;
pub const DETECTOR_STRIDE: usize = 8;
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

type Plan = TypedSimplePlan<TypedModel>;

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
    state: Plan,
}

fn plan(model: &'static str, bytes: &[u8], shape: [usize; 4]) -> Result<Plan, ModelError> {
    let load = || -> TractResult<Plan> {
        tract_onnx::onnx()
            .model_for_read(&mut Cursor::new(bytes))?
            .with_input_fact(0, f32::fact(shape).into())?
            .into_optimized()?
            .into_runnable()
    };
    load().map_err(|source| ModelError { model, source })
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
    let view = first.to_array_view::<f32>()?;
    Ok(Output {
        shape: view.shape().to_vec(),
        values: view.iter().copied().collect(),
    })
}

impl Networks {
    pub fn embedded() -> Result<Self, ModelError> {
        Ok(Self {
            detector: plan("detector", DETECTOR_ONNX, [1, 3, DETECTOR_H, DETECTOR_W])?,
            reader: plan("reader", READER_ONNX, [1, 1, READER_H, READER_W])?,
            state: plan("state", STATE_ONNX, [1, 3, STATE_H, STATE_W])?,
        })
    }

    /// The networks in `dir` (`detector.onnx`, `reader.onnx`, `state.onnx`), each one missing
    /// there the built-in one: weights trained apart, as cross-validation trains them.
    pub fn from_dir(dir: &Path) -> Result<Self, ModelError> {
        let load = |model: &'static str, built_in: &[u8], shape| {
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
            plan(model, &bytes, shape).map_err(|e| ModelError {
                model,
                source: e.source.context(path.display().to_string()),
            })
        };
        Ok(Self {
            detector: load("detector", DETECTOR_ONNX, [1, 3, DETECTOR_H, DETECTOR_W])?,
            reader: load("reader", READER_ONNX, [1, 1, READER_H, READER_W])?,
            state: load("state", STATE_ONNX, [1, 3, STATE_H, STATE_W])?,
        })
    }

    /// Input: NCHW RGB, normalised. Output: `[1, 5, H/8, W/8]`.
    pub fn detect(&self, input: Vec<f32>) -> TractResult<Output> {
        run(&self.detector, [1, 3, DETECTOR_H, DETECTOR_W], input)
    }

    /// Input: grey, normalised. Output: `[1, 37, 1, T]` logits.
    pub fn read(&self, input: Vec<f32>) -> TractResult<Output> {
        run(&self.reader, [1, 1, READER_H, READER_W], input)
    }

    /// Input: NCHW RGB, normalised. Output: `[1, 51, 1, 1]` logits.
    pub fn state(&self, input: Vec<f32>) -> TractResult<Output> {
        run(&self.state, [1, 3, STATE_H, STATE_W], input)
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
        let input = vec![0.0; READER_H * READER_W];
        let theirs = nets.read(input.clone()).expect("reads");
        let ours = Networks::embedded()
            .expect("built in")
            .read(input)
            .expect("reads");
        assert_eq!(theirs.shape, ours.shape);
        assert_eq!(theirs.values, ours.values);
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
