//! Validation shared by every format, so a plate, a state or a date means the same whichever
//! file it came from.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::Action;
use crate::model::{ListedPlate, Priority};

/// Where a column's value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Field {
    Plate,
    State,
    PlateType,
    PlateYear,
    Make,
    Model,
    VehicleYear,
    Color,
    Reason,
    /// NCIC's message key: only a fallback, because the code says less than reason text.
    MessageKey,
    Priority,
    NcicNumber,
    Ori,
    Oca,
    Instructions,
    Effective,
    Expires,
    Action,
    /// A custom field, kept in `extra` under this name.
    Extra(String),
}

/// Our own field names, as a CSV mapping (`--layout plate=Tag,...`) or header uses them.
pub(super) const OUR_NAMES: &[(&str, Field)] = &[
    ("plate", Field::Plate),
    ("state", Field::State),
    ("plate_type", Field::PlateType),
    ("plate_year", Field::PlateYear),
    ("make", Field::Make),
    ("model", Field::Model),
    ("vehicle_year", Field::VehicleYear),
    ("color", Field::Color),
    ("reason", Field::Reason),
    ("priority", Field::Priority),
    ("ncic_number", Field::NcicNumber),
    ("ori", Field::Ori),
    ("oca", Field::Oca),
    ("instructions", Field::Instructions),
    ("effective", Field::Effective),
    ("expires", Field::Expires),
    ("action", Field::Action),
];

pub(super) fn our_field(name: &str) -> Option<Field> {
    OUR_NAMES
        .iter()
        .find(|(ours, _)| ours.eq_ignore_ascii_case(name.trim()))
        .map(|(_, field)| field.clone())
}

/// What the layout says about the action field, checked before any line is read so that a
/// delta is never loaded as a full list, nor a full list as a delta.
pub(super) fn check_action(has_action: bool, delta: bool, what: &str) -> Result<(), String> {
    match (has_action, delta) {
        (true, false) => Err(format!("an ACTION {what} needs --delta")),
        (false, true) => Err(format!("--delta needs an ACTION {what}")),
        _ => Ok(()),
    }
}

/// Splits on an ASCII delimiter; a byte search beats a `char` pattern on short fields, and
/// never cuts a character since the delimiter is ASCII.
pub(super) fn split(line: &str, delimiter: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.bytes().position(|b| b == delimiter) {
            Some(at) => {
                rest = text.get(at + 1..);
                text.get(..at)
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// One entry being assembled from its columns.
#[derive(Debug, Default)]
pub(super) struct Row {
    entry: ListedPlate,
    action: Option<Action>,
    message_key: Option<String>,
}

impl Row {
    /// Stores one column's value; `label` is the column's name in the file, for messages.
    /// An empty value is an absent one.
    pub(super) fn set(&mut self, field: &Field, label: &str, raw: &str) -> Result<(), String> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(());
        }
        let text = || Some(value.to_owned());
        let e = &mut self.entry;
        match field {
            Field::Plate => e.plate = plate(label, value)?,
            Field::State => e.state = Some(state(label, value)?),
            Field::PlateType => e.plate_type = text(),
            Field::PlateYear => e.plate_year = year(label, value, true)?,
            Field::Make => e.make = text(),
            Field::Model => e.model = text(),
            Field::VehicleYear => e.vehicle_year = year(label, value, false)?,
            Field::Color => e.color = text(),
            Field::Reason => e.reason = value.to_owned(),
            Field::MessageKey => self.message_key = text(),
            Field::Priority => {
                e.priority = Priority::parse(value).ok_or_else(|| {
                    format!("{label} {value:?} is not low, normal, high or critical")
                })?;
            }
            Field::NcicNumber => e.ncic_number = text(),
            Field::Ori => e.ori = text(),
            Field::Oca => e.oca = text(),
            Field::Instructions => e.instructions = text(),
            Field::Effective => e.effective_at = Some(date(label, value, DayEdge::Start)?),
            Field::Expires => e.expires_at = Some(date(label, value, DayEdge::End)?),
            Field::Action => self.action = Some(action(label, value)?),
            Field::Extra(name) => e.extra.push((name.clone(), value.to_owned())),
        }
        Ok(())
    }

    pub(super) fn finish(self, delta: bool) -> Result<(Action, ListedPlate), String> {
        let mut entry = self.entry;
        if entry.plate.is_empty() {
            return Err("missing plate".into());
        }
        let action = match (self.action, delta) {
            (Some(action), _) => action,
            (None, false) => Action::Add,
            (None, true) => return Err("missing action".into()),
        };
        if let (Some(from), Some(to)) = (entry.effective_at, entry.expires_at)
            && to <= from
        {
            // Swapped date columns would otherwise load an entry that never alerts.
            return Err(format!("expires {to} before it takes effect ({from})"));
        }
        if entry.reason.is_empty()
            && let Some(key) = self.message_key
        {
            entry.reason = key;
        }
        Ok((action, entry))
    }
}

fn plate(label: &str, value: &str) -> Result<String, String> {
    let plate = crate::hotlist::plate::normalize(value);
    if plate.contains(['*', '?']) {
        return Err(format!(
            "{label} {value:?}: wildcards belong in agency entries, not in imported lists"
        ));
    }
    if plate.is_empty() {
        return Err("missing plate".into());
    }
    if plate.len() > 10 || !plate.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "{label} {value:?} is not 1 to 10 letters and digits"
        ));
    }
    Ok(plate)
}

