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
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
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
/// The NCIC vehicle fields are named after NCIC's codes (LIC, LIS, ...).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ListedPlate {
    /// LIC: upper case, without spaces or dashes. Agency entries may hold wildcards (`*` any
    /// run, `?` one character).
    pub plate: String,
    /// LIS: the two-letter state (or province) of issue.
    pub state: Option<String>,
    /// LIT: the NCIC plate type (PC passenger, TK truck, ...).
    pub plate_type: Option<String>,
    /// LIY: the year the registration expires.
    pub plate_year: Option<u16>,
    /// VMA, VMO, VYR, VCO.
    pub make: Option<String>,
    pub model: Option<String>,
    pub vehicle_year: Option<u16>,
    pub color: Option<String>,
    pub reason: String,
    pub priority: Priority,
    /// NIC: the NCIC record number; ORI: the agency that entered it; OCA: its case number.
    pub ncic_number: Option<String>,
    pub ori: Option<String>,
    pub oca: Option<String>,
    /// Instructions to the field ("stop only with probable cause", ...).
    pub instructions: Option<String>,
    pub effective_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Fields a list carries beyond these (Genetec's custom fields), by name.
    pub extra: Vec<(String, String)>,
}

/// One entry of a loaded hot list.
#[derive(Debug, Clone, PartialEq)]
pub struct HotlistEntry {
    pub id: Uuid,
    pub list_id: String,
    pub listed: ListedPlate,
}

/// How a read's plate met an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchKind {
    /// Character for character.
    Exact,
    /// Only through characters OCR confuses (0/O, 8/B, ...): the differing ones are named.
    Confusion,
    /// A partial plate's wildcards (and perhaps confusions too).
    Wildcard,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Confusion => "confusion",
            MatchKind::Wildcard => "wildcard",
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
    /// The reading that matched is one of the read's other readings, not its best.
    pub via_alternative: bool,
    /// Positions in `read_plate` that matched only through an OCR confusion.
    pub confused: Vec<usize>,
    /// Both states are known and differ: never to be presented as a plain hit.
    pub state_mismatch: bool,
    pub raised_at: DateTime<Utc>,
}

impl Hit {
    /// How it matched, in one word or two: `exact`, `confusion`, `alternative wildcard`, ...
    pub fn match_label(&self) -> String {
        if self.via_alternative {
            format!("alternative {}", self.kind.as_str())
        } else {
            self.kind.as_str().to_string()
        }
    }
}

/// A read with the hits it raised, as it leaves the matcher.
#[derive(Debug, Clone)]
pub struct MatchedRead {
    pub read: Read,
    pub hits: Vec<Hit>,
}
