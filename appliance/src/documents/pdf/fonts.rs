//! The two standard fonts the PDF uses, Helvetica and Helvetica-Bold: how text is encoded for them
//! (WinAnsiEncoding) and how wide it sets, from Adobe's AFM metrics. The fonts are base-14, so every
//! reader has them and nothing is embedded; the widths here must match theirs for wrapping to fit.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Font {
    Regular,
    Bold,
}

impl Font {
    pub(super) const ALL: [Font; 2] = [Font::Regular, Font::Bold];

    pub(super) fn base_font(self) -> &'static [u8] {
        match self {
            Font::Regular => b"Helvetica",
            Font::Bold => b"Helvetica-Bold",
        }
    }

    /// The name the page resources give the font.
    pub(super) fn resource_name(self) -> &'static [u8] {
        match self {
            Font::Regular => b"F1",
            Font::Bold => b"F2",
        }
    }

    /// Width in points of WinAnsi-encoded `text` set at `size` points.
    pub(super) fn width(self, text: &[u8], size: f32) -> f32 {
        let widths = match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        };
        let units: u32 = text
            .iter()
            .map(|&b| {
                usize::from(b)
                    .checked_sub(FIRST_CODE)
                    .and_then(|i| widths.get(i))
                    .map_or(0, |&w| u32::from(w))
            })
            .sum();
        units as f32 * size / 1000.0
    }
}

/// Encodes `text` in WinAnsiEncoding (Windows-1252) for the fonts above: breaking whitespace becomes
/// a plain space, and anything the encoding lacks (controls, CJK, emoji, combining marks) becomes
/// '?', one byte per character.
pub(super) fn encode(text: &str) -> Vec<u8> {
    text.chars().map(encode_char).collect()
}

fn encode_char(c: char) -> u8 {
    match c {
        '\u{a0}' | '\u{2007}' | '\u{202f}' => 0xa0,
        c if c.is_whitespace() => b' ',
        ' '..='~' | '\u{a1}'..='\u{ff}' => u8::try_from(u32::from(c)).unwrap_or(b'?'),
        _ => WINDOWS_1252_HIGH
            .iter()
            .find(|(_, unicode)| *unicode == c)
            .map_or(b'?', |(byte, _)| *byte),
    }
}

/// The codes 0x80..=0x9F, where Windows-1252 differs from Latin-1.
const WINDOWS_1252_HIGH: [(u8, char); 27] = [
    (0x80, '\u{20ac}'),
    (0x82, '\u{201a}'),
    (0x83, '\u{0192}'),
    (0x84, '\u{201e}'),
    (0x85, '\u{2026}'),
    (0x86, '\u{2020}'),
    (0x87, '\u{2021}'),
    (0x88, '\u{02c6}'),
    (0x89, '\u{2030}'),
    (0x8a, '\u{0160}'),
    (0x8b, '\u{2039}'),
    (0x8c, '\u{0152}'),
    (0x8e, '\u{017d}'),
    (0x91, '\u{2018}'),
    (0x92, '\u{2019}'),
    (0x93, '\u{201c}'),
    (0x94, '\u{201d}'),
    (0x95, '\u{2022}'),
    (0x96, '\u{2013}'),
    (0x97, '\u{2014}'),
    (0x98, '\u{02dc}'),
    (0x99, '\u{2122}'),
    (0x9a, '\u{0161}'),
    (0x9b, '\u{203a}'),
    (0x9c, '\u{0153}'),
    (0x9e, '\u{017e}'),
    (0x9f, '\u{0178}'),
];

/// The WinAnsi code of the ellipsis, for text cut to fit.
pub(super) const ELLIPSIS: u8 = 0x85;

const FIRST_CODE: usize = 0x20;

// Advance widths in 1/1000 em for WinAnsi codes 0x20..=0xFF, taken from Adobe's Helvetica and
// Helvetica-Bold AFM files (Euro, absent from those, at its later value of 556). Codes the encoding
// leaves undefined are 0; `encode` never produces them.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_helveticas() {
        // H e l l o = 722 + 556 + 222 + 222 + 556 in the AFM.
        assert_eq!(Font::Regular.width(b"Hello", 1000.0), 2278.0);
        assert_eq!(
            Font::Bold.width(b"Hello", 1000.0),
            722.0 + 556.0 + 278.0 + 278.0 + 611.0
        );
        assert_eq!(Font::Regular.width(b"W", 10.0), 9.44);
        assert_eq!(Font::Regular.width(b"'`", 1000.0), 191.0 + 333.0);
        assert_eq!(
            Font::Regular.width(&[0xe9, 0x80, 0x97], 1000.0),
            556.0 + 556.0 + 1000.0
        );
        assert_eq!(Font::Regular.width(b"", 12.0), 0.0);
    }

    #[test]
    fn every_encoded_byte_has_a_width() {
        let all: String = (0..0x3000).filter_map(char::from_u32).collect();
        for font in Font::ALL {
            for byte in encode(&all) {
                assert!(
                    font.width(&[byte], 1000.0) > 0.0,
                    "{font:?} has no width for {byte:#x}"
                );
            }
        }
    }

    #[test]
    fn text_encodes_to_win_ansi() {
        assert_eq!(encode("Plate 7ABC123"), b"Plate 7ABC123");
        assert_eq!(encode("café €5 – “ok”"), b"caf\xe9 \x805 \x96 \x93ok\x94");
        assert_eq!(encode("a\tb\nc\u{a0}d"), b"a b c\xa0d");
        assert_eq!(encode("日本 🚓 e\u{301} \u{0}\u{81}"), b"?? ? e? ??");
        assert_eq!(encode("Ÿœ…"), b"\x9f\x9c\x85");
    }
}
