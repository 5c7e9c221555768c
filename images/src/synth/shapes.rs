//! Filled shapes as anti-aliased coverage masks, through ab_glyph's rasterizer (the one that
//! draws the glyphs, so shapes and text have the same edges).

use ab_glyph_rasterizer::{Rasterizer, point};

use super::canvas::Mask;
use super::geometry::Point;

/// Coverage of the contours (non-zero winding with each contour clockwise; a contour given
/// counter-clockwise cuts a hole), clipped to a `w` x `h` canvas.
pub(crate) fn fill(contours: &[Vec<Point>], w: usize, h: usize) -> Mask {
    let clipped: Vec<Vec<Point>> = contours
        .iter()
        .map(|c| clip_to_rect(c, -2.0, -2.0, w as f32 + 2.0, h as f32 + 2.0))
        .filter(|c| c.len() >= 3)
        .collect();
    let mut min_x = f32::MAX;
    let mut min_y = f32::MAX;
    let mut max_x = f32::MIN;
    let mut max_y = f32::MIN;
    for p in clipped.iter().flatten() {
        min_x = min_x.min(p.x);
        min_y = min_y.min(p.y);
        max_x = max_x.max(p.x);
        max_y = max_y.max(p.y);
    }
    if clipped.is_empty() || max_x <= min_x || max_y <= min_y {
        return Mask::empty();
    }
    let x0 = min_x.floor() as i32 - 1;
    let y0 = min_y.floor() as i32 - 1;
    let mw = (max_x.ceil() as i32 - x0 + 2).max(1) as usize;
    let mh = (max_y.ceil() as i32 - y0 + 2).max(1) as usize;
    let mut r = Rasterizer::new(mw, mh);
    for c in &clipped {
        for i in 0..c.len() {
            let a = c[i];
            let b = c[(i + 1) % c.len()];
            r.draw_line(
                point(a.x - x0 as f32, a.y - y0 as f32),
                point(b.x - x0 as f32, b.y - y0 as f32),
            );
        }
    }
    let mut a = vec![0.0; mw * mh];
    r.for_each_pixel(|i, v| a[i] = v.min(1.0));
    Mask {
        x0,
        y0,
        w: mw,
        h: mh,
        a,
    }
}

pub(crate) fn polygon(points: &[Point], w: usize, h: usize) -> Mask {
    fill(&[points.to_vec()], w, h)
}

pub(crate) fn rect(x0: f32, y0: f32, x1: f32, y1: f32, w: usize, h: usize) -> Mask {
    polygon(&rect_points(x0, y0, x1, y1), w, h)
}

pub(crate) fn rect_points(x0: f32, y0: f32, x1: f32, y1: f32) -> Vec<Point> {
    vec![
        Point::new(x0, y0),
        Point::new(x1, y0),
        Point::new(x1, y1),
        Point::new(x0, y1),
    ]
}

pub(crate) fn ellipse_points(cx: f32, cy: f32, rx: f32, ry: f32) -> Vec<Point> {
    let n = ((rx.max(ry) * 0.8) as usize).clamp(12, 96);
    (0..n)
        .map(|i| {
            let t = i as f32 / n as f32 * std::f32::consts::TAU;
            Point::new(cx + rx * t.cos(), cy + ry * t.sin())
        })
        .collect()
}

pub(crate) fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32, w: usize, h: usize) -> Mask {
    polygon(&ellipse_points(cx, cy, rx, ry), w, h)
}

pub(crate) fn rounded_rect_points(x0: f32, y0: f32, x1: f32, y1: f32, r: f32) -> Vec<Point> {
    let r = r.min((x1 - x0) / 2.0).min((y1 - y0) / 2.0).max(0.0);
    if r < 0.5 {
        return rect_points(x0, y0, x1, y1);
    }
    let steps = ((r * 0.5) as usize).clamp(3, 12);
    let corners = [
        (x1 - r, y0 + r, -90.0f32),
        (x1 - r, y1 - r, 0.0),
        (x0 + r, y1 - r, 90.0),
        (x0 + r, y0 + r, 180.0),
    ];
    let mut pts = Vec::with_capacity(4 * (steps + 1));
    for (cx, cy, start) in corners {
        for i in 0..=steps {
            let t = (start + 90.0 * i as f32 / steps as f32).to_radians();
            pts.push(Point::new(cx + r * t.cos(), cy + r * t.sin()));
        }
    }
    pts
}

pub(crate) fn rounded_rect(x0: f32, y0: f32, x1: f32, y1: f32, r: f32, w: usize, h: usize) -> Mask {
    polygon(&rounded_rect_points(x0, y0, x1, y1, r), w, h)
}

/// A frame of width `t` inside the rounded rectangle (an outline that keeps what it surrounds).
pub(crate) fn rounded_ring(rect: [f32; 4], r: f32, t: f32, w: usize, h: usize) -> Mask {
    let [x0, y0, x1, y1] = rect;
    let outer = rounded_rect_points(x0, y0, x1, y1, r);
    let mut inner = rounded_rect_points(x0 + t, y0 + t, x1 - t, y1 - t, (r - t).max(0.0));
    inner.reverse();
    fill(&[outer, inner], w, h)
}

