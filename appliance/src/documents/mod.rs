//! Documents the appliance writes for people — the monthly audit memorandum to the chief of police
//! and the yearly ALPR report to the city council — as one model rendered three ways: Markdown for
//! the record, a self-contained HTML file to read or print, and a US Letter PDF to file.
//!
//! Text in every block is a run of words: runs of whitespace, newlines included, read as one space
//! in all three renderers, so the three say the same thing and no renderer has to decide what a
//! stray newline in a table cell means.

mod chart;
mod html;
mod markdown;
mod pdf;
mod svg_chart;
mod text;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A document: a title (and subtitle) followed by blocks in reading order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub title: String,
    pub subtitle: Option<String>,
    pub blocks: Vec<Block>,
}

/// One block of a [`Document`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Block {
    /// A section heading; `level` 1 is the largest. Levels outside 1..=3 are clamped.
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(String),
    /// Header lines such as "To: Chief of Police"; the renderers add the colon after the key
    /// unless it already ends with one.
    KeyValues(Vec<(String, String)>),
    /// Rows shorter than the widest row (or the header) are padded with empty cells.
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Horizontal bars from zero, one per `(label, value)`; `unit` names what the values count.
    /// Values that are not finite are shown as "n/a" and drawn as zero.
    BarChart {
        title: String,
        unit: String,
        bars: Vec<(String, f64)>,
    },
    /// A label followed by a blank line to fill in by hand, e.g. "Auditor's finding: ______".
    SignatureLine(String),
    PageBreak,
}

impl Document {
    /// The document as CommonMark (with GitHub tables); bar charts become tables of their values.
    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }

    /// The document as one self-contained HTML file: inline CSS, bar charts as inline SVG, every
    /// piece of text escaped.
    pub fn to_html(&self) -> String {
        html::render(self)
    }

    /// The document as a US Letter PDF using the standard Helvetica fonts; characters those fonts
    /// cannot show (outside WinAnsiEncoding) print as '?'.
    pub fn to_pdf(&self) -> Vec<u8> {
        pdf::render(self)
    }

    /// Writes `stem.md`, `stem.html` and `stem.pdf` into `dir` (created if missing) and returns
    /// their paths in that order. Each file is written beside its final name and then renamed, so
    /// a reader (or a power cut) never sees half a document.
    pub fn write_all(&self, dir: &Path, stem: &str) -> io::Result<Vec<PathBuf>> {
        check_stem(stem)?;
        fs::create_dir_all(dir)?;
        let outputs = [
            ("md", self.to_markdown().into_bytes()),
            ("html", self.to_html().into_bytes()),
            ("pdf", self.to_pdf()),
        ];
        let mut paths = Vec::with_capacity(outputs.len());
        for (extension, bytes) in outputs {
            let path = dir.join(format!("{stem}.{extension}"));
            write_replacing(&path, &dir.join(format!(".{stem}.{extension}.tmp")), &bytes)?;
            paths.push(path);
        }
        Ok(paths)
    }
}

/// A stem that names a path elsewhere would write outside `dir`.
fn check_stem(stem: &str) -> io::Result<()> {
    let bad = stem.is_empty()
        || stem == "."
        || stem == ".."
        || stem.contains(['/', '\\', '\0'])
        || Path::new(stem).is_absolute();
    if bad {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("document file stem {stem:?} must be a plain file name"),
        ));
    }
    Ok(())
}

