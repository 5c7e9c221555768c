//! `alpr recognize`: read the plates in image files, one line per image.

use std::io::Write as _;
use std::path::PathBuf;

use alpr_images::recognize::{PlateReading, PlateRecognizer, load_image};
use anyhow::Context as _;
use clap::Args;
use serde_json::json;

#[derive(Debug, Args)]
pub struct RecognizeArgs {
    /// One JSON object per line: {"file", "plates": [{"text", "state", "confidence", "box",
    /// "alternatives", ...}]}, or {"file", "error"} for an image that could not be read.
    #[arg(long)]
    json: bool,
    /// Each image is a plate crop (the plate fills it): read it whole instead of looking for
    /// plates in it.
    #[arg(long)]
    whole_plate: bool,
    /// Networks trained apart, in place of the built-in ones: a directory of `detector.onnx`,
    /// `reader.onnx`, `state.onnx` (any missing there is the built-in one).
    #[arg(long)]
    models: Option<PathBuf>,
    /// JPEG or PNG files.
    #[arg(required = true)]
    images: Vec<PathBuf>,
}

/// The built-in recogniser, or the one with the networks in `models`.
pub fn load_recognizer(models: Option<&std::path::Path>) -> anyhow::Result<PlateRecognizer> {
    match models {
        // Any network missing from the directory is the built-in one, so a mistyped directory
        // would silently measure the built-in weights.
        Some(dir) if !dir.is_dir() => {
            anyhow::bail!("--models {}: no such directory", dir.display())
        }
        Some(dir) => PlateRecognizer::from_dir(dir)
            .with_context(|| format!("loading the networks in {}", dir.display())),
        None => PlateRecognizer::embedded().context("loading the recogniser"),
    }
}

/// Every image is tried; the exit status is 1 when any of them could not be read.
pub fn run(args: RecognizeArgs) -> anyhow::Result<()> {
    let recognizer = load_recognizer(args.models.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = 0usize;
    for path in &args.images {
        let file = path.display().to_string();
        let result = load_image(path)
            .map_err(|e| e.to_string())
            .and_then(|image| {
                if args.whole_plate {
                    recognizer
                        .read_whole(&image)
                        .map(|r| r.into_iter().collect())
                } else {
                    recognizer.read(&image)
                }
                .map_err(|e| e.to_string())
            });
        if result.is_err() {
            failed += 1;
        }
        let line = if args.json {
            json_line(&file, &result)
        } else {
            text_line(&file, &result)
        };
        writeln!(out, "{line}").context("writing to standard output")?;
    }
    out.flush().context("writing to standard output")?;
    if failed > 0 {
        anyhow::bail!("{failed} of {} images could not be read", args.images.len());
    }
    Ok(())
}

fn json_line(file: &str, result: &Result<Vec<PlateReading>, String>) -> String {
    match result {
        Ok(plates) => json!({ "file": file, "plates": plates }).to_string(),
        Err(e) => json!({ "file": file, "error": e }).to_string(),
    }
}

fn text_line(file: &str, result: &Result<Vec<PlateReading>, String>) -> String {
    match result {
        Err(e) => format!("{file}: error: {e}"),
        Ok(plates) if plates.is_empty() => format!("{file}: no plate found"),
        Ok(plates) => {
            let each: Vec<String> = plates
                .iter()
                .map(|p| {
                    let [x, y, w, h] = p.bbox;
                    format!(
                        "{} {} {:.2} at {x},{y} {w}x{h}{}",
                        p.text,
                        p.state.as_deref().unwrap_or("??"),
                        p.confidence,
                        if p.low_confidence {
                            " (low confidence)"
                        } else {
                            ""
                        }
                    )
                })
                .collect();
            format!("{file}: {}", each.join("; "))
        }
    }
}
