//! Plates as the matcher holds them: normalised text, packed keys, and OCR-confusion classes.

use std::fmt;

/// The longest plate held (US plates have at most 8 characters; some lists pad to 10).
pub const MAX_PLATE: usize = 10;

/// A plate as the matcher holds it: [`alpr_images::plate_text`].
pub fn normalize(plate: &str) -> String {
    normalized(plate).into_owned()
}

/// [`normalize`], without a copy when the plate is already normal (as nearly all are).
pub fn normalized(plate: &str) -> std::borrow::Cow<'_, str> {
    if plate
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'*' || b == b'?')
    {
        return std::borrow::Cow::Borrowed(plate);
    }
    alpr_images::plate_text(plate).into()
}

/// A plate of up to [`MAX_PLATE`] characters of `0-9A-Z`, packed six bits a character into a
/// `u64` (0 marks the end), so plates of different lengths never share a key and sorted keys
/// can be binary-searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlateKey(pub u64);

impl PlateKey {
    /// `None` for an empty plate, one too long, or one with any other character.
    pub fn new(plate: &[u8]) -> Option<Self> {
        if plate.is_empty() || plate.len() > MAX_PLATE {
            return None;
        }
        let mut key = 0u64;
        for (i, &b) in plate.iter().enumerate() {
            let code = match b {
                b'0'..=b'9' => b - b'0' + 1,
                b'A'..=b'Z' => b - b'A' + 11,
                _ => return None,
            };
            key |= u64::from(code) << (6 * (MAX_PLATE - 1 - i));
        }
        Some(Self(key))
    }

    /// The plate's characters, back as text.
    pub fn chars(self) -> String {
        (0..MAX_PLATE)
            .map(|i| ((self.0 >> (6 * (MAX_PLATE - 1 - i))) & 0x3f) as u8)
            .take_while(|&c| c != 0)
            .map(|c| char::from(if c <= 10 { b'0' + c - 1 } else { b'A' + c - 11 }))
            .collect()
    }
}

/// A two-letter state of issue in two bytes; 0 is "not given".
pub fn state_code(state: Option<&str>) -> u16 {
    match state.map(str::as_bytes) {
        Some([a, b]) => u16::from_be_bytes([a.to_ascii_uppercase(), b.to_ascii_uppercase()]),
        _ => 0,
    }
}

/// Characters an OCR engine mistakes for each other, as classes: every character of a class
/// reads as the class's first. The default set is the one plate readers commonly confuse.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfusionTable {
    map: [u8; 256],
    classes: Vec<String>,
}

impl fmt::Debug for ConfusionTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConfusionTable({})", self.classes.join(","))
    }
}

/// The default classes: 0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, 6/G.
pub const DEFAULT_CONFUSIONS: &str = "0ODQ,1IL,2Z,5S,8B,6G";

impl Default for ConfusionTable {
    fn default() -> Self {
        Self::parse(DEFAULT_CONFUSIONS).unwrap_or_else(|_| Self::none())
    }
}

impl ConfusionTable {
    /// No character stands for another.
    pub fn none() -> Self {
        let mut map = [0u8; 256];
        for (i, m) in map.iter_mut().enumerate() {
            *m = i as u8;
        }
        Self {
            map,
            classes: Vec::new(),
        }
    }

    /// Classes separated by commas, e.g. `0ODQ,1IL`. A character may be in one class only.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut table = Self::none();
        let mut seen = [false; 256];
        for class in spec.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            let class = class.to_ascii_uppercase();
            let bytes = class.as_bytes();
            let head = bytes[0];
            for &b in bytes {
                if !b.is_ascii_alphanumeric() {
                    return Err(format!("confusion class {class:?}: only 0-9 and A-Z"));
                }
                if seen[usize::from(b)] {
                    return Err(format!("confusion classes: {} is in two", char::from(b)));
                }
                seen[usize::from(b)] = true;
                table.map[usize::from(b)] = head;
            }
            table.classes.push(class);
        }
        Ok(table)
    }

    /// The class a character belongs to (its representative).
    pub fn canon(&self, b: u8) -> u8 {
        self.map[usize::from(b)]
    }

    /// The key of the plate folded to its classes, without allocating.
    pub fn canon_key(&self, plate: &[u8]) -> Option<PlateKey> {
        let mut buf = [0u8; MAX_PLATE];
        let folded = buf.get_mut(..plate.len())?;
        for (f, &b) in folded.iter_mut().zip(plate) {
            *f = self.canon(b);
        }
        PlateKey::new(folded)
    }

    /// The plate with every character replaced by its class.
    pub fn canon_plate(&self, plate: &[u8]) -> Vec<u8> {
        plate.iter().map(|&b| self.canon(b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_keep_lengths_apart() {
        let k = PlateKey::new(b"7ABC123").expect("valid");
        assert_eq!(k.chars(), "7ABC123");
        assert_ne!(PlateKey::new(b"A0"), PlateKey::new(b"A"));
        assert_eq!(PlateKey::new(b"AB-1"), None);
        assert_eq!(PlateKey::new(b"ABCDEFGHIJK"), None);
        assert_eq!(
            PlateKey::new(b"ZZZZZZZZZZ").map(PlateKey::chars),
            Some("ZZZZZZZZZZ".into())
        );
    }

    #[test]
    fn confusion_classes_map_to_their_first_character() {
        let t = ConfusionTable::default();
        assert_eq!(t.canon_plate(b"8OIL5Z"), b"801152");
        assert_eq!(t.canon(b'X'), b'X');
        assert!(ConfusionTable::parse("0O,O1").is_err());
        assert!(ConfusionTable::parse("0-").is_err());
    }

    #[test]
    fn plates_are_normalised() {
        assert_eq!(normalize(" abc-12 3"), "ABC123");
    }
}
