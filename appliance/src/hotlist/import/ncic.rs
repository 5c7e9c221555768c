//! NCIC-style extracts of stolen and wanted plates: delimited, with or without a first line of
//! NCIC field codes naming the columns, or fixed-width.

use std::io::BufRead;

use super::fields::{Field, Row, check_action, split};
use super::fixed::{FixedField, FixedLayout};
use super::source::LineSource;
use super::{Action, Collector, ImportError, each_line, header_at};
use crate::model::ListedPlate;

/// The layout `--layout fixed` stands for: the default delimited column order at NCIC's field
/// widths (LIC 10, LIS 2, LIT 2, LIY 4, VMA 4, VMO 3, VYR 4, VCO 7, NIC 10, ORI 9, OCA 20),
/// then 40 characters of reason, 115 in all. NCIC fixes no extract record, so this is ours;
/// a state whose extract differs gives its own `--layout`.
pub const DEFAULT_FIXED_LAYOUT: &str = "LIC:1:10,LIS:11:2,LIT:13:2,LIY:15:4,VMA:19:4,VMO:23:3,\
     VYR:26:4,VCO:30:7,NIC:37:10,ORI:47:9,OCA:56:20,RSN:76:40";

/// Columns of a headerless delimited extract (after ACTION, for a delta).
const DEFAULT_COLUMNS: [&str; 12] = [
    "LIC", "LIS", "LIT", "LIY", "VMA", "VMO", "VYR", "VCO", "NIC", "ORI", "OCA", "RSN",
];

const DELIMITERS: [char; 4] = ['|', ',', ';', '\t'];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NcicLayout {
    /// Fields split by `delimiter`; a first line of NCIC codes names the columns.
    Delimited {
        delimiter: u8,
    },
    Fixed(FixedLayout),
}

pub(super) fn layout_from_cli(
    layout: Option<&str>,
    delimiter: Option<char>,
) -> Result<NcicLayout, String> {
    let Some(spec) = layout.map(str::trim) else {
        let delimiter = super::delimiter(delimiter, '|', &DELIMITERS, "ncic")?;
        return Ok(NcicLayout::Delimited { delimiter });
    };
    if delimiter.is_some() {
        return Err("--delimiter does not apply to a fixed-width --layout".into());
    }
    let spec = if spec.eq_ignore_ascii_case("fixed") {
        DEFAULT_FIXED_LAYOUT
    } else {
        spec
    };
    let fields = spec
        .split(',')
        .map(|item| {
            let item = item.trim();
            let (name, span) = item.split_once(':').ok_or_else(|| {
                format!("{item:?} in --layout is not NAME:start:length (nor `fixed`)")
            })?;
            let field = code(name).ok_or_else(|| unknown_code(name))?;
            FixedField::new(field, &name.trim().to_ascii_uppercase(), span)
        })
        .collect::<Result<Vec<_>, _>>()?;
    FixedLayout::new(fields, "LIC").map(NcicLayout::Fixed)
}

fn code(name: &str) -> Option<Field> {
    Some(match name.trim().to_ascii_uppercase().as_str() {
        "LIC" => Field::Plate,
        "LIS" => Field::State,
        "LIT" => Field::PlateType,
        "LIY" => Field::PlateYear,
        "VMA" => Field::Make,
        "VMO" => Field::Model,
        "VYR" => Field::VehicleYear,
        "VCO" => Field::Color,
        "NIC" => Field::NcicNumber,
        "ORI" => Field::Ori,
        "OCA" => Field::Oca,
        "RSN" | "REASON" => Field::Reason,
        "MKE" => Field::MessageKey,
        "EXP" | "EXPIRES" => Field::Expires,
        "ACTION" => Field::Action,
        _ => return None,
    })
}

fn unknown_code(name: &str) -> String {
    format!(
        "{:?} is not an NCIC field (LIC LIS LIT LIY VMA VMO VYR VCO NIC ORI OCA, \
         RSN/REASON/MKE, EXP/EXPIRES, ACTION)",
        name.trim()
    )
}

pub(super) fn parse<R: BufRead>(
    source: &mut LineSource<'_, R>,
    layout: &NcicLayout,
    delta: bool,
    out: &mut Collector,
) -> Result<(), ImportError> {
    let delimiter = match layout {
        NcicLayout::Fixed(fixed) => {
            check_action(fixed.has_action(), delta, "field in --layout")
                .map_err(|message| ImportError::Header { message })?;
            return each_line(source, out, |line| fixed.row(line, delta));
        }
        NcicLayout::Delimited { delimiter } => *delimiter,
    };
    let Some(first) = source.next_nonblank()? else {
        return Ok(());
    };
    // Whether the first line is a header decides how every other line reads, so a first
    // line that cannot be read stops the import even when bad lines may be skipped.
    let text = source.text().map_err(|m| header_at(first, m))?;
    let (columns, is_header) =
        Columns::from_first_line(text, delimiter, delta).map_err(|m| header_at(first, m))?;
    if !is_header {
        out.add(first, columns.row(text, delta));
    }
    each_line(source, out, |line| columns.row(line, delta))
}

