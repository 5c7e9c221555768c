//! Whole-image filters: the blurs, resampling, noise and compression a camera adds.

use std::io::Cursor;

use image::ImageFormat;
use image::codecs::jpeg::JpegEncoder;

use super::canvas::Canvas;
use super::random::Dice;

/// Gaussian blur, separable, edges clamped.
pub(crate) fn gaussian(c: &mut Canvas, sigma: f32) {
    if sigma < 0.15 {
        return;
    }
    let r = (sigma * 3.0).ceil() as i32;
    let mut k: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= sum);
    let (w, h) = (c.w as i32, c.h as i32);
    let mut tmp = vec![[0.0f32; 4]; c.px.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0.0; 4];
            for (i, kv) in k.iter().enumerate() {
                let xx = (x + i as i32 - r).clamp(0, w - 1);
                let p = c.px[(y * w + xx) as usize];
                for ch in 0..4 {
                    acc[ch] += p[ch] * kv;
                }
            }
            tmp[(y * w + x) as usize] = acc;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0.0; 4];
            for (i, kv) in k.iter().enumerate() {
                let yy = (y + i as i32 - r).clamp(0, h - 1);
                let p = tmp[(yy * w + x) as usize];
                for ch in 0..4 {
                    acc[ch] += p[ch] * kv;
                }
            }
            c.px[(y * w + x) as usize] = acc;
        }
    }
}

/// Blur along a line of `length` pixels at `angle` radians: a moving car or a shaking mount.
pub(crate) fn motion(c: &mut Canvas, length: f32, angle: f32) {
    if length < 1.0 {
        return;
    }
    let n = length.ceil() as usize + 1;
    let (dx, dy) = (angle.cos(), angle.sin());
    let src = c.clone();
    for y in 0..c.h {
        for x in 0..c.w {
            let mut acc = [0.0; 4];
            for i in 0..n {
                let t = (i as f32 / (n - 1) as f32 - 0.5) * length;
                let px = (x as f32 + 0.5 + dx * t).clamp(0.5, c.w as f32 - 0.5);
                let py = (y as f32 + 0.5 + dy * t).clamp(0.5, c.h as f32 - 0.5);
                let s = src.sample(px, py);
                for ch in 0..4 {
                    acc[ch] += s[ch];
                }
            }
            c.px[y * c.w + x] = acc.map(|v| v / n as f32);
        }
    }
}

/// Resamples to `w` x `h`; shrinking blurs first so detail is averaged, not skipped.
pub(crate) fn resize(c: &Canvas, w: usize, h: usize) -> Canvas {
    let (sx, sy) = (c.w as f32 / w as f32, c.h as f32 / h as f32);
    let mut src = c.clone();
    let shrink = sx.max(sy);
    if shrink > 1.2 {
        gaussian(&mut src, 0.45 * shrink);
    }
    let mut out = Canvas::transparent(w, h);
    for y in 0..h {
        for x in 0..w {
            let px = ((x as f32 + 0.5) * sx).clamp(0.5, c.w as f32 - 0.5);
            let py = ((y as f32 + 0.5) * sy).clamp(0.5, c.h as f32 - 0.5);
            out.px[y * w + x] = src.sample(px, py);
        }
    }
    out
}

/// Sensor noise: mostly luminance, some colour, stronger in the dark as real sensors are.
pub(crate) fn noise(c: &mut Canvas, sigma: f32, dice: &mut Dice) {
    // A million normal draws through ChaCha and logarithms would be most of a crop's time; a
    // small generator seeded from the dice gives sums of uniforms, near enough to normal.
    let mut state = dice.int(1, i64::MAX) as u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let r = state;
        let sum = (r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48);
        // Four uniforms on 0..65535: mean 131070, deviation 65536 * sqrt(4/12).
        (sum as f32 - 131_070.0) / 37_837.0
    };
    for p in c.px.iter_mut() {
        let l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
        let s = sigma * (1.3 - 0.6 * l);
        let common = next() * s;
        for ch in p.iter_mut().take(3) {
            *ch = (*ch + common + next() * s * 0.35).clamp(0.0, 1.0);
        }
    }
}

/// Encodes as JPEG at `quality` and decodes again, keeping the blocks and ringing.
pub(crate) fn jpeg(c: &Canvas, quality: u8) -> Canvas {
    let rgb = c.to_rgb();
    let mut buf = Vec::new();
    let encoded = JpegEncoder::new_with_quality(&mut buf, quality.clamp(1, 100)).encode_image(&rgb);
    if encoded.is_err() {
        return c.clone();
    }
    match image::load(Cursor::new(&buf), ImageFormat::Jpeg) {
        Ok(img) => Canvas::from_rgb(&img.to_rgb8()),
        Err(_) => c.clone(),
    }
}
