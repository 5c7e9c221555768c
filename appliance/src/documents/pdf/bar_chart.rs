//! Laying out a bar chart as vector shapes: horizontal bars from a zero line, labels on the left,
//! each value at its bar's end, and a value axis with round ticks and the unit below. Horizontal
//! bars keep long labels readable and let a chart of many bars continue on the next page.

use super::fonts::{Font, encode};
use super::layout::{
    BAR, BLACK, BLOCK_GAP, CONTENT_HEIGHT, CONTENT_WIDTH, Flow, GRID, LEFT, MUTED, TextStyle,
};
use super::wrap::truncate;
use crate::documents::chart::{Scale, drawn_value, format_value};
use crate::documents::text::normalize;

const TITLE: TextStyle = TextStyle {
    font: Font::Bold,
    size: 10.5,
    leading: 15.0,
    color: BLACK,
};
const LABEL: TextStyle = TextStyle {
    font: Font::Regular,
    size: 8.5,
    leading: ROW,
    color: BLACK,
};
const ROW: f32 = 15.0;
const BAR_HEIGHT: f32 = 9.5;
const TICK_SIZE: f32 = 7.5;
const UNIT_SIZE: f32 = 8.0;
/// Below the bars: tick labels, then the unit.
const AXIS_HEIGHT: f32 = 30.0;
/// Bars a page must have room for before the chart is split there rather than moved on.
const MIN_BARS_ON_A_PAGE: usize = 3;
const TEXT_GAP: f32 = 3.0;

pub(super) fn bar_chart(flow: &mut Flow, title: &str, unit: &str, bars: &[(String, f64)]) {
    flow.gap(6.0);
    let title = encode(&normalize(title));
    if bars.is_empty() {
        let height = if title.is_empty() { 1.0 } else { 2.0 } * TITLE.leading;
        flow.ensure(height);
        if !title.is_empty() {
            flow.text(LEFT, TITLE, title);
            flow.advance(TITLE.leading);
        }
        flow.text(
            LEFT,
            TextStyle {
                color: MUTED,
                ..LABEL
            },
            b"No data.".to_vec(),
        );
        flow.advance(ROW + BLOCK_GAP);
        return;
    }
    let chart = Chart::new(unit, bars);
    let whole = TITLE.leading + bars.len() as f32 * ROW + AXIS_HEIGHT;
    if whole <= CONTENT_HEIGHT {
        flow.ensure(whole);
    }
    let mut next = 0;
    while next < bars.len() {
        let fit = ((flow.remaining() - TITLE.leading - AXIS_HEIGHT) / ROW).floor();
        let fit = if fit >= 1.0 { fit as usize } else { 0 };
        if fit < MIN_BARS_ON_A_PAGE.min(bars.len() - next) && !flow.at_top() {
            flow.new_page();
            continue;
        }
        let count = fit.clamp(1, bars.len() - next);
        let mut segment_title = title.clone();
        if next > 0 {
            segment_title.extend_from_slice(b" (continued)");
        }
        flow.text(LEFT, TITLE, segment_title);
        flow.advance(TITLE.leading);
        chart.draw(flow, next..next + count);
        next += count;
    }
    flow.advance(BLOCK_GAP);
}

#[derive(Debug)]
struct Chart {
    scale: Scale,
    labels: Vec<Vec<u8>>,
    values: Vec<(f64, Vec<u8>)>,
    unit: Vec<u8>,
    label_width: f32,
    plot_left: f32,
    plot_right: f32,
}

impl Chart {
    fn new(unit: &str, bars: &[(String, f64)]) -> Chart {
        let labels: Vec<Vec<u8>> = bars.iter().map(|(l, _)| encode(&normalize(l))).collect();
        let values: Vec<(f64, Vec<u8>)> = bars
            .iter()
            .map(|(_, v)| (*v, encode(&format_value(*v))))
            .collect();
        let widest = |texts: &mut dyn Iterator<Item = &Vec<u8>>| {
            texts
                .map(|t| LABEL.font.width(t, LABEL.size))
                .fold(0.0, f32::max)
        };
        let label_width = (widest(&mut labels.iter()) + 2.0 * TEXT_GAP).min(CONTENT_WIDTH * 0.3);
        let value_width = (widest(&mut values.iter().map(|(_, t)| t)) + 2.0 * TEXT_GAP).min(100.0);
        let negative = bars.iter().any(|(_, v)| drawn_value(*v) < 0.0);
        let positive = bars.iter().any(|(_, v)| drawn_value(*v) >= 0.0);
        let labels = labels
            .iter()
            .map(|l| truncate(l, LABEL.font, LABEL.size, label_width - 2.0 * TEXT_GAP))
            .collect();
        Chart {
            scale: Scale::for_values(bars.iter().map(|(_, v)| *v)),
            labels,
            values,
            unit: encode(&normalize(unit)),
            label_width,
            plot_left: LEFT + label_width + if negative { value_width } else { TEXT_GAP },
            plot_right: LEFT + CONTENT_WIDTH - if positive { value_width } else { TEXT_GAP },
        }
    }

    fn x(&self, value: f64) -> f32 {
        self.plot_left + self.scale.fraction(value) as f32 * (self.plot_right - self.plot_left)
    }

