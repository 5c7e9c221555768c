//! The drawing surface: premultiplied RGBA in f32, so warps and blurs of a plate with a
//! transparent surround have no dark fringes, and coverage masks to paint through.

use image::RgbImage;

use super::colour::Rgb;

/// An RGBA image, premultiplied, channels 0..1.
#[derive(Debug, Clone)]
pub(crate) struct Canvas {
    pub w: usize,
    pub h: usize,
    pub px: Vec<[f32; 4]>,
}

impl Canvas {
    pub fn transparent(w: usize, h: usize) -> Self {
        Self {
            w,
            h,
            px: vec![[0.0; 4]; w * h],
        }
    }

    pub fn from_rgb(img: &RgbImage) -> Self {
        let px = img
            .pixels()
            .map(|p| {
                [
                    p.0[0] as f32 / 255.0,
                    p.0[1] as f32 / 255.0,
                    p.0[2] as f32 / 255.0,
                    1.0,
                ]
            })
            .collect();
        Self {
            w: img.width() as usize,
            h: img.height() as usize,
            px,
        }
    }

    /// The image over black (an opaque canvas is unchanged).
    pub fn to_rgb(&self) -> RgbImage {
        let mut out = Vec::with_capacity(self.w * self.h * 3);
        for p in &self.px {
            for c in &p[..3] {
                out.push((c.clamp(0.0, 1.0) * 255.0 + 0.5) as u8);
            }
        }
        // The buffer is exactly w*h*3 by construction.
        RgbImage::from_raw(self.w as u32, self.h as u32, out).unwrap_or_default()
    }

    /// Fills every pixel from a function of its centre's position.
    pub fn shade_with(&mut self, mut f: impl FnMut(f32, f32) -> Rgb) {
        for y in 0..self.h {
            for x in 0..self.w {
                let [r, g, b] = f(x as f32 + 0.5, y as f32 + 0.5).0;
                self.px[y * self.w + x] = [r, g, b, 1.0];
            }
        }
    }

    /// Paints `colour` through `mask` at `opacity`.
    pub fn paint(&mut self, mask: &Mask, colour: Rgb, opacity: f32) {
        self.paint_with(mask, opacity, |_, _| colour);
    }

    /// Paints through `mask` with a colour chosen per pixel (gradients, textures).
    pub fn paint_with(
        &mut self,
        mask: &Mask,
        opacity: f32,
        mut colour: impl FnMut(f32, f32) -> Rgb,
    ) {
        let (cw, ch) = (self.w as i32, self.h as i32);
        for my in 0..mask.h {
            let y = mask.y0 + my as i32;
            if y < 0 || y >= ch {
                continue;
            }
            for mx in 0..mask.w {
                let x = mask.x0 + mx as i32;
                if x < 0 || x >= cw {
                    continue;
                }
                let a = mask.a[my * mask.w + mx] * opacity;
                if a <= 0.0 {
                    continue;
                }
                let a = a.min(1.0);
                let c = colour(x as f32 + 0.5, y as f32 + 0.5).0;
                let p = &mut self.px[y as usize * self.w + x as usize];
                p[0] = c[0] * a + p[0] * (1.0 - a);
                p[1] = c[1] * a + p[1] * (1.0 - a);
                p[2] = c[2] * a + p[2] * (1.0 - a);
                p[3] = a + p[3] * (1.0 - a);
            }
        }
    }

    /// The premultiplied sample at a real position (bilinear), transparent outside.
    pub fn sample(&self, x: f32, y: f32) -> [f32; 4] {
        let fx = x - 0.5;
        let fy = y - 0.5;
        // Truncation is a floor for the positive values; far outside is transparent anyway.
        if fx < -1.0 || fy < -1.0 || fx >= self.w as f32 || fy >= self.h as f32 {
            return [0.0; 4];
        }
        let x0 = (fx + 1.0) as i32 - 1;
        let y0 = (fy + 1.0) as i32 - 1;
        let tx = fx - x0 as f32;
        let ty = fy - y0 as f32;
        if x0 >= 0 && y0 >= 0 && x0 + 1 < self.w as i32 && y0 + 1 < self.h as i32 {
            let i = y0 as usize * self.w + x0 as usize;
            let (a, b) = (self.px[i], self.px[i + 1]);
            let (c, d) = (self.px[i + self.w], self.px[i + self.w + 1]);
            let mut out = [0.0; 4];
            for k in 0..4 {
                let top = a[k] + (b[k] - a[k]) * tx;
                let bottom = c[k] + (d[k] - c[k]) * tx;
                out[k] = top + (bottom - top) * ty;
            }
            return out;
        }
        let get = |xi: i32, yi: i32| -> [f32; 4] {
            if xi < 0 || yi < 0 || xi >= self.w as i32 || yi >= self.h as i32 {
                [0.0; 4]
            } else {
                self.px[yi as usize * self.w + xi as usize]
            }
        };
        let a = get(x0, y0);
        let b = get(x0 + 1, y0);
        let c = get(x0, y0 + 1);
        let d = get(x0 + 1, y0 + 1);
        let mut out = [0.0; 4];
        for i in 0..4 {
            let top = a[i] + (b[i] - a[i]) * tx;
            let bottom = c[i] + (d[i] - c[i]) * tx;
            out[i] = top + (bottom - top) * ty;
        }
        out
    }
}

/// Coverage (0..1) over a rectangle of pixels placed at `(x0, y0)`.
#[derive(Debug, Clone)]
pub(crate) struct Mask {
    pub x0: i32,
    pub y0: i32,
    pub w: usize,
    pub h: usize,
    pub a: Vec<f32>,
}

impl Mask {
    pub fn empty() -> Self {
        Self {
            x0: 0,
            y0: 0,
            w: 0,
            h: 0,
            a: Vec::new(),
        }
    }

    /// The same coverage moved by whole pixels (an emboss's shadow and highlight).
    pub fn shifted(&self, dx: i32, dy: i32) -> Mask {
        Mask {
            x0: self.x0 + dx,
            y0: self.y0 + dy,
            ..self.clone()
        }
    }
}
