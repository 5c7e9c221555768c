//! Writing sets to disk in the layouts of the real data beside the project
//! (`../shared/data/README.md`), so training and evaluation read both alike:
//!
//! - plate crops: `DIR/NNNNNN.png` and `DIR/labels.csv` (`file,state,plate`, state lower case);
//! - street frames: `DIR/NAME.jpg` and `DIR/NAME.txt`, one line per plate:
//!   `NAME.jpg<TAB>x<TAB>y<TAB>w<TAB>h<TAB>PLATE`.
//!
//! Each set also gets `truth.jsonl`: every item's full truth (plate corners, each character's
//! box, stacked letters, two rows, how much of a street plate a nearer car hides, degradations),
//! one JSON object a line, for the trainers that want it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, RgbImage};
use rayon::prelude::*;

use super::crop::{PlateOptions, render_plate};
use super::error::SynthError;
use super::fonts::FontLibrary;
use super::random::item_seed;
use super::scene::{Scene, SceneOptions, SceneSequence, render_scene};
use super::truth::PlateTruth;

/// What a set's writing did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetSummary {
    /// Image files written.
    pub images: usize,
    /// Plates labelled across them.
    pub plates: usize,
    pub seconds: f64,
}

/// Writes `count` plate crops, item `i` from [`item_seed`]`(seed, i)`, on all cores.
pub fn write_plate_set(
    fonts: &FontLibrary,
    dir: &Path,
    count: usize,
    seed: u64,
    opts: &PlateOptions,
) -> Result<SetSummary, SynthError> {
    let started = Instant::now();
    create(dir)?;
    let rows: Vec<(String, String)> = (0..count)
        .into_par_iter()
        .map(|i| {
            let sample = render_plate(fonts, item_seed(seed, i as u64), opts)?;
            let file = format!("{i:06}.png");
            write_png(&dir.join(&file), &sample.image)?;
            let t = &sample.truth;
            let label = format!("{file},{},{}\n", t.state, t.text);
            let json = serde_json::json!({
                "file": file,
                "truth": t,
                "degradations": sample.degradations,
            });
            Ok((label, json.to_string()))
        })
        .collect::<Result<_, SynthError>>()?;
    let mut labels = String::from("file,state,plate\n");
    let mut truth = String::new();
    for (label, json) in &rows {
        labels.push_str(label);
        truth.push_str(json);
        truth.push('\n');
    }
    write(&dir.join("labels.csv"), labels.as_bytes())?;
    write(&dir.join("truth.jsonl"), truth.as_bytes())?;
    Ok(SetSummary {
        images: count,
        plates: count,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Writes `count` independent street frames named `scene_NNNNNN`.
pub fn write_scene_set(
    fonts: &FontLibrary,
    dir: &Path,
    count: usize,
    seed: u64,
    opts: &SceneOptions,
) -> Result<SetSummary, SynthError> {
    let started = Instant::now();
    create(dir)?;
    let lines: Vec<(usize, String)> = (0..count)
        .into_par_iter()
        .map(|i| {
            let scene = render_scene(fonts, item_seed(seed, i as u64), opts)?;
            save_scene(dir, &format!("scene_{i:06}"), &scene)
        })
        .collect::<Result<_, SynthError>>()?;
    finish(dir, lines, started)
}

/// Writes `frames` consecutive frames of one street named `frame_NNNNNN`, the given plates
/// driving through them.
pub fn write_sequence(
    fonts: &FontLibrary,
    dir: &Path,
    frames: usize,
    seed: u64,
    opts: &SceneOptions,
) -> Result<SetSummary, SynthError> {
    let started = Instant::now();
    create(dir)?;
    let seq = SceneSequence::new(fonts, seed, opts, frames)?;
    let lines: Vec<(usize, String)> = (0..frames)
        .into_par_iter()
        .map(|i| {
            let scene = seq.frame(i)?;
            save_scene(dir, &format!("frame_{i:06}"), &scene)
        })
        .collect::<Result<_, SynthError>>()?;
    finish(dir, lines, started)
}

fn finish(
    dir: &Path,
    lines: Vec<(usize, String)>,
    started: Instant,
) -> Result<SetSummary, SynthError> {
    let plates = lines.iter().map(|(n, _)| n).sum();
    let mut truth = String::new();
    for (_, json) in &lines {
        truth.push_str(json);
        truth.push('\n');
    }
    write(&dir.join("truth.jsonl"), truth.as_bytes())?;
    Ok(SetSummary {
        images: lines.len(),
        plates,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Writes `NAME.jpg` and `NAME.txt`; gives the plate count and the truth line.
fn save_scene(dir: &Path, name: &str, scene: &Scene) -> Result<(usize, String), SynthError> {
    let file = format!("{name}.jpg");
    write_jpeg(&dir.join(&file), &scene.image, 92)?;
    write(
        &dir.join(format!("{name}.txt")),
        scene_lines(&file, &scene.plates).as_bytes(),
    )?;
    let json = serde_json::json!({
        "file": file,
        "plates": scene.plates,
        "degradations": scene.degradations,
    });
    Ok((scene.plates.len(), json.to_string()))
}

/// The `.txt` beside a frame: `file<TAB>x<TAB>y<TAB>w<TAB>h<TAB>plate` per plate.
pub(crate) fn scene_lines(file: &str, plates: &[PlateTruth]) -> String {
    plates
        .iter()
        .map(|p| {
            let b = p.bbox;
            format!("{file}\t{}\t{}\t{}\t{}\t{}\n", b.x, b.y, b.w, b.h, p.text)
        })
        .collect()
}

fn create(dir: &Path) -> Result<(), SynthError> {
    fs::create_dir_all(dir).map_err(|source| SynthError::Write {
        path: dir.to_path_buf(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), SynthError> {
    let err = |source| SynthError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut f = fs::File::create(path).map_err(err)?;
    f.write_all(bytes).map_err(err)
}

fn write_png(path: &Path, img: &RgbImage) -> Result<(), SynthError> {
    let mut buf = Vec::with_capacity(img.as_raw().len() / 2);
    PngEncoder::new_with_quality(&mut buf, CompressionType::Fast, FilterType::Adaptive)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|source| encode_error(path, source))?;
    write(path, &buf)
}

fn write_jpeg(path: &Path, img: &RgbImage, quality: u8) -> Result<(), SynthError> {
    let mut buf = Vec::with_capacity(img.as_raw().len() / 8);
    JpegEncoder::new_with_quality(&mut buf, quality)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|source| encode_error(path, source))?;
    write(path, &buf)
}

fn encode_error(path: &Path, source: image::ImageError) -> SynthError {
    SynthError::Encode {
        path: PathBuf::from(path),
        source,
    }
}
