//! The page model the PDF is laid out into before it is written: US Letter pages of positioned
//! drawing operations, and the [`Flow`] that fills them top to bottom and starts a new page when
//! one is full. Coordinates are PDF points from the page's bottom-left corner.

use super::fonts::Font;
use super::wrap::truncate;

pub(super) const PAGE_WIDTH: f32 = 612.0;
pub(super) const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 72.0;
/// Left edge of the text column.
pub(super) const LEFT: f32 = MARGIN;
pub(super) const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const TOP: f32 = PAGE_HEIGHT - MARGIN;
const BOTTOM: f32 = MARGIN;
/// Height of the text column: what a block taller than this has to be split across pages.
pub(super) const CONTENT_HEIGHT: f32 = TOP - BOTTOM;

pub(super) const BODY_SIZE: f32 = 10.5;
pub(super) const BODY_LEADING: f32 = 14.5;
/// Space after a paragraph-like block.
pub(super) const BLOCK_GAP: f32 = 7.0;

const FURNITURE_SIZE: f32 = 8.5;
const FOOTER_BASELINE: f32 = 40.0;
const HEADER_BASELINE: f32 = PAGE_HEIGHT - 46.0;

/// Slack for float rounding when deciding whether something fits.
const EPSILON: f32 = 0.01;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Color {
    pub(super) r: f32,
    pub(super) g: f32,
    pub(super) b: f32,
}

const fn gray(level: f32) -> Color {
    Color {
        r: level,
        g: level,
        b: level,
    }
}

