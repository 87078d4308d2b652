//! Open Badges 2.0 verification from fetched material: hosted assertions
//! (the copy at the assertion's `id`, within the issuer's verification scope)
//! and signed assertions (a JWS checked with the issuer's published
//! `CryptographicKey`), then revocation (HTTP 410, `revoked`, the issuer's
//! `revocationList`), expiry and the recipient.

use insignia_proofs::jose;
use insignia_proofs::keys::PublicKey;
use serde_json::Value;

use crate::checks::recipient::recipient_check;
use crate::checks::status::find_revoked;
use crate::checks::validity::validity_check;
use crate::fields::payload_creator;
use crate::material::{Doc, Material, document_url};
use crate::options::VerifyOptions;
use crate::report::{
    Check, CheckKind, CredentialFormat, Report, Summary, could_not, failed, not_applicable, passed,
};
use crate::resolve::{Resolution, SUPPLIED_CONTROLLER};
use crate::summary::summarize;

/// A document an Open Badges 2.0 object links to: embedded, or fetched by URL.
enum Linked<'a> {
    Found(&'a Value),
    /// Why it is not available, as a check outcome to report.
    Missing(Check),
}

fn linked<'a>(
    value: Option<&'a Value>,
    what: &str,
    kind: CheckKind,
    material: &'a Material,
) -> Linked<'a> {
    match value {
        Some(object @ Value::Object(_)) => Linked::Found(object),
        Some(Value::String(url)) => match material.doc(url) {
            Doc::Json(v) => Linked::Found(v),
            Doc::Missing => Linked::Missing(could_not(
                kind,
                format!("the {what} at {url} was not fetched"),
            )),
            Doc::Unreachable(why) => Linked::Missing(could_not(
                kind,
                format!("the {what} at {url} could not be fetched: {why}"),
            )),
            Doc::Status(code) if code >= 500 || code == 429 => Linked::Missing(could_not(
                kind,
                format!("the {what} at {url} is unavailable (HTTP {code})"),
            )),
            Doc::Status(code) => Linked::Missing(failed(
                kind,
                format!("the issuer's site has no {what} at {url} (HTTP {code})"),
            )),
            Doc::Text => Linked::Missing(failed(kind, format!("the {what} at {url} is not JSON"))),
        },
        _ => Linked::Missing(failed(kind, format!("the assertion names no {what}"))),
    }
}

/// The BadgeClass and the issuer Profile of an assertion.
struct Chain<'a> {
    badge: Linked<'a>,
    profile: Linked<'a>,
}

fn chain<'a>(assertion: &'a Value, kind: CheckKind, material: &'a Material) -> Chain<'a> {
    let badge = linked(assertion.get("badge"), "BadgeClass", kind, material);
    let profile = match &badge {
        Linked::Found(b) => linked(b.get("issuer"), "issuer profile", kind, material),
        Linked::Missing(c) => Linked::Missing(c.clone()),
    };
    Chain { badge, profile }
}

fn ob2_summary(assertion: &Value, chain: &Chain<'_>) -> Summary {
    let mut summary = summarize(assertion);
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    if let Linked::Found(badge) = &chain.badge {
        summary.name = text(badge, "name").or(summary.name);
        summary.description = text(badge, "description").or(summary.description);
    }
    if let Linked::Found(profile) = &chain.profile {
        summary.issuer_name = text(profile, "name");
        summary.issuer_id = text(profile, "id");
    }
    if let Some(r) = assertion.get("recipient") {
        let hashed = r.get("hashed").and_then(Value::as_bool).unwrap_or(false);
        if let Some(identity) = text(r, "identity") {
            summary.recipient = Some(if hashed {
                let short: String = identity.chars().take(19).collect();
                let kind = match text(r, "type").as_deref() {
                    Some("email") => "email",
                    Some("url") => "url",
                    Some("telephone") => "phone",
                    _ => "identity",
                };
                summary.recipient_hashed = Some(crate::report::HashedRecipient {
                    kind,
                    hash_start: short.clone(),
                });
                format!("an identity, hashed ({short}…)")
            } else {
                identity
            });
        }
    }
    summary
}

