//! Cars seen from behind or ahead, built from a few boxes in metres and projected: enough of a
//! car (bumper, lights, glass, wheels, shadow) that plates sit where plates sit.

use super::super::canvas::Canvas;
use super::super::colour::{CAR_PAINT, Rgb};
use super::super::fonts::{FontLibrary, Role};
use super::super::geometry::Quad;
use super::super::random::Dice;
use super::super::shapes;
use super::super::text::Setting;
use super::street::Light;
use super::view::{PLATE_WIDTH_M, View};

/// One car's build, drawn from its own dice so it looks the same in every frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Car {
    pub paint: Rgb,
    pub width: f32,
    pub height: f32,
    pub length: f32,
    /// Centre of the plate above the road, metres.
    pub plate_y: f32,
    /// Sideways offset of the plate from the car's centre line, metres.
    pub plate_dx: f32,
    /// Seen from ahead (headlights, grille) rather than from behind.
    pub front: bool,
    pub badge: Option<&'static str>,
    pub sticker: Option<&'static str>,
}

const BADGES: &[&str] = &[
    "HYBRID", "LX", "SPORT", "4X4", "AWD", "LIMITED", "XLE", "EX-L", "V6", "SE",
];
const STICKERS: &[&str] = &[
    "HONK IF",
    "COEXIST",
    "STUDENT DRIVER",
    "26.2",
    "MY KID IS AN HONOR STUDENT",
    "OBX",
    "BABY ON BOARD",
];

impl Car {
    pub fn random(dice: &mut Dice, front: bool) -> Car {
        let kind = dice.index(3);
        let (width, height, length) = match kind {
            0 => (
                dice.range(1.72, 1.85),
                dice.range(1.38, 1.5),
                dice.range(4.4, 4.9),
            ),
            1 => (
                dice.range(1.8, 1.95),
                dice.range(1.65, 1.85),
                dice.range(4.5, 5.0),
            ),
            _ => (
                dice.range(1.9, 2.05),
                dice.range(1.9, 2.2),
                dice.range(5.0, 5.8),
            ),
        };
        Car {
            paint: dice.weighted(CAR_PAINT).vary(dice, 0.04),
            width,
            height,
            length,
            plate_y: if front {
                dice.range(0.35, 0.5)
            } else {
                dice.range(0.42, 0.75)
            },
            plate_dx: if dice.chance(0.1) {
                dice.jitter(0.25)
            } else {
                0.0
            },
            front,
            badge: dice.chance(0.5).then(|| *dice.pick(BADGES)),
            sticker: dice.chance(0.2).then(|| *dice.pick(STICKERS)),
        }
    }

    /// The car's outline on screen at `(x, z)` (its rear or front face), for overlap checks:
    /// x0, y0, x1, y1.
    pub fn screen_box(&self, view: &View, x: f32, z: f32) -> [f32; 4] {
        let a = view.project(x - self.width / 2.0, self.height, z);
        let b = view.project(x + self.width / 2.0, 0.0, z);
        [a.x, a.y, b.x, b.y]
    }

    /// Where the plate's corners land, upright and facing the camera, with a slight tilt.
    pub fn plate_quad(&self, view: &View, x: f32, z: f32, tilt: f32) -> Quad {
        let (pw, ph) = (PLATE_WIDTH_M / 2.0, PLATE_WIDTH_M / 4.0);
        let cx = x + self.plate_dx;
        let (c, s) = (tilt.cos(), tilt.sin());
        let corner = |dx: f32, dy: f32| {
            let (rx, ry) = (dx * c - dy * s, dx * s + dy * c);
            view.project(cx + rx, self.plate_y + ry, z - 0.02)
        };
        [
            corner(-pw, ph),
            corner(pw, ph),
            corner(pw, -ph),
            corner(-pw, -ph),
        ]
    }

