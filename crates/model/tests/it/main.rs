#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! The integration tests of `insignia-model`, one module per area, linked
//! into one test binary (one link instead of one per file).

mod dates;
mod identity;
mod ob2_model;
mod odd_input;
mod project_example;
mod round_trip;
mod schema_ob2;
mod schema_ob3;
mod vc_rules;
