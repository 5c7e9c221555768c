//! Points, quadrilaterals and the homographies that put a flat plate into a photograph.

/// A point in pixels (x right, y down).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }
}

/// Four corners, clockwise from the top left as the object itself has them (so after a warp the
/// first corner is still the plate's top-left one, wherever it landed).
pub type Quad = [Point; 4];

/// An axis-aligned box in whole pixels, inside its image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PixelBox {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl PixelBox {
    /// The smallest box holding `quad`, clipped to a `width` x `height` image.
    pub fn around(quad: &Quad, width: u32, height: u32) -> PixelBox {
        let min_x = quad.iter().map(|p| p.x).fold(f32::MAX, f32::min);
        let max_x = quad.iter().map(|p| p.x).fold(f32::MIN, f32::max);
        let min_y = quad.iter().map(|p| p.y).fold(f32::MAX, f32::min);
        let max_y = quad.iter().map(|p| p.y).fold(f32::MIN, f32::max);
        let x0 = min_x.floor().clamp(0.0, width as f32) as u32;
        let y0 = min_y.floor().clamp(0.0, height as f32) as u32;
        let x1 = max_x.ceil().clamp(0.0, width as f32) as u32;
        let y1 = max_y.ceil().clamp(0.0, height as f32) as u32;
        PixelBox {
            x: x0,
            y: y0,
            w: x1.saturating_sub(x0),
            h: y1.saturating_sub(y0),
        }
    }

    pub fn right(&self) -> u32 {
        self.x + self.w
    }

    pub fn bottom(&self) -> u32 {
        self.y + self.h
    }
}

pub(crate) fn rect_quad(x0: f32, y0: f32, x1: f32, y1: f32) -> Quad {
    [
        Point::new(x0, y0),
        Point::new(x1, y0),
        Point::new(x1, y1),
        Point::new(x0, y1),
    ]
}

pub(crate) fn quad_bounds(quad: &Quad) -> (f32, f32, f32, f32) {
    let min_x = quad.iter().map(|p| p.x).fold(f32::MAX, f32::min);
    let max_x = quad.iter().map(|p| p.x).fold(f32::MIN, f32::max);
    let min_y = quad.iter().map(|p| p.y).fold(f32::MAX, f32::min);
    let max_y = quad.iter().map(|p| p.y).fold(f32::MIN, f32::max);
    (min_x, min_y, max_x, max_y)
}

/// A projective map of the plane, as a row-major 3x3 matrix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Homography(pub [f64; 9]);

impl Homography {
    /// The map taking each corner of `from` to the same corner of `to`, or `None` when the
    /// corners are degenerate (three in a line).
    pub fn between(from: &Quad, to: &Quad) -> Option<Homography> {
        // The eight unknowns h0..h7 (h8 = 1) from two equations per corner.
        let mut a = [[0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = (from[i].x as f64, from[i].y as f64);
            let (u, v) = (to[i].x as f64, to[i].y as f64);
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for col in 0..8 {
            let pivot = (col..8).max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))?;
            if a[pivot][col].abs() < 1e-12 {
                return None;
            }
            a.swap(col, pivot);
            let pivot_row = a[col];
            for (r, row) in a.iter_mut().enumerate() {
                if r != col {
                    let f = row[col] / pivot_row[col];
                    for (v, p) in row.iter_mut().zip(pivot_row.iter()).skip(col) {
                        *v -= f * p;
                    }
                }
            }
        }
        let mut h = [0f64; 9];
        for (i, row) in a.iter().enumerate() {
            h[i] = row[8] / row[i];
        }
        h[8] = 1.0;
        Some(Homography(h))
    }

    pub fn apply(&self, p: Point) -> Point {
        let h = &self.0;
        let (x, y) = (p.x as f64, p.y as f64);
        let w = h[6] * x + h[7] * y + h[8];
        let w = if w.abs() < 1e-12 { 1e-12 } else { w };
        Point::new(
            ((h[0] * x + h[1] * y + h[2]) / w) as f32,
            ((h[3] * x + h[4] * y + h[5]) / w) as f32,
        )
    }

    pub fn apply_quad(&self, q: &Quad) -> Quad {
        q.map(|p| self.apply(p))
    }

    pub fn inverse(&self) -> Option<Homography> {
        let m = &self.0;
        let det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
            + m[2] * (m[3] * m[7] - m[4] * m[6]);
        if det.abs() < 1e-15 {
            return None;
        }
        let inv = [
            (m[4] * m[8] - m[5] * m[7]) / det,
            (m[2] * m[7] - m[1] * m[8]) / det,
            (m[1] * m[5] - m[2] * m[4]) / det,
            (m[5] * m[6] - m[3] * m[8]) / det,
            (m[0] * m[8] - m[2] * m[6]) / det,
            (m[2] * m[3] - m[0] * m[5]) / det,
            (m[3] * m[7] - m[4] * m[6]) / det,
            (m[1] * m[6] - m[0] * m[7]) / det,
            (m[0] * m[4] - m[1] * m[3]) / det,
        ];
        Some(Homography(inv))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homography_maps_corners_and_inverts() {
        let from = rect_quad(0.0, 0.0, 200.0, 100.0);
        let to = [
            Point::new(10.0, 12.0),
            Point::new(180.0, 5.0),
            Point::new(190.0, 95.0),
            Point::new(15.0, 88.0),
        ];
        let h = Homography::between(&from, &to).expect("corners are not degenerate");
        for (a, b) in from.iter().zip(to.iter()) {
            let p = h.apply(*a);
            assert!((p.x - b.x).abs() < 1e-3 && (p.y - b.y).abs() < 1e-3);
        }
        let back = h.inverse().expect("invertible");
        let p = back.apply(h.apply(Point::new(50.0, 40.0)));
        assert!((p.x - 50.0).abs() < 1e-3 && (p.y - 40.0).abs() < 1e-3);
    }
}
