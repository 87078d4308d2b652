#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! The integration tests of `insignia-ld`, one module per area, linked
//! into one test binary (one link instead of one per file).

mod canon_limits;
mod differential;
mod expand;
mod json_ld_api;
mod rdf_canon_suite;