/// Hosted verification of an assertion given as JSON.
pub(crate) fn verify_hosted(
    given: &Value,
    options: &VerifyOptions<'_>,
    material: &Material,
) -> Report {
    let mut checks = vec![passed(
        CheckKind::Parse,
        "an Open Badges 2.0 hosted assertion",
    )];
    let Some(id) = given.get("id").and_then(Value::as_str) else {
        checks.push(failed(
            CheckKind::HostedCopy,
            "the assertion has no id: a hosted badge is verified at the URL in its id",
        ));
        return Report::new(CredentialFormat::Ob2Hosted, summarize(given), checks);
    };
    let trusted = match material.doc(id) {
        Doc::Json(fetched) => {
            if fetched.get("id").and_then(Value::as_str) != Some(id) {
                checks.push(failed(
                    CheckKind::HostedCopy,
                    format!("the document at {id} has a different id"),
                ));
            } else if fetched != given {
                checks.push(failed(
                    CheckKind::HostedCopy,
                    format!(
                        "the assertion the issuer publishes at {id} differs from the one given{}",
                        first_difference(given, fetched, String::new())
                            .map(|p| format!(" (at {p})"))
                            .unwrap_or_default()
                    ),
                ));
            } else {
                checks.push(passed(
                    CheckKind::HostedCopy,
                    format!("the issuer publishes this very assertion at {id}"),
                ));
            }
            fetched
        }
        Doc::Status(410) => {
            checks.push(failed(
                CheckKind::Status,
                format!("REVOKED: the issuer's site answers 410 Gone for {id}"),
            ));
            return Report::new(CredentialFormat::Ob2Hosted, summarize(given), checks);
        }
        other => {
            checks.push(match other {
                Doc::Missing => could_not(
                    CheckKind::HostedCopy,
                    format!("the assertion at {id} was not fetched"),
                ),
                Doc::Unreachable(why) => could_not(
                    CheckKind::HostedCopy,
                    format!("the assertion at {id} could not be fetched: {why}"),
                ),
                Doc::Status(code) if code >= 500 || code == 429 => could_not(
                    CheckKind::HostedCopy,
                    format!("the issuer's site is unavailable (HTTP {code} for {id})"),
                ),
                Doc::Status(code) => failed(
                    CheckKind::HostedCopy,
                    format!(
                        "the issuer's site does not publish this assertion (HTTP {code} for {id})"
                    ),
                ),
                _ => failed(
                    CheckKind::HostedCopy,
                    format!("the document at {id} is not JSON"),
                ),
            });
            return Report::new(CredentialFormat::Ob2Hosted, summarize(given), checks);
        }
    };
    let chain = chain(trusted, CheckKind::Scope, material);
    checks.push(match &chain.profile {
        Linked::Found(profile) => scope_check(id, profile),
        Linked::Missing(c) => c.clone(),
    });
    checks.push(ob2_status(trusted, id, &chain, material));
    checks.push(validity_check(trusted, options.now));
    checks.push(recipient_check(trusted, options.recipient));
    Report::new(
        CredentialFormat::Ob2Hosted,
        ob2_summary(trusted, &chain),
        checks,
    )
}

/// JSON pointer of the first difference between two values, if any.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let here = format!("{at}/{k}");
                match y.get(k) {
                    None => return Some(here),
                    Some(w) => {
                        if let Some(p) = first_difference(v, w, here) {
                            return Some(p);
                        }
                    }
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{at}/{k}"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(if at.is_empty() { "/".into() } else { at }),
    }
}

/// The assertion's URL must be within the issuer's verification scope:
/// `verification.startsWith`, `verification.allowedOrigins`, or by default
/// the origin of the issuer profile's id.
fn scope_check(assertion_url: &str, profile: &Value) -> Check {
    let list = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let verification = profile.get("verification");
    let starts = list(verification.and_then(|v| v.get("startsWith")));
    let origins = list(verification.and_then(|v| v.get("allowedOrigins")));
    let Ok(url) = url::Url::parse(assertion_url) else {
        return failed(
            CheckKind::Scope,
            format!("the assertion id {assertion_url} is not a URL"),
        );
    };
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let host_port = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    if !starts.is_empty() {
        return if starts.iter().any(|s| assertion_url.starts_with(s.as_str())) {
            passed(
                CheckKind::Scope,
                format!("{assertion_url} is within the issuer's verification scope (startsWith)"),
            )
        } else {
            failed(
                CheckKind::Scope,
                format!(
                    "{assertion_url} is outside the issuer's verification scope: it must start with {}",
                    starts.join(" or ")
                ),
            )
        };
    }
    if !origins.is_empty() {
        let allowed = origins.iter().any(|o| {
            let o = o.to_ascii_lowercase();
            let o = o
                .strip_prefix("https://")
                .or_else(|| o.strip_prefix("http://"))
                .unwrap_or(&o)
                .trim_end_matches('/')
                .to_owned();
            o == host || o == host_port
        });
        return if allowed {
            passed(
                CheckKind::Scope,
                format!("{assertion_url} is on an origin the issuer allows"),
            )
        } else {
            failed(
                CheckKind::Scope,
                format!(
                    "{assertion_url} is outside the issuer's verification scope (allowed origins: {})",
                    origins.join(", ")
                ),
            )
        };
    }
    let profile_id = profile
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match url::Url::parse(profile_id) {
        Ok(p) if p.origin() == url.origin() => passed(
            CheckKind::Scope,
            format!("{assertion_url} is on the issuer's own site ({host_port})"),
        ),
        _ => failed(
            CheckKind::Scope,
            format!(
                "{assertion_url} is not on the issuer's site ({profile_id}), and the issuer allows no other origin"
            ),
        ),
    }
}

