//! Reading a plate: its box cut from the frame for the reader and the state model, and the
//! reader's per-column character scores turned into text, confidences and alternatives.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

use super::detect::Detection;
use super::models::{CHARSET, Output, STATES, normalise};

/// The plate's box resampled to `w` x `h` RGB pixels.
pub fn cut(
    image: &RgbImage,
    plate: &Detection,
    w: u32,
    h: u32,
    resizer: &mut Resizer,
) -> Result<Vec<u8>, String> {
    let (fw, fh) = image.dimensions();
    let src = ImageRef::new(fw, fh, image.as_raw(), PixelType::U8x3).map_err(|e| e.to_string())?;
    let mut dst = Image::new(w, h, PixelType::U8x3);
    // Boxes are sized in f32 and the resizer checks them in f64, so one reaching the frame's
    // edge can end a rounding step past it and be refused, losing every plate in the frame.
    let (left, width) = within(plate.x, plate.w, fw);
    let (top, height) = within(plate.y, plate.h, fh);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Bilinear))
        .crop(left, top, width, height);
    resizer
        .resize(&src, &mut dst, &options)
        .map_err(|e| e.to_string())?;
    Ok(dst.into_vec())
}

/// A span of at least one pixel starting at `start` and `len` long, moved and cut to lie within
/// `0..frame` (a frame of at least one pixel).
fn within(start: f32, len: f32, frame: u32) -> (f64, f64) {
    let frame = f64::from(frame.max(1));
    let start = f64::from(start).clamp(0.0, frame - 1.0);
    let len = f64::from(len).max(1.0).min(frame - start);
    (start, len)
}

/// Grey, as the reader was trained (ITU-R 601 luma).
pub fn grey_input(rgb: &[u8]) -> Vec<f32> {
    rgb.chunks_exact(3)
        .map(|p| {
            let l = 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
            normalise(l as u8)
        })
        .collect()
}

/// Planar RGB, as the state model was trained.
pub fn rgb_input(rgb: &[u8]) -> Vec<f32> {
    let n = rgb.len() / 3;
    let mut out = vec![0.0; rgb.len()];
    for (i, p) in rgb.chunks_exact(3).enumerate() {
        out[i] = normalise(p[0]);
        out[n + i] = normalise(p[1]);
        out[2 * n + i] = normalise(p[2]);
    }
    out
}

fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in logits.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in logits.iter_mut() {
        *v /= sum;
    }
}

/// A character is about as likely nothing when the reader's blank is at least this share as
/// likely as it.
pub const AS_LIKELY_NOTHING: f32 = 0.5;

/// Text as read, each character's confidence, and where a second choice was close.
#[derive(Debug, Clone, PartialEq)]
pub struct TextReading {
    pub text: String,
    pub char_confidences: Vec<f32>,
    /// For each character: the runner-up character and its probability, when there is one.
    pub(super) runners_up: Vec<Option<(char, f32)>>,
    /// For each character: how likely the reader saw nothing there rather than it (the blank's
    /// probability over the character's, across the columns that read it). A glyph read from
    /// a bolt, a frame's edge or an emblem is often nearly as likely nothing.
    pub(super) gaps: Vec<f32>,
    /// When a character the reader read was taken as nothing ([`TextReading::without`]): the
    /// chance of that gap, and the reader's own text with its confidence (an alternative).
    pub(super) dropped: Option<Dropped>,
}

/// A character of the reader's text taken as nothing.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Dropped {
    /// The chance the reader gave to nothing at that place.
    pub(super) chance: f32,
    /// The reader's own text and its confidence.
    pub(super) own: (String, f32),
}

impl TextReading {
    /// The product of the characters' confidences: the chance the whole text is right.
    pub fn confidence(&self) -> f32 {
        if self.text.is_empty() {
            return 0.0;
        }
        let gap = self.dropped.as_ref().map_or(1.0, |d| d.chance);
        self.char_confidences.iter().product::<f32>() * gap
    }

    /// The reading with character `i` taken as nothing, as likely as the reader saw nothing
    /// there; the reader's own text stays an alternative.
    pub fn without(&self, i: usize) -> Option<TextReading> {
        if self.dropped.is_some() {
            return None;
        }
        let mut out = self.clone();
        let (own, gap) = out.remove(i)?;
        out.dropped = Some(Dropped {
            chance: own * gap,
            own: (self.text.clone(), self.confidence()),
        });
        Some(out)
    }

    /// The reading without characters at its ends that the reader saw as likely nothing
    /// ([`AS_LIKELY_NOTHING`]), as long as it still contains `core`: read past a plate's
    /// sides, a bolt or a frame's edge is often read as a glyph, half-heartedly.
    pub fn trimmed_around(&self, core: &str) -> TextReading {
        let mut out = self.clone();
        loop {
            let last = out.gaps.len().saturating_sub(1);
            let end = [0, last].into_iter().find(|&i| {
                out.gaps.get(i).is_some_and(|&g| g >= AS_LIKELY_NOTHING) && {
                    let mut rest: Vec<char> = out.text.chars().collect();
                    rest.remove(i);
                    rest.into_iter().collect::<String>().contains(core)
                }
            });
            if end.and_then(|i| out.remove(i)).is_none() {
                return out;
            }
        }
    }

