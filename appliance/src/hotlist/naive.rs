//! The plain matcher: every entry tried against a plate, as the rules read. It is the reference
//! the fast index is tested against, and the baseline its benchmark prints.

use chrono::{DateTime, Utc};

use super::index::{secs, secs_up};
use super::plate::{ConfusionTable, normalize};
use crate::model::{HotlistEntry, MatchKind};

#[derive(Debug)]
pub struct NaiveMatcher {
    entries: Vec<HotlistEntry>,
    confusions: ConfusionTable,
}

impl NaiveMatcher {
    pub fn new(entries: Vec<HotlistEntry>, confusions: ConfusionTable) -> Self {
        Self {
            entries,
            confusions,
        }
    }

    /// Every entry active at `now` that `plate` meets: (its position, how, the positions of
    /// `plate` met only through a confusion).
    pub fn lookup(&self, plate: &str, now: DateTime<Utc>) -> Vec<(usize, MatchKind, Vec<usize>)> {
        let plate = normalize(plate);
        let now = secs(now);
        let mut out = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let effective = e.listed.effective_at.map_or(0, secs_up);
            let expires = e.listed.expires_at.map_or(u32::MAX, secs);
            if now < effective || now >= expires {
                continue;
            }
            let listed = normalize(&e.listed.plate);
            if listed.contains(['*', '?']) {
                let (p, t) = (listed.as_bytes(), plate.as_bytes());
                let mut path = Vec::new();
                if glob(p, t, &|a, b| a == b, &mut path) {
                    out.push((i, MatchKind::Wildcard, Vec::new()));
                    continue;
                }
                path.clear();
                let canon = |a: u8, b: u8| self.confusions.canon(a) == self.confusions.canon(b);
                if glob(p, t, &canon, &mut path) {
                    let confused = path
                        .iter()
                        .filter(|&&(pi, ti)| p[pi] != t[ti])
                        .map(|&(_, ti)| ti)
                        .collect();
                    out.push((i, MatchKind::Wildcard, confused));
                }
            } else if listed == plate {
                out.push((i, MatchKind::Exact, Vec::new()));
            } else if listed.len() == plate.len()
                && listed
                    .bytes()
                    .zip(plate.bytes())
                    .all(|(a, b)| self.confusions.canon(a) == self.confusions.canon(b))
            {
                let confused = listed
                    .bytes()
                    .zip(plate.bytes())
                    .enumerate()
                    .filter(|(_, (a, b))| a != b)
                    .map(|(i, _)| i)
                    .collect();
                out.push((i, MatchKind::Confusion, confused));
            }
        }
        out
    }
}

/// Depth first, a `*` taking as few characters as it can first; `path` gets the (pattern, text)
/// positions met by literals on the first path that matches.
fn glob(p: &[u8], t: &[u8], eq: &dyn Fn(u8, u8) -> bool, path: &mut Vec<(usize, usize)>) -> bool {
    fn go(
        p: &[u8],
        t: &[u8],
        pi: usize,
        ti: usize,
        eq: &dyn Fn(u8, u8) -> bool,
        path: &mut Vec<(usize, usize)>,
    ) -> bool {
        match p.get(pi) {
            None => ti == t.len(),
            Some(b'*') => (ti..=t.len()).any(|k| {
                let kept = path.len();
                go(p, t, pi + 1, k, eq, path) || {
                    path.truncate(kept);
                    false
                }
            }),
            Some(b'?') => ti < t.len() && go(p, t, pi + 1, ti + 1, eq, path),
            Some(&c) => {
                if ti < t.len() && eq(c, t[ti]) {
                    path.push((pi, ti));
                    if go(p, t, pi + 1, ti + 1, eq, path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
        }
    }
    go(p, t, 0, 0, eq, path)
}
