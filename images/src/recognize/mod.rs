//! Plate recognition from camera frames: find the plates, read their characters and their state
//! of issue, on the CPU in pure Rust.
//!
//! Three small networks trained by the project (`images/train/`, weights in `images/models/`)
//! run under tract: a detector giving plate boxes from a heat map over the whole frame, a reader
//! giving characters (CTC over the plate's columns) and a classifier giving the state. One
//! [`PlateRecognizer`] serves many threads; each call uses one core.

mod decode_image;
mod detect;
pub mod evaluate;
mod formats;
mod models;
mod read;

use std::cell::RefCell;

use fast_image_resize::Resizer;
use image::RgbImage;

pub use decode_image::{DecodeError, MAX_SIDE, decode_image, load_image};
pub use detect::{Detection, iou};
pub use models::{ModelError, NetworkTime, NetworkTimes};

use crate::{Alternative, Frame, ImageBytes, PlateObservation, Recognizer, RecognizerError};
use models::{Networks, STATE_H, STATE_W};

/// Below this overall confidence a reading is reported as unsure.
pub const LOW_CONFIDENCE: f32 = 0.6;
/// Below this the state model's guess is not given.
pub const MIN_STATE_CONFIDENCE: f32 = 0.3;
const ALTERNATIVES: usize = 5;
/// The fewest characters a reading needs to be stored as a read.
pub const MIN_READ_CHARS: usize = 3;
/// The least confidence a reading needs to be stored as a read (unsure ones above it are stored
/// with their alternatives, for the matcher).
pub const MIN_READ_CONFIDENCE: f32 = 0.1;
/// The reader sees a detection grown by this share of its width on each side (and 1.6 times as
/// much of its height): detections run a little tight, and the reader was trained on boxes from
/// a little tight to a little loose.
const READ_MARGIN: f32 = 0.04;
/// A faint detection (heat between `FAINT_SCORE` and `MIN_SCORE`) is kept only when its reading
/// has at least this many characters and this confidence. On the held-out real scenes of the
/// four cross-validation quarters the faint band held 2 plates (`E3R2X` 0.49 for `PE3R2X`,
/// `RDN464` 0.73) among about 100 detections of no plate, none of which read 5 characters at
/// 0.45 or more: it reads signs and grilles as one to four characters, or unsurely. The cost is
/// on the rendered streets, whose plate-like signs read well: `bench passes` frame reads of no car
/// rose from 233 and 210 to 254 and 223 (images/BENCHMARKS.md), pass reads of no car from 122 and
/// 140 to 123 and 142.
const FAINT_MIN_CHARS: usize = 5;
const FAINT_MIN_CONFIDENCE: f32 = 0.45;
/// How many faint detections are read in one frame, the likeliest first: each costs a read, and
/// busy streets have several. One kept every plate the faint band gave on the real scenes.
const FAINT_READS: usize = 1;
/// A first reading this sure is kept without trying other boxes.
const SURE: f32 = 0.9;
/// Other boxes tried for an unsure reading: margin, and shift down as a share of the height.
/// A looser box and a lower one; a tighter and a higher one, also tried until 2026-12-06, changed
/// no reading of the real scenes for the better and cost two reads each.
const RETRIES: [(f32, f32); 2] = [(0.08, 0.0), (0.04, 0.05)];
/// Other boxes are tried only on a detection at least this sure. Below it, a detection that
/// reads unsurely is most often no plate (a sign, a grille, a row of windows read `IIII`), and
/// retries on them were a third of a busy frame's reads.
const RETRY_MIN_SCORE: f32 = 0.6;
/// How far past each side of a detection the reader also looks, as a share of its width: the
/// detector sometimes boxes only part of a wide plate (`1AMW2` of `1AMW240`), and then reads
/// surely what it was given.
const WIDER: f32 = 0.2;
/// A reading this long is a whole plate (no state issues more characters than 7 but on a few
/// vanity plates): it is not read wider.
const WHOLE_PLATE: usize = 7;
/// How many times the box may be widened while each wider reading is the same text and more,
/// read about as surely.
const WIDER_LOOKS: usize = 2;
/// "About as surely": the wider reading's confidence is at least this share of the narrower
/// one's. A character the box cut off is often read a shade less surely than the rest
/// (`520MR` 0.994, `520MRK` 0.993); a frame edge or sticker taken for one costs far more
/// (`HB8X9J` 0.998, `HB8X9JP` 0.60).
const WIDER_SURE: f32 = 0.9;

