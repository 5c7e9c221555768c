//! What the renderers share about bar charts — how a value is written and where the axis runs — so
//! a chart shows the same numbers in Markdown, HTML and PDF.

/// Counts and rates in these documents never come near this; clamping to it keeps every coordinate
/// finite (and within f32) whatever a caller passes.
const GEOMETRY_LIMIT: f64 = 1e12;

/// Most ticks an axis gets, whatever the arithmetic says.
const MAX_TICKS: usize = 12;

/// A value as a reader expects it: thousands separated, at most two decimals, "n/a" for NaN.
pub(crate) fn format_value(value: f64) -> String {
    if value.is_nan() {
        return "n/a".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.into();
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs();
    if !(0.005..1e15).contains(&magnitude) {
        return format!("{value:.2e}");
    }
    let fixed = format!("{magnitude:.2}");
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let fraction = fraction.trim_end_matches('0');
    let mut out = String::new();
    if value < 0.0 {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// `value` as drawn: finite and bounded; what is shown as text is [`format_value`] of the original.
pub(crate) fn drawn_value(value: f64) -> f64 {
    if value.is_finite() {
        value.clamp(-GEOMETRY_LIMIT, GEOMETRY_LIMIT)
    } else {
        0.0
    }
}

/// The value axis of a bar chart: always includes zero, ends on round numbers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scale {
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<f64>,
}

impl Scale {
    pub(crate) fn for_values(values: impl IntoIterator<Item = f64>) -> Scale {
        let (mut low, mut high) = (0.0_f64, 0.0_f64);
        for value in values.into_iter().map(drawn_value) {
            low = low.min(value);
            high = high.max(value);
        }
        if high - low <= 0.0 {
            high = 1.0;
        }
        let step = nice_step((high - low) / 4.0);
        if !(step > 0.0 && step.is_finite()) {
            return Scale {
                min: low,
                max: high,
                ticks: vec![low, high],
            };
        }
        let min = (low / step).floor() * step;
        let max = (high / step).ceil() * step;
        let intervals = ((max - min) / step).round().clamp(1.0, MAX_TICKS as f64) as usize;
        let ticks = (0..=intervals).map(|i| min + step * i as f64).collect();
        Scale { min, max, ticks }
    }

    /// Where `value` falls along the axis, 0.0 at `min` and 1.0 at `max`.
    pub(crate) fn fraction(&self, value: f64) -> f64 {
        let span = self.max - self.min;
        if span > 0.0 {
            ((drawn_value(value) - self.min) / span).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// The round number (1, 2 or 5 times a power of ten) at or above `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    let mantissa = raw / power;
    let nice = if mantissa <= 1.0 {
        1.0
    } else if mantissa <= 2.0 {
        2.0
    } else if mantissa <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_for_readers() {
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(-0.0), "0");
        assert_eq!(format_value(7.0), "7");
        assert_eq!(format_value(1234.0), "1,234");
        assert_eq!(format_value(-1234567.0), "-1,234,567");
        assert_eq!(format_value(123456.0), "123,456");
        assert_eq!(format_value(12.5), "12.5");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(2.0 / 3.0), "0.67");
        assert_eq!(format_value(f64::NAN), "n/a");
        assert_eq!(format_value(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_value(1e20), "1.00e20");
        assert_eq!(format_value(0.0001), "1.00e-4");
    }

    #[test]
    fn the_axis_includes_zero_and_ends_on_round_numbers() {
        let scale = Scale::for_values([120.0, 340.0, 95.0]);
        assert_eq!(scale.min, 0.0);
        assert_eq!(scale.max, 400.0);
        assert_eq!(scale.ticks, vec![0.0, 100.0, 200.0, 300.0, 400.0]);

        let scale = Scale::for_values([-30.0, 45.0]);
        assert_eq!((scale.min, scale.max), (-40.0, 60.0));
        assert!(scale.ticks.contains(&0.0));
        assert!((scale.fraction(0.0) - 0.4).abs() < 1e-9);
    }

    #[test]
    fn degenerate_values_still_give_a_usable_axis() {
        for values in [
            vec![],
            vec![0.0, 0.0],
            vec![f64::NAN, f64::INFINITY],
            vec![f64::MAX, f64::MIN],
            vec![5e-324],
            vec![-1e-300],
        ] {
            let scale = Scale::for_values(values.clone());
            assert!(scale.min <= 0.0 && scale.max >= 0.0, "{values:?}");
            assert!(scale.max > scale.min, "{values:?}: {scale:?}");
            assert!(
                (2..=MAX_TICKS + 1).contains(&scale.ticks.len()),
                "{values:?}"
            );
            assert!(scale.ticks.windows(2).all(|w| w[0] < w[1]), "{values:?}");
            for value in values {
                assert!((0.0..=1.0).contains(&scale.fraction(value)));
            }
        }
    }
}
