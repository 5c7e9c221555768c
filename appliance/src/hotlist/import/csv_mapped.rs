//! Plain CSV with a header, its columns mapped to our fields by `--layout plate=Tag,...` or by
//! header names equal to ours. The csv crate does the quoting; lines reach it through
//! [`LineSource`] so that sizes, encodings and line numbers are checked as for other formats.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use csv::ByteRecord;

use super::fields::{Field, OUR_NAMES, Row, check_action, our_field};
use super::source::LineSource;
use super::{Action, Collector, ImportError, header_at};
use crate::model::ListedPlate;

const DELIMITERS: [char; 4] = [',', ';', '|', '\t'];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvMapping {
    delimiter: u8,
    /// (our field, header name) from `--layout`.
    mapped: Vec<(Field, String)>,
}

pub(super) fn mapping_from_cli(
    layout: Option<&str>,
    delimiter: Option<char>,
) -> Result<CsvMapping, String> {
    let delimiter = super::delimiter(delimiter, ',', &DELIMITERS, "csv")?;
    let mut mapped: Vec<(Field, String)> = Vec::new();
    for item in layout.into_iter().flat_map(|spec| spec.split(',')) {
        let item = item.trim();
        let (ours, theirs) = item
            .split_once('=')
            .map(|(o, t)| (o.trim(), t.trim()))
            .filter(|(o, t)| !o.is_empty() && !t.is_empty())
            .ok_or_else(|| format!("{item:?} in --layout is not field=Header"))?;
        let field = our_field(ours).ok_or_else(|| {
            let known: Vec<&str> = OUR_NAMES.iter().map(|(name, _)| *name).collect();
            format!("{ours:?} in --layout is not one of {}", known.join(", "))
        })?;
        if mapped.iter().any(|(f, _)| *f == field) {
            return Err(format!("{ours} is mapped twice in --layout"));
        }
        mapped.push((field, theirs.to_string()));
    }
    Ok(CsvMapping { delimiter, mapped })
}

/// (0-based column, field, header name).
type Columns = Vec<(usize, Field, String)>;

impl CsvMapping {
    /// A column the layout maps takes that field; other columns named as one of our fields
    /// take it unless the layout gave it elsewhere; the rest are custom fields.
    fn columns(&self, header: &[&str], delta: bool) -> Result<Columns, String> {
        let mut columns: Columns = Vec::with_capacity(header.len());
        for (i, name) in header.iter().map(|n| n.trim()).enumerate() {
            if name.is_empty() {
                continue;
            }
            let mapped = self
                .mapped
                .iter()
                .find(|(_, t)| t.eq_ignore_ascii_case(name));
            let field = match (mapped, our_field(name)) {
                (Some((field, _)), _) => field.clone(),
                (None, Some(ours)) if !self.mapped.iter().any(|(f, _)| *f == ours) => ours,
                _ => Field::Extra(name.to_string()),
            };
            let same = |(_, f, _): &&(usize, Field, String)| *f == field;
            if let Some((j, _, _)) = columns.iter().find(same)
                && !matches!(field, Field::Extra(_))
            {
                return Err(format!(
                    "columns {} and {} give the same field",
                    j + 1,
                    i + 1
                ));
            }
            columns.push((i, field, name.to_string()));
        }
        for (field, theirs) in &self.mapped {
            if !columns.iter().any(|(_, f, _)| f == field) {
                return Err(format!("the header has no {theirs:?} column"));
            }
        }
        if !columns.iter().any(|(_, f, _)| *f == Field::Plate) {
            return Err("the header has no plate column".into());
        }
        let has_action = columns.iter().any(|(_, f, _)| *f == Field::Action);
        check_action(has_action, delta, "column")?;
        Ok(columns)
    }
}

