//! The in-memory index the matcher consults for every read.
//!
//! Millions of entries must fit in a car's memory and answer in microseconds, so an entry is a
//! packed plate key in two sorted arrays (as listed, and with OCR-confusable characters folded
//! together), a few bytes of state and validity, and its details packed into one buffer read only
//! when it is hit. Partial plates are few and are tried one by one.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::plate::{ConfusionTable, PlateKey, normalize, normalized, state_code};
use super::record::RecordArena;
use super::wildcard::{Pattern, WildcardSet};
use crate::model::{Hit, HotlistEntry, ListedPlate, MatchKind, Read, new_id};

/// Validity times are whole seconds from this instant (2000-01-01T00:00:00Z), in a `u32`.
const EPOCH_2000: i64 = 946_684_800;

/// Seconds since 2000, rounded down; times before it are 0, after 2136 `u32::MAX`.
pub fn secs(t: DateTime<Utc>) -> u32 {
    u32::try_from((t.timestamp() - EPOCH_2000).max(0)).unwrap_or(u32::MAX)
}

/// [`secs`] rounded up: a start time is never taken as earlier than it is.
pub fn secs_up(t: DateTime<Utc>) -> u32 {
    secs(t).saturating_add(u32::from(t.timestamp_subsec_nanos() > 0))
}

fn time_of(s: u32) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(i64::from(s) + EPOCH_2000, 0)
}

/// When an entry may match: from `effective` (inclusive) to `expires` (exclusive), in
/// [`secs`]; an entry expires at the start of the second it is set to expire in.
#[derive(Debug, Clone, Copy)]
struct Meta {
    effective: u32,
    expires: u32,
    state: u16,
    list: u16,
}

impl Meta {
    fn active(&self, now: u32) -> bool {
        self.effective <= now && now < self.expires
    }
}

/// One entry a plate met, before it becomes a [`Hit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub entry: u32,
    pub kind: MatchKind,
    pub confused: Vec<usize>,
}

/// Entries by plate. Built whole and swapped in whole, so a read is matched against one version of
/// the lists, never a half-loaded one.
#[derive(Debug, Default)]
pub struct HotlistIndex {
    confusions: ConfusionTable,
    meta: Vec<Meta>,
    ids: Vec<[u8; 16]>,
    list_names: Vec<String>,
    records: RecordArena,
    exact_keys: Vec<u64>,
    exact_entries: Vec<u32>,
    canon_keys: Vec<u64>,
    canon_entries: Vec<u32>,
    wildcards: WildcardSet,
}

/// Collects entries, then sorts them into a [`HotlistIndex`].
#[derive(Debug)]
pub struct IndexBuilder {
    index: HotlistIndex,
    exact: Vec<(u64, u32)>,
    canon: Vec<(u64, u32)>,
}

impl IndexBuilder {
    pub fn new(confusions: ConfusionTable) -> Self {
        Self {
            index: HotlistIndex {
                confusions,
                ..HotlistIndex::default()
            },
            exact: Vec::new(),
            canon: Vec::new(),
        }
    }

    pub fn reserve(&mut self, n: usize) {
        self.index.meta.reserve(n);
        self.index.ids.reserve(n);
        self.exact.reserve(n);
        self.canon.reserve(n);
    }

