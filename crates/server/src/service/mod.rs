//! Behaviour shared by routes, workers and a future API: plain async
//! functions taking the application state.

pub mod accounts;
