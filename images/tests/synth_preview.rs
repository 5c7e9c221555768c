//! Writes contact sheets of synthetic plates and a scene for a person to look at:
//! `ALPR_SYNTH_PREVIEW=/tmp/preview cargo test -p alpr-images --test synth_preview -- --ignored`.

use alpr_images::synth::{
    FontLibrary, PlateOptions, SceneOptions, SceneSequence, render_plate, render_scene,
};
use image::RgbImage;

#[test]
#[ignore = "writes pictures for a person to look at"]
fn contact_sheets() {
    let Ok(dir) = std::env::var("ALPR_SYNTH_PREVIEW") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("preview directory");
    let fonts = FontLibrary::system().expect("fonts installed (tests/setup-debian.sh)");
    let first: u64 = std::env::var("ALPR_SYNTH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    for (name, degrade) in [("clean", 0.0f32), ("camera", 1.0)] {
        let (tw, th, cols, rows) = (320u32, 160u32, 4u32, 6u32);
        let mut sheet = RgbImage::new(tw * cols, th * rows);
        for i in 0..cols * rows {
            let opts = PlateOptions {
                degrade,
                ..PlateOptions::default()
            };
            let s = render_plate(&fonts, first + i as u64, &opts).expect("renders");
            image::imageops::overlay(
                &mut sheet,
                &s.image,
                ((i % cols) * tw) as i64,
                ((i / cols) * th) as i64,
            );
        }
        sheet
            .save(dir.join(format!("plates-{name}.png")))
            .expect("writes");
    }
    for i in 0..4u64 {
        let scene = render_scene(&fonts, first + i, &SceneOptions::default()).expect("renders");
        let mut img = scene.image.clone();
        for p in &scene.plates {
            outline(&mut img, p.bbox.x, p.bbox.y, p.bbox.w, p.bbox.h);
        }
        img.save(dir.join(format!("scene-{i}.png")))
            .expect("writes");
    }
    let opts = SceneOptions {
        plates: vec!["HOT123".into(), "BOLO77".into()],
        ..SceneOptions::default()
    };
    let seq = SceneSequence::new(&fonts, first, &opts, 30).expect("plans");
    for i in [0usize, 10, 20, 29] {
        let scene = seq.frame(i).expect("renders");
        scene
            .image
            .save(dir.join(format!("sequence-{i:02}.png")))
            .expect("writes");
    }
}

/// A one-pixel green box, to check the truth against the picture by eye.
fn outline(img: &mut RgbImage, x: u32, y: u32, w: u32, h: u32) {
    let green = image::Rgb([0u8, 255, 0]);
    for dx in 0..w {
        for yy in [y.saturating_sub(1), (y + h).min(img.height() - 1)] {
            if x + dx < img.width() {
                img.put_pixel(x + dx, yy, green);
            }
        }
    }
    for dy in 0..h {
        for xx in [x.saturating_sub(1), (x + w).min(img.width() - 1)] {
            if y + dy < img.height() {
                img.put_pixel(xx, y + dy, green);
            }
        }
    }
}
