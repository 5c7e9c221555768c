//! Laying out a table: column widths that fit the text column, cells wrapped to them, rows that
//! move to a new page when they do not fit (a row taller than a page is split), and the header row
//! repeated at the top of every page the table runs onto.

use super::fonts::{Font, encode};
use super::layout::{
    BLACK, BLOCK_GAP, CONTENT_HEIGHT, CONTENT_WIDTH, Color, Flow, GRID, HEADER_FILL, LEFT, MUTED,
    RULE, TextStyle,
};
use super::wrap::wrap;
use crate::documents::text::{normalize, numeric_columns};

const SIZE: f32 = 9.0;
const LEADING: f32 = 11.5;
const PAD_X: f32 = 4.5;
const PAD_Y: f32 = 3.5;
/// A header taller than this share of a page is shown once rather than on every page, or it
/// would leave no room for rows.
const REPEATED_HEADER_SHARE: f32 = 1.0 / 3.0;

pub(super) fn table(flow: &mut Flow, headers: &[String], rows: &[Vec<String>]) {
    let columns = rows
        .iter()
        .map(Vec::len)
        .chain([headers.len()])
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return;
    }
    let cells = |row: &[String]| -> Vec<Vec<u8>> {
        (0..columns)
            .map(|i| {
                row.get(i)
                    .map(|c| encode(&normalize(c)))
                    .unwrap_or_default()
            })
            .collect()
    };
    let header = (!headers.is_empty()).then(|| cells(headers));
    let body: Vec<Vec<Vec<u8>>> = rows.iter().map(|row| cells(row)).collect();
    let widths = column_widths(header.as_ref(), &body, columns);
    let numeric = numeric_columns(rows, columns);
    let mut table = Table::new(&widths, &numeric);
    let header = header.map(|cells| table.row(&cells, Font::Bold));

    flow.gap(4.0);
    let first_row = match (&header, body.first()) {
        (Some(h), Some(first)) => h.height() + table.row(first, Font::Regular).height(),
        (Some(h), None) => h.height() + LEADING + 2.0 * PAD_Y,
        (None, Some(first)) => table.row(first, Font::Regular).height(),
        (None, None) => 0.0,
    };
    // Never leave the header alone at the foot of a page.
    flow.ensure(first_row.min(CONTENT_HEIGHT));
    let shown_once = match header {
        Some(h) if h.height() <= CONTENT_HEIGHT * REPEATED_HEADER_SHARE => {
            table.repeated_header = Some(h);
            None
        }
        other => other,
    };
    table.begin_page(flow);
    if let Some(header) = shown_once {
        table.draw(flow, &header);
    }
    for cells in &body {
        let row = table.row(cells, Font::Regular);
        table.draw(flow, &row);
    }
    if body.is_empty() {
        let row = Row {
            cells: vec![Cell {
                x: LEFT,
                width: table.width,
                lines: vec![b"No entries.".to_vec()],
                right_aligned: false,
            }],
            font: Font::Regular,
            color: MUTED,
        };
        table.draw(flow, &row);
    }
    table.end_page(flow);
    flow.advance(BLOCK_GAP + 4.0);
}

/// Widths that give every column its natural width when the table fits; otherwise columns
/// narrower than an equal share keep theirs and the wide ones split what is left equally, so a
/// column of plate numbers is not squeezed to make room for a column of notes.
fn column_widths(header: Option<&Vec<Vec<u8>>>, body: &[Vec<Vec<u8>>], columns: usize) -> Vec<f32> {
    let natural: Vec<f32> = (0..columns)
        .map(|i| {
            let header = header
                .and_then(|h| h.get(i))
                .map_or(0.0, |cell| Font::Bold.width(cell, SIZE));
            body.iter()
                .filter_map(|row| row.get(i))
                .map(|cell| Font::Regular.width(cell, SIZE))
                .fold(header, f32::max)
                + 2.0 * PAD_X
        })
        .collect();
    if natural.iter().sum::<f32>() <= CONTENT_WIDTH {
        return natural;
    }
    let mut widths: Vec<Option<f32>> = vec![None; columns];
    loop {
        let fixed: f32 = widths.iter().flatten().sum();
        let open = widths.iter().filter(|w| w.is_none()).count();
        if open == 0 {
            break;
        }
        let share = (CONTENT_WIDTH - fixed) / open as f32;
        let mut settled = false;
        for (width, natural) in widths.iter_mut().zip(&natural) {
            if width.is_none() && *natural <= share {
                *width = Some(*natural);
                settled = true;
            }
        }
        if !settled {
            for width in widths.iter_mut().filter(|w| w.is_none()) {
                *width = Some(share);
            }
        }
    }
    widths.into_iter().map(|w| w.unwrap_or(0.0)).collect()
}