#[derive(Debug)]
struct Columns {
    delimiter: u8,
    fields: Vec<(Field, String)>,
}

impl Columns {
    /// Returns the columns, and whether the line was a header naming them.
    fn from_first_line(line: &str, delimiter: u8, delta: bool) -> Result<(Self, bool), String> {
        let mut names: Vec<&str> = split(line, delimiter).map(str::trim).collect();
        // Extracts that end every line with a delimiter often end the header with one too.
        while names.len() > 1 && names.last() == Some(&"") {
            names.pop();
        }
        let known = names.iter().filter(|n| code(n).is_some()).count();
        if known < names.len() && known >= 2 {
            // Two codes are no coincidence in a data line: this is a header with a typo, and
            // reading it as data would load the rest in the wrong columns.
            let unknown = names.iter().find(|n| code(n).is_none()).unwrap_or(&"");
            return Err(format!(
                "this looks like a header, but {}",
                unknown_code(unknown)
            ));
        }
        let is_header = known == names.len();
        let names: Vec<&str> = if is_header {
            names
        } else if delta {
            std::iter::once("ACTION").chain(DEFAULT_COLUMNS).collect()
        } else {
            DEFAULT_COLUMNS.to_vec()
        };
        let mut fields: Vec<(Field, String)> = Vec::with_capacity(names.len());
        for name in names {
            let field = code(name).ok_or_else(|| unknown_code(name))?;
            let label = name.to_ascii_uppercase();
            if let Some((_, other)) = fields.iter().find(|(f, _)| *f == field) {
                return Err(format!(
                    "the header gives {other} and {label}, the same field"
                ));
            }
            fields.push((field, label));
        }
        if !fields.iter().any(|(f, _)| *f == Field::Plate) {
            return Err("the header has no LIC column".into());
        }
        let has_action = fields.iter().any(|(f, _)| *f == Field::Action);
        check_action(has_action, delta, "column")?;
        Ok((Columns { delimiter, fields }, is_header))
    }

    fn row(&self, line: &str, delta: bool) -> Result<(Action, ListedPlate), String> {
        let count = line.bytes().filter(|&b| b == self.delimiter).count() + 1;
        let expected = self.fields.len();
        // A trailing delimiter is common in extracts and says nothing.
        let only_blanks_over = || {
            split(line, self.delimiter)
                .skip(expected)
                .all(|v| v.trim().is_empty())
        };
        if count < expected || (count > expected && !only_blanks_over()) {
            return Err(format!("{count} fields, expected {expected}"));
        }
        let mut row = Row::default();
        for ((field, label), value) in self.fields.iter().zip(split(line, self.delimiter)) {
            row.set(field, label, value)?;
        }
        row.finish(delta)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{entry, expect_problems, message, options, parse, utc, write};
    use super::super::{ListFormat, parse_file};
    use super::*;
    use crate::model::Priority;

    fn ncic(layout: Option<&str>, delimiter: Option<char>) -> ListFormat {
        ListFormat::from_cli("ncic", layout, delimiter).expect("a good format")
    }

    fn stolen_honda() -> ListedPlate {
        ListedPlate {
            plate: "ABC123".into(),
            state: Some("IA".into()),
            plate_type: Some("PC".into()),
            plate_year: Some(2025),
            make: Some("HOND".into()),
            model: Some("ACC".into()),
            vehicle_year: Some(2019),
            color: Some("BLK/WHI".into()),
            reason: "STOLEN VEHICLE".into(),
            priority: Priority::Normal,
            ncic_number: Some("V123456789".into()),
            ori: Some("IA0770000".into()),
            oca: Some("24-001234".into()),
            expires_at: Some(utc("2026-01-01T00:00:00Z")),
            ..Default::default()
        }
    }

    #[test]
    fn delimited_file_with_a_header_and_every_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input: &[u8] = b"lic|LIS|LIT|LIY|VMA|VMO|VYR|VCO|NIC|ORI|OCA|RSN|MKE|EXP\r\n\
              abc-123|ia|PC|2025|HOND|ACC|2019|BLK/WHI|V123456789|IA0770000|24-001234|STOLEN VEHICLE|KV|20251231\r\n\
              \r\n\
              XYZ 987|NE||24||||RED||||| EL|\r\n";
        let path = write(&dir, "ncic.txt", input);
        let mut seen = Vec::new();
        let list = parse_file(&path, &ncic(None, None), &options(0, false), &mut |b| {
            seen.push(b)
        })
        .expect("parses");
        let xyz = ListedPlate {
            plate: "XYZ987".into(),
            state: Some("NE".into()),
            plate_year: Some(2024),
            color: Some("RED".into()),
            reason: "EL".into(),
            ..Default::default()
        };
        assert_eq!(
            list.entries,
            vec![(2, Action::Add, stolen_honda()), (4, Action::Add, xyz)]
        );
        let size = input.len() as u64;
        assert_eq!((list.lines, list.bytes, list.problems), (4, size, vec![]));
        assert_eq!(seen, vec![size]);
    }

