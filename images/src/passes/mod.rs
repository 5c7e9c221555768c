//! One read per plate that passes a camera, from the readings of the frames that saw it.
//!
//! An ordinary camera sees a passing plate in many frames, and the recogniser reads each frame
//! on its own: a car in view for two seconds would leave twenty reads in the store, some cut by
//! the frame's edge, some with a character confused. Readings from one camera that are alike
//! ([`plate_distance`]) and follow each other closely are a *pass*; when no frame has read the
//! plate for [`PassLimits::quiet`], its readings are voted into one read (`vote.rs`). Every text
//! and alternative of the pass stays on that read as an alternative, so the hot-list matcher sees
//! all it would have seen frame by frame.
//!
//! A hit's alert must not wait for a car that stays in view: a pass that has lasted
//! [`PassLimits::longest`] is voted then, and goes on gathering frames. When it ends, it gives a
//! second read only if its frames have since voted for another text.
//!
//! Smart cameras do this on board and send one read per pass; this is for the recogniser's.

mod similar;
mod vote;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use similar::plate_distance;

use crate::observation::PlateObservation;

/// When a pass ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PassLimits {
    /// A pass ends when no frame has read its plate for this long (camera time): the car has
    /// gone, or is hidden.
    pub quiet: Duration,
    /// A pass still in view is voted when it has lasted this long: how long a hit's alert may
    /// wait for the frames after its first.
    pub longest: Duration,
}

impl Default for PassLimits {
    fn default() -> Self {
        Self {
            quiet: Duration::from_millis(1000),
            longest: Duration::from_millis(2000),
        }
    }
}

/// The passes open at each camera.
#[derive(Debug, Default)]
pub struct Passes {
    limits: PassLimits,
    open: HashMap<String, Vec<Pass>>,
}

/// Readings an open pass keeps at most; past that, the least sure without images are let go, so
/// a car parked in view for an hour holds no more than one for a few seconds.
const MOST_READINGS: usize = 128;

#[derive(Debug)]
struct Pass {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    readings: Vec<PlateObservation>,
    /// The text already sent as the pass's read, when it lasted [`PassLimits::longest`].
    sent: Option<String>,
}

impl Pass {
    fn distance(&self, plate: &str) -> Option<usize> {
        self.readings
            .iter()
            .filter_map(|r| plate_distance(&r.plate, plate))
            .min()
    }

    /// Keeps the reading; of the readings with one text only the surest keeps its images, so an
    /// open pass holds a few images however many frames it lasts.
    fn add(&mut self, mut reading: PlateObservation) {
        self.first = self.first.min(reading.captured_at);
        self.last = self.last.max(reading.captured_at);
        match self
            .readings
            .iter_mut()
            .filter(|r| r.plate == reading.plate && has_images(r))
            .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
        {
            Some(kept) if kept.confidence >= reading.confidence => drop_images(&mut reading),
            Some(kept) => drop_images(kept),
            None => {}
        }
        self.readings.push(reading);
        if self.readings.len() > MOST_READINGS {
            let least_sure = self
                .readings
                .iter()
                .enumerate()
                .filter(|(_, r)| !has_images(r))
                .min_by(|a, b| a.1.confidence.total_cmp(&b.1.confidence))
                .map(|(i, _)| i);
            if let Some(i) = least_sure {
                self.readings.swap_remove(i);
            }
        }
    }

    fn is_gone(&self, now: DateTime<Utc>, limits: &PassLimits) -> bool {
        // A camera clock set back ends every pass: its times no longer compare.
        now < self.last || since(self.last, now) >= limits.quiet
    }

    fn is_due(&self, now: DateTime<Utc>, limits: &PassLimits) -> bool {
        self.sent.is_none() && since(self.first, now) >= limits.longest
    }

    /// The read to send now that the pass has ended: none when it was sent while the pass went
    /// on, and the frames since have not changed the vote (but for O against 0, which the
    /// matcher takes as one).
    fn last_read(self) -> Option<PlateObservation> {
        let read = vote::consolidate(self.readings)?;
        let unchanged = self
            .sent
            .as_deref()
            .is_some_and(|sent| vote::Compare::OAsZero.same(sent, &read.plate));
        (!unchanged).then_some(read)
    }
}

fn since(t: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    (now - t).to_std().unwrap_or_default()
}

fn has_images(r: &PlateObservation) -> bool {
    r.plate_crop.is_some() || r.context_image.is_some()
}

fn drop_images(r: &mut PlateObservation) {
    r.plate_crop = None;
    r.context_image = None;
}

impl Passes {
    pub fn new(limits: PassLimits) -> Self {
        Self {
            limits,
            open: HashMap::new(),
        }
    }

