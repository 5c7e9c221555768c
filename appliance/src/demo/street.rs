//! The demo's ordinary camera: a street rendered by the project (`alpr_images::synth`), cars
//! passing with plates, some of them on the demo hot list, sent as JPEG frames through the
//! recogniser like a real camera's.

use std::sync::Arc;
use std::time::Duration;

use alpr_images::Frame;
use alpr_images::synth::{FontLibrary, SceneOptions, SceneSequence};
use anyhow::Context as _;
use chrono::Utc;
use tokio::sync::mpsc;

use crate::pipeline::FrameSender;

/// The camera's name in reads.
pub const CAMERA: &str = "street-rendered";
/// Frames in the rendered drive-by.
pub const FRAMES: usize = 36;
/// Recorded seconds between frames (replayed at the demo's speed).
const FRAME_INTERVAL: Duration = Duration::from_millis(500);
const SEED: u64 = 2026;

/// Plates on the rendered cars: the first hot-list entries, so the drive-by raises hits, and
/// plates on no list.
pub fn street_plates(hotlist_plates: &[String]) -> Vec<String> {
    let mut plates: Vec<String> = hotlist_plates.iter().take(2).cloned().collect();
    plates.extend(["GRN4471", "7TRK209", "LMW530"].map(String::from));
    plates
}

/// Renders the frames on a thread of their own and sends them, `speed` recorded seconds per
/// real second, waiting for the recogniser (a recording can wait). Returns the frames sent.
pub async fn play(plates: Vec<String>, frames: FrameSender, speed: f64) -> anyhow::Result<usize> {
    let (tx, mut rx) = mpsc::channel::<anyhow::Result<Vec<u8>>>(2);
    let renderer = tokio::task::spawn_blocking(move || {
        let rendered = || -> anyhow::Result<()> {
            let fonts = FontLibrary::system().context("the rendered street camera needs fonts")?;
            let options = SceneOptions {
                width: 1280,
                height: 720,
                plates,
                degrade: 0.6,
            };
            let sequence = SceneSequence::new(&fonts, SEED, &options, FRAMES)?;
            for i in 0..FRAMES {
                let scene = sequence.frame(i)?;
                let mut jpeg = Vec::new();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 88)
                    .encode_image(&scene.image)?;
                if tx.blocking_send(Ok(jpeg)).is_err() {
                    break;
                }
            }
            Ok(())
        };
        if let Err(e) = rendered() {
            let _ = tx.blocking_send(Err(e));
        }
    });
    let pause = FRAME_INTERVAL.div_f64(speed.max(1e-3));
    let mut sent = 0;
    while let Some(jpeg) = rx.recv().await {
        let frame = Frame {
            camera: CAMERA.into(),
            captured_at: Utc::now(),
            data: Arc::from(jpeg.context("rendering the street")?),
        };
        if !frames.send(frame).await {
            break;
        }
        sent += 1;
        tokio::time::sleep(pause).await;
    }
    renderer.await.context("the street renderer")?;
    Ok(sent)
}
