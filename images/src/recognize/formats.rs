//! A reading fitted to the registration formats states issue, written as records key it.
//!
//! The reader reads glyphs, but a plate's characters also follow its state's format (`LLL_9999`,
//! `9LLL999`, ...). Where the reader was torn between a letter and a digit (`D` or `0`, `8` or
//! `B`), a reading that fits the format is likelier right, as ALPR post-processing has long
//! used. Many plate fonts draw O and 0 alike, so no reader can tell them apart by shape: the
//! format decides, and where it does not call for a letter the digit is written, as dispatch
//! keys plates (several states never issue the letter O and key zero for it; the hot-list
//! matcher treats the two as one besides).

use super::read::{AS_LIKELY_NOTHING, TextReading};
use crate::synth;

/// A runner-up character less likely than this is no alternative.
const MIN_RUNNER_UP: f32 = 0.02;
/// At most this many characters are replaced by their runners-up to fit a format.
const MAX_SWAPS: usize = 2;
/// A fitted reading replaces the reader's only when at least this share as likely: the reader
/// was torn, not merely aware of a second choice (`ADT80S` is a Maryland plate though `ADT809`,
/// a quarter as likely, fits its issued format).
const MIN_SHARE: f32 = 0.5;

/// The glyph many plate fonts draw the same as `c`.
fn twin(c: char) -> Option<char> {
    match c {
        'O' => Some('0'),
        '0' => Some('O'),
        _ => None,
    }
}

/// Whether pattern character `p` (`L` a letter, `9` a digit) allows character `c`.
fn allows(p: char, c: char) -> bool {
    match p {
        'L' => c.is_ascii_uppercase(),
        '9' => c.is_ascii_digit(),
        _ => false,
    }
}

/// One way to read a character: which, how likely, and whether it is the runner-up (rather
/// than the reader's own choice or its twin). Each character's first choice is the reader's own.
#[derive(Debug, Clone, Copy)]
struct Choice {
    c: char,
    p: f32,
    swap: bool,
}

/// `reading` fitted to the formats of `state` (of every state when it is not known): the
/// likeliest reading that fits one, when it is at least [`MIN_SHARE`] as likely as the
/// reader's own; otherwise the reader's own, with the digit 0 for every O. At a replaced
/// character the reader's own choice becomes the runner-up, so it stays an alternative.
///
/// A character the reader saw as about as likely nothing ([`AS_LIKELY_NOTHING`]) may also be
/// taken as nothing to fit (`RDNY464`, the `Y` a bolt between characters, fits Louisiana as
/// `RDN464`); the reader's own text stays an alternative. Only one character is dropped.
pub fn fit(reading: TextReading, state: Option<&str>) -> TextReading {
    let issued = state.map(synth::issued_patterns).unwrap_or_default();
    let issued = if issued.is_empty() {
        synth::all_issued_patterns()
    } else {
        issued
    };
    let patterns: Vec<Vec<char>> = issued.into_iter().map(shape).collect();
    let own = reading.confidence();
    let mut best = likeliest_fit(&reading, &patterns).map(|(c, p)| (reading.clone(), c, p));
    let chars: Vec<char> = reading.text.chars().collect();
    let alike = |i: usize, j: usize| match (chars.get(i), chars.get(j)) {
        (Some(&a), Some(&b)) => a == b || twin(a) == Some(b),
        _ => false,
    };
    for (i, &g) in reading.gaps.iter().enumerate() {
        // Between two like characters the reader must see a gap to read both, so a repeated
        // character is not taken as nothing (`A000956` is no `A00956`).
        let repeated = alike(i, i.wrapping_sub(1)) || alike(i, i + 1);
        if g < AS_LIKELY_NOTHING || repeated {
            continue;
        }
        let Some(shorter) = reading.without(i) else {
            continue;
        };
        // The search's chance is the characters'; the gap's is the reading's besides.
        let gap = shorter.dropped.as_ref().map_or(1.0, |d| d.chance);
        if let Some((c, p)) = likeliest_fit(&shorter, &patterns)
            && best.as_ref().is_none_or(|(_, _, bp)| p * gap > *bp)
        {
            best = Some((shorter, c, p * gap));
        }
    }
    match best {
        Some((base, chosen, p)) if p >= MIN_SHARE * own => rebuild(&base, &chosen),
        _ => {
            let zeros: Vec<Choice> = reading
                .text
                .chars()
                .enumerate()
                .map(|(i, c)| Choice {
                    c: if c == 'O' { '0' } else { c },
                    p: reading.char_confidences.get(i).copied().unwrap_or(0.0),
                    swap: false,
                })
                .collect();
            rebuild(&reading, &zeros)
        }
    }
}

