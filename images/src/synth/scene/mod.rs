//! Street frames with cars and plates: single scenes, and sequences of cars driving past.

mod car;
mod street;
mod view;

use image::RgbImage;

use super::canvas::Canvas;
use super::crop::truth_of;
use super::degrade::{self, Camera};
use super::error::SynthError;
use super::filters;
use super::fonts::FontLibrary;
use super::geometry::{Homography, Quad, quad_bounds};
use super::plate::{self, PlateSpec};
use super::random::{Dice, item_seed};
use super::states::{DESIGNS, Design};
use super::truth::PlateTruth;
use car::Car;
use street::Light;
use view::View;

/// What a street frame should be.
#[derive(Debug, Clone)]
pub struct SceneOptions {
    pub width: u32,
    pub height: u32,
    /// Registrations to put on the cars before any made up (the demo's hot-list plates).
    pub plates: Vec<String>,
    /// How hard the camera is: 0 clean, 1 like real captures, up to 2 harsher.
    pub degrade: f32,
}

impl Default for SceneOptions {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            plates: Vec::new(),
            degrade: 1.0,
        }
    }
}

/// A rendered frame and the plates in it: each wholly inside the frame, none behind a nearer
/// car's body, none mostly hidden; the side of a car in the next lane may still hide part of
/// one (`hidden`).
#[derive(Debug, Clone)]
pub struct Scene {
    pub image: RgbImage,
    pub plates: Vec<PlateTruth>,
    pub degradations: Vec<&'static str>,
}

fn check(opts: &SceneOptions) -> Result<(), SynthError> {
    if !(320..=7680).contains(&opts.width) || !(180..=4320).contains(&opts.height) {
        return Err(SynthError::BadOption(format!(
            "scene size {}x{} is outside 320x180 to 7680x4320",
            opts.width, opts.height
        )));
    }
    Ok(())
}

/// Plate widths in pixels for a 1280-wide frame: mostly 70 to 130, some up to 330.
fn plate_width(dice: &mut Dice) -> f32 {
    match dice.weighted(&[(0u8, 0.7), (1, 0.12), (2, 0.12), (3, 0.06)]) {
        0 => dice.range(70.0, 130.0),
        1 => dice.range(50.0, 70.0),
        2 => dice.range(130.0, 200.0),
        _ => dice.range(200.0, 330.0),
    }
}

/// A car with a plate, somewhere in the street.
#[derive(Debug, Clone)]
struct Placed {
    car: Car,
    x: f32,
    z: f32,
    tilt: f32,
    design: &'static Design,
    text: Option<String>,
    art_seed: u64,
}

/// Renders the frame of `seed`: the same seed and options give the same bytes.
pub fn render_scene(
    fonts: &FontLibrary,
    seed: u64,
    opts: &SceneOptions,
) -> Result<Scene, SynthError> {
    check(opts)?;
    let mut dice = Dice::new(seed);
    let (w, h) = (opts.width as f32, opts.height as f32);
    let view = View::random(w, h, &mut dice);
    let light = Light::random(&mut dice);
    let lanes = dice.int(2, 4) as usize;
    let mut backdrop = Canvas::transparent(opts.width as usize, opts.height as usize);
    let mut street_dice = dice.fork();
    street::draw(&mut backdrop, &view, light, lanes, fonts, &mut street_dice);

    let n = *dice.weighted(&[(0usize, 0.1), (1, 0.45), (2, 0.3), (3, 0.15)]);
    let mut given = opts.plates.iter();
    let mut placed: Vec<Placed> = Vec::new();
    let k = w / 1280.0;
    for _ in 0..n {
        for _attempt in 0..16 {
            let pw = plate_width(&mut dice) * k;
            let z = view.distance_for_plate(pw);
            // Anywhere across the frame: at a long lens's distances the lanes beside the
            // camera's own are near the edges.
            let x = (w * dice.range(0.06, 0.94) - view.cx) * z / view.f;
            let front = dice.chance(0.25);
            let car = Car::random(&mut dice, front);
            let tilt = dice.normal() * 0.02;
            let quad = car.plate_quad(&view, x, z, tilt);
            if !inside(&quad, w, h, 3.0) {
                continue;
            }
            let clash = placed.iter().any(|p| {
                let other_quad = p.car.plate_quad(&view, p.x, p.z, p.tilt);
                if z < p.z {
                    overlaps(car.screen_box(&view, x, z), &other_quad)
                } else {
                    overlaps(p.car.screen_box(&view, p.x, p.z), &quad)
                }
            });
            if clash {
                continue;
            }
            let design = &DESIGNS[dice.index(DESIGNS.len())];
            placed.push(Placed {
                car,
                x,
                z,
                tilt,
                design,
                text: given.next().cloned(),
                art_seed: dice.int(0, i64::MAX) as u64,
            });
            break;
        }
    }
    let mut frame_dice = dice.fork();
    compose(
        fonts,
        backdrop,
        &view,
        light,
        &placed,
        opts,
        &mut frame_dice,
    )
}