    /// Adds an entry; refuses (and leaves out) one whose plate can never be read.
    pub fn push(&mut self, id: Uuid, list_id: &str, listed: &ListedPlate) -> Result<(), String> {
        let ix = &mut self.index;
        let entry = u32::try_from(ix.meta.len())
            .map_err(|_| "more hot-list entries than one index holds".to_string())?;
        let plate = normalized(&listed.plate);
        let wildcard = plate.contains(['*', '?']);
        let pattern = if wildcard {
            Some(Pattern::new(&plate, &ix.confusions)?)
        } else {
            None
        };
        let keys = if wildcard {
            None
        } else {
            let exact = PlateKey::new(plate.as_bytes())
                .ok_or_else(|| format!("plate {:?}: only 1-10 of 0-9 A-Z", listed.plate))?;
            let canon = ix
                .confusions
                .canon_key(plate.as_bytes())
                .ok_or_else(|| format!("plate {:?}: cannot be folded", listed.plate))?;
            Some((exact, canon))
        };
        let list = match ix.list_names.iter().position(|n| n == list_id) {
            Some(i) => i,
            None => {
                ix.list_names.push(list_id.to_string());
                ix.list_names.len() - 1
            }
        };
        let list = u16::try_from(list).map_err(|_| "more than 65,535 hot lists".to_string())?;
        ix.records.push(&plate, listed)?;
        ix.meta.push(Meta {
            effective: listed.effective_at.map_or(0, secs_up),
            expires: listed.expires_at.map_or(u32::MAX, secs),
            state: state_code(listed.state.as_deref()),
            list,
        });
        ix.ids.push(*id.as_bytes());
        match (pattern, keys) {
            (Some(p), _) => ix.wildcards.insert(p, entry),
            (None, Some((exact, canon))) => {
                self.exact.push((exact.0, entry));
                self.canon.push((canon.0, entry));
            }
            (None, None) => {}
        }
        Ok(())
    }

    pub fn finish(mut self) -> HotlistIndex {
        // The two sorts are the bulk of a large load: one on each core.
        let split = |mut pairs: Vec<(u64, u32)>| -> (Vec<u64>, Vec<u32>) {
            pairs.sort_unstable();
            pairs.into_iter().unzip()
        };
        let (exact, canon) = (
            std::mem::take(&mut self.exact),
            std::mem::take(&mut self.canon),
        );
        let ((exact_keys, exact_entries), (canon_keys, canon_entries)) = std::thread::scope(|s| {
            let canon = s.spawn(|| split(canon));
            let exact = split(exact);
            (
                exact,
                canon
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
        });
        let ix = &mut self.index;
        (ix.exact_keys, ix.exact_entries) = (exact_keys, exact_entries);
        (ix.canon_keys, ix.canon_entries) = (canon_keys, canon_entries);
        ix.meta.shrink_to_fit();
        ix.ids.shrink_to_fit();
        ix.records.shrink_to_fit();
        self.index
    }
}

/// The entries of `entries` whose key is `key` (sorted keys, parallel entry numbers).
fn range<'a>(keys: &[u64], entries: &'a [u32], key: u64) -> &'a [u32] {
    let start = keys.partition_point(|&k| k < key);
    let end = start + keys[start..].partition_point(|&k| k == key);
    &entries[start..end]
}

impl HotlistIndex {
    /// Builds with the default confusions; entries whose plate can never be read are left out
    /// with a warning.
    pub fn build(entries: Vec<Arc<HotlistEntry>>) -> Self {
        let mut b = IndexBuilder::new(ConfusionTable::default());
        b.reserve(entries.len());
        for e in &entries {
            if let Err(why) = b.push(e.id, &e.list_id, &e.listed) {
                tracing::warn!(list = %e.list_id, "hot-list entry left out: {why}");
            }
        }
        b.finish()
    }

    pub fn len(&self) -> usize {
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    /// Partial plates in the index.
    pub fn wildcard_count(&self) -> usize {
        self.wildcards.len()
    }

    /// Bytes the index holds on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.meta.capacity() * size_of::<Meta>()
            + self.ids.capacity() * 16
            + self.records.heap_bytes()
            + (self.exact_keys.capacity() + self.canon_keys.capacity()) * 8
            + (self.exact_entries.capacity() + self.canon_entries.capacity()) * 4
            + self.wildcards.heap_bytes()
    }

