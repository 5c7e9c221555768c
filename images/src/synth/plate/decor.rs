//! What is printed or fixed on a plate besides its characters: ground, scenery, stickers,
//! bolts, the rim and a dealer's frame.

use super::super::canvas::{Canvas, Mask};
use super::super::colour::{Rgb, VIVID};
use super::super::fonts::{FontLibrary, Role};
use super::super::geometry::Point;
use super::super::random::Dice;
use super::super::shapes;
use super::super::states::{Background, Scenery};
use super::super::text::Setting;
use super::Place;

/// The plate's ground colour at height `v` (0 top, 1 bottom).
pub(crate) fn ground(bg: &Background, v: f32) -> Rgb {
    match *bg {
        Background::Plain(c) => c,
        Background::Vertical(a, b) => a.mix(b, v.clamp(0.0, 1.0)),
        Background::Vertical3(a, b, c) => {
            if v < 0.5 {
                a.mix(b, (v * 2.0).clamp(0.0, 1.0))
            } else {
                b.mix(c, ((v - 0.5) * 2.0).clamp(0.0, 1.0))
            }
        }
    }
}

pub(crate) fn scenery(
    canvas: &mut Canvas,
    p: Place,
    s: &Scenery,
    dice: &mut Dice,
    outline_seed: u64,
) {
    let (w, h) = (canvas.w, canvas.h);
    match *s {
        Scenery::Mountains {
            colour,
            base,
            height,
        } => {
            let n = dice.int(5, 9);
            let mut pts = vec![
                Point::new(p.x(0.0), p.y(1.0)),
                Point::new(p.x(0.0), p.y(base)),
            ];
            for i in 0..=n * 2 {
                let u = 2.0 * i as f32 / (n * 2) as f32;
                let peak = if i % 2 == 1 {
                    dice.range(0.5, 1.0)
                } else {
                    dice.range(0.0, 0.3)
                };
                pts.push(Point::new(p.x(u), p.y(base - height * peak)));
            }
            pts.push(Point::new(p.x(2.0), p.y(1.0)));
            canvas.paint(&shapes::polygon(&pts, w, h), colour, dice.range(0.7, 1.0));
        }
        Scenery::Hills {
            colour,
            base,
            height,
        } => {
            let (f1, f2, ph1, ph2) = (
                dice.range(1.5, 3.0),
                dice.range(4.0, 7.0),
                dice.range(0.0, 6.0),
                dice.range(0.0, 6.0),
            );
            let mut pts = vec![Point::new(p.x(0.0), p.y(1.0))];
            for i in 0..=48 {
                let u = 2.0 * i as f32 / 48.0;
                let y =
                    base - height * (0.6 + 0.3 * (u * f1 + ph1).sin() + 0.1 * (u * f2 + ph2).sin());
                pts.push(Point::new(p.x(u), p.y(y)));
            }
            pts.push(Point::new(p.x(2.0), p.y(1.0)));
            canvas.paint(&shapes::polygon(&pts, w, h), colour, dice.range(0.6, 1.0));
        }
        Scenery::Trees {
            colour,
            base,
            height,
        } => {
            let mut u = dice.range(-0.05, 0.05);
            while u < 2.05 {
                let th = height * dice.range(0.6, 1.1);
                let half = th * dice.range(0.22, 0.32);
                let tri = vec![
                    Point::new(p.x(u), p.y(base - th)),
                    Point::new(p.x(u + half), p.y(base)),
                    Point::new(p.x(u - half), p.y(base)),
                ];
                canvas.paint(&shapes::polygon(&tri, w, h), colour, 1.0);
                u += half * dice.range(1.0, 2.2);
            }
            canvas.paint(
                &shapes::rect(p.x(0.0), p.y(base), p.x(2.0), p.y(1.0), w, h),
                colour,
                1.0,
            );
        }
        Scenery::Sun { colour, u, v, r } => {
            canvas.paint(
                &shapes::ellipse(p.x(u), p.y(v), p.s(r), p.s(r), w, h),
                colour,
                0.8,
            );
        }
        Scenery::Rainbow { v } => {
            let colours = [0xE57373, 0xFFB74D, 0xFFF176, 0x81C784, 0x64B5F6, 0x9575CD];
            let r0 = 1.05;
            for (i, c) in colours.iter().enumerate() {
                let r = r0 - i as f32 * 0.06;
                let mut outer =
                    shapes::ellipse_points(p.x(1.0), p.y(v + 0.55), p.s(r), p.s(r * 0.9));
                let mut inner = shapes::ellipse_points(
                    p.x(1.0),
                    p.y(v + 0.55),
                    p.s(r - 0.06),
                    p.s((r - 0.06) * 0.9),
                );
                outer = shapes::clockwise(outer);
                inner = shapes::clockwise(inner);
                inner.reverse();
                canvas.paint(&shapes::fill(&[outer, inner], w, h), Rgb::hex(*c), 0.75);
            }
        }
        Scenery::Waves { colour, base } => {
            for k in 0..3 {
                let b = base + k as f32 * 0.07;
                let phase = dice.range(0.0, 6.0);
                let pts: Vec<Point> = (0..=40)
                    .map(|i| {
                        let u = 2.0 * i as f32 / 40.0;
                        Point::new(p.x(u), p.y(b + 0.02 * (u * 9.0 + phase).sin()))
                    })
                    .collect();
                canvas.paint(&shapes::polyline(&pts, p.s(0.025), w, h), colour, 0.9);
            }
        }
        Scenery::Skyline {
            colour,
            base,
            height,
        } => {
            let mut u = 0.0;
            while u < 2.0 {
                let bw = dice.range(0.06, 0.16);
                let bh = height * dice.range(0.3, 1.0);
                canvas.paint(
                    &shapes::rect(p.x(u), p.y(base - bh), p.x(u + bw), p.y(base + 0.02), w, h),
                    colour,
                    0.9,
                );
                u += bw + dice.range(0.0, 0.05);
            }
        }
        Scenery::Stars { colour, v } => {
            let n = dice.int(8, 16);
            for i in 0..n {
                let u = 0.06 + 1.88 * (i as f32 + dice.range(0.2, 0.8)) / n as f32;
                let vv = v + dice.jitter(0.04);
                let m = shapes::polygon(
                    &shapes::star_points(p.x(u), p.y(vv), p.s(dice.range(0.02, 0.035)), 5),
                    w,
                    h,
                );
                canvas.paint(&m, colour, 0.9);
            }
        }
        Scenery::Seal { colour } => {
            for (r, t) in [(0.36f32, 0.025f32), (0.28, 0.012)] {
                let m = shapes::rounded_ring(
                    [p.x(1.0 - r), p.y(0.55 - r), p.x(1.0 + r), p.y(0.55 + r)],
                    p.s(r),
                    p.s(t),
                    w,
                    h,
                );
                canvas.paint(&m, colour, 0.5);
            }
        }
        Scenery::Outline { colour } => {
            let m = super::emblem::outline_ring(
                (p.x(1.0), p.y(0.52)),
                (p.s(0.92), p.s(0.4)),
                p.s(0.014),
                outline_seed,
                w,
                h,
            );
            canvas.paint(&m, colour, 0.85);
        }
        Scenery::Band { colour, v0, v1 } => {
            canvas.paint(
                &shapes::rect(
                    p.x(-0.05),
                    p.y(v0 - 0.05 * (v0 == 0.0) as u8 as f32),
                    p.x(2.05),
                    p.y(v1 + 0.05 * (v1 >= 1.0) as u8 as f32),
                    w,
                    h,
                ),
                colour,
                1.0,
            );
        }
        Scenery::Stripe {
            colour,
            v,
            thickness,
        } => {
            canvas.paint(
                &shapes::rect(p.x(0.0), p.y(v), p.x(2.0), p.y(v + thickness), w, h),
                colour,
                1.0,
            );
        }
    }
}