/// Draws the cars far to near, each with its plate, then the camera; truth for each plate that
/// no nearer car covers.
fn compose(
    fonts: &FontLibrary,
    mut canvas: Canvas,
    view: &View,
    light: Light,
    placed: &[Placed],
    opts: &SceneOptions,
    dice: &mut Dice,
) -> Result<Scene, SynthError> {
    let (w, h) = (opts.width, opts.height);
    let mut order: Vec<&Placed> = placed.iter().collect();
    order.sort_by(|a, b| b.z.total_cmp(&a.z));
    let mut footprint = vec![0.0f32; (w * h) as usize];
    let mut truths: Vec<(f32, PlateTruth)> = Vec::new();
    let mut drawn: Vec<InkPixels> = Vec::new();
    let amb = light.ambient();
    for p in &order {
        p.car.draw(&mut canvas, view, p.x, p.z, light, fonts);
        let quad = p.car.plate_quad(view, p.x, p.z, p.tilt);
        let (qx0, _, qx1, _) = quad_bounds(&quad);
        let art_ph = ((qx1 - qx0) / 2.0 * 1.5).clamp(24.0, 360.0);
        let spec = PlateSpec {
            text: p.text.clone(),
            vanity_share: 0.08,
            frame_share: 0.3,
        };
        let mut art_dice = Dice::new(p.art_seed);
        let mut art = plate::draw(fonts, p.design, &spec, &mut art_dice, art_ph);
        // Each plate's own focus and motion, in artwork pixels (the artwork is 1.5x its size).
        let mut blur_dice = dice.fork();
        if blur_dice.chance(0.5 * opts.degrade) {
            filters::gaussian(&mut art.canvas, blur_dice.range(0.3, 1.8) * 1.5);
        }
        if blur_dice.chance(0.2 * opts.degrade) {
            filters::motion(
                &mut art.canvas,
                blur_dice.range(1.0, 6.0) * 1.5,
                blur_dice.normal() * 0.1,
            );
        }
        // Lit by daylight, or at night by the plate lamp and the patrol car's lights.
        let lit = if light == Light::Night {
            0.75
        } else {
            0.45 + 0.55 * amb
        };
        for px in art.canvas.px.iter_mut() {
            for c in px.iter_mut().take(3) {
                *c *= lit;
            }
        }
        let Some(to_frame) = Homography::between(&art.plate, &quad) else {
            continue;
        };
        let fp = super::warp::warp_onto(&mut canvas, &art.canvas, &to_frame);
        let truth = truth_of(&art, &to_frame, w, h);
        drawn.push(InkPixels::of(&truth, &fp, &canvas));
        for (a, b) in footprint.iter_mut().zip(fp) {
            *a = a.max(b);
        }
        truths.push((p.z, truth));
    }
    // The side of a nearer car reaches past its screen box and may cover part of a plate.
    for ((_, t), before) in truths.iter_mut().zip(&drawn) {
        t.hidden = before.share_drawn_over(&canvas);
    }
    // A plate is in the truth only if no nearer car's body covers it, and its registration is not
    // mostly hidden (by the side of a car in the next lane, which the body's box leaves out).
    let plates = truths
        .iter()
        .filter(|(z, t)| {
            t.hidden < MOSTLY_HIDDEN
                && !placed
                    .iter()
                    .any(|p| p.z < *z - 0.01 && overlaps(p.car.screen_box(view, p.x, p.z), &t.quad))
        })
        .map(|(_, t)| t.clone())
        .collect();
    let cam = Camera {
        strength: opts.degrade,
        scale: h as f32 / 720.0,
        night_share: if light == Light::Night { 0.6 } else { 0.0 },
        blur: true,
    };
    let (canvas, degradations) = degrade::apply(canvas, &footprint, cam, dice);
    Ok(Scene {
        image: canvas.to_rgb(),
        plates,
        degradations,
    })
}