    /// Every entry active at `now` (in [`secs`]) that `plate` (normalised) meets, exact ones
    /// first; appended to `out`.
    pub fn lookup(&self, plate: &str, now: u32, out: &mut Vec<Candidate>) {
        let bytes = plate.as_bytes();
        let active = |e: u32| self.meta.get(e as usize).is_some_and(|m| m.active(now));
        let exact = PlateKey::new(bytes);
        if let Some(key) = exact {
            for &e in range(&self.exact_keys, &self.exact_entries, key.0) {
                if active(e) {
                    out.push(Candidate {
                        entry: e,
                        kind: MatchKind::Exact,
                        confused: Vec::new(),
                    });
                }
            }
        }
        let canon = self.confusions.canon_plate(bytes);
        if let Some(key) = PlateKey::new(&canon) {
            for &e in range(&self.canon_keys, &self.canon_entries, key.0) {
                let listed = self.records.plate(e as usize);
                if listed.as_bytes() == bytes || !active(e) {
                    continue;
                }
                let confused = listed
                    .bytes()
                    .zip(bytes)
                    .enumerate()
                    .filter(|(_, (a, b))| a != *b)
                    .map(|(i, _)| i)
                    .collect();
                out.push(Candidate {
                    entry: e,
                    kind: MatchKind::Confusion,
                    confused,
                });
            }
        }
        self.wildcards.find(bytes, &canon, active, |entry, m| {
            out.push(Candidate {
                entry,
                kind: MatchKind::Wildcard,
                confused: m.confused,
            })
        });
    }

    /// Entry `e` in full.
    pub fn entry(&self, e: u32) -> Option<HotlistEntry> {
        let i = e as usize;
        let meta = self.meta.get(i)?;
        let mut listed = self.records.get(i);
        listed.effective_at = (meta.effective > 0)
            .then(|| time_of(meta.effective))
            .flatten();
        listed.expires_at = (meta.expires < u32::MAX)
            .then(|| time_of(meta.expires))
            .flatten();
        Some(HotlistEntry {
            id: Uuid::from_bytes(*self.ids.get(i)?),
            list_id: self
                .list_names
                .get(usize::from(meta.list))
                .cloned()
                .unwrap_or_default(),
            listed,
        })
    }

