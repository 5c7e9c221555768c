//! What flows through the appliance: reads, hot-list entries, hits.

use std::sync::Arc;

use alpr_gps::TaggedPosition;
use alpr_images::PlateObservation;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A fresh time-ordered random id, as stored (16 bytes).
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// A plate read: what a camera saw, with where the car was.
#[derive(Debug, Clone)]
pub struct Read {
    pub id: Uuid,
    pub observation: PlateObservation,
    /// `None` when no fix was held at or before the capture time.
    pub position: Option<TaggedPosition>,
}

/// How urgent a hot-list entry is; the alert's tone and colour follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Low,
    Normal,
    High,
    Critical,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(Priority::Low),
            "normal" | "" => Some(Priority::Normal),
            "high" => Some(Priority::High),
            "critical" => Some(Priority::Critical),
            _ => None,
        }
    }
}

/// What a hot list says of one plate: the plate, the vehicle it belongs on, why it is wanted.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedPlate {
    pub plate: String,
    pub state: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub color: Option<String>,
    pub reason: String,
    pub priority: Priority,
    /// Instructions to the field ("stop only with probable cause", ...).
    pub instructions: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// One entry of a loaded hot list.
#[derive(Debug, Clone, PartialEq)]
pub struct HotlistEntry {
    pub id: Uuid,
    pub list_id: String,
    pub listed: ListedPlate,
}

/// How a read's plate met an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// The read's best reading is the listed plate.
    Exact,
    /// One of the read's other readings is the listed plate.
    Alternative,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Alternative => "alternative",
        }
    }
}

/// A read that met a hot-list entry.
#[derive(Debug, Clone)]
pub struct Hit {
    pub id: Uuid,
    pub read_id: Uuid,
    pub entry: Arc<HotlistEntry>,
    /// The reading of the plate that matched (the read's own, or an alternative).
    pub read_plate: String,
    pub kind: MatchKind,
    /// Both states are known and differ: never to be presented as a plain hit.
    pub state_mismatch: bool,
    pub raised_at: DateTime<Utc>,
}

/// A read with the hits it raised, as it leaves the matcher.
#[derive(Debug, Clone)]
pub struct MatchedRead {
    pub read: Read,
    pub hits: Vec<Hit>,
}
