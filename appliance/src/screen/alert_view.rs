//! A hit as the alert screen shows it, built at once from the hit in memory (the read is not
//! stored yet when the alert sounds), and the checklist as stored afterwards.

use alpr_ui::{AlertView, EncodedImage, Mark, StepView};
use chrono::{DateTime, Utc};

use crate::model::{Hit, ListedPlate, Read};
use crate::policy::Policy;
use crate::store::{HitAlert, StepStatus};
use crate::views;

pub fn alert_view(read: &Read, hit: &Hit, policy: &Policy, now: DateTime<Utc>) -> AlertView {
    let listed = &hit.entry.listed;
    let (read_chars, listed_chars) = marks(&hit.read_plate, &listed.plate, &hit.confused);
    let steps: Vec<StepView> = policy
        .alerts
        .steps_for(&hit.entry.list_id)
        .map(|s| StepView {
            id: s.id.clone(),
            text: s.text.clone(),
            required: s.required_before_enforcement,
            excusable: s.excusable.clone(),
            outcome: None,
            recorded: String::new(),
        })
        .collect();
    let enforcement_allowed = !steps.iter().any(|s| s.required);
    let mut read_view = views::read_view(read);
    read_view.hit = true;
    AlertView {
        hit_id: hit.id.to_string(),
        priority: listed.priority.as_str().to_string(),
        list: hit.entry.list_id.clone(),
        match_kind: hit.match_label(),
        reason: listed.reason.clone(),
        instructions: listed.instructions.clone().unwrap_or_default(),
        entry_age: listed
            .effective_at
            .map(|t| age(now - t))
            .unwrap_or_default(),
        case_number: listed.oca.clone().unwrap_or_default(),
        synopsis: String::new(),
        crop: read
            .observation
            .plate_crop
            .as_ref()
            .map(|i| EncodedImage(i.0.clone())),
        context: read
            .observation
            .context_image
            .as_ref()
            .map(|i| EncodedImage(i.0.clone())),
        character_note: character_note(hit, read, &read_chars, &listed_chars),
        read_chars,
        listed_chars,
        listed_state: listed.state.clone().unwrap_or_default(),
        state_differs: hit.state_mismatch,
        listed_vehicle: vehicle(listed),
        vehicle_note: vehicle_note(listed),
        steps,
        confirm_through: policy.alerts.confirm_through.clone(),
        reminder: policy.alerts.reminder.clone(),
        enforcement_allowed,
        disposed: None,
        read: read_view,
    }
}

/// The checklist and disposition as the store now holds them.
pub fn progress(alert: &HitAlert) -> alpr_ui::screen::AlertProgress {
    let steps: Vec<StepView> = alert.steps.iter().map(step_view).collect();
    let enforcement_allowed = alert
        .steps
        .iter()
        .all(|s| !s.required_before_enforcement || s.satisfied());
    alpr_ui::screen::AlertProgress {
        steps,
        enforcement_allowed,
        disposed: alert.hit.disposition.clone(),
    }
}

fn step_view(s: &StepStatus) -> StepView {
    let recorded = match (&s.outcome, &s.by, s.at) {
        (Some(o), Some(by), Some(at)) => {
            let note = s
                .notes
                .as_deref()
                .filter(|n| !n.is_empty())
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            format!(
                "{o} by {by} at {}{note}",
                at.with_timezone(&chrono::Local).format("%H:%M:%S")
            )
        }
        _ => String::new(),
    };
    StepView {
        id: s.id.clone(),
        text: s.text.clone(),
        required: s.required_before_enforcement,
        excusable: s.excusable.clone(),
        outcome: s.outcome.clone(),
        recorded,
    }
}

fn age(d: chrono::Duration) -> String {
    let mins = d.num_minutes().max(0);
    match mins {
        0..60 => format!("{mins} min ago"),
        60..2880 => format!("{} h ago", mins / 60),
        _ => format!("{} days ago", mins / 1440),
    }
}

fn vehicle(l: &ListedPlate) -> String {
    let year = l.vehicle_year.map(|y| y.to_string());
    [
        year.as_deref(),
        l.make.as_deref(),
        l.model.as_deref(),
        l.color.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.trim().is_empty())
    .collect::<Vec<_>>()
    .join(" ")
}

/// For a stolen plate the vehicle listed is the one the plate was stolen from: a different car
/// wearing it is what to expect, and is no reason to dismiss the hit or to stop the wrong car.
fn vehicle_note(l: &ListedPlate) -> String {
    let reason = l.reason.to_ascii_lowercase();
    let stolen_plate = reason.contains("stolen plate")
        || reason.contains("stolen license")
        || reason.contains("stolen tag");
    let listed = vehicle(l);
    if stolen_plate {
        if listed.is_empty() {
            "STOLEN PLATE: the record does not say which vehicle it belongs to. The car wearing it may be any vehicle.".into()
        } else {
            format!(
                "STOLEN PLATE: it belongs on a {listed}. The car wearing it may be a different vehicle; compare what you see."
            )
        }
    } else if listed.is_empty() {
        "The record gives no vehicle description: the vehicle cannot be compared.".into()
    } else {
        String::new()
    }
}