    /// Draws bars `range` with their own axis, starting at the flow's `y`.
    fn draw(&self, flow: &mut Flow, range: std::ops::Range<usize>) {
        let top = flow.y();
        let bottom = top - range.len() as f32 * ROW;
        self.draw_grid(flow, top, bottom);
        let zero = self.x(0.0);
        for (row, i) in range.enumerate() {
            let row_top = top - row as f32 * ROW;
            let (Some(label), Some((value, text))) = (self.labels.get(i), self.values.get(i))
            else {
                continue;
            };
            let end = self.x(*value);
            flow.fill(
                zero.min(end),
                row_top - (ROW + BAR_HEIGHT) / 2.0,
                (end - zero).abs(),
                BAR_HEIGHT,
                BAR,
            );
            let label_right = LEFT + self.label_width - TEXT_GAP;
            let label_x = label_right - LABEL.font.width(label, LABEL.size);
            flow.text_at(label_x, row_top, LABEL, label.clone());
            let value_x = if drawn_value(*value) < 0.0 {
                end - TEXT_GAP - LABEL.font.width(text, LABEL.size)
            } else {
                end + TEXT_GAP
            };
            flow.text_at(value_x, row_top, LABEL, text.clone());
        }
        flow.line((zero, top), (zero, bottom), 0.8, BLACK);
        flow.line(
            (self.plot_left, bottom),
            (self.plot_right, bottom),
            0.8,
            BLACK,
        );
        if !self.unit.is_empty() {
            let width = Font::Regular.width(&self.unit, UNIT_SIZE);
            let x = (self.plot_left + self.plot_right - width) / 2.0;
            let style = TextStyle {
                font: Font::Regular,
                size: UNIT_SIZE,
                leading: 12.0,
                color: MUTED,
            };
            flow.text_at(x, bottom - 16.0, style, self.unit.clone());
        }
        flow.advance(top - bottom + AXIS_HEIGHT);
    }

    /// Gridlines and tick labels, skipping a label that would run into the one before it.
    fn draw_grid(&self, flow: &mut Flow, top: f32, bottom: f32) {
        let style = TextStyle {
            font: Font::Regular,
            size: TICK_SIZE,
            leading: 12.0,
            color: MUTED,
        };
        let mut last_label_end = f32::MIN;
        for tick in &self.scale.ticks {
            let x = self.x(*tick);
            flow.line((x, top), (x, bottom - 3.0), 0.5, GRID);
            let text = encode(&format_value(*tick));
            let width = style.font.width(&text, style.size);
            let left = x - width / 2.0;
            if left > last_label_end + 4.0 {
                flow.text_at(left, bottom - 2.0, style, text);
                last_label_end = left + width;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{Op, Page};
    use super::*;

    fn chart(bars: &[(String, f64)]) -> Vec<Page> {
        let mut flow = Flow::new();
        bar_chart(&mut flow, "Reads per month", "reads", bars);
        flow.into_pages()
    }

    fn fills(page: &Page) -> Vec<(f32, f32)> {
        page.ops
            .iter()
            .filter_map(|op| match op {
                Op::Fill { x, width, .. } => Some((*x, *width)),
                _ => None,
            })
            .collect()
    }

    fn texts(page: &Page) -> Vec<String> {
        page.ops
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(String::from_utf8_lossy(text).into_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn bars_are_proportional_and_grow_from_zero_both_ways() {
        let pages = chart(&[
            ("Jan".into(), 400.0),
            ("Feb".into(), 100.0),
            ("Mar".into(), 0.0),
            ("Apr".into(), -200.0),
        ]);
        let bars = fills(&pages[0]);
        assert_eq!(bars.len(), 4);
        let zero = bars[0].0;
        assert!((bars[0].1 / bars[1].1 - 4.0).abs() < 0.01, "{bars:?}");
        assert_eq!(bars[1].0, zero);
        assert_eq!(bars[2].1, 0.0);
        assert!(
            (bars[3].0 + bars[3].1 - zero).abs() < 0.01,
            "negative bar ends at zero"
        );
        assert!((bars[0].1 / bars[3].1 - 2.0).abs() < 0.01);
        let texts = texts(&pages[0]);
        for expected in ["Reads per month", "Jan", "Apr", "400", "-200", "0", "reads"] {
            assert!(
                texts.iter().any(|t| t == expected),
                "{expected} missing: {texts:?}"
            );
        }
    }

    #[test]
    fn a_long_chart_continues_on_the_next_page() {
        let bars: Vec<(String, f64)> = (0..100)
            .map(|i| (format!("day {i}"), f64::from(i)))
            .collect();
        let pages = chart(&bars);
        assert!(pages.len() >= 2);
        assert!(texts(&pages[1]).contains(&"Reads per month (continued)".to_string()));
        let drawn: usize = pages.iter().map(|p| fills(p).len()).sum();
        assert_eq!(drawn, 100);
    }

    #[test]
    fn empty_and_odd_charts_still_draw() {
        let pages = chart(&[]);
        assert_eq!(texts(&pages[0]), ["Reads per month", "No data."]);
        let pages = chart(&[("nan".into(), f64::NAN), ("big".into(), f64::MAX)]);
        assert!(texts(&pages[0]).contains(&"n/a".to_string()));
        for (x, width) in fills(&pages[0]) {
            assert!(x.is_finite() && width.is_finite() && x >= LEFT);
            assert!(x + width <= LEFT + CONTENT_WIDTH + 0.01);
        }
    }
}
