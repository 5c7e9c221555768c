//! A plate as a camera crop: the plate filling the picture with a little of the car around it.

use image::RgbImage;

use super::canvas::Canvas;
use super::colour::{CAR_PAINT, Rgb};
use super::degrade::{self, Camera};
use super::error::SynthError;
use super::fonts::FontLibrary;
use super::geometry::{Homography, PixelBox, Point, Quad, quad_bounds, rect_quad};
use super::plate::{self, PlateArt, PlateSpec};
use super::random::Dice;
use super::shapes;
use super::states::{DESIGNS, design};
use super::truth::{CharTruth, PlateTruth};

/// What a plate crop should be; everything left `None` is drawn at random.
#[derive(Debug, Clone)]
pub struct PlateOptions {
    pub width: u32,
    pub height: u32,
    /// Two-letter state code (either case); `None` picks one of the 51 evenly.
    pub state: Option<String>,
    /// The registration; `None` issues one in the state's patterns.
    pub text: Option<String>,
    /// Share of vanity plates among issued ones.
    pub vanity_share: f32,
    /// Share of plates in a dealer's frame.
    pub frame_share: f32,
    /// How hard the camera is: 0 clean, 1 like real captures, up to 2 harsher.
    pub degrade: f32,
}

impl Default for PlateOptions {
    fn default() -> Self {
        Self {
            width: 320,
            height: 160,
            state: None,
            text: None,
            vanity_share: 0.1,
            frame_share: 0.2,
            degrade: 1.0,
        }
    }
}

/// A rendered crop and its truth.
#[derive(Debug, Clone)]
pub struct PlateSample {
    pub image: RgbImage,
    pub truth: PlateTruth,
    /// The degradations applied, by name (for inspecting a set).
    pub degradations: Vec<&'static str>,
}

/// Renders the crop of `seed`: the same seed and options give the same bytes.
pub fn render_plate(
    fonts: &FontLibrary,
    seed: u64,
    opts: &PlateOptions,
) -> Result<PlateSample, SynthError> {
    let (w, h) = (opts.width as usize, opts.height as usize);
    if !(16..=4096).contains(&w) || !(8..=4096).contains(&h) {
        return Err(SynthError::BadOption(format!(
            "plate size {}x{} is outside 16x8 to 4096x4096",
            opts.width, opts.height
        )));
    }
    let mut dice = Dice::new(seed);
    let chosen = match &opts.state {
        Some(code) => design(code)
            .ok_or_else(|| SynthError::BadOption(format!("no design for state {code:?}")))?,
        None => &DESIGNS[dice.index(DESIGNS.len())],
    };
    let quad = placement(w as f32, h as f32, &mut dice);
    let (qx0, _, qx1, _) = quad_bounds(&quad);
    let art_ph = ((qx1 - qx0) / 2.0 * 1.1).clamp(24.0, 480.0);
    let spec = PlateSpec {
        text: opts.text.clone(),
        vanity_share: opts.vanity_share,
        frame_share: opts.frame_share,
    };
    let mut art_dice = dice.fork();
    let art = plate::draw(fonts, chosen, &spec, &mut art_dice, art_ph);

    let mut canvas = surround(w, h, &quad, &mut dice);
    let to_crop = Homography::between(&art.plate, &quad)
        .ok_or_else(|| SynthError::BadOption("degenerate plate placement".into()))?;
    let footprint = crate::synth::warp::warp_onto(&mut canvas, &art.canvas, &to_crop);
    let cam = Camera {
        strength: opts.degrade,
        scale: h as f32 / 160.0,
        night_share: 0.12,
        blur: true,
    };
    let mut cam_dice = dice.fork();
    let (canvas, degradations) = degrade::apply(canvas, &footprint, cam, &mut cam_dice);
    let truth = truth_of(&art, &to_crop, w as u32, h as u32);
    Ok(PlateSample {
        image: canvas.to_rgb(),
        truth,
        degradations,
    })
}

