//! Partial plates: `*` stands for any run of characters (none included), `?` for exactly one.

use super::plate::{ConfusionTable, MAX_PLATE};

/// The fewest known characters a partial plate must have: fewer would hit on a large part of
/// all traffic.
pub const MIN_KNOWN: usize = 2;

/// A checked partial plate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    raw: Vec<u8>,
    canon: Vec<u8>,
    /// Characters a plate needs at least (every one but `*`).
    min_len: usize,
    has_star: bool,
}

/// How a plate met a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WildcardMatch {
    /// Positions in the plate that met the pattern only through an OCR confusion.
    pub confused: Vec<usize>,
}

impl Pattern {
    /// Checks a normalised pattern (upper case, no spaces).
    pub fn new(pattern: &str, confusions: &ConfusionTable) -> Result<Self, String> {
        let raw = pattern.as_bytes().to_vec();
        if let Some(bad) = raw
            .iter()
            .find(|b| !(b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'*' | b'?')))
        {
            return Err(format!(
                "partial plate {pattern:?}: {:?} is not a plate character, `*` or `?`",
                char::from(*bad)
            ));
        }
        let known = raw.iter().filter(|b| !matches!(b, b'*' | b'?')).count();
        if known < MIN_KNOWN {
            return Err(format!(
                "partial plate {pattern:?}: needs at least {MIN_KNOWN} known characters"
            ));
        }
        let min_len = raw.iter().filter(|&&b| b != b'*').count();
        if min_len > MAX_PLATE {
            return Err(format!(
                "partial plate {pattern:?}: longer than any plate ({MAX_PLATE})"
            ));
        }
        let canon = raw
            .iter()
            .map(|&b| {
                if b == b'*' || b == b'?' {
                    b
                } else {
                    confusions.canon(b)
                }
            })
            .collect();
        Ok(Self {
            has_star: raw.contains(&b'*'),
            raw,
            canon,
            min_len,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.raw).unwrap_or("")
    }

    /// Whether a plate can meet the pattern at all by its length.
    pub fn fits(&self, len: usize) -> bool {
        if self.has_star {
            len >= self.min_len
        } else {
            len == self.min_len
        }
    }

    /// Meets `plate` (`canon_plate` being it through `confusions`) character for character,
    /// or failing that through OCR confusions.
    pub fn matches(
        &self,
        plate: &[u8],
        canon_plate: &[u8],
        scratch: &mut Vec<(usize, usize)>,
    ) -> Option<WildcardMatch> {
        if !self.fits(plate.len()) {
            return None;
        }
        scratch.clear();
        if glob(&self.raw, plate, scratch) {
            return Some(WildcardMatch {
                confused: Vec::new(),
            });
        }
        scratch.clear();
        if glob(&self.canon, canon_plate, scratch) {
            let confused = scratch
                .iter()
                .filter(|&&(p, t)| self.raw[p] != plate[t])
                .map(|&(_, t)| t)
                .collect();
            return Some(WildcardMatch { confused });
        }
        None
    }
}

