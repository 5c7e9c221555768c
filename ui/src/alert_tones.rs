//! The audible alert, made in code (no sound files): a tone pattern per priority, so an officer
//! who is not looking at the screen knows how urgent a hit is, repeated until someone
//! acknowledges it. Playback (rodio) takes the samples rendered here.

use std::time::{Duration, Instant};

/// Samples per second of rendered tones.
pub const SAMPLE_RATE: u32 = 22_050;

/// How urgent the alert is, from the hot-list entry's priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertLevel {
    Low,
    Normal,
    High,
    Critical,
}

impl AlertLevel {
    /// From a priority as the store keeps it (`low`, `normal`, `high`, `critical`); anything
    /// else sounds as normal rather than not at all.
    pub fn from_priority(priority: &str) -> Self {
        match priority {
            "low" => AlertLevel::Low,
            "high" => AlertLevel::High,
            "critical" => AlertLevel::Critical,
            _ => AlertLevel::Normal,
        }
    }

    /// The beeps of one sounding, in order.
    pub fn pattern(self) -> &'static [Beep] {
        match self {
            AlertLevel::Low => LOW,
            AlertLevel::Normal => NORMAL,
            AlertLevel::High => HIGH,
            AlertLevel::Critical => CRITICAL,
        }
    }

    /// How often the pattern sounds again until acknowledged (`None`: once).
    pub fn repeat_every(self) -> Option<Duration> {
        match self {
            AlertLevel::Low => None,
            AlertLevel::Normal => Some(Duration::from_secs(10)),
            AlertLevel::High => Some(Duration::from_secs(5)),
            AlertLevel::Critical => Some(Duration::from_secs(2)),
        }
    }
}

/// One beep and the silence after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Beep {
    pub hz: f32,
    pub ms: u32,
    pub gap_ms: u32,
}

const fn beep(hz: f32, ms: u32, gap_ms: u32) -> Beep {
    Beep { hz, ms, gap_ms }
}

const LOW: &[Beep] = &[beep(660.0, 150, 0)];
const NORMAL: &[Beep] = &[beep(880.0, 150, 100), beep(880.0, 150, 0)];
const HIGH: &[Beep] = &[
    beep(1046.5, 120, 80),
    beep(1046.5, 120, 80),
    beep(1046.5, 120, 0),
];
/// Two tones alternating, like a siren: unmistakable for anything else in the car.
const CRITICAL: &[Beep] = &[
    beep(987.8, 120, 30),
    beep(1318.5, 120, 30),
    beep(987.8, 120, 30),
    beep(1318.5, 120, 30),
    beep(987.8, 120, 30),
    beep(1318.5, 120, 0),
];

/// Fade in and out over this long: a tone that starts or stops at full amplitude clicks.
const FADE_MS: u32 = 5;

/// Mono 16-bit samples of one sounding of `level`, at `SAMPLE_RATE`.
pub fn render(level: AlertLevel) -> Vec<i16> {
    let per_ms = SAMPLE_RATE as f32 / 1000.0;
    let mut out = Vec::new();
    for beep in level.pattern() {
        let n = (beep.ms as f32 * per_ms) as usize;
        let fade = ((FADE_MS as f32 * per_ms) as usize).max(1);
        for i in 0..n {
            let t = i as f32 / SAMPLE_RATE as f32;
            let edge = i.min(n - 1 - i);
            let envelope = if edge < fade {
                0.5 - 0.5 * (std::f32::consts::PI * edge as f32 / fade as f32).cos()
            } else {
                1.0
            };
            let s = (2.0 * std::f32::consts::PI * beep.hz * t).sin() * envelope * 0.8;
            out.push((s * f32::from(i16::MAX)) as i16);
        }
        out.extend(std::iter::repeat_n(
            0,
            (beep.gap_ms as f32 * per_ms) as usize,
        ));
    }
    out
}

/// An alert sounding until acknowledged.
#[derive(Debug, Clone)]
pub struct Alarm {
    level: AlertLevel,
    last: Option<Instant>,
    acknowledged: bool,
}

