//! The in-memory index the matcher consults for every read.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{Hit, HotlistEntry, MatchKind, Read, new_id};

/// Entries by plate. Built whole and swapped in whole, so a read is matched against one version of
/// the lists, never a half-loaded one.
#[derive(Debug, Default)]
pub struct HotlistIndex {
    by_plate: HashMap<String, Vec<Arc<HotlistEntry>>>,
    entries: usize,
}

impl HotlistIndex {
    pub fn build(entries: Vec<Arc<HotlistEntry>>) -> Self {
        let mut by_plate: HashMap<String, Vec<Arc<HotlistEntry>>> = HashMap::new();
        let count = entries.len();
        for e in entries {
            by_plate.entry(e.listed.plate.clone()).or_default().push(e);
        }
        Self {
            by_plate,
            entries: count,
        }
    }

    pub fn len(&self) -> usize {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The hits a read raises at `now`: its plate, then each alternative reading, against every
    /// entry not yet expired. An entry is hit at most once per read, by the best reading.
    pub fn match_read(&self, read: &Read, now: DateTime<Utc>) -> Vec<Hit> {
        let o = &read.observation;
        let readings = std::iter::once((o.plate.as_str(), MatchKind::Exact)).chain(
            o.alternatives
                .iter()
                .map(|a| (a.plate.as_str(), MatchKind::Alternative)),
        );
        let mut hits: Vec<Hit> = Vec::new();
        for (plate, kind) in readings {
            for entry in self.by_plate.get(plate).into_iter().flatten() {
                if entry.listed.expires_at.is_some_and(|t| t <= now)
                    || hits.iter().any(|h| h.entry.id == entry.id)
                {
                    continue;
                }
                let state_mismatch =
                    matches!((&entry.listed.state, &o.state), (Some(a), Some(b)) if a != b);
                hits.push(Hit {
                    id: new_id(),
                    read_id: read.id,
                    entry: entry.clone(),
                    read_plate: plate.to_string(),
                    kind,
                    state_mismatch,
                    raised_at: now,
                });
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use alpr_images::{Alternative, PlateObservation};
    use chrono::Duration;

    use super::*;
    use crate::model::{ListedPlate, Priority};

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
                make: None,
                model: None,
                color: None,
                reason: "stolen vehicle".into(),
                priority: Priority::High,
                instructions: None,
                expires_at,
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
        assert_eq!(hits[0].kind, MatchKind::Exact);

        let hits = index.match_read(&read("ABC123", Some("NE"), &[]), now);
        assert!(
            hits[0].state_mismatch,
            "a plate from another state is labelled so"
        );

        let hits = index.match_read(&read("XYZ780", None, &["XYZ789"]), now);
        assert_eq!((hits.len(), hits[0].kind), (1, MatchKind::Alternative));
        assert!(
            !hits[0].state_mismatch,
            "an unknown read state is not a mismatch"
        );

        assert!(
            index.match_read(&read("OLD111", None, &[]), now).is_empty(),
            "expired entries never match"
        );
        assert!(
            index
                .match_read(&read("ABC124", Some("IA"), &["ABC123", "ABC123"]), now)
                .len()
                == 1
        );
    }
}