    /// The hits a read raises at `now`: its plate, then each alternative reading, against every
    /// entry active then. An entry is hit at most once per read, by its best match: the read's
    /// own plate before an alternative, exact before confusion before wildcard.
    pub fn match_read(&self, read: &Read, now: DateTime<Utc>) -> Vec<Hit> {
        let o = &read.observation;
        let readings = std::iter::once((normalize(&o.plate), false))
            .chain(o.alternatives.iter().map(|a| (normalize(&a.plate), true)));
        let now_s = secs(now);
        let mut best: Vec<(Candidate, bool, String)> = Vec::new();
        let mut found = Vec::new();
        for (plate, via_alternative) in readings {
            found.clear();
            self.lookup(&plate, now_s, &mut found);
            for c in found.drain(..) {
                let rank = (via_alternative, c.kind);
                match best.iter_mut().find(|(b, _, _)| b.entry == c.entry) {
                    Some(slot) if (slot.1, slot.0.kind) > rank => {
                        *slot = (c, via_alternative, plate.clone())
                    }
                    Some(_) => {}
                    None => best.push((c, via_alternative, plate.clone())),
                }
            }
        }
        let read_state = state_code(o.state.as_deref());
        best.into_iter()
            .filter_map(|(c, via_alternative, read_plate)| {
                let entry = self.entry(c.entry)?;
                let listed_state = self.meta.get(c.entry as usize).map_or(0, |m| m.state);
                Some(Hit {
                    id: new_id(),
                    read_id: read.id,
                    entry: Arc::new(entry),
                    read_plate,
                    kind: c.kind,
                    via_alternative,
                    confused: c.confused,
                    state_mismatch: listed_state != 0
                        && read_state != 0
                        && listed_state != read_state,
                    raised_at: now,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use alpr_images::{Alternative, PlateObservation};
    use chrono::Duration;

    use super::*;
    use crate::model::Priority;

    fn entry(
        plate: &str,
        state: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Arc<HotlistEntry> {
        Arc::new(HotlistEntry {
            id: new_id(),
            list_id: "stolen".into(),
            listed: ListedPlate {
                plate: plate.into(),
                state: state.map(Into::into),
                reason: "stolen vehicle".into(),
                priority: Priority::High,
                expires_at,
                ..Default::default()
            },
        })
    }

    fn read(plate: &str, state: Option<&str>, alternatives: &[&str]) -> Read {
        Read {
            id: new_id(),
            observation: PlateObservation {
                camera: "front".into(),
                plate: plate.into(),
                state: state.map(Into::into),
                confidence: 0.9,
                captured_at: Utc::now(),
                alternatives: alternatives
                    .iter()
                    .map(|p| Alternative {
                        plate: (*p).into(),
                        confidence: 0.3,
                    })
                    .collect(),
                plate_crop: None,
                context_image: None,
                ack: None,
            },
            position: None,
        }
    }

    #[test]
    fn exact_alternative_state_and_expiry() {
        let now = Utc::now();
        let index = HotlistIndex::build(vec![
            entry("ABC123", Some("IA"), None),
            entry("XYZ789", Some("MN"), None),
            entry("OLD111", None, Some(now - Duration::hours(1))),
        ]);
        let hits = index.match_read(&read("ABC123", Some("IA"), &[]), now);
        assert_eq!(hits.len(), 1);
        assert!(!hits[0].state_mismatch);
        assert_eq!(
            (hits[0].kind, hits[0].via_alternative),
            (MatchKind::Exact, false)
        );

        let hits = index.match_read(&read("ABC123", Some("NE"), &[]), now);
        assert!(
            hits[0].state_mismatch,
            "a plate from another state is labelled so"
        );

        let hits = index.match_read(&read("XYZ780", None, &["XYZ789"]), now);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].match_label(), "alternative exact");
        assert!(
            !hits[0].state_mismatch,
            "an unknown read state is not a mismatch"
        );

        assert!(
            index.match_read(&read("OLD111", None, &[]), now).is_empty(),
            "expired entries never match"
        );
        assert_eq!(
            index
                .match_read(&read("ABC124", Some("IA"), &["ABC123", "ABC123"]), now)
                .len(),
            1
        );
    }

    #[test]
    fn confusions_name_the_characters_that_differ() {
        let now = Utc::now();
        let index = HotlistIndex::build(vec![entry("8OIL5Z", Some("IA"), None)]);
        let hits = index.match_read(&read("BO1L52", Some("IA"), &[]), now);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].kind, MatchKind::Confusion);
        assert_eq!(hits[0].confused, [0, 2, 5]);
        let e = &hits[0].entry.listed;
        assert_eq!(
            (e.plate.as_str(), e.state.as_deref()),
            ("8OIL5Z", Some("IA"))
        );
        assert!(index.match_read(&read("BO1L5X", None, &[]), now).is_empty());
    }

    #[test]
    fn partial_plates_match_and_an_exact_reading_wins_over_them() {
        let now = Utc::now();
        let index =
            HotlistIndex::build(vec![entry("7AB*", None, None), entry("7ABC12", None, None)]);
        let hits = index.match_read(&read("7ABC12", None, &[]), now);
        let kinds: Vec<MatchKind> = hits.iter().map(|h| h.kind).collect();
        assert_eq!(kinds, [MatchKind::Exact, MatchKind::Wildcard]);
        let hits = index.match_read(&read("7A8Q", None, &[]), now);
        assert_eq!((hits.len(), &hits[0].confused), (1, &vec![2]));
    }

    #[test]
    fn entries_are_active_only_between_their_times() {
        let now = DateTime::from_timestamp(1_790_000_000, 0).expect("time");
        let mut later = entry("FUTURE1", None, None);
        Arc::make_mut(&mut later).listed.effective_at = Some(now + Duration::seconds(1));
        let index = HotlistIndex::build(vec![
            later,
            entry("EXPIRE1", None, Some(now + Duration::seconds(1))),
        ]);
        assert!(
            index
                .match_read(&read("FUTURE1", None, &[]), now)
                .is_empty()
        );
        assert_eq!(
            index
                .match_read(&read("FUTURE1", None, &[]), now + Duration::seconds(1))
                .len(),
            1
        );
        assert_eq!(index.match_read(&read("EXPIRE1", None, &[]), now).len(), 1);
        assert!(
            index
                .match_read(&read("EXPIRE1", None, &[]), now + Duration::seconds(1))
                .is_empty()
        );
        let e = index.entry(1).expect("entry");
        assert_eq!(e.listed.expires_at, Some(now + Duration::seconds(1)));
    }

    #[test]
    fn unreadable_plates_are_left_out() {
        let index = HotlistIndex::build(vec![entry("ÄBC", None, None), entry("*", None, None)]);
        assert!(index.is_empty());
    }
}
