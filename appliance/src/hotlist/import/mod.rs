//! Reading the hot lists agencies send: NCIC-style extracts, Genetec AutoVu hot-list files and
//! plain CSV with a header. Every format streams its input a line at a time, checks each line
//! with the same rules (`fields`), and either skips a bad line (when `max_errors` allows) or
//! fails the whole import, so that a half-read list is never loaded by accident.

mod csv_mapped;
mod fields;
mod fixed;
mod genetec;
mod ncic;
mod source;

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader};
use std::path::Path;

pub use csv_mapped::CsvMapping;
pub use fields::expiry;
pub use fixed::FixedLayout;
pub use genetec::{GenetecColumns, GenetecLayout};
pub use ncic::{DEFAULT_FIXED_LAYOUT, NcicLayout};

use crate::model::ListedPlate;
use source::LineSource;

/// How many problems an error shows before it only counts them.
const SHOWN_PROBLEMS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFormat {
    Ncic(NcicLayout),
    Genetec(GenetecLayout),
    Csv(CsvMapping),
}

impl ListFormat {
    /// From the CLI: `--format ncic|genetec|csv`, an optional `--layout SPEC` and
    /// `--delimiter C`. Errors are plain messages naming what is wrong.
    ///
    /// - ncic: no layout for delimited (`|` unless `--delimiter` is `,` `;` or tab), `fixed`
    ///   for [`DEFAULT_FIXED_LAYOUT`], or `NAME:start:length,...` with NCIC codes.
    /// - genetec: `Name=column,...` (delimiter `;` unless `,` `:` or tab) or
    ///   `Name=start:length,...`.
    /// - csv: optional `field=Header,...` (delimiter `,` unless `;` `|` or tab).
    pub fn from_cli(
        format: &str,
        layout: Option<&str>,
        delimiter: Option<char>,
    ) -> Result<Self, String> {
        match format.trim().to_ascii_lowercase().as_str() {
            "ncic" => ncic::layout_from_cli(layout, delimiter).map(ListFormat::Ncic),
            "genetec" => genetec::layout_from_cli(layout, delimiter).map(ListFormat::Genetec),
            "csv" => csv_mapped::mapping_from_cli(layout, delimiter).map(ListFormat::Csv),
            _ => Err(format!(
                "unknown list format {format:?}: expected ncic, genetec or csv"
            )),
        }
    }
}

