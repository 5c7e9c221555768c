//! The street behind the cars: sky, buildings with their signs, the road and its markings, and
//! parked cars seen side-on.

use super::super::canvas::Canvas;
use super::super::colour::Rgb;
use super::super::fonts::{FontLibrary, Role};
use super::super::geometry::Point;
use super::super::random::Dice;
use super::super::shapes;
use super::super::text::Setting;
use super::view::View;

/// Time of day, which sets the sky and the lights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Light {
    Day,
    Overcast,
    Dusk,
    Night,
}

impl Light {
    pub fn random(dice: &mut Dice) -> Light {
        *dice.weighted(&[
            (Light::Day, 6.0),
            (Light::Overcast, 2.0),
            (Light::Dusk, 1.2),
            (Light::Night, 1.0),
        ])
    }

    /// How much daylight reaches things (1 at noon).
    pub fn ambient(self) -> f32 {
        match self {
            Light::Day => 1.0,
            Light::Overcast => 0.8,
            Light::Dusk => 0.55,
            Light::Night => 0.22,
        }
    }
}

/// Half the road's width, metres.
pub(crate) fn road_half_width(lanes: usize) -> f32 {
    lanes as f32 * 3.6 / 2.0
}

/// Draws the street (everything but the cars with readable plates).
pub(crate) fn draw(
    c: &mut Canvas,
    view: &View,
    light: Light,
    lanes: usize,
    fonts: &FontLibrary,
    dice: &mut Dice,
) {
    sky(c, view, light, dice);
    let half = road_half_width(lanes) + dice.range(0.0, 1.5);
    buildings(c, view, light, half, fonts, dice);
    road(c, view, light, half, lanes, dice);
    signs(c, view, light, half, fonts, dice);
    parked(c, view, light, half, fonts, dice);
}

fn sky(c: &mut Canvas, view: &View, light: Light, dice: &mut Dice) {
    let (top, low) = match light {
        Light::Day => (Rgb::hex(0x4F86C6), Rgb::hex(0xC8DDF0)),
        Light::Overcast => (Rgb::hex(0x9AA3AD), Rgb::hex(0xD6DADF)),
        Light::Dusk => (Rgb::hex(0x3B3F6B), Rgb::hex(0xF2A65E)),
        Light::Night => (Rgb::hex(0x05070E), Rgb::hex(0x1C2233)),
    };
    let (top, low) = (top.vary(dice, 0.05), low.vary(dice, 0.05));
    let hz = view.horizon.max(1.0);
    c.shade_with(|_, y| top.mix(low, (y / hz).clamp(0.0, 1.0)));
}

const SHOP_WORDS: &[&str] = &[
    "PIZZA",
    "DINER",
    "PHARMACY",
    "AUTO PARTS",
    "OPEN 24 HRS",
    "BANK",
    "HARDWARE",
    "LIQUOR",
    "CAFE",
    "MOTEL",
    "TIRES",
    "DENTAL",
    "GROCERY",
    "SALE 50% OFF",
    "FOR LEASE",
    "BAKERY",
    "LAUNDROMAT",
    "GAS",
    "CAR WASH",
    "BURGERS",
    "NAILS",
    "PAWN",
    "VIDEO",
    "MARKET",
];
const PLATELIKE: &[&str] = &[
    "555-0142",
    "1247",
    "NO PARKING",
    "P 2HR",
    "EXIT 12",
    "ROUTE 66",
    "I-95",
    "4521",
    "LOT B7",
    "ZONE 3",
    "TOW AWAY",
    "BUS ONLY",
    "AB 1234",
    "KEEP RIGHT",
    "ONE WAY",
    "PM 4-6",
];

fn building_colour(dice: &mut Dice) -> Rgb {
    *dice.pick(&[
        Rgb::hex(0xA0522D),
        Rgb::hex(0xC2B280),
        Rgb::hex(0x8B8C89),
        Rgb::hex(0xD9D4C7),
        Rgb::hex(0x6E6A64),
        Rgb::hex(0xB5651D),
        Rgb::hex(0x9FA8B0),
    ])
}

