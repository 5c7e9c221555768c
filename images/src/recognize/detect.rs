//! Finding plates: the frame scaled into the detector's input, and its heat map turned into boxes.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

use super::models::{DETECTOR_H, DETECTOR_STRIDE, DETECTOR_W, Output, normalise};

/// A plate the detector found, in the frame's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    pub score: f32,
}

impl Detection {
    /// Whether the detector was only faintly sure of this box (scored below `MIN_SCORE`).
    pub fn is_faint(&self) -> bool {
        self.score < MIN_SCORE
    }

    /// The box grown by `share` of its width on each side and 1.6 times that of its height,
    /// clipped to the frame.
    pub fn grown(&self, share: f32, frame_w: u32, frame_h: u32) -> Self {
        let (dx, dy) = (share * self.w, share * 1.6 * self.h);
        let x0 = (self.x - dx).max(0.0);
        let y0 = (self.y - dy).max(0.0);
        let x1 = (self.x + self.w + dx).min(frame_w as f32);
        let y1 = (self.y + self.h + dy).min(frame_h as f32);
        Self {
            x: x0,
            y: y0,
            w: (x1 - x0).max(1.0),
            h: (y1 - y0).max(1.0),
            score: self.score,
        }
    }

    /// The box with `share` of its width added on the left and the right (within the frame).
    pub fn widened(&self, share: f32, frame_w: u32) -> Self {
        let x0 = (self.x - share * self.w).max(0.0);
        let x1 = (self.x + self.w * (1.0 + share)).min(frame_w as f32);
        Self {
            x: x0,
            w: (x1 - x0).max(1.0),
            ..*self
        }
    }

    /// The box moved by `dx`, `dy` pixels, kept inside the frame.
    pub fn shifted(&self, dx: f32, dy: f32, frame_w: u32, frame_h: u32) -> Self {
        Self {
            x: (self.x + dx).clamp(0.0, (frame_w as f32 - self.w).max(0.0)),
            y: (self.y + dy).clamp(0.0, (frame_h as f32 - self.h).max(0.0)),
            ..*self
        }
    }

    /// x, y, width, height in whole pixels.
    pub fn rounded(&self) -> [u32; 4] {
        [
            self.x.round() as u32,
            self.y.round() as u32,
            self.w.round() as u32,
            self.h.round() as u32,
        ]
    }
}

/// The heat from which a plate centre is a detection.
pub const MIN_SCORE: f32 = 0.3;
/// The smallest heat a plate centre may have to be kept at all: a faint detection, between this
/// and [`MIN_SCORE`], is kept only when it reads like a whole plate (see `recognize`). Plain,
/// sharp plates that a detector was not trained on scored 0.25 to 0.28 (`PE3R2X`, `RDN464`).
pub const FAINT_SCORE: f32 = 0.2;
const MAX_PLATES: usize = 8;

/// The frame scaled to fit the detector's input (top left, the rest black; never enlarged), as
/// the network takes it, and the scale used.
pub fn letterbox(image: &RgbImage, resizer: &mut Resizer) -> Result<(Vec<f32>, f32), String> {
    let (w, h) = image.dimensions();
    // Small images are not enlarged: the detector knows plates up to about a quarter of its
    // input's width, and a small image is usually a close-up.
    let scale = (DETECTOR_W as f32 / w as f32)
        .min(DETECTOR_H as f32 / h as f32)
        .min(1.0);
    let nw = ((w as f32 * scale).round() as u32).clamp(1, DETECTOR_W as u32);
    let nh = ((h as f32 * scale).round() as u32).clamp(1, DETECTOR_H as u32);
    let src = ImageRef::new(w, h, image.as_raw(), PixelType::U8x3).map_err(|e| e.to_string())?;
    let mut dst = Image::new(nw, nh, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    resizer
        .resize(&src, &mut dst, &options)
        .map_err(|e| e.to_string())?;
    let plane = DETECTOR_W * DETECTOR_H;
    let mut input = vec![normalise(0); 3 * plane];
    let pixels = dst.buffer();
    for y in 0..nh as usize {
        for x in 0..nw as usize {
            let i = (y * nw as usize + x) * 3;
            let o = y * DETECTOR_W + x;
            input[o] = normalise(pixels[i]);
            input[plane + o] = normalise(pixels[i + 1]);
            input[2 * plane + o] = normalise(pixels[i + 2]);
        }
    }
    Ok((input, scale))
}

fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + (-v).exp())
}

