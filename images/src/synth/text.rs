//! Setting lines of text: the plate's characters and its printed words.

use ab_glyph::{Font, PxScale, ScaleFont, point};

use super::canvas::{Canvas, Mask};
use super::colour::Rgb;
use super::fonts::Face;

/// How a line of text is set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setting<'f> {
    pub face: &'f Face,
    /// Height of a capital in pixels.
    pub cap: f32,
    /// Horizontal scale (below 1 condenses).
    pub squeeze: f32,
    /// Extra space after each character, in pixels.
    pub tracking: f32,
}

/// One character's ink, placed on a canvas.
#[derive(Debug, Clone)]
pub(crate) struct Ink {
    pub ch: char,
    pub mask: Mask,
    /// The ink's bounds: x0, y0, x1, y1 in canvas pixels.
    pub bounds: [f32; 4],
}

impl Setting<'_> {
    fn scale(&self) -> PxScale {
        let y = self.face.scale_for_cap(self.cap);
        PxScale {
            x: y * self.squeeze,
            y,
        }
    }

    pub fn advance(&self, c: char) -> f32 {
        let scaled = self.face.font.as_scaled(self.scale());
        scaled.h_advance(self.face.glyph_id(c))
    }

    /// Width of `text` set on one line (tracking between characters, not after the last).
    pub fn width(&self, text: &str) -> f32 {
        let n = text.chars().count();
        if n == 0 {
            return 0.0;
        }
        text.chars().map(|c| self.advance(c)).sum::<f32>() + self.tracking * (n - 1) as f32
    }

    /// The ink of `c` with its advance origin at `(x, baseline)`, rasterised for a `w` x `h`
    /// canvas, or `None` for a character without ink (a space).
    pub fn ink(&self, c: char, x: f32, baseline: f32) -> Option<Ink> {
        let glyph = self
            .face
            .glyph_id(c)
            .with_scale_and_position(self.scale(), point(x, baseline));
        let outlined = self.face.font.outline_glyph(glyph)?;
        let b = outlined.px_bounds();
        let (mw, mh) = ((b.width() as usize).max(1), (b.height() as usize).max(1));
        let mut a = vec![0.0; mw * mh];
        outlined.draw(|gx, gy, v| {
            if let Some(cell) = a.get_mut(gy as usize * mw + gx as usize) {
                *cell = v.min(1.0);
            }
        });
        let mask = Mask {
            x0: b.min.x as i32,
            y0: b.min.y as i32,
            w: mw,
            h: mh,
            a,
        };
        let bounds = ink_bounds(&mask);
        Some(Ink {
            ch: c,
            mask,
            bounds,
        })
    }

    /// Sets `text` with its left end at `x`, returning each character's ink (spaces have none).
    pub fn set(&self, text: &str, x: f32, baseline: f32) -> Vec<Ink> {
        let mut out = Vec::new();
        let mut pen = x;
        for c in text.chars() {
            if let Some(ink) = self.ink(c, pen, baseline) {
                out.push(ink);
            }
            pen += self.advance(c) + self.tracking;
        }
        out
    }

    /// Draws `text` centred on `cx`, returning its inks.
    pub fn draw_centred(
        &self,
        canvas: &mut Canvas,
        text: &str,
        cx: f32,
        baseline: f32,
        colour: Rgb,
    ) -> Vec<Ink> {
        let inks = self.set(text, cx - self.width(text) / 2.0, baseline);
        for ink in &inks {
            canvas.paint(&ink.mask, colour, 1.0);
        }
        inks
    }

    /// The same setting, condensed or shrunk so `text` fits in `max_width`.
    pub fn fitted(self, text: &str, max_width: f32) -> Self {
        let w = self.width(text);
        if w <= max_width || w <= 0.0 {
            return self;
        }
        let k = max_width / w;
        // Condense down to 70% first, as plate makers do, then shrink.
        let squeeze = (self.squeeze * k).max(self.squeeze * 0.7);
        let mut s = Setting { squeeze, ..self };
        let w2 = s.width(text);
        if w2 > max_width {
            let k2 = max_width / w2;
            s.cap *= k2;
            s.tracking *= k2;
        }
        s
    }
}

/// The rectangle where a mask actually has ink (px_bounds is padded by a pixel or so).
fn ink_bounds(m: &Mask) -> [f32; 4] {
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0usize, 0usize);
    for y in 0..m.h {
        for x in 0..m.w {
            if m.a[y * m.w + x] > 0.25 {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x + 1);
                y1 = y1.max(y + 1);
            }
        }
    }
    if x0 == usize::MAX {
        let (x, y) = (m.x0 as f32, m.y0 as f32);
        return [x, y, x, y];
    }
    [
        m.x0 as f32 + x0 as f32,
        m.y0 as f32 + y0 as f32,
        m.x0 as f32 + x1 as f32,
        m.y0 as f32 + y1 as f32,
    ]
}