/// Which corners already carry something (stickers go in the free ones).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Corners {
    pub top_left: bool,
    pub top_right: bool,
    pub bottom_left: bool,
    pub bottom_right: bool,
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// Registration stickers: month and year decals in the corners.
pub(crate) fn stickers(
    canvas: &mut Canvas,
    p: Place,
    fonts: &FontLibrary,
    dice: &mut Dice,
    busy: Corners,
) {
    let n = *dice.weighted(&[(0usize, 0.3), (1, 0.45), (2, 0.25)]);
    let mut spots: Vec<(f32, f32)> = Vec::new();
    let (sw, sh) = (dice.range(0.2, 0.3), dice.range(0.13, 0.19));
    if !busy.top_right {
        spots.push((1.97 - sw, 0.04));
    }
    if !busy.top_left {
        spots.push((0.03, 0.04));
    }
    if !busy.bottom_right {
        spots.push((1.97 - sw, 0.96 - sh));
    }
    if !busy.bottom_left {
        spots.push((0.03, 0.96 - sh));
    }
    let small = fonts.pick(Role::Small, 0);
    for _ in 0..n.min(spots.len()) {
        let (u, v) = spots.remove(dice.index(spots.len()));
        let colour = dice.pick(VIVID).vary(dice, 0.05);
        let ink = if colour.luma() > 0.55 {
            Rgb::hex(0x151515)
        } else {
            Rgb::WHITE
        };
        let (w, h) = (canvas.w, canvas.h);
        let m = shapes::rounded_rect(p.x(u), p.y(v), p.x(u + sw), p.y(v + sh), p.s(0.015), w, h);
        canvas.paint(&m, colour, 1.0);
        let label = if dice.chance(0.5) {
            (*dice.pick(MONTHS)).to_string()
        } else {
            format!("{:02}", dice.int(0, 29))
        };
        let setting = Setting {
            face: small,
            cap: p.s(sh * 0.5),
            squeeze: 1.0,
            tracking: 0.0,
        }
        .fitted(&label, p.s(sw * 0.85));
        setting.draw_centred(canvas, &label, p.x(u + sw / 2.0), p.y(v + sh * 0.72), ink);
    }
}