    #[test]
    fn headerless_columns_in_the_default_order_with_other_delimiters() {
        let line = "ABC-123,IA,PC,2025,HOND,ACC,2019,BLK/WHI,V123456789,IA0770000,24-001234,STOLEN VEHICLE,\n";
        let list =
            parse(&ncic(None, Some(',')), &options(0, false), line.as_bytes()).expect("parses");
        let mut expected = stolen_honda();
        expected.expires_at = None;
        assert_eq!(list.entries, vec![(1, Action::Add, expected.clone())]);

        let tabbed = line.replace(',', "\t");
        let list = parse(
            &ncic(None, Some('\t')),
            &options(0, false),
            tabbed.as_bytes(),
        )
        .expect("parses");
        assert_eq!(list.entries, vec![(1, Action::Add, expected)]);
    }

    #[test]
    fn fixed_width_with_the_default_layout() {
        let line = format!(
            "{:<10}{:<2}{:<2}{:<4}{:<4}{:<3}{:<4}{:<7}{:<10}{:<9}{:<20}{:<40}\n",
            "ABC 123",
            "IA",
            "PC",
            "2025",
            "HOND",
            "ACC",
            "2019",
            "BLK/WHI",
            "V123456789",
            "IA0770000",
            "24-001234",
            "STOLEN VEHICLE"
        );
        assert_eq!(line.len(), 116);
        let dir = tempfile::tempdir().expect("tempdir");
        let short = "DEF456    NE";
        let path = write(&dir, "ncic.dat", format!("{line}{short}\n").as_bytes());
        let list = parse_file(
            &path,
            &ncic(Some("fixed"), None),
            &options(0, false),
            &mut |_| {},
        )
        .expect("parses");
        let mut expected = stolen_honda();
        expected.expires_at = None;
        let def = ListedPlate {
            plate: "DEF456".into(),
            state: Some("NE".into()),
            ..Default::default()
        };
        assert_eq!(
            list.entries,
            vec![(1, Action::Add, expected), (2, Action::Add, def)]
        );
    }

    #[test]
    fn a_short_fixed_width_line_names_its_line_and_columns() {
        let layout = ncic(Some("LIS:1:2, LIC:3:10, RSN:13:20"), None);
        let input = b"IAABC123    STOLEN\nNE\nIAABC\n";
        assert_eq!(
            message(parse(&layout, &options(0, false), input)),
            "2 bad lines:\n\
             line 2: 2 characters, LIC needs columns 3-12\n\
             line 3: 5 characters, LIC needs columns 3-12"
        );
    }

    #[test]
    fn delta_adds_and_removes() {
        let input = b"ACTION|LIC|LIS|NIC|RSN|\nA|ABC123|IA|V1|STOLEN\nD|XYZ987|NE||\n+|ABC123|IA|V2|\nremove|ABC123|IA|V1|\n";
        let list = parse(&ncic(None, None), &options(0, true), input).expect("parses");
        let got: Vec<_> = list
            .entries
            .iter()
            .map(|(line, action, e)| (*line, *action, e.plate.as_str(), e.ncic_number.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, Action::Add, "ABC123", Some("V1")),
                (3, Action::Remove, "XYZ987", None),
                (4, Action::Add, "ABC123", Some("V2")),
                (5, Action::Remove, "ABC123", Some("V1")),
            ]
        );

        // Headerless, the action is the first column.
        let input = b"D|ABC123|IA||||||||||\nA|XYZ987|NE||||||||||STOLEN\n";
        let list = parse(&ncic(None, None), &options(0, true), input).expect("parses");
        assert_eq!(
            list.entries,
            vec![
                (1, Action::Remove, entry("ABC123", Some("IA"), "")),
                (2, Action::Add, entry("XYZ987", Some("NE"), "STOLEN")),
            ]
        );