pub(super) fn parse<R: BufRead>(
    source: &mut LineSource<'_, R>,
    mapping: &CsvMapping,
    delta: bool,
    out: &mut Collector,
) -> Result<(), ImportError> {
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(mapping.delimiter)
        // Line ends are already `\n` alone; a stray `\r` inside a line is data.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(Tap::new(source));
    let mut records = Records {
        reader,
        record: ByteRecord::new(),
    };
    let Some((line, fault)) = records.next()? else {
        return Ok(());
    };
    if let Some(message) = fault {
        return Err(header_at(line, message));
    }
    let header = records
        .record
        .iter()
        .map(std::str::from_utf8)
        .collect::<Result<Vec<&str>, _>>()
        .map_err(|_| header_at(line, "not UTF-8".into()))?;
    let columns = mapping
        .columns(&header, delta)
        .map_err(|m| header_at(line, m))?;
    let width = header.len();
    while let Some((line, fault)) = records.next()? {
        let row = match fault {
            Some(message) => Err(message),
            None => row(&records.record, &columns, width, delta),
        };
        out.add(line, row);
    }
    Ok(())
}

fn row(
    record: &ByteRecord,
    columns: &Columns,
    width: usize,
    delta: bool,
) -> Result<(Action, ListedPlate), String> {
    if record.len() != width {
        return Err(format!("{} fields, the header has {width}", record.len()));
    }
    let mut row = Row::default();
    for (i, field, name) in columns {
        let value = record.get(*i).unwrap_or_default();
        let value = std::str::from_utf8(value).map_err(|_| "not UTF-8".to_string())?;
        row.set(field, name, value)?;
    }
    row.finish(delta)
}

struct Records<'s, 'p, R> {
    reader: csv::Reader<Tap<'s, 'p, R>>,
    record: ByteRecord,
}

impl<R: BufRead> Records<'_, '_, R> {
    /// Reads the next record into `self.record`: its first line, and the first fault on any of
    /// its lines. Lines of nothing but white space are skipped, as in other formats.
    fn next(&mut self) -> Result<Option<(u64, Option<String>)>, ImportError> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(e) => {
                    let line = self.reader.position().line();
                    return Err(self.reader.get_mut().take_error().unwrap_or_else(|| {
                        ImportError::Io {
                            line,
                            source: io::Error::from(e),
                        }
                    }));
                }
            }
            let reported = self.record.position().map_or(1, csv::Position::line);
            let after = self.reader.position().line();
            let tap = self.reader.get_mut();
            let start = tap.first_filled_line(reported);
            if let Some((line, fault)) = tap.first_fault_before(after) {
                return Ok(Some((line, Some(fault))));
            }
            let blank = self.record.len() == 1
                && self
                    .record
                    .iter()
                    .all(|f| f.iter().all(u8::is_ascii_whitespace));
            if !blank {
                return Ok(Some((start, None)));
            }
        }
    }
}

/// Hands the csv reader the source's lines, each ended by `\n`, and keeps what it learns of
/// them: the csv crate counts an empty line skipped before a record as the record's first
/// line, and knows nothing of encodings.
struct Tap<'s, 'p, R> {
    source: &'s mut LineSource<'p, R>,
    /// How much of the current line has been handed over; `None` once its `\n` has.
    at: Option<usize>,
    empty_lines: VecDeque<u64>,
    faults: VecDeque<(u64, String)>,
    error: Option<ImportError>,
}

impl<'s, 'p, R: BufRead> Tap<'s, 'p, R> {
    fn new(source: &'s mut LineSource<'p, R>) -> Self {
        Tap {
            source,
            at: None,
            empty_lines: VecDeque::new(),
            faults: VecDeque::new(),
            error: None,
        }
    }

    fn take_error(&mut self) -> Option<ImportError> {
        self.error.take()
    }

    /// The first line from `reported` on that is not empty.
    fn first_filled_line(&mut self, mut reported: u64) -> u64 {
        while let Some(&empty) = self.empty_lines.front()
            && empty <= reported
        {
            self.empty_lines.pop_front();
            if empty == reported {
                reported += 1;
            }
        }
        reported
    }

    fn first_fault_before(&mut self, line: u64) -> Option<(u64, String)> {
        let mut first = None;
        while self.faults.front().is_some_and(|(at, _)| *at < line) {
            let fault = self.faults.pop_front();
            first = first.or(fault);
        }
        first
    }
}