/// Mounting holes, or the bolts in them.
pub(crate) fn bolts(
    canvas: &mut Canvas,
    p: Place,
    dice: &mut Dice,
    ground_at: impl Fn(f32) -> Rgb,
) {
    let (w, h) = (canvas.w, canvas.h);
    let kind = dice.index(3);
    let bottom = dice.chance(0.35);
    let spread = dice.range(0.56, 0.62);
    let mut spots = vec![(1.0 - spread, 0.085), (1.0 + spread, 0.085)];
    if bottom {
        spots.push((1.0 - spread, 0.915));
        spots.push((1.0 + spread, 0.915));
    }
    for (u, v) in spots {
        let (cx, cy) = (p.x(u + dice.jitter(0.01)), p.y(v + dice.jitter(0.008)));
        let r = p.s(dice.range(0.028, 0.04));
        match kind {
            0 => {
                // An empty slot: the dark car behind, a light rim where the metal is pressed.
                canvas.paint(
                    &shapes::ellipse(cx, cy, r * 1.5, r * 1.2, w, h),
                    ground_at(v).shade(0.25),
                    0.8,
                );
                canvas.paint(
                    &shapes::ellipse(cx, cy, r * 1.2, r * 0.85, w, h),
                    Rgb::hex(0x202020),
                    1.0,
                );
            }
            1 => {
                canvas.paint_with(
                    &shapes::ellipse(cx, cy, r * 1.35, r * 1.35, w, h),
                    1.0,
                    |x, y| {
                        let d = ((x - cx + r * 0.4).powi(2) + (y - cy + r * 0.4).powi(2)).sqrt()
                            / (r * 2.0);
                        Rgb::grey(0.9 - 0.5 * d.min(1.0))
                    },
                );
                canvas.paint(
                    &shapes::line(
                        Point::new(cx - r, cy),
                        Point::new(cx + r, cy),
                        r * 0.25,
                        w,
                        h,
                    ),
                    Rgb::grey(0.3),
                    0.8,
                );
            }
            _ => {
                let c = if dice.chance(0.5) {
                    Rgb::grey(0.85)
                } else {
                    *dice.pick(VIVID)
                };
                canvas.paint(&shapes::ellipse(cx, cy, r * 1.3, r * 1.3, w, h), c, 1.0);
                canvas.paint(
                    &shapes::ellipse(cx - r * 0.3, cy - r * 0.3, r * 0.4, r * 0.4, w, h),
                    Rgb::WHITE,
                    0.5,
                );
            }
        }
    }
}