fn state(label: &str, value: &str) -> Result<String, String> {
    let state = value.to_ascii_uppercase();
    if state.len() == 2 && state.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(state)
    } else {
        Err(format!("{label} {value:?} is not a two-letter state"))
    }
}

/// `plate_year` is LIY, which NCIC also writes as two digits, or `NX` for a plate that never
/// expires (no year to keep).
fn year(label: &str, value: &str, plate_year: bool) -> Result<Option<u16>, String> {
    let digits = value.bytes().all(|b| b.is_ascii_digit());
    let year = match value.len() {
        4 if digits => value.parse::<u16>().ok(),
        2 if digits && plate_year => value.parse::<u16>().ok().map(|yy| 2000 + yy),
        2 if plate_year && value.eq_ignore_ascii_case("NX") => return Ok(None),
        _ => None,
    };
    match year {
        Some(y) if (1900..=2100).contains(&y) => Ok(Some(y)),
        _ => Err(format!("{label} {value:?} is not a year from 1900 to 2100")),
    }
}

#[derive(Debug, Clone, Copy)]
enum DayEdge {
    Start,
    /// A list that says "expires 2024-05-01" still means the plate is wanted that day.
    End,
}

/// An expiry as lists and members give it: RFC 3339, or a date meaning the end of that day (UTC).
pub fn expiry(label: &str, value: &str) -> Result<DateTime<Utc>, String> {
    date(label, value, DayEdge::End)
}

fn date(label: &str, value: &str, edge: DayEdge) -> Result<DateTime<Utc>, String> {
    let bad = || {
        format!("{label} {value:?} is not a date (YYYYMMDD, YYYY-MM-DD, MM/DD/YYYY or RFC 3339)")
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Ok(at.to_utc());
    }
    let day = calendar_day(value).ok_or_else(bad)?;
    let day = match edge {
        DayEdge::Start => day,
        DayEdge::End => day.succ_opt().ok_or_else(bad)?,
    };
    Ok(day.and_time(NaiveTime::MIN).and_utc())
}

