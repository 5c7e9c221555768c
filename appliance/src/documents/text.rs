//! How text is normalised before any renderer sees it, so Markdown, HTML and PDF agree on what a
//! block says.

/// Whitespace that may be folded into one space. No-break spaces are kept: an author who typed one
/// ("12\u{a0}500 reads") asked for the words to stay together.
fn is_breaking_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
}

/// `text` with runs of whitespace folded into one space, no space at either end, and control
/// characters (which no format can show and HTML forbids) replaced by U+FFFD. So are explicit
/// bidirectional embeddings, overrides and isolates: in a record of what was read they would let
/// a stored string display as a different one.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if is_breaking_space(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(if c.is_control() || is_bidi_control(c) {
            '\u{fffd}'
        } else {
            c
        });
    }
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A key or signature label as shown: normalised, followed by a colon unless it has one.
pub(crate) fn label(text: &str) -> String {
    let mut label = normalize(text);
    if !label.is_empty() && !label.ends_with(':') {
        label.push(':');
    }
    label
}

/// Heading levels outside the model's 1..=3 are clamped rather than refused, so a caller's
/// off-by-one still yields a readable document.
pub(crate) fn heading_level(level: u8) -> u8 {
    level.clamp(1, 3)
}

/// Whether a cell reads as a number ("1,234", "-2.5", "12%", "$40"), so its column can be
/// right-aligned and its digits line up.
pub(crate) fn looks_numeric(cell: &str) -> bool {
    let cell = cell.trim();
    let cell = cell.strip_prefix(['-', '+', '\u{2212}']).unwrap_or(cell);
    let cell = cell.strip_prefix('$').unwrap_or(cell);
    let cell = cell.strip_suffix('%').unwrap_or(cell).trim_end();
    cell.starts_with(|c: char| c.is_ascii_digit())
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        && cell.matches('.').count() <= 1
}

/// For each of `columns` columns, whether it holds numbers: at least one filled body cell, and
/// every filled one numeric.
pub(crate) fn numeric_columns(rows: &[Vec<String>], columns: usize) -> Vec<bool> {
    (0..columns)
        .map(|i| {
            let mut filled = rows
                .iter()
                .filter_map(|row| row.get(i))
                .filter(|cell| !cell.trim().is_empty())
                .peekable();
            filled.peek().is_some() && filled.all(|cell| looks_numeric(cell))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_folds_and_controls_are_replaced() {
        assert_eq!(normalize("  a \t\n b\r\n"), "a b");
        assert_eq!(normalize("a\u{0}b\u{7f}"), "a\u{fffd}b\u{fffd}");
        assert_eq!(normalize("12\u{a0}500"), "12\u{a0}500");
        assert_eq!(normalize(" \n\t"), "");
        assert_eq!(
            normalize("abc\u{202e}cba\u{2066}"),
            "abc\u{fffd}cba\u{fffd}"
        );
    }

    #[test]
    fn labels_get_one_colon() {
        assert_eq!(label("To"), "To:");
        assert_eq!(label(" To: "), "To:");
        assert_eq!(label(""), "");
    }

    #[test]
    fn numbers_are_recognised_and_dates_are_not() {
        for yes in ["0", "1,234", "-2.5", "12%", "$40", "+3", "7 %"] {
            assert!(looks_numeric(yes), "{yes}");
        }
        for no in ["", "-", "2025-06-01", "1.2.3", "7ABC123", "n/a", "%", ".5"] {
            assert!(!looks_numeric(no), "{no}");
        }
        let rows = vec![
            vec!["7ABC123".into(), "12".into(), String::new()],
            vec!["8DEF456".into(), "".into()],
            vec!["9GHI789".into(), "1,204".into(), "".into()],
        ];
        assert_eq!(numeric_columns(&rows, 4), [false, true, false, false]);
    }

    #[test]
    fn heading_levels_are_clamped() {
        assert_eq!(heading_level(0), 1);
        assert_eq!(heading_level(2), 2);
        assert_eq!(heading_level(9), 3);
    }
}
