//! Whether two readings from nearby frames are the same plate.
//!
//! A camera sees a passing plate in several frames, and the recogniser does not read it the same
//! way in each: a character is confused (`4FCU533` for `4FCW533`), or the plate is cut by the
//! frame's edge as the car enters or leaves and only part of it is read (`LMW` for `LMW530`).

/// The shortest reading that may be taken for part of a longer one: two characters are found in
/// too many plates by chance.
const SHORTEST_PART: usize = 3;

/// How unlike two readings of one plate may be: the characters changed, added or dropped.
fn allowed_edits(shorter: usize) -> usize {
    if shorter <= 5 { 1 } else { 2 }
}

/// How unlike `a` and `b` are as readings of one plate, or `None` when they are not one plate.
/// Zero is the same reading; a part of a longer reading counts as one edit, however much is cut.
pub fn plate_distance(a: &str, b: &str) -> Option<usize> {
    if a == b {
        return Some(0);
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() >= SHORTEST_PART && long.contains(short) {
        return Some(1);
    }
    let d = edit_distance(a.as_bytes(), b.as_bytes());
    (d <= allowed_edits(short.len())).then_some(d)
}

/// Levenshtein distance: substitutions, insertions and deletions, each one edit.
fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{edit_distance, plate_distance};

    #[test]
    fn edit_distance_counts_changes_insertions_and_deletions() {
        assert_eq!(edit_distance(b"KXT482", b"KXT482"), 0);
        assert_eq!(edit_distance(b"4FCW533", b"4FCU533"), 1);
        assert_eq!(edit_distance(b"SH0R7X", b"SH0LR7X"), 1);
        assert_eq!(edit_distance(b"GRN4471", b"GRN471"), 1);
        assert_eq!(edit_distance(b"", b"ABC"), 3);
        assert_eq!(edit_distance(b"ABC123", b"XYZ789"), 6);
    }

    #[test]
    fn confused_and_cut_readings_are_one_plate() {
        assert_eq!(plate_distance("4FCW533", "4FCU533"), Some(1));
        assert_eq!(
            plate_distance("LMW530", "LMW"),
            Some(1),
            "cut by the frame's edge"
        );
        assert_eq!(plate_distance("XT482", "KXT482"), Some(1));
        assert_eq!(plate_distance("BRW9913", "8RW9918"), Some(2));
        // The price of two edits: two plates this alike, seen by one camera within a second of
        // each other, are taken for one (the other's text is kept as an alternative).
        assert_eq!(plate_distance("ABC123", "ABD124"), Some(2));
    }

    #[test]
    fn different_plates_are_not_one_plate() {
        assert_eq!(plate_distance("GRN4471", "7TRK209"), None);
        assert_eq!(
            plate_distance("ABC12", "ABD14"),
            None,
            "two edits in five characters"
        );
        assert_eq!(
            plate_distance("AB", "XAB77"),
            None,
            "two characters are no part"
        );
    }
}