/// A thick straight line with square ends.
pub(crate) fn line(a: Point, b: Point, thickness: f32, w: usize, h: usize) -> Mask {
    polygon(&line_points(a, b, thickness), w, h)
}

fn line_points(a: Point, b: Point, thickness: f32) -> Vec<Point> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt().max(1e-6);
    let (nx, ny) = (-dy / len * thickness / 2.0, dx / len * thickness / 2.0);
    clockwise(vec![
        Point::new(a.x + nx, a.y + ny),
        Point::new(b.x + nx, b.y + ny),
        Point::new(b.x - nx, b.y - ny),
        Point::new(a.x - nx, a.y - ny),
    ])
}

/// A thick polyline: each segment a quad wound the same way, so overlaps add up rather than
/// cancel.
pub(crate) fn polyline(points: &[Point], thickness: f32, w: usize, h: usize) -> Mask {
    let segments: Vec<Vec<Point>> = points
        .windows(2)
        .map(|s| line_points(s[0], s[1], thickness))
        .collect();
    fill(&segments, w, h)
}

/// A star with `n` points.
pub(crate) fn star_points(cx: f32, cy: f32, r: f32, n: usize) -> Vec<Point> {
    (0..2 * n)
        .map(|i| {
            let rr = if i % 2 == 0 { r } else { r * 0.42 };
            let t =
                (i as f32 / (2 * n) as f32) * std::f32::consts::TAU - std::f32::consts::FRAC_PI_2;
            Point::new(cx + rr * t.cos(), cy + rr * t.sin())
        })
        .collect()
}

fn signed_area(pts: &[Point]) -> f32 {
    let mut s = 0.0;
    for i in 0..pts.len() {
        let a = pts[i];
        let b = pts[(i + 1) % pts.len()];
        s += a.x * b.y - b.x * a.y;
    }
    s / 2.0
}

/// The contour wound clockwise on screen (y down), whatever order it came in.
pub(crate) fn clockwise(mut pts: Vec<Point>) -> Vec<Point> {
    if signed_area(&pts) < 0.0 {
        pts.reverse();
    }
    pts
}

/// One side of the clip rectangle: which side is inside, where an edge crosses it, and where it is.
type ClipEdge = (fn(Point, f32) -> bool, fn(Point, Point, f32) -> Point, f32);

/// Sutherland–Hodgman: the rasterizer wraps what lies left or right of its buffer into the
/// neighbouring rows, so contours are cut to the canvas first.
fn clip_to_rect(poly: &[Point], x0: f32, y0: f32, x1: f32, y1: f32) -> Vec<Point> {
    let mut out = poly.to_vec();
    let edges: [ClipEdge; 4] = [
        (|p, v| p.x >= v, |a, b, v| lerp_x(a, b, v), x0),
        (|p, v| p.x <= v, |a, b, v| lerp_x(a, b, v), x1),
        (|p, v| p.y >= v, |a, b, v| lerp_y(a, b, v), y0),
        (|p, v| p.y <= v, |a, b, v| lerp_y(a, b, v), y1),
    ];
    for (inside, cut, v) in edges {
        if out.is_empty() {
            break;
        }
        let input = std::mem::take(&mut out);
        for i in 0..input.len() {
            let cur = input[i];
            let prev = input[(i + input.len() - 1) % input.len()];
            match (inside(cur, v), inside(prev, v)) {
                (true, true) => out.push(cur),
                (true, false) => {
                    out.push(cut(prev, cur, v));
                    out.push(cur);
                }
                (false, true) => out.push(cut(prev, cur, v)),
                (false, false) => {}
            }
        }
    }
    out
}

fn lerp_x(a: Point, b: Point, x: f32) -> Point {
    let t = (x - a.x) / (b.x - a.x);
    Point::new(x, a.y + (b.y - a.y) * t)
}

fn lerp_y(a: Point, b: Point, y: f32) -> Point {
    let t = (y - a.y) / (b.y - a.y);
    Point::new(a.x + (b.x - a.x) * t, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rectangle_covers_its_pixels_and_a_ring_keeps_its_hole() {
        let m = rect(2.0, 2.0, 8.0, 6.0, 10, 10);
        let at = |m: &Mask, x: i32, y: i32| {
            let (mx, my) = (x - m.x0, y - m.y0);
            if mx < 0 || my < 0 || mx >= m.w as i32 || my >= m.h as i32 {
                0.0
            } else {
                m.a[my as usize * m.w + mx as usize]
            }
        };
        assert!((at(&m, 4, 4) - 1.0).abs() < 1e-4);
        assert!(at(&m, 0, 0) < 1e-4);
        let ring = rounded_ring([0.0, 0.0, 20.0, 20.0], 0.0, 3.0, 20, 20);
        assert!(at(&ring, 10, 10) < 1e-4);
        assert!(at(&ring, 1, 10) > 0.99);
    }

    #[test]
    fn shapes_past_the_edges_do_not_wrap_into_other_rows() {
        let m = rect(-50.0, 4.0, 5.0, 6.0, 10, 10);
        for y in 0..m.h {
            for x in 0..m.w {
                let gy = m.y0 + y as i32;
                if !(4..6).contains(&gy) {
                    assert!(m.a[y * m.w + x] < 1e-4, "row {gy} got coverage");
                }
            }
        }
    }
}
