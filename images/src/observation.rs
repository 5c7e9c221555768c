use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A plate a camera saw: the recogniser's output, or a smart camera's read event.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateObservation {
    /// The camera's name as configured (for example `front-left`).
    pub camera: String,
    /// Normalised plate text: upper case letters and digits only.
    pub plate: String,
    /// Two-letter state or province of issue, when the camera or recogniser could tell.
    pub state: Option<String>,
    /// Overall confidence, 0 to 1.
    pub confidence: f64,
    /// When the frame was captured, by the camera's clock.
    pub captured_at: DateTime<Utc>,
    /// Other readings of the same plate, most likely first; the hot-list matcher tries them too.
    pub alternatives: Vec<Alternative>,
    pub plate_crop: Option<ImageBytes>,
    pub context_image: Option<ImageBytes>,
    /// Where to acknowledge the read once it is stored (smart cameras that ask for it).
    pub ack: Option<Ack>,
}

/// A receipt owed to a camera: its event id, sent back once the read is in the store, so the
/// camera can forget it (and resend what was never acknowledged).
#[derive(Clone)]
pub struct Ack {
    id: String,
    to: tokio::sync::mpsc::UnboundedSender<String>,
}

impl Ack {
    pub fn new(id: String, to: tokio::sync::mpsc::UnboundedSender<String>) -> Self {
        Self { id, to }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sends the receipt; a camera that has gone away will resend.
    pub fn send(&self) {
        let _ = self.to.send(self.id.clone());
    }
}

impl std::fmt::Debug for Ack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ack({})", self.id)
    }
}

impl PartialEq for Ack {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// Another reading of an observed plate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub plate: String,
    pub confidence: f64,
}

/// An encoded image (JPEG or PNG) as received, not yet stored.
#[derive(Clone, PartialEq)]
pub struct ImageBytes(pub Vec<u8>);

impl std::fmt::Debug for ImageBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImageBytes({} bytes)", self.0.len())
    }
}

/// Upper case, without the spaces, dashes and dots printed between a plate's characters; nothing
/// else is checked (hot lists keep their wildcards through it).
pub fn plate_text(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '·' | '\t'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The text with the letter O as the digit 0: many plate fonts draw the two alike, so readings
/// that differ only there are one plate (the hot-list matcher takes them as one too).
pub fn o_as_zero(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('O') {
        std::borrow::Cow::Owned(text.replace('O', "0"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// [`plate_text`], then `None` unless 1 to 10 letters and digits remain.
pub(crate) fn normalise_plate(raw: &str) -> Option<String> {
    let out = plate_text(raw);
    (!out.is_empty() && out.len() <= 10 && out.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(out)
}

#[cfg(test)]
mod tests {
    use super::normalise_plate;

    #[test]
    fn plates_normalise_to_letters_and_digits() {
        assert_eq!(normalise_plate("7abc-123").as_deref(), Some("7ABC123"));
        assert_eq!(normalise_plate(" ab 12 ").as_deref(), Some("AB12"));
        assert_eq!(normalise_plate("AB;12"), None);
        assert_eq!(normalise_plate(""), None);
        assert_eq!(normalise_plate("ABCDEFGHIJK"), None);
    }
}
