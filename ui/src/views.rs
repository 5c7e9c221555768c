/// A plate read as the patrol screen lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadView {
    /// Local time of capture, `HH:MM:SS`.
    pub time: String,
    pub camera: String,
    pub plate: String,
    /// Two-letter state, or empty when unknown.
    pub state: String,
    /// Confidence in percent.
    pub confidence_pct: u8,
    /// `41.67612,-91.58031`, or empty when there was no position.
    pub position: String,
    /// How good the position is, in words (`interpolated`, `stale`, ...).
    pub position_quality: String,
}

/// A hot-list hit as the alert shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HitView {
    pub read: ReadView,
    pub list: String,
    pub listed_plate: String,
    pub listed_state: String,
    pub reason: String,
    pub priority: String,
    /// How the plate matched (`exact`, `confusion`, `alternative wildcard`, ...).
    pub match_kind: String,
    /// The reading that matched: the read's plate, or one of its other readings.
    pub matched_reading: String,
    /// Positions in `matched_reading` that matched only through an OCR confusion: each is to be
    /// checked by eye.
    pub confused_positions: Vec<usize>,
    /// Said plainly when the listed state is not the read's: such a hit is never a plain one.
    pub state_mismatch: bool,
}

/// The closing line of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummaryView {
    pub reads: u64,
    pub hits: u64,
    pub alerts: u64,
    pub rows_synced: u64,
    pub frames_dropped: u64,
    pub camera_lines_rejected: u64,
}
