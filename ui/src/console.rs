//! Text lines for runs without a screen: one per read, one per hit, one summary.

use std::io::Write;

use crate::views::{HitView, ReadView, SummaryView};

/// Writes view models as lines to any writer (standard output in `alpr demo --headless`).
#[derive(Debug)]
pub struct Console<W> {
    out: W,
}

impl<W: Write> Console<W> {
    pub fn new(out: W) -> Self {
        Self { out }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    pub fn read(&mut self, r: &ReadView) -> std::io::Result<()> {
        writeln!(self.out, "READ  {}", read_line(r))
    }

    pub fn hit(&mut self, h: &HitView) -> std::io::Result<()> {
        let state_note = if h.state_mismatch {
            format!(
                " STATE DIFFERS: listed {} read {}",
                or_unknown(&h.listed_state),
                or_unknown(&h.read.state)
            )
        } else {
            String::new()
        };
        let confusion_note = confused_chars(&h.matched_reading, &h.confused_positions)
            .map(|c| format!(" CHECK CHARACTERS: {c}"))
            .unwrap_or_default();
        writeln!(
            self.out,
            "HIT   {} | list {} [{}] {} {} ({}) priority {}{}{}",
            read_line(&h.read),
            h.list,
            h.match_kind,
            h.listed_plate,
            or_unknown(&h.listed_state),
            h.reason,
            h.priority,
            state_note,
            confusion_note
        )
    }

    pub fn summary(&mut self, s: &SummaryView) -> std::io::Result<()> {
        writeln!(
            self.out,
            "SUMMARY reads={} hits={} alerts={} rows_synced={} frames_dropped={} camera_lines_rejected={}",
            s.reads, s.hits, s.alerts, s.rows_synced, s.frames_dropped, s.camera_lines_rejected
        )
    }
}

fn read_line(r: &ReadView) -> String {
    let position = if r.position.is_empty() {
        "no position".to_string()
    } else {
        r.position.clone()
    };
    format!(
        "{} {:<10} {:<2} {:>3}% cam {} @ {} ({})",
        r.time,
        r.plate,
        or_unknown(&r.state),
        r.confidence_pct,
        r.camera,
        position,
        r.position_quality
    )
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() { "??" } else { s }
}

/// The characters at `positions` of `plate`, numbered from 1 (`2:'8' 4:'O'`); `None` for none.
fn confused_chars(plate: &str, positions: &[usize]) -> Option<String> {
    let chars: Vec<char> = plate.chars().collect();
    let named: Vec<String> = positions
        .iter()
        .filter_map(|&i| chars.get(i).map(|c| format!("{}:'{c}'", i + 1)))
        .collect();
    (!named.is_empty()).then(|| named.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read() -> ReadView {
        ReadView {
            time: "18:04:05".into(),
            camera: "front".into(),
            plate: "7ABC123".into(),
            state: "".into(),
            confidence_pct: 93,
            position: "41.67612,-91.58031".into(),
            position_quality: "interpolated".into(),
            crop: None,
            hit: false,
            canvass: false,
        }
    }

    #[test]
    fn a_state_mismatch_is_said_plainly() {
        let mut c = Console::new(Vec::new());
        c.hit(&HitView {
            read: read(),
            list: "ncic-stolen".into(),
            listed_plate: "7ABC123".into(),
            listed_state: "IA".into(),
            reason: "stolen vehicle".into(),
            priority: "high".into(),
            match_kind: "exact".into(),
            matched_reading: "7ABC123".into(),
            confused_positions: vec![],
            state_mismatch: true,
        })
        .expect("write to vec");
        let text = String::from_utf8(c.into_inner()).expect("utf8");
        assert!(text.contains("STATE DIFFERS: listed IA read ??"), "{text}");
    }

    #[test]
    fn summary_names_every_count() {
        let mut c = Console::new(Vec::new());
        c.summary(&SummaryView {
            reads: 3,
            hits: 1,
            alerts: 1,
            rows_synced: 9,
            ..Default::default()
        })
        .expect("write to vec");
        let text = String::from_utf8(c.into_inner()).expect("utf8");
        assert_eq!(
            text,
            "SUMMARY reads=3 hits=1 alerts=1 rows_synced=9 frames_dropped=0 camera_lines_rejected=0\n"
        );
    }
}