/// A word on a painted board; clutter a detector must learn is not a plate.
fn sign_text(
    c: &mut Canvas,
    fonts: &FontLibrary,
    dice: &mut Dice,
    text: &str,
    rect: [f32; 4],
    (board, ink): (Rgb, Rgb),
) {
    let [x0, y0, x1, y1] = rect;
    if x1 - x0 < 6.0 || y1 - y0 < 4.0 {
        return;
    }
    let m = shapes::rect(x0, y0, x1, y1, c.w, c.h);
    c.paint(&m, board, 1.0);
    let role = if dice.chance(0.7) {
        Role::Header
    } else {
        Role::Serial
    };
    let face = fonts.pick(role, dice.index(fonts.count(role)));
    let cap = (y1 - y0) * dice.range(0.45, 0.65);
    let s = Setting {
        face,
        cap,
        squeeze: dice.range(0.8, 1.1),
        tracking: cap * 0.05,
    }
    .fitted(text, (x1 - x0) * 0.9);
    s.draw_centred(c, text, (x0 + x1) / 2.0, (y0 + y1) / 2.0 + s.cap / 2.0, ink);
}

fn buildings(
    c: &mut Canvas,
    view: &View,
    light: Light,
    half: f32,
    fonts: &FontLibrary,
    dice: &mut Dice,
) {
    let amb = light.ambient();
    for side in [-1.0f32, 1.0] {
        let setback = half + dice.range(3.0, 7.0);
        let mut z = dice.range(8.0, 15.0);
        while z < 260.0 {
            let depth = dice.range(8.0, 25.0);
            let height = dice.range(4.0, 16.0);
            let colour = building_colour(dice).scale(amb);
            let near_a = view.project(side * setback, 0.0, z);
            let near_b = view.project(side * setback, height, z);
            let far_a = view.project(side * setback, 0.0, z + depth);
            let far_b = view.project(side * setback, height, z + depth);
            let facade = shapes::polygon(&[near_b, far_b, far_a, near_a], c.w, c.h);
            c.paint(&facade, colour, 1.0);
            // Windows on the facade, lit at night.
            let rows = (height / 3.2) as usize;
            let cols = (depth / 3.0) as usize;
            for r in 0..rows {
                for k in 0..cols {
                    let (zz0, zz1) = (z + k as f32 * 3.0 + 0.6, z + k as f32 * 3.0 + 2.2);
                    let (y0, y1) = (1.0 + r as f32 * 3.2 + 0.8, 1.0 + r as f32 * 3.2 + 2.4);
                    if y1 > height {
                        continue;
                    }
                    let pts = [
                        view.project(side * setback, y1, zz0),
                        view.project(side * setback, y1, zz1),
                        view.project(side * setback, y0, zz1),
                        view.project(side * setback, y0, zz0),
                    ];
                    let lit = light == Light::Night && dice.chance(0.35);
                    let glass = if lit {
                        Rgb::hex(0xF3D98B)
                    } else {
                        Rgb::hex(0x2C3440).scale(0.6 + 0.4 * amb)
                    };
                    c.paint(&shapes::polygon(&pts, c.w, c.h), glass, 0.9);
                }
            }
            // A shop sign along the ground floor: the facade's text.
            if dice.chance(0.6) {
                let sz0 = z + dice.range(0.5, depth * 0.3);
                let sz1 = sz0 + dice.range(2.0, depth * 0.6);
                let (sy0, sy1) = (2.6, 2.6 + dice.range(0.6, 1.2));
                let a = view.project(side * (setback - 0.05), sy1, sz0);
                let b = view.project(side * (setback - 0.05), sy0, sz1);
                let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
                let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
                let words = if dice.chance(0.25) {
                    PLATELIKE
                } else {
                    SHOP_WORDS
                };
                let text = *dice.pick(words);
                let board = crate::synth::colour::VIVID
                    [dice.index(crate::synth::colour::VIVID.len())]
                .scale(0.4 + 0.6 * amb);
                let ink = if board.luma() > 0.5 {
                    Rgb::hex(0x111111)
                } else {
                    Rgb::WHITE
                };
                // Drawn square-on: at these angles the skew hardly shows, and a level board is
                // the harder negative.
                let yh = y1 - y0;
                let ym = (a.y + b.y) / 2.0;
                let rect = [x0, ym - yh * 0.3, x1, ym + yh * 0.3];
                sign_text(c, fonts, dice, text, rect, (board, ink));
            }
            z += depth + dice.range(0.0, 4.0);
        }
        // Trees in front of some buildings.
        for _ in 0..dice.int(0, 4) {
            let z = dice.range(10.0, 80.0);
            let x = side * (half + dice.range(1.0, 3.0));
            let base = view.project(x, 0.0, z);
            let top = view.project(x, dice.range(4.0, 8.0), z);
            let r = view.scale_at(z) * dice.range(1.2, 2.5);
            let trunk = shapes::line(
                base,
                Point::new(top.x, (top.y + base.y) / 2.0),
                view.scale_at(z) * 0.25,
                c.w,
                c.h,
            );
            c.paint(&trunk, Rgb::hex(0x4A3628).scale(amb), 1.0);
            let crown = shapes::ellipse(top.x, top.y, r, r * 0.9, c.w, c.h);
            c.paint(&crown, Rgb::hex(0x3F6B35).vary(dice, 0.06).scale(amb), 1.0);
        }
    }
}

