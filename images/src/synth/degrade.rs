//! What the camera and the road do to a picture: light, shadow, glare, infrared at night,
//! blur, low resolution, noise and compression. Each is drawn from the dice, so a seed fixes
//! them all.

use super::canvas::Canvas;
use super::filters;
use super::random::Dice;

/// How hard the camera is on the picture.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Camera {
    /// 0 keeps the picture clean; 1 is the mix real captures have; up to 2 is harsher.
    pub strength: f32,
    /// Pixels of blur, motion and so on are multiplied by this (1 for a 160 px tall crop).
    pub scale: f32,
    /// Share of pictures given the infrared night look.
    pub night_share: f32,
    /// Allow the gaussian and motion blur here (scenes blur each plate on its own).
    pub blur: bool,
}

/// Applies the camera to `c`; `footprint` is the plates' coverage of each pixel (for the night
/// look, where retro-reflective plates glow). Returns the names of what was applied.
pub(crate) fn apply(
    mut c: Canvas,
    footprint: &[f32],
    cam: Camera,
    dice: &mut Dice,
) -> (Canvas, Vec<&'static str>) {
    let s = cam.strength.clamp(0.0, 2.0);
    let mut done = Vec::new();
    if s <= 0.0 {
        return (c, done);
    }
    let night = dice.chance(cam.night_share * s.min(1.0));
    lighting(&mut c, dice, s);
    if !night && dice.chance(0.2 * s) {
        shadow(&mut c, dice);
        done.push("shadow");
    }
    if dice.chance(0.15 * s) {
        glare(&mut c, dice, if night { 0.5 } else { 1.0 });
        done.push("glare");
    }
    if night {
        infrared(&mut c, footprint, dice);
        done.push("night");
    }
    if cam.blur {
        if dice.chance(0.35 * s) {
            filters::gaussian(&mut c, dice.range(0.3, 1.6) * cam.scale * s.max(0.5));
            done.push("blur");
        }
        if dice.chance(0.15 * s) {
            let len = dice.range(1.5, 8.0) * cam.scale;
            let angle = dice.normal() * 0.25;
            filters::motion(&mut c, len, angle);
            done.push("motion");
        }
    }
    if dice.chance(0.25 * s) {
        let k = dice.range(0.22, 0.6);
        let (w, h) = (c.w, c.h);
        let small = filters::resize(
            &c,
            ((w as f32 * k) as usize).max(8),
            ((h as f32 * k) as usize).max(4),
        );
        c = filters::resize(&small, w, h);
        done.push("low-res");
    }
    let sigma = if night {
        dice.range(0.02, 0.06)
    } else {
        dice.range(0.0, 0.03) * s
    };
    if sigma > 0.004 {
        filters::noise(&mut c, sigma, dice);
        done.push("noise");
    }
    if dice.chance(0.55 * s) {
        let q = dice.int(25, 92) as u8;
        c = filters::jpeg(&c, q);
        done.push("jpeg");
    }
    (c, done)
}

/// Exposure, contrast, gamma and white balance: never two photographs alike.
fn lighting(c: &mut Canvas, dice: &mut Dice, s: f32) {
    let gain = 1.0 + dice.normal() * 0.15 * s;
    let contrast = 1.0 + dice.normal() * 0.12 * s;
    let gamma = (1.0 + dice.normal() * 0.12 * s).clamp(0.6, 1.6);
    let tint = [
        1.0 + dice.normal() * 0.04 * s,
        1.0,
        1.0 + dice.normal() * 0.05 * s,
    ];
    let fade = if dice.chance(0.15 * s) {
        dice.range(0.0, 0.2)
    } else {
        0.0
    };
    // One curve per channel, tabulated: a power per pixel and channel costs more than the rest.
    const STEPS: usize = 1024;
    let curves: Vec<Vec<f32>> = tint
        .iter()
        .map(|t| {
            (0..=STEPS)
                .map(|i| {
                    let x = i as f32 / STEPS as f32;
                    let v = ((x - 0.5) * contrast + 0.5) * gain * t;
                    v.clamp(0.0, 1.0).powf(gamma) * (1.0 - fade) + 0.6 * fade
                })
                .collect()
        })
        .collect();
    for p in c.px.iter_mut() {
        for (v, curve) in p.iter_mut().zip(&curves) {
            let x = v.clamp(0.0, 1.0) * STEPS as f32;
            let i = (x as usize).min(STEPS - 1);
            let f = x - i as f32;
            *v = curve[i] + (curve[i + 1] - curve[i]) * f;
        }
    }
}

/// A soft-edged shadow across part of the picture (the car's own bodywork, a tree).
fn shadow(c: &mut Canvas, dice: &mut Dice) {
    let angle = dice.range(0.0, std::f32::consts::TAU);
    let (nx, ny) = (angle.cos(), angle.sin());
    let (cx, cy) = (
        c.w as f32 * dice.range(0.2, 0.8),
        c.h as f32 * dice.range(0.2, 0.8),
    );
    let soft = c.h as f32 * dice.range(0.02, 0.3);
    let depth = dice.range(0.3, 0.65);
    for y in 0..c.h {
        for x in 0..c.w {
            let d = (x as f32 - cx) * nx + (y as f32 - cy) * ny;
            let t = (d / soft).clamp(-1.0, 1.0) * 0.5 + 0.5;
            let k = 1.0 - depth * t;
            for v in c.px[y * c.w + x].iter_mut().take(3) {
                *v *= k;
            }
        }
    }
}

/// A bright elliptical patch where the sun or a headlight reflects off the sheeting.
fn glare(c: &mut Canvas, dice: &mut Dice, strength: f32) {
    let (cx, cy) = (
        c.w as f32 * dice.range(0.1, 0.9),
        c.h as f32 * dice.range(0.1, 0.9),
    );
    let rx = c.w as f32 * dice.range(0.1, 0.45);
    let ry = rx * dice.range(0.3, 1.0);
    let amount = dice.range(0.3, 1.1) * strength;
    let rot = dice.range(0.0, std::f32::consts::PI);
    let (cs, sn) = (rot.cos(), rot.sin());
    for y in 0..c.h {
        for x in 0..c.w {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            let (u, v) = ((dx * cs + dy * sn) / rx, (-dx * sn + dy * cs) / ry);
            let g = (-(u * u + v * v) * 2.0).exp() * amount;
            if g < 0.004 {
                continue;
            }
            for v in c.px[y * c.w + x].iter_mut().take(3) {
                *v += (1.0 - *v) * g.min(1.0);
            }
        }
    }
}

/// An infrared camera at night: grey, the surroundings dark, retro-reflective plates bright
/// with dark characters.
fn infrared(c: &mut Canvas, footprint: &[f32], dice: &mut Dice) {
    let ambient = dice.range(0.05, 0.3);
    let lo = dice.range(0.05, 0.25);
    let hi = dice.range(0.6, 0.9);
    let gamma = dice.range(0.5, 0.9);
    for (i, p) in c.px.iter_mut().enumerate() {
        let l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
        let plate = footprint.get(i).copied().unwrap_or(0.0).min(1.0);
        let lit = ((l - lo) / (hi - lo)).clamp(0.0, 1.0).powf(gamma);
        let v = lit * plate + l * ambient * (1.0 - plate);
        p[0] = v;
        p[1] = v;
        p[2] = v;
    }
}