/// Maps the artwork's plate and characters through `to_image`.
pub(crate) fn truth_of(art: &PlateArt, to_image: &Homography, w: u32, h: u32) -> PlateTruth {
    let chars = |glyphs: &[plate::Glyph]| -> Vec<CharTruth> {
        glyphs
            .iter()
            .map(|g| {
                let [x0, y0, x1, y1] = g.bounds;
                let quad = to_image.apply_quad(&rect_quad(x0, y0, x1, y1));
                CharTruth {
                    ch: g.ch,
                    quad,
                    bbox: PixelBox::around(&quad, w, h),
                }
            })
            .collect()
    };
    let quad = to_image.apply_quad(&art.plate);
    PlateTruth {
        text: art.text.clone(),
        state: art.state.to_string(),
        quad,
        bbox: PixelBox::around(&quad, w, h),
        chars: chars(&art.glyphs),
        stacked: chars(&art.stacked),
        vanity: art.vanity,
        two_rows: art.two_rows,
        hidden: 0.0,
    }
}

/// Where the plate's corners land: nearly filling the crop, a little turned and foreshortened,
/// always wholly inside.
fn placement(w: f32, h: f32, dice: &mut Dice) -> Quad {
    let loose = dice.chance(0.1);
    let mut margin = || {
        if loose {
            dice.range(0.02, 0.1)
        } else {
            dice.range(0.0, 0.04)
        }
    };
    let (ml, mr, mt, mb) = (margin() * w, margin() * w, margin() * h, margin() * h);
    let (ax0, ay0, ax1, ay1) = (ml, mt, w - mr, h - mb);
    let (aw, ah) = (ax1 - ax0, ay1 - ay0);
    // The crop is tight around the plate whatever its proportions, as crops cut from a
    // detector's box are; the plate's own 2:1 shows only as a slight stretch.
    let (pw, ph) = (aw, ah);
    let (cx, cy) = ((ax0 + ax1) / 2.0, (ay0 + ay1) / 2.0);
    let rot = dice.normal() * 0.025;
    let yaw = dice.normal() * 0.04;
    let pitch = dice.normal() * 0.03;
    let jit = 0.012;
    let mut q: Quad = [
        Point::new(-0.5, -0.5),
        Point::new(0.5, -0.5),
        Point::new(0.5, 0.5),
        Point::new(-0.5, 0.5),
    ];
    for p in q.iter_mut() {
        // Foreshortening: the far side shorter (yaw shrinks one end's height, pitch one edge's width).
        let sy = 1.0 - yaw * p.x * 2.0;
        let sx = 1.0 - pitch * p.y * 2.0;
        let (x, y) = (p.x * sx + dice.jitter(jit), p.y * sy + dice.jitter(jit));
        let (x, y) = (x * pw, y * ph);
        *p = Point::new(x * rot.cos() - y * rot.sin(), x * rot.sin() + y * rot.cos());
    }
    let (x0, y0, x1, y1) = quad_bounds(&q);
    let k = (aw / (x1 - x0)).min(ah / (y1 - y0));
    let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    q.map(|p| Point::new(cx + (p.x - mx) * k, cy + (p.y - my) * k))
}

/// The car around the plate: paint, the plate's recess, a bumper edge.
fn surround(w: usize, h: usize, quad: &Quad, dice: &mut Dice) -> Canvas {
    let paint = dice.weighted(CAR_PAINT).vary(dice, 0.04);
    let sheen = dice.range(0.0, 0.25);
    let band = dice.range(0.2, 0.8) * h as f32;
    let mut c = Canvas::transparent(w, h);
    c.shade_with(|_, y| {
        let d = ((y - band) / h as f32).abs();
        paint
            .mix(Rgb::WHITE, sheen * (-d * d * 40.0).exp())
            .scale(0.9 + 0.2 * (y / h as f32))
    });
    let (x0, y0, x1, y1) = quad_bounds(quad);
    let pad = dice.range(0.01, 0.06) * h as f32;
    let recess = shapes::rounded_rect(x0 - pad, y0 - pad, x1 + pad, y1 + pad, pad, w, h);
    c.paint(
        &recess,
        paint.scale(dice.range(0.35, 0.8)),
        dice.range(0.4, 1.0),
    );
    if dice.chance(0.4) {
        let y = if dice.chance(0.5) {
            y0 - pad * dice.range(1.2, 3.0)
        } else {
            y1 + pad * dice.range(1.2, 3.0)
        };
        let edge = shapes::rect(
            0.0,
            y,
            w as f32,
            y + h as f32 * dice.range(0.01, 0.05),
            w,
            h,
        );
        c.paint(&edge, Rgb::grey(dice.range(0.05, 0.9)), 0.8);
    }
    c
}