#[derive(Debug)]
struct Cell {
    x: f32,
    width: f32,
    lines: Vec<Vec<u8>>,
    right_aligned: bool,
}

#[derive(Debug)]
struct Row {
    cells: Vec<Cell>,
    font: Font,
    color: Color,
}

impl Row {
    fn line_count(&self) -> usize {
        self.cells
            .iter()
            .map(|c| c.lines.len())
            .max()
            .unwrap_or(1)
            .max(1)
    }

    fn height(&self) -> f32 {
        self.line_count() as f32 * LEADING + 2.0 * PAD_Y
    }
}

#[derive(Debug)]
struct Table {
    /// Left edge of each column.
    lefts: Vec<f32>,
    widths: Vec<f32>,
    numeric: Vec<bool>,
    width: f32,
    repeated_header: Option<Row>,
    /// Top of the part of the table on the current page, where its borders start.
    page_top: f32,
}

impl Table {
    fn new(widths: &[f32], numeric: &[bool]) -> Table {
        let lefts = widths
            .iter()
            .scan(LEFT, |x, w| {
                let left = *x;
                *x += w;
                Some(left)
            })
            .collect();
        Table {
            lefts,
            widths: widths.to_vec(),
            numeric: numeric.to_vec(),
            width: widths.iter().sum(),
            repeated_header: None,
            page_top: 0.0,
        }
    }

