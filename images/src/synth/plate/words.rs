//! The words printed on a plate: the state's name, a slogan or county, and the band they leave
//! for the characters.

use super::super::canvas::Canvas;
use super::super::colour::Rgb;
use super::super::fonts::{FontLibrary, Role};
use super::super::random::Dice;
use super::super::shapes;
use super::super::states::{COUNTIES, Design, EmblemPlace, HeaderStyle};
use super::super::text::Setting;
use super::Place;
use super::decor::Corners;
use super::look::{Look, SPECIALTY};

/// Where the printed words left room for the characters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Words {
    /// Top and bottom of the band the characters may use, in plate units.
    pub top: f32,
    pub bottom: f32,
    pub corners: Corners,
}

pub(crate) fn words(
    fonts: &FontLibrary,
    canvas: &mut Canvas,
    p: Place,
    d: &Design,
    look: &Look,
    dice: &mut Dice,
) -> Words {
    let header_bottom = d.header_bottom;
    let header_text = if look.header_upper {
        d.name.to_uppercase()
    } else {
        d.header.to_string()
    };
    let (role, cap) = match look.header_style {
        HeaderStyle::Script => (Role::Script, dice.range(0.15, 0.19)),
        HeaderStyle::Serif => (Role::Header, dice.range(0.12, 0.16)),
        HeaderStyle::Sans => (Role::Header, dice.range(0.11, 0.15)),
    };
    let face_index = match look.header_style {
        HeaderStyle::Serif => dice.index(3),
        HeaderStyle::Sans => 3 + dice.index(3),
        HeaderStyle::Script => dice.index(fonts.count(Role::Script)),
    };
    let face = fonts.pick(role, face_index);
    let header = Setting {
        face,
        cap: p.s(cap),
        squeeze: dice.range(0.9, 1.1),
        tracking: p.s(if header_text.len() < 9 {
            dice.range(0.0, 0.04)
        } else {
            0.0
        }),
    }
    .fitted(&header_text, p.s(1.45));
    let header_base = if header_bottom {
        dice.range(0.9, 0.95)
    } else {
        0.05 + cap + dice.range(0.0, 0.02)
    };
    header.draw_centred(
        canvas,
        &header_text,
        p.x(1.0 + dice.jitter(0.03)),
        p.y(header_base),
        look.header_colour,
    );

    let mut slogan = d
        .slogans
        .get(dice.index(d.slogans.len()))
        .copied()
        .unwrap_or("")
        .to_string();
    if look.header_upper {
        slogan.clear();
    } else if look
        .emblem
        .is_some_and(|(_, place)| place == EmblemPlace::Left)
        && look.scenery.is_empty()
        && dice.chance(0.8)
    {
        slogan = (*dice.pick(SPECIALTY)).to_string();
    }
    let county = d.counties && dice.chance(0.6);
    let small_cap = dice.range(0.06, 0.085);
    let small_base = if header_bottom {
        0.05 + small_cap + 0.01
    } else {
        dice.range(0.91, 0.95)
    };
    let small = fonts.pick(Role::Small, dice.index(fonts.count(Role::Small)));
    if county {
        let name = *dice.pick(COUNTIES);
        let s = Setting {
            face: fonts.pick(Role::Header, 3),
            cap: p.s(small_cap * 1.2),
            squeeze: 1.0,
            tracking: p.s(0.01),
        };
        let tw = s.width(name);
        let (bx0, bx1) = (
            p.x(1.0) - tw / 2.0 - p.s(0.06),
            p.x(1.0) + tw / 2.0 + p.s(0.06),
        );
        let (by0, by1) = (
            p.y(small_base - small_cap * 1.2 - 0.03),
            p.y(small_base + 0.03),
        );
        let dark = dice.chance(0.4);
        let box_colour = if dark { look.text } else { Rgb::hex(0xFAFAFA) };
        canvas.paint(
            &shapes::rect(bx0, by0, bx1, by1, canvas.w, canvas.h),
            box_colour,
            1.0,
        );
        s.draw_centred(
            canvas,
            name,
            p.x(1.0),
            p.y(small_base),
            if dark { Rgb::WHITE } else { Rgb::hex(0x141414) },
        );
    } else if !slogan.is_empty() {
        let s = Setting {
            face: small,
            cap: p.s(small_cap),
            squeeze: 1.0,
            tracking: 0.0,
        }
        .fitted(&slogan, p.s(1.3));
        s.draw_centred(
            canvas,
            &slogan,
            p.x(1.0),
            p.y(small_base),
            look.slogan_colour,
        );
    }
    let has_small = county || !slogan.is_empty();
    let (top, bottom) = if header_bottom {
        (
            if has_small { small_base + 0.04 } else { 0.1 },
            header_base - cap - 0.04,
        )
    } else {
        (
            header_base + 0.04,
            if has_small {
                small_base - small_cap - 0.04 - 0.03 * county as u8 as f32
            } else {
                0.9
            },
        )
    };
    Words {
        top,
        bottom,
        corners: Corners::default(),
    }
}
