//! Secrets at rest: issuers' private keys are sealed with XChaCha20-Poly1305
//! under a master key that lives outside the database (a file in the data
//! directory, created with mode 0600, or the INSIGNIA_MASTER_KEY variable).

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore};

use crate::ServerError;

const FILE_NAME: &str = "master.key";
const VERSION: u8 = 1;

pub struct MasterKey(XChaCha20Poly1305, TokenKey);

/// Why a secret could not be sealed or opened (the cipher says no more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("sealing a secret failed")]
    Seal,
    #[error("a sealed secret is damaged")]
    Damaged,
    #[error("a sealed secret cannot be opened: wrong master key, or the record was altered")]
    Open,
}

/// A key derived from the master key for [`MasterKey::token_for`] (never
/// the sealing key itself).
struct TokenKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    /// From base64 text (32 bytes).
    pub fn from_base64(text: &str) -> Result<MasterKey, ServerError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| ServerError::Config("the master key is not base64".into()))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| ServerError::Config("the master key must be 32 bytes".into()))?;
        use sha2::Digest as _;
        let mut derive = sha2::Sha256::new();
        derive.update(b"insignia token key v1\0");
        derive.update(key);
        let token_key = TokenKey(derive.finalize().into());
        Ok(MasterKey(XChaCha20Poly1305::new(&key.into()), token_key))
    }

    /// Reads `dir/master.key`, creating it (mode 0600) on first run.
    pub fn load_or_create(dir: &Path) -> Result<MasterKey, ServerError> {
        let path = dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => return MasterKey::from_base64(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ServerError::Io(format!("reading {}", path.display()), e)),
        }
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        let text = STANDARD.encode(key);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options
            .open(&path)
            .map_err(|e| ServerError::Io(format!("creating {}", path.display()), e))?;
        file.write_all(text.as_bytes())
            .map_err(|e| ServerError::Io(format!("writing {}", path.display()), e))?;
        tracing::info!(
            "generated a new master key in {}; back it up with the database",
            path.display()
        );
        MasterKey::from_base64(&text)
    }

    /// Seals `secret`; `context` (e.g. the issuer and key number) is bound to
    /// the ciphertext so a sealed key cannot be moved to another record.
    pub fn seal(&self, secret: &[u8], context: &str) -> Result<Vec<u8>, ServerError> {
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Seal)?;
        let mut out = Vec::with_capacity(1 + 24 + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// A link token that only this installation can make, the same every
    /// time for the same `purpose` and `id` (HMAC-SHA256 under a key derived
    /// from the master key; 256 bits, base58). A message retried after a
    /// crash thus carries the same link as the copy that may already have
    /// gone, and the clear token is never stored: the database keeps only
    /// its hash, and making it again needs the master key.
    pub fn token_for(&self, purpose: &str, id: &str) -> String {
        use hmac::Mac as _;
        let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&self.1.0)
            .expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(id.as_bytes());
        let tag = mac.finalize().into_bytes();
        bs58::encode(tag).into_string()
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, ServerError> {
        if sealed.len() < 25 || sealed[0] != VERSION {
            return Err(SecretError::Damaged.into());
        }
        self.0
            .decrypt(
                XNonce::from_slice(&sealed[1..25]),
                Payload {
                    msg: &sealed[25..],
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Open.into())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn seal_open_and_context_binding() {
        let dir = tempfile::tempdir().unwrap();
        let key = MasterKey::load_or_create(dir.path()).unwrap();
        let again = MasterKey::load_or_create(dir.path()).unwrap();
        let sealed = key.seal(b"secret", "issuer-1/key-1").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(again.open(&sealed, "issuer-1/key-1").unwrap(), b"secret");
        assert!(key.open(&sealed, "issuer-2/key-1").is_err());
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(key.open(&tampered, "issuer-1/key-1").is_err());
        // Link tokens: the same for the same message, different otherwise,
        // and unlike another installation's.
        let token = key.token_for("claim", "message-1");
        assert_eq!(token, again.token_for("claim", "message-1"));
        assert!(token.len() >= 40 && token.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(token, key.token_for("claim", "message-2"));
        assert_ne!(token, key.token_for("reset", "message-1"));
        let other = MasterKey::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
        assert_ne!(token, other.token_for("claim", "message-1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