/// A plate with this much of its registration drawn over is not in a frame's truth: nobody
/// could read it there, or tell it was a plate.
const MOSTLY_HIDDEN: f32 = 0.5;

/// The pixels of a plate's registration characters as the plate was drawn, to tell afterwards how
/// much of them later drawing covered.
struct InkPixels(Vec<(usize, [f32; 4])>);

impl InkPixels {
    /// A pixel of a character's box counts when the plate covers most of it.
    fn of(truth: &PlateTruth, footprint: &[f32], canvas: &Canvas) -> Self {
        let w = canvas.w;
        Self(
            truth
                .chars
                .iter()
                .flat_map(|c| {
                    let b = c.bbox;
                    (b.y..b.bottom()).flat_map(move |y| {
                        (b.x..b.right()).map(move |x| y as usize * w + x as usize)
                    })
                })
                .filter(|&i| footprint.get(i).is_some_and(|&f| f >= 0.5))
                .filter_map(|i| canvas.px.get(i).map(|&px| (i, px)))
                .collect(),
        )
    }

    /// The share of the pixels that differ now from when they were drawn.
    fn share_drawn_over(&self, canvas: &Canvas) -> f32 {
        let changed = self
            .0
            .iter()
            .filter(|(i, was)| {
                canvas
                    .px
                    .get(*i)
                    .is_some_and(|now| now.iter().zip(was).any(|(a, b)| (a - b).abs() > 0.02))
            })
            .count();
        changed as f32 / self.0.len().max(1) as f32
    }
}

fn inside(q: &Quad, w: f32, h: f32, margin: f32) -> bool {
    q.iter()
        .all(|p| p.x >= margin && p.y >= margin && p.x <= w - margin && p.y <= h - margin)
}

fn overlaps(b: [f32; 4], q: &Quad) -> bool {
    let (x0, y0, x1, y1) = quad_bounds(q);
    b[0] < x1 && x0 < b[2] && b[1] < y1 && y0 < b[3]
}

/// A car that drives through a sequence.
#[derive(Debug, Clone)]
struct Track {
    placed: Placed,
    start: usize,
    frames: usize,
    z_start: f32,
    z_end: f32,
}

/// Consecutive frames of cars driving past a parked camera, every given plate among them.
#[derive(Debug)]
pub struct SceneSequence<'f> {
    fonts: &'f FontLibrary,
    opts: SceneOptions,
    seed: u64,
    frames: usize,
    view: View,
    light: Light,
    backdrop: Canvas,
    tracks: Vec<Track>,
}

impl<'f> SceneSequence<'f> {
    /// Plans `frames` frames; each is rendered by [`SceneSequence::frame`].
    pub fn new(
        fonts: &'f FontLibrary,
        seed: u64,
        opts: &SceneOptions,
        frames: usize,
    ) -> Result<Self, SynthError> {
        check(opts)?;
        if frames == 0 {
            return Err(SynthError::BadOption(
                "a sequence needs at least one frame".into(),
            ));
        }
        let mut dice = Dice::new(seed);
        let (w, h) = (opts.width as f32, opts.height as f32);
        let mut view = View::random(w, h, &mut dice);
        // A fixed camera sees the plates at the sizes the recogniser is tuned for.
        view.f = w * dice.range(2.0, 2.4);
        let light = *dice.weighted(&[
            (Light::Day, 6.0),
            (Light::Overcast, 2.0),
            (Light::Dusk, 1.0),
            (Light::Night, 1.0),
        ]);
        let lanes = 3;
        let mut backdrop = Canvas::transparent(opts.width as usize, opts.height as usize);
        let mut street_dice = dice.fork();
        street::draw(&mut backdrop, &view, light, lanes, fonts, &mut street_dice);

        let k = w / 1280.0;
        let count = opts.plates.len().max(frames.div_ceil(12)).max(1);
        let spacing = frames as f32 / count as f32;
        // Lives overlap so two cars are often in view, rarely three.
        let life = (spacing * 1.8).clamp(8.0, 40.0).min(frames as f32) as usize;
        let mut tracks = Vec::with_capacity(count);
        for i in 0..count {
            let lane = [0.0f32, -1.0, 1.0][i % 3];
            let front = lane < 0.0 && dice.chance(0.5);
            // Each lane keeps to its third of the frame even where the car is nearest.
            let screen_x = w * (0.5 + lane * 0.3 + dice.jitter(0.05));
            let car = Car::random(&mut dice, front);
            let (near, far) = (dice.range(95.0, 150.0) * k, dice.range(50.0, 70.0) * k);
            let approaching = dice.chance(0.6);
            let (z_near, z_far) = (view.distance_for_plate(near), view.distance_for_plate(far));
            let (z_start, z_end) = if approaching {
                (z_far, z_near)
            } else {
                (z_near, z_far)
            };
            let start = ((i as f32 * spacing) as usize).min(frames.saturating_sub(life));
            let design = &DESIGNS[dice.index(DESIGNS.len())];
            tracks.push(Track {
                placed: Placed {
                    car,
                    x: (screen_x - view.cx) * z_near / view.f,
                    z: z_start,
                    tilt: dice.normal() * 0.02,
                    design,
                    text: opts.plates.get(i).cloned(),
                    art_seed: dice.int(0, i64::MAX) as u64,
                },
                start,
                frames: life,
                z_start,
                z_end,
            });
        }
        Ok(Self {
            fonts,
            opts: opts.clone(),
            seed,
            frames,
            view,
            light,
            backdrop,
            tracks,
        })
    }

