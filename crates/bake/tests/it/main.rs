#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! The integration tests of `insignia-bake`, one module per area, linked
//! into one test binary (one link instead of one per file).

mod common;
mod fixtures;
mod fuzz_regressions;
mod png;
mod prop;
mod svg;
