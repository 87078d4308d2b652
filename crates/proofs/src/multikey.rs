//! Multikey encoding (Controlled Identifiers / Data Integrity "Multikey"):
//! `z` + base58btc(multicodec varint ‖ raw key bytes).
//!
//! | key                | multicodec | varint      | key bytes                   | prefix  |
//! |--------------------|------------|-------------|-----------------------------|---------|
//! | Ed25519 public     | `0xed`     | `0xed 0x01` | 32                          | `z6Mk`  |
//! | P-256 public       | `0x1200`   | `0x80 0x24` | 33 (compressed SEC1 point)  | `zDn`   |
//! | Ed25519 secret     | `0x1300`   | `0x80 0x26` | 32 (seed)                   | `z3u2`  |
//! | P-256 secret       | `0x1306`   | `0x86 0x26` | 32 (big-endian scalar)      | `z42t`  |
//!
//! The secret forms appear in the W3C test vectors (`secretKeyMultibase`);
//! Insignia itself stores private keys as JWK files (see [`KeyPair::save`]).

use zeroize::Zeroizing;

use crate::keys::{Algorithm, KeyError, KeyPair, PublicKey};

/// Multicodec code of an Ed25519 public key.
pub const ED25519_PUB: u64 = 0xed;
/// Multicodec code of a P-256 public key.
pub const P256_PUB: u64 = 0x1200;
/// Multicodec code of an Ed25519 private key.
pub const ED25519_PRIV: u64 = 0x1300;
/// Multicodec code of a P-256 private key.
pub const P256_PRIV: u64 = 0x1306;

/// Encodes `value` as an unsigned LEB128 varint (multiformats unsigned-varint).
pub fn encode_varint(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Decodes an unsigned varint at the start of `bytes`: the value and the
/// number of bytes it used. Refuses over-long (non-minimal) encodings and
/// values above 2^63, as the multiformats spec requires.
pub fn decode_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(9) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            // A final zero byte after the first means a padded encoding.
            if i > 0 && byte == 0 {
                return None;
            }
            return Some((value, i + 1));
        }
    }
    None
}

/// `z` + base58btc(varint(code) ‖ key).
pub fn encode_multikey(code: u64, key: &[u8]) -> String {
    let mut bytes = Zeroizing::new(Vec::with_capacity(key.len() + 3));
    encode_varint(code, &mut bytes);
    bytes.extend_from_slice(key);
    format!("z{}", bs58::encode(bytes.as_slice()).into_string())
}

/// Splits a `z…` multibase Multikey value into its multicodec code and key bytes.
pub fn decode_multikey(multibase: &str) -> Result<(u64, Zeroizing<Vec<u8>>), KeyError> {
    let Some(b58) = multibase.strip_prefix('z') else {
        return Err(KeyError::InvalidMultibase(match multibase.chars().next() {
            None => "empty value".into(),
            Some(c) => format!("expected base58btc (\"z\" prefix), found prefix \"{c}\""),
        }));
    };
    let bytes = bs58::decode(b58)
        .into_vec()
        .map(Zeroizing::new)
        .map_err(|_| KeyError::InvalidMultibase("not valid base58btc".into()))?;
    let (code, used) = decode_varint(&bytes)
        .ok_or_else(|| KeyError::InvalidMultibase("no valid multicodec prefix".into()))?;
    let key = Zeroizing::new(bytes[used..].to_vec());
    Ok((code, key))
}

fn expect_len(what: &str, bytes: &[u8], len: usize) -> Result<(), KeyError> {
    if bytes.len() != len {
        return Err(KeyError::InvalidMultibase(format!(
            "{what} must be {len} bytes, found {}",
            bytes.len()
        )));
    }
    Ok(())
}

impl PublicKey {
    /// The Multikey `publicKeyMultibase` value: `z6Mk…` (Ed25519) or
    /// `zDn…` (P-256, compressed point). RSA keys have none here.
    pub fn to_multibase(&self) -> Result<String, KeyError> {
        match self {
            PublicKey::Ed25519(k) => Ok(encode_multikey(ED25519_PUB, k.as_bytes())),
            PublicKey::P256(k) => Ok(encode_multikey(
                P256_PUB,
                k.to_encoded_point(true).as_bytes(),
            )),
            PublicKey::Rsa(_) => Err(KeyError::NoMultikey(Algorithm::Rsa)),
        }
    }

    /// Reads a Multikey `publicKeyMultibase` value (Ed25519 or P-256; a P-256
    /// point may be compressed or uncompressed). Secret-key codes are refused.
    pub fn from_multibase(multibase: &str) -> Result<Self, KeyError> {
        let (code, key) = decode_multikey(multibase)?;
        match code {
            ED25519_PUB => {
                expect_len("an Ed25519 public key", &key, 32)?;
                let mut raw = [0u8; 32];
                raw.copy_from_slice(&key);
                ed25519_dalek::VerifyingKey::from_bytes(&raw)
                    .map(PublicKey::Ed25519)
                    .map_err(|_| {
                        KeyError::InvalidMultibase("not a valid Ed25519 public key".into())
                    })
            }
            P256_PUB => {
                if key.len() != 33 && key.len() != 65 {
                    return Err(KeyError::InvalidMultibase(format!(
                        "a P-256 public key must be 33 (compressed) or 65 bytes, found {}",
                        key.len()
                    )));
                }
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&key)
                    .map(PublicKey::P256)
                    .map_err(|_| KeyError::InvalidMultibase("not a point on P-256".into()))
            }
            ED25519_PRIV | P256_PRIV => Err(KeyError::InvalidMultibase(
                "this is a secret key, not a public key".into(),
            )),
            other => Err(KeyError::InvalidMultibase(format!(
                "unsupported key type (multicodec 0x{other:x}); supported: Ed25519, P-256"
            ))),
        }
    }
}

impl KeyPair {
    /// Reads a Multikey `secretKeyMultibase` value (Ed25519 seed `0x1300` or
    /// P-256 scalar `0x1306`), as found in the W3C Data Integrity test vectors.
    pub fn from_secret_multibase(multibase: &str) -> Result<Self, KeyError> {
        let (code, key) = decode_multikey(multibase)?;
        let mut raw = Zeroizing::new([0u8; 32]);
        match code {
            ED25519_PRIV => {
                expect_len("an Ed25519 secret key", &key, 32)?;
                raw.copy_from_slice(&key);
                Ok(KeyPair::from_ed25519_secret(&raw))
            }
            P256_PRIV => {
                expect_len("a P-256 secret key", &key, 32)?;
                raw.copy_from_slice(&key);
                KeyPair::from_p256_secret(&raw)
            }
            ED25519_PUB | P256_PUB => Err(KeyError::InvalidMultibase(
                "this is a public key; a secret key is needed".into(),
            )),
            other => Err(KeyError::InvalidMultibase(format!(
                "unsupported secret key type (multicodec 0x{other:x})"
            ))),
        }
    }

    /// The Multikey `secretKeyMultibase` form of this key (Ed25519 or P-256).
    /// The result is a secret; it is returned in a [`Zeroizing`] wrapper.
    pub fn to_secret_multibase(&self) -> Result<Zeroizing<String>, KeyError> {
        let code = match self.algorithm() {
            Algorithm::Ed25519 => ED25519_PRIV,
            Algorithm::P256 => P256_PRIV,
            Algorithm::Rsa => return Err(KeyError::NoMultikey(Algorithm::Rsa)),
        };
        let secret = self
            .secret_bytes()
            .ok_or(KeyError::NoMultikey(self.algorithm()))?;
        Ok(Zeroizing::new(encode_multikey(code, secret.as_slice())))
    }
}