/// One plate found in an image.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlateReading {
    /// Upper-case letters and digits, as read.
    pub text: String,
    /// Two-letter state of issue (upper case), when the state model is sure enough.
    pub state: Option<String>,
    /// The state model's probability for its best guess.
    pub state_confidence: f32,
    /// Overall confidence, 0 to 1: the chance every character is right.
    pub confidence: f32,
    /// Confidence of each character of `text`.
    pub char_confidences: Vec<f32>,
    /// The plate's box in the image's pixels: x, y, width, height.
    #[serde(rename = "box")]
    pub bbox: [u32; 4],
    /// How sure the detector is that this is a plate.
    pub detection_score: f32,
    /// Other readings, most likely first.
    pub alternatives: Vec<AlternativeReading>,
    /// True when the reading is too unsure to act on without a look.
    pub low_confidence: bool,
}

impl PlateReading {
    /// The reading's box as a detection, to measure its overlap with a labelled plate.
    pub fn detection(&self) -> Detection {
        let [x, y, w, h] = self.bbox;
        Detection {
            x: x as f32,
            y: y as f32,
            w: w as f32,
            h: h as f32,
            score: self.detection_score,
        }
    }

    /// The reading as the pipeline takes it from `camera`, without images (the recogniser
    /// adds the plate crop and the frame).
    pub fn into_observation(
        self,
        camera: String,
        captured_at: chrono::DateTime<chrono::Utc>,
    ) -> PlateObservation {
        PlateObservation {
            camera,
            plate: self.text,
            state: self.state,
            confidence: f64::from(self.confidence),
            captured_at,
            alternatives: self
                .alternatives
                .into_iter()
                .map(|a| Alternative {
                    plate: a.text,
                    confidence: f64::from(a.confidence),
                })
                .collect(),
            plate_crop: None,
            context_image: None,
            ack: None,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AlternativeReading {
    pub text: String,
    pub confidence: f32,
}

/// Why an image could not be read (the networks failed on it; never a panic).
#[derive(Debug, thiserror::Error)]
#[error("recognising: {0}")]
pub struct RecognizeError(String);

/// The recogniser: detector, character reader and state classifier.
pub struct PlateRecognizer {
    nets: Networks,
}

impl std::fmt::Debug for PlateRecognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlateRecognizer")
    }
}

thread_local! {
    // The resizer keeps scratch buffers; one per thread saves reallocating them per frame.
    static RESIZER: RefCell<Resizer> = RefCell::new(Resizer::new());
}

impl PlateRecognizer {
    /// The recogniser with the weights built into the program.
    pub fn embedded() -> Result<Self, ModelError> {
        Ok(Self {
            nets: Networks::embedded()?,
        })
    }

    /// The recogniser with the networks in `dir` (`detector.onnx`, `reader.onnx`,
    /// `state.onnx`; any missing there is the built-in one).
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, ModelError> {
        Ok(Self {
            nets: Networks::from_dir(dir)?,
        })
    }

    /// How often each network has run and for how long, since the recogniser was loaded
    /// (every thread's runs summed): where a frame's time goes.
    pub fn network_times(&self) -> NetworkTimes {
        self.nets.times()
    }

    /// Every plate found in the image, most certain detection first.
    pub fn read(&self, image: &RgbImage) -> Result<Vec<PlateReading>, RecognizeError> {
        let (w, h) = image.dimensions();
        if w == 0 || h == 0 {
            return Ok(Vec::new());
        }
        RESIZER.with(|r| {
            let resizer = &mut r.borrow_mut();
            let (input, scale) = detect::letterbox(image, resizer).map_err(RecognizeError)?;
            let out = self
                .nets
                .detect(input)
                .map_err(|e| RecognizeError(format!("detector: {e}")))?;
            let mut readings = Vec::new();
            let mut faint_left = FAINT_READS;
            for d in detect::decode(&out, scale, w, h) {
                let faint = d.is_faint();
                if faint {
                    if faint_left == 0 {
                        break;
                    }
                    faint_left -= 1;
                }
                if let Some(r) = self.read_detection(image, &d, resizer)?
                    && (!faint || reads_like_a_plate(&r.text, r.confidence))
                {
                    readings.push(r);
                }
            }
            Ok(readings)
        })
    }

