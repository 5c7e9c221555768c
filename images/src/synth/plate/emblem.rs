//! State symbols: a few recognisable silhouettes, drawn from shapes, never copied artwork.

use super::super::canvas::{Canvas, Mask};
use super::super::colour::Rgb;
use super::super::geometry::Point;
use super::super::random::Dice;
use super::super::shapes;
use super::super::states::Emblem;

/// Draws `emblem` centred on `(cx, cy)`, `size` pixels tall, at `opacity`. `outline_seed` fixes
/// the state-outline blob so one state's outline is the same on every plate.
pub(crate) fn draw(
    canvas: &mut Canvas,
    emblem: Emblem,
    cx: f32,
    cy: f32,
    size: f32,
    opacity: f32,
    outline_seed: u64,
) {
    let (w, h) = (canvas.w, canvas.h);
    let r = size / 2.0;
    match emblem {
        Emblem::Star(c) => {
            let m = shapes::polygon(&shapes::star_points(cx, cy, r, 5), w, h);
            canvas.paint(&m, c, opacity);
        }
        Emblem::Disc(c) => {
            canvas.paint(
                &shapes::ellipse(cx, cy + r * 0.1, r * 0.8, r * 0.8, w, h),
                c,
                opacity,
            );
            let leaf = shapes::ellipse(cx + r * 0.3, cy - r * 0.72, r * 0.32, r * 0.14, w, h);
            canvas.paint(&leaf, Rgb::hex(0x2F7D32), opacity);
        }
        Emblem::Zia(c) => {
            canvas.paint(
                &shapes::ellipse(cx, cy, r * 0.32, r * 0.32, w, h),
                c,
                opacity,
            );
            let t = r * 0.07;
            for k in 0..4 {
                let off = (k as f32 - 1.5) * r * 0.16;
                let bars = [
                    (cx + r * 0.42, cy + off, cx + r, cy + off),
                    (cx - r * 0.42, cy + off, cx - r, cy + off),
                    (cx + off, cy + r * 0.42, cx + off, cy + r),
                    (cx + off, cy - r * 0.42, cx + off, cy - r),
                ];
                for (x0, y0, x1, y1) in bars {
                    let m = shapes::line(Point::new(x0, y0), Point::new(x1, y1), t, w, h);
                    canvas.paint(&m, c, opacity);
                }
            }
        }
        Emblem::Tree(c) => {
            for (i, k) in [0.0f32, 0.3, 0.58].iter().enumerate() {
                let top = cy - r + k * size * 0.6;
                let half = r * (0.35 + 0.18 * i as f32);
                let tri = vec![
                    Point::new(cx, top),
                    Point::new(cx + half, top + size * 0.38),
                    Point::new(cx - half, top + size * 0.38),
                ];
                canvas.paint(&shapes::polygon(&tri, w, h), c, opacity);
            }
            let trunk = shapes::rect(cx - r * 0.08, cy + r * 0.6, cx + r * 0.08, cy + r, w, h);
            canvas.paint(&trunk, c, opacity);
        }
        Emblem::Shape(c) => {
            let pts = outline_points(cx, cy, r * 1.25, r * 0.95, outline_seed);
            canvas.paint(&shapes::polygon(&pts, w, h), c, opacity);
        }
        Emblem::Flag => {
            let (x0, y0, x1, y1) = (cx - r * 0.75, cy - r * 0.5, cx + r * 0.75, cy + r * 0.5);
            canvas.paint(&shapes::rect(x0, y0, x1, y1, w, h), Rgb::WHITE, opacity);
            let n = 5;
            for i in (0..n).step_by(2) {
                let sy0 = y0 + (y1 - y0) * i as f32 / n as f32;
                let sy1 = y0 + (y1 - y0) * (i + 1) as f32 / n as f32;
                canvas.paint(
                    &shapes::rect(x0, sy0, x1, sy1, w, h),
                    Rgb::hex(0xC62828),
                    opacity,
                );
            }
            let canton = shapes::rect(x0, y0, x0 + (x1 - x0) * 0.42, y0 + (y1 - y0) * 0.55, w, h);
            canvas.paint(&canton, Rgb::hex(0x1A3A7A), opacity);
        }
        Emblem::Shield(c) => {
            let pts = vec![
                Point::new(cx - r * 0.7, cy - r * 0.8),
                Point::new(cx + r * 0.7, cy - r * 0.8),
                Point::new(cx + r * 0.7, cy + r * 0.1),
                Point::new(cx, cy + r),
                Point::new(cx - r * 0.7, cy + r * 0.1),
            ];
            canvas.paint(&shapes::polygon(&pts, w, h), c, opacity);
            let inner = shapes::ellipse(cx, cy - r * 0.1, r * 0.3, r * 0.3, w, h);
            canvas.paint(&inner, c.shade(0.4), opacity);
        }
        Emblem::Horse(c) => {
            let mut dice = Dice::new(outline_seed ^ 0x4057);
            let body = outline_points(
                cx,
                cy - r * 0.15,
                r * 0.75,
                r * 0.45,
                dice.int(0, 1 << 30) as u64,
            );
            canvas.paint(&shapes::polygon(&body, w, h), c, opacity);
            let rider = shapes::ellipse(cx - r * 0.05, cy - r * 0.7, r * 0.16, r * 0.3, w, h);
            canvas.paint(&rider, c, opacity);
            for k in 0..4 {
                let x = cx - r * 0.55 + k as f32 * r * 0.36;
                let leg = shapes::line(
                    Point::new(x, cy + r * 0.1),
                    Point::new(x + dice.jitter(r * 0.3), cy + r),
                    r * 0.1,
                    w,
                    h,
                );
                canvas.paint(&leg, c, opacity);
            }
        }
        Emblem::Lighthouse(c) => {
            let pts = vec![
                Point::new(cx - r * 0.14, cy - r * 0.7),
                Point::new(cx + r * 0.14, cy - r * 0.7),
                Point::new(cx + r * 0.26, cy + r),
                Point::new(cx - r * 0.26, cy + r),
            ];
            canvas.paint(&shapes::polygon(&pts, w, h), c, opacity);
            let cap = shapes::polygon(
                &[
                    Point::new(cx, cy - r),
                    Point::new(cx + r * 0.2, cy - r * 0.72),
                    Point::new(cx - r * 0.2, cy - r * 0.72),
                ],
                w,
                h,
            );
            canvas.paint(&cap, c, opacity);
            let band = shapes::rect(
                cx - r * 0.3,
                cy + r * 0.1,
                cx + r * 0.3,
                cy + r * 0.22,
                w,
                h,
            );
            canvas.paint(&band, Rgb::WHITE, opacity * 0.8);
        }
        Emblem::Heart(c) => {
            let pts: Vec<Point> = (0..40)
                .map(|i| {
                    let t = i as f32 / 40.0 * std::f32::consts::TAU;
                    let x = 16.0 * t.sin().powi(3);
                    let y = 13.0 * t.cos()
                        - 5.0 * (2.0 * t).cos()
                        - 2.0 * (3.0 * t).cos()
                        - (4.0 * t).cos();
                    Point::new(cx + x * r / 17.0, cy - y * r / 17.0)
                })
                .collect();
            canvas.paint(&shapes::polygon(&pts, w, h), c, opacity);
        }
        Emblem::Diamond(c) => {
            let pts = vec![
                Point::new(cx, cy - r),
                Point::new(cx + r * 0.8, cy),
                Point::new(cx, cy + r),
                Point::new(cx - r * 0.8, cy),
            ];
            canvas.paint(&shapes::polygon(&pts, w, h), c, opacity);
        }
    }
}

