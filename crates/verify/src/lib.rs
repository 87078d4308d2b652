//! insignia-verify