/// Plate boxes from the detector's output `[1, 5, H, W]`: local maxima of the heat map, their
/// offsets and sizes, scaled back to the frame and clipped to it.
pub fn decode(out: &Output, scale: f32, frame_w: u32, frame_h: u32) -> Vec<Detection> {
    let [_, c, gh, gw] = out.shape[..] else {
        return Vec::new();
    };
    if c < 5 {
        return Vec::new();
    }
    let plane = gh * gw;
    let at = |ch: usize, y: usize, x: usize| out.values[ch * plane + y * gw + x];
    let heat = |y: usize, x: usize| sigmoid(at(0, y, x));
    let mut peaks = Vec::new();
    for y in 0..gh {
        for x in 0..gw {
            let v = heat(y, x);
            if v < FAINT_SCORE {
                continue;
            }
            let mut is_peak = true;
            for ny in y.saturating_sub(1)..(y + 2).min(gh) {
                for nx in x.saturating_sub(1)..(x + 2).min(gw) {
                    if (ny, nx) != (y, x) && heat(ny, nx) > v {
                        is_peak = false;
                    }
                }
            }
            if is_peak {
                peaks.push((v, y, x));
            }
        }
    }
    peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
    let stride = DETECTOR_STRIDE as f32;
    let mut boxes: Vec<Detection> = Vec::new();
    for (score, y, x) in peaks {
        let cx = (x as f32 + at(1, y, x)) * stride / scale;
        let cy = (y as f32 + at(2, y, x)) * stride / scale;
        let w = at(3, y, x).clamp(-4.0, 6.0).exp() * stride / scale;
        let h = at(4, y, x).clamp(-4.0, 6.0).exp() * stride / scale;
        let x0 = (cx - w / 2.0).clamp(0.0, frame_w as f32);
        let y0 = (cy - h / 2.0).clamp(0.0, frame_h as f32);
        let x1 = (cx + w / 2.0).clamp(0.0, frame_w as f32);
        let y1 = (cy + h / 2.0).clamp(0.0, frame_h as f32);
        let d = Detection {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
            score,
        };
        if d.w < 4.0 || d.h < 3.0 || boxes.iter().any(|b| iou(b, &d) > 0.3) {
            continue;
        }
        boxes.push(d);
        if boxes.len() == MAX_PLATES {
            break;
        }
    }
    boxes
}

/// Intersection over union of two boxes.
pub fn iou(a: &Detection, b: &Detection) -> f32 {
    let iw = ((a.x + a.w).min(b.x + b.w) - a.x.max(b.x)).max(0.0);
    let ih = ((a.y + a.h).min(b.y + b.h) - a.y.max(b.y)).max(0.0);
    let inter = iw * ih;
    let union = a.w * a.h + b.w * b.h - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plate(x: f32, w: f32) -> Detection {
        Detection {
            x,
            y: 50.0,
            w,
            h: 40.0,
            score: 0.9,
        }
    }

    #[test]
    fn widened_adds_the_share_on_both_sides_and_keeps_the_height() {
        let wide = plate(100.0, 80.0).widened(0.25, 1000);
        assert_eq!((wide.x, wide.w), (80.0, 120.0));
        assert_eq!((wide.y, wide.h, wide.score), (50.0, 40.0, 0.9));
    }

    #[test]
    fn widened_stays_inside_the_frame() {
        let at_left = plate(5.0, 80.0).widened(0.25, 1000);
        assert_eq!((at_left.x, at_left.w), (0.0, 105.0));
        let at_right = plate(900.0, 80.0).widened(0.25, 1000);
        assert_eq!((at_right.x, at_right.w), (880.0, 120.0));
        let filling = plate(0.0, 1000.0);
        assert_eq!(filling.widened(0.25, 1000), filling);
    }

    fn heat_map(peaks: &[(usize, usize, f32)]) -> Output {
        let (gh, gw) = (6, 8);
        let plane = gh * gw;
        let mut values = vec![-8.0; 5 * plane];
        for &(y, x, heat) in peaks {
            let at = y * gw + x;
            values[at] = (heat / (1.0 - heat)).ln();
            // The centre half a cell in, the box 4 cells by 2.
            values[plane + at] = 0.5;
            values[2 * plane + at] = 0.5;
            values[3 * plane + at] = 4.0f32.ln();
            values[4 * plane + at] = 2.0f32.ln();
        }
        Output {
            shape: vec![1, 5, gh, gw],
            values,
        }
    }

    #[test]
    fn faint_centres_are_kept_as_faint_detections_and_fainter_ones_dropped() {
        let out = heat_map(&[(1, 1, 0.9), (4, 6, 0.25), (4, 2, 0.1)]);
        let found = decode(&out, 1.0, 1000, 1000);
        let scores: Vec<f32> = found.iter().map(|d| (d.score * 100.0).round()).collect();
        assert_eq!(scores, vec![90.0, 25.0]);
        assert!(found[1].score >= FAINT_SCORE && found[1].score < MIN_SCORE);
        let s = DETECTOR_STRIDE as u32;
        assert_eq!(found[1].rounded(), [s * 9 / 2, s * 7 / 2, 4 * s, 2 * s]);
    }
}
