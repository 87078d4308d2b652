//! One module per check. Each reads the credential (and, for the status,
//! the fetched material) and returns its [`Check`](crate::report::Check);
//! none calls back into the proof paths above it.

pub(crate) mod contexts;
pub(crate) mod key_binding;
pub(crate) mod recipient;
pub(crate) mod schema;
pub mod status;
pub(crate) mod types;
pub(crate) mod validity;
