#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! The integration tests of `insignia-verify`, one module per area, linked
//! into one test binary (one link instead of one per file).

mod bad_input;
mod common;
mod conformance;
mod online;
mod presentation;
mod proof_sets_and_legacy;
mod samples;
mod spec_examples;
mod tampering;
mod verdicts;