    /// Reads a detected plate. When the first reading of a sure detection is unsure, the box is
    /// tried again a little looser and lower, and the surest reading kept: a detection off by a
    /// few pixels cuts a character or lets in the plate's frame, and the reader's own confidence
    /// tells which box fitted best. The plate is also read past the detection's sides, and that
    /// reading kept when it is the same text and more, read about as surely (the detection cut
    /// the plate short); the reading's box is then the wider one.
    fn read_detection(
        &self,
        image: &RgbImage,
        d: &Detection,
        resizer: &mut Resizer,
    ) -> Result<Option<PlateReading>, RecognizeError> {
        let (w, h) = image.dimensions();
        let first_box = d.grown(READ_MARGIN, w, h);
        let mut best = (self.read_text(image, &first_box, resizer)?, first_box);
        // Most faint detections are no plate: one that does not read as a fair part of one is
        // not read again, wider or elsewhere.
        if d.is_faint()
            && (best.0.text.len() < FAINT_MIN_CHARS - 1
                || best.0.confidence() < FAINT_MIN_CONFIDENCE)
        {
            return Ok(None);
        }
        let plausible = (3..=9).contains(&best.0.text.len());
        if plausible && best.0.confidence() < SURE && d.score >= RETRY_MIN_SCORE {
            for (margin, shift) in RETRIES {
                let around = d.grown(margin, w, h).shifted(0.0, shift * d.h, w, h);
                let text = self.read_text(image, &around, resizer)?;
                if text.confidence() > best.0.confidence() {
                    best = (text, around);
                }
            }
        }
        let mut plate = *d;
        for _ in 0..WIDER_LOOKS {
            let wider = plate.widened(WIDER, w);
            let whole = best.0.text.len() >= WHOLE_PLATE;
            // One or two characters are a sign or a scrap far more often than part of a plate,
            // and would not be stored: not worth two more reads.
            if best.0.text.len() < MIN_READ_CHARS || whole || wider == plate {
                break;
            }
            let wider_box = wider.grown(READ_MARGIN, w, h);
            let text = self
                .read_text(image, &wider_box, resizer)?
                .trimmed_around(&best.0.text);
            let more = text.text.len() > best.0.text.len() && text.text.contains(&best.0.text);
            if !more || text.confidence() < WIDER_SURE * best.0.confidence() {
                break;
            }
            best = (text, wider_box);
            plate = wider;
        }
        let reading = self.reading(image, best.0, &best.1, resizer)?;
        Ok(reading.map(|r| PlateReading {
            bbox: plate.rounded(),
            detection_score: d.score,
            ..r
        }))
    }

    /// Reads an image that is all plate (a crop), without looking for plates in it.
    pub fn read_whole(&self, image: &RgbImage) -> Result<Option<PlateReading>, RecognizeError> {
        let (w, h) = image.dimensions();
        let whole = Detection {
            x: 0.0,
            y: 0.0,
            w: w as f32,
            h: h as f32,
            score: 1.0,
        };
        self.read_box(image, &whole)
    }

    /// Reads the plate in a box already known (a crop that is all plate, or a detection).
    pub fn read_box(
        &self,
        image: &RgbImage,
        plate: &Detection,
    ) -> Result<Option<PlateReading>, RecognizeError> {
        RESIZER.with(|r| self.read_plate(image, plate, &mut r.borrow_mut()))
    }

    fn read_plate(
        &self,
        image: &RgbImage,
        d: &Detection,
        resizer: &mut Resizer,
    ) -> Result<Option<PlateReading>, RecognizeError> {
        let text = self.read_text(image, d, resizer)?;
        self.reading(image, text, d, resizer)
    }

    fn read_text(
        &self,
        image: &RgbImage,
        d: &Detection,
        resizer: &mut Resizer,
    ) -> Result<read::TextReading, RecognizeError> {
        let (w, h) = self.nets.reader_size();
        let grey = read::cut(image, d, w as u32, h as u32, resizer).map_err(RecognizeError)?;
        let out = self
            .nets
            .read(read::grey_input(&grey))
            .map_err(|e| RecognizeError(format!("reader: {e}")))?;
        Ok(read::decode_text(&out))
    }