fn character_note(
    hit: &Hit,
    read: &Read,
    read_chars: &[(char, Mark)],
    listed: &[(char, Mark)],
) -> String {
    let mut parts = Vec::new();
    if hit.via_alternative {
        parts.push(format!(
            "Matched through the camera's other reading {}; its best reading was {}.",
            hit.read_plate, read.observation.plate
        ));
    }
    let confused: Vec<String> = read_chars
        .iter()
        .enumerate()
        .filter(|(_, (_, m))| *m == Mark::Confusion)
        .map(|(i, (c, _))| {
            let other = listed.get(i).map_or('?', |(l, _)| *l);
            format!("position {}: read {c}, listed {other}", i + 1)
        })
        .collect();
    if !confused.is_empty() {
        parts.push(format!(
            "CHECK BY EYE — matched only through look-alike characters ({}).",
            confused.join("; ")
        ));
    }
    if read_chars.iter().any(|(_, m)| *m == Mark::Wildcard) {
        parts.push(
            "Partial plate: the grey characters were not given in the record and match anything."
                .into(),
        );
    }
    if read_chars.iter().any(|(_, m)| *m == Mark::Differs) {
        parts.push("Red characters differ from the record.".into());
    }
    parts.join(" ")
}

/// A plate's characters, each with how it met the other plate's.
pub type Marked = Vec<(char, Mark)>;

/// Marks each character of the reading that matched and of the listed plate (which may hold `*`
/// any run and `?` one character): the same, met through a confusion, stood for by a wildcard,
/// or different. Confusions come from the matcher (`confused`, positions in the reading).
pub fn marks(read: &str, listed: &str, confused: &[usize]) -> (Marked, Marked) {
    let r: Vec<char> = read.chars().collect();
    let l: Vec<char> = listed.chars().collect();
    let read_mark = |i: usize, c: char, other: Option<char>| {
        if confused.contains(&i) {
            Mark::Confusion
        } else if other == Some(c) {
            Mark::Same
        } else {
            Mark::Differs
        }
    };
    let Some(pairs) = align(&r, &l) else {
        // Not alignable (a hit on an alternative of another length, say): position by position.
        let rm = r
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, read_mark(i, c, l.get(i).copied())))
            .collect();
        let lm = l
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let m = if matches!(c, '*' | '?') {
                    Mark::Wildcard
                } else if confused.contains(&i) {
                    Mark::Confusion
                } else if r.get(i) == Some(&c) {
                    Mark::Same
                } else {
                    Mark::Differs
                };
                (c, m)
            })
            .collect();
        return (rm, lm);
    };
    let mut rm: Vec<(char, Mark)> = r.iter().map(|&c| (c, Mark::Wildcard)).collect();
    let mut lm: Vec<(char, Mark)> = l.iter().map(|&c| (c, Mark::Wildcard)).collect();
    for (ri, li) in pairs {
        let lc = l[li];
        if matches!(lc, '*' | '?') {
            continue;
        }
        let m = read_mark(ri, r[ri], Some(lc));
        rm[ri].1 = m;
        lm[li].1 = m;
    }
    (rm, lm)
}

/// Which read character each listed character stands against: `*` takes any run, `?` one
/// character, anything else one character (equal or not). Prefers the alignment with the most
/// equal characters.
fn align(r: &[char], l: &[char]) -> Option<Vec<(usize, usize)>> {
    let (n, m) = (r.len(), l.len());
    // best[i][j]: most equal characters aligning r[i..] with l[j..]; None when impossible.
    let mut best = vec![vec![None::<usize>; m + 1]; n + 1];
    best[n][m] = Some(0);
    for i in (0..=n).rev() {
        for j in (0..m).rev() {
            let v = match l[j] {
                '*' => {
                    let skip = best[i][j + 1];
                    let take = if i < n { best[i + 1][j] } else { None };
                    skip.max(take)
                }
                c if i < n => best[i + 1][j + 1].map(|b| b + usize::from(c == '?' || r[i] == c)),
                _ => None,
            };
            best[i][j] = v;
        }
    }
    best[0][0]?;
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while j < m {
        if l[j] == '*' {
            if i < n && best[i + 1][j] >= best[i][j + 1] && best[i + 1][j].is_some() {
                out.push((i, j));
                i += 1;
            } else {
                j += 1;
            }
        } else {
            out.push((i, j));
            i += 1;
            j += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &[(char, Mark)]) -> String {
        s.iter()
            .map(|(_, m)| match m {
                Mark::Same => '=',
                Mark::Confusion => '~',
                Mark::Wildcard => '*',
                Mark::Differs => '!',
            })
            .collect()
    }

    #[test]
    fn confusions_are_marked_on_both_plates() {
        let (r, l) = marks("7ABC8Z3", "7ABCBZ3", &[4]);
        assert_eq!(m(&r), "====~==");
        assert_eq!(m(&l), "====~==");
    }

    #[test]
    fn wildcards_stand_for_what_the_witness_did_not_see() {
        let (r, l) = marks("7KB4412", "7?B*", &[]);
        assert_eq!(m(&r), "=*=****");
        assert_eq!(m(&l), "=*=*");
        let (r, l) = marks("ABC123", "*C12*", &[]);
        assert_eq!(m(&r), "**===*");
        assert_eq!(m(&l), "*===*");
    }

    #[test]
    fn plates_of_other_lengths_are_compared_position_by_position() {
        let (r, l) = marks("ABC12", "ABD123", &[]);
        assert_eq!(m(&r), "==!==");
        assert_eq!(m(&l), "==!==!");
    }
}
