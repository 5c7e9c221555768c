//! Fixed-width layouts: NCIC's `NAME:start:length` and Genetec's `Name=start:length`.

use super::Action;
use super::fields::{Field, Row};
use crate::model::ListedPlate;

/// Where each field sits on a fixed-width line, in characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedLayout {
    /// By start column, so custom fields come out in file order.
    fields: Vec<FixedField>,
    /// (line width needed, index into `fields`) for the fields a line cannot do without.
    needs: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FixedField {
    pub(super) field: Field,
    pub(super) label: String,
    /// 0-based.
    pub(super) start: usize,
    pub(super) len: usize,
}

impl FixedField {
    /// From `start:length` (1-based start) as written in `--layout`.
    pub(super) fn new(field: Field, label: &str, span: &str) -> Result<Self, String> {
        let bad =
            || format!("{label}:{span} in --layout is not start:length (1-based, both over 0)");
        let (start, len) = span.split_once(':').ok_or_else(bad)?;
        let number = |s: &str| s.trim().parse::<usize>().ok().filter(|&n| n > 0);
        let (start, len) = (number(start).ok_or_else(bad)?, number(len).ok_or_else(bad)?);
        Ok(FixedField {
            field,
            label: label.to_string(),
            start: start - 1,
            len,
        })
    }

    fn end(&self) -> usize {
        self.start + self.len
    }

    fn columns(&self) -> String {
        format!("{} (columns {}-{})", self.label, self.start + 1, self.end())
    }
}

impl FixedLayout {
    /// `plate` names the plate field in the format's own terms, for the message when it is missing.
    pub(super) fn new(mut fields: Vec<FixedField>, plate: &str) -> Result<Self, String> {
        fields.sort_by_key(|f| f.start);
        for (i, f) in fields.iter().enumerate() {
            if let Some(prev) = i.checked_sub(1).and_then(|p| fields.get(p))
                && prev.end() > f.start
            {
                return Err(format!("{} overlaps {}", f.columns(), prev.columns()));
            }
            let same = |g: &&FixedField| {
                g.label.eq_ignore_ascii_case(&f.label)
                    || (g.field == f.field && !matches!(f.field, Field::Extra(_)))
            };
            if let Some(other) = fields.iter().take(i).find(same) {
                return Err(format!(
                    "{} and {} are the same field",
                    other.label, f.label
                ));
            }
        }
        let mut needs = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            if matches!(f.field, Field::Plate | Field::Action) {
                // A line that stops inside the plate, with more fields to come, was cut short:
                // the part left would be a wrong plate. When nothing follows, the rest of the
                // plate may just have been trailing blanks trimmed by some tool.
                let more_follow = fields.iter().any(|g| g.start >= f.end());
                needs.push((if more_follow { f.end() } else { f.start + 1 }, i));
            }
        }
        if !fields.iter().any(|f| f.field == Field::Plate) {
            return Err(format!("--layout has no {plate} field"));
        }
        Ok(FixedLayout { fields, needs })
    }

    pub(super) fn has_action(&self) -> bool {
        self.fields.iter().any(|f| f.field == Field::Action)
    }

    pub(super) fn row(&self, line: &str, delta: bool) -> Result<(Action, ListedPlate), String> {
        let ascii = line.is_ascii();
        let width = if ascii {
            line.len()
        } else {
            line.chars().count()
        };
        for &(needs, i) in &self.needs {
            if let Some(f) = self.fields.get(i)
                && width < needs
            {
                return Err(format!(
                    "{width} characters, {} needs columns {}-{}",
                    f.label,
                    f.start + 1,
                    f.end()
                ));
            }
        }
        let mut row = Row::default();
        for f in self.fields.iter().take_while(|f| f.start < width) {
            row.set(&f.field, &f.label, slice(line, ascii, f.start, f.len))?;
        }
        row.finish(delta)
    }
}

/// Characters `start..start + len` of `line`, or as many of them as the line has.
fn slice(line: &str, ascii: bool, start: usize, len: usize) -> &str {
    if len == 0 {
        return "";
    }
    if ascii {
        let end = (start + len).min(line.len());
        return line.get(start..end).unwrap_or("");
    }
    let mut bounds = line
        .char_indices()
        .map(|(at, _)| at)
        .chain(std::iter::once(line.len()));
    let Some(from) = bounds.nth(start) else {
        return "";
    };
    let to = bounds.nth(len - 1).unwrap_or(line.len());
    line.get(from..to).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(spec: &[(Field, &str, &str)]) -> Result<FixedLayout, String> {
        let fields = spec
            .iter()
            .map(|(field, label, span)| FixedField::new(field.clone(), label, span))
            .collect::<Result<Vec<_>, _>>()?;
        FixedLayout::new(fields, "LIC")
    }

    #[test]
    fn slices_by_character_not_byte() {
        assert_eq!(slice("ABC123  IA", true, 8, 2), "IA");
        assert_eq!(slice("ABC", true, 1, 10), "BC");
        assert_eq!(slice("ABC", true, 5, 2), "");
        assert_eq!(slice("ÉCLAIR  QC", false, 8, 2), "QC");
        assert_eq!(slice("ÉCLAIR  QC", false, 0, 3), "ÉCL");
        assert_eq!(slice("ÉCLAIR", false, 4, 10), "IR");
    }

    #[test]
    fn layouts_are_checked() {
        assert_eq!(
            layout(&[(Field::Plate, "LIC", "1:10"), (Field::State, "LIS", "10:2")]),
            Err("LIS (columns 10-11) overlaps LIC (columns 1-10)".into())
        );
        assert_eq!(
            layout(&[
                (Field::Reason, "RSN", "1:10"),
                (Field::Reason, "REASON", "11:2")
            ]),
            Err("RSN and REASON are the same field".into())
        );
        assert_eq!(
            layout(&[(Field::State, "LIS", "1:2")]),
            Err("--layout has no LIC field".into())
        );
        assert_eq!(
            layout(&[(Field::Plate, "LIC", "0:10")]),
            Err("LIC:0:10 in --layout is not start:length (1-based, both over 0)".into())
        );
        assert_eq!(
            layout(&[(Field::Plate, "LIC", "1")]),
            Err("LIC:1 in --layout is not start:length (1-based, both over 0)".into())
        );
    }

    #[test]
    fn a_line_cut_inside_the_plate_is_refused_only_when_fields_follow() {
        let followed =
            layout(&[(Field::Plate, "LIC", "3:8"), (Field::State, "LIS", "11:2")]).expect("layout");
        assert_eq!(
            followed.row("  ABC12", false),
            Err("7 characters, LIC needs columns 3-10".into())
        );
        let (_, entry) = followed.row("  ABC12345", false).expect("state absent");
        assert_eq!((entry.plate.as_str(), entry.state), ("ABC12345", None));

        let last =
            layout(&[(Field::State, "LIS", "1:2"), (Field::Plate, "LIC", "3:8")]).expect("layout");
        let (_, entry) = last.row("IAABC1", false).expect("trimmed plate");
        assert_eq!(entry.plate, "ABC1");
        assert_eq!(
            last.row("IA", false),
            Err("2 characters, LIC needs columns 3-10".into())
        );
    }
}