/// Parsed by hand because chrono's `%m`/`%d` also take one digit where `YYYYMMDD` needs two.
fn calendar_day(value: &str) -> Option<NaiveDate> {
    let number = |s: &str, len: std::ops::RangeInclusive<usize>| -> Option<u32> {
        (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, m, d) = if let Some((m, rest)) = value.split_once('/') {
        let (d, y) = rest.split_once('/')?;
        (number(y, 4..=4)?, number(m, 1..=2)?, number(d, 1..=2)?)
    } else if value.len() == 10 && value.as_bytes()[4] == b'-' && value.as_bytes()[7] == b'-' {
        let part = |r| value.get(r).and_then(|s| number(s, 1..=4));
        (part(0..4)?, part(5..7)?, part(8..10)?)
    } else if value.len() == 8 {
        let part = |r| value.get(r).and_then(|s| number(s, 1..=4));
        (part(0..4)?, part(4..6)?, part(6..8)?)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

fn action(label: &str, value: &str) -> Result<Action, String> {
    match value.to_ascii_uppercase().as_str() {
        "A" | "ADD" | "+" => Ok(Action::Add),
        "D" | "DEL" | "DELETE" | "R" | "REMOVE" | "-" => Ok(Action::Remove),
        _ => Err(format!(
            "{label} {value:?} is not A, ADD, + (add) or D, DEL, DELETE, R, REMOVE, - (remove)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("test date").to_utc()
    }

    #[test]
    fn plates_are_normalised_and_checked() {
        assert_eq!(plate("LIC", " abc-12 3 "), Ok("ABC123".to_string()));
        assert_eq!(plate("LIC", "- -"), Err("missing plate".to_string()));
        assert_eq!(
            plate("LIC", "AB*12"),
            Err(
                "LIC \"AB*12\": wildcards belong in agency entries, not in imported lists"
                    .to_string()
            )
        );
        assert_eq!(
            plate("plate", "ABCDEFGHIJK"),
            Err("plate \"ABCDEFGHIJK\" is not 1 to 10 letters and digits".to_string())
        );
        assert_eq!(
            plate("plate", "ÄB12"),
            Err("plate \"ÄB12\" is not 1 to 10 letters and digits".to_string())
        );
    }

    #[test]
    fn states_are_two_letters() {
        assert_eq!(state("LIS", "ia"), Ok("IA".to_string()));
        assert_eq!(
            state("LIS", "IOWA"),
            Err("LIS \"IOWA\" is not a two-letter state".to_string())
        );
        assert_eq!(
            state("LIS", "I1"),
            Err("LIS \"I1\" is not a two-letter state".to_string())
        );
    }

    #[test]
    fn years_take_four_digits_and_liy_two() {
        assert_eq!(year("VYR", "2019", false), Ok(Some(2019)));
        assert_eq!(year("LIY", "24", true), Ok(Some(2024)));
        assert_eq!(year("LIY", "nx", true), Ok(None));
        assert_eq!(
            year("VYR", "19", false),
            Err("VYR \"19\" is not a year from 1900 to 2100".to_string())
        );
        assert_eq!(
            year("VYR", "1899", false),
            Err("VYR \"1899\" is not a year from 1900 to 2100".to_string())
        );
        assert_eq!(
            year("VYR", "２０１９", false),
            Err("VYR \"２０１９\" is not a year from 1900 to 2100".to_string())
        );
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let start = |v| date("EffectiveDate", v, DayEdge::Start);
        let end = |v| date("ExpiryDate", v, DayEdge::End);
        assert_eq!(start("20240131"), Ok(utc("2024-01-31T00:00:00Z")));
        assert_eq!(start("2024-01-31"), Ok(utc("2024-01-31T00:00:00Z")));
        assert_eq!(start("01/31/2024"), Ok(utc("2024-01-31T00:00:00Z")));
        assert_eq!(start("1/5/2024"), Ok(utc("2024-01-05T00:00:00Z")));
        assert_eq!(
            start("2024-01-31T08:30:00-06:00"),
            Ok(utc("2024-01-31T14:30:00Z"))
        );
        assert_eq!(end("20240131"), Ok(utc("2024-02-01T00:00:00Z")));
        assert_eq!(end("12/31/2024"), Ok(utc("2025-01-01T00:00:00Z")));
        assert_eq!(end("2024-01-31T08:30:00Z"), Ok(utc("2024-01-31T08:30:00Z")));
        for bad in [
            "2024-02-30",
            "20241301",
            "31/01/2024",
            "2024-1-31",
            "tomorrow",
            "2024013",
        ] {
            assert_eq!(
                end(bad),
                Err(format!(
                    "ExpiryDate {bad:?} is not a date (YYYYMMDD, YYYY-MM-DD, MM/DD/YYYY or RFC 3339)"
                )),
                "{bad}"
            );
        }
    }

    #[test]
    fn splits_on_a_byte() {
        let fields: Vec<&str> = split("é|b||", b'|').collect();
        assert_eq!(fields, vec!["é", "b", "", ""]);
        assert_eq!(split("", b'|').collect::<Vec<_>>(), vec![""]);
    }

    #[test]
    fn actions() {
        for add in ["a", "ADD", "+"] {
            assert_eq!(action("ACTION", add), Ok(Action::Add));
        }
        for remove in ["d", "Del", "DELETE", "r", "remove", "-"] {
            assert_eq!(action("ACTION", remove), Ok(Action::Remove));
        }
        assert!(
            action("ACTION", "X")
                .expect_err("X is no action")
                .starts_with("ACTION \"X\" is not A, ADD")
        );
    }

    #[test]
    fn a_row_falls_back_to_the_message_key_and_checks_its_dates() {
        let mut row = Row::default();
        row.set(&Field::Plate, "LIC", "abc123").expect("plate");
        row.set(&Field::MessageKey, "MKE", " EL ").expect("mke");
        row.set(&Field::Reason, "RSN", "  ").expect("blank reason");
        let (action, entry) = row.finish(false).expect("a row");
        assert_eq!(
            (action, entry.plate.as_str(), entry.reason.as_str()),
            (Action::Add, "ABC123", "EL")
        );

        let mut row = Row::default();
        row.set(&Field::Plate, "LIC", "abc123").expect("plate");
        row.set(&Field::Effective, "EffectiveDate", "2024-02-01")
            .expect("effective");
        row.set(&Field::Expires, "ExpiryDate", "2024-01-01")
            .expect("expires");
        assert_eq!(
            row.finish(false),
            Err(
                "expires 2024-01-02 00:00:00 UTC before it takes effect (2024-02-01 00:00:00 UTC)"
                    .into()
            )
        );

        assert_eq!(Row::default().finish(false), Err("missing plate".into()));
        let mut row = Row::default();
        row.set(&Field::Plate, "LIC", "abc123").expect("plate");
        assert_eq!(row.finish(true), Err("missing action".into()));
    }
}
