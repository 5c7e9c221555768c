//! Laying out the text blocks of a document — title, headings, paragraphs, memo header lines and
//! signature lines — onto the [`Flow`].

use super::fonts::{Font, encode};
use super::layout::{
    BLACK, BLOCK_GAP, BODY, BODY_LEADING, CONTENT_WIDTH, Flow, LEFT, MUTED, RULE, TextStyle,
    baseline,
};
use super::wrap::wrap;
use crate::documents::text::{heading_level, label, normalize};

const TITLE: TextStyle = TextStyle {
    font: Font::Bold,
    size: 18.0,
    leading: 22.0,
    color: BLACK,
};
const SUBTITLE: TextStyle = TextStyle {
    font: Font::Regular,
    size: 11.5,
    leading: 15.0,
    color: MUTED,
};
/// Keys of a memo header are set apart from the values by this much at least.
const KEY_GAP: f32 = 10.0;
/// Shortest blank a signature line leaves to write on.
const SIGNATURE_BLANK: f32 = 144.0;
/// Room above a signature line for handwriting.
const SIGNATURE_SPACE: f32 = 20.0;

pub(super) fn title(flow: &mut Flow, title: &str, subtitle: Option<&str>) {
    let lines = wrap(&encode(title), TITLE.font, TITLE.size, CONTENT_WIDTH);
    flow.lines(LEFT, TITLE, lines);
    let subtitle = subtitle.map(normalize).unwrap_or_default();
    if !subtitle.is_empty() {
        flow.advance(2.0);
        let lines = wrap(
            &encode(&subtitle),
            SUBTITLE.font,
            SUBTITLE.size,
            CONTENT_WIDTH,
        );
        flow.lines(LEFT, SUBTITLE, lines);
    }
    flow.advance(6.0);
    let y = flow.y();
    flow.line((LEFT, y), (LEFT + CONTENT_WIDTH, y), 1.0, BLACK);
    flow.advance(14.0);
}

pub(super) fn heading(flow: &mut Flow, level: u8, text: &str) {
    let text = normalize(text);
    if text.is_empty() {
        return;
    }
    let (size, leading, space_before) = match heading_level(level) {
        1 => (15.0, 19.0, 14.0),
        2 => (12.5, 16.0, 11.0),
        _ => (11.0, 14.5, 9.0),
    };
    let style = TextStyle {
        font: Font::Bold,
        size,
        leading,
        color: BLACK,
    };
    flow.gap(space_before);
    let lines = wrap(&encode(&text), style.font, size, CONTENT_WIDTH);
    // A heading belongs with what follows it: never leave one alone at the foot of a page.
    flow.ensure(lines.len() as f32 * leading + 2.0 * BODY_LEADING);
    flow.lines(LEFT, style, lines);
    flow.advance(3.0);
}

pub(super) fn paragraph(flow: &mut Flow, text: &str) {
    let text = normalize(text);
    if text.is_empty() {
        return;
    }
    let lines = wrap(&encode(&text), BODY.font, BODY.size, CONTENT_WIDTH);
    // Keeps the first two lines of a paragraph together, so no page ends on a lone first line.
    flow.ensure(lines.len().min(2) as f32 * BODY.leading);
    flow.lines(LEFT, BODY, lines);
    flow.advance(BLOCK_GAP);
}

pub(super) fn key_values(flow: &mut Flow, pairs: &[(String, String)]) {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = pairs
        .iter()
        .map(|(key, value)| (encode(&label(key)), encode(&normalize(value))))
        .filter(|(key, value)| !key.is_empty() || !value.is_empty())
        .collect();
    if pairs.is_empty() {
        return;
    }
    let widest_key = pairs
        .iter()
        .map(|(key, _)| Font::Bold.width(key, BODY.size))
        .fold(0.0, f32::max);
    let key_column = (widest_key + KEY_GAP).min(CONTENT_WIDTH * 0.35);
    let key_style = TextStyle {
        font: Font::Bold,
        ..BODY
    };
    for (key, value) in pairs {
        let key_lines = wrap(&key, Font::Bold, BODY.size, key_column - KEY_GAP);
        let value_lines = wrap(&value, BODY.font, BODY.size, CONTENT_WIDTH - key_column);
        let count = key_lines.len().max(value_lines.len());
        flow.ensure(count as f32 * BODY.leading);
        let mut key_lines = key_lines.into_iter();
        let mut value_lines = value_lines.into_iter();
        for _ in 0..count {
            flow.ensure(BODY.leading);
            if let Some(line) = key_lines.next() {
                flow.text(LEFT, key_style, line);
            }
            if let Some(line) = value_lines.next() {
                flow.text(LEFT + key_column, BODY, line);
            }
            flow.advance(BODY.leading);
        }
    }
    flow.advance(BLOCK_GAP);
}

