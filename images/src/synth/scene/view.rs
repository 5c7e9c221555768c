//! The street camera: a pinhole looking down the road, in metres.

use super::super::geometry::Point;
use super::super::random::Dice;

/// A US plate is 12 by 6 inches.
pub(crate) const PLATE_WIDTH_M: f32 = 0.305;

#[derive(Debug, Clone, Copy)]
pub(crate) struct View {
    pub w: f32,
    pub h: f32,
    /// Focal length in pixels: ALPR cameras look through long lenses.
    pub f: f32,
    /// Image row of the horizon.
    pub horizon: f32,
    /// Image column straight ahead.
    pub cx: f32,
    /// Camera height above the road, metres.
    pub height: f32,
}

impl View {
    pub fn random(w: f32, h: f32, dice: &mut Dice) -> View {
        View {
            w,
            h,
            f: w * dice.range(1.7, 2.6),
            horizon: h * dice.range(0.22, 0.42),
            cx: w * dice.range(0.4, 0.6),
            height: dice.range(0.9, 1.5),
        }
    }

    /// Where a point `x` metres right, `y` up and `z` ahead lands.
    pub fn project(&self, x: f32, y: f32, z: f32) -> Point {
        let z = z.max(0.1);
        Point::new(
            self.cx + self.f * x / z,
            self.horizon + self.f * (self.height - y) / z,
        )
    }

    /// Pixels per metre at distance `z`.
    pub fn scale_at(&self, z: f32) -> f32 {
        self.f / z.max(0.1)
    }

    /// The distance at which a plate is `px` pixels wide.
    pub fn distance_for_plate(&self, px: f32) -> f32 {
        self.f * PLATE_WIDTH_M / px.max(1.0)
    }
}
