//! insignia-model
