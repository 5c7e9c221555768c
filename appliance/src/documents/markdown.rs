//! The Markdown rendering (CommonMark with GitHub tables): the plain-text record of a document.
//! Every piece of text is escaped so that a plate, a name or a note can never turn into markup.

use super::chart::format_value;
use super::text::{heading_level, label, normalize, numeric_columns};
use super::{Block, Document};

/// Length of the blank a signature line leaves to write on.
const SIGNATURE_BLANK: usize = 30;

pub(super) fn render(doc: &Document) -> String {
    let mut parts = vec![title(&doc.title)];
    if let Some(subtitle) = doc.subtitle.as_deref().map(normalize)
        && !subtitle.is_empty()
    {
        parts.push(format!("*{}*", escape(&subtitle)));
    }
    parts.extend(doc.blocks.iter().filter_map(block));
    let mut out = parts.join("\n\n");
    out.push('\n');
    out
}

fn title(text: &str) -> String {
    heading(0, text)
}

/// `depth` 0 is the document title; block headings sit below it.
fn heading(depth: u8, text: &str) -> String {
    let marks = "#".repeat(usize::from(depth) + 1);
    let text = escape(&normalize(text)).replace('#', "\\#");
    if text.is_empty() {
        marks
    } else {
        format!("{marks} {text}")
    }
}

fn block(block: &Block) -> Option<String> {
    let rendered = match block {
        Block::Heading { text, .. } if normalize(text).is_empty() => String::new(),
        Block::Heading { level, text } => heading(heading_level(*level), text),
        Block::Paragraph(text) => line(&normalize(text)),
        Block::KeyValues(pairs) => key_values(pairs),
        Block::Table { headers, rows } => table(headers, rows),
        Block::BarChart { title, unit, bars } => bar_chart(title, unit, bars),
        Block::SignatureLine(text) => signature(text),
        // A thematic break is the nearest Markdown has to a new page.
        Block::PageBreak => "* * *".into(),
    };
    (!rendered.is_empty()).then_some(rendered)
}

fn key_values(pairs: &[(String, String)]) -> String {
    let lines: Vec<String> = pairs
        .iter()
        .filter_map(|(key, value)| {
            let (key, value) = (label(key), escape(&normalize(value)));
            match (key.is_empty(), value.is_empty()) {
                (true, true) => None,
                (true, false) => Some(value),
                (false, _) => Some(format!("**{}** {value}", escape(&key))),
            }
        })
        .collect();
    // A backslash before the newline is CommonMark's hard line break: one memo line per pair.
    lines.join("\\\n")
}

fn table(headers: &[String], rows: &[Vec<String>]) -> String {
    let columns = rows
        .iter()
        .map(Vec::len)
        .chain([headers.len()])
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return String::new();
    }
    let mut out = table_row(headers, columns);
    out.push('\n');
    out.push_str(&table_rule(&numeric_columns(rows, columns)));
    for row in rows {
        out.push('\n');
        out.push_str(&table_row(row, columns));
    }
    if rows.is_empty() {
        out.push_str("\n\n*No entries.*");
    }
    out
}

fn table_row(cells: &[String], columns: usize) -> String {
    let mut out = String::from("|");
    for i in 0..columns {
        let cell = cells
            .get(i)
            .map(|c| escape(&normalize(c)))
            .unwrap_or_default();
        out.push(' ');
        out.push_str(&cell);
        out.push_str(" |");
    }
    out
}

fn table_rule(right_aligned: &[bool]) -> String {
    let mut out = String::from("|");
    for &right in right_aligned {
        out.push_str(if right { " ---: |" } else { " --- |" });
    }
    out
}

fn bar_chart(title: &str, unit: &str, bars: &[(String, f64)]) -> String {
    let mut parts = Vec::new();
    let title = escape(&normalize(title));
    if !title.is_empty() {
        parts.push(format!("**{title}**"));
    }
    if bars.is_empty() {
        parts.push("*No data.*".into());
        return parts.join("\n\n");
    }
    let unit = normalize(unit);
    let value_header = if unit.is_empty() {
        "Value".into()
    } else {
        format!("Value ({unit})")
    };
    let mut out = table_row(&["Label".into(), value_header], 2);
    out.push('\n');
    out.push_str(&table_rule(&[false, true]));
    for (bar_label, value) in bars {
        out.push('\n');
        out.push_str(&table_row(&[bar_label.clone(), format_value(*value)], 2));
    }
    parts.push(out);
    parts.join("\n\n")
}

