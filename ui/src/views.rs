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
    /// The plate crop, when the camera sent one.
    pub crop: Option<EncodedImage>,
    /// Raised a hit.
    pub hit: bool,
    /// Taken during a canvass.
    pub canvass: bool,
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

/// How one character of a plate met the other plate's on the alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Same,
    /// Met only through an OCR confusion (8/B, 0/O, ...): to be checked by eye.
    Confusion,
    /// Stood for by a wildcard of a partial plate.
    Wildcard,
    Differs,
}

/// A step of the policy's verification checklist and what has been recorded for it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    pub id: String,
    pub text: String,
    pub required: bool,
    pub excusable: Vec<String>,
    /// `confirmed`, `mismatch`, `not-practicable` or `exigent`, once recorded.
    pub outcome: Option<String>,
    /// Who recorded it and when, in words.
    pub recorded: String,
}

/// An image as the camera sent it (JPEG or PNG bytes).
#[derive(Clone, PartialEq)]
pub struct EncodedImage(pub Vec<u8>);

impl std::fmt::Debug for EncodedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncodedImage({} bytes)", self.0.len())
    }
}

/// Everything the hit alert shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertView {
    pub hit_id: String,
    pub priority: String,
    pub list: String,
    pub match_kind: String,
    pub reason: String,
    pub instructions: String,
    /// How long ago the record was entered or last loaded, in words.
    pub entry_age: String,
    pub case_number: String,
    pub synopsis: String,
    pub read: ReadView,
    pub crop: Option<EncodedImage>,
    pub context: Option<EncodedImage>,
    /// The reading that matched, character by character.
    pub read_chars: Vec<(char, Mark)>,
    pub listed_chars: Vec<(char, Mark)>,
    pub listed_state: String,
    pub state_differs: bool,
    /// Make, model, year and colour as listed.
    pub listed_vehicle: String,
    /// Said plainly when the entry is a stolen plate: the vehicle the plate belongs to.
    pub vehicle_note: String,
    /// Which characters to check by eye, and what was read against what was listed.
    pub character_note: String,
    pub steps: Vec<StepView>,
    pub confirm_through: String,
    pub reminder: String,
    /// Every required step is done, so an arrest, recovery, stop or citation may be recorded.
    pub enforcement_allowed: bool,
    /// The disposition, once recorded.
    pub disposed: Option<String>,
}

/// A technician's check: `pass`, `warn` or `fail`, with what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckView {
    pub name: String,
    pub verdict: String,
    pub detail: String,
    pub hint: String,
}

/// One part's state in the status bar.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartStatus {
    pub text: String,
    /// `pass`, `warn` or `fail`.
    pub verdict: String,
}

/// The bar along the top of every screen after login (its audio part comes from the screen's
/// own speaker).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusView {
    pub gps: PartStatus,
    pub cameras: PartStatus,
    pub hotlists: PartStatus,
    pub sync: PartStatus,
}

/// Who logged in and what the policy lets them reach.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginView {
    pub display_name: String,
    pub can_patrol: bool,
    pub can_search: bool,
    pub can_enter: bool,
}

/// A canvass as the canvass screen shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CanvassView {
    pub active: bool,
    pub case_number: String,
    pub started: String,
    pub reads: Vec<ReadView>,
}

/// What the search screen's form holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchForm {
    pub plate: String,
    pub case_number: String,
    pub reason: String,
    pub crime_type: String,
}

/// What the BOLO / partial-plate screen's form holds.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryForm {
    pub list: String,
    pub plate: String,
    pub state: String,
    pub make: String,
    pub model: String,
    pub color: String,
    pub reason: String,
    pub case_number: String,
    pub instructions: String,
    /// Days until the entry expires, as typed.
    pub expires_days: String,
}
