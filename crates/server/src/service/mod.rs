//! What the platform does, as plain async functions over the shared state:
//! the routes, the background workers and the APIs call these, and render
//! or serialise what they return. A service never builds HTTP responses.

pub mod accounts;
pub mod outbox;
