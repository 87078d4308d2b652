//! Random identifiers and secrets.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random, URL-safe identifier with `bytes` bytes of entropy (base58).
pub fn random_id(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    bs58::encode(buf).into_string()
}

/// The form a secret token (session, login link) is stored in: its SHA-256,
/// so a copy of the database does not hand out working sessions.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