pub(super) const BLACK: Color = gray(0.0);
pub(super) const MUTED: Color = gray(0.33);
pub(super) const RULE: Color = gray(0.55);
pub(super) const GRID: Color = gray(0.85);
pub(super) const HEADER_FILL: Color = gray(0.9);
pub(super) const BAR: Color = Color {
    r: 0.184,
    g: 0.365,
    b: 0.541,
};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
    /// WinAnsi-encoded `text` starting at `x` on `baseline`.
    Text {
        x: f32,
        baseline: f32,
        font: Font,
        size: f32,
        color: Color,
        text: Vec<u8>,
    },
    Fill {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        color: Color,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        color: Color,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Page {
    pub(super) ops: Vec<Op>,
}

/// The baseline that centres a line of `size`-point text in a line box `leading` tall whose top
/// is at `top` (cap height of Helvetica is about 0.72 em, so half of it is 0.36 em).
pub(super) fn baseline(top: f32, size: f32, leading: f32) -> f32 {
    top - leading / 2.0 - 0.36 * size
}

/// Fills pages from the top; `y` is where the next thing goes.
#[derive(Debug)]
pub(super) struct Flow {
    pages: Vec<Page>,
    y: f32,
}

impl Flow {
    pub(super) fn new() -> Flow {
        Flow {
            pages: vec![Page::default()],
            y: TOP,
        }
    }

    pub(super) fn y(&self) -> f32 {
        self.y
    }

    pub(super) fn advance(&mut self, height: f32) {
        self.y -= height;
    }

    /// Height left on this page.
    pub(super) fn remaining(&self) -> f32 {
        self.y - BOTTOM
    }

    pub(super) fn at_top(&self) -> bool {
        self.y >= TOP - EPSILON
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = TOP;
    }

    /// Starts a new page unless `height` fits on this one. On a fresh page it does nothing even
    /// if `height` does not fit, so a caller with something taller than a page always makes
    /// progress (and must split it).
    pub(super) fn ensure(&mut self, height: f32) {
        if height > self.remaining() + EPSILON && !self.at_top() {
            self.new_page();
        }
    }

    /// Vertical space between blocks; none at the top of a page, where it would only shift the
    /// page's content down.
    pub(super) fn gap(&mut self, height: f32) {
        if !self.at_top() {
            self.y -= height;
        }
    }

    pub(super) fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.ops.push(op);
        }
    }

    /// `text` on the line box whose top is the current `y`; does not advance.
    pub(super) fn text(&mut self, x: f32, style: TextStyle, text: Vec<u8>) {
        self.text_at(x, self.y, style, text);
    }

    /// `text` on the line box whose top is at `top`, wherever `y` is.
    pub(super) fn text_at(&mut self, x: f32, top: f32, style: TextStyle, text: Vec<u8>) {
        if text.is_empty() {
            return;
        }
        self.push(Op::Text {
            x,
            baseline: baseline(top, style.size, style.leading),
            font: style.font,
            size: style.size,
            color: style.color,
            text,
        });
    }

    /// Lines of text at `x`, one per line box, moving to a new page between lines as needed.
    pub(super) fn lines(&mut self, x: f32, style: TextStyle, lines: Vec<Vec<u8>>) {
        for line in lines {
            self.ensure(style.leading);
            self.text(x, style, line);
            self.advance(style.leading);
        }
    }

    pub(super) fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: Color) {
        self.push(Op::Line {
            from,
            to,
            width,
            color,
        });
    }

    pub(super) fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, color: Color) {
        self.push(Op::Fill {
            x,
            y,
            width,
            height,
            color,
        });
    }

    pub(super) fn into_pages(self) -> Vec<Page> {
        self.pages
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TextStyle {
    pub(super) font: Font,
    pub(super) size: f32,
    pub(super) leading: f32,
    pub(super) color: Color,
}

pub(super) const BODY: TextStyle = TextStyle {
    font: Font::Regular,
    size: BODY_SIZE,
    leading: BODY_LEADING,
    color: BLACK,
};

/// Adds what every page carries once the number of pages is known: "Page N of M" in the footer,
/// and from page 2 on the document's title as a running header, so a loose page can be placed.
pub(super) fn add_page_furniture(pages: &mut [Page], title: &[u8]) {
    let total = pages.len();
    for (index, page) in pages.iter_mut().enumerate() {
        let footer = format!("Page {} of {total}", index + 1).into_bytes();
        let width = Font::Regular.width(&footer, FURNITURE_SIZE);
        page.ops.push(Op::Text {
            x: (PAGE_WIDTH - width) / 2.0,
            baseline: FOOTER_BASELINE,
            font: Font::Regular,
            size: FURNITURE_SIZE,
            color: MUTED,
            text: footer,
        });
        if index == 0 || title.is_empty() {
            continue;
        }
        page.ops.push(Op::Text {
            x: LEFT,
            baseline: HEADER_BASELINE,
            font: Font::Regular,
            size: FURNITURE_SIZE,
            color: MUTED,
            text: truncate(title, Font::Regular, FURNITURE_SIZE, CONTENT_WIDTH),
        });
        page.ops.push(Op::Line {
            from: (LEFT, HEADER_BASELINE - 5.0),
            to: (LEFT + CONTENT_WIDTH, HEADER_BASELINE - 5.0),
            width: 0.5,
            color: GRID,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ensure_breaks_only_when_needed_and_never_on_a_fresh_page() {
        let mut flow = Flow::new();
        flow.ensure(CONTENT_HEIGHT * 2.0);
        assert!(flow.at_top(), "a fresh page is never left blank");
        flow.advance(CONTENT_HEIGHT - 20.0);
        flow.ensure(20.0);
        assert_eq!(flow.into_pages().len(), 1);

        let mut flow = Flow::new();
        flow.advance(CONTENT_HEIGHT - 20.0);
        flow.ensure(21.0);
        assert!(flow.at_top());
        assert_eq!(flow.into_pages().len(), 2);
    }

    #[test]
    fn lines_flow_onto_new_pages_inside_the_margins() {
        let mut flow = Flow::new();
        flow.lines(LEFT, BODY, vec![b"line".to_vec(); 120]);
        let pages = flow.into_pages();
        let per_page = (CONTENT_HEIGHT / BODY_LEADING).floor() as usize;
        assert_eq!(pages.len(), 120_usize.div_ceil(per_page));
        for page in &pages {
            for op in &page.ops {
                let Op::Text { baseline, .. } = op else {
                    continue;
                };
                assert!(*baseline > BOTTOM && *baseline < TOP, "{baseline}");
            }
        }
    }

    #[test]
    fn every_page_is_numbered_and_later_pages_carry_the_title() {
        let mut pages = vec![Page::default(); 3];
        add_page_furniture(&mut pages, b"Yearly ALPR report");
        let texts = |page: &Page| -> Vec<Vec<u8>> {
            page.ops
                .iter()
                .filter_map(|op| match op {
                    Op::Text { text, .. } => Some(text.clone()),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(texts(&pages[0]), vec![b"Page 1 of 3".to_vec()]);
        assert_eq!(
            texts(&pages[2]),
            vec![b"Page 3 of 3".to_vec(), b"Yearly ALPR report".to_vec()]
        );
    }
}
