//! `alpr render`: synthetic plates and street frames for training and the demo.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use alpr_images::synth::{self, FontLibrary, PlateOptions, SceneOptions};

#[derive(Debug, Subcommand)]
pub enum RenderCommand {
    /// Plate crops: DIR/NNNNNN.png, DIR/labels.csv (file,state,plate) and DIR/truth.jsonl.
    Plates(PlateArgs),
    /// Street frames: DIR/NAME.jpg with DIR/NAME.txt (file, x, y, w, h, plate per line).
    Scenes(SceneArgs),
}

#[derive(Debug, Args)]
pub struct PlateArgs {
    #[arg(long, default_value_t = 1000)]
    count: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long)]
    out: PathBuf,
    /// Crop size in pixels, WIDTHxHEIGHT.
    #[arg(long, default_value = "320x160", value_parser = parse_size)]
    size: (u32, u32),
    /// Only this state (two-letter code).
    #[arg(long)]
    state: Option<String>,
    /// How hard the camera is: 0 clean, 1 like real captures, up to 2 harsher.
    #[arg(long, default_value_t = 1.0)]
    degrade: f32,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub struct SceneArgs {
    #[arg(long, default_value_t = 100)]
    count: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long)]
    out: PathBuf,
    /// Frame size in pixels, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    size: (u32, u32),
    /// Registrations to put on the cars first, comma-separated (e.g. hot-list plates).
    #[arg(long, value_delimiter = ',')]
    plates: Vec<String>,
    /// Consecutive frames of one street with cars driving through, instead of separate scenes.
    #[arg(long)]
    sequence: bool,
    #[arg(long, default_value_t = 1.0)]
    degrade: f32,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct Common {
    /// Where the fonts are (Debian's layout).
    #[arg(long, default_value = synth::SYSTEM_FONT_DIR)]
    fonts: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(cmd: RenderCommand) -> anyhow::Result<()> {
    let common = match &cmd {
        RenderCommand::Plates(a) => &a.common,
        RenderCommand::Scenes(a) => &a.common,
    };
    let fonts = FontLibrary::load(&common.fonts)?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = common.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().context("starting the render threads")?;
    let summary = match cmd {
        RenderCommand::Plates(a) => {
            let opts = PlateOptions {
                width: a.size.0,
                height: a.size.1,
                state: a.state.clone(),
                degrade: a.degrade,
                ..PlateOptions::default()
            };
            pool.install(|| synth::write_plate_set(&fonts, &a.out, a.count, a.seed, &opts))
                .with_context(|| format!("rendering plates into {}", a.out.display()))?
        }
        RenderCommand::Scenes(a) => {
            let opts = SceneOptions {
                width: a.size.0,
                height: a.size.1,
                plates: a
                    .plates
                    .iter()
                    .map(|p| p.trim().to_uppercase())
                    .filter(|p| !p.is_empty())
                    .collect(),
                degrade: a.degrade,
            };
            let out = a.out.clone();
            pool.install(|| {
                if a.sequence {
                    synth::write_sequence(&fonts, &a.out, a.count, a.seed, &opts)
                } else {
                    synth::write_scene_set(&fonts, &a.out, a.count, a.seed, &opts)
                }
            })
            .with_context(|| format!("rendering scenes into {}", out.display()))?
        }
    };
    println!(
        "rendered {} images ({} plates) in {:.1} s: {:.0} images/s",
        summary.images,
        summary.plates,
        summary.seconds,
        summary.images as f64 / summary.seconds.max(1e-9)
    );
    Ok(())
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{s:?} is not WIDTHxHEIGHT"))?;
    let w: u32 = w.trim().parse().map_err(|_| format!("{s:?}: bad width"))?;
    let h: u32 = h.trim().parse().map_err(|_| format!("{s:?}: bad height"))?;
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_as_width_by_height() {
        assert_eq!(parse_size("320x160"), Ok((320, 160)));
        assert_eq!(parse_size("1920X1080"), Ok((1920, 1080)));
        assert!(parse_size("320").is_err());
        assert!(parse_size("ax1").is_err());
    }
}
