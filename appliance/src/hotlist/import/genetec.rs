//! Genetec AutoVu hot-list files: no header; fields found by the `--layout`, by column when
//! delimited (`PlateNumber=1,PlateState=2,...`), by span when fixed-width
//! (`PlateNumber=1:8,PlateState=9:2,...`). Names the layout does not know are custom fields.

use std::io::BufRead;

use super::fields::{Field, Row, check_action, split};
use super::fixed::{FixedField, FixedLayout};
use super::source::LineSource;
use super::{Action, Collector, ImportError, each_line};
use crate::model::ListedPlate;

const DELIMITERS: [char; 4] = [';', ',', ':', '\t'];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenetecLayout {
    Delimited {
        delimiter: u8,
        columns: GenetecColumns,
    },
    Fixed(FixedLayout),
}

/// Which field each delimited column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenetecColumns {
    /// (0-based column, field, name in the layout), by column so custom fields keep file order.
    columns: Vec<(usize, Field, String)>,
}

fn field(name: &str) -> Field {
    match name.to_ascii_lowercase().as_str() {
        "platenumber" => Field::Plate,
        "platestate" => Field::State,
        "category" => Field::Reason,
        "effectivedate" => Field::Effective,
        "expirydate" => Field::Expires,
        "make" => Field::Make,
        "model" => Field::Model,
        "color" => Field::Color,
        "year" => Field::VehicleYear,
        "priority" => Field::Priority,
        "instructions" => Field::Instructions,
        "action" => Field::Action,
        _ => Field::Extra(name.to_string()),
    }
}

