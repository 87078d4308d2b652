//! insignia-ld