    /// Removes character `i` with its scores: its confidence and gap, when it was there.
    fn remove(&mut self, i: usize) -> Option<(f32, f32)> {
        let n = self.text.chars().count();
        if i >= n
            || self.char_confidences.len() != n
            || self.runners_up.len() != n
            || self.gaps.len() != n
        {
            return None;
        }
        let mut chars: Vec<char> = self.text.chars().collect();
        chars.remove(i);
        self.text = chars.into_iter().collect();
        self.runners_up.remove(i);
        Some((self.char_confidences.remove(i), self.gaps.remove(i)))
    }

    /// Other texts the plate may carry, most likely first: the runner-up at one or two of the
    /// least sure characters.
    pub fn alternatives(&self, max: usize) -> Vec<(String, f32)> {
        let base = self.confidence();
        let chars: Vec<char> = self.text.chars().collect();
        let mut singles: Vec<(usize, char, f32)> = Vec::new();
        for (i, r) in self.runners_up.iter().enumerate() {
            if let (Some((c, p)), Some(&own)) = (r, self.char_confidences.get(i))
                && *p > 0.02
                && own > 0.0
            {
                singles.push((i, *c, base / own * p));
            }
        }
        singles.sort_by(|a, b| b.2.total_cmp(&a.2));
        let mut out: Vec<(String, f32)> = Vec::new();
        let with = |subs: &[(usize, char)]| -> String {
            let mut c = chars.clone();
            for &(i, ch) in subs {
                if let Some(slot) = c.get_mut(i) {
                    *slot = ch;
                }
            }
            c.into_iter().collect()
        };
        for &(i, c, p) in &singles {
            out.push((with(&[(i, c)]), p));
        }
        for (a, &(i, c, p)) in singles.iter().enumerate() {
            for &(j, d, q) in singles.iter().skip(a + 1) {
                if i != j {
                    // Each single already holds the whole text's chance with one swap:
                    // with both swaps, the base divides out once.
                    out.push((with(&[(i, c), (j, d)]), p * q / base.max(1e-6)));
                }
            }
        }
        if let Some(d) = &self.dropped {
            out.push(d.own.clone());
        }
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out.dedup_by(|a, b| a.0 == b.0);
        out.retain(|(t, _)| *t != self.text);
        out.truncate(max);
        out
    }
}

/// Greedy CTC decoding of the reader's output `[1, classes, 1, T]`: the best class per column,
/// repeats merged, blanks dropped. A character's confidence is its best column's probability.
pub fn decode_text(out: &Output) -> TextReading {
    let mut reading = TextReading {
        text: String::new(),
        char_confidences: Vec::new(),
        runners_up: Vec::new(),
        gaps: Vec::new(),
        dropped: None,
    };
    let [_, classes, _, steps] = out.shape[..] else {
        return reading;
    };
    let mut prev = 0usize;
    for t in 0..steps {
        let mut p: Vec<f32> = (0..classes).map(|c| out.values[c * steps + t]).collect();
        softmax(&mut p);
        let (best, best_p) = argmax(&p);
        if best != 0 && best <= CHARSET.len() {
            let runner = p
                .iter()
                .enumerate()
                .filter(|&(c, _)| c != best && c != 0 && c <= CHARSET.len())
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(c, &q)| (char::from(CHARSET[c - 1]), q));
            let gap = p[0] / best_p.max(f32::MIN_POSITIVE);
            if best != prev {
                reading.text.push(char::from(CHARSET[best - 1]));
                reading.char_confidences.push(best_p);
                reading.runners_up.push(runner);
                reading.gaps.push(gap);
            } else {
                if let Some(g) = reading.gaps.last_mut() {
                    *g *= gap;
                }
                if let Some(last) = reading.char_confidences.last_mut()
                    && best_p > *last
                {
                    *last = best_p;
                    if let Some(r) = reading.runners_up.last_mut() {
                        *r = runner;
                    }
                }
            }
        }
        prev = best;
    }
    reading
}

fn argmax(p: &[f32]) -> (usize, f32) {
    p.iter().copied().enumerate().fold(
        (0, f32::NEG_INFINITY),
        |acc, (i, v)| if v > acc.1 { (i, v) } else { acc },
    )
}

