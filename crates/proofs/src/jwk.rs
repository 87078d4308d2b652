//! JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037).
//!
//! [`Jwk`] is the plain serde form: every member is optional so that a key
//! read from disk or from a token header can be parsed first and judged
//! afterwards with clear errors (see [`crate::keys::KeyPair::from_jwk`] and
//! [`crate::keys::PublicKey::from_jwk`]). Members we do not model are kept
//! in `extra`, so nothing is lost on a round trip.
//!
//! A `Jwk` may hold private key material (`d`, `p`, `q`, …). Its `Debug`
//! output never shows those members; use [`Jwk::to_public`] before handing a
//! key to anyone, and [`zeroize::Zeroize`] to wipe a private one.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::keys::KeyError;

/// A JSON Web Key. Every member is optional at this level.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Jwk {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dq: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// The `use` member (`"sig"` / `"enc"`); `use` is a Rust keyword.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Any other members (`key_ops`, `x5c`, `oth`, …), kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Jwk {
    /// Parses a JWK from a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, KeyError> {
        if !value.is_object() {
            return Err(KeyError::InvalidJwk("a JWK must be a JSON object".into()));
        }
        Jwk::deserialize(value).map_err(|e| KeyError::InvalidJwk(e.to_string()))
    }

    /// The JWK as a JSON value (private members included if present).
    pub fn to_value(&self) -> Value {
        // Serializing plain strings and maps into a `Value` cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// True if any private member (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`) is present.
    pub fn is_private(&self) -> bool {
        self.d.is_some()
            || self.p.is_some()
            || self.q.is_some()
            || self.dp.is_some()
            || self.dq.is_some()
            || self.qi.is_some()
            || self.extra.contains_key("oth")
    }

    /// A copy with every private member removed.
    pub fn to_public(&self) -> Jwk {
        let mut public = self.clone();
        public.zeroize();
        public
    }

    /// The RFC 7638 thumbprint: base64url(SHA-256(canonical required members)).
    ///
    /// Only the public members take part, so a private JWK and its public
    /// half have the same thumbprint.
    pub fn thumbprint(&self) -> Result<String, KeyError> {
        let kty = self
            .kty
            .as_deref()
            .ok_or(KeyError::MissingJwkMember("kty"))?;
        let need = |name: &'static str, v: &Option<String>| -> Result<String, KeyError> {
            v.clone().ok_or(KeyError::MissingJwkMember(name))
        };
        // Members in lexicographic order, as RFC 7638 §3.2 requires.
        let members: Vec<(&str, String)> = match kty {
            "OKP" => vec![
                ("crv", need("crv", &self.crv)?),
                ("kty", kty.to_string()),
                ("x", need("x", &self.x)?),
            ],
            "EC" => vec![
                ("crv", need("crv", &self.crv)?),
                ("kty", kty.to_string()),
                ("x", need("x", &self.x)?),
                ("y", need("y", &self.y)?),
            ],
            "RSA" => vec![
                ("e", need("e", &self.e)?),
                ("kty", kty.to_string()),
                ("n", need("n", &self.n)?),
            ],
            other => return Err(KeyError::UnsupportedKeyType(other.to_string())),
        };
        let mut object = Map::new();
        for (k, v) in members {
            object.insert(k.to_string(), Value::String(v));
        }
        // The members are plain base64url / ASCII strings, so serde_json's
        // compact output is exactly the canonical form RFC 7638 asks for.
        let json = Value::Object(object).to_string();
        Ok(URL_SAFE_NO_PAD.encode(Sha256::digest(json.as_bytes())))
    }
}

impl Zeroize for Jwk {
    /// Wipes the private members (and removes them).
    fn zeroize(&mut self) {
        for member in [
            &mut self.d,
            &mut self.p,
            &mut self.q,
            &mut self.dp,
            &mut self.dq,
            &mut self.qi,
        ] {
            if let Some(s) = member.as_mut() {
                s.zeroize();
            }
            *member = None;
        }
        self.extra.remove("oth");
    }
}

impl fmt::Debug for Jwk {
    /// Shows public members only; private ones appear as `<redacted>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        let mut s = f.debug_struct("Jwk");
        s.field("kty", &self.kty)
            .field("crv", &self.crv)
            .field("x", &self.x)
            .field("y", &self.y)
            .field("n", &self.n)
            .field("e", &self.e)
            .field("d", &redact(&self.d))
            .field("p", &redact(&self.p))
            .field("q", &redact(&self.q))
            .field("dp", &redact(&self.dp))
            .field("dq", &redact(&self.dq))
            .field("qi", &redact(&self.qi))
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("use", &self.use_);
        let extra: Vec<&String> = self.extra.keys().collect();
        s.field("extra_members", &extra).finish()
    }
}
