//! `alpr demo`: a simulated patrol on embedded defaults.
//!
//! A recorded smart-camera feed and a recorded NMEA route (both made by [`generate`], shipped in
//! `appliance/demo/` and embedded in the binary) replay through the real pipeline into a store;
//! a local headquarters store hands the car its hot list and takes the car's reads and hits, by
//! cr-sqlite change exchange.

pub mod generate;
mod patrol;
mod street;

pub use patrol::{
    DEMO_MEMBERS, DEMO_PASSWORD, DEMO_POLICY, DemoOptions, DemoReport, run_demo, seed_members,
};

/// The recorded feed, route and hot list, as shipped.
pub const FEED: &str = include_str!("../../demo/feed.jsonl");
pub const ROUTE: &str = include_str!("../../demo/route.nmea");
pub const HOTLIST: &str = include_str!("../../demo/hotlist.csv");

/// The demo hot list's name at headquarters.
pub const HOTLIST_ID: &str = "demo-stolen-wanted";