        let fixed = ncic(Some("ACTION:1:1,LIC:2:8"), None);
        let list = parse(&fixed, &options(0, true), b"-ABC123\n").expect("parses");
        assert_eq!(
            list.entries,
            vec![(1, Action::Remove, entry("ABC123", None, ""))]
        );
    }

    #[test]
    fn action_columns_and_delta_must_go_together() {
        assert_eq!(
            message(parse(
                &ncic(None, None),
                &options(0, false),
                b"ACTION|LIC\nA|ABC123\n"
            )),
            "line 1: an ACTION column needs --delta"
        );
        assert_eq!(
            message(parse(
                &ncic(None, None),
                &options(0, true),
                b"LIC|LIS\nABC123|IA\n"
            )),
            "line 1: --delta needs an ACTION column"
        );
        assert_eq!(
            message(parse(&ncic(Some("fixed"), None), &options(0, true), b"")),
            "--delta needs an ACTION field in --layout"
        );
        assert_eq!(
            message(parse(
                &ncic(None, None),
                &options(0, true),
                b"LIC|ACTION\nABC123|X\n"
            )),
            "1 bad line:\n\
             line 2: ACTION \"X\" is not A, ADD, + (add) or D, DEL, DELETE, R, REMOVE, - (remove)"
        );
    }

    #[test]
    fn malformed_lines_are_each_named() {
        let input = b"LIC|LIS|VYR|EXP\n\
            ABC123|IA|2019|20250101\n\
            caf\xE9|IA|2019|\n\
            |IA|2019|\n\
            DEF456|IA|2019|2025-02-30\n\
            DEF457|IA|19|\n\
            DEF458|IOWA||\n\
            DEF459|IA\n\
            ABC-123|ia||\n\
            AB*123|IA||\n\
            DEF460|IA||\0\n\
            DEF461|IA|2019||x\n\
            DEF462|IA|2019||\n";
        expect_problems(
            parse(&ncic(None, None), &options(0, false), input),
            &[
                "line 3: not UTF-8 (byte 0xE9 at column 4)",
                "line 4: missing plate",
                "line 5: EXP \"2025-02-30\" is not a date (YYYYMMDD, YYYY-MM-DD, MM/DD/YYYY or RFC 3339)",
                "line 6: VYR \"19\" is not a year from 1900 to 2100",
                "line 7: LIS \"IOWA\" is not a two-letter state",
                "line 8: 2 fields, expected 4",
                "line 9: duplicates line 2",
                "line 10: LIC \"AB*123\": wildcards belong in agency entries, not in imported lists",
                "line 11: NUL byte at column 12",
                "line 12: 5 fields, expected 4",
            ],
        );
    }

    #[test]
    fn a_bad_or_mistyped_first_line_stops_the_import() {
        assert_eq!(
            message(parse(
                &ncic(None, None),
                &options(5, false),
                b"LIC|LIS|COLOR\nABC123|IA|RED\n"
            )),
            "line 1: this looks like a header, but \"COLOR\" is not an NCIC field \
             (LIC LIS LIT LIY VMA VMO VYR VCO NIC ORI OCA, RSN/REASON/MKE, EXP/EXPIRES, ACTION)"
        );
        assert_eq!(
            message(parse(&ncic(None, None), &options(5, false), b"\n\xE9|IA\n")),
            "line 2: not UTF-8 (byte 0xE9 at column 1)"
        );
        assert_eq!(
            message(parse(
                &ncic(None, None),
                &options(5, false),
                b"LIC|RSN|REASON\n"
            )),
            "line 1: the header gives RSN and REASON, the same field"
        );
        assert_eq!(
            message(parse(
                &ncic(None, None),
                &options(5, false),
                b"LIS|RSN\nIA|x\n"
            )),
            "line 1: the header has no LIC column"
        );
    }

    #[test]
    fn layouts_from_the_command_line() {
        assert_eq!(
            ncic(None, None),
            ListFormat::Ncic(NcicLayout::Delimited { delimiter: b'|' })
        );
        assert_eq!(
            ListFormat::from_cli("ncic", None, Some('#')),
            Err("--delimiter '#' is not one ncic lists use: | , ; tab".into())
        );
        assert_eq!(
            ListFormat::from_cli("ncic", Some("wide"), None),
            Err("\"wide\" in --layout is not NAME:start:length (nor `fixed`)".into())
        );
        assert_eq!(
            ListFormat::from_cli("ncic", Some("LIC:1:10,COLOUR:11:3"), None),
            Err(format!(
                "{} (LIC LIS LIT LIY VMA VMO VYR VCO NIC ORI OCA, RSN/REASON/MKE, EXP/EXPIRES, ACTION)",
                "\"COLOUR\" is not an NCIC field"
            ))
        );
        assert_eq!(
            ListFormat::from_cli("ncic", Some("fixed"), Some(',')),
            Err("--delimiter does not apply to a fixed-width --layout".into())
        );
    }
}
