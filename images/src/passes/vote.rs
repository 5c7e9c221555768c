//! One read from the readings of a pass: the text most frames support.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::observation::{Alternative, PlateObservation, o_as_zero};

/// How much a reading that is only part of a text (the plate cut by the frame's edge) counts for
/// that text, against a whole reading's one. Less than one, so that a text read once with a
/// stray character beside it (`3FZRULZ`) does not outvote the many frames that read it without
/// (`FZRULZ`): their readings are part of it. More than nothing, so that a plate read whole in
/// a few frames and cut in more is still read whole.
const PART_WEIGHT: f64 = 0.5;

/// How two texts are compared. Many plate fonts draw the letter O and the digit 0 alike, and a
/// plate's frames split between them (`OLN395`, `0LN395`) as they split over no other pair:
/// the text is chosen with the two as one, so that the split does not hand the pass to a third
/// reading (`DLN395`), and only then spelt as most of its frames spelt it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Compare {
    Exact,
    OAsZero,
}

impl Compare {
    fn key(self, s: &str) -> Cow<'_, str> {
        match self {
            Compare::OAsZero => o_as_zero(s),
            Compare::Exact => Cow::Borrowed(s),
        }
    }

    pub(super) fn same(self, a: &str, b: &str) -> bool {
        self.key(a) == self.key(b)
    }

    /// Whether `part` is a piece of `whole` that a frame's edge could have left.
    fn is_part(self, part: &str, whole: &str) -> bool {
        let (part, whole) = (self.key(part), self.key(whole));
        part.len() >= 3 && part.len() < whole.len() && whole.contains(part.as_ref())
    }

    /// How much `r` says for the text `c` when texts are chosen: its own reading in full, a
    /// part of `c` at [`PART_WEIGHT`], an alternative at that alternative's confidence.
    fn vote(self, r: &PlateObservation, c: &str) -> f64 {
        if self.same(&r.plate, c) {
            r.confidence
        } else if self.is_part(&r.plate, c) {
            r.confidence * PART_WEIGHT
        } else {
            self.alternative_confidence(r, c)
        }
    }

    /// How much `r` is consistent with `c` when the chosen text's confidence is worked out: a
    /// part of a plate does not doubt it.
    fn agreement(self, r: &PlateObservation, c: &str) -> f64 {
        if self.same(&r.plate, c) || self.is_part(&r.plate, c) {
            r.confidence
        } else {
            self.alternative_confidence(r, c)
        }
    }

    fn alternative_confidence(self, r: &PlateObservation, c: &str) -> f64 {
        r.alternatives
            .iter()
            .filter(|a| self.same(&a.plate, c))
            .map(|a| a.confidence)
            .fold(0.0, f64::max)
    }

    /// The surest confidence of a reading of `c`.
    fn surest(self, readings: &[PlateObservation], c: &str) -> f64 {
        readings
            .iter()
            .filter(|r| self.same(&r.plate, c))
            .map(|r| r.confidence)
            .fold(0.0, f64::max)
    }

    fn score(self, readings: &[PlateObservation], c: &str) -> f64 {
        readings.iter().map(|r| self.vote(r, c)).sum()
    }
}

