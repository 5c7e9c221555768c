//! Putting flat artwork into a picture through a homography.

use super::canvas::Canvas;
use super::geometry::{Homography, Point, quad_bounds, rect_quad};

/// Draws `src` over `dst`, each source point `p` landing at `to_dst.apply(p)`. Returns the
/// coverage the source left on each destination pixel (the plate's footprint), row-major.
pub(crate) fn warp_onto(dst: &mut Canvas, src: &Canvas, to_dst: &Homography) -> Vec<f32> {
    let mut footprint = vec![0.0f32; dst.w * dst.h];
    let Some(back) = to_dst.inverse() else {
        return footprint;
    };
    let corners = to_dst.apply_quad(&rect_quad(0.0, 0.0, src.w as f32, src.h as f32));
    let (x0, y0, x1, y1) = quad_bounds(&corners);
    let x0 = (x0.floor().max(0.0) as usize).min(dst.w);
    let y0 = (y0.floor().max(0.0) as usize).min(dst.h);
    let x1 = (x1.ceil().max(0.0) as usize).min(dst.w);
    let y1 = (y1.ceil().max(0.0) as usize).min(dst.h);
    if x1 <= x0 || y1 <= y0 {
        return footprint;
    }
    // Shrinking artwork more than about 1.5 times aliases with one sample a pixel. The area is
    // the whole footprint's, unclipped (a frame reaching past the picture does not count).
    let area_ratio = (src.w * src.h) as f32 / quad_area(&corners).max(1.0);
    let n = if area_ratio > 9.0 {
        3
    } else if area_ratio > 2.2 {
        2
    } else {
        1
    };
    let inv_n2 = 1.0 / (n * n) as f32;
    for y in y0..y1 {
        for x in x0..x1 {
            let mut acc = [0.0f32; 4];
            for sy in 0..n {
                for sx in 0..n {
                    let px = x as f32 + (sx as f32 + 0.5) / n as f32;
                    let py = y as f32 + (sy as f32 + 0.5) / n as f32;
                    let s = src.sample_at(back.apply(Point::new(px, py)));
                    for c in 0..4 {
                        acc[c] += s[c];
                    }
                }
            }
            let a = acc[3] * inv_n2;
            if a <= 0.0 {
                continue;
            }
            let d = &mut dst.px[y * dst.w + x];
            for c in 0..4 {
                d[c] = acc[c] * inv_n2 + d[c] * (1.0 - a);
            }
            footprint[y * dst.w + x] = a;
        }
    }
    footprint
}

fn quad_area(q: &[Point; 4]) -> f32 {
    let mut s = 0.0;
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        s += a.x * b.y - b.x * a.y;
    }
    (s / 2.0).abs()
}

impl Canvas {
    fn sample_at(&self, p: Point) -> [f32; 4] {
        self.sample(p.x, p.y)
    }
}
