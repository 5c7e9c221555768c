//! One plate's colours and parts: its state's standard design, or a specialty or older issue.

use super::super::colour::{Rgb, VIVID};
use super::super::random::Dice;
use super::super::states::{Background, Design, Emblem, EmblemPlace, HeaderStyle, Scenery};

/// One plate's colours and parts: the state's design, or a specialty or older issue of it.
#[derive(Debug, Clone)]
pub(crate) struct Look {
    pub background: Background,
    pub scenery: &'static [Scenery],
    pub text: Rgb,
    pub header_colour: Rgb,
    pub slogan_colour: Rgb,
    pub emblem: Option<(Emblem, EmblemPlace)>,
    pub gap_emblem: bool,
    pub embossed: bool,
    pub header_style: HeaderStyle,
    pub header_upper: bool,
}

pub(crate) const SPECIALTY: &[&str] = &[
    "SUPPORT EDUCATION",
    "PROTECT WILDLIFE",
    "DONATE LIFE",
    "VETERAN",
    "IN GOD WE TRUST",
    "STATE UNIVERSITY",
    "SAVE THE BAY",
    "FIREFIGHTER",
    "CHOOSE LIFE",
    "KIDS FIRST",
];

impl Look {
    pub fn of(d: &Design, dice: &mut Dice) -> Look {
        let roll = dice.unit();
        let mut look = Look {
            background: d.background,
            scenery: d.scenery,
            text: d.text.vary(dice, 0.04),
            header_colour: d.header_colour.vary(dice, 0.04),
            slogan_colour: d.slogan_colour.vary(dice, 0.04),
            emblem: d.emblem,
            gap_emblem: true,
            embossed: dice.chance(d.embossed),
            header_style: d.header_style,
            header_upper: false,
        };
        if roll < 0.12 {
            // A specialty plate: its own picture and colours, the state's name still on it.
            let light = dice.chance(0.75);
            let base = dice.pick(VIVID).mix(
                if light { Rgb::WHITE } else { Rgb::BLACK },
                dice.range(0.3, 0.8),
            );
            look.background =
                Background::Vertical(base, base.mix(*dice.pick(VIVID), dice.range(0.1, 0.5)));
            look.scenery = &[];
            look.text = if base.luma() > 0.5 {
                Rgb::hex(0x141C40).vary(dice, 0.05)
            } else {
                Rgb::WHITE
            };
            look.header_colour = look.text;
            look.slogan_colour = look.text;
            look.emblem = Some((
                *dice.pick(&[
                    Emblem::Heart(Rgb::hex(0xC62828)),
                    Emblem::Star(Rgb::hex(0x1F4AA0)),
                    Emblem::Disc(Rgb::hex(0xE87722)),
                    Emblem::Shield(Rgb::hex(0x2E7D32)),
                ]),
                EmblemPlace::Left,
            ));
        } else if roll < 0.22 {
            // An older issue: flat colours, the name in capitals.
            let pairs = [
                (Rgb::hex(0xF4F4F0), Rgb::hex(0x1B2A63)),
                (Rgb::hex(0x1B2A63), Rgb::hex(0xF4F4F0)),
                (Rgb::hex(0xF2D33C), Rgb::hex(0x141414)),
                (Rgb::hex(0x141414), Rgb::hex(0xF4F4F0)),
                (Rgb::hex(0xF4F4F0), Rgb::hex(0x8A1C22)),
                (Rgb::hex(0xF4F4F0), Rgb::hex(0x1F6B3A)),
                (Rgb::hex(0x1F6B3A), Rgb::hex(0xF4F4F0)),
            ];
            let (bg, fg) = *dice.pick(&pairs);
            look.background = Background::Plain(bg.vary(dice, 0.03));
            look.scenery = &[];
            look.text = fg;
            look.header_colour = fg;
            look.slogan_colour = fg;
            look.emblem = None;
            look.embossed = true;
            look.header_style = HeaderStyle::Sans;
            look.header_upper = true;
        }
        look
    }
}