    /// A frame from `camera` captured at `captured_at` was read: ends the passes its time ends,
    /// then adds its readings to the passes they continue, or opens new ones. Returns the reads
    /// of the passes that ended. A frame with no readings still moves the camera's time on.
    pub fn frame(
        &mut self,
        camera: &str,
        captured_at: DateTime<Utc>,
        readings: Vec<PlateObservation>,
    ) -> Vec<PlateObservation> {
        let ended = self.end_due(camera, captured_at);
        let open = self.open.entry(camera.to_string()).or_default();
        // Two readings of one frame are two plates: each continues a different pass.
        let mut taken = vec![false; open.len()];
        for reading in readings {
            let nearest = open
                .iter()
                .enumerate()
                .filter(|(i, _)| !taken.get(*i).copied().unwrap_or(true))
                .filter_map(|(i, p)| p.distance(&reading.plate).map(|d| (d, i)))
                .min();
            match nearest {
                Some((_, i)) => {
                    taken[i] = true;
                    open[i].add(reading);
                }
                None => {
                    let mut pass = Pass {
                        first: reading.captured_at,
                        last: reading.captured_at,
                        readings: Vec::new(),
                        sent: None,
                    };
                    pass.add(reading);
                    open.push(pass);
                    taken.push(true);
                }
            }
        }
        ended
    }

    /// Ends the passes of `camera` that are over at `now` (camera time), and votes those that
    /// have lasted long enough to be sent while they go on.
    pub fn end_due(&mut self, camera: &str, now: DateTime<Utc>) -> Vec<PlateObservation> {
        let Some(open) = self.open.get_mut(camera) else {
            return Vec::new();
        };
        let limits = self.limits;
        let (gone, going_on): (Vec<Pass>, Vec<Pass>) =
            open.drain(..).partition(|p| p.is_gone(now, &limits));
        *open = going_on;
        let mut reads: Vec<PlateObservation> =
            gone.into_iter().filter_map(Pass::last_read).collect();
        for pass in open.iter_mut().filter(|p| p.is_due(now, &limits)) {
            if let Some(read) = vote::consolidate(pass.readings.clone()) {
                pass.sent = Some(read.plate.clone());
                reads.push(read);
            }
        }
        reads
    }

    /// Ends every open pass of `camera`: it has stopped, or sent nothing for a while.
    pub fn end_camera(&mut self, camera: &str) -> Vec<PlateObservation> {
        self.open
            .remove(camera)
            .into_iter()
            .flatten()
            .filter_map(Pass::last_read)
            .collect()
    }

    /// Ends every open pass: the cameras have stopped, or sent nothing for a while.
    pub fn end_all(&mut self) -> Vec<PlateObservation> {
        let mut reads: Vec<PlateObservation> = self
            .open
            .drain()
            .flat_map(|(_, passes)| passes)
            .filter_map(Pass::last_read)
            .collect();
        reads.sort_by_key(|r| r.captured_at);
        reads
    }