fn delimiter(
    given: Option<char>,
    default: char,
    allowed: &[char],
    format: &str,
) -> Result<u8, String> {
    let c = given.unwrap_or(default);
    match u8::try_from(c) {
        Ok(byte) if allowed.contains(&c) => Ok(byte),
        _ => {
            let names: Vec<String> = allowed
                .iter()
                .map(|&a| {
                    if a == '\t' {
                        "tab".into()
                    } else {
                        a.to_string()
                    }
                })
                .collect();
            Err(format!(
                "--delimiter {c:?} is not one {format} lists use: {}",
                names.join(" ")
            ))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Bad lines to skip (and list) before the import fails; 0 fails on the first.
    pub max_errors: usize,
    pub max_bytes: u64,
    /// The file is a delta of adds and removes, with an ACTION field.
    pub delta: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            max_errors: 0,
            max_bytes: 1 << 30,
            delta: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Add,
    Remove,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedList {
    /// (line number, action, entry); the action is always `Add` unless the list is a delta.
    pub entries: Vec<(u64, Action, ListedPlate)>,
    /// Lines skipped (only when `max_errors` > 0).
    pub problems: Vec<LineProblem>,
    /// Lines read, the header and blank lines included.
    pub lines: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Mid-stream, `bytes` is what had been read when the limit was passed.
    #[error("the list is {bytes} bytes, over the import limit of {limit}")]
    TooLarge { bytes: u64, limit: u64 },
    /// `line` 0: the file could not be opened.
    #[error("{}", io_message(*line, source))]
    Io { line: u64, source: std::io::Error },
    /// The header or the layout is wrong: no line of the list can be read right.
    #[error("{message}")]
    Header { message: String },
    /// `problems` holds the first 20; `more` counts the others.
    #[error("{}", problems_message(problems, *more))]
    TooManyProblems {
        problems: Vec<LineProblem>,
        more: u64,
    },
    #[error("the list has no entries")]
    Empty,
}

fn io_message(line: u64, source: &std::io::Error) -> String {
    match line {
        0 => format!("cannot open the list: {source}"),
        _ => format!("line {line}: cannot read the list: {source}"),
    }
}

fn problems_message(problems: &[LineProblem], more: u64) -> String {
    let total = problems.len() as u64 + more;
    let mut text = format!("{total} bad line{}:", if total == 1 { "" } else { "s" });
    for problem in problems.iter().take(SHOWN_PROBLEMS) {
        text.push_str(&format!("\n{problem}"));
    }
    let unshown = total.saturating_sub(problems.len().min(SHOWN_PROBLEMS) as u64);
    if unshown > 0 {
        text.push_str(&format!("\nand {unshown} more"));
    }
    text
}

fn header_at(line: u64, message: String) -> ImportError {
    ImportError::Header {
        message: format!("line {line}: {message}"),
    }
}

/// Streams `reader` (never holding more than a line of it), calling `progress(bytes_so_far)`
/// every 64 KiB and once at the end.
pub fn parse_list(
    reader: impl BufRead,
    format: &ListFormat,
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<ParsedList, ImportError> {
    let mut source = LineSource::new(reader, options.max_bytes, progress);
    let mut out = Collector::new(options.max_errors);
    let delta = options.delta;
    match format {
        ListFormat::Ncic(layout) => ncic::parse(&mut source, layout, delta, &mut out)?,
        ListFormat::Genetec(layout) => genetec::parse(&mut source, layout, delta, &mut out)?,
        ListFormat::Csv(mapping) => csv_mapped::parse(&mut source, mapping, delta, &mut out)?,
    }
    out.finish(source.line(), source.bytes())
}

/// Refuses a file over `max_bytes` by its size before reading any of it.
pub fn parse_file(
    path: &Path,
    format: &ListFormat,
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<ParsedList, ImportError> {
    let open_error = |source| ImportError::Io { line: 0, source };
    let bytes = std::fs::metadata(path).map_err(open_error)?.len();
    if bytes > options.max_bytes {
        return Err(ImportError::TooLarge {
            bytes,
            limit: options.max_bytes,
        });
    }
    let file = std::fs::File::open(path).map_err(open_error)?;
    parse_list(
        BufReader::with_capacity(64 * 1024, file),
        format,
        options,
        progress,
    )
}

/// Feeds every line that is not blank to `row`, for the formats that are a line per entry.
fn each_line<R: BufRead>(
    source: &mut LineSource<'_, R>,
    out: &mut Collector,
    mut row: impl FnMut(&str) -> Result<(Action, ListedPlate), String>,
) -> Result<(), ImportError> {
    while let Some(line) = source.next_nonblank()? {
        out.add(line, source.text().and_then(&mut row));
    }
    Ok(())
}

/// Keeps the entries, refuses duplicates, and counts bad lines against `max_errors`.
#[derive(Debug)]
struct Collector {
    max_errors: usize,
    entries: Vec<(u64, Action, ListedPlate)>,
    problems: Vec<LineProblem>,
    bad_lines: u64,
    /// (hash of plate, state, NIC and action; index in `entries`), sorted once all lines are
    /// read: for millions of entries that is several times faster than probing a hash table
    /// at random, and needs no second copy of the keys.
    keys: Vec<(u64, usize)>,
    hasher: RandomState,
}

type Key<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Action);

fn key(action: Action, entry: &ListedPlate) -> Key<'_> {
    (
        &entry.plate,
        entry.state.as_deref(),
        entry.ncic_number.as_deref(),
        action,
    )
}

impl Collector {
    fn new(max_errors: usize) -> Self {
        Collector {
            max_errors,
            entries: Vec::new(),
            problems: Vec::new(),
            bad_lines: 0,
            keys: Vec::new(),
            hasher: RandomState::new(),
        }
    }

    fn add(&mut self, line: u64, row: Result<(Action, ListedPlate), String>) {
        match row {
            Ok((action, entry)) => {
                let hash = self.hasher.hash_one(key(action, &entry));
                self.keys.push((hash, self.entries.len()));
                self.entries.push((line, action, entry));
            }
            Err(message) => self.problem(line, message),
        }
    }

    fn problem(&mut self, line: u64, message: String) {
        self.bad_lines += 1;
        // Past `max_errors` the import fails, and the error shows only the first few.
        if self.problems.len() < self.max_errors.max(SHOWN_PROBLEMS) {
            self.problems.push(LineProblem { line, message });
        }
    }

    /// Moves every entry whose key an earlier entry has to `problems`.
    fn drop_duplicates(&mut self) {
        let mut keys = std::mem::take(&mut self.keys);
        // By hash, then index: the first of equal keys is the earliest line.
        keys.sort_unstable();
        let mut duplicates: Vec<(usize, u64)> = Vec::new();
        for same_hash in keys.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
            for (n, &(_, later)) in same_hash.iter().enumerate().skip(1) {
                let Some((_, action, entry)) = self.entries.get(later) else {
                    continue;
                };
                let first = same_hash.iter().take(n).find_map(|&(_, earlier)| {
                    let (line, a, e) = self.entries.get(earlier)?;
                    (key(*a, e) == key(*action, entry)).then_some(*line)
                });
                if let Some(first) = first {
                    duplicates.push((later, first));
                }
            }
        }
        if duplicates.is_empty() {
            return;
        }
        let mut dropped = vec![false; self.entries.len()];
        for &(later, _) in &duplicates {
            dropped[later] = true;
        }
        self.bad_lines += duplicates.len() as u64;
        // Entries are in line order, so by index is by line; only the first few can be shown.
        duplicates.sort_unstable();
        let kept = self.max_errors.max(SHOWN_PROBLEMS);
        for &(later, first) in duplicates.iter().take(kept) {
            let line = self.entries.get(later).map_or(0, |(line, _, _)| *line);
            self.problems.push(LineProblem {
                line,
                message: format!("duplicates line {first}"),
            });
        }
        // A line has one problem at most, so this only merges the duplicates in.
        self.problems.sort_by_key(|p| p.line);
        self.problems.truncate(kept);
        let mut index = 0;
        self.entries.retain(|_| {
            index += 1;
            !dropped[index - 1]
        });
    }

    fn finish(mut self, lines: u64, bytes: u64) -> Result<ParsedList, ImportError> {
        self.drop_duplicates();
        if self.bad_lines > self.max_errors as u64 {
            let mut problems = self.problems;
            problems.truncate(SHOWN_PROBLEMS);
            let more = self.bad_lines - problems.len() as u64;
            return Err(ImportError::TooManyProblems { problems, more });
        }
        if self.entries.is_empty() {
            return Err(ImportError::Empty);
        }
        Ok(ParsedList {
            entries: self.entries,
            problems: self.problems,
            lines,
            bytes,
        })
    }
}

#[cfg(test)]
mod testing {
    use std::path::PathBuf;

    use chrono::{DateTime, Utc};

    use super::{ImportError, ImportOptions, ListFormat, ParsedList, parse_list};
    use crate::model::ListedPlate;

    pub(super) fn parse(
        format: &ListFormat,
        options: &ImportOptions,
        input: &[u8],
    ) -> Result<ParsedList, ImportError> {
        parse_list(input, format, options, &mut |_| {})
    }

    pub(super) fn options(max_errors: usize, delta: bool) -> ImportOptions {
        ImportOptions {
            max_errors,
            delta,
            ..ImportOptions::default()
        }
    }

    pub(super) fn message(result: Result<ParsedList, ImportError>) -> String {
        result.expect_err("the import fails").to_string()
    }

    /// Asserts that the import failed on exactly these lines.
    pub(super) fn expect_problems(result: Result<ParsedList, ImportError>, expected: &[&str]) {
        match result {
            Err(ImportError::TooManyProblems { problems, more }) => {
                let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
                assert_eq!(
                    (got, more),
                    (expected.iter().map(|s| s.to_string()).collect(), 0)
                );
            }
            other => panic!("expected TooManyProblems, got {other:?}"),
        }
    }

    pub(super) fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write the test file");
        path
    }

    pub(super) fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("test date").to_utc()
    }

    pub(super) fn entry(plate: &str, state: Option<&str>, reason: &str) -> ListedPlate {
        ListedPlate {
            plate: plate.into(),
            state: state.map(Into::into),
            reason: reason.into(),
            ..ListedPlate::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, Read, Write};
    use std::time::Instant;

    use super::testing::{entry, message, options, parse};
    use super::*;

    fn ncic() -> ListFormat {
        ListFormat::from_cli("NCIC", None, None).expect("format")
    }

    /// NCIC lines made on the fly, each with its own plate, as a pipe would deliver them.
    struct Generated {
        next: u64,
        end: u64,
        buf: Vec<u8>,
        at: usize,
    }

    impl Generated {
        fn new(lines: u64) -> Self {
            Generated {
                next: 0,
                end: lines,
                buf: Vec::new(),
                at: 0,
            }
        }
    }

    impl Read for Generated {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            const STATES: [&str; 8] = ["IA", "NE", "MN", "WI", "IL", "MO", "SD", "KS"];
            if self.at == self.buf.len() {
                self.buf.clear();
                self.at = 0;
                while self.buf.len() < 64 * 1024 && self.next < self.end {
                    let i = self.next;
                    let state = STATES[(i % 8) as usize];
                    writeln!(
                        self.buf,
                        "P{i:07X}|{state}|PC|2025|HOND|ACC|2019|BLK/WHI|V{i:09}|IA0770000|24-{i:06}|STOLEN VEHICLE"
                    )?;
                    self.next += 1;
                }
            }
            let n = out.len().min(self.buf.len() - self.at);
            out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn unknown_formats_are_named() {
        assert_eq!(
            ListFormat::from_cli("xml", None, None),
            Err("unknown list format \"xml\": expected ncic, genetec or csv".into())
        );
        assert_eq!(
            ListFormat::from_cli("csv", None, Some('é')),
            Err("--delimiter 'é' is not one csv lists use: , ; | tab".into())
        );
    }

    #[test]
    fn a_sparse_2_gib_file_is_refused_by_its_size_before_reading() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("huge.txt");
        std::fs::File::create(&path)
            .and_then(|f| f.set_len(2 << 30))
            .expect("sparse file");
        let mut calls = 0;
        let err = parse_file(&path, &ncic(), &ImportOptions::default(), &mut |_| {
            calls += 1
        })
        .expect_err("too large");
        assert!(
            matches!(
                err,
                ImportError::TooLarge {
                    bytes: 2_147_483_648,
                    limit: 1_073_741_824
                }
            ),
            "{err:?}"
        );
        assert_eq!(calls, 0, "nothing was read");
        assert_eq!(
            err.to_string(),
            "the list is 2147483648 bytes, over the import limit of 1073741824"
        );
    }

    #[test]
    fn a_pipe_over_the_limit_fails_mid_stream() {
        let mut seen = Vec::new();
        let limit = ImportOptions {
            max_bytes: 1 << 20,
            ..ImportOptions::default()
        };
        let err = parse_list(
            io::BufReader::new(Generated::new(100_000)),
            &ncic(),
            &limit,
            &mut |b| seen.push(b),
        )
        .expect_err("too large");
        assert!(
            matches!(
                err,
                ImportError::TooLarge {
                    bytes: 1_048_577,
                    limit: 1_048_576
                }
            ),
            "{err:?}"
        );
        assert_eq!(seen.len(), 15, "{seen:?}");
        assert!(
            seen.windows(2).all(|w| w[1] - w[0] >= 64 * 1024),
            "{seen:?}"
        );
    }

    #[test]
    fn progress_is_reported_while_streaming_and_at_the_end() {
        let mut seen = Vec::new();
        let list = parse_list(
            io::BufReader::new(Generated::new(3_000)),
            &ncic(),
            &ImportOptions::default(),
            &mut |b| seen.push(b),
        )
        .expect("parses");
        assert_eq!((list.entries.len(), list.lines), (3_000, 3_000));
        assert_eq!(seen.len(), 5, "{seen:?}");
        assert_eq!(seen.last(), Some(&list.bytes));
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    }

    #[test]
    fn max_errors_skips_bad_lines_and_lists_them() {
        let input = b"LIC|LIS\nABC123|IA\n|IA\nDEF456|IOWA\nXYZ987|NE\nABC123|IA\n";
        let list = parse(&ncic(), &options(3, false), input).expect("three may be skipped");
        assert_eq!(
            list.entries,
            vec![
                (2, Action::Add, entry("ABC123", Some("IA"), "")),
                (5, Action::Add, entry("XYZ987", Some("NE"), "")),
            ]
        );
        let problems: Vec<String> = list.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            vec![
                "line 3: missing plate",
                "line 4: LIS \"IOWA\" is not a two-letter state",
                "line 6: duplicates line 2",
            ]
        );
        assert_eq!(
            message(parse(&ncic(), &options(2, false), input)),
            "3 bad lines:\n\
             line 3: missing plate\n\
             line 4: LIS \"IOWA\" is not a two-letter state\n\
             line 6: duplicates line 2"
        );
    }

    #[test]
    fn too_many_problems_shows_the_first_twenty_then_counts_the_rest() {
        // The duplicate is only found at the end, yet shown in its place among the first.
        let input = "LIC|LIS\nABC123|IA\nABC123|IA\n".to_string() + &"|IA\n".repeat(25);
        match parse(&ncic(), &options(0, false), input.as_bytes()) {
            Err(ImportError::TooManyProblems { problems, more }) => {
                assert_eq!((problems.len(), more), (20, 6));
                assert_eq!(problems[0].to_string(), "line 3: duplicates line 2");
                assert_eq!(problems[19].to_string(), "line 22: missing plate");
            }
            other => panic!("{other:?}"),
        }
        let text = message(parse(&ncic(), &options(0, false), input.as_bytes()));
        assert!(
            text.starts_with("26 bad lines:\nline 3: duplicates line 2\nline 4: missing plate\n"),
            "{text}"
        );
        assert!(
            text.ends_with("\nline 22: missing plate\nand 6 more"),
            "{text}"
        );
    }

    #[test]
    fn a_list_without_entries_is_refused() {
        for input in [&b""[..], b"\n \r\n", b"LIC|LIS|RSN\n"] {
            assert_eq!(
                message(parse(&ncic(), &options(0, false), input)),
                "the list has no entries"
            );
        }
        assert!(matches!(
            parse(&ncic(), &options(1, false), b"|IA\n"),
            Err(ImportError::Empty)
        ));
    }

    #[test]
    fn read_errors_name_their_line() {
        let failing = b"ABC123|IA|||||||||||\n".chain(FailingReader);
        let err = parse_list(
            io::BufReader::new(failing),
            &ncic(),
            &options(0, false),
            &mut |_| {},
        )
        .expect_err("fails");
        assert_eq!(
            err.to_string(),
            "line 2: cannot read the list: the disk went away"
        );

        let missing = std::path::Path::new("/nonexistent/list.txt");
        let err =
            parse_file(missing, &ncic(), &options(0, false), &mut |_| {}).expect_err("no file");
        assert!(matches!(err, ImportError::Io { line: 0, .. }), "{err:?}");
        assert!(
            err.to_string().starts_with("cannot open the list: "),
            "{err}"
        );
    }

    struct FailingReader;

    impl Read for FailingReader {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("the disk went away"))
        }
    }

    #[test]
    fn entries_with_the_same_hash_but_other_keys_are_not_duplicates() {
        let mut out = Collector::new(0);
        out.add(1, Ok((Action::Add, entry("ABC123", Some("IA"), ""))));
        out.add(2, Ok((Action::Add, entry("XYZ987", Some("NE"), ""))));
        out.add(3, Ok((Action::Add, entry("XYZ987", Some("NE"), "again"))));
        out.add(4, Ok((Action::Remove, entry("XYZ987", Some("NE"), ""))));
        out.add(5, Ok((Action::Add, entry("ABC123", Some("IA"), "again"))));
        // Give every entry the same hash, as a collision would.
        for (hash, _) in &mut out.keys {
            *hash = 7;
        }
        match out.finish(5, 0) {
            Err(ImportError::TooManyProblems { problems, more: 0 }) => {
                let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
                assert_eq!(
                    got,
                    vec!["line 3: duplicates line 2", "line 5: duplicates line 1"]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    /// `cargo test --release -- --ignored --nocapture` prints the time for 5 million lines.
    #[test]
    #[ignore = "a timing run: use --release"]
    fn five_million_ncic_lines() {
        const LINES: u64 = 5_000_000;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("five-million.txt");
        let mut file = io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        io::copy(&mut Generated::new(LINES), &mut file).expect("generate");
        file.flush().expect("flush");
        drop(file);

        let started = Instant::now();
        let list =
            parse_file(&path, &ncic(), &ImportOptions::default(), &mut |_| {}).expect("parses");
        let took = started.elapsed();
        println!(
            "{LINES} NCIC lines, {} MB, parsed in {:.2} s ({:.0} lines/s)",
            list.bytes / 1_000_000,
            took.as_secs_f64(),
            LINES as f64 / took.as_secs_f64()
        );
        assert_eq!(list.entries.len() as u64, LINES);
        let (line, action, last) = &list.entries[LINES as usize - 1];
        assert_eq!(
            (*line, *action, last.plate.as_str()),
            (LINES, Action::Add, "P04C4B3F")
        );
        assert!(took.as_secs() < 20, "took {took:?}");
    }
}
