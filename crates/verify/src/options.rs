//! How to verify: the options every check reads.

use time::OffsetDateTime;

use crate::material::Material;
use crate::resolve::KeyResolver;

/// How to verify.
#[derive(Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// The moment the validity window is judged at.
    pub now: OffsetDateTime,
    /// Finds keys for verification methods.
    pub resolver: &'a dyn KeyResolver,
    /// Largest input accepted, in bytes.
    pub max_bytes: usize,
    /// Documents fetched for this verification ([`crate::online`] gathers them).
    /// `None` is offline verification: whatever needs the network is
    /// "could not check".
    pub material: Option<&'a Material>,
    /// The recipient to compare with (an e-mail address, URL, DID…); `None`:
    /// the recipient check is "not applicable".
    pub recipient: Option<&'a str>,
    /// 0 for the credential itself, 1 for an endorsement or status list, …
    pub(crate) depth: u8,
}

impl<'a> VerifyOptions<'a> {
    pub fn new(resolver: &'a dyn KeyResolver) -> Self {
        VerifyOptions {
            now: OffsetDateTime::now_utc(),
            resolver,
            max_bytes: 10 * 1024 * 1024,
            material: None,
            recipient: None,
            depth: 0,
        }
    }

    /// The same options for a credential nested in this one (an endorsement,
    /// a status list): no recipient to compare, one level deeper.
    pub(crate) fn nested(&self) -> Self {
        VerifyOptions {
            recipient: None,
            depth: self.depth.saturating_add(1),
            ..*self
        }
    }
}