    /// Readings held in open passes.
    pub fn held(&self) -> usize {
        self.open.values().flatten().map(|p| p.readings.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, TimeZone, Utc};

    use super::{PassLimits, Passes};
    use crate::observation::PlateObservation;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_800_000_000_000 + ms).unwrap()
    }

    fn reading(camera: &str, plate: &str, ms: i64) -> PlateObservation {
        PlateObservation {
            camera: camera.into(),
            plate: plate.into(),
            state: None,
            confidence: 0.9,
            captured_at: at(ms),
            alternatives: Vec::new(),
            plate_crop: Some(crate::ImageBytes(plate.as_bytes().to_vec())),
            context_image: None,
            ack: None,
        }
    }

    fn plates(reads: &[PlateObservation]) -> Vec<&str> {
        reads.iter().map(|r| r.plate.as_str()).collect()
    }

    fn limits() -> PassLimits {
        PassLimits {
            quiet: Duration::from_millis(1000),
            longest: Duration::from_millis(3000),
        }
    }

    #[test]
    fn a_plate_seen_in_many_frames_is_one_read_when_it_has_gone() {
        let mut passes = Passes::new(limits());
        let seen = ["KXT48", "KXT482", "KXT482", "KXT432", "KXT482"];
        for (i, p) in seen.iter().enumerate() {
            let t = i as i64 * 100;
            assert!(
                passes
                    .frame("front", at(t), vec![reading("front", p, t)])
                    .is_empty()
            );
        }
        assert!(
            passes.frame("front", at(1300), Vec::new()).is_empty(),
            "still quiet"
        );
        let reads = passes.frame("front", at(1400), Vec::new());
        assert_eq!(plates(&reads), ["KXT482"]);
        assert_eq!(passes.held(), 0);
    }

    #[test]
    fn two_plates_in_one_frame_stay_two_passes_even_when_alike() {
        let mut passes = Passes::new(limits());
        for t in [0, 100, 200] {
            let frame = vec![reading("front", "ABC123", t), reading("front", "ABC128", t)];
            passes.frame("front", at(t), frame);
        }
        let mut reads = passes.end_all();
        reads.sort_by(|a, b| a.plate.cmp(&b.plate));
        assert_eq!(plates(&reads), ["ABC123", "ABC128"]);
    }

    #[test]
    fn unlike_plates_and_other_cameras_are_other_passes() {
        let mut passes = Passes::new(limits());
        passes.frame("front", at(0), vec![reading("front", "GRN4471", 0)]);
        passes.frame("front", at(100), vec![reading("front", "7TRK209", 100)]);
        passes.frame("rear", at(100), vec![reading("rear", "GRN4471", 100)]);
        assert_eq!(passes.held(), 3);
        let reads = passes.frame("front", at(1150), Vec::new());
        assert_eq!(plates(&reads), ["GRN4471", "7TRK209"]);
        assert_eq!(passes.held(), 1, "the rear camera's time has not moved");
        assert!(passes.end_camera("front").is_empty());
        assert_eq!(plates(&passes.end_camera("rear")), ["GRN4471"]);
        assert_eq!(passes.held(), 0);
    }

    #[test]
    fn a_plate_in_view_for_long_is_read_once_when_the_longest_pass_is_up() {
        let mut passes = Passes::new(limits());
        let mut reads = Vec::new();
        for i in 0..=60 {
            let t = i * 100;
            let frame = passes.frame("front", at(t), vec![reading("front", "LMW530", t)]);
            if !frame.is_empty() {
                assert_eq!(t, 3000, "sent when the pass has lasted the longest");
            }
            reads.extend(frame);
        }
        reads.extend(passes.end_all());
        assert_eq!(plates(&reads), ["LMW530"]);
    }

    #[test]
    fn a_pass_sent_early_is_read_again_when_its_later_frames_vote_otherwise() {
        let mut passes = Passes::new(limits());
        let mut reads = Vec::new();
        for i in 0..=60 {
            let t = i * 100;
            let plate = if i < 25 { "4FCU533" } else { "4FCW533" };
            reads.extend(passes.frame("front", at(t), vec![reading("front", plate, t)]));
        }
        reads.extend(passes.end_all());
        assert_eq!(plates(&reads), ["4FCU533", "4FCW533"]);
        assert_eq!(reads[1].alternatives[0].plate, "4FCU533");
    }

    #[test]
    fn a_pass_sent_early_is_not_read_again_for_o_against_0() {
        let mut passes = Passes::new(limits());
        let mut reads = Vec::new();
        for i in 0..=60 {
            let t = i * 100;
            let plate = if i < 25 { "OLN395" } else { "0LN395" };
            reads.extend(passes.frame("front", at(t), vec![reading("front", plate, t)]));
        }
        reads.extend(passes.end_all());
        assert_eq!(
            plates(&reads),
            ["OLN395"],
            "the matcher takes O and 0 as one"
        );
    }

    #[test]
    fn a_car_parked_in_view_holds_a_bounded_number_of_readings() {
        let mut passes = Passes::new(PassLimits {
            quiet: Duration::from_secs(1),
            longest: Duration::from_secs(2),
        });
        for t in 0..10_000 {
            passes.frame(
                "front",
                at(t * 50),
                vec![reading("front", "LMW530", t * 50)],
            );
        }
        assert!(passes.held() <= super::MOST_READINGS);
    }

    #[test]
    fn a_camera_clock_set_back_ends_its_passes() {
        let mut passes = Passes::new(limits());
        passes.frame("front", at(5000), vec![reading("front", "LMW530", 5000)]);
        let reads = passes.frame("front", at(0), vec![reading("front", "LMW530", 0)]);
        assert_eq!(plates(&reads), ["LMW530"]);
        assert_eq!(passes.held(), 1);
    }

    #[test]
    fn an_open_pass_keeps_the_images_of_one_reading_per_text() {
        let mut passes = Passes::new(limits());
        for t in 0..20 {
            let mut r = reading("front", if t % 2 == 0 { "LMW530" } else { "LMW53" }, t);
            r.confidence = 0.5 + t as f64 / 100.0;
            passes.frame("front", at(t), vec![r]);
        }
        let pass = &passes.open["front"][0];
        assert_eq!(pass.readings.len(), 20);
        let with_images = pass.readings.iter().filter(|r| r.plate_crop.is_some());
        assert_eq!(with_images.count(), 2);
        let read = passes.end_all().remove(0);
        assert_eq!(read.plate, "LMW530");
        assert!(read.plate_crop.is_some(), "the surest frame's crop");
        assert_eq!(read.captured_at, at(18));
    }
}