/// The plate's pressed rim, sometimes with a printed border line inside it.
pub(crate) fn rim(canvas: &mut Canvas, p: Place, dice: &mut Dice, edge: Rgb) {
    let (w, h) = (canvas.w, canvas.h);
    let r = p.s(0.06);
    let outer = shapes::rounded_ring(
        [p.x(0.0), p.y(0.0), p.x(2.0), p.y(1.0)],
        r,
        p.s(0.018),
        w,
        h,
    );
    canvas.paint(&outer, edge, 0.55);
    if dice.chance(0.3) {
        let inset = p.s(0.035);
        let m = shapes::rounded_ring(
            [
                p.x(0.0) + inset,
                p.y(0.0) + inset,
                p.x(2.0) - inset,
                p.y(1.0) - inset,
            ],
            r * 0.7,
            p.s(0.012),
            w,
            h,
        );
        canvas.paint(&m, edge, 0.9);
    }
}

const DEALERS: &[&str] = &[
    "SMITH FORD",
    "CITY AUTO SALES",
    "HONDA OF ELMWOOD",
    "RIVERSIDE TOYOTA",
    "LAKE CHEVROLET",
    "MAIN ST MOTORS",
    "PREMIER NISSAN",
    "VALLEY DODGE",
    "I'D RATHER BE FISHING",
    "GO TEAM",
    "METRO KIA",
    "SUNSET HYUNDAI",
    "COUNTRY GMC",
    "UNIVERSITY ALUMNI",
];

/// A dealer's frame over the plate's edge; its bottom bar often hides the slogan.
pub(crate) fn frame(canvas: &mut Canvas, p: Place, fonts: &FontLibrary, dice: &mut Dice) {
    let (w, h) = (canvas.w, canvas.h);
    let colour = *dice.weighted(&[
        (Rgb::hex(0x161616), 6.0),
        (Rgb::hex(0xB9BDC2), 2.5),
        (Rgb::hex(0x4A4D52), 1.5),
        (Rgb::hex(0xC9A64B), 0.5),
        (Rgb::hex(0xF2F2F2), 0.5),
    ]);
    let out = p.m * dice.range(0.35, 0.8);
    let (top, side, bottom) = (
        dice.range(0.02, 0.07),
        dice.range(0.015, 0.05),
        dice.range(0.04, 0.13),
    );
    let outer = shapes::rounded_rect_points(
        p.x(0.0) - out,
        p.y(0.0) - out,
        p.x(2.0) + out,
        p.y(1.0) + out,
        p.s(0.1),
    );
    let mut inner = shapes::rounded_rect_points(
        p.x(side),
        p.y(top),
        p.x(2.0 - side),
        p.y(1.0 - bottom),
        p.s(0.05),
    );
    inner.reverse();
    let m = shapes::fill(&[outer, inner], w, h);
    let chrome = colour.luma() > 0.6;
    let (y_top, y_bot) = (p.y(0.0) - out, p.y(1.0) + out);
    canvas.paint_with(&m, 1.0, |_, y| {
        let t = ((y - y_top) / (y_bot - y_top)).clamp(0.0, 1.0);
        if chrome {
            colour.scale(1.05 - 0.35 * (t * 6.0).sin().abs())
        } else {
            colour.scale(1.25 - 0.4 * t)
        }
    });
    if bottom > 0.08 && dice.chance(0.75) {
        let text = *dice.pick(DEALERS);
        let ink = if colour.luma() > 0.5 {
            Rgb::hex(0x202020)
        } else {
            Rgb::grey(0.85)
        };
        let face = fonts.pick(Role::Header, dice.index(6));
        let s = Setting {
            face,
            cap: p.s(bottom * 0.45),
            squeeze: 1.0,
            tracking: p.s(0.01),
        }
        .fitted(text, p.s(1.6));
        s.draw_centred(
            canvas,
            text,
            p.x(1.0),
            p.y(1.0 - bottom * 0.25) + out * 0.2,
            ink,
        );
    }
}

/// Road grime: soft brown-grey patches, heavier low on the plate.
pub(crate) fn grime(canvas: &mut Canvas, p: Place, dice: &mut Dice, amount: f32) {
    let (w, h) = (canvas.w, canvas.h);
    let n = (amount * 14.0) as usize + 1;
    let dirt = Rgb::hex(0x5A4A3A);
    for _ in 0..n {
        let u = dice.range(0.0, 2.0);
        let v = dice.range(0.2, 1.0).max(dice.range(0.0, 1.0));
        let r = dice.range(0.05, 0.3);
        let m: Mask = shapes::ellipse(p.x(u), p.y(v), p.s(r * dice.range(1.0, 2.5)), p.s(r), w, h);
        canvas.paint(&m, dirt, amount * dice.range(0.05, 0.18));
    }
}