/// The state model's best guess and its probability.
pub fn decode_state(out: &Output) -> Option<(&'static str, f32)> {
    let mut p = out.values.clone();
    if p.len() != STATES.len() {
        return None;
    }
    softmax(&mut p);
    let (best, prob) = argmax(&p);
    STATES.get(best).map(|s| (*s, prob))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reader output for columns whose class probabilities are given (blank = class 0).
    fn output(columns: &[&[(usize, f32)]]) -> Output {
        let classes = CHARSET.len() + 1;
        let steps = columns.len();
        let mut values = vec![-20.0; classes * steps];
        for (t, col) in columns.iter().enumerate() {
            for &(c, p) in col.iter() {
                values[c * steps + t] = p.ln();
            }
        }
        Output {
            shape: vec![1, classes, 1, steps],
            values,
        }
    }

    #[test]
    fn boxes_at_or_past_the_frame_edge_are_cut_within_it() {
        let (fw, fh) = (1917u32, 1081u32);
        let image = RgbImage::new(fw, fh);
        let mut resizer = Resizer::new();
        // A box reaching the right or bottom edge, its size computed in f32 as `grown` does,
        // can end a rounding step past the frame; boxes wholly outside come from a detection
        // at the very edge grown to its one-pixel minimum.
        let mut boxes = Vec::new();
        for i in 0..400 {
            let x = 1.0 + i as f32 * 4.7831;
            let y = 1.0 + i as f32 * 2.6173;
            boxes.push((x, y, fw as f32 - x, fh as f32 - y));
        }
        boxes.push((fw as f32, fh as f32, 1.0, 1.0));
        boxes.push((fw as f32 + 5.0, 0.0, 40.0, 10.0));
        boxes.push((-3.0, -2.0, 50.0, 20.0));
        for (x, y, w, h) in boxes {
            let d = Detection {
                x,
                y,
                w,
                h,
                score: 0.5,
            };
            let cut = cut(&image, &d, 24, 8, &mut resizer);
            assert!(cut.is_ok(), "box {x},{y} {w}x{h}: {cut:?}");
        }
    }

    fn class(c: char) -> usize {
        CHARSET
            .iter()
            .position(|&b| char::from(b) == c)
            .map_or(0, |i| i + 1)
    }

    #[test]
    fn alternatives_swap_the_unsure_characters_with_their_chances() {
        let out = output(&[
            &[(class('A'), 0.99)],
            &[(0, 0.99)],
            &[(class('8'), 0.6), (class('B'), 0.4)],
            &[(0, 0.99)],
            &[(class('0'), 0.7), (class('O'), 0.3)],
        ]);
        let r = decode_text(&out);
        assert_eq!(r.text, "A80");
        let alts = r.alternatives(5);
        let get = |t: &str| alts.iter().find(|(a, _)| a == t).map(|(_, p)| *p);
        let base = r.confidence();
        let ab0 = get("AB0").expect("B for 8");
        let a8o = get("A8O").expect("O for 0");
        let abo = get("ABO").expect("both swapped");
        assert!((ab0 - base / 0.6 * 0.4).abs() < 1e-3, "{alts:?}");
        assert!((a8o - base / 0.7 * 0.3).abs() < 1e-3, "{alts:?}");
        assert!(
            (abo - base / 0.6 / 0.7 * 0.4 * 0.3).abs() < 1e-3,
            "{alts:?}"
        );
        assert!(ab0 > abo && a8o > abo, "one swap is likelier than two");
    }

    #[test]
    fn a_character_s_gap_is_how_likely_nothing_was_seen_instead() {
        let out = output(&[
            &[(class('A'), 0.99)],
            &[(0, 0.99)],
            &[(class('Y'), 0.6), (0, 0.4)],
            &[(class('Y'), 0.5), (0, 0.5)],
            &[(0, 0.99)],
            &[(class('7'), 0.98), (0, 0.02)],
        ]);
        let r = decode_text(&out);
        assert_eq!(r.text, "AY7");
        // Nothing instead of Y takes both of its columns blank.
        assert!(
            (r.gaps[1] - 0.4 / 0.6 * 0.5 / 0.5).abs() < 1e-3,
            "{:?}",
            r.gaps
        );
        assert!((r.gaps[2] - 0.02 / 0.98).abs() < 1e-3, "{:?}", r.gaps);
    }

    fn read_as(text: &str, gaps: &[f32]) -> TextReading {
        TextReading {
            text: text.to_string(),
            char_confidences: vec![0.99; gaps.len()],
            runners_up: vec![None; gaps.len()],
            gaps: gaps.to_vec(),
            dropped: None,
        }
    }

    #[test]
    fn characters_past_the_plate_read_as_likely_nothing_are_trimmed() {
        // A frame's edge read as E left of the plate, a bolt as I right of it.
        let wider = read_as("E08E6CKI", &[0.56, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.7]);
        assert_eq!(wider.trimmed_around("8E6C").text, "08E6CK");
        // Sure characters stay, and so does what was read before.
        let sure = read_as("E08E6CK", &[0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(sure.trimmed_around("8E6C").text, "E08E6CK");
        let core = read_as("8E6C", &[0.9, 0.0, 0.0, 0.9]);
        assert_eq!(core.trimmed_around("8E6C").text, "8E6C");
    }

    #[test]
    fn no_character_past_the_end_is_dropped() {
        assert_eq!(read_as("AB", &[0.9, 0.9]).without(2), None);
        let once = read_as("ABC", &[0.9, 0.9, 0.9]).without(1);
        assert_eq!(once.as_ref().map(|r| r.text.as_str()), Some("AC"));
        // One character at most.
        assert_eq!(once.and_then(|r| r.without(0)), None);
    }
}
