//! The PDF rendering: the document is laid out onto US Letter pages ([`layout`], with a module per
//! kind of block), page numbers are added once the page count is known, and the pages are written
//! with pdf-writer ([`emit`]).

mod bar_chart;
mod blocks;
mod emit;
mod fonts;
mod layout;
mod table;
mod wrap;

use super::text::normalize;
use super::{Block, Document};
use layout::Flow;

pub(super) fn render(doc: &Document) -> Vec<u8> {
    let title = normalize(&doc.title);
    let mut flow = Flow::new();
    blocks::title(&mut flow, &title, doc.subtitle.as_deref());
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => blocks::heading(&mut flow, *level, text),
            Block::Paragraph(text) => blocks::paragraph(&mut flow, text),
            Block::KeyValues(pairs) => blocks::key_values(&mut flow, pairs),
            Block::Table { headers, rows } => table::table(&mut flow, headers, rows),
            Block::BarChart { title, unit, bars } => {
                bar_chart::bar_chart(&mut flow, title, unit, bars)
            }
            Block::SignatureLine(text) => blocks::signature_line(&mut flow, text),
            Block::PageBreak => blocks::page_break(&mut flow),
        }
    }
    let mut pages = flow.into_pages();
    layout::add_page_furniture(&mut pages, &fonts::encode(&title));
    emit::write(&pages, &title)
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    const ROWS: usize = 300;

    /// A yearly-report shaped document whose 300-row table runs over several pages.
    fn long_report() -> Document {
        Document {
            title: "Yearly ALPR report to the city council".into(),
            subtitle: Some("Calendar year 2025 — Gotham Police Department".into()),
            blocks: vec![
                Block::KeyValues(vec![
                    ("To".into(), "City Council".into()),
                    ("From".into(), "Chief of Police".into()),
                ]),
                Block::Heading {
                    level: 1,
                    text: "Reads".into(),
                },
                Block::Paragraph("Café – “Größe” costs €5; 日本 is not in WinAnsi.".into()),
                Block::BarChart {
                    title: "Reads per month".into(),
                    unit: "reads".into(),
                    bars: vec![
                        ("Jan".into(), 1204.0),
                        ("Feb".into(), 0.0),
                        ("Mar".into(), -3.0),
                    ],
                },
                Block::Table {
                    headers: vec!["Plate".into(), "Reads".into(), "Note".into()],
                    rows: (1..=ROWS)
                        .map(|i| vec![format!("R-{i:04}"), (i * 3).to_string(), "ok".into()])
                        .collect(),
                },
                Block::SignatureLine("Auditor's finding".into()),
            ],
        }
    }

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|w| w == needle)
    }

    fn count(haystack: &[u8], needle: &[u8]) -> usize {
        haystack
            .windows(needle.len())
            .filter(|w| *w == needle)
            .count()
    }

    #[test]
    fn the_file_has_a_header_a_cross_reference_table_that_points_at_its_objects_and_an_end() {
        let pdf = render(&long_report());
        assert!(pdf.starts_with(b"%PDF-1."), "header");
        assert!(pdf.ends_with(b"%%EOF"), "end marker");

        let startxref = pdf
            .windows(b"startxref\n".len())
            .rposition(|w| w == b"startxref\n")
            .expect("startxref");
        let tail = String::from_utf8_lossy(&pdf[startxref + b"startxref\n".len()..]).into_owned();
        let xref: usize = tail
            .lines()
            .next()
            .expect("offset")
            .parse()
            .expect("number");
        assert!(
            pdf[xref..].starts_with(b"xref\n0 "),
            "startxref points at the xref table"
        );

        let table = String::from_utf8_lossy(&pdf[xref..startxref]).into_owned();
        let mut lines = table.lines().skip(1);
        let objects: usize = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|n| n.parse().ok())
            .expect("xref size");
        for id in 1..objects {
            let entry = lines.nth(usize::from(id == 1)).expect("entry");
            let offset: usize = entry[..10].parse().expect("offset");
            assert!(entry.ends_with('n'), "object {id} in use: {entry}");
            let header = format!("{id} 0 obj");
            assert!(
                pdf[offset..].starts_with(header.as_bytes()),
                "xref entry for object {id}"
            );
        }
        assert!(
            table.contains("trailer") && table.contains("/Root 1 0 R"),
            "{table}"
        );
        assert!(table.contains("/Info 3 0 R"), "{table}");

        let pages = count(&pdf, b"/Type /Page\n");
        assert!(pages >= 5, "300 rows need several pages, got {pages}");
        assert!(find(&pdf, format!("/Count {pages}").as_bytes()).is_some());
        assert_eq!(count(&pdf, b"/MediaBox [0 0 612 792]"), pages, "US Letter");
        assert!(find(&pdf, b"/BaseFont /Helvetica-Bold").is_some());
        assert_eq!(count(&pdf, b"/Encoding /WinAnsiEncoding"), 2);
        assert!(
            find(&pdf, b"/FontFile").is_none(),
            "base-14 fonts are not embedded"
        );
        assert!(find(&pdf, format!("(Page {pages} of {pages}) Tj").as_bytes()).is_some());
    }

    #[test]
    fn the_same_document_gives_the_same_bytes() {
        assert_eq!(render(&long_report()), render(&long_report()));
    }

    /// Text as a reader's copy-and-paste sees it, by poppler's `pdftotext`; `None` where poppler
    /// is not installed, so the rest of the suite still runs.
    fn pdftotext(pdf: &[u8], page: Option<usize>) -> Option<String> {
        if Command::new("pdftotext").arg("-v").output().is_err() {
            eprintln!("pdftotext not found (apt-get install poppler-utils): text checks skipped");
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, pdf).expect("write pdf");
        let mut command = Command::new("pdftotext");
        if let Some(page) = page {
            command.args(["-f", &page.to_string(), "-l", &page.to_string()]);
        }
        let output = command.arg(&path).arg("-").output().expect("run pdftotext");
        assert!(output.status.success(), "pdftotext failed: {output:?}");
        // Poppler reports a malformed file on stderr ("Syntax Error: ...") yet still extracts.
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "",
            "poppler complained"
        );
        Some(String::from_utf8(output.stdout).expect("utf-8"))
    }

    #[test]
    fn pdftotext_reads_the_title_the_table_on_page_two_and_the_page_numbers() {
        let pdf = render(&long_report());
        let Some(all) = pdftotext(&pdf, None) else {
            return;
        };
        let pages = all.matches('\u{c}').count();
        assert!(pages >= 5, "{pages} pages");
        assert!(
            all.contains("Yearly ALPR report to the city council"),
            "{all}"
        );
        assert!(all.contains("Calendar year 2025 — Gotham Police Department"));
        assert!(all.contains(&format!("Page {pages} of {pages}")));
        for i in 1..=ROWS {
            assert_eq!(
                all.matches(&format!("R-{i:04}")).count(),
                1,
                "row {i} exactly once"
            );
        }

        let first = pdftotext(&pdf, Some(1)).expect("page 1");
        let second = pdftotext(&pdf, Some(2)).expect("page 2");
        assert!(second.contains(&format!("Page 2 of {pages}")), "{second}");
        assert!(
            second.contains("Plate") && second.contains("Reads"),
            "header repeated: {second}"
        );
        let on_second: Vec<usize> = (1..=ROWS)
            .filter(|i| second.contains(&format!("R-{i:04}")))
            .collect();
        assert!(!on_second.is_empty(), "page 2 holds table rows: {second}");
        for i in &on_second {
            assert!(
                !first.contains(&format!("R-{i:04}")),
                "row {i} is on page 2, not page 1"
            );
        }
    }

    #[test]
    fn pdftotext_reads_win_ansi_characters_back_and_others_as_question_marks() {
        let pdf = render(&long_report());
        let Some(all) = pdftotext(&pdf, Some(1)) else {
            return;
        };
        assert!(
            all.contains("Café – “Größe” costs €5; ?? is not in WinAnsi."),
            "{all}"
        );
        assert!(all.contains("To:") && all.contains("City Council"), "{all}");
        for chart_text in ["Reads per month", "Jan", "1,204", "-3", "reads"] {
            assert!(all.contains(chart_text), "{chart_text} missing from {all}");
        }
    }

    #[test]
    fn pdftotext_reads_hostile_input_without_complaint() {
        let pdf = crate::documents::tests::hostile_document().to_pdf();
        let Some(all) = pdftotext(&pdf, None) else {
            return;
        };
        assert!(
            all.contains("Tïtle <script>alert(1)</script> ??? ? ? ?rtl"),
            "{}",
            all.chars().take(200).collect::<String>()
        );
    }
}
