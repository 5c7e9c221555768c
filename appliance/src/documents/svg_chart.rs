//! A bar chart as inline SVG for the HTML rendering: horizontal bars from a zero line, labels on
//! the left, each value at its bar's end, and a value axis with round ticks below.

use std::fmt::Write;

use super::chart::{Scale, drawn_value, format_value};
use super::html::escape;

const WIDTH: f64 = 640.0;
/// SVG text cannot be measured here, so columns are sized from character counts at roughly the
/// average advance of 12px Helvetica.
const CHAR_WIDTH: f64 = 7.0;
const MAX_LABEL_WIDTH: f64 = 170.0;
const MAX_VALUE_WIDTH: f64 = 90.0;
const SIDE_GAP: f64 = 10.0;
const TOP: f64 = 6.0;
const ROW: f64 = 22.0;
const BAR: f64 = 14.0;
const AXIS: f64 = 40.0;
/// Long labels are cut to this many characters; the tooltip keeps them whole.
const LABEL_CHARS: usize = 26;

pub(super) fn render(title: &str, unit: &str, bars: &[(String, f64)]) -> String {
    let scale = Scale::for_values(bars.iter().map(|(_, v)| *v));
    let negative = bars.iter().any(|(_, v)| drawn_value(*v) < 0.0);
    let positive = bars.iter().any(|(_, v)| drawn_value(*v) >= 0.0);
    let chars = |count: usize| count as f64 * CHAR_WIDTH + SIDE_GAP;
    let label_width = chars(
        bars.iter()
            .map(|(l, _)| shorten(l).chars().count())
            .max()
            .unwrap_or(0),
    )
    .min(MAX_LABEL_WIDTH);
    let values: Vec<String> = bars.iter().map(|(_, v)| format_value(*v)).collect();
    let value_width = chars(values.iter().map(String::len).max().unwrap_or(0)).min(MAX_VALUE_WIDTH);
    let plot_left = label_width + if negative { value_width } else { SIDE_GAP };
    let plot_right = WIDTH - if positive { value_width } else { SIDE_GAP };
    let x = |value: f64| plot_left + scale.fraction(value) * (plot_right - plot_left);
    let plot_bottom = TOP + ROW * bars.len() as f64;
    let height = plot_bottom + AXIS;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" \
         height=\"{height}\" role=\"img\" aria-label=\"{}\" font-family=\"Helvetica, Arial, sans-serif\" \
         font-size=\"12\">",
        escape(title)
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));

    for tick in &scale.ticks {
        let tx = x(*tick);
        let _ = writeln!(
            out,
            "<line x1=\"{tx:.1}\" y1=\"{TOP}\" x2=\"{tx:.1}\" y2=\"{bottom:.1}\" stroke=\"#dddddd\"/>\
             <text x=\"{tx:.1}\" y=\"{label_y:.1}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#444444\">{}</text>",
            escape(&format_value(*tick)),
            bottom = plot_bottom + 4.0,
            label_y = plot_bottom + 17.0,
        );
    }

    let zero = x(0.0);
    for (i, ((label, value), text)) in bars.iter().zip(&values).enumerate() {
        let row_top = TOP + ROW * i as f64;
        let baseline = row_top + ROW / 2.0 + 4.0;
        let end = x(*value);
        let text = escape(text);
        let _ = writeln!(
            out,
            "<g><title>{}: {text}{}</title>\
             <rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"#2f5d8a\"/></g>",
            escape(label),
            if unit.is_empty() {
                String::new()
            } else {
                format!(" {}", escape(unit))
            },
            zero.min(end),
            row_top + (ROW - BAR) / 2.0,
            (end - zero).abs(),
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{baseline:.1}\" text-anchor=\"end\">{}</text>",
            label_width - 6.0,
            escape(&shorten(label)),
        );
        let (value_x, anchor) = if drawn_value(*value) < 0.0 {
            (end - 4.0, "end")
        } else {
            (end + 4.0, "start")
        };
        let _ = writeln!(
            out,
            "<text x=\"{value_x:.1}\" y=\"{baseline:.1}\" text-anchor=\"{anchor}\">{text}</text>"
        );
    }

    let _ = writeln!(
        out,
        "<line x1=\"{zero:.1}\" y1=\"{TOP}\" x2=\"{zero:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"#222222\"/>\
         <line x1=\"{plot_left:.1}\" y1=\"{plot_bottom:.1}\" x2=\"{plot_right:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"#222222\"/>"
    );
    if !unit.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#444444\">{}</text>",
            (plot_left + plot_right) / 2.0,
            height - 6.0,
            escape(unit)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_string();
    }
    let mut short: String = label.chars().take(LABEL_CHARS - 1).collect();
    short.push('\u{2026}');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars() -> Vec<(String, f64)> {
        vec![
            ("Jan".into(), 1200.0),
            ("Feb".into(), 0.0),
            ("Mar".into(), -300.0),
            ("Apr".into(), f64::NAN),
        ]
    }

    #[test]
    fn every_bar_has_a_rectangle_a_label_and_its_value() {
        let svg = render("Reads per month", "reads", &bars());
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 4);
        for text in [
            ">Jan</text>",
            ">Feb</text>",
            ">1,200</text>",
            ">-300</text>",
            ">n/a</text>",
        ] {
            assert!(svg.contains(text), "{text} missing from {svg}");
        }
        assert!(svg.contains("<title>Jan: 1,200 reads</title>"));
        assert!(svg.contains(">reads</text>"));
    }

    #[test]
    fn bars_grow_from_the_zero_line_both_ways() {
        let svg = render("", "", &bars());
        let rects: Vec<(f64, f64)> = svg
            .match_indices("<rect class=\"bar\" x=\"")
            .map(|(at, m)| {
                let rest = &svg[at + m.len()..];
                let number = |from: &str| -> f64 {
                    let s = &rest[rest.find(from).map_or(0, |i| i + from.len())..];
                    s[..s.find('"').unwrap_or(0)].parse().unwrap_or(f64::NAN)
                };
                (
                    rest[..rest.find('"').unwrap_or(0)]
                        .parse()
                        .unwrap_or(f64::NAN),
                    number("width=\""),
                )
            })
            .collect();
        let zero = rects[1].0;
        assert_eq!(rects[1].1, 0.0, "a zero bar has no width");
        assert!(
            (rects[0].0 - zero).abs() < 0.05 && rects[0].1 > 0.0,
            "positive starts at zero"
        );
        assert!(
            (rects[2].0 + rects[2].1 - zero).abs() < 0.15 && rects[2].1 > 0.0,
            "negative ends at zero"
        );
        assert!(rects[0].1 > 3.0 * rects[2].1, "1200 is four times 300");
    }

    #[test]
    fn long_labels_are_cut_and_kept_whole_in_the_tooltip() {
        let label = "A very long label for one particular month of the year".to_string();
        let svg = render("t", "", &[(label.clone(), 1.0)]);
        assert!(svg.contains(&format!("<title>{label}: 1</title>")));
        assert!(svg.contains(">A very long label for one\u{2026}</text>"));
    }
}
