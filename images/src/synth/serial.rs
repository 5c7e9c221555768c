//! The characters on a plate: a state's issued patterns, and vanity plates.

use super::random::Dice;
use super::states::{Design, drawn};

/// Letters most states leave out of issued serials (they read as digits).
const ISSUED_LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
const ALL_LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";

/// A registration as printed: the groups of characters either side of the gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Serial {
    pub groups: Vec<String>,
    pub vanity: bool,
}

impl Serial {
    /// The registration as the labels write it: letters and digits only.
    pub fn text(&self) -> String {
        self.groups.concat()
    }
}

/// A registration for `design`: one of its patterns, or (with `vanity_share`) a vanity plate.
pub(crate) fn issue(design: &Design, dice: &mut Dice, vanity_share: f32) -> Serial {
    if dice.chance(vanity_share) {
        return vanity(dice);
    }
    let pattern = drawn(dice.pick::<&str>(design.patterns));
    let all_letters = dice.chance(0.08);
    let groups = pattern
        .split('_')
        .map(|g| {
            g.bytes()
                .map(|b| match b {
                    b'L' if all_letters => *dice.pick(ALL_LETTERS) as char,
                    b'L' => *dice.pick(ISSUED_LETTERS) as char,
                    _ => *dice.pick(DIGITS) as char,
                })
                .collect()
        })
        .collect();
    Serial {
        groups,
        vanity: false,
    }
}

/// A plate with given characters (a hot-list plate placed in a scene): split where a pattern
/// of that length would be, so it looks issued.
pub(crate) fn given(text: &str, design: &Design) -> Serial {
    let clean: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let split = design
        .patterns
        .iter()
        .map(|p| drawn(p))
        .find(|p| p.replace('_', "").len() == clean.len())
        .and_then(|p| p.find('_'));
    let groups = match split {
        Some(at) if at < clean.len() => vec![clean[..at].to_string(), clean[at..].to_string()],
        _ => vec![clean],
    };
    Serial {
        groups,
        vanity: false,
    }
}

/// A personalised plate: 2 to 7 characters, word-like more often than not, sometimes split.
fn vanity(dice: &mut Dice) -> Serial {
    let len = *dice.weighted(&[
        (2usize, 0.5),
        (3, 1.0),
        (4, 2.0),
        (5, 3.0),
        (6, 3.5),
        (7, 3.0),
    ]);
    let text: String = if dice.chance(0.6) {
        word_like(dice, len)
    } else {
        (0..len)
            .map(|_| {
                if dice.chance(0.7) {
                    *dice.pick(ALL_LETTERS) as char
                } else {
                    *dice.pick(DIGITS) as char
                }
            })
            .collect()
    };
    let groups = if len >= 4 && dice.chance(0.3) {
        let at = dice.int(2, len as i64 - 2) as usize;
        vec![text[..at].to_string(), text[at..].to_string()]
    } else {
        vec![text]
    };
    Serial {
        groups,
        vanity: true,
    }
}

/// Consonant–vowel runs with the digit swaps vanity plates use (0 for O, 1 for I, 8 for ATE).
fn word_like(dice: &mut Dice, len: usize) -> String {
    const CONSONANTS: &[u8] = b"BCDFGHKLMNPRSTVWXZ";
    const VOWELS: &[u8] = b"AEIOUY";
    let mut s = String::with_capacity(len);
    let mut vowel = dice.chance(0.3);
    while s.len() < len {
        let c = if vowel {
            *dice.pick(VOWELS) as char
        } else {
            *dice.pick(CONSONANTS) as char
        };
        let c = match c {
            'O' if dice.chance(0.3) => '0',
            'I' if dice.chance(0.3) => '1',
            'E' if dice.chance(0.15) => '3',
            'S' if dice.chance(0.1) => '5',
            _ => c,
        };
        s.push(c);
        vowel = if dice.chance(0.2) { vowel } else { !vowel };
        if dice.chance(0.08) && s.len() < len {
            s.push(*dice.pick(DIGITS) as char);
        }
    }
    s.truncate(len);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::states::DESIGNS;

    #[test]
    fn issued_serials_follow_their_pattern_and_vanity_plates_have_2_to_7_characters() {
        let mut dice = Dice::new(1);
        for d in DESIGNS.iter() {
            for _ in 0..20 {
                let s = issue(d, &mut dice, 0.0);
                let shape: String = s
                    .text()
                    .chars()
                    .map(|c| if c.is_ascii_digit() { '9' } else { 'L' })
                    .collect();
                assert!(
                    d.patterns
                        .iter()
                        .any(|p| drawn(p).replace('_', "") == shape),
                    "{}: {} fits no pattern",
                    d.code,
                    s.text()
                );
            }
        }
        for _ in 0..200 {
            let s = vanity(&mut dice);
            let n = s.text().len();
            assert!((2..=7).contains(&n), "{}", s.text());
            assert!(s.text().chars().all(|c| c.is_ascii_alphanumeric()));
        }
    }
}
