//! Checks one credential (JSON with a Data Integrity proof, or a VC-JWT) and
//! builds its [`Report`].

use insignia_ld::LdError;
use insignia_proofs::data_integrity;
use insignia_proofs::jose;
use insignia_proofs::keys::PublicKey;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::material::{Doc, Material};
use crate::recipient::recipient_check;
use crate::report::{Check, CheckKind, CredentialFormat, Outcome, Report, Summary};
use crate::resolve::{KeyResolver, Resolution, SUPPLIED_CONTROLLER, controller_of};
use crate::status::status_check;

const VC2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
const VC1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
const OB3_CONTEXT_PREFIX: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context";
const CLR2_CONTEXT_PREFIX: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context";
const OB2_CONTEXTS: &[&str] = &[
    "https://w3id.org/openbadges/v2",
    "https://openbadgespec.org/v2/context.json",
    "https://w3id.org/openbadges/v1",
];

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
    fn nested(&self) -> Self {
        VerifyOptions {
            recipient: None,
            depth: self.depth.saturating_add(1),
            ..*self
        }
    }
}

/// Endorsements of endorsements are not followed.
const MAX_ENDORSEMENT_DEPTH: u8 = 1;

/// Verifies a credential embedded in or referenced by another one (status
/// list, endorsement) with the same checks, one level deeper.
pub(crate) fn verify_nested(doc: &Value, options: &VerifyOptions<'_>) -> Report {
    verify_json(doc, &options.nested())
}

/// Verifies a credential given as bytes: JSON, or a compact JWT.
pub fn verify_bytes(input: &[u8], options: &VerifyOptions<'_>) -> Report {
    let mut checks = Vec::new();
    if input.len() > options.max_bytes {
        checks.push(failed(
            CheckKind::Parse,
            format!(
                "the input is {} bytes, larger than the {}-byte limit for a credential",
                input.len(),
                options.max_bytes
            ),
        ));
        return Report::new(CredentialFormat::Unknown, Summary::default(), checks);
    }
    if let Some(kind) = insignia_bake::detect(input) {
        return verify_image(input, kind, options);
    }
    let text = match std::str::from_utf8(input) {
        Ok(t) => t.trim(),
        Err(_) => {
            checks.push(failed(
                CheckKind::Parse,
                "the input is not UTF-8 text (JSON or a JWT)",
            ));
            return Report::new(CredentialFormat::Unknown, Summary::default(), checks);
        }
    };
    if looks_like_jws(text) {
        return verify_jwt(text, options);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(doc)) => verify_json(&Value::Object(doc), options),
        Ok(_) => {
            checks.push(failed(
                CheckKind::Parse,
                "the input is JSON but not a JSON object",
            ));
            Report::new(CredentialFormat::Unknown, Summary::default(), checks)
        }
        Err(e) => {
            checks.push(failed(
                CheckKind::Parse,
                format!("the input is neither a JWT nor valid JSON: {e}"),
            ));
            Report::new(CredentialFormat::Unknown, Summary::default(), checks)
        }
    }
}