/// The likeliest way to read `reading`'s characters that fits one of `patterns`, and its
/// chance, when there is one.
fn likeliest_fit(reading: &TextReading, patterns: &[Vec<char>]) -> Option<(Vec<Choice>, f32)> {
    let len = reading.text.chars().count();
    let patterns: Vec<&[char]> = patterns
        .iter()
        .filter(|p| p.len() == len)
        .map(Vec::as_slice)
        .collect();
    let options: Vec<Vec<Choice>> = reading
        .text
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let p = reading.char_confidences.get(i).copied().unwrap_or(0.0);
            let mut o = vec![Choice { c, p, swap: false }];
            if let Some(t) = twin(c) {
                // The same glyph: as likely as the reader's own.
                o.push(Choice {
                    c: t,
                    p,
                    swap: false,
                });
            }
            if let Some(Some((r, q))) = reading.runners_up.get(i)
                && *q >= MIN_RUNNER_UP
                && Some(*r) != twin(c)
            {
                o.push(Choice {
                    c: *r,
                    p: *q,
                    swap: true,
                });
                if let Some(t) = twin(*r) {
                    o.push(Choice {
                        c: t,
                        p: *q,
                        swap: true,
                    });
                }
            }
            o
        })
        .collect();
    let mut best = None;
    let mut path = Vec::with_capacity(len);
    search(&options, &patterns, &mut path, 0, 1.0, &mut best);
    best
}

/// Whether `text` fits a format some state issues, O and 0 taken as one glyph.
pub fn fits_some_state(text: &str) -> bool {
    let len = text.chars().count();
    synth::all_issued_patterns().into_iter().any(|pattern| {
        let shape = shape(pattern);
        shape.len() == len
            && shape
                .iter()
                .zip(text.chars())
                .all(|(&k, c)| allows(k, c) || twin(c).is_some_and(|t| allows(k, t)))
    })
}

fn shape(pattern: &str) -> Vec<char> {
    pattern.chars().filter(|&p| p != '_').collect()
}

/// Depth-first over each character's choices, keeping only those some pattern still allows:
/// the likeliest full reading that fits, and on a tie (O or 0 where formats allow either) the
/// reader's own choice, which a font that draws them apart lets it make.
fn search(
    options: &[Vec<Choice>],
    patterns: &[&[char]],
    path: &mut Vec<Choice>,
    swaps: usize,
    p: f32,
    best: &mut Option<(Vec<Choice>, f32)>,
) {
    let at = path.len();
    let Some(here) = options.get(at) else {
        let better = match best {
            None => true,
            Some((b, bp)) => p > *bp || (p == *bp && changes(options, path) < changes(options, b)),
        };
        if better {
            *best = Some((path.clone(), p));
        }
        return;
    };
    for &choice in here {
        let swaps = swaps + usize::from(choice.swap);
        if swaps > MAX_SWAPS {
            continue;
        }
        let still: Vec<&[char]> = patterns
            .iter()
            .copied()
            .filter(|pat| pat.get(at).is_some_and(|&k| allows(k, choice.c)))
            .collect();
        if still.is_empty() {
            continue;
        }
        path.push(choice);
        search(options, &still, path, swaps, p * choice.p, best);
        path.pop();
    }
}

/// How many characters of `path` are not the reader's own.
fn changes(options: &[Vec<Choice>], path: &[Choice]) -> usize {
    path.iter()
        .zip(options)
        .filter(|(chosen, o)| o.first().is_some_and(|own| own.c != chosen.c))
        .count()
}

