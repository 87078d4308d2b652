//! insignia-proofs