fn signature(text: &str) -> String {
    let blank = "_".repeat(SIGNATURE_BLANK);
    let text = label(text);
    if text.is_empty() {
        // Underscores alone on a line would be a thematic break, not a blank to write on.
        return "\\_".repeat(SIGNATURE_BLANK);
    }
    format!("{} {blank}", line(&text))
}

/// `text` escaped as a whole line, where a leading `#`, `-`, `+`, `=` or "1." would otherwise start
/// a heading, list or rule.
fn line(text: &str) -> String {
    let escaped = escape(text);
    if escaped.starts_with(['#', '-', '+', '=']) {
        return format!("\\{escaped}");
    }
    let digits = escaped.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && escaped[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &escaped[..digits], &escaped[digits..]);
    }
    escaped
}

/// Backslash-escapes every character that could start inline markup (emphasis, code, links,
/// HTML, strikethrough, table cells), and `&` where it could start an entity.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let entity = c == '&'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#');
        if entity
            || matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~'
            )
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(blocks: Vec<Block>) -> Document {
        Document {
            title: "ALPR audit".into(),
            subtitle: Some("June 2025".into()),
            blocks,
        }
    }

    #[test]
    fn title_subtitle_and_headings_nest_below_the_title() {
        let md = render(&doc(vec![
            Block::Heading {
                level: 1,
                text: "Findings".into(),
            },
            Block::Heading {
                level: 3,
                text: "Detail #2".into(),
            },
            Block::Paragraph("All   reads\nreviewed.".into()),
        ]));
        assert_eq!(
            md,
            "# ALPR audit\n\n*June 2025*\n\n## Findings\n\n#### Detail \\#2\n\nAll reads reviewed.\n"
        );
    }

    #[test]
    fn tables_escape_pipes_and_pad_short_rows() {
        let md = render(&doc(vec![Block::Table {
            headers: vec!["Plate".into(), "List".into()],
            rows: vec![
                vec!["7ABC|123".into()],
                vec!["a".into(), "b".into(), "3".into()],
            ],
        }]));
        assert!(
            md.contains(
                "| Plate | List |  |\n| --- | --- | ---: |\n| 7ABC\\|123 |  |  |\n| a | b | 3 |\n"
            ),
            "{md}"
        );
    }

    #[test]
    fn empty_tables_say_so_or_vanish() {
        let md = render(&doc(vec![Block::Table {
            headers: vec!["Plate".into()],
            rows: vec![],
        }]));
        assert!(
            md.ends_with("| Plate |\n| --- |\n\n*No entries.*\n"),
            "{md}"
        );
        let md = render(&doc(vec![Block::Table {
            headers: vec![],
            rows: vec![],
        }]));
        assert_eq!(md, "# ALPR audit\n\n*June 2025*\n");
    }

    #[test]
    fn charts_become_tables_of_their_values() {
        let md = render(&doc(vec![Block::BarChart {
            title: "Reads per month".into(),
            unit: "reads".into(),
            bars: vec![
                ("Jan".into(), 1234.0),
                ("Feb".into(), -2.5),
                ("Mar".into(), f64::NAN),
            ],
        }]));
        assert!(
            md.contains(
                "**Reads per month**\n\n| Label | Value (reads) |\n| --- | ---: |\n\
                 | Jan | 1,234 |\n| Feb | -2.5 |\n| Mar | n/a |\n"
            ),
            "{md}"
        );
    }

    #[test]
    fn key_values_and_signatures_read_like_a_memo() {
        let md = render(&doc(vec![
            Block::KeyValues(vec![
                ("To".into(), "Chief of Police".into()),
                ("From:".into(), "ALPR auditor".into()),
            ]),
            Block::SignatureLine("Auditor's finding".into()),
            Block::SignatureLine(String::new()),
        ]));
        assert!(
            md.contains("**To:** Chief of Police\\\n**From:** ALPR auditor\n"),
            "{md}"
        );
        assert!(
            md.contains(&format!("Auditor's finding: {}\n", "_".repeat(30))),
            "{md}"
        );
        assert!(md.ends_with(&format!("\n\n{}\n", "\\_".repeat(30))), "{md}");
    }

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            escape("*a* _b_ `c` ![d](e) <f> ~g~ !"),
            "\\*a\\* \\_b\\_ \\`c\\` !\\[d\\](e) \\<f\\> \\~g\\~ !"
        );
        assert_eq!(escape("R&D &amp; & x"), "R\\&D \\&amp; & x");
        assert_eq!(escape("back\\slash"), "back\\\\slash");
        assert_eq!(line("- not a list"), "\\- not a list");
        assert_eq!(line("12. not a list"), "12\\. not a list");
        assert_eq!(line("# not a heading"), "\\# not a heading");
        assert_eq!(line("2025 was fine."), "2025 was fine.");
    }
}
