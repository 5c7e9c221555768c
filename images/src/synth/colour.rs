//! Colours as the renderer mixes them: RGB in 0..1, gamma-encoded like the files.

/// An RGB colour, each channel 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rgb(pub [f32; 3]);

impl Rgb {
    pub const WHITE: Rgb = Rgb([1.0, 1.0, 1.0]);
    pub const BLACK: Rgb = Rgb([0.0, 0.0, 0.0]);

    pub const fn hex(v: u32) -> Rgb {
        Rgb([
            ((v >> 16) & 0xFF) as f32 / 255.0,
            ((v >> 8) & 0xFF) as f32 / 255.0,
            (v & 0xFF) as f32 / 255.0,
        ])
    }

    pub fn grey(v: f32) -> Rgb {
        Rgb([v, v, v])
    }

    pub fn mix(self, other: Rgb, t: f32) -> Rgb {
        let a = self.0;
        let b = other.0;
        Rgb([
            a[0] + (b[0] - a[0]) * t,
            a[1] + (b[1] - a[1]) * t,
            a[2] + (b[2] - a[2]) * t,
        ])
    }

    pub fn scale(self, k: f32) -> Rgb {
        Rgb(self.0.map(|c| (c * k).clamp(0.0, 1.0)))
    }

    pub fn luma(self) -> f32 {
        0.299 * self.0[0] + 0.587 * self.0[1] + 0.114 * self.0[2]
    }

    /// Darker for light colours and lighter for dark ones: an emboss's shaded side.
    pub fn shade(self, amount: f32) -> Rgb {
        if self.luma() > 0.5 {
            self.mix(Rgb::BLACK, amount)
        } else {
            self.mix(Rgb::WHITE, amount)
        }
    }

    /// A colour from `hex` with each channel moved by up to `amount`: paint, fading and white
    /// balance make no two plates of a design the same colour.
    pub fn vary(self, dice: &mut crate::synth::random::Dice, amount: f32) -> Rgb {
        let common = dice.jitter(amount);
        Rgb(self
            .0
            .map(|c| (c + common + dice.jitter(amount * 0.5)).clamp(0.0, 1.0)))
    }
}

/// Car paint as cars are actually painted: mostly white, black, grey and silver.
pub(crate) const CAR_PAINT: &[(Rgb, f32)] = &[
    (Rgb::hex(0xE8E8E6), 24.0),
    (Rgb::hex(0x1A1A1C), 20.0),
    (Rgb::hex(0x6B6E72), 16.0),
    (Rgb::hex(0xA9ACB0), 15.0),
    (Rgb::hex(0x8E1B1B), 8.0),
    (Rgb::hex(0x1F3A6B), 8.0),
    (Rgb::hex(0x2E4A33), 3.0),
    (Rgb::hex(0xB8A47E), 3.0),
    (Rgb::hex(0xC96A1B), 1.5),
    (Rgb::hex(0x3C2A22), 1.5),
];

/// Vivid colours for stickers and signs.
pub(crate) const VIVID: &[Rgb] = &[
    Rgb::hex(0xE53935),
    Rgb::hex(0xFDD835),
    Rgb::hex(0x43A047),
    Rgb::hex(0x1E88E5),
    Rgb::hex(0xFB8C00),
    Rgb::hex(0x8E24AA),
    Rgb::hex(0xF06292),
    Rgb::hex(0x00ACC1),
    Rgb::hex(0xFFFFFF),
];