fn road(c: &mut Canvas, view: &View, light: Light, half: f32, lanes: usize, dice: &mut Dice) {
    let amb = light.ambient();
    let far = 400.0;
    let near = 1.0;
    let (w, h) = (c.w, c.h);
    // Sidewalks then asphalt, as ground planes from near to far.
    let walk = Rgb::hex(0xA7A49C).vary(dice, 0.05).scale(amb);
    for side in [-1.0f32, 1.0] {
        let pts = [
            view.project(side * half, 0.0, near),
            view.project(side * (half + 60.0), 0.0, near),
            view.project(side * (half + 60.0), 0.0, far),
            view.project(side * half, 0.0, far),
        ];
        c.paint(&shapes::polygon(&pts, w, h), walk, 1.0);
    }
    let asphalt = Rgb::hex(0x4B4D50).vary(dice, 0.06).scale(amb);
    let pts = [
        view.project(-half, 0.0, near),
        view.project(half, 0.0, near),
        view.project(half, 0.0, far),
        view.project(-half, 0.0, far),
    ];
    let hz = view.horizon;
    let hh = h as f32;
    c.paint_with(&shapes::polygon(&pts, w, h), 1.0, |_, y| {
        let t = ((y - hz) / (hh - hz).max(1.0)).clamp(0.0, 1.0);
        asphalt.mix(asphalt.scale(1.25), 1.0 - t)
    });
    // Kerbs.
    for side in [-1.0f32, 1.0] {
        let pts = [
            view.project(side * half, 0.15, near),
            view.project(side * (half + 0.2), 0.15, near),
            view.project(side * (half + 0.2), 0.15, far),
            view.project(side * half, 0.15, far),
        ];
        c.paint(
            &shapes::polygon(&pts, w, h),
            Rgb::hex(0xC9C6BE).scale(amb),
            0.9,
        );
    }
    // Lane lines: dashed white between lanes, a yellow centre line on two-way streets.
    let paint_white = Rgb::hex(0xE8E8E2).scale(0.4 + 0.6 * amb);
    let yellow = Rgb::hex(0xE3B23C).scale(0.4 + 0.6 * amb);
    let two_way = dice.chance(0.5);
    for k in 1..lanes {
        let x = -half + k as f32 * 3.6;
        let centre = two_way && k == lanes / 2;
        let mut z = near + dice.range(0.0, 6.0);
        while z < far {
            let len = if centre { 12.0 } else { 3.0 };
            let pts = [
                view.project(x - 0.07, 0.0, z),
                view.project(x + 0.07, 0.0, z),
                view.project(x + 0.07, 0.0, z + len),
                view.project(x - 0.07, 0.0, z + len),
            ];
            c.paint(
                &shapes::polygon(&pts, w, h),
                if centre { yellow } else { paint_white },
                0.85,
            );
            z += 12.0;
        }
    }
    // Patches and cracks: the asphalt is never one flat grey.
    for _ in 0..dice.int(3, 12) {
        let z = dice.range(4.0, 60.0);
        let x = dice.range(-half, half);
        let p = view.project(x, 0.0, z);
        let s = view.scale_at(z);
        let m = shapes::ellipse(
            p.x,
            p.y,
            s * dice.range(0.3, 2.0),
            s * dice.range(0.05, 0.3),
            w,
            h,
        );
        c.paint(&m, asphalt.scale(dice.range(0.7, 1.2)), 0.5);
    }
}

