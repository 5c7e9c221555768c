//! A hot list as CSV with a header: `plate,state,make,model,color,reason,priority,instructions,expires`.
//! Only `plate` is required; `expires` is RFC 3339.

use chrono::DateTime;

use crate::model::ListedPlate;
use crate::model::Priority;

/// A fault in a CSV list, with the line it is on.
#[derive(Debug, thiserror::Error)]
pub enum CsvListError {
    #[error("{source_name}: the header has no `plate` column")]
    NoPlateColumn { source_name: String },
    #[error("{source_name}:{line}: {message}")]
    Line {
        source_name: String,
        line: u64,
        message: String,
    },
}

/// Parses a whole list; any bad line fails the whole list, so a half-read list is never loaded.
pub fn parse_csv_list(text: &[u8], source_name: &str) -> Result<Vec<ListedPlate>, CsvListError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text);
    let line_err = |line: u64, message: String| CsvListError::Line {
        source_name: source_name.to_string(),
        line,
        message,
    };
    let headers = reader
        .headers()
        .map_err(|e| line_err(1, e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let plate_col = col("plate").ok_or_else(|| CsvListError::NoPlateColumn {
        source_name: source_name.to_string(),
    })?;
    let (state, make, model, color, reason, priority, instructions, expires) = (
        col("state"),
        col("make"),
        col("model"),
        col("color"),
        col("reason"),
        col("priority"),
        col("instructions"),
        col("expires"),
    );
    let mut entries = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            line_err(line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let raw_plate = record.get(plate_col).unwrap_or("");
        let plate: String = raw_plate
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect::<String>()
            .to_ascii_uppercase();
        if plate.is_empty() || plate.len() > 10 || !plate.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(line_err(
                line,
                format!("plate {raw_plate:?} is not 1 to 10 letters and digits"),
            ));
        }
        let state = match field(state) {
            Some(s) if s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()) => {
                Some(s.to_ascii_uppercase())
            }
            Some(s) => {
                return Err(line_err(
                    line,
                    format!("state {s:?} is not a two-letter code"),
                ));
            }
            None => None,
        };
        let priority = match field(priority) {
            Some(p) => Priority::parse(&p).ok_or_else(|| {
                line_err(
                    line,
                    format!("priority {p:?} is not one of low, normal, high, critical"),
                )
            })?,
            None => Priority::Normal,
        };
        let expires_at = match field(expires) {
            Some(t) => Some(
                DateTime::parse_from_rfc3339(&t)
                    .map_err(|e| line_err(line, format!("expires {t:?} is not RFC 3339: {e}")))?
                    .to_utc(),
            ),
            None => None,
        };
        entries.push(ListedPlate {
            plate,
            state,
            make: field(make),
            model: field(model),
            color: field(color),
            reason: field(reason).unwrap_or_default(),
            priority,
            instructions: field(instructions),
            expires_at,
            ..Default::default()
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names_bad_lines() {
        let ok = parse_csv_list(
            b"plate,state,reason,priority\nabc-123,ia,stolen vehicle,high\nZZZ9,,bolo,\n",
            "t.csv",
        )
        .expect("valid list");
        assert_eq!(ok.len(), 2);
        assert_eq!(
            (ok[0].plate.as_str(), ok[0].state.as_deref()),
            ("ABC123", Some("IA"))
        );
        assert_eq!(ok[0].priority, Priority::High);
        let err =
            parse_csv_list(b"plate,state\nABC123,IA\nAB;C,IA\n", "t.csv").expect_err("bad plate");
        assert_eq!(
            err.to_string(),
            "t.csv:3: plate \"AB;C\" is not 1 to 10 letters and digits"
        );
        assert!(matches!(
            parse_csv_list(b"tag,state\n", "t.csv"),
            Err(CsvListError::NoPlateColumn { .. })
        ));
    }
}