    fn row(&self, cells: &[Vec<u8>], font: Font) -> Row {
        let cells = cells
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let width = self.widths.get(i).copied().unwrap_or(0.0);
                Cell {
                    x: self.lefts.get(i).copied().unwrap_or(LEFT),
                    width,
                    lines: wrap(text, font, SIZE, width - 2.0 * PAD_X),
                    right_aligned: self.numeric.get(i).copied().unwrap_or(false),
                }
            })
            .collect();
        Row {
            cells,
            font,
            color: BLACK,
        }
    }

    /// Draws `row`, first moving to a new page if it does not fit here but would on a fresh one;
    /// a row taller than a fresh page is split between its lines.
    fn draw(&mut self, flow: &mut Flow, row: &Row) {
        let header = self.repeated_header.as_ref().map_or(0.0, Row::height);
        let fits_fresh_page = row.height() <= CONTENT_HEIGHT - header;
        let few_lines_left = flow.remaining() < 3.0 * LEADING + 2.0 * PAD_Y;
        // Just after a page break at least one line is drawn whatever the room, so a row always
        // makes progress.
        let mut fresh = flow.at_top();
        if row.height() > flow.remaining() && (fits_fresh_page || few_lines_left) && !fresh {
            self.next_page(flow);
            fresh = true;
        }
        let total = row.line_count();
        let mut start = 0;
        while start < total {
            let room = ((flow.remaining() - 2.0 * PAD_Y) / LEADING).floor();
            let room = if room >= 1.0 { room as usize } else { 0 };
            if room == 0 && !fresh {
                self.next_page(flow);
                fresh = true;
                continue;
            }
            let end = total.min(start + room.max(1));
            self.draw_lines(flow, row, start..end);
            start = end;
            fresh = false;
            if start < total {
                self.next_page(flow);
                fresh = true;
            }
        }
    }

    fn draw_lines(&self, flow: &mut Flow, row: &Row, lines: std::ops::Range<usize>) {
        let height = lines.len() as f32 * LEADING + 2.0 * PAD_Y;
        let top = flow.y();
        if row.font == Font::Bold {
            flow.fill(LEFT, top - height, self.width, height, HEADER_FILL);
        }
        let style = TextStyle {
            font: row.font,
            size: SIZE,
            leading: LEADING,
            color: row.color,
        };
        for cell in &row.cells {
            let shown = cell.lines.get(lines.clone()).unwrap_or_default();
            for (i, line) in shown.iter().enumerate() {
                let x = if cell.right_aligned {
                    cell.x + cell.width - PAD_X - row.font.width(line, SIZE)
                } else {
                    cell.x + PAD_X
                };
                let line_top = top - PAD_Y - i as f32 * LEADING;
                flow.text_at(x, line_top, style, line.clone());
            }
        }
        flow.advance(height);
        let bottom = flow.y();
        let rule = if row.font == Font::Bold { RULE } else { GRID };
        flow.line((LEFT, bottom), (LEFT + self.width, bottom), 0.5, rule);
    }

    fn begin_page(&mut self, flow: &mut Flow) {
        self.page_top = flow.y();
        if let Some(header) = self.repeated_header.take() {
            self.draw_lines(flow, &header, 0..header.line_count());
            self.repeated_header = Some(header);
        }
    }

    /// Closes the table's part on this page with its outer and column borders.
    fn end_page(&self, flow: &mut Flow) {
        let (top, bottom) = (self.page_top, flow.y());
        if top - bottom <= 0.0 {
            return;
        }
        flow.line((LEFT, top), (LEFT + self.width, top), 0.5, RULE);
        for x in self.lefts.iter().chain([&(LEFT + self.width)]) {
            flow.line((*x, top), (*x, bottom), 0.5, RULE);
        }
    }

    fn next_page(&mut self, flow: &mut Flow) {
        self.end_page(flow);
        flow.new_page();
        self.begin_page(flow);
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{Op, Page};
    use super::*;

    fn texts(page: &Page) -> Vec<String> {
        page.ops
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(String::from_utf8_lossy(text).into_owned()),
                _ => None,
            })
            .collect()
    }

    fn long_table(rows: usize) -> Vec<Page> {
        let mut flow = Flow::new();
        let rows: Vec<Vec<String>> = (1..=rows)
            .map(|i| vec![format!("R-{i:04}"), format!("{}", i * 7), "CA".into()])
            .collect();
        table(
            &mut flow,
            &["Plate".into(), "Reads".into(), "State".into()],
            &rows,
        );
        flow.into_pages()
    }

    #[test]
    fn long_tables_repeat_their_header_and_keep_every_row_once() {
        let pages = long_table(300);
        assert!(pages.len() >= 5, "{} pages", pages.len());
        let mut seen = Vec::new();
        for page in &pages {
            let texts = texts(page);
            assert_eq!(
                &texts[..3],
                ["Plate", "Reads", "State"],
                "header first on every page"
            );
            seen.extend(texts.into_iter().filter(|t| t.starts_with("R-")));
        }
        let expected: Vec<String> = (1..=300).map(|i| format!("R-{i:04}")).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn rows_stay_inside_the_text_column() {
        for page in long_table(120) {
            for op in &page.ops {
                if let Op::Text {
                    x,
                    baseline,
                    text,
                    size,
                    font,
                    ..
                } = op
                {
                    assert!(*baseline > 72.0 && *baseline < 720.0, "{baseline}");
                    assert!(
                        *x >= LEFT && x + font.width(text, *size) <= LEFT + CONTENT_WIDTH + 0.1
                    );
                }
            }
        }
    }

    #[test]
    fn numbers_are_right_aligned() {
        let pages = long_table(2);
        let right_edges: Vec<f32> = pages[0]
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text {
                    x,
                    text,
                    size,
                    font,
                    ..
                } if text.iter().all(u8::is_ascii_digit) => Some(x + font.width(text, *size)),
                _ => None,
            })
            .collect();
        assert_eq!(right_edges.len(), 2);
        assert!(
            (right_edges[0] - right_edges[1]).abs() < 0.01,
            "{right_edges:?}"
        );
    }

    #[test]
    fn wide_tables_fit_the_page_and_narrow_columns_keep_their_width() {
        let note = "a long free-text note about the read ".repeat(10);
        let header = vec![b"Plate".to_vec(), b"Note".to_vec()];
        let body = vec![vec![b"7ABC123".to_vec(), encode(&note)]];
        let widths = column_widths(Some(&header), &body, 2);
        assert!((widths.iter().sum::<f32>() - CONTENT_WIDTH).abs() < 0.01);
        assert_eq!(
            widths[0],
            Font::Regular.width(b"7ABC123", SIZE) + 2.0 * PAD_X
        );

        let many = vec![vec![b"wide cell text".to_vec(); 60]];
        let widths = column_widths(None, &many, 60);
        assert!(widths.iter().sum::<f32>() <= CONTENT_WIDTH + 0.01);
        assert!(widths.iter().all(|w| *w > 0.0));
    }

    #[test]
    fn a_row_taller_than_a_page_is_split_across_pages() {
        let mut flow = Flow::new();
        let huge = "word ".repeat(6_000);
        table(
            &mut flow,
            &["Note".into()],
            &[vec![huge], vec!["after".into()]],
        );
        let pages = flow.into_pages();
        assert!(pages.len() > 2);
        let words: usize = pages
            .iter()
            .flat_map(texts)
            .map(|t| t.matches("word").count())
            .sum();
        assert_eq!(words, 6_000);
        assert!(
            pages
                .iter()
                .all(|p| texts(p).first().map(String::as_str) == Some("Note"))
        );
        assert!(texts(pages.last().expect("pages")).contains(&"after".to_string()));
    }

    #[test]
    fn empty_tables_say_so_and_headerless_tables_draw_rows() {
        let mut flow = Flow::new();
        table(&mut flow, &["Plate".into(), "List".into()], &[]);
        table(&mut flow, &[], &[vec!["only".into()]]);
        table(&mut flow, &[], &[]);
        let pages = flow.into_pages();
        assert_eq!(texts(&pages[0]), ["Plate", "List", "No entries.", "only"]);
    }
}
