//! The integration tests of `insignia-verify`, one module per area, linked
//! into one test binary (one link instead of one per file).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod common;
mod online;
mod proof_sets_and_legacy;
mod samples;
mod spec_examples;
mod tampering;
mod verdicts;
