//! Writing laid-out pages as a PDF with pdf-writer: a catalog, a page tree, the two standard
//! fonts with WinAnsiEncoding, one content stream per page, and the document information.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::fonts::Font;
use super::layout::{Color, Op, PAGE_HEIGHT, PAGE_WIDTH, Page};

pub(super) fn write(pages: &[Page], title: &str) -> Vec<u8> {
    let mut ids = Ids(0);
    let catalog = ids.next();
    let tree = ids.next();
    let info = ids.next();
    let fonts: Vec<(Font, Ref)> = Font::ALL.iter().map(|font| (*font, ids.next())).collect();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (ids.next(), ids.next())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    for (font, id) in &fonts {
        pdf.type1_font(*id)
            .base_font(Name(font.base_font()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (page, (page_id, content_id)) in pages.iter().zip(&page_ids) {
        let mut writer = pdf.page(*page_id);
        writer
            .parent(tree)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents(*content_id);
        let mut resources = writer.resources();
        let mut font_resources = resources.fonts();
        for (font, id) in &fonts {
            font_resources.pair(Name(font.resource_name()), *id);
        }
        font_resources.finish();
        resources.finish();
        writer.finish();
        pdf.stream(*content_id, &content(page));
    }
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("alpr-appliance"));
    pdf.finish()
}

/// Object numbers, handed out once each (pdf-writer panics on a number used twice). A document
/// would need about a billion pages to run out, far past what memory holds.
struct Ids(i32);

impl Ids {
    fn next(&mut self) -> Ref {
        self.0 = self.0.saturating_add(1);
        Ref::new(self.0)
    }
}

fn content(page: &Page) -> Vec<u8> {
    let mut content = Content::new();
    for op in &page.ops {
        match op {
            Op::Text {
                x,
                baseline,
                font,
                size,
                color,
                text,
            } => {
                fill_color(&mut content, *color);
                content
                    .begin_text()
                    .set_font(Name(font.resource_name()), finite(*size))
                    .next_line(finite(*x), finite(*baseline))
                    .show(Str(text))
                    .end_text();
            }
            Op::Fill {
                x,
                y,
                width,
                height,
                color,
            } => {
                fill_color(&mut content, *color);
                content
                    .rect(finite(*x), finite(*y), finite(*width), finite(*height))
                    .fill_nonzero();
            }
            Op::Line {
                from,
                to,
                width,
                color,
            } => {
                content
                    .set_stroke_rgb(color.r, color.g, color.b)
                    .set_line_width(finite(*width).max(0.0))
                    .move_to(finite(from.0), finite(from.1))
                    .line_to(finite(to.0), finite(to.1))
                    .stroke();
            }
        }
    }
    content.finish().to_vec()
}

fn fill_color(content: &mut Content, color: Color) {
    content.set_fill_rgb(color.r, color.g, color.b);
}

/// Layout keeps coordinates finite; this makes sure a slip can never write "NaN" into the file.
fn finite(value: f32) -> f32 {
    if value.is_finite() { value } else { 0.0 }
}