    /// The reading of a plate whose text is known: its state, the text fitted to the state's
    /// formats, confidences and alternatives.
    fn reading(
        &self,
        image: &RgbImage,
        text: read::TextReading,
        d: &Detection,
        resizer: &mut Resizer,
    ) -> Result<Option<PlateReading>, RecognizeError> {
        if text.text.is_empty() {
            return Ok(None);
        }
        // One or two characters are a sign or a cut-off plate: no state is worth the time.
        let (state, state_confidence) = if text.text.len() < MIN_READ_CHARS {
            (None, 0.0)
        } else {
            let colour = read::cut(image, d, STATE_W as u32, STATE_H as u32, resizer)
                .map_err(RecognizeError)?;
            let out = self
                .nets
                .state(read::rgb_input(&colour))
                .map_err(|e| RecognizeError(format!("state model: {e}")))?;
            match read::decode_state(&out) {
                Some((s, p)) if p >= MIN_STATE_CONFIDENCE => (Some(s.to_string()), p),
                Some((_, p)) => (None, p),
                None => (None, 0.0),
            }
        };
        let text = if text.text.len() < MIN_READ_CHARS {
            text
        } else {
            formats::fit(text, state.as_deref())
        };
        let confidence = text.confidence();
        let length_ok = (2..=8).contains(&text.text.len());
        Ok(Some(PlateReading {
            alternatives: text
                .alternatives(ALTERNATIVES)
                .into_iter()
                .map(|(text, confidence)| AlternativeReading { text, confidence })
                .collect(),
            low_confidence: confidence < LOW_CONFIDENCE || !length_ok,
            confidence,
            char_confidences: text.char_confidences,
            text: text.text,
            state,
            state_confidence,
            bbox: d.rounded(),
            detection_score: d.score,
        }))
    }
}

/// The recogniser in the appliance's pipeline: a camera frame in, plate observations out, each
/// with its plate crop and the frame as context.
impl Recognizer for PlateRecognizer {
    fn recognize(&self, frame: &Frame) -> Result<Vec<PlateObservation>, RecognizerError> {
        let fail = |reason: String| RecognizerError {
            camera: frame.camera.clone(),
            reason,
        };
        let image = decode_image(&frame.data).map_err(|e| fail(e.to_string()))?;
        let readings = self.read(&image).map_err(|e| fail(e.to_string()))?;
        let context = ImageBytes(frame.data.to_vec());
        Ok(readings
            .into_iter()
            .filter(worth_a_read)
            .map(|r| {
                let crop = plate_crop(&image, r.bbox);
                PlateObservation {
                    plate_crop: crop,
                    context_image: Some(context.clone()),
                    ..r.into_observation(frame.camera.clone(), frame.captured_at)
                }
            })
            .collect())
    }
}

/// Whether a faint detection's reading is enough like a whole plate to keep.
fn reads_like_a_plate(text: &str, confidence: f32) -> bool {
    text.len() >= FAINT_MIN_CHARS && confidence >= FAINT_MIN_CONFIDENCE
}

/// Whether a reading becomes a read in the store: one or two characters, or a reading the
/// reader itself gives almost no chance, is a sign, a sticker or a plate cut by the frame's
/// edge, and would only fill the store. So is an unsure reading of an unsure detection in no
/// format any state issues: on rendered streets, whose plates are known, that was 30 of 42
/// stored readings of no plate (`IIIIIJ1`, `ULIU`, `TIII0`) and none of a plate; on the real
/// scenes 21 of 41, and one plate misread past use (`EMEN1H` for `CEMENT0`, 0.22).
/// `alpr recognize` still shows them all.
pub fn worth_a_read(r: &PlateReading) -> bool {
    let junk_like = r.confidence < LOW_CONFIDENCE
        && r.detection_score < RETRY_MIN_SCORE
        && !formats::fits_some_state(&r.text);
    r.text.len() >= MIN_READ_CHARS && r.confidence >= MIN_READ_CONFIDENCE && !junk_like
}

/// The plate's box with a margin, as a JPEG kept as evidence beside the read.
fn plate_crop(image: &RgbImage, [x, y, w, h]: [u32; 4]) -> Option<ImageBytes> {
    let (fw, fh) = image.dimensions();
    let mx = w / 4;
    let my = h / 2;
    let x0 = x.saturating_sub(mx);
    let y0 = y.saturating_sub(my);
    let x1 = (x + w + mx).min(fw);
    let y1 = (y + h + my).min(fh);
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let crop = image::imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&crop)
        .ok()?;
    Some(ImageBytes(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(text: &str, confidence: f32, detection_score: f32) -> PlateReading {
        PlateReading {
            text: text.to_string(),
            state: None,
            state_confidence: 0.0,
            confidence,
            char_confidences: vec![confidence; text.len()],
            bbox: [0, 0, 100, 30],
            detection_score,
            alternatives: Vec::new(),
            low_confidence: confidence < LOW_CONFIDENCE,
        }
    }

    #[test]
    fn an_unsure_reading_of_an_unsure_detection_is_stored_only_in_an_issued_format() {
        assert!(
            !worth_a_read(&reading("IIIII1", 0.3, 0.4)),
            "no format, both unsure"
        );
        assert!(
            worth_a_read(&reading("JYJ584", 0.3, 0.4)),
            "LLL999 is issued"
        );
        assert!(
            worth_a_read(&reading("IIIII1", 0.3, 0.7)),
            "the detector was sure"
        );
        assert!(
            worth_a_read(&reading("IIIII1", 0.7, 0.4)),
            "the reader was sure"
        );
    }

    #[test]
    fn short_and_hopeless_readings_are_not_stored() {
        assert!(!worth_a_read(&reading("AB", 1.0, 1.0)));
        assert!(!worth_a_read(&reading("ABC1234", 0.05, 1.0)));
        assert!(worth_a_read(&reading("ABC1234", 0.2, 1.0)));
    }

    #[test]
    fn a_faint_detection_is_kept_only_when_it_reads_like_a_whole_plate() {
        assert!(reads_like_a_plate("RDN464", 0.73));
        assert!(reads_like_a_plate("E3R2X", 0.49));
        assert!(!reads_like_a_plate("EXIT", 1.0), "four characters: a sign");
        assert!(!reads_like_a_plate("845OSF", 0.12), "read unsurely");
    }
}
