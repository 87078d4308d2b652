//! Reading a credential's JSON: its contexts and types, its issuer, what
//! standard it follows, the credential inside a JWT payload, its embedded
//! endorsements. Plain lookups, no judgement (the checks judge).

use serde_json::Value;

pub(crate) const VC2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub(crate) const VC1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
pub(crate) const OB3_CONTEXT_PREFIX: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context";
pub(crate) const CLR2_CONTEXT_PREFIX: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context";
pub(crate) const OB2_CONTEXTS: &[&str] = &[
    "https://w3id.org/openbadges/v2",
    "https://openbadgespec.org/v2/context.json",
    "https://w3id.org/openbadges/v1",
];

/// The string entries of `@context`.
pub(crate) fn context_urls(doc: &Value) -> Vec<&str> {
    match doc.get("@context") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The string entries of `type`.
pub(crate) fn types(value: &Value) -> Vec<&str> {
    match value.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether the types make it an Open Badges 3.0 credential.
pub(crate) fn is_open_badge(types: &[&str]) -> bool {
    types.iter().any(|t| {
        matches!(
            *t,
            "OpenBadgeCredential" | "AchievementCredential" | "EndorsementCredential"
        )
    })
}

/// The issuer's id: `issuer` as a string, or its `id`.
pub(crate) fn issuer_id(doc: &Value) -> Option<&str> {
    match doc.get("issuer")? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// Whether the document uses an Open Badges 2.0 (or 1.1) context.
pub(crate) fn is_ob2(doc: &Value) -> bool {
    let contexts = context_urls(doc);
    contexts.iter().any(|c| OB2_CONTEXTS.contains(c))
}

/// The version of an Open Badges 0.5 or 1.0 assertion (no JSON-LD context,
/// a `badge` and a `recipient`), which Insignia does not verify.
pub(crate) fn legacy_ob_version(doc: &Value) -> Option<&'static str> {
    let obj = doc.as_object()?;
    if obj.contains_key("@context") || !obj.contains_key("badge") || !obj.contains_key("recipient")
    {
        return None;
    }
    if obj.contains_key("verify") || obj.contains_key("uid") {
        Some("1.0")
    } else {
        Some("0.5")
    }
}

/// Whether a JWT payload is an Open Badges 2.0 signed assertion rather than a VC-JWT.
pub(crate) fn is_ob2_payload(payload: &Value) -> bool {
    is_ob2(payload) || (payload.get("@context").is_none() && payload.get("vc").is_none())
}

/// The key URL of an Open Badges 2.0 signed assertion.
pub(crate) fn payload_creator(payload: &Value) -> Option<&str> {
    payload
        .pointer("/verification/creator")
        .and_then(Value::as_str)
}

/// Whether the text has the shape of a compact JWS (three base64url parts).
pub(crate) fn looks_like_jws(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && parts[..2].iter().all(|p| !p.is_empty())
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The credential inside a JWT payload, without registered claims.
pub(crate) fn jose_credential(payload: &Value) -> Value {
    if let Some(vc) = payload.get("vc") {
        return vc.clone();
    }
    let mut credential = payload.clone();
    if let Some(map) = credential.as_object_mut() {
        // `jti` carries the credential's id; keep it as `id` if that is missing.
        if let Some(jti) = map.remove("jti") {
            map.entry("id").or_insert(jti);
        }
        for claim in ["iss", "sub", "nbf", "exp", "iat", "aud"] {
            map.remove(claim);
        }
    }
    credential
}

/// Embedded endorsements: objects (`endorsement`) and compact JWTs
/// (`endorsementJwt`), on the credential, its achievement or its issuer.
pub(crate) fn endorsement_sources(doc: &Value) -> Vec<&Value> {
    let holders = [
        Some(doc),
        doc.pointer("/credentialSubject/achievement"),
        doc.get("issuer").filter(|i| i.is_object()),
    ];
    let mut out = Vec::new();
    for holder in holders.into_iter().flatten() {
        for (key, want_string) in [("endorsement", false), ("endorsementJwt", true)] {
            let items: Vec<&Value> = match holder.get(key) {
                Some(Value::Array(a)) => a.iter().collect(),
                Some(one) => vec![one],
                None => Vec::new(),
            };
            out.extend(items.into_iter().filter(|v| {
                if want_string {
                    v.is_string()
                } else {
                    v.is_object()
                }
            }));
        }
    }
    out
}