/// The reading with `chosen` characters; where one differs, the reader's own is its runner-up.
fn rebuild(reading: &TextReading, chosen: &[Choice]) -> TextReading {
    let mut out = reading.clone();
    out.text = chosen.iter().map(|c| c.c).collect();
    for (i, (own, new)) in reading.text.chars().zip(chosen).enumerate() {
        if own == new.c {
            continue;
        }
        if let Some(slot) = out.char_confidences.get_mut(i) {
            *slot = new.p;
        }
        if let Some(slot) = out.runners_up.get_mut(i) {
            let own_p = reading.char_confidences.get(i).copied().unwrap_or(0.0);
            *slot = if twin(own) == Some(new.c) {
                // The same glyph: the reader's runner-up stays the alternative.
                slot.filter(|(r, _)| *r != new.c)
            } else {
                Some((own, own_p))
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(text: &str, confidences: &[f32], runners_up: &[Option<(char, f32)>]) -> TextReading {
        TextReading {
            text: text.to_string(),
            char_confidences: confidences.to_vec(),
            runners_up: runners_up.to_vec(),
            gaps: vec![0.0; text.chars().count()],
            dropped: None,
        }
    }

    fn sure(text: &str) -> TextReading {
        let n = text.len();
        reading(text, &vec![0.99; n], &vec![None; n])
    }

    /// `text` read surely but for character `i`, read `own` with the blank `gap` as likely.
    fn half_seen(text: &str, i: usize, own: f32, gap: f32) -> TextReading {
        let mut r = sure(text);
        r.char_confidences[i] = own;
        r.gaps[i] = gap;
        r
    }

    #[test]
    fn a_character_as_likely_nothing_is_dropped_to_fit_and_the_reader_s_own_stays_an_alternative() {
        // Louisiana issues LLL_999; the reader read a Y it was nearly as sure was nothing.
        let r = half_seen("RDNY464", 3, 0.64, 0.55);
        let own = r.confidence();
        let fitted = fit(r, Some("LA"));
        assert_eq!(fitted.text, "RDN464");
        // As likely as the gap: no surer than the reader was of its own text.
        assert!(
            fitted.confidence() < own,
            "{} vs {own}",
            fitted.confidence()
        );
        assert!((fitted.confidence() - 0.99f32.powi(6) * 0.64 * 0.55).abs() < 1e-4);
        let alternatives = fitted.alternatives(3);
        assert!(
            alternatives.iter().any(|(t, _)| t == "RDNY464"),
            "{alternatives:?}"
        );
    }

    #[test]
    fn a_character_likelier_there_than_not_is_not_dropped() {
        let fitted = fit(half_seen("RDNY464", 3, 0.64, 0.3), Some("LA"));
        assert_eq!(fitted.text, "RDNY464");
    }

    #[test]
    fn a_repeated_character_is_not_dropped() {
        // Maryland issues LLL_999 too, but the gap between repeats is the reader's own doing.
        let fitted = fit(half_seen("A000956", 2, 0.6, 0.6), Some("MD"));
        assert_eq!(fitted.text, "A000956");
    }

    #[test]
    fn the_format_decides_between_o_and_zero() {
        // Connecticut issues 999_LLL: the last character is a letter.
        assert_eq!(fit(sure("471NZ0"), Some("CT")).text, "471NZO");
        // Louisiana issues LLL_999: the first is a letter.
        assert_eq!(fit(sure("0IT643"), Some("LA")).text, "OIT643");
        // ... and digits where the format has digits.
        assert_eq!(fit(sure("ABCO12"), Some("LA")).text, "ABC012");
    }

    #[test]
    fn a_plate_no_format_fits_is_keyed_with_zeros() {
        // Seven letters are no issued Idaho format: a vanity plate, keyed with the digit.
        let fitted = fit(sure("BLOGGER"), Some("ID"));
        assert_eq!(fitted.text, "BL0GGER");
        assert_eq!(fitted.confidence(), sure("BLOGGER").confidence());
    }

    #[test]
    fn where_either_fits_the_reader_s_own_is_kept() {
        // West Virginia issues both 9LL_999 and LLL_999.
        assert_eq!(fit(sure("OAM145"), Some("WV")).text, "OAM145");
        assert_eq!(fit(sure("0AM145"), Some("WV")).text, "0AM145");
    }

    #[test]
    fn a_shape_drawn_but_not_issued_is_no_format() {
        // California plates are drawn as LLLLLL9 for variety; the state issues 9LLL999.
        assert_eq!(fit(sure("HALTCO2"), Some("CA")).text, "HALTC02");
    }

    #[test]
    fn an_unsure_character_takes_its_runner_up_to_fit_and_keeps_its_own_as_the_alternative() {
        // North Carolina issues LLL_9999; the reader was torn between 8 and B.
        let r = reading(
            "JS87911",
            &[0.99, 0.99, 0.55, 0.99, 0.99, 0.99, 0.99],
            &[None, None, Some(('B', 0.4)), None, None, None, None],
        );
        let fitted = fit(r, Some("NC"));
        assert_eq!(fitted.text, "JSB7911");
        assert!((fitted.char_confidences[2] - 0.4).abs() < 1e-6);
        let alternatives = fitted.alternatives(3);
        assert!(
            alternatives.iter().any(|(t, _)| t == "JS87911"),
            "{alternatives:?}"
        );
    }

    #[test]
    fn a_runner_up_far_less_likely_does_not_replace_the_reading() {
        let r = reading(
            "JS87911",
            &[0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99],
            &[None, None, Some(('B', 0.25)), None, None, None, None],
        );
        assert_eq!(fit(r, Some("NC")).text, "JS87911");
    }

    #[test]
    fn issued_formats_of_any_state_are_recognised() {
        assert!(fits_some_state("ABC1234"));
        assert!(fits_some_state("7ABC123"));
        assert!(fits_some_state("ABCO234"), "O is 0's twin");
        assert!(!fits_some_state("IIIIIJ1"));
        assert!(!fits_some_state("I0III"));
        assert!(!fits_some_state(""));
    }

    #[test]
    fn a_reading_that_fits_is_kept() {
        assert_eq!(fit(sure("7ABC123"), Some("CA")).text, "7ABC123");
        assert_eq!(fit(sure("ABC123"), None).text, "ABC123");
    }
}