/// `revoked: true` on the assertion, or its id in the issuer's revocation list.
fn ob2_status(assertion: &Value, id: &str, chain: &Chain<'_>, material: &Material) -> Check {
    if assertion.get("revoked").and_then(Value::as_bool) == Some(true) {
        let reason = assertion
            .get("revocationReason")
            .and_then(Value::as_str)
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        return failed(CheckKind::Status, format!("REVOKED by the issuer{reason}"));
    }
    let profile = match &chain.profile {
        Linked::Found(p) => p,
        Linked::Missing(_) => {
            return could_not(
                CheckKind::Status,
                "the issuer profile (and its revocation list) could not be read",
            );
        }
    };
    let Some(list_url) = profile.get("revocationList").and_then(Value::as_str) else {
        return not_applicable(CheckKind::Status, "the issuer publishes no revocation list");
    };
    let list_url_value = Value::String(list_url.to_owned());
    let list = match linked(
        Some(&list_url_value),
        "revocation list",
        CheckKind::Status,
        material,
    ) {
        Linked::Found(l) => l,
        Linked::Missing(c) => {
            return could_not(
                CheckKind::Status,
                format!("{}, so the status is unknown", c.message),
            );
        }
    };
    let revoked = list
        .get("revokedAssertions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let uid = assertion.get("uid").and_then(Value::as_str);
    match find_revoked(revoked, id).or_else(|| uid.and_then(|u| find_revoked(revoked, u))) {
        Some(reason) => failed(
            CheckKind::Status,
            format!("REVOKED by the issuer (revocation list {list_url}){reason}"),
        ),
        None => passed(
            CheckKind::Status,
            format!("not in the issuer's revocation list {list_url}"),
        ),
    }
}

/// A signed assertion: the JWS must verify with the key at
/// `verification.creator`, a key the issuer owns and lists.
pub(crate) fn verify_signed(
    token: &str,
    payload: &Value,
    options: &VerifyOptions<'_>,
    material: &Material,
) -> Report {
    let mut checks = vec![passed(
        CheckKind::Parse,
        "an Open Badges 2.0 signed assertion (JWS)",
    )];
    let chain = chain(payload, CheckKind::KeyBinding, material);
    let summary = ob2_summary(payload, &chain);
    let creator = payload
        .pointer("/verification/creator")
        .and_then(Value::as_str);
    let Some(creator) = creator else {
        checks.push(failed(
            CheckKind::Proof,
            "the assertion does not name its key (verification.creator)",
        ));
        return Report::new(CredentialFormat::Ob2Signed, summary, checks);
    };
    let creator_url = Value::String(creator.to_owned());
    let key_doc = match linked(Some(&creator_url), "public key", CheckKind::Proof, material) {
        Linked::Found(k) => k,
        Linked::Missing(c) => {
            // A key the user supplied (`--key`) still checks the signature.
            if let Resolution::Found { key, controller } = options.resolver.resolve(creator) {
                if controller == SUPPLIED_CONTROLLER {
                    checks.push(match jose::verify_ob2_assertion(token, &key) {
                        Ok(_) => passed(
                            CheckKind::Proof,
                            "the signature is intact and matches the key you supplied",
                        ),
                        Err(e) => {
                            failed(CheckKind::Proof, format!("the signature is not valid: {e}"))
                        }
                    });
                    checks.push(could_not(
                        CheckKind::KeyBinding,
                        format!("the key was supplied by you; {}", c.message),
                    ));
                    return Report::new(CredentialFormat::Ob2Signed, summary, checks);
                }
            }
            checks.push(c);
            return Report::new(CredentialFormat::Ob2Signed, summary, checks);
        }
    };
    let key = key_doc
        .get("publicKeyPem")
        .and_then(Value::as_str)
        .ok_or_else(|| "it has no publicKeyPem".to_owned())
        .and_then(|pem| PublicKey::from_pem(pem).map_err(|e| e.to_string()));
    let key = match key {
        Ok(k) => k,
        Err(why) => {
            checks.push(failed(
                CheckKind::Proof,
                format!("the key at {creator} is not usable: {why}"),
            ));
            return Report::new(CredentialFormat::Ob2Signed, summary, checks);
        }
    };
    match jose::verify_ob2_assertion(token, &key) {
        Ok(_) => checks.push(passed(
            CheckKind::Proof,
            format!("the signature is intact and made with the key {creator}"),
        )),
        Err(e) => {
            checks.push(failed(
                CheckKind::Proof,
                format!("the signature is not valid: {e}"),
            ));
            return Report::new(CredentialFormat::Ob2Signed, summary, checks);
        }
    }
    checks.push(signed_key_binding(creator, key_doc, &chain));
    let id = payload
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    checks.push(ob2_status(payload, id, &chain, material));
    checks.push(validity_check(payload, options.now));
    checks.push(recipient_check(payload, options.recipient));
    Report::new(CredentialFormat::Ob2Signed, summary, checks)
}

/// The key's `owner` is the issuer, and the issuer's profile lists the key.
fn signed_key_binding(creator: &str, key_doc: &Value, chain: &Chain<'_>) -> Check {
    if key_doc.get("id").and_then(Value::as_str).map(document_url) != Some(document_url(creator)) {
        return failed(
            CheckKind::KeyBinding,
            format!("the document at {creator} describes another key"),
        );
    }
    let profile = match &chain.profile {
        Linked::Found(p) => p,
        Linked::Missing(c) => return c.clone(),
    };
    let issuer = profile
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let owner = key_doc
        .get("owner")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if owner != issuer {
        return failed(
            CheckKind::KeyBinding,
            format!("the key {creator} is owned by {owner:?}, not by the issuer {issuer}"),
        );
    }
    let listed = match profile.get("publicKey") {
        Some(Value::Array(items)) => items.iter().any(|k| key_id(k) == Some(creator)),
        Some(one) => key_id(one) == Some(creator),
        None => false,
    };
    if !listed {
        return failed(
            CheckKind::KeyBinding,
            format!(
                "the issuer {issuer} does not list the key {creator} in its profile (publicKey)"
            ),
        );
    }
    passed(
        CheckKind::KeyBinding,
        format!("the key belongs to the issuer {issuer}, who lists it"),
    )
}

fn key_id(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// An Open Badges 2.0 signed assertion verified offline: its key is in the
/// issuer's hosted profile, so only a key the resolver knows (e.g. one the
/// user supplied) can check the signature, and the key binding needs the
/// online verifier.
pub(crate) fn verify_signed_offline(
    token: &str,
    payload: &Value,
    options: &VerifyOptions<'_>,
) -> Report {
    let summary = summarize(payload);
    let mut checks = vec![passed(
        CheckKind::Parse,
        "an Open Badges 2.0 signed assertion (JWS)",
    )];
    match options
        .resolver
        .resolve(payload_creator(payload).unwrap_or_default())
    {
        Resolution::Found { key, controller } => match jose::verify_ob2_assertion(token, &key) {
            Ok(_) => {
                checks.push(passed(
                    CheckKind::Proof,
                    "the signature is intact and matches the key",
                ));
                checks.push(could_not(
                    CheckKind::KeyBinding,
                    if controller == SUPPLIED_CONTROLLER {
                        "the key was supplied by you; whether the issuer's profile lists it was not checked"
                    } else {
                        "whether the issuer's hosted profile lists this key needs the online verifier"
                    },
                ));
            }
            Err(e) => checks.push(failed(
                CheckKind::Proof,
                format!("the signature is not valid: {e}"),
            )),
        },
        _ => checks.push(could_not(
            CheckKind::Proof,
            "an Open Badges 2.0 signed assertion is checked with the public key the issuer publishes, which this offline check does not fetch",
        )),
    }
    checks.push(validity_check(payload, options.now));
    Report::new(CredentialFormat::Ob2Signed, summary, checks)
}