/// The pass's read. The text is the one the readings vote for most; its confidence is the
/// surest frame's that read it, scaled by the share of the readings that agree with it; its
/// state, images and capture time are those of the frames that read it. Every other text read
/// in the pass, and every alternative any frame gave, is kept as an alternative, so the hot-list
/// matcher still sees all that it would have seen frame by frame.
///
/// `readings` must not be empty; they are all from one camera.
pub(super) fn consolidate(readings: Vec<PlateObservation>) -> Option<PlateObservation> {
    use Compare::{Exact, OAsZero};

    let mut texts: Vec<&str> = Vec::new();
    for r in &readings {
        if !texts.contains(&r.plate.as_str()) {
            texts.push(&r.plate);
        }
    }
    let text = texts
        .iter()
        .map(|c| {
            let score = OAsZero.score(&readings, c);
            (*c, score, c.len(), OAsZero.surest(&readings, c))
        })
        .max_by(|a, b| {
            a.1.total_cmp(&b.1)
                .then(a.2.cmp(&b.2))
                .then(a.3.total_cmp(&b.3))
        })?
        .0;
    // Spelt as the frames that read it whole spelt it: a frame that read more (`L0LN395`) has
    // its own O or 0, not this text's.
    let spelling = |c: &str| {
        readings
            .iter()
            .map(|r| {
                if r.plate == c {
                    r.confidence
                } else {
                    Exact.alternative_confidence(r, c)
                }
            })
            .sum::<f64>()
    };
    let chosen = texts
        .iter()
        .filter(|c| OAsZero.same(c, text))
        .map(|c| (*c, spelling(c), Exact.surest(&readings, c)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)))?
        .0
        .to_string();
    let total: f64 = readings.iter().map(|r| r.confidence).sum();
    let share = |c: &str| {
        if total > 0.0 {
            (readings
                .iter()
                .map(|r| OAsZero.agreement(r, c))
                .sum::<f64>()
                / total)
                .min(1.0)
        } else {
            1.0
        }
    };
    let surest = |c: &str| Exact.surest(&readings, c);

    let mut alternatives: HashMap<String, f64> = HashMap::new();
    let mut offer = |plate: &str, confidence: f64| {
        if plate != chosen {
            let slot = alternatives.entry(plate.to_string()).or_insert(0.0);
            *slot = slot.max(confidence);
        }
    };
    for c in &texts {
        offer(c, surest(c) * share(c));
    }
    for r in &readings {
        for a in &r.alternatives {
            offer(&a.plate, a.confidence);
        }
    }
    let mut alternatives: Vec<Alternative> = alternatives
        .into_iter()
        .map(|(plate, confidence)| Alternative { plate, confidence })
        .collect();
    alternatives.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then_with(|| a.plate.cmp(&b.plate))
    });

    let confidence = surest(&chosen) * share(&chosen);
    let state = state_of(&readings, &chosen);
    let mut best = readings
        .into_iter()
        .filter(|r| r.plate == chosen)
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence))?;
    best.confidence = confidence;
    best.state = state;
    best.alternatives = alternatives;
    Some(best)
}

