//! Where the registration's characters go: one row or two, the gap between groups, small
//! stacked letters at the left, and the raised look of embossed characters.

use super::super::canvas::Canvas;
use super::super::colour::Rgb;
use super::super::fonts::{FontLibrary, Role};
use super::super::random::Dice;
use super::super::serial::Serial;
use super::super::shapes;
use super::super::states::{Design, EmblemPlace, Gap};
use super::super::text::{Ink, Setting};
use super::look::Look;
use super::words::Words;
use super::{Place, emblem};

/// One character and its ink box on the artwork (x0, y0, x1, y1 in pixels).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    pub ch: char,
    pub bounds: [f32; 4],
}

#[derive(Debug, Default)]
pub(crate) struct Laid {
    pub glyphs: Vec<Glyph>,
    pub stacked: Vec<Glyph>,
    /// The registration is set in two rows, one above the other.
    pub two_rows: bool,
}

const STACK_LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

#[allow(clippy::too_many_arguments)]
pub(crate) fn characters(
    fonts: &FontLibrary,
    canvas: &mut Canvas,
    p: Place,
    design: &Design,
    serial: &Serial,
    look: &Look,
    words: Words,
    dice: &mut Dice,
    outline_seed: u64,
) -> Laid {
    let band_top = words.top.max(0.12);
    let band_bottom = words.bottom.min(0.95).max(band_top + 0.3);
    let band = band_bottom - band_top;
    let text_len = serial.text().chars().count();
    let two_rows = text_len >= 4 && band > 0.55 && dice.chance(0.06);
    let stacked = !two_rows && dice.chance(design.stacked + 0.02);
    let serial_faces = fonts.count(Role::Serial);
    let face_index = if dice.chance(0.5) {
        outline_seed as usize % serial_faces
    } else {
        dice.index(serial_faces)
    };
    let face = fonts.pick(Role::Serial, face_index);
    let emboss = look.embossed.then(|| (p.s(0.012)).round().max(1.0) as i32);
    let colour = look.text;

    let mut left = 0.08;
    if let Some((em, EmblemPlace::Left)) = look.emblem {
        let size = (band * 0.8).min(0.55);
        emblem::draw(
            canvas,
            em,
            p.x(0.08 + size * 0.55),
            p.y(band_top + band / 2.0),
            p.s(size),
            1.0,
            outline_seed,
        );
        left += size * 1.05;
    }
    let mut out = Laid {
        two_rows,
        ..Laid::default()
    };

    if two_rows {
        let text = serial.text();
        let rows: Vec<String> = if serial.groups.len() == 2 {
            serial.groups.clone()
        } else {
            let half = text.len() / 2;
            vec![text[..half].to_string(), text[half..].to_string()]
        };
        let cap = p.s((band * 0.4).min(0.34));
        for (i, row) in rows.iter().enumerate() {
            let s = Setting {
                face,
                cap,
                squeeze: face.squeeze * dice.range(0.95, 1.1),
                tracking: cap * dice.range(0.05, 0.15),
            }
            .fitted(row, p.s(2.0 - left - 0.1));
            let centre = band_top + band * if i == 0 { 0.27 } else { 0.75 };
            let x = p.x(left + (2.0 - left - 0.08) / 2.0) - s.width(row) / 2.0;
            for ink in s.set(row, x, p.y(centre) + cap / 2.0) {
                out.glyphs.push(put(canvas, &ink, colour, emboss));
            }
        }
        return out;
    }

    let mut cap = p.s((band * 0.94).min(dice.range(0.42, 0.52)));
    let centre = band_top + band / 2.0 + dice.jitter(0.015);
    if stacked {
        let n = *dice.weighted(&[(1usize, 0.2), (2, 0.7), (3, 0.1)]);
        let scap = (cap * 0.36).min(cap * 0.95 / (n as f32 * 1.25));
        let s = Setting {
            face,
            cap: scap,
            squeeze: 1.0,
            tracking: 0.0,
        };
        let x = p.x(left + 0.02);
        let total = n as f32 * scap + (n - 1) as f32 * scap * 0.3;
        let mut y = p.y(centre) - total / 2.0 + scap;
        for _ in 0..n {
            let c = *dice.pick(STACK_LETTERS) as char;
            if let Some(ink) = s.ink(c, x, y) {
                out.stacked.push(put(canvas, &ink, colour, emboss));
            }
            y += scap * 1.3;
        }
        left += s.advance('W') / p.ph + 0.05;
    }

    let gap = if serial.groups.len() < 2 {
        Gap::None
    } else {
        match *dice.pick(design.gaps) {
            Gap::Emblem
                if !look.gap_emblem || !matches!(look.emblem, Some((_, EmblemPlace::Gap))) =>
            {
                Gap::Space
            }
            g => g,
        }
    };
    let mut s = Setting {
        face,
        cap,
        squeeze: face.squeeze * dice.range(0.9, 1.08),
        tracking: cap * dice.range(0.03, 0.12),
    };
    let gap_share = match gap {
        Gap::None => 0.0,
        Gap::Space => dice.range(0.3, 0.6),
        Gap::Dash => dice.range(0.4, 0.6),
        Gap::Dot => dice.range(0.3, 0.45),
        Gap::Emblem => dice.range(0.85, 1.1),
    };
    let avail = p.s(2.0 - left - 0.08);
    let measure = |s: &Setting| {
        serial.groups.iter().map(|g| s.width(g)).sum::<f32>()
            + (serial.groups.len().saturating_sub(1)) as f32
                * (2.0 * s.tracking + gap_share * s.cap)
    };
    let total = measure(&s);
    if total > avail {
        let k = avail / total;
        let squeeze = (s.squeeze * k).max(face.squeeze * 0.62);
        let k2 = squeeze / s.squeeze;
        s.squeeze = squeeze;
        s.tracking *= k2;
        let total = measure(&s);
        if total > avail {
            cap *= avail / total;
            s.cap = cap;
            s.tracking *= avail / total;
        }
    }
    let total = measure(&s);
    let mut pen = p.x(left + (2.0 - left - 0.08) / 2.0) - total / 2.0;
    let baseline = p.y(centre) + s.cap / 2.0;
    for (gi, group) in serial.groups.iter().enumerate() {
        if gi > 0 {
            let gw = gap_share * s.cap;
            let gx = pen + s.tracking + gw / 2.0;
            let gy = p.y(centre);
            let (w, h) = (canvas.w, canvas.h);
            match gap {
                Gap::Dash => {
                    let m = shapes::rect(
                        gx - gw * 0.3,
                        gy - s.cap * 0.05,
                        gx + gw * 0.3,
                        gy + s.cap * 0.05,
                        w,
                        h,
                    );
                    canvas.paint(&m, colour, 1.0);
                }
                Gap::Dot => {
                    let r = s.cap * 0.065;
                    canvas.paint(&shapes::ellipse(gx, gy, r, r, w, h), colour, 1.0);
                }
                Gap::Emblem => {
                    if let Some((em, _)) = look.emblem {
                        // The widest emblems are 1.25 times as wide as tall; none may touch
                        // the characters beside it.
                        let size = (s.cap * 0.85).min(gw * 0.72);
                        emblem::draw(canvas, em, gx, gy, size, 1.0, outline_seed);
                    }
                }
                Gap::None | Gap::Space => {}
            }
            pen += gw + 2.0 * s.tracking;
        }
        for ink in s.set(group, pen, baseline) {
            out.glyphs.push(put(canvas, &ink, colour, emboss));
        }
        pen += s.width(group);
    }
    out
}

/// Paints one character, raised when `emboss` gives the relief's offset in pixels.
fn put(canvas: &mut Canvas, ink: &Ink, colour: Rgb, emboss: Option<i32>) -> Glyph {
    if let Some(d) = emboss {
        canvas.paint(&ink.mask.shifted(d, d), Rgb::BLACK, 0.3);
        canvas.paint(&ink.mask.shifted(-d, -d), Rgb::WHITE, 0.35);
    }
    canvas.paint(&ink.mask, colour, 1.0);
    Glyph {
        ch: ink.ch,
        bounds: ink.bounds,
    }
}
