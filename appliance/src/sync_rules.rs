//! Which tables flow which way between a car and headquarters, enforced on send and on receive:
//! what a car reads and does (reads, hits, dispositions, audit records, searches, canvasses and
//! their tagged reads) goes to HQ only; what HQ publishes (hot lists, members) goes to cars only;
//! agency entries (BOLOs, partial plates) and legal holds go both ways. Hits and dispositions
//! travel in a stream of their own, sent before the backlog of ordinary reads, so the
//! communications centre hears of a hit as soon as any link exists.

use alpr_sync::Rules;

const PRIORITY: &[&str] = &["hits", "dispositions"];
const BULK: &[&str] = &[
    "reads",
    "audit_events",
    "searches",
    "hotlists",
    "hotlist_versions",
    "hotlist_entries",
    "users",
    "legal_holds",
    "held_reads",
    "release_requests",
    "audit_memos",
    "canvasses",
    "canvass_reads",
];

/// Car to headquarters only.
const CAR_TO_HQ: &[&str] = &[
    "reads",
    "hits",
    "dispositions",
    "audit_events",
    "searches",
    "release_requests",
    "audit_memos",
    "canvasses",
    "canvass_reads",
];
/// Headquarters to cars only.
const HQ_TO_CAR: &[&str] = &["hotlist_versions", "users"];
/// Both ways.
const BOTH: &[&str] = &["hotlists", "hotlist_entries", "legal_holds", "held_reads"];

fn names(lists: &[&[&str]]) -> Vec<String> {
    lists
        .iter()
        .flat_map(|l| l.iter())
        .map(|s| s.to_string())
        .collect()
}

fn streams() -> Vec<(String, Vec<String>)> {
    vec![
        ("priority".into(), names(&[PRIORITY])),
        ("bulk".into(), names(&[BULK])),
    ]
}

/// A car's rules. Its retention purge's deletes of reads, hits and dispositions stay in the car:
/// headquarters purges its own copies on its own schedule.
pub fn car() -> Rules {
    Rules {
        streams: streams(),
        send: names(&[CAR_TO_HQ, BOTH]),
        receive: names(&[HQ_TO_CAR, BOTH]),
        keep_deletes_local: names(&[&["reads", "hits", "dispositions"]]),
    }
}

/// Headquarters' rules.
pub fn hq() -> Rules {
    Rules {
        streams: streams(),
        send: names(&[HQ_TO_CAR, BOTH]),
        receive: names(&[CAR_TO_HQ, BOTH]),
        keep_deletes_local: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::REPLICATED_TABLES;

    #[test]
    fn every_replicated_table_has_one_stream_and_one_direction() {
        for t in REPLICATED_TABLES {
            let in_streams = streams()
                .iter()
                .filter(|(_, ts)| ts.iter().any(|x| x == t))
                .count();
            assert_eq!(in_streams, 1, "{t}");
            let dirs = [CAR_TO_HQ, HQ_TO_CAR, BOTH]
                .iter()
                .filter(|l| l.contains(t))
                .count();
            assert_eq!(dirs, 1, "{t}");
        }
        let (c, h) = (car(), hq());
        for t in &c.send {
            assert!(h.receive.contains(t), "{t}: a car sends what HQ refuses");
        }
        for t in &h.send {
            assert!(c.receive.contains(t), "{t}: HQ sends what a car refuses");
        }
    }
}