pub(super) fn layout_from_cli(
    layout: Option<&str>,
    delimiter: Option<char>,
) -> Result<GenetecLayout, String> {
    let spec = layout.ok_or(
        "genetec lists have no header: give --layout, e.g. \
         'PlateNumber=1,PlateState=2,Category=3' or 'PlateNumber=1:8,PlateState=9:2'",
    )?;
    let items = spec
        .split(',')
        .map(|item| {
            let item = item.trim();
            item.split_once('=')
                .map(|(name, at)| (name.trim(), at.trim()))
                .filter(|(name, at)| !name.is_empty() && !at.is_empty())
                .ok_or_else(|| {
                    format!("{item:?} in --layout is not Name=column nor Name=start:length")
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let spans = items.iter().filter(|(_, at)| at.contains(':')).count();
    if spans == 0 {
        let delimiter = super::delimiter(delimiter, ';', &DELIMITERS, "genetec")?;
        let columns = GenetecColumns::new(&items)?;
        return Ok(GenetecLayout::Delimited { delimiter, columns });
    }
    if spans < items.len() {
        return Err(
            "--layout mixes columns (Name=N) with fixed-width spans (Name=start:length)".into(),
        );
    }
    if delimiter.is_some() {
        return Err("--delimiter does not apply to a fixed-width --layout".into());
    }
    let fields = items
        .iter()
        .map(|(name, span)| FixedField::new(field(name), name, span))
        .collect::<Result<Vec<_>, _>>()?;
    FixedLayout::new(fields, "PlateNumber").map(GenetecLayout::Fixed)
}

impl GenetecColumns {
    fn new(items: &[(&str, &str)]) -> Result<Self, String> {
        let mut columns: Vec<(usize, Field, String)> = Vec::with_capacity(items.len());
        for &(name, at) in items {
            let column = at.parse::<usize>().ok().filter(|&c| c > 0).ok_or_else(|| {
                format!("{name}={at} in --layout is not a column number (1-based)")
            })?;
            let field = field(name);
            let clash = columns.iter().find(|(c, f, n)| {
                *c == column - 1
                    || n.eq_ignore_ascii_case(name)
                    || (*f == field && !matches!(field, Field::Extra(_)))
            });
            if let Some((c, _, other)) = clash {
                return Err(format!(
                    "{other}={} and {name}={column} in --layout clash",
                    c + 1
                ));
            }
            columns.push((column - 1, field, name.to_string()));
        }
        if !columns.iter().any(|(_, f, _)| *f == Field::Plate) {
            return Err("--layout has no PlateNumber field".into());
        }
        columns.sort_by_key(|(c, _, _)| *c);
        Ok(GenetecColumns { columns })
    }

    fn has_action(&self) -> bool {
        self.columns.iter().any(|(_, f, _)| *f == Field::Action)
    }

    fn row(&self, line: &str, delimiter: u8, delta: bool) -> Result<(Action, ListedPlate), String> {
        let count = line.bytes().filter(|&b| b == delimiter).count() + 1;
        let needed = self
            .columns
            .iter()
            .filter(|(c, f, _)| matches!(f, Field::Plate | Field::Action) && *c >= count);
        if let Some((column, _, name)) = needed.min_by_key(|(c, _, _)| *c) {
            return Err(format!("{count} fields, {name} is field {}", column + 1));
        }
        let mut row = Row::default();
        let mut wanted = self.columns.iter().peekable();
        for (i, value) in split(line, delimiter).enumerate() {
            if let Some((_, field, name)) = wanted.next_if(|(c, _, _)| *c == i) {
                row.set(field, name, value)?;
            }
            if wanted.peek().is_none() {
                break;
            }
        }
        row.finish(delta)
    }
}

pub(super) fn parse<R: BufRead>(
    source: &mut LineSource<'_, R>,
    layout: &GenetecLayout,
    delta: bool,
    out: &mut Collector,
) -> Result<(), ImportError> {
    let has_action = match layout {
        GenetecLayout::Delimited { columns, .. } => columns.has_action(),
        GenetecLayout::Fixed(fixed) => fixed.has_action(),
    };
    check_action(has_action, delta, "field in --layout")
        .map_err(|message| ImportError::Header { message })?;
    match layout {
        GenetecLayout::Delimited { delimiter, columns } => {
            each_line(source, out, |line| columns.row(line, *delimiter, delta))
        }
        GenetecLayout::Fixed(fixed) => each_line(source, out, |line| fixed.row(line, delta)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{entry, expect_problems, message, options, parse, utc, write};
    use super::super::{ListFormat, parse_file};
    use super::*;
    use crate::model::Priority;

    const EVERY_FIELD: &str = "PlateNumber=1,PlateState=2,Category=3,EffectiveDate=4,\
        ExpiryDate=5,Owner=6,make=7,MODEL=8,Color=9,Year=10,Priority=11,Instructions=12,Zone=13";

    fn genetec(layout: &str, delimiter: Option<char>) -> ListFormat {
        ListFormat::from_cli("genetec", Some(layout), delimiter).expect("a good format")
    }

    fn wanted_camry() -> ListedPlate {
        ListedPlate {
            plate: "ABC123".into(),
            state: Some("QC".into()),
            make: Some("Toyota".into()),
            model: Some("Camry".into()),
            vehicle_year: Some(2018),
            color: Some("Grey".into()),
            reason: "Wanted".into(),
            priority: Priority::High,
            instructions: Some("Do not approach".into()),
            effective_at: Some(utc("2024-03-01T00:00:00Z")),
            expires_at: Some(utc("2024-04-01T00:00:00Z")),
            extra: vec![
                ("Owner".into(), "J. Tremblay".into()),
                ("Zone".into(), "Nord".into()),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn delimited_file_with_every_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            &dir,
            "hotlist.txt",
            "abc 123;qc;Wanted;2024-03-01;03/31/2024;J. Tremblay;Toyota;Camry;Grey;2018;high;Do not approach;Nord\n\
             XYZ987;ON;Stolen\n"
                .as_bytes(),
        );
        let list = parse_file(
            &path,
            &genetec(EVERY_FIELD, None),
            &options(0, false),
            &mut |_| {},
        )
        .expect("parses");
        assert_eq!(
            list.entries,
            vec![
                (1, Action::Add, wanted_camry()),
                (2, Action::Add, entry("XYZ987", Some("ON"), "Stolen")),
            ]
        );
    }

    #[test]
    fn fixed_width_file_with_every_field() {
        let layout = "PlateNumber=1:8,PlateState=9:2,Category=11:10,EffectiveDate=21:8,\
            ExpiryDate=29:10,Owner=39:12,Make=51:8,Model=59:8,Color=67:6,Year=73:4,\
            Priority=77:8,Instructions=85:20,Zone=105:6";
        let line = format!(
            "{:<8}{:<2}{:<10}{:<8}{:<10}{:<12}{:<8}{:<8}{:<6}{:<4}{:<8}{:<20}{:<6}\n",
            "ABC-123",
            "QC",
            "Wanted",
            "20240301",
            "2024-03-31",
            "J. Tremblay",
            "Toyota",
            "Camry",
            "Grey",
            "2018",
            "HIGH",
            "Do not approach",
            "Nord"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            &dir,
            "hotlist.dat",
            format!("{line}XYZ987  ON\n").as_bytes(),
        );
        let list = parse_file(
            &path,
            &genetec(layout, None),
            &options(0, false),
            &mut |_| {},
        )
        .expect("parses");
        assert_eq!(
            list.entries,
            vec![
                (1, Action::Add, wanted_camry()),
                (2, Action::Add, entry("XYZ987", Some("ON"), "")),
            ]
        );
    }

    #[test]
    fn delta_with_an_action_column() {
        let layout = "Action=1,PlateNumber=2,PlateState=3";
        let input = b"ADD\tABC123\tQC\nDEL\tXYZ987\tON\nA\tABC123\tQC\n";
        let list = parse(&genetec(layout, Some('\t')), &options(5, true), input).expect("parses");
        assert_eq!(
            list.entries,
            vec![
                (1, Action::Add, entry("ABC123", Some("QC"), "")),
                (2, Action::Remove, entry("XYZ987", Some("ON"), "")),
            ]
        );
        assert_eq!(list.problems.len(), 1);
        assert_eq!(list.problems[0].to_string(), "line 3: duplicates line 1");
        assert_eq!(
            message(parse(
                &genetec(layout, Some('\t')),
                &options(0, false),
                input
            )),
            "an ACTION field in --layout needs --delta"
        );
        assert_eq!(
            message(parse(
                &genetec("PlateNumber=1", None),
                &options(0, true),
                input
            )),
            "--delta needs an ACTION field in --layout"
        );
    }

    #[test]
    fn malformed_lines_are_each_named() {
        let layout = genetec(
            "PlateState=1,PlateNumber=3,EffectiveDate=4,ExpiryDate=5",
            Some(','),
        );
        let input = b"QC,,ABC123,2024-03-01,2024-03-31\n\
            QC,x\n\
            QC,,,2024-03-01\n\
            QC,,DEF456,2024-03-01,31/03/2024\n\
            QC,,DEF457,yesterday\n\
            QC,,\xC9T\xC9\n\
            QC,,DEF458,2024-03-31,2024-03-01\n";
        expect_problems(
            parse(&layout, &options(0, false), input),
            &[
                "line 2: 2 fields, PlateNumber is field 3",
                "line 3: missing plate",
                "line 4: ExpiryDate \"31/03/2024\" is not a date (YYYYMMDD, YYYY-MM-DD, MM/DD/YYYY or RFC 3339)",
                "line 5: EffectiveDate \"yesterday\" is not a date (YYYYMMDD, YYYY-MM-DD, MM/DD/YYYY or RFC 3339)",
                "line 6: not UTF-8 (byte 0xC9 at column 5)",
                "line 7: expires 2024-03-02 00:00:00 UTC before it takes effect (2024-03-31 00:00:00 UTC)",
            ],
        );
        let fixed = genetec("PlateNumber=1:8,PlateState=9:2", None);
        expect_problems(
            parse(&fixed, &options(0, false), b"ABC123  QC\nABC1"),
            &["line 2: 4 characters, PlateNumber needs columns 1-8"],
        );
    }

    #[test]
    fn layouts_from_the_command_line() {
        let err = |layout: Option<&str>, delimiter| {
            ListFormat::from_cli("genetec", layout, delimiter).expect_err("refused")
        };
        assert!(err(None, None).starts_with("genetec lists have no header: give --layout"));
        assert_eq!(
            err(Some("PlateNumber=1,PlateState=9:2"), None),
            "--layout mixes columns (Name=N) with fixed-width spans (Name=start:length)"
        );
        assert_eq!(
            err(Some("PlateNumber=1,PlateState=1"), None),
            "PlateNumber=1 and PlateState=1 in --layout clash"
        );
        assert_eq!(
            err(Some("PlateNumber=0"), None),
            "PlateNumber=0 in --layout is not a column number (1-based)"
        );
        assert_eq!(
            err(Some("PlateState=2"), None),
            "--layout has no PlateNumber field"
        );
        assert_eq!(
            err(Some("PlateNumber"), None),
            "\"PlateNumber\" in --layout is not Name=column nor Name=start:length"
        );
        assert_eq!(
            err(Some("PlateNumber=1"), Some('|')),
            "--delimiter '|' is not one genetec lists use: ; , : tab"
        );
        assert_eq!(
            err(Some("PlateNumber=1:8"), Some(';')),
            "--delimiter does not apply to a fixed-width --layout"
        );
        assert_eq!(
            genetec("PlateNumber=2,Owner=1", Some(':')),
            ListFormat::Genetec(GenetecLayout::Delimited {
                delimiter: b':',
                columns: GenetecColumns {
                    columns: vec![
                        (0, Field::Extra("Owner".into()), "Owner".into()),
                        (1, Field::Plate, "PlateNumber".into()),
                    ]
                }
            })
        );
    }
}
