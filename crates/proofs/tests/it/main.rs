#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
//! The integration tests of `insignia-proofs`, one module per area, linked
//! into one test binary (one link instead of one per file).

mod chains;
mod data_integrity_vectors;
mod did;
mod jose;
mod keys;