    pub fn len(&self) -> usize {
        self.frames
    }

    pub fn is_empty(&self) -> bool {
        self.frames == 0
    }

    /// Frame `i` (0-based): frames render independently, in any order.
    pub fn frame(&self, i: usize) -> Result<Scene, SynthError> {
        let placed: Vec<Placed> = self
            .tracks
            .iter()
            .filter(|t| i >= t.start && i < t.start + t.frames)
            .map(|t| {
                let f = (i - t.start) as f32 / (t.frames.max(2) - 1) as f32;
                let mut p = t.placed.clone();
                p.z = t.z_start + (t.z_end - t.z_start) * f;
                p
            })
            .filter(|p| {
                inside(
                    &p.car.plate_quad(&self.view, p.x, p.z, p.tilt),
                    self.view.w,
                    self.view.h,
                    3.0,
                )
            })
            .collect();
        let mut dice = Dice::new(item_seed(self.seed, i as u64));
        compose(
            self.fonts,
            self.backdrop.clone(),
            &self.view,
            self.light,
            &placed,
            &self.opts,
            &mut dice,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::geometry::{PixelBox, rect_quad};
    use crate::synth::truth::CharTruth;

    fn one_char_plate(bbox: PixelBox) -> PlateTruth {
        let quad = rect_quad(0.0, 0.0, 1.0, 1.0);
        PlateTruth {
            text: "A".into(),
            state: "ca".into(),
            quad,
            bbox,
            chars: vec![CharTruth {
                ch: 'A',
                quad,
                bbox,
            }],
            stacked: Vec::new(),
            vanity: false,
            two_rows: false,
            hidden: 0.0,
        }
    }

    #[test]
    fn the_share_hidden_is_of_the_character_pixels_the_plate_drew_and_later_drawing_changed() {
        let mut canvas = Canvas::transparent(20, 10);
        for px in canvas.px.iter_mut() {
            *px = [0.9, 0.9, 0.8, 1.0];
        }
        // The plate covers the whole 8x4 box but for its left column.
        let bbox = PixelBox {
            x: 2,
            y: 2,
            w: 8,
            h: 4,
        };
        let mut footprint = vec![0.0; 200];
        for y in 2..6 {
            for x in 3..10 {
                footprint[y * 20 + x] = 1.0;
            }
        }
        let drawn = InkPixels::of(&one_char_plate(bbox), &footprint, &canvas);
        assert_eq!(drawn.share_drawn_over(&canvas), 0.0, "nothing drawn since");
        // A car's side paints over columns 3 to 5 of the plate's 7.
        for y in 0..10 {
            for x in 0..6 {
                canvas.px[y * 20 + x] = [0.2, 0.3, 0.5, 1.0];
            }
        }
        let share = drawn.share_drawn_over(&canvas);
        assert!((share - 3.0 / 7.0).abs() < 1e-6, "{share}");
    }
}