fn write_replacing(path: &Path, temporary: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything a careless caller or a hostile plate string could hand the renderers.
    pub(crate) fn hostile_document() -> Document {
        let long_word = "X".repeat(5_000);
        Document {
            title: "Tïtle <script>alert(1)</script> 日本語 🚓 \u{0} \u{202e}rtl".into(),
            subtitle: Some("\t\n  \r ".into()),
            blocks: vec![
                Block::Heading {
                    level: 0,
                    text: String::new(),
                },
                Block::Heading {
                    level: 200,
                    text: "# | * _ ` [x](y) \\".into(),
                },
                Block::Paragraph(String::new()),
                Block::Paragraph(format!("{long_word} e\u{301} \u{fffd} \u{1F600}")),
                Block::KeyValues(vec![]),
                Block::KeyValues(vec![
                    (String::new(), String::new()),
                    (long_word.clone(), "v".into()),
                ]),
                Block::Table {
                    headers: vec![],
                    rows: vec![],
                },
                Block::Table {
                    headers: vec!["only header".into()],
                    rows: vec![],
                },
                Block::Table {
                    headers: vec![],
                    rows: vec![vec![], vec!["a".into(), "b".into(), "c".into()]],
                },
                Block::Table {
                    headers: (0..40).map(|i| format!("column {i}")).collect(),
                    rows: vec![vec![long_word.clone(); 40]],
                },
                Block::Table {
                    headers: vec!["n".into(), "text".into()],
                    rows: (0..300)
                        .map(|i| vec![i.to_string(), "ü|€".repeat(i % 7)])
                        .collect(),
                },
                Block::BarChart {
                    title: String::new(),
                    unit: String::new(),
                    bars: vec![],
                },
                Block::BarChart {
                    title: "all zero".into(),
                    unit: "reads".into(),
                    bars: vec![("a".into(), 0.0), ("b".into(), -0.0)],
                },
                Block::BarChart {
                    title: "odd values".into(),
                    unit: "%".into(),
                    bars: vec![
                        (long_word.clone(), f64::NAN),
                        ("inf".into(), f64::INFINITY),
                        ("-inf".into(), f64::NEG_INFINITY),
                        ("neg".into(), -42.5),
                        ("max".into(), f64::MAX),
                        ("min".into(), f64::MIN),
                        ("tiny".into(), f64::MIN_POSITIVE),
                        ("sub".into(), 5e-324),
                    ],
                },
                Block::BarChart {
                    title: "many".into(),
                    unit: "hits".into(),
                    bars: (0..200)
                        .map(|i| (format!("day {i}"), f64::from(i)))
                        .collect(),
                },
                Block::SignatureLine(String::new()),
                Block::SignatureLine(long_word),
                Block::PageBreak,
                Block::PageBreak,
            ],
        }
    }

    #[test]
    fn write_all_writes_the_three_files_and_returns_their_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("reports").join("2025-06");
        let doc = Document {
            title: "Monthly ALPR audit".into(),
            subtitle: Some("June 2025".into()),
            blocks: vec![Block::Paragraph("All reads reviewed.".into())],
        };
        let paths = doc.write_all(&target, "audit-2025-06").expect("write");
        let names: Vec<_> = paths
            .iter()
            .map(|p| p.strip_prefix(&target).expect("inside dir").to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "audit-2025-06.md",
                "audit-2025-06.html",
                "audit-2025-06.pdf"
            ]
            .map(PathBuf::from)
        );
        assert_eq!(
            fs::read_to_string(&paths[0]).expect("md"),
            doc.to_markdown()
        );
        assert_eq!(fs::read_to_string(&paths[1]).expect("html"), doc.to_html());
        assert_eq!(fs::read(&paths[2]).expect("pdf"), doc.to_pdf());
        let leftovers: Vec<_> = fs::read_dir(&target)
            .expect("list")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }

    #[test]
    fn write_all_refuses_stems_that_leave_the_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let doc = hostile_document();
        for stem in ["", ".", "..", "../escape", "a/b", "a\\b", "/abs"] {
            let err = doc.write_all(dir.path(), stem).expect_err(stem);
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{stem}");
        }
        assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 0);
    }

    #[test]
    fn hostile_input_renders_in_every_format() {
        let doc = hostile_document();
        let md = doc.to_markdown();
        let html = doc.to_html();
        let pdf = doc.to_pdf();
        assert!(md.starts_with("# "));
        assert!(!html.contains("<script>"));
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 10_000, "a 300-row table makes a long PDF");
    }

    #[test]
    fn documents_round_trip_through_json() {
        let doc = Document {
            title: "Monthly ALPR audit".into(),
            subtitle: None,
            blocks: vec![
                Block::KeyValues(vec![("To".into(), "Chief of Police".into())]),
                Block::BarChart {
                    title: "Reads".into(),
                    unit: "reads".into(),
                    bars: vec![("Jan".into(), 12.5)],
                },
                Block::PageBreak,
            ],
        };
        let json = serde_json::to_string(&doc).expect("serialize");
        assert_eq!(
            serde_json::from_str::<Document>(&json).expect("deserialize"),
            doc
        );
    }

    mod arbitrary_input {
        use super::super::*;
        use proptest::prelude::*;

        /// Any string, including controls, combining marks and astral characters, which
        /// `any::<String>()` alone leaves out.
        fn text() -> impl Strategy<Value = String> + Clone {
            prop_oneof![
                any::<String>(),
                prop::collection::vec(any::<char>(), 0..60).prop_map(String::from_iter),
            ]
        }

        fn block() -> impl Strategy<Value = Block> {
            prop_oneof![
                (any::<u8>(), text()).prop_map(|(level, text)| Block::Heading { level, text }),
                text().prop_map(Block::Paragraph),
                prop::collection::vec((text(), text()), 0..4).prop_map(Block::KeyValues),
                (
                    prop::collection::vec(text(), 0..5),
                    prop::collection::vec(prop::collection::vec(text(), 0..6), 0..8)
                )
                    .prop_map(|(headers, rows)| Block::Table { headers, rows }),
                (
                    text(),
                    text(),
                    prop::collection::vec((text(), any::<f64>()), 0..8)
                )
                    .prop_map(|(title, unit, bars)| Block::BarChart {
                        title,
                        unit,
                        bars
                    }),
                text().prop_map(Block::SignatureLine),
                Just(Block::PageBreak),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn any_document_renders_without_panicking(
                title in text(),
                subtitle in proptest::option::of(text()),
                blocks in prop::collection::vec(block(), 0..8),
            ) {
                let doc = Document { title, subtitle, blocks };
                let html = doc.to_html();
                prop_assert!(html.ends_with("</html>\n"));
                prop_assert!(!doc.to_markdown().is_empty());
                let pdf = doc.to_pdf();
                prop_assert!(pdf.starts_with(b"%PDF-"));
                prop_assert!(pdf.ends_with(b"%%EOF"));
            }
        }
    }
}
