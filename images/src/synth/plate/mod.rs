//! One plate drawn flat and face-on, with where each character is: the artwork a camera
//! view is then made from.

mod decor;
mod emblem;
mod layout;
mod look;
mod words;

use super::canvas::Canvas;
use super::fonts::FontLibrary;
use super::geometry::{Quad, rect_quad};
use super::random::Dice;
use super::serial;
use super::shapes;
use super::states::{Design, EmblemPlace};
use look::Look;

pub(crate) use layout::Glyph;

/// Plate-height units to pixels on the artwork canvas (the plate is 2 by 1 units, inside a
/// margin where a frame may reach).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub m: f32,
    pub ph: f32,
}

impl Place {
    pub fn x(&self, u: f32) -> f32 {
        self.m + u * self.ph
    }
    pub fn y(&self, v: f32) -> f32 {
        self.m + v * self.ph
    }
    pub fn s(&self, len: f32) -> f32 {
        len * self.ph
    }
}

/// What the caller fixes about a plate; the rest is drawn from the dice.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlateSpec {
    pub text: Option<String>,
    pub vanity_share: f32,
    /// Share of plates in a dealer frame.
    pub frame_share: f32,
}

/// A plate's artwork on a canvas with a transparent surround.
#[derive(Debug)]
pub(crate) struct PlateArt {
    pub canvas: Canvas,
    /// The plate's corners on the canvas.
    pub plate: Quad,
    /// The registration's characters in order, with their ink boxes.
    pub glyphs: Vec<Glyph>,
    /// Small stacked letters (not part of the registration).
    pub stacked: Vec<Glyph>,
    /// The registration is set in two rows.
    pub two_rows: bool,
    pub text: String,
    pub state: &'static str,
    pub vanity: bool,
}

/// Draws `design`'s plate with the plate `ph` pixels tall.
pub(crate) fn draw(
    fonts: &FontLibrary,
    design: &'static Design,
    spec: &PlateSpec,
    dice: &mut Dice,
    ph: f32,
) -> PlateArt {
    let ph = ph.max(24.0);
    let m = (ph * 0.16).ceil();
    let place = Place { m, ph };
    let (w, h) = (
        (2.0 * ph + 2.0 * m).ceil() as usize,
        (ph + 2.0 * m).ceil() as usize,
    );
    let outline_seed = design
        .code
        .bytes()
        .fold(17u64, |a, b| a.wrapping_mul(31).wrapping_add(b as u64));

    let mut look = Look::of(design, dice);
    let serial = match &spec.text {
        Some(t) => serial::given(t, design),
        None => serial::issue(design, dice, spec.vanity_share),
    };
    if serial.vanity && dice.chance(0.5) {
        look.gap_emblem = false;
    }

    // The face is drawn opaque, then cut to the plate's rounded outline.
    let mut face = Canvas::transparent(w, h);
    let bg = look.background;
    let y0 = place.y(0.0);
    face.shade_with(|_, y| decor::ground(&bg, (y - y0) / ph));
    let mut scenery_dice = dice.fork();
    for s in look.scenery {
        decor::scenery(&mut face, place, s, &mut scenery_dice, outline_seed);
    }
    if let Some((em, EmblemPlace::Behind)) = look.emblem {
        emblem::draw(
            &mut face,
            em,
            place.x(1.0),
            place.y(0.55),
            place.s(0.75),
            dice.range(0.35, 0.6),
            outline_seed,
        );
    }

    let words = words::words(fonts, &mut face, place, design, &look, dice);
    let mut layout_dice = dice.fork();
    let laid = layout::characters(
        fonts,
        &mut face,
        place,
        design,
        &serial,
        &look,
        words,
        &mut layout_dice,
        outline_seed,
    );
    decor::stickers(&mut face, place, fonts, dice, words.corners);
    if dice.chance(0.8) {
        let bg2 = look.background;
        decor::bolts(&mut face, place, dice, |v| decor::ground(&bg2, v));
    }
    decor::rim(
        &mut face,
        place,
        dice,
        look.text.mix(decor::ground(&bg, 0.5), 0.3),
    );
    if dice.chance(0.35) {
        let amount = dice.range(0.1, 1.0);
        decor::grime(&mut face, place, dice, amount);
    }

    let outline = shapes::rounded_rect(
        place.x(0.0),
        place.y(0.0),
        place.x(2.0),
        place.y(1.0),
        place.s(0.06),
        w,
        h,
    );
    let mut canvas = face;
    for y in 0..h {
        for x in 0..w {
            let (mx, my) = (x as i32 - outline.x0, y as i32 - outline.y0);
            let a = if mx < 0 || my < 0 || mx >= outline.w as i32 || my >= outline.h as i32 {
                0.0
            } else {
                outline.a[my as usize * outline.w + mx as usize]
            };
            let p = &mut canvas.px[y * w + x];
            *p = [p[0] * a, p[1] * a, p[2] * a, a];
        }
    }
    if dice.chance(spec.frame_share) {
        decor::frame(&mut canvas, place, fonts, dice);
    }

    PlateArt {
        canvas,
        plate: rect_quad(place.x(0.0), place.y(0.0), place.x(2.0), place.y(1.0)),
        text: serial.text(),
        glyphs: laid.glyphs,
        stacked: laid.stacked,
        two_rows: laid.two_rows,
        state: design.code,
        vanity: serial.vanity,
    }
}