impl<R: BufRead> Read for Tap<'_, '_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let at = match self.at {
            Some(at) => at,
            None => match self.source.advance() {
                Ok(false) => return Ok(0),
                Ok(true) => {
                    let line = self.source.line();
                    if self.source.raw().is_empty() {
                        self.empty_lines.push_back(line);
                    } else if let Err(fault) = self.source.text() {
                        self.faults.push_back((line, fault));
                    }
                    0
                }
                Err(e) => {
                    self.error = Some(e);
                    return Err(io::Error::other("the import stopped"));
                }
            },
        };
        let rest = self.source.raw().get(at..).unwrap_or_default();
        if rest.is_empty() {
            out[0] = b'\n';
            self.at = None;
            return Ok(1);
        }
        let n = rest.len().min(out.len());
        out[..n].copy_from_slice(&rest[..n]);
        self.at = Some(at + n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{entry, expect_problems, message, options, parse, utc, write};
    use super::super::{ImportOptions, ListFormat, parse_file};
    use super::*;
    use crate::model::Priority;

    fn csv(layout: Option<&str>) -> ListFormat {
        ListFormat::from_cli("csv", layout, None).expect("a good format")
    }

    #[test]
    fn mapped_file_with_every_field_quoting_and_custom_columns() {
        let layout = "plate=Tag,state=St,plate_type=Kind,plate_year=Reg,make=Mk,model=Mdl,\
            vehicle_year=Yr,color=Col,reason=Why,priority=Pri,ncic_number=Nic,ori=Agency,\
            oca=Case,instructions=Notes,effective=From,expires=Until";
        let input = "\u{FEFF}Tag,St,Kind,Reg,Mk,Mdl,Yr,Col,Why,Pri,Nic,Agency,Case,Notes,From,Until,Unit\r\n\
            abc-123,ia,PC,25,HOND,ACC,2019,BLK/WHI,\"Stolen, armed\",critical,V123456789,IA0770000,24-001234,\"Call \"\"dispatch\"\"\nfirst\",2024-03-01T06:00:00Z,20241231,K9\r\n\
            \r\n\
            xyz987,ne,,,,,,,Wanted,,,,,,,,\r\n";
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(&dir, "list.csv", input.as_bytes());
        let list =
            parse_file(&path, &csv(Some(layout)), &options(0, false), &mut |_| {}).expect("parses");
        let abc = ListedPlate {
            plate: "ABC123".into(),
            state: Some("IA".into()),
            plate_type: Some("PC".into()),
            plate_year: Some(2025),
            make: Some("HOND".into()),
            model: Some("ACC".into()),
            vehicle_year: Some(2019),
            color: Some("BLK/WHI".into()),
            reason: "Stolen, armed".into(),
            priority: Priority::Critical,
            ncic_number: Some("V123456789".into()),
            ori: Some("IA0770000".into()),
            oca: Some("24-001234".into()),
            instructions: Some("Call \"dispatch\"\nfirst".into()),
            effective_at: Some(utc("2024-03-01T06:00:00Z")),
            expires_at: Some(utc("2025-01-01T00:00:00Z")),
            extra: vec![("Unit".into(), "K9".into())],
        };
        assert_eq!(
            list.entries,
            vec![
                (2, Action::Add, abc),
                (5, Action::Add, entry("XYZ987", Some("NE"), "Wanted")),
            ]
        );
        assert_eq!(list.lines, 5);
    }

    #[test]
    fn header_names_equal_to_ours_need_no_layout() {
        let input = b"Plate;STATE;Reason;Priority;Owner\nABC123;IA;Stolen;HIGH;Smith\n";
        let format = ListFormat::from_cli("csv", None, Some(';')).expect("format");
        let list = parse(&format, &options(0, false), input).expect("parses");
        let mut abc = entry("ABC123", Some("IA"), "Stolen");
        abc.priority = Priority::High;
        abc.extra = vec![("Owner".into(), "Smith".into())];
        assert_eq!(list.entries, vec![(2, Action::Add, abc)]);

        // A layout maps some fields; the others are still found by name.
        let list = parse(
            &csv(Some("reason=Why")),
            &options(0, false),
            b"plate,Why,reason\nABC123,Stolen,x\n",
        )
        .expect("parses");
        let mut abc = entry("ABC123", None, "Stolen");
        abc.extra = vec![("reason".into(), "x".into())];
        assert_eq!(list.entries, vec![(2, Action::Add, abc)]);
    }

    #[test]
    fn delta_with_an_action_column() {
        let input = b"action,plate,state\nADD,ABC123,IA\nDELETE,XYZ987,NE\n";
        let list = parse(&csv(None), &options(0, true), input).expect("parses");
        assert_eq!(
            list.entries,
            vec![
                (2, Action::Add, entry("ABC123", Some("IA"), "")),
                (3, Action::Remove, entry("XYZ987", Some("NE"), "")),
            ]
        );
        assert_eq!(
            message(parse(&csv(None), &options(0, false), input)),
            "line 1: an ACTION column needs --delta"
        );
    }

    #[test]
    fn malformed_records_are_each_named_on_their_first_line() {
        let input = b"plate,state,expires\n\
            ABC123,IA,2025-01-01\n\
            \n\
            \n\
            DEF456,IA\n\
            DEF457,IA,2025-01-01,extra\n\
            ,IA,\n\
            \"DEF\n458\",IA,\n\
            DEF459,IA,\"not\n\
            a date\"\n\
            caf\xE9,IA,\n\
            \"multi\n\
            line \xE9\",IA,\n\
            abc 123,ia,2026-01-01\n\
            DEF460,IA,2025-01-01\n";
        expect_problems(
            parse(&csv(None), &options(0, false), input),
            &[
                "line 5: 2 fields, the header has 3",
                "line 6: 4 fields, the header has 3",
                "line 7: missing plate",
                "line 8: plate \"DEF\\n458\" is not 1 to 10 letters and digits",
                "line 10: expires \"not\\na date\" is not a date (YYYYMMDD, YYYY-MM-DD, MM/DD/YYYY or RFC 3339)",
                "line 12: not UTF-8 (byte 0xE9 at column 4)",
                "line 14: not UTF-8 (byte 0xE9 at column 6)",
                "line 15: duplicates line 2",
            ],
        );
    }

    #[test]
    fn the_size_limit_holds_inside_the_csv_reader() {
        let limit = ImportOptions {
            max_bytes: 30,
            ..ImportOptions::default()
        };
        let input = b"plate,state\nABC123,IA\nDEF456,IA\nGHI789,IA\n";
        match parse(&csv(None), &limit, input) {
            Err(ImportError::TooLarge { bytes, limit }) => assert_eq!((bytes, limit), (31, 30)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn header_problems_stop_the_import() {
        assert_eq!(
            message(parse(
                &csv(Some("plate=Tag")),
                &options(9, false),
                b"plate,state\nABC123,IA\n"
            )),
            "line 1: the header has no \"Tag\" column"
        );
        assert_eq!(
            message(parse(
                &csv(None),
                &options(9, false),
                b"\nTag,state\nABC123,IA\n"
            )),
            "line 2: the header has no plate column"
        );
        assert_eq!(
            message(parse(
                &csv(None),
                &options(9, false),
                b"plate,PLATE\nABC123,IA\n"
            )),
            "line 1: columns 1 and 2 give the same field"
        );
        assert_eq!(
            message(parse(&csv(None), &options(9, false), b"pl\xE9te\nABC123\n")),
            "line 1: not UTF-8 (byte 0xE9 at column 3)"
        );
        assert_eq!(
            ListFormat::from_cli("csv", Some("plate=Tag,colour=Col"), None),
            Err(
                "\"colour\" in --layout is not one of plate, state, plate_type, plate_year, make, \
                 model, vehicle_year, color, reason, priority, ncic_number, ori, oca, \
                 instructions, effective, expires, action"
                    .into()
            )
        );
        assert_eq!(
            ListFormat::from_cli("csv", Some("LIC:1:10"), None),
            Err("\"LIC:1:10\" in --layout is not field=Header".into())
        );
        assert_eq!(
            ListFormat::from_cli("csv", Some("plate=A,plate=B"), None),
            Err("plate is mapped twice in --layout".into())
        );
    }
}
