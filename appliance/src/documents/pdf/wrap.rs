//! Breaking encoded text into lines that fit a width, and cutting a single line to fit.

use super::fonts::{ELLIPSIS, Font};

/// Slack for float rounding, so a line measured at exactly the width still fits.
const EPSILON: f32 = 0.01;

/// Greedy word wrap of WinAnsi `text` (spaces separate words) into lines no wider than `width`;
/// a word wider than a whole line is broken between characters. Always at least one line, so an
/// empty cell still occupies a line.
pub(super) fn wrap(text: &[u8], font: Font, size: f32, width: f32) -> Vec<Vec<u8>> {
    let space = font.width(b" ", size);
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut line_width = 0.0;
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let word_width = font.width(word, size);
        if !line.is_empty() && line_width + space + word_width <= width + EPSILON {
            line.push(b' ');
            line.extend_from_slice(word);
            line_width += space + word_width;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if word_width <= width + EPSILON {
            line = word.to_vec();
            line_width = word_width;
            continue;
        }
        let mut pieces = break_word(word, font, size, width);
        if let Some(last) = pieces.pop() {
            lines.extend(pieces);
            line_width = font.width(&last, size);
            line = last;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Pieces of `word` that each fit `width`, each at least one character so wrapping always ends.
fn break_word(word: &[u8], font: Font, size: f32, width: f32) -> Vec<Vec<u8>> {
    let mut pieces = Vec::new();
    let mut piece = Vec::new();
    let mut piece_width = 0.0;
    for &byte in word {
        let byte_width = font.width(&[byte], size);
        if !piece.is_empty() && piece_width + byte_width > width + EPSILON {
            pieces.push(std::mem::take(&mut piece));
            piece_width = 0.0;
        }
        piece.push(byte);
        piece_width += byte_width;
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// `text` unchanged if it fits `width`, else as much of it as fits followed by an ellipsis.
pub(super) fn truncate(text: &[u8], font: Font, size: f32, width: f32) -> Vec<u8> {
    if font.width(text, size) <= width + EPSILON {
        return text.to_vec();
    }
    let room = width - font.width(&[ELLIPSIS], size);
    let mut out = Vec::new();
    let mut used = 0.0;
    for &byte in text {
        let byte_width = font.width(&[byte], size);
        if used + byte_width > room + EPSILON {
            break;
        }
        out.push(byte);
        used += byte_width;
    }
    out.push(ELLIPSIS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fill_the_width_and_keep_every_word() {
        let text = b"The appliance retained reads for thirty days and purged the rest on schedule";
        let width = 120.0;
        let lines = wrap(text, Font::Regular, 10.0, width);
        assert!(lines.len() > 3, "{lines:?}");
        for (i, line) in lines.iter().enumerate() {
            assert!(
                Font::Regular.width(line, 10.0) <= width + EPSILON,
                "{line:?}"
            );
            if let Some(next) = lines.get(i + 1) {
                let first_next = next.split(|&b| b == b' ').next().unwrap_or_default();
                let joined = Font::Regular.width(line, 10.0)
                    + Font::Regular.width(b" ", 10.0)
                    + Font::Regular.width(first_next, 10.0);
                assert!(
                    joined > width,
                    "the next word would have fitted on {line:?}"
                );
            }
        }
        assert_eq!(lines.join(&b' '), text.to_vec());
    }

    #[test]
    fn spaces_collapse_and_empty_text_is_one_empty_line() {
        assert_eq!(
            wrap(b"  a   b  ", Font::Regular, 10.0, 500.0),
            vec![b"a b".to_vec()]
        );
        assert_eq!(wrap(b"", Font::Bold, 10.0, 500.0), vec![Vec::<u8>::new()]);
        assert_eq!(
            wrap(b"   ", Font::Bold, 10.0, 500.0),
            vec![Vec::<u8>::new()]
        );
    }

    #[test]
    fn long_words_break_between_characters() {
        let word = vec![b'W'; 100];
        let lines = wrap(
            &[b"short ".as_slice(), &word, b" tail"].concat(),
            Font::Bold,
            10.0,
            50.0,
        );
        assert_eq!(lines[0], b"short");
        assert_eq!(lines.last().map(Vec::as_slice), Some(b"tail".as_slice()));
        let ws: usize = lines
            .iter()
            .map(|l| l.iter().filter(|&&b| b == b'W').count())
            .sum();
        assert_eq!(ws, 100);
        for line in &lines {
            assert!(Font::Bold.width(line, 10.0) <= 50.0 + EPSILON);
        }
    }

    #[test]
    fn a_width_narrower_than_a_character_still_makes_progress() {
        let lines = wrap(b"abc", Font::Regular, 10.0, 0.5);
        assert_eq!(lines, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(wrap(b"abc", Font::Regular, 10.0, -5.0).len(), 3);
    }

    #[test]
    fn truncation_ends_in_an_ellipsis_within_the_width() {
        assert_eq!(truncate(b"short", Font::Regular, 10.0, 100.0), b"short");
        let cut = truncate(
            b"a much longer running header title",
            Font::Regular,
            10.0,
            60.0,
        );
        assert_eq!(cut.last(), Some(&ELLIPSIS));
        assert!(Font::Regular.width(&cut, 10.0) <= 60.0 + EPSILON);
        assert_eq!(truncate(b"abc", Font::Regular, 10.0, 0.0), vec![ELLIPSIS]);
    }
}
