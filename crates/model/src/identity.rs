//! Recipient identity hashing, as used by Open Badges 2.0 (`recipient`) and
//! 3.0 (`IdentityObject.identityHash`).
//!
//! A hashed identity is written `"<algorithm>$<hex digest>"`, where the digest
//! is taken over the UTF-8 identity with the salt (if any) **appended**:
//! `sha256$` + hex(SHA-256(identity ‖ salt)). Open Badges allows `sha256` and
//! `md5`; this module creates only SHA-256 hashes and accepts both.

use md5::Md5;
use sha2::{Digest, Sha256};

/// Hash algorithms allowed in an identity hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// `sha256$…`
    Sha256,
    /// `md5$…` (old badges only; never created here).
    Md5,
}

impl HashAlgorithm {
    /// Reads the algorithm prefix of a stored hash (case-insensitive).
    fn from_prefix(prefix: &str) -> Option<Self> {
        if prefix.eq_ignore_ascii_case("sha256") {
            Some(Self::Sha256)
        } else if prefix.eq_ignore_ascii_case("md5") {
            Some(Self::Md5)
        } else {
            None
        }
    }

    /// Lower-case hex digest of `identity ‖ salt`.
    fn hex_digest(self, identity: &str, salt: Option<&str>) -> String {
        let salt = salt.unwrap_or("").as_bytes();
        match self {
            Self::Sha256 => {
                let mut hasher = Sha256::new();
                hasher.update(identity.as_bytes());
                hasher.update(salt);
                hex::encode(hasher.finalize())
            }
            Self::Md5 => {
                let mut hasher = Md5::new();
                hasher.update(identity.as_bytes());
                hasher.update(salt);
                hex::encode(hasher.finalize())
            }
        }
    }
}

/// `"sha256$" + lowercase hex(SHA-256(identity ‖ salt))`. No salt (or an
/// empty one) means the identity is hashed unsalted.
pub fn hash_identity(identity: &str, salt: Option<&str>) -> String {
    format!(
        "sha256${}",
        HashAlgorithm::Sha256.hex_digest(identity, salt)
    )
}

/// Trims an e-mail address and lower-cases it.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// [`hash_identity`] of the [normalized](normalize_email) e-mail address.
pub fn hash_email(email: &str, salt: Option<&str>) -> String {
    hash_identity(&normalize_email(email), salt)
}

/// Whether a plain identity claimed by someone matches a stored identity.
///
/// `stored` is either a hash (`sha256$…` or `md5$…`, prefix and hex digits
/// compared case-insensitively) or a plain, unhashed value. For hashes, the
/// claim is hashed with `salt` appended (no salt: unsalted); a claim that
/// looks like an e-mail address (contains `@`) is also tried in its
/// [normalized](normalize_email) form, since issuers usually hash that.
/// Plain e-mail addresses are compared ignoring case and surrounding
/// whitespace; other plain values must be equal (surrounding whitespace
/// ignored). A stored value with an unknown `algorithm$` prefix is treated as
/// plain.
pub fn identity_matches(claimed_plain: &str, stored: &str, salt: Option<&str>) -> bool {
    let stored = stored.trim();
    let hashed = stored
        .split_once('$')
        .and_then(|(prefix, digest)| Some((HashAlgorithm::from_prefix(prefix)?, digest)));
    let Some((algorithm, digest)) = hashed else {
        return plain_matches(claimed_plain, stored);
    };
    candidates(claimed_plain).iter().any(|candidate| {
        algorithm
            .hex_digest(candidate, salt)
            .eq_ignore_ascii_case(digest)
    })
}

/// Compares a claimed identity with an unhashed stored one.
pub(crate) fn plain_matches(claimed: &str, stored: &str) -> bool {
    let (claimed, stored) = (claimed.trim(), stored.trim());
    if claimed.contains('@') || stored.contains('@') {
        normalize_email(claimed) == normalize_email(stored)
    } else {
        claimed == stored
    }
}

/// The forms of a claimed identity worth hashing: as given, trimmed, and (for
/// e-mail addresses) normalized.
fn candidates(claimed: &str) -> Vec<String> {
    let mut forms = vec![claimed.to_owned()];
    let mut push = |form: String| {
        if !forms.contains(&form) {
            forms.push(form);
        }
    };
    push(claimed.trim().to_owned());
    if claimed.contains('@') {
        push(normalize_email(claimed));
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_prefix_is_plain() {
        assert!(identity_matches("sha1$abc", "sha1$abc", None));
        assert!(!identity_matches("abc", "sha1$abc", None));
    }

    #[test]
    fn empty_salt_equals_no_salt() {
        assert_eq!(hash_identity("x", Some("")), hash_identity("x", None));
    }
}