impl Alarm {
    pub fn new(level: AlertLevel) -> Self {
        Self {
            level,
            last: None,
            acknowledged: false,
        }
    }

    pub fn level(&self) -> AlertLevel {
        self.level
    }

    /// Whether the pattern should sound at `now` (and, if so, counts it as sounded).
    pub fn due(&mut self, now: Instant) -> bool {
        if self.acknowledged {
            return false;
        }
        let due = match (self.last, self.level.repeat_every()) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(last), Some(every)) => now.duration_since(last) >= every,
        };
        if due {
            self.last = Some(now);
        }
        due
    }

    /// The officer has seen it: silence from now on.
    pub fn acknowledge(&mut self) {
        self.acknowledged = true;
    }

    /// A more urgent hit while this one sounds takes over its tones.
    pub fn escalate(&mut self, level: AlertLevel) {
        if level > self.level {
            self.level = level;
            self.last = None;
            self.acknowledged = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative power of `hz` in `samples` (Goertzel).
    fn power(samples: &[i16], hz: f32) -> f32 {
        let k = 2.0 * (2.0 * std::f32::consts::PI * hz / SAMPLE_RATE as f32).cos();
        let (mut s1, mut s2) = (0f32, 0f32);
        for &x in samples {
            let s0 = f32::from(x) / f32::from(i16::MAX) + k * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        (s1 * s1 + s2 * s2 - k * s1 * s2) / samples.len() as f32
    }

    #[test]
    fn each_level_sounds_at_its_own_pitches_and_nowhere_else() {
        for level in [
            AlertLevel::Low,
            AlertLevel::Normal,
            AlertLevel::High,
            AlertLevel::Critical,
        ] {
            let samples = render(level);
            let total_ms: u32 = level.pattern().iter().map(|b| b.ms + b.gap_ms).sum();
            assert_eq!(
                samples.len(),
                level
                    .pattern()
                    .iter()
                    .map(|b| (b.ms as f32 * 22.05) as usize + (b.gap_ms as f32 * 22.05) as usize)
                    .sum::<usize>(),
                "{level:?}: {total_ms} ms"
            );
            let own: f32 = level.pattern().iter().map(|b| power(&samples, b.hz)).sum();
            for other in [440.0, 660.0, 880.0, 1046.5, 987.8, 1318.5] {
                if level.pattern().iter().any(|b| b.hz == other) {
                    continue;
                }
                assert!(
                    power(&samples, other) * 20.0 < own,
                    "{level:?} sounds at {other} Hz too"
                );
            }
        }
    }

    #[test]
    fn beeps_fade_in_and_out_so_they_do_not_click() {
        let s = render(AlertLevel::Normal);
        assert!(
            s[0].unsigned_abs() < 100 && s[1].unsigned_abs() < 2000,
            "{:?}",
            &s[..4]
        );
        let beep = (150.0 * 22.05) as usize;
        assert!(s[beep - 1].unsigned_abs() < 2000, "{}", s[beep - 1]);
        assert!(s.iter().any(|&x| x.unsigned_abs() > 20_000), "loud enough");
    }

    #[test]
    fn an_alarm_repeats_until_acknowledged_and_a_worse_hit_takes_over() {
        let t0 = Instant::now();
        let mut a = Alarm::new(AlertLevel::High);
        assert!(a.due(t0));
        assert!(!a.due(t0 + Duration::from_secs(4)));
        assert!(a.due(t0 + Duration::from_secs(5)));
        a.acknowledge();
        assert!(!a.due(t0 + Duration::from_secs(60)));
        a.escalate(AlertLevel::Critical);
        assert!(
            a.due(t0 + Duration::from_secs(61)),
            "a critical hit sounds at once"
        );
        assert!(a.due(t0 + Duration::from_secs(63)));
        let mut low = Alarm::new(AlertLevel::from_priority("low"));
        assert!(low.due(t0));
        assert!(
            !low.due(t0 + Duration::from_secs(3600)),
            "a low alert sounds once"
        );
        assert_eq!(AlertLevel::from_priority("bogus"), AlertLevel::Normal);
    }
}