    /// Draws the car with its face at distance `z`, centred `x` metres from the camera's axis.
    pub fn draw(
        &self,
        c: &mut Canvas,
        view: &View,
        x: f32,
        z: f32,
        light: Light,
        fonts: &FontLibrary,
    ) {
        let amb = light.ambient();
        let (w, h) = (c.w, c.h);
        let half = self.width / 2.0;
        let p = |dx: f32, y: f32| view.project(x + dx, y, z);
        let paint = self.paint.scale(0.35 + 0.65 * amb);
        let dark = Rgb::hex(0x141518).scale(0.5 + 0.5 * amb);
        let glass = Rgb::hex(0x1D242C).scale(0.5 + 0.5 * amb);

        // Shadow on the road under the car, darkest at its middle.
        let g0 = view.project(x - half * 1.02, 0.0, z + 0.1);
        let g1 = view.project(x + half * 1.02, 0.0, z + self.length);
        let g2 = view.project(x - half * 1.02, 0.0, z + self.length);
        let shadow = shapes::polygon(
            &[g0, view.project(x + half * 1.02, 0.0, z + 0.1), g1, g2],
            w,
            h,
        );
        c.paint(&shadow, Rgb::BLACK, 0.35 * amb + 0.15);

        // The side the camera sees, when the car is off the camera's axis.
        let side = if x > 0.0 { -half } else { half };
        let far = z + self.length;
        let side_poly = [
            view.project(x + side, self.height * 0.62, z),
            view.project(x + side, self.height * 0.62, far),
            view.project(x + side, 0.25, far),
            view.project(x + side, 0.25, z),
        ];
        c.paint(&shapes::polygon(&side_poly, w, h), paint.scale(0.75), 1.0);
        let side_glass = [
            view.project(x + side * 0.8, self.height * 0.97, z + 0.8),
            view.project(x + side * 0.8, self.height * 0.97, far - 1.2),
            view.project(x + side, self.height * 0.62, far - 0.8),
            view.project(x + side, self.height * 0.62, z + 0.4),
        ];
        c.paint(&shapes::polygon(&side_glass, w, h), glass, 1.0);

        // Wheels below the body.
        for sx in [-1.0f32, 1.0] {
            let a = p(sx * (half - 0.32), 0.62);
            let b = p(sx * (half - 0.02), 0.0);
            c.paint(
                &shapes::rounded_rect(
                    a.x.min(b.x),
                    a.y,
                    a.x.max(b.x),
                    b.y,
                    (b.y - a.y) * 0.2,
                    w,
                    h,
                ),
                dark,
                1.0,
            );
        }
        // Body: lower half, then the cabin narrowing to the roof.
        let body_top = self.height * 0.62;
        let a = p(-half, body_top);
        let b = p(half, 0.2);
        let ys = (a.y, b.y);
        c.paint_with(
            &shapes::rounded_rect(a.x, a.y, b.x, b.y, (b.x - a.x) * 0.04, w, h),
            1.0,
            |_, y| {
                let t = ((y - ys.0) / (ys.1 - ys.0)).clamp(0.0, 1.0);
                paint.scale(1.1 - 0.25 * t)
            },
        );
        let cabin = [
            p(-half * 0.75, self.height),
            p(half * 0.75, self.height),
            p(half * 0.95, body_top),
            p(-half * 0.95, body_top),
        ];
        c.paint(&shapes::polygon(&cabin, w, h), paint.scale(0.95), 1.0);
        let window = [
            p(-half * 0.68, self.height * 0.96),
            p(half * 0.68, self.height * 0.96),
            p(half * 0.86, body_top + 0.05),
            p(-half * 0.86, body_top + 0.05),
        ];
        let wy = (window[0].y, window[3].y);
        c.paint_with(&shapes::polygon(&window, w, h), 1.0, |_, y| {
            let t = ((y - wy.0) / (wy.1 - wy.0)).clamp(0.0, 1.0);
            glass.mix(Rgb::hex(0x8DA2B5).scale(amb), 0.35 * (1.0 - t))
        });

        // Bumper.
        let bump_top = (self.plate_y - 0.2).max(0.25);
        let a = p(-half * 1.01, bump_top);
        let b = p(half * 1.01, 0.18);
        let bumper_colour = if self.front {
            paint.scale(0.85)
        } else {
            paint.mix(dark, 0.3)
        };
        c.paint(
            &shapes::rounded_rect(a.x, a.y, b.x, b.y, (b.y - a.y) * 0.3, w, h),
            bumper_colour,
            1.0,
        );

        // Lights: tail lights behind, headlights and grille ahead.
        let lit = matches!(light, Light::Dusk | Light::Night);
        for sx in [-1.0f32, 1.0] {
            let a = p(sx * half * 0.97, body_top - 0.03);
            let b = p(sx * half * 0.68, body_top - 0.2);
            let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
            let lamp = if self.front {
                Rgb::hex(0xE8EEF2)
            } else {
                Rgb::hex(0xB3161B)
            };
            c.paint(
                &shapes::rounded_rect(x0, a.y, x1, b.y, (b.y - a.y) * 0.3, w, h),
                lamp.scale(0.5 + 0.5 * amb),
                1.0,
            );
            if lit {
                let (cx, cy) = ((x0 + x1) / 2.0, (a.y + b.y) / 2.0);
                let r = (x1 - x0) * 1.2;
                let glow = if self.front {
                    Rgb::hex(0xFFFBE8)
                } else {
                    Rgb::hex(0xFF3B30)
                };
                c.paint(&shapes::ellipse(cx, cy, r, r * 0.6, w, h), glow, 0.35);
                c.paint(
                    &shapes::ellipse(cx, cy, r * 0.4, r * 0.25, w, h),
                    Rgb::WHITE,
                    0.6,
                );
            }
        }
        if self.front {
            let a = p(-half * 0.45, body_top - 0.04);
            let b = p(half * 0.45, self.plate_y + 0.14);
            c.paint(
                &shapes::rounded_rect(a.x, a.y, b.x, b.y, (b.y - a.y) * 0.2, w, h),
                dark,
                1.0,
            );
            let n = 4;
            for k in 1..n {
                let y = a.y + (b.y - a.y) * k as f32 / n as f32;
                c.paint(
                    &shapes::rect(a.x, y - 0.5, b.x, y + 0.5, w, h),
                    paint.scale(0.6),
                    0.8,
                );
            }
        }
        // The plate's recess.
        let q = self.plate_quad(view, x, z, 0.0);
        let pad = view.scale_at(z) * 0.04;
        let recess = shapes::rounded_rect(
            q[0].x - pad,
            q[0].y - pad,
            q[2].x + pad,
            q[2].y + pad,
            pad,
            w,
            h,
        );
        c.paint(&recess, paint.mix(dark, 0.6), 0.8);

        // Words on the car: a model badge, a bumper sticker.
        let s = view.scale_at(z);
        if let Some(badge) = self.badge.filter(|_| !self.front) {
            let face = fonts.pick(Role::Header, 3);
            let set = Setting {
                face,
                cap: s * 0.045,
                squeeze: 1.0,
                tracking: s * 0.005,
            };
            let at = p(half * 0.55, body_top - 0.28);
            set.draw_centred(c, badge, at.x, at.y, Rgb::grey(0.75).scale(0.5 + 0.5 * amb));
        }
        if let Some(text) = self.sticker.filter(|_| !self.front) {
            let at = p(-half * 0.6, bump_top - 0.05);
            let (bw, bh) = (s * 0.28, s * 0.075);
            let m = shapes::rect(at.x - bw / 2.0, at.y, at.x + bw / 2.0, at.y + bh, w, h);
            c.paint(&m, Rgb::hex(0xF4F1E8).scale(0.5 + 0.5 * amb), 1.0);
            let face = fonts.pick(Role::Header, 4);
            let set = Setting {
                face,
                cap: bh * 0.5,
                squeeze: 1.0,
                tracking: 0.0,
            }
            .fitted(text, bw * 0.9);
            set.draw_centred(c, text, at.x, at.y + bh * 0.75, Rgb::hex(0x1A1A1A));
        }
    }
}
