//! The details of every entry, packed into one buffer: a hit needs them all, a lookup none, and
//! millions of entries as separate strings would cost several times their text in pointers.

use crate::model::{ListedPlate, Priority};

/// Entries' text fields, one after another, each as a LEB128 length and its bytes.
#[derive(Debug, Default)]
pub struct RecordArena {
    bytes: Vec<u8>,
    starts: Vec<u32>,
}

const PRIORITIES: [Priority; 4] = [
    Priority::Low,
    Priority::Normal,
    Priority::High,
    Priority::Critical,
];

impl RecordArena {
    /// Appends an entry's details (all but its times, which the index keeps), its plate as
    /// `plate` (normalised); `Err` when the buffer would pass 4 GiB.
    pub fn push(&mut self, plate: &str, e: &ListedPlate) -> Result<(), String> {
        let start = u32::try_from(self.bytes.len())
            .map_err(|_| "hot lists too large for one index (over 4 GiB of text)".to_string())?;
        self.starts.push(start);
        let b = &mut self.bytes;
        let priority = PRIORITIES
            .iter()
            .position(|p| *p == e.priority)
            .unwrap_or(1);
        b.push(priority as u8);
        for s in [
            Some(plate),
            e.state.as_deref(),
            e.plate_type.as_deref(),
            e.make.as_deref(),
            e.model.as_deref(),
            e.color.as_deref(),
            Some(e.reason.as_str()),
            e.ncic_number.as_deref(),
            e.ori.as_deref(),
            e.oca.as_deref(),
            e.instructions.as_deref(),
        ] {
            put_str(b, s.unwrap_or(""));
        }
        put_len(b, usize::from(e.plate_year.unwrap_or(0)));
        put_len(b, usize::from(e.vehicle_year.unwrap_or(0)));
        put_len(b, e.extra.len());
        for (k, v) in &e.extra {
            put_str(b, k);
            put_str(b, v);
        }
        Ok(())
    }

    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.starts.capacity() * 4
    }

    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.starts.shrink_to_fit();
    }

    /// Entry `i`'s plate (or partial plate), without decoding the rest.
    pub fn plate(&self, i: usize) -> &str {
        let start = self.starts.get(i).map_or(self.bytes.len(), |&s| s as usize);
        let mut r = Reader {
            bytes: &self.bytes,
            at: start,
        };
        r.byte();
        let n = r.len();
        let end = (r.at + n).min(self.bytes.len());
        std::str::from_utf8(&self.bytes[r.at.min(end)..end]).unwrap_or("")
    }

    /// Entry `i`'s details (times left unset).
    pub fn get(&self, i: usize) -> ListedPlate {
        let start = self.starts.get(i).map_or(self.bytes.len(), |&s| s as usize);
        let mut r = Reader {
            bytes: &self.bytes,
            at: start,
        };
        let priority = PRIORITIES
            .get(usize::from(r.byte()))
            .copied()
            .unwrap_or_default();
        let mut next = || r.string();
        let plate = next().unwrap_or_default();
        let state = next();
        let plate_type = next();
        let make = next();
        let model = next();
        let color = next();
        let reason = next().unwrap_or_default();
        let ncic_number = next();
        let ori = next();
        let oca = next();
        let instructions = next();
        let year = |n: usize| u16::try_from(n).ok().filter(|&y| y != 0);
        let plate_year = year(r.len());
        let vehicle_year = year(r.len());
        let extra = (0..r.len())
            .map(|_| {
                (
                    r.string().unwrap_or_default(),
                    r.string().unwrap_or_default(),
                )
            })
            .collect();
        ListedPlate {
            plate,
            state,
            plate_type,
            plate_year,
            make,
            model,
            vehicle_year,
            color,
            reason,
            priority,
            ncic_number,
            ori,
            oca,
            instructions,
            effective_at: None,
            expires_at: None,
            extra,
        }
    }
}

fn put_len(b: &mut Vec<u8>, mut n: usize) {
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            b.push(low);
            return;
        }
        b.push(low | 0x80);
    }
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    put_len(b, s.len());
    b.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn len(&mut self) -> usize {
        let mut n = 0usize;
        for shift in (0..64).step_by(7) {
            let b = self.byte();
            n |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
        }
        n
    }

    /// `None` for an empty field.
    fn string(&mut self) -> Option<String> {
        let n = self.len();
        let end = (self.at + n).min(self.bytes.len());
        let s = String::from_utf8_lossy(&self.bytes[self.at.min(end)..end]).into_owned();
        self.at = end;
        (!s.is_empty()).then_some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_round_trip() {
        let e = ListedPlate {
            plate: "7ABC123".into(),
            state: Some("CA".into()),
            plate_type: Some("PC".into()),
            plate_year: Some(2027),
            make: Some("TOYT".into()),
            model: Some("CAM".into()),
            vehicle_year: Some(2019),
            color: Some("BLK/WHI".into()),
            reason: "STOLEN VEHICLE".into(),
            priority: Priority::High,
            ncic_number: Some("V123456789".into()),
            ori: Some("IA0520100".into()),
            oca: Some("26-001234".into()),
            instructions: Some("x".repeat(300)),
            effective_at: None,
            expires_at: None,
            extra: vec![("Owner".into(), "J. Doe".into())],
        };
        let mut a = RecordArena::default();
        a.push("", &ListedPlate::default()).expect("push");
        a.push(&e.plate, &e).expect("push");
        assert_eq!(a.get(1), e);
        assert_eq!(a.plate(1), "7ABC123");
        assert_eq!(a.get(0), ListedPlate::default());
    }
}