/// Glob matching with one backtracking point (the last `*`), which is enough for `*` and `?`.
/// `literals` gets the (pattern, text) positions met by a literal character on the matching
/// path.
fn glob(pattern: &[u8], text: &[u8], literals: &mut Vec<(usize, usize)>) -> bool {
    let (mut p, mut t) = (0, 0);
    // After the last `*`: where the pattern resumes, the text position it took, literals kept.
    let mut star: Option<(usize, usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'?') => {
                p += 1;
                t += 1;
            }
            Some(b'*') => {
                star = Some((p + 1, t, literals.len()));
                p += 1;
            }
            Some(&c) if c == text[t] => {
                literals.push((p, t));
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st, kept)) => {
                    p = sp;
                    t = st + 1;
                    star = Some((sp, st + 1, kept));
                    literals.truncate(kept);
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, plate: &str) -> Option<Vec<usize>> {
        let t = ConfusionTable::default();
        let p = Pattern::new(pattern, &t).expect("valid pattern");
        p.matches(
            plate.as_bytes(),
            &t.canon_plate(plate.as_bytes()),
            &mut Vec::new(),
        )
        .map(|w| w.confused)
    }

    #[test]
    fn stars_and_question_marks() {
        assert_eq!(m("AB?12?", "ABC123"), Some(vec![]));
        assert_eq!(m("AB?12?", "ABC1234"), None);
        assert_eq!(m("*123", "XYZ123"), Some(vec![]));
        assert_eq!(m("*123", "123"), Some(vec![]));
        assert_eq!(m("7*C*3", "7ABC123"), Some(vec![]));
        assert_eq!(m("7*C*3", "7ABD124"), None);
        assert_eq!(m("**AB", "XAB"), Some(vec![]));
    }

    #[test]
    fn confusions_are_named_by_position() {
        // The witness saw B and 0; the camera read 8 and O.
        assert_eq!(m("AB*0", "A8XO"), Some(vec![1, 3]));
        assert_eq!(m("AB*0", "A8XQ"), Some(vec![1, 3]));
        assert_eq!(m("AB*0", "AXXO"), None);
    }

    #[test]
    fn patterns_are_checked() {
        let t = ConfusionTable::default();
        assert!(Pattern::new("*", &t).is_err());
        assert!(Pattern::new("A*?", &t).is_err());
        assert!(Pattern::new("A-B", &t).is_err());
        assert!(Pattern::new("ABCDEFGHIJK", &t).is_err());
        assert!(Pattern::new("AB*", &t).is_ok());
    }
}

/// Partial plates, filed so that a plate is tried only against those it could meet: one with a
/// fixed length by the position and class of its first known character, one with a `*` by the
/// class of its first or last character when that is known, and only the rest (`*AB*`) against
/// every plate.
#[derive(Debug, Default)]
pub struct WildcardSet {
    patterns: Vec<(Pattern, u32)>,
    /// (length, position, class) → patterns.
    fixed: std::collections::HashMap<(u8, u8, u8), Vec<u32>>,
    by_first: std::collections::HashMap<u8, Vec<u32>>,
    by_last: std::collections::HashMap<u8, Vec<u32>>,
    floating: Vec<u32>,
}

impl WildcardSet {
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn heap_bytes(&self) -> usize {
        self.patterns
            .iter()
            .map(|(p, _)| size_of::<(Pattern, u32)>() + p.raw.capacity() * 2 + 4)
            .sum()
    }

    /// Files `pattern`, standing for entry `entry`.
    pub fn insert(&mut self, pattern: Pattern, entry: u32) {
        let slot = self.patterns.len() as u32;
        let known = |b: u8| !matches!(b, b'*' | b'?');
        let (first, last) = (pattern.canon[0], pattern.canon[pattern.canon.len() - 1]);
        if !pattern.has_star {
            if let Some(i) = pattern.canon.iter().position(|&b| known(b)) {
                let key = (pattern.min_len as u8, i as u8, pattern.canon[i]);
                self.fixed.entry(key).or_default().push(slot);
            }
        } else if known(first) {
            self.by_first.entry(first).or_default().push(slot);
        } else if known(last) {
            self.by_last.entry(last).or_default().push(slot);
        } else {
            self.floating.push(slot);
        }
        self.patterns.push((pattern, entry));
    }

    /// Calls `found(entry, how)` for every pattern `plate` meets (`canon_plate` being it folded
    /// by the same confusions) whose entry `keep` accepts.
    pub fn find(
        &self,
        plate: &[u8],
        canon_plate: &[u8],
        keep: impl Fn(u32) -> bool,
        mut found: impl FnMut(u32, WildcardMatch),
    ) {
        let (Some(&first), Some(&last)) = (canon_plate.first(), canon_plate.last()) else {
            return;
        };
        let len = plate.len() as u8;
        let fixed = canon_plate
            .iter()
            .enumerate()
            .filter_map(|(i, &c)| self.fixed.get(&(len, i as u8, c)));
        let slots = fixed
            .chain(self.by_first.get(&first))
            .chain(self.by_last.get(&last))
            .flatten()
            .chain(&self.floating);
        let mut scratch = Vec::new();
        for &slot in slots {
            let Some((pattern, entry)) = self.patterns.get(slot as usize) else {
                continue;
            };
            if !keep(*entry) {
                continue;
            }
            if let Some(m) = pattern.matches(plate, canon_plate, &mut scratch) {
                found(*entry, m);
            }
        }
    }
}
