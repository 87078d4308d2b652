//! Keys, DIDs and proofs for Insignia credentials: Ed25519, P-256 and RSA keys,
//! did:key and did:web, W3C Data Integrity proofs, and JOSE (VC-JWT, OB 2.0 JWS).
//!
//! Architecture invariant: no network access. Resolving a did:web document or a
//! remote key is the verifier's job; this crate works on documents it is given.

pub mod data_integrity;
pub mod did;
pub mod jose;
pub mod jwk;
pub mod keys;
pub mod multikey;
