//! The compliance suite: one test per requirement of each seed policy (policies/README.md names
//! them), each run under that agency's policy file.
//!
//! `checks` holds one function per requirement shared by several agencies, parameterised by the
//! policy id; each agency's module has one `#[test]` per row of its catalogue table, which checks
//! what the policy file says against the policy's own words and then calls the checks.

mod checks;

mod clinton;
mod coralville;
mod coronado;
mod kentucky;
mod parsons;