/// The state most of the frames that read `chosen` (O and 0 as one) gave, weighed by their
/// confidence; ties go to the surest frame's.
fn state_of(readings: &[PlateObservation], chosen: &str) -> Option<String> {
    let mut by_state: Vec<(&str, f64, f64)> = Vec::new();
    for r in readings
        .iter()
        .filter(|r| Compare::OAsZero.same(&r.plate, chosen))
    {
        let Some(state) = r.state.as_deref() else {
            continue;
        };
        match by_state.iter_mut().find(|(s, _, _)| *s == state) {
            Some((_, sum, surest)) => {
                *sum += r.confidence;
                *surest = surest.max(r.confidence);
            }
            None => by_state.push((state, r.confidence, r.confidence)),
        }
    }
    by_state
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)))
        .map(|(s, _, _)| s.to_string())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::consolidate;
    use crate::observation::{Alternative, PlateObservation};

    fn reading(plate: &str, confidence: f64, state: Option<&str>) -> PlateObservation {
        PlateObservation {
            camera: "front".into(),
            plate: plate.into(),
            state: state.map(String::from),
            confidence,
            captured_at: Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
            alternatives: Vec::new(),
            plate_crop: None,
            context_image: None,
            ack: None,
        }
    }

    fn alternatives(o: &PlateObservation) -> Vec<&str> {
        o.alternatives.iter().map(|a| a.plate.as_str()).collect()
    }

    #[test]
    fn the_text_most_frames_read_wins_and_the_others_stay_alternatives() {
        let read = consolidate(vec![
            reading("KXT482", 0.94, Some("LA")),
            reading("KXT482", 1.0, Some("VA")),
            reading("KXT482", 1.0, Some("VA")),
            reading("XT482", 1.0, Some("LA")),
            reading("KXT432", 0.6, Some("LA")),
        ])
        .expect("readings give a read");
        assert_eq!(read.plate, "KXT482");
        assert_eq!(read.state.as_deref(), Some("VA"));
        assert_eq!(alternatives(&read), ["XT482", "KXT432"]);
        // Agreeing: three whole readings and one part; doubting: one reading of 4.54.
        assert!((read.confidence - (1.0 * 3.94 / 4.54)).abs() < 1e-9);
    }

    #[test]
    fn a_plate_cut_in_more_frames_than_it_is_whole_is_read_whole() {
        let read = consolidate(vec![
            reading("LMW", 0.93, None),
            reading("LMW5", 0.99, None),
            reading("LMW53", 1.0, None),
            reading("LMW53", 0.98, None),
            reading("LMW530", 1.0, None),
            reading("LMW530", 1.0, None),
        ])
        .expect("readings give a read");
        assert_eq!(read.plate, "LMW530");
        assert!(
            (read.confidence - 1.0).abs() < 1e-9,
            "parts do not doubt it"
        );
    }

    #[test]
    fn one_reading_with_a_stray_character_does_not_outvote_many_without() {
        let read = consolidate(vec![
            reading("FZRULZ", 0.9, None),
            reading("FZRULZ", 0.95, None),
            reading("3FZRULZ", 0.8, None),
            reading("FZRULZ", 0.9, None),
        ])
        .expect("readings give a read");
        assert_eq!(read.plate, "FZRULZ");
        assert_eq!(alternatives(&read), ["3FZRULZ"]);
    }

    #[test]
    fn every_alternative_any_frame_gave_is_kept_for_the_matcher() {
        let mut a = reading("4FCU533", 0.69, Some("CO"));
        a.alternatives = vec![Alternative {
            plate: "4ECU533".into(),
            confidence: 0.3,
        }];
        let mut b = reading("4FCU533", 0.8, Some("CO"));
        b.alternatives = vec![Alternative {
            plate: "4FCW533".into(),
            confidence: 0.2,
        }];
        let read = consolidate(vec![a, b]).expect("readings give a read");
        assert_eq!(read.plate, "4FCU533");
        assert_eq!(alternatives(&read), ["4ECU533", "4FCW533"]);
    }

    #[test]
    fn frames_split_between_o_and_0_are_one_text_spelt_as_most_spelt_it() {
        let mut readings = Vec::new();
        for (plate, n, state) in [
            ("DLN395", 4, "AZ"),
            ("OLN395", 3, "TX"),
            ("0LN395", 2, "TX"),
        ] {
            readings.extend((0..n).map(|_| reading(plate, 0.8, Some(state))));
        }
        let read = consolidate(readings.clone()).expect("readings give a read");
        assert_eq!(read.plate, "OLN395", "5 frames against 4, not 3 against 4");
        assert_eq!(read.state.as_deref(), Some("TX"));
        assert_eq!(alternatives(&read)[..2], ["0LN395", "DLN395"]);
        // Five of nine frames read it: the read is no surer than that.
        assert!(
            (read.confidence - 0.8 * 5.0 / 9.0).abs() < 1e-9,
            "{}",
            read.confidence
        );

        readings.extend((0..2).map(|_| reading("DLN395", 0.8, Some("AZ"))));
        let read = consolidate(readings).expect("readings give a read");
        assert_eq!(read.plate, "DLN395", "6 frames against 5");
    }

    #[test]
    fn an_alternative_of_many_frames_can_outvote_one_frame_s_reading() {
        let alt = |plate: &str, own: &str| {
            let mut r = reading(own, 0.55, None);
            r.alternatives = vec![Alternative {
                plate: plate.into(),
                confidence: 0.45,
            }];
            r
        };
        let read = consolidate(vec![
            alt("4FCW533", "4FCU533"),
            alt("4FCW533", "4FCV533"),
            alt("4FCW533", "4FCH533"),
            reading("4FCW533", 0.5, None),
        ])
        .expect("readings give a read");
        assert_eq!(read.plate, "4FCW533");
    }

    #[test]
    fn images_and_time_are_the_surest_frame_s_that_read_the_chosen_text() {
        let mut a = reading("GRN4471", 0.97, None);
        a.plate_crop = Some(crate::ImageBytes(vec![1]));
        let mut b = reading("GRN4471", 0.99, None);
        b.plate_crop = Some(crate::ImageBytes(vec![2]));
        b.captured_at = Utc.timestamp_opt(1_800_000_001, 0).unwrap();
        let c = reading("GRN471", 1.0, None);
        let read = consolidate(vec![a, b.clone(), c]).expect("readings give a read");
        assert_eq!(read.plate, "GRN4471");
        assert_eq!(read.plate_crop, b.plate_crop);
        assert_eq!(read.captured_at, b.captured_at);
    }

    #[test]
    fn no_readings_give_no_read() {
        assert_eq!(consolidate(Vec::new()), None);
    }
}