const STREETS: &[&str] = &[
    "MAIN ST",
    "OAK AVE",
    "W 5TH ST",
    "ELM ST",
    "PARK BLVD",
    "MAPLE DR",
    "2ND AVE",
    "LINCOLN WAY",
    "RIVER RD",
];

fn signs(
    c: &mut Canvas,
    view: &View,
    light: Light,
    half: f32,
    fonts: &FontLibrary,
    dice: &mut Dice,
) {
    let amb = 0.4 + 0.6 * light.ambient();
    for _ in 0..dice.int(1, 4) {
        let side = if dice.chance(0.5) { -1.0 } else { 1.0 };
        let z = dice.range(8.0, 60.0);
        let x = side * (half + dice.range(0.5, 2.0));
        let pole_top = dice.range(2.2, 3.2);
        let base = view.project(x, 0.0, z);
        let top = view.project(x, pole_top, z);
        let s = view.scale_at(z);
        c.paint(
            &shapes::line(base, top, (s * 0.07).max(1.0), c.w, c.h),
            Rgb::hex(0x777B80).scale(amb),
            1.0,
        );
        let kind = dice.index(4);
        let (bw, bh, board, ink, text): (f32, f32, Rgb, Rgb, String) = match kind {
            0 => (
                0.9,
                0.22,
                Rgb::hex(0x1E6B43),
                Rgb::WHITE,
                (*dice.pick(STREETS)).to_string(),
            ),
            1 => (
                0.6,
                0.75,
                Rgb::hex(0xF4F4F0),
                Rgb::hex(0x111111),
                format!("SPEED LIMIT {}", dice.int(2, 7) * 5 + 5),
            ),
            2 => (
                0.45,
                0.3,
                Rgb::hex(0xF4F4F0),
                Rgb::hex(0x111111),
                (*dice.pick(PLATELIKE)).to_string(),
            ),
            _ => (
                0.75,
                0.75,
                Rgb::hex(0xC62828),
                Rgb::WHITE,
                "STOP".to_string(),
            ),
        };
        let (x0, y0) = (top.x - bw * s / 2.0, top.y);
        let (x1, y1) = (top.x + bw * s / 2.0, top.y + bh * s);
        if kind == 1 {
            // Two lines: the words small, the number large.
            let m = shapes::rect(x0, y0, x1, y1, c.w, c.h);
            c.paint(&m, board.scale(amb), 1.0);
            let face = fonts.pick(Role::Header, 3);
            let words = Setting {
                face,
                cap: bh * s * 0.12,
                squeeze: 1.0,
                tracking: 0.0,
            }
            .fitted("SPEED LIMIT", (x1 - x0) * 0.85);
            words.draw_centred(c, "SPEED LIMIT", top.x, y0 + bh * s * 0.25, ink);
            let number = text.rsplit(' ').next().unwrap_or("35");
            let big = Setting {
                face: fonts.pick(Role::Serial, 0),
                cap: bh * s * 0.45,
                squeeze: 1.0,
                tracking: 0.0,
            };
            big.draw_centred(c, number, top.x, y0 + bh * s * 0.85, ink);
        } else {
            sign_text(
                c,
                fonts,
                dice,
                &text,
                [x0, y0, x1, y1],
                (board.scale(amb), ink),
            );
        }
    }
}

/// Cars parked along the kerb far down the street: small enough that their plates do not
/// show, so they carry none.
fn parked(
    c: &mut Canvas,
    view: &View,
    light: Light,
    half: f32,
    fonts: &FontLibrary,
    dice: &mut Dice,
) {
    let mut spots: Vec<(f32, f32)> = (0..dice.int(0, 5))
        .map(|_| {
            let side = if dice.chance(0.5) { -1.0 } else { 1.0 };
            // Far enough that a plate would be under 30 pixels wide.
            let z = view.distance_for_plate(30.0) * dice.range(1.05, 2.5);
            (side * (half - 1.1), z)
        })
        .collect();
    spots.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (x, z) in spots {
        let car = super::car::Car::random(dice, false);
        car.draw(c, view, x, z, light, fonts);
    }
}
