//! The designs of the plates each state and DC issue: what the renderer draws for a state.
//!
//! A design is a state's standard passenger plate as a camera sees it: colours, the printed
//! state name and slogan, scenery, an emblem, and the character patterns it issues. Specialty
//! and older plates are covered by varying these at render time, not by more rows.

mod table;

use super::colour::Rgb;

pub(crate) use table::DESIGNS;

/// The plate's ground colour.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Background {
    Plain(Rgb),
    /// Top to bottom.
    Vertical(Rgb, Rgb),
    /// Top, middle and bottom.
    Vertical3(Rgb, Rgb, Rgb),
}

/// Pictures printed behind the characters; positions in plate heights from the top-left.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scenery {
    Mountains { colour: Rgb, base: f32, height: f32 },
    Hills { colour: Rgb, base: f32, height: f32 },
    Trees { colour: Rgb, base: f32, height: f32 },
    Sun { colour: Rgb, u: f32, v: f32, r: f32 },
    Rainbow { v: f32 },
    Waves { colour: Rgb, base: f32 },
    Skyline { colour: Rgb, base: f32, height: f32 },
    Stars { colour: Rgb, v: f32 },
    Seal { colour: Rgb },
    Outline { colour: Rgb },
    Band { colour: Rgb, v0: f32, v1: f32 },
    Stripe { colour: Rgb, v: f32, thickness: f32 },
}

/// A state symbol drawn with the characters.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Emblem {
    Star(Rgb),
    Disc(Rgb),
    Zia(Rgb),
    Tree(Rgb),
    Shape(Rgb),
    Flag,
    Shield(Rgb),
    Horse(Rgb),
    Lighthouse(Rgb),
    Heart(Rgb),
    Diamond(Rgb),
}

/// Where the emblem goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmblemPlace {
    /// Between the two groups of characters.
    Gap,
    /// At the left end, the characters moved right.
    Left,
    /// Large and pale behind the characters.
    Behind,
}

/// How the two groups of a serial are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gap {
    None,
    Space,
    Dash,
    Dot,
    Emblem,
}

/// How the state's name is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderStyle {
    Serif,
    Sans,
    Script,
}

/// One state's plate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Design {
    /// Two-letter code, lower case.
    pub code: &'static str,
    pub name: &'static str,
    /// The name as printed.
    pub header: &'static str,
    pub header_style: HeaderStyle,
    pub header_colour: Rgb,
    /// Printed at the bottom, the slogan at the top.
    pub header_bottom: bool,
    pub slogans: &'static [&'static str],
    pub slogan_colour: Rgb,
    /// Prints a county name in a box (where the slogan would go) on some plates.
    pub counties: bool,
    pub text: Rgb,
    pub background: Background,
    pub scenery: &'static [Scenery],
    pub emblem: Option<(Emblem, EmblemPlace)>,
    /// `L` a letter, `9` a digit, `_` where the gap goes; a leading `*` marks a shape drawn for
    /// variety that the state does not issue (the recogniser fits readings only to the others).
    pub patterns: &'static [&'static str],
    pub gaps: &'static [Gap],
    /// Share of plates with raised (embossed) characters rather than flat print.
    pub embossed: f32,
    /// Share with small stacked letters at the left (not part of the registration).
    pub stacked: f32,
}

/// The two-letter codes of every design, lower case, in table order.
pub fn state_codes() -> Vec<&'static str> {
    DESIGNS.iter().map(|d| d.code).collect()
}

/// The registration patterns `code`'s state issues (`L` a letter, `9` a digit, `_` the gap);
/// none for a code without a design. The recogniser fits its readings to them.
pub fn issued_patterns(code: &str) -> Vec<&'static str> {
    design(code).map_or_else(Vec::new, |d| issued(d.patterns).collect())
}

/// Every state's issued patterns, for a plate whose state is not known.
pub fn all_issued_patterns() -> Vec<&'static str> {
    DESIGNS.iter().flat_map(|d| issued(d.patterns)).collect()
}

fn issued(patterns: &'static [&'static str]) -> impl Iterator<Item = &'static str> {
    patterns.iter().copied().filter(|p| !p.starts_with('*'))
}

/// A pattern as drawn: without the mark of a shape the state does not issue.
pub(crate) fn drawn(pattern: &str) -> &str {
    pattern.trim_start_matches('*')
}

pub(crate) fn design(code: &str) -> Option<&'static Design> {
    DESIGNS.iter().find(|d| d.code.eq_ignore_ascii_case(code))
}

/// County names as printed on county-name plates.
pub(crate) const COUNTIES: &[&str] = &[
    "JEFFERSON",
    "FRANKLIN",
    "WASHINGTON",
    "MONTGOMERY",
    "JACKSON",
    "MADISON",
    "LINCOLN",
    "MARION",
    "CLARK",
    "WARREN",
    "WAYNE",
    "GREENE",
    "UNION",
    "HAMILTON",
    "COLUMBIA",
    "DAVIDSON",
    "CLAYTON",
    "BOONE",
    "RANKIN",
    "LINN",
    "POLK",
    "KNOX",
    "SHELBY",
    "FULTON",
    "DOUGLAS",
    "ORANGE",
    "LAKE",
    "CLAY",
    "ADAMS",
    "MARSHALL",
    "HARRISON",
    "WARREN",
    "COBB",
    "DEKALB",
];