pub(super) fn signature_line(flow: &mut Flow, text: &str) {
    flow.gap(SIGNATURE_SPACE);
    let text = encode(&label(text));
    let mut lines = if text.is_empty() {
        Vec::new()
    } else {
        wrap(&text, BODY.font, BODY.size, CONTENT_WIDTH - SIGNATURE_BLANK)
    };
    let last = lines.pop().unwrap_or_default();
    flow.ensure((lines.len() + 1) as f32 * BODY.leading);
    flow.lines(LEFT, BODY, lines);
    flow.ensure(BODY.leading);
    let blank_start = if last.is_empty() {
        LEFT
    } else {
        LEFT + BODY.font.width(&last, BODY.size) + 6.0
    };
    let underline = baseline(flow.y(), BODY.size, BODY.leading) - 2.0;
    flow.text(LEFT, BODY, last);
    flow.line(
        (blank_start, underline),
        (LEFT + CONTENT_WIDTH, underline),
        0.75,
        RULE,
    );
    flow.advance(BODY.leading + BLOCK_GAP);
}

pub(super) fn page_break(flow: &mut Flow) {
    if !flow.at_top() {
        flow.new_page();
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{CONTENT_HEIGHT, Op, Page};
    use super::*;

    fn texts(pages: &[Page]) -> Vec<(usize, String)> {
        pages
            .iter()
            .enumerate()
            .flat_map(|(i, page)| {
                page.ops.iter().filter_map(move |op| match op {
                    Op::Text { text, .. } => Some((i, String::from_utf8_lossy(text).into_owned())),
                    _ => None,
                })
            })
            .collect()
    }

    #[test]
    fn headings_are_kept_with_the_text_that_follows() {
        let mut flow = Flow::new();
        flow.advance(CONTENT_HEIGHT - 30.0);
        heading(&mut flow, 1, "Findings");
        paragraph(&mut flow, "The body.");
        let pages = flow.into_pages();
        assert_eq!(
            texts(&pages),
            vec![(1, "Findings".into()), (1, "The body.".into())]
        );
    }

    #[test]
    fn memo_keys_and_values_share_lines() {
        let mut flow = Flow::new();
        key_values(
            &mut flow,
            &[
                ("To".into(), "Chief of Police".into()),
                ("".into(), "".into()),
                ("From".into(), "ALPR auditor".into()),
            ],
        );
        let pages = flow.into_pages();
        let positions: Vec<(f32, f32, String)> = pages[0]
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text {
                    x, baseline, text, ..
                } => Some((*x, *baseline, String::from_utf8_lossy(text).into_owned())),
                _ => None,
            })
            .collect();
        assert_eq!(positions.len(), 4);
        assert_eq!(positions[0].2, "To:");
        assert_eq!(
            positions[0].1, positions[1].1,
            "key and value on one baseline"
        );
        assert_eq!(positions[1].0, positions[3].0, "values line up");
        assert!(positions[2].1 < positions[0].1);
    }

    #[test]
    fn signature_lines_leave_a_blank_to_the_right_margin() {
        let mut flow = Flow::new();
        signature_line(&mut flow, "Auditor's finding");
        let pages = flow.into_pages();
        let label_end = LEFT + Font::Regular.width(b"Auditor's finding:", BODY.size);
        let blank = pages[0].ops.iter().find_map(|op| match op {
            Op::Line { from, to, .. } => Some((from.0, to.0)),
            _ => None,
        });
        let (start, end) = blank.expect("a blank line");
        assert!(start > label_end && start < label_end + 10.0);
        assert_eq!(end, LEFT + CONTENT_WIDTH);
    }

    #[test]
    fn page_breaks_never_make_blank_pages() {
        let mut flow = Flow::new();
        page_break(&mut flow);
        paragraph(&mut flow, "one");
        page_break(&mut flow);
        page_break(&mut flow);
        paragraph(&mut flow, "two");
        assert_eq!(
            texts(&flow.into_pages()),
            vec![(0, "one".into()), (1, "two".into())]
        );
    }
}
