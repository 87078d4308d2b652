//! Payload kinds and their classification from text.

use crate::error::BakeError;

/// Which baking specification an image follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standard {
    /// Open Badges 3.0: the credential itself (JSON with a proof, or a VC-JWT).
    Ob3,
    /// Open Badges 2.0 (and legacy 1.x): a hosted URL, the assertion JSON or a JWS.
    Ob2,
}

impl Standard {
    /// "Open Badges 3.0" / "Open Badges 2.0".
    pub fn name(self) -> &'static str {
        match self {
            Standard::Ob3 => "Open Badges 3.0",
            Standard::Ob2 => "Open Badges 2.0",
        }
    }
}

/// What a baked image carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Payload {
    /// JSON text (an embedded credential or assertion).
    Json(String),
    /// A compact JWT / JWS (`header.payload.signature`).
    Jwt(String),
    /// An http(s) URL of a hosted assertion (OB 2.0 only).
    Url(String),
}

impl Payload {
    /// Classifies text, after trimming surrounding white space: JSON if it
    /// starts with `{`, a JWT if it is three non-empty base64url parts joined
    /// by dots, a URL if it starts with `http://` or `https://` and has no
    /// white space. Anything else is an error.
    pub fn classify(text: &str) -> Result<Payload, BakeError> {
        let t = text.trim();
        if t.starts_with('{') {
            return Ok(Payload::Json(t.to_owned()));
        }
        if is_compact_jwt(t) {
            return Ok(Payload::Jwt(t.to_owned()));
        }
        if is_http_url(t) {
            return Ok(Payload::Url(t.to_owned()));
        }
        let mut shown: String = t.chars().take(40).collect();
        if t.chars().count() > 40 {
            shown.push('…');
        }
        Err(BakeError::InvalidPayload(format!("{shown:?}")))
    }

    /// The payload text.
    pub fn as_str(&self) -> &str {
        match self {
            Payload::Json(s) | Payload::Jwt(s) | Payload::Url(s) => s,
        }
    }

    /// "JSON", "JWT" or "URL".
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::Json(_) => "JSON",
            Payload::Jwt(_) => "JWT",
            Payload::Url(_) => "URL",
        }
    }
}

fn is_compact_jwt(t: &str) -> bool {
    let parts: Vec<&str> = t.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn is_http_url(t: &str) -> bool {
    let lower = t.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    let rest = if lower.starts_with("https://") {
        &t[8..]
    } else if lower.starts_with("http://") {
        &t[7..]
    } else {
        return false;
    };
    !rest.is_empty() && !t.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Checks a payload before baking: within the size limit, allowed by the
/// standard, in the exact form [`Payload::classify`] gives back on
/// extraction (so bake → extract is lossless), and free of characters that
/// neither XML nor PNG text can carry.
pub(crate) fn check_for_baking(standard: Standard, payload: &Payload) -> Result<(), BakeError> {
    let text = payload.as_str();
    if text.len() > crate::MAX_PAYLOAD_BYTES {
        return Err(BakeError::PayloadTooLarge {
            limit: crate::MAX_PAYLOAD_BYTES,
        });
    }
    if standard == Standard::Ob3 && matches!(payload, Payload::Url(_)) {
        return Err(BakeError::Unsupported {
            standard: standard.name(),
            kind: payload.kind(),
        });
    }
    if let Some(c) = text.chars().find(|&c| !is_xml_char(c)) {
        return Err(BakeError::ForbiddenChar(u32::from(c)));
    }
    let classified = Payload::classify(text)?;
    if classified.kind() != payload.kind() {
        return Err(BakeError::InvalidPayload(format!(
            "given as {} but the text reads as {}",
            payload.kind(),
            classified.kind()
        )));
    }
    if classified.as_str() != text {
        return Err(BakeError::InvalidPayload(
            "the text has surrounding white space".into(),
        ));
    }
    Ok(())
}

/// XML 1.0 `Char`: tab, LF, CR and everything from U+0020 except the
/// surrogates (impossible in `char`) and U+FFFE/U+FFFF. NUL, which PNG text
/// cannot hold either, is outside it.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}