/// A baked PNG or SVG: extract the payload and verify it.
fn verify_image(
    input: &[u8],
    kind: insignia_bake::ImageKind,
    options: &VerifyOptions<'_>,
) -> Report {
    let image = match kind {
        insignia_bake::ImageKind::Png => "PNG",
        insignia_bake::ImageKind::Svg => "SVG",
    };
    let baked = match insignia_bake::extract(input) {
        Ok(Some(baked)) => baked,
        Ok(None) => {
            let checks = vec![failed(
                CheckKind::Parse,
                format!("the {image} image carries no badge: nothing was baked into it"),
            )];
            return Report::new(CredentialFormat::Unknown, Summary::default(), checks);
        }
        Err(e) => {
            let checks = vec![failed(
                CheckKind::Parse,
                format!("the {image} image cannot be read: {e}"),
            )];
            return Report::new(CredentialFormat::Unknown, Summary::default(), checks);
        }
    };
    let payload = match &baked.payload {
        insignia_bake::Payload::Url(url) => {
            if let Some(material) = options.material {
                if let Doc::Json(assertion) = material.doc(url) {
                    if let Some(version) = legacy_ob_version(&assertion) {
                        return legacy_report(&assertion, version);
                    }
                    let mut report = crate::ob2::verify_hosted(&assertion, options, material);
                    if let Some(parse) = report.checks.first_mut() {
                        parse.message = format!(
                            "baked in a {image} image as a link to {url}: {}",
                            parse.message
                        );
                    }
                    return report;
                }
            }
            let checks = vec![
                passed(
                    CheckKind::Parse,
                    format!(
                        "a {image} image baked with a hosted {} badge at {url}",
                        baked.standard.name()
                    ),
                ),
                could_not(
                    CheckKind::Proof,
                    "a hosted badge is verified by fetching it from its issuer, which this offline check does not do",
                ),
            ];
            return Report::new(CredentialFormat::Ob2Hosted, Summary::default(), checks);
        }
        other => other.as_str().to_owned(),
    };
    let mut report = verify_bytes(payload.as_bytes(), options);
    if let Some(parse) = report
        .checks
        .iter_mut()
        .find(|c| c.check == CheckKind::Parse)
    {
        parse.message = format!("baked in a {image} image: {}", parse.message);
    }
    report
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

/// The report for an assertion of an Open Badges version before 2.0.
fn legacy_report(doc: &Value, version: &str) -> Report {
    let checks = vec![could_not(
        CheckKind::Parse,
        format!(
            "an Open Badges {version} assertion: Open Badges 1.x and 0.5 are not supported (only 2.0 and 3.0 badges can be verified); ask the issuer for an Open Badges 2.0 or 3.0 version"
        ),
    )];
    Report::new(CredentialFormat::Unknown, summarize(doc), checks)
}

/// Verifies a parsed JSON credential.
pub fn verify_json(doc: &Value, options: &VerifyOptions<'_>) -> Report {
    if let Some(version) = legacy_ob_version(doc) {
        return legacy_report(doc, version);
    }
    let summary = summarize(doc);
    if is_ob2(doc) {
        if let Some(material) = options.material {
            return crate::ob2::verify_hosted(doc, options, material);
        }
        let checks = vec![
            passed(CheckKind::Parse, "an Open Badges 2.0 assertion"),
            could_not(
                CheckKind::Proof,
                "an Open Badges 2.0 hosted assertion is verified by fetching it from its issuer, which this offline check does not do",
            ),
        ];
        return Report::new(CredentialFormat::Ob2Hosted, summary, checks);
    }
    let mut checks = vec![passed(
        CheckKind::Parse,
        "a JSON credential with a Data Integrity proof",
    )];
    if doc.get("proof").is_none() {
        checks[0] = if types(doc).contains(&"Assertion") {
            failed(
                CheckKind::Parse,
                format!(
                    "an assertion whose JSON-LD context ({}) is not the Open Badges 2.0 context ({}), so it is neither a valid Open Badges 2.0 assertion nor a signed credential",
                    context_urls(doc).join(", "),
                    OB2_CONTEXTS[0]
                ),
            )
        } else {
            failed(
                CheckKind::Parse,
                "the credential has no proof: it is not signed",
            )
        };
        return Report::new(CredentialFormat::Ob3DataIntegrity, summary, checks);
    }
    let (content, canonical) = content_checks(doc);
    checks.extend(content);
    let uses_rdfc = |member: &Value| {
        data_integrity::read_proof(member).is_ok_and(|p| p.cryptosuite.uses_rdfc())
    };
    let needs_rdf = match doc.get("proof") {
        Some(Value::Array(proofs)) if proofs.len() > 1 => {
            proof_set_members(doc).iter().any(uses_rdfc)
        }
        // A single proof: no copy of the document.
        _ => uses_rdfc(doc),
    };
    if needs_rdf && canonical.is_none() {
        // Canonicalizing again would fail the same way (and a refused, possibly
        // poisoned, document should cost its bounded work only once).
        checks.push(failed(
            CheckKind::Proof,
            "the signature could not be checked because the document could not be processed as JSON-LD (see the contexts check)",
        ));
    } else {
        checks.extend(data_integrity_checks(doc, options, canonical.as_deref()));
    }
    checks.push(validity_check(doc, options.now));
    checks.push(status_check(doc, options));
    checks.push(recipient_check(doc, options.recipient));
    Report::new(CredentialFormat::Ob3DataIntegrity, summary, checks)
        .with_endorsements(endorsements(doc, options))
}

fn verify_jwt(token: &str, options: &VerifyOptions<'_>) -> Report {
    let (_header, payload) = match jose::decode_unverified(token) {
        Ok(parts) => parts,
        Err(e) => {
            let checks = vec![failed(
                CheckKind::Parse,
                format!("the JWT cannot be read: {e}"),
            )];
            return Report::new(CredentialFormat::Ob3Jwt, Summary::default(), checks);
        }
    };
    if let Some(version) = legacy_ob_version(&payload) {
        return legacy_report(&payload, version);
    }
    if is_ob2(&payload) || (payload.get("@context").is_none() && payload.get("vc").is_none()) {
        // An Open Badges 2.0 signed assertion: its key is in the issuer's hosted profile.
        if let Some(material) = options.material {
            return crate::ob2::verify_signed(token, &payload, options, material);
        }
        let summary = summarize(&payload);
        let mut checks = vec![passed(
            CheckKind::Parse,
            "an Open Badges 2.0 signed assertion (JWS)",
        )];
        match options.resolver.resolve(payload_creator(&payload).unwrap_or_default()) {
            Resolution::Found { key, controller } => match jose::verify_ob2_assertion(token, &key) {
                Ok(_) => {
                    checks.push(passed(CheckKind::Proof, "the signature is intact and matches the key"));
                    checks.push(could_not(
                        CheckKind::KeyBinding,
                        if controller == SUPPLIED_CONTROLLER {
                            "the key was supplied by you; whether the issuer's profile lists it was not checked"
                        } else {
                            "whether the issuer's hosted profile lists this key needs the online verifier"
                        },
                    ));
                }
                Err(e) => checks.push(failed(CheckKind::Proof, format!("the signature is not valid: {e}"))),
            },
            _ => checks.push(could_not(
                CheckKind::Proof,
                "an Open Badges 2.0 signed assertion is checked with the public key the issuer publishes, which this offline check does not fetch",
            )),
        }
        checks.push(validity_check(&payload, options.now));
        return Report::new(CredentialFormat::Ob2Signed, summary, checks);
    }

    // (controller, verification method) of the key that checked the signature;
    // an empty controller means the key came from the token itself.
    let mut resolved: Option<(String, String)> = None;
    let mut resolution_problem: Option<Check> = None;
    let result = jose::verify_vc_jwt(token, |h: &jose::Header| {
        if let Some(kid) = h.kid.as_deref() {
            match options.resolver.resolve(kid) {
                Resolution::Found { key, controller } => {
                    resolved = Some((controller, kid.to_owned()));
                    Ok(key)
                }
                Resolution::Invalid(why) => {
                    resolution_problem = Some(failed(CheckKind::Proof, why.clone()));
                    Err(jose::JoseError::KeyResolution(why))
                }
                Resolution::Unavailable(why) => {
                    resolution_problem = Some(could_not(CheckKind::Proof, why.clone()));
                    Err(jose::JoseError::KeyResolution(why))
                }
            }
        } else if let Some(jwk) = &h.jwk {
            let key = PublicKey::from_jwk(jwk).map_err(jose::JoseError::from)?;
            resolved = Some((String::new(), "the key embedded in the JWT header".into()));
            Ok(key)
        } else {
            let why = "the JWT header names no key (neither 'kid' nor 'jwk')".to_owned();
            resolution_problem = Some(failed(CheckKind::Proof, why.clone()));
            Err(jose::JoseError::KeyResolution(why))
        }
    });
    let credential = match &result {
        Ok(vc) => vc.credential.clone(),
        Err(_) => jose_credential(&payload),
    };
    let summary = summarize(&credential);
    let mut checks = vec![passed(CheckKind::Parse, "a VC-JWT credential")];
    checks.extend(content_checks(&credential).0);
    match (&result, resolution_problem) {
        (Ok(_), _) => {
            checks.push(passed(
                CheckKind::Proof,
                "the JWT signature is intact and matches the key",
            ));
            if let Some((controller, vm)) = &resolved {
                checks.push(key_binding(&credential, controller, vm));
            }
        }
        (Err(_), Some(problem)) => checks.push(problem),
        (Err(e), None) => checks.push(failed(
            CheckKind::Proof,
            format!("the JWT is not valid: {e}"),
        )),
    }
    checks.push(validity_check(&credential, options.now));
    checks.push(status_check(&credential, options));
    checks.push(recipient_check(&credential, options.recipient));
    Report::new(CredentialFormat::Ob3Jwt, summary, checks)
        .with_endorsements(endorsements(&credential, options))
}

/// Every endorsement embedded in the credential, its achievement or its
/// issuer profile (`endorsement` objects and `endorsementJwt` strings),
/// verified in turn. Their outcome is reported beside the credential's and
/// never changes its verdict.
fn endorsements(doc: &Value, options: &VerifyOptions<'_>) -> Vec<Report> {
    if options.depth >= MAX_ENDORSEMENT_DEPTH {
        return Vec::new();
    }
    let nested = options.nested();
    endorsement_sources(doc)
        .into_iter()
        .map(|e| match e {
            Value::String(token) => verify_jwt(token, &nested),
            other => verify_json(other, &nested),
        })
        .collect()
}

/// Embedded endorsements: objects (`endorsement`) and compact JWTs (`endorsementJwt`).
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

pub(crate) fn payload_creator(payload: &Value) -> Option<&str> {
    payload
        .pointer("/verification/creator")
        .and_then(Value::as_str)
}

pub(crate) fn looks_like_jws(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && parts[..2].iter().all(|p| !p.is_empty())
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

pub(crate) fn is_ob2(doc: &Value) -> bool {
    let contexts = context_urls(doc);
    contexts.iter().any(|c| OB2_CONTEXTS.contains(c))
}

fn context_urls(doc: &Value) -> Vec<&str> {
    match doc.get("@context") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn types(value: &Value) -> Vec<&str> {
    match value.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Contexts, types and schema: what the document says, before any signature.
/// Also returns the canonical N-Quads of the document without its proof, when
/// they could be computed, for the signature check to reuse.
fn content_checks(doc: &Value) -> (Vec<Check>, Option<String>) {
    let (contexts, canonical) = contexts_check(doc);
    (
        vec![
            contexts,
            types_check(doc),
            schema_check(doc),
            crate::conformance::conformance_check(doc, false),
        ],
        canonical,
    )
}

fn contexts_check(doc: &Value) -> (Check, Option<String>) {
    let urls = context_urls(doc);
    match urls.first() {
        Some(&VC2_CONTEXT) | Some(&VC1_CONTEXT) => {}
        Some(other) => {
            let message = format!(
                "the first @context must be the Verifiable Credentials context, not {other}"
            );
            return (failed(CheckKind::Contexts, message), None);
        }
        None => {
            return (
                failed(CheckKind::Contexts, "the credential has no @context"),
                None,
            );
        }
    }
    let is_badge = types(doc).iter().any(|t| {
        matches!(
            *t,
            "OpenBadgeCredential" | "AchievementCredential" | "EndorsementCredential"
        )
    });
    if is_badge
        && !urls
            .iter()
            .any(|u| u.starts_with(OB3_CONTEXT_PREFIX) || u.starts_with(CLR2_CONTEXT_PREFIX))
    {
        let message = "an Open Badges 3.0 credential must list the Open Badges 3.0 context after the Verifiable Credentials one";
        return (failed(CheckKind::Contexts, message), None);
    }
    let mut unsigned = doc.clone();
    if let Some(map) = unsigned.as_object_mut() {
        map.remove("proof");
    }
    match insignia_ld::canonical_nquads(&unsigned) {
        Ok(canonical) if canonical.problems.is_empty() => (
            passed(
                CheckKind::Contexts,
                "every context is known and defines every property",
            ),
            Some(canonical.nquads),
        ),
        Ok(canonical) => {
            let list: Vec<String> = canonical.problems.iter().map(ToString::to_string).collect();
            (
                failed(CheckKind::Contexts, list.join("; ")),
                Some(canonical.nquads),
            )
        }
        Err(LdError::UnknownContext(url)) => (
            failed(
                CheckKind::Contexts,
                format!(
                    "the context {url} is not one Insignia knows, so what the credential says cannot be checked"
                ),
            ),
            None,
        ),
        Err(e) => (failed(CheckKind::Contexts, e.to_string()), None),
    }
}

fn types_check(doc: &Value) -> Check {
    let t = types(doc);
    if !t.contains(&"VerifiableCredential") {
        return failed(
            CheckKind::Types,
            "the credential's type does not include 'VerifiableCredential'",
        );
    }
    if t.iter().any(|t| {
        matches!(
            *t,
            "OpenBadgeCredential" | "AchievementCredential" | "EndorsementCredential"
        )
    }) {
        let subject_ok = match doc.get("credentialSubject") {
            Some(Value::Object(s)) => s.contains_key("id") || s.contains_key("identifier"),
            _ => false,
        };
        if !subject_ok {
            return failed(
                CheckKind::Types,
                "the credentialSubject must have an 'id' or an 'identifier' naming the recipient",
            );
        }
        let kind = if t.contains(&"EndorsementCredential") {
            "an Open Badges 3.0 endorsement"
        } else {
            "an Open Badges 3.0 badge"
        };
        return passed(
            CheckKind::Types,
            format!("{kind} (types: {})", t.join(", ")),
        );
    }
    passed(
        CheckKind::Types,
        format!(
            "a verifiable credential of type {} (not an Open Badge)",
            t.join(", ")
        ),
    )
}

fn schema_check(doc: &Value) -> Check {
    let t = types(doc);
    if !t.iter().any(|t| {
        matches!(
            *t,
            "OpenBadgeCredential" | "AchievementCredential" | "EndorsementCredential"
        )
    }) {
        return not_applicable(
            CheckKind::Schema,
            "no Open Badges schema applies to this credential type",
        );
    }
    // Nearly every Data Integrity credential carries one proof as an object while
    // the schema wants an array: read it as a one-element list straight away
    // rather than validating twice.
    if doc.get("proof").is_some_and(Value::is_object) {
        let mut wrapped = doc.clone();
        if let Some(proof) = wrapped.get_mut("proof") {
            let single = proof.take();
            *proof = Value::Array(vec![single]);
        }
        if insignia_model::schema::validate_ob3(&wrapped).is_ok() {
            return passed(
                CheckKind::Schema,
                "the credential matches the official Open Badges 3.0 JSON Schema, reading single values as one-element lists at /proof",
            );
        }
    }
    let issues = match insignia_model::schema::validate_ob3(doc) {
        Ok(()) => {
            return passed(
                CheckKind::Schema,
                "the credential matches the official Open Badges 3.0 JSON Schema",
            );
        }
        Err(issues) => issues,
    };
    // The schema writes every JSON-LD set as an array; the specification's own
    // examples (and most issuers) give a single value as a plain object. Like
    // 1EdTech's validator, read such singletons as one-element lists and only
    // note the difference.
    let (lenient, wrapped) = wrap_singletons(doc, &issues);
    if !wrapped.is_empty() && insignia_model::schema::validate_ob3(&lenient).is_ok() {
        return passed(
            CheckKind::Schema,
            format!(
                "the credential matches the official Open Badges 3.0 JSON Schema, reading single values as one-element lists at {}",
                wrapped.join(", ")
            ),
        );
    }
    let shown: Vec<String> = issues.iter().take(5).map(ToString::to_string).collect();
    let more = issues.len().saturating_sub(5);
    let mut message = format!(
        "the credential does not match the Open Badges 3.0 schema: {}",
        shown.join("; ")
    );
    if more > 0 {
        message.push_str(&format!(" (and {more} more)"));
    }
    failed(CheckKind::Schema, message)
}

/// A copy of `doc` with the non-array values at the issues' pointers wrapped in
/// arrays, repeated until no issue points at a wrappable value (bounded).
fn wrap_singletons(
    doc: &Value,
    issues: &[insignia_model::schema::SchemaIssue],
) -> (Value, Vec<String>) {
    let mut copy = doc.clone();
    let mut wrapped: Vec<String> = Vec::new();
    let mut pending: Vec<String> = issues.iter().map(|i| i.pointer.clone()).collect();
    for _round in 0..8 {
        let mut changed = false;
        for pointer in pending.drain(..) {
            if pointer.is_empty() || wrapped.contains(&pointer) {
                continue;
            }
            if let Some(value) = copy.pointer_mut(&pointer) {
                if value.is_object() || value.is_string() {
                    let inner = value.take();
                    *value = Value::Array(vec![inner]);
                    wrapped.push(pointer);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
        match insignia_model::schema::validate_ob3(&copy) {
            Ok(()) => break,
            Err(next) => pending = next.into_iter().map(|i| i.pointer).collect(),
        }
    }
    (copy, wrapped)
}

/// The document once per member of its proof set (`proof` as an array of
/// several proofs), each copy carrying that one proof; a single proof gives
/// the document itself.
fn proof_set_members(doc: &Value) -> Vec<Value> {
    match doc.get("proof") {
        Some(Value::Array(proofs)) if proofs.len() > 1 => proofs
            .iter()
            .map(|proof| {
                let mut member = doc.clone();
                member["proof"] = proof.clone();
                member
            })
            .collect(),
        _ => vec![doc.clone()],
    }
}

fn data_integrity_checks(
    doc: &Value,
    options: &VerifyOptions<'_>,
    canonical_document: Option<&str>,
) -> Vec<Check> {
    match doc.get("proof") {
        Some(Value::Array(proofs)) if proofs.len() > 1 => {
            proof_set_checks(doc, proofs, options, canonical_document)
        }
        _ => single_proof_checks(doc, options, canonical_document),
    }
}

/// A proof set (VC Data Integrity 1.0, "Proof Sets"): several proofs made
/// independently over the same unsecured document. Every proof must verify;
/// at least one of them must be made with a key of the issuer (the others
/// may be a third party's). Proof chains (`previousProof`) go to
/// [`crate::proof_chain`].
fn proof_set_checks(
    doc: &Value,
    proofs: &[Value],
    options: &VerifyOptions<'_>,
    canonical_document: Option<&str>,
) -> Vec<Check> {
    let count = proofs.len();
    if proofs.iter().any(|p| p.get("previousProof").is_some()) {
        return crate::proof_chain::chain_checks(doc, options);
    }
    let mut proof_results = Vec::with_capacity(count);
    let mut bindings = Vec::new();
    for (index, member) in proof_set_members(doc).iter().enumerate() {
        for check in single_proof_checks(member, options, canonical_document) {
            let check = Check {
                message: format!("proof {} of {count}: {}", index + 1, check.message),
                ..check
            };
            match check.check {
                CheckKind::KeyBinding => bindings.push(check),
                _ => proof_results.push(check),
            }
        }
    }
    let mut checks = Vec::with_capacity(2);
    let proof_check = if let Some(bad) = proof_results.iter().find(|c| c.outcome == Outcome::Failed)
    {
        bad.clone()
    } else if let Some(unsure) = proof_results
        .iter()
        .find(|c| c.outcome == Outcome::CouldNotCheck)
    {
        unsure.clone()
    } else {
        let suites: Vec<String> = proof_results.iter().map(|c| c.message.clone()).collect();
        passed(
            CheckKind::Proof,
            format!(
                "all {count} signatures of the proof set are intact ({})",
                suites.join("; ")
            ),
        )
    };
    let all_passed = proof_check.outcome == Outcome::Passed;
    checks.push(proof_check);
    if all_passed {
        let binding = if let Some(ok) = bindings.iter().find(|c| c.outcome == Outcome::Passed) {
            ok.clone()
        } else if let Some(unsure) = bindings
            .iter()
            .find(|c| c.outcome == Outcome::CouldNotCheck)
        {
            unsure.clone()
        } else if let Some(bad) = bindings.first() {
            failed(
                CheckKind::KeyBinding,
                format!(
                    "no proof of the set is made with a key of the issuer ({})",
                    bad.message
                ),
            )
        } else {
            failed(CheckKind::KeyBinding, "no proof of the set names its key")
        };
        checks.push(binding);
    }
    checks
}

fn single_proof_checks(
    doc: &Value,
    options: &VerifyOptions<'_>,
    canonical_document: Option<&str>,
) -> Vec<Check> {
    let info = match data_integrity::read_proof(doc) {
        Ok(info) => info,
        Err(e) => return vec![failed(CheckKind::Proof, e.to_string())],
    };
    let (key, controller) = match options.resolver.resolve(&info.verification_method) {
        Resolution::Found { key, controller } => (key, controller),
        Resolution::Invalid(why) => return vec![failed(CheckKind::Proof, why)],
        Resolution::Unavailable(why) => return vec![could_not(CheckKind::Proof, why)],
    };
    match data_integrity::verify_with(doc, &key, canonical_document) {
        Ok(proof) => vec![
            passed(
                CheckKind::Proof,
                format!(
                    "the {} signature is intact and matches the key",
                    proof.cryptosuite.name()
                ),
            ),
            key_binding(doc, &controller, &info.verification_method),
        ],
        Err(e) => vec![failed(CheckKind::Proof, e.to_string())],
    }
}

/// The key's controller must be the issuer.
pub(crate) fn key_binding(doc: &Value, controller: &str, verification_method: &str) -> Check {
    let Some(issuer) = issuer_id(doc) else {
        return failed(CheckKind::KeyBinding, "the credential names no issuer id");
    };
    if controller == SUPPLIED_CONTROLLER {
        return could_not(
            CheckKind::KeyBinding,
            "the key was supplied by you, so whether it belongs to the issuer was not checked",
        );
    }
    if controller.is_empty() {
        return could_not(
            CheckKind::KeyBinding,
            "the JWT carries its own key, which says nothing about who the issuer is",
        );
    }
    if controller == issuer
        || controller_of(verification_method) == issuer
        || same_https_origin(controller, issuer)
    {
        passed(
            CheckKind::KeyBinding,
            format!("the signing key belongs to the issuer {issuer}"),
        )
    } else {
        failed(
            CheckKind::KeyBinding,
            format!("the signing key belongs to {controller}, not to the issuer {issuer}"),
        )
    }
}

/// A key published at an https URL on the issuer's own site (e.g. a JWK at
/// `https://issuer.example/keys/1` for the issuer `https://issuer.example/`).
fn same_https_origin(key_url: &str, issuer: &str) -> bool {
    match (url::Url::parse(key_url), url::Url::parse(issuer)) {
        (Ok(k), Ok(i)) => {
            matches!(k.scheme(), "https" | "http")
                && k.scheme() == i.scheme()
                && k.origin() == i.origin()
        }
        _ => false,
    }
}

pub(crate) fn issuer_id(doc: &Value) -> Option<&str> {
    match doc.get("issuer")? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

pub(crate) fn validity_check(doc: &Value, now: OffsetDateTime) -> Check {
    let start = ["validFrom", "issuanceDate", "issuedOn"]
        .into_iter()
        .find_map(|k| doc.get(k).map(|v| (k, v)));
    let end = ["validUntil", "expirationDate", "expires"]
        .into_iter()
        .find_map(|k| doc.get(k).map(|v| (k, v)));
    let parse = |name: &str, value: &Value| -> Result<OffsetDateTime, String> {
        let text = value
            .as_str()
            .ok_or_else(|| format!("'{name}' is not a date-time string"))?;
        OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
            format!(
                "'{name}' ({text}) is not a date-time with a time zone, e.g. 2026-11-23T10:00:00Z"
            )
        })
    };
    let start = match start.map(|(k, v)| parse(k, v)).transpose() {
        Ok(s) => s,
        Err(why) => return failed(CheckKind::ValidityWindow, why),
    };
    let end = match end.map(|(k, v)| parse(k, v)).transpose() {
        Ok(e) => e,
        Err(why) => return failed(CheckKind::ValidityWindow, why),
    };
    let show = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_else(|_| t.to_string());
    if let Some(start) = start {
        if now < start {
            return failed(
                CheckKind::ValidityWindow,
                format!("not valid yet: valid from {}", show(start)),
            );
        }
    }
    if let Some(end) = end {
        if now >= end {
            return failed(
                CheckKind::ValidityWindow,
                format!("expired on {}", show(end)),
            );
        }
    }
    match (start, end) {
        (_, Some(end)) => passed(
            CheckKind::ValidityWindow,
            format!("valid until {}", show(end)),
        ),
        (Some(start), None) => passed(
            CheckKind::ValidityWindow,
            format!("valid since {}, with no expiry date", show(start)),
        ),
        (None, None) => not_applicable(
            CheckKind::ValidityWindow,
            "the credential states no validity period",
        ),
    }
}

pub(crate) fn summarize(doc: &Value) -> Summary {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let subject = doc
        .get("credentialSubject")
        .or_else(|| doc.get("recipient"));
    let achievement = subject.and_then(|s| s.get("achievement"));
    let issuer = doc.get("issuer");
    let issuer_obj: Option<&Map<String, Value>> = issuer.and_then(Value::as_object);
    let recipient = subject.and_then(|sub| {
        s(sub.get("name"))
            .or_else(|| s(sub.get("id")))
            .or_else(|| {
                sub.get("identifier")
                    .and_then(|i| i.as_array().and_then(|a| a.first()).or(Some(i)))
                    .and_then(|i| {
                        let hash = s(i.get("identityHash"))?;
                        let what = match i.get("identityType").and_then(Value::as_str) {
                            Some("emailAddress") => "an e-mail address",
                            Some("url") => "a URL",
                            Some("phoneNumber") => "a phone number",
                            _ => "an identity",
                        };
                        let hashed = i.get("hashed").and_then(Value::as_bool).unwrap_or(false);
                        Some(if hashed {
                            let short: String = hash.chars().take(19).collect();
                            format!("{what}, hashed ({short}…)")
                        } else {
                            hash
                        })
                    })
            })
            .or_else(|| s(sub.get("identity")))
    });
    Summary {
        id: s(doc.get("id")),
        name: s(doc.get("name")).or_else(|| achievement.and_then(|a| s(a.get("name")))),
        description: achievement
            .and_then(|a| s(a.get("description")))
            .or_else(|| s(doc.get("description"))),
        issuer_id: issuer_id(doc).map(str::to_owned),
        issuer_name: issuer_obj.and_then(|o| s(o.get("name"))),
        recipient,
        issued: s(doc.get("validFrom"))
            .or_else(|| s(doc.get("issuanceDate")))
            .or_else(|| s(doc.get("issuedOn"))),
        expires: s(doc.get("validUntil"))
            .or_else(|| s(doc.get("expirationDate")))
            .or_else(|| s(doc.get("expires"))),
    }
}

pub(crate) fn passed(check: CheckKind, message: impl Into<String>) -> Check {
    Check {
        check,
        outcome: Outcome::Passed,
        message: message.into(),
    }
}

pub(crate) fn failed(check: CheckKind, message: impl Into<String>) -> Check {
    Check {
        check,
        outcome: Outcome::Failed,
        message: message.into(),
    }
}

pub(crate) fn could_not(check: CheckKind, message: impl Into<String>) -> Check {
    Check {
        check,
        outcome: Outcome::CouldNotCheck,
        message: message.into(),
    }
}

pub(crate) fn not_applicable(check: CheckKind, message: impl Into<String>) -> Check {
    Check {
        check,
        outcome: Outcome::NotApplicable,
        message: message.into(),
    }
}