/// A state-outline-like blob: a rough polygon, mostly straight borders with one ragged side.
pub(crate) fn outline_points(cx: f32, cy: f32, rx: f32, ry: f32, seed: u64) -> Vec<Point> {
    let mut dice = Dice::new(seed);
    let n = dice.int(9, 15) as usize;
    let ragged = dice.index(4);
    (0..n)
        .map(|i| {
            let t = i as f32 / n as f32 * std::f32::consts::TAU;
            // A squarish superellipse, so most outlines read as a state rather than a cloud.
            let (c, s) = (t.cos(), t.sin());
            let k = 0.45;
            let sx = c.signum() * c.abs().powf(k);
            let sy = s.signum() * s.abs().powf(k);
            let side = ((t / std::f32::consts::FRAC_PI_2) as usize).min(3);
            let j = if side == ragged { 0.22 } else { 0.06 };
            let f = 1.0 + dice.jitter(j);
            Point::new(cx + rx * sx * f, cy + ry * sy * f)
        })
        .collect()
}

/// A blob's coverage, for decorations that reuse the outline (a plate-sized state outline).
pub(crate) fn outline_ring(
    centre: (f32, f32),
    radii: (f32, f32),
    thickness: f32,
    seed: u64,
    w: usize,
    h: usize,
) -> Mask {
    let ((cx, cy), (rx, ry)) = (centre, radii);
    let mut pts = outline_points(cx, cy, rx, ry, seed);
    pts.push(pts[0]);
    shapes::polyline(&pts, thickness, w, h)
}
