//! The HTML rendering: one self-contained file (inline CSS, charts as inline SVG, nothing fetched)
//! that reads on screen and prints on US Letter. All text goes through [`escape`].

use std::fmt::Write;

use super::text::{heading_level, label, normalize, numeric_columns};
use super::{Block, Document, svg_chart};

const STYLE: &str = "
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #111;
  font: 11pt/1.4 Helvetica, Arial, sans-serif; overflow-wrap: anywhere; }
main { max-width: 7.5in; margin: 0 auto; padding: 0.75in 0.5in; }
header.document-title { border-bottom: 1.5px solid #333; margin-bottom: 1.2em; }
h1 { font-size: 20pt; margin: 0 0 0.2em; }
.subtitle { color: #555; font-size: 12pt; margin: 0 0 0.6em; }
h2 { font-size: 15pt; margin: 1.4em 0 0.4em; }
h3 { font-size: 12.5pt; margin: 1.2em 0 0.35em; }
h4 { font-size: 11pt; margin: 1em 0 0.3em; }
h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 0.7em; }
dl.key-values { display: grid; grid-template-columns: fit-content(40%) minmax(0, 1fr); gap: 0.15em 1em;
  margin: 0 0 1em; }
dl.key-values div { display: contents; }
dl.key-values dt { font-weight: bold; }
dl.key-values dd { margin: 0; }
.table-wrap { overflow-x: auto; margin: 0 0 1em; }
table { border-collapse: collapse; font-size: 9.5pt; overflow-wrap: break-word; }
th, td { border: 1px solid #999; padding: 0.25em 0.45em; text-align: left; vertical-align: top; }
thead th { background: #e6e6e6; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.empty, p.no-data { color: #555; font-style: italic; }
figure.chart { margin: 0 0 1.2em; }
figure.chart figcaption { font-weight: bold; margin-bottom: 0.3em; }
figure.chart svg { display: block; width: 100%; max-width: 640px; height: auto; }
.signature { display: flex; align-items: flex-end; gap: 0.5em; margin: 2em 0 1em; }
.signature .blank { flex: 1; min-width: 2in; height: 1.2em; border-bottom: 1px solid #111; }
.page-break { break-after: page; page-break-after: always; }
@media screen { .page-break { border-top: 1px dashed #bbb; margin: 2em 0; } }
@media print { main { max-width: none; padding: 0; } .table-wrap { overflow: visible; } }
@page { size: letter; margin: 0.75in; }
";

pub(super) fn render(doc: &Document) -> String {
    let title = escape(&normalize(&doc.title));
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{title}</title>");
    let _ = writeln!(out, "<style>{STYLE}</style>");
    out.push_str("</head>\n<body>\n<main>\n<header class=\"document-title\">\n");
    let _ = writeln!(out, "<h1>{title}</h1>");
    if let Some(subtitle) = doc.subtitle.as_deref().map(normalize)
        && !subtitle.is_empty()
    {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape(&subtitle));
    }
    out.push_str("</header>\n");
    for block in &doc.blocks {
        render_block(&mut out, block);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn render_block(out: &mut String, block: &Block) {
    match block {
        Block::Heading { level, text } => {
            // The document title is the page's only h1; block headings sit below it.
            let tag = heading_level(*level) + 1;
            let text = normalize(text);
            if !text.is_empty() {
                let _ = writeln!(out, "<h{tag}>{}</h{tag}>", escape(&text));
            }
        }
        Block::Paragraph(text) => {
            let text = normalize(text);
            if !text.is_empty() {
                let _ = writeln!(out, "<p>{}</p>", escape(&text));
            }
        }
        Block::KeyValues(pairs) => key_values(out, pairs),
        Block::Table { headers, rows } => table(out, headers, rows),
        Block::BarChart { title, unit, bars } => {
            out.push_str("<figure class=\"chart\">\n");
            let title = normalize(title);
            if !title.is_empty() {
                let _ = writeln!(out, "<figcaption>{}</figcaption>", escape(&title));
            }
            if bars.is_empty() {
                out.push_str("<p class=\"no-data\">No data.</p>\n");
            } else {
                out.push_str(&svg_chart::render(&title, &normalize(unit), bars));
            }
            out.push_str("</figure>\n");
        }
        Block::SignatureLine(text) => {
            let _ = writeln!(
                out,
                "<p class=\"signature\"><span class=\"label\">{}</span><span class=\"blank\"></span></p>",
                escape(&label(text))
            );
        }
        Block::PageBreak => out.push_str("<div class=\"page-break\"></div>\n"),
    }
}

fn key_values(out: &mut String, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    out.push_str("<dl class=\"key-values\">\n");
    for (key, value) in pairs {
        let _ = writeln!(
            out,
            "<div><dt>{}</dt><dd>{}</dd></div>",
            escape(&label(key)),
            escape(&normalize(value))
        );
    }
    out.push_str("</dl>\n");
}

fn table(out: &mut String, headers: &[String], rows: &[Vec<String>]) {
    let columns = rows
        .iter()
        .map(Vec::len)
        .chain([headers.len()])
        .max()
        .unwrap_or(0);
    if columns == 0 {
        return;
    }
    let numeric = numeric_columns(rows, columns);
    out.push_str("<div class=\"table-wrap\"><table>\n");
    if !headers.is_empty() {
        out.push_str("<thead><tr>");
        for (i, is_numeric) in numeric.iter().enumerate() {
            let text = headers
                .get(i)
                .map(|h| escape(&normalize(h)))
                .unwrap_or_default();
            let _ = write!(out, "<th scope=\"col\"{}>{text}</th>", class(*is_numeric));
        }
        out.push_str("</tr></thead>\n");
    }
    out.push_str("<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, is_numeric) in numeric.iter().enumerate() {
            let text = row
                .get(i)
                .map(|c| escape(&normalize(c)))
                .unwrap_or_default();
            let _ = write!(out, "<td{}>{text}</td>", class(*is_numeric));
        }
        out.push_str("</tr>\n");
    }
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "<tr><td class=\"empty\" colspan=\"{columns}\">No entries.</td></tr>"
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn class(numeric: bool) -> &'static str {
    if numeric { " class=\"num\"" } else { "" }
}

/// Escapes text for element content and for quoted attribute values alike.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(blocks: Vec<Block>) -> Document {
        Document {
            title: "ALPR report <2025>".into(),
            subtitle: None,
            blocks,
        }
    }

    #[test]
    fn script_in_any_text_comes_out_escaped() {
        let evil = "<script>alert('x')</script>";
        let html = render(&Document {
            title: evil.into(),
            subtitle: Some(evil.into()),
            blocks: vec![
                Block::Heading {
                    level: 1,
                    text: evil.into(),
                },
                Block::Paragraph(evil.into()),
                Block::KeyValues(vec![(evil.into(), evil.into())]),
                Block::Table {
                    headers: vec![evil.into()],
                    rows: vec![vec![evil.into()]],
                },
                Block::BarChart {
                    title: evil.into(),
                    unit: evil.into(),
                    bars: vec![(evil.into(), 1.0)],
                },
                Block::SignatureLine(evil.into()),
            ],
        });
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert('x')"), "{html}");
        // Title, subtitle, heading, paragraph, key, value, header, cell, caption, signature, and
        // in the chart: its title, label, tooltip and unit caption.
        assert!(
            html.matches("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
                .count()
                >= 12,
            "{html}"
        );
    }

    #[test]
    fn the_page_is_self_contained() {
        let html = render(&doc(vec![Block::BarChart {
            title: "Reads per month".into(),
            unit: "reads".into(),
            bars: vec![("Jan".into(), 10.0)],
        }]));
        assert!(html.starts_with("<!DOCTYPE html>\n"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("<style>") && html.contains("@page { size: letter"));
        assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        for outside in ["<link", "<script", "src=", "@import", "url("] {
            assert!(!html.contains(outside), "{outside} in {html}");
        }
        assert!(html.contains("<title>ALPR report &lt;2025&gt;</title>"));
    }

    #[test]
    fn tables_have_a_header_and_right_aligned_numbers() {
        let html = render(&doc(vec![Block::Table {
            headers: vec!["Plate".into(), "Reads".into()],
            rows: vec![
                vec!["7ABC123".into(), "1,204".into()],
                vec!["8DEF456".into()],
            ],
        }]));
        assert!(html.contains(
            "<thead><tr><th scope=\"col\">Plate</th><th scope=\"col\" class=\"num\">Reads</th></tr></thead>"
        ));
        assert!(html.contains("<tr><td>7ABC123</td><td class=\"num\">1,204</td></tr>"));
        assert!(html.contains("<tr><td>8DEF456</td><td class=\"num\"></td></tr>"));
    }

    #[test]
    fn empty_blocks_say_so_or_vanish() {
        let html = render(&doc(vec![
            Block::Table {
                headers: vec!["Plate".into(), "List".into()],
                rows: vec![],
            },
            Block::Table {
                headers: vec![],
                rows: vec![],
            },
            Block::BarChart {
                title: "Hits".into(),
                unit: String::new(),
                bars: vec![],
            },
            Block::Paragraph(" ".into()),
        ]));
        assert!(html.contains("<td class=\"empty\" colspan=\"2\">No entries.</td>"));
        assert_eq!(html.matches("<table>").count(), 1);
        assert!(html.contains("<p class=\"no-data\">No data.</p>"));
        assert!(!html.contains("<p></p>"));
    }

    #[test]
    fn memo_parts_render() {
        let html = render(&doc(vec![
            Block::KeyValues(vec![("To".into(), "Chief of Police".into())]),
            Block::Heading {
                level: 7,
                text: "Deep".into(),
            },
            Block::SignatureLine("Auditor's finding".into()),
            Block::PageBreak,
        ]));
        assert!(html.contains("<div><dt>To:</dt><dd>Chief of Police</dd></div>"));
        assert!(html.contains("<h4>Deep</h4>"));
        assert!(
            html.contains(
                "<span class=\"label\">Auditor&#39;s finding:</span><span class=\"blank\">"
            )
        );
        assert!(html.contains("<div class=\"page-break\"></div>"));
    }
}
