//! Verifiable Presentations (VC Data Model 2.0 §4.13): a holder presents
//! credentials, optionally signing the presentation (Data Integrity with the
//! `authentication` purpose, bound to the verifier's `challenge` and
//! `domain`). The result is one [`PresentationReport`]: the presentation's
//! own checks plus one [`Report`] per embedded credential, each verified
//! exactly as a credential on its own.

use insignia_proofs::data_integrity::{self, Expected};
use serde::Serialize;
use serde_json::Value;

use crate::dispatch::{verify_bytes, verify_json};
use crate::options::VerifyOptions;
use crate::report::{
    Check, CheckKind, Outcome, Report, Verdict, could_not, failed, not_applicable, passed,
};
use crate::resolve::{Resolution, SUPPLIED_CONTROLLER, controller_of};

/// What the verifier asked the holder to sign.
#[derive(Debug, Clone, Copy, Default)]
pub struct PresentationExpectations<'a> {
    /// The challenge (nonce) the verifier gave; the proof must carry it.
    pub challenge: Option<&'a str>,
    /// The verifier's domain; the proof must name it.
    pub domain: Option<&'a str>,
}

/// The report for one presentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresentationReport {
    /// `true` when the verdict is [`Verdict::Valid`] or [`Verdict::ValidWithWarnings`].
    pub valid: bool,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// The presentation's own checks (format, contexts, data model rules,
    /// the holder's signature and whether its key is the holder's).
    pub checks: Vec<Check>,
    /// One report per embedded credential, in order.
    pub credentials: Vec<Report>,
}

impl PresentationReport {
    fn new(holder: Option<String>, checks: Vec<Check>, credentials: Vec<Report>) -> Self {
        let any = |o: Outcome| checks.iter().any(|c| c.outcome == o);
        // The presentation's own conformance problems and its credentials'
        // "authentic, with conformance problems" verdicts make it the same.
        let failed_authenticity = checks
            .iter()
            .any(|c| c.outcome == Outcome::Failed && !c.check.is_conformance());
        let verdict = if failed_authenticity
            || credentials.iter().any(|r| r.verdict == Verdict::Invalid)
        {
            Verdict::Invalid
        } else if any(Outcome::CouldNotCheck)
            || credentials
                .iter()
                .any(|r| r.verdict == Verdict::Indeterminate)
        {
            Verdict::Indeterminate
        } else if any(Outcome::Failed) || credentials.iter().any(|r| r.verdict != Verdict::Valid) {
            Verdict::ValidWithWarnings
        } else {
            Verdict::Valid
        };
        PresentationReport {
            valid: matches!(verdict, Verdict::Valid | Verdict::ValidWithWarnings),
            verdict,
            holder,
            checks,
            credentials,
        }
    }

    /// The check of a kind, if it ran.
    pub fn check(&self, kind: CheckKind) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == kind)
    }
}

/// Whether a JSON document is a presentation (its type includes
/// `VerifiablePresentation`).
pub fn is_presentation(doc: &Value) -> bool {
    match doc.get("type") {
        Some(Value::String(t)) => t == "VerifiablePresentation",
        Some(Value::Array(list)) => list
            .iter()
            .any(|t| t.as_str() == Some("VerifiablePresentation")),
        _ => false,
    }
}

/// Whether `input` (bytes) is a JSON presentation.
pub fn is_presentation_bytes(input: &[u8]) -> bool {
    serde_json::from_slice::<Value>(input).is_ok_and(|doc| is_presentation(&doc))
}

/// Verifies a presentation given as bytes (JSON).
pub fn verify_presentation_bytes(
    input: &[u8],
    options: &VerifyOptions<'_>,
    expected: &PresentationExpectations<'_>,
) -> PresentationReport {
    if input.len() > options.max_bytes {
        let check = failed(
            CheckKind::Parse,
            format!(
                "the input is {} bytes, larger than the {}-byte limit",
                input.len(),
                options.max_bytes
            ),
        );
        return PresentationReport::new(None, vec![check], Vec::new());
    }
    match serde_json::from_slice::<Value>(input) {
        Ok(doc) if is_presentation(&doc) => verify_presentation(&doc, options, expected),
        Ok(_) => PresentationReport::new(
            None,
            vec![failed(
                CheckKind::Parse,
                "the input is not a verifiable presentation (its type does not include VerifiablePresentation)",
            )],
            Vec::new(),
        ),
        Err(e) => PresentationReport::new(
            None,
            vec![failed(
                CheckKind::Parse,
                format!("the input is not valid JSON: {e}"),
            )],
            Vec::new(),
        ),
    }
}

/// Verifies a parsed presentation and every credential in it.
pub fn verify_presentation(
    doc: &Value,
    options: &VerifyOptions<'_>,
    expected: &PresentationExpectations<'_>,
) -> PresentationReport {
    let holder = match doc.get("holder") {
        Some(Value::String(h)) => Some(h.clone()),
        Some(Value::Object(h)) => h.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let mut checks = vec![passed(CheckKind::Parse, "a verifiable presentation")];
    checks.push(contexts_check(doc));
    checks.push(conformance_check(doc));
    checks.extend(proof_checks(doc, holder.as_deref(), options, expected));
    let credentials = embedded(doc)
        .into_iter()
        .map(|vc| verify_embedded(vc, options))
        .collect();
    PresentationReport::new(holder, checks, credentials)
}

fn embedded(doc: &Value) -> Vec<&Value> {
    match doc.get("verifiableCredential") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

/// A credential in the presentation: secured JSON, or an
/// `EnvelopedVerifiableCredential` whose `id` is a `data:` URL carrying it
/// (a VC-JWT, for example).
fn verify_embedded(vc: &Value, options: &VerifyOptions<'_>) -> Report {
    let envelope = vc
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| id.starts_with("data:"));
    match envelope.and_then(|id| id.split_once(',')) {
        Some((_, payload)) => verify_bytes(payload.as_bytes(), options),
        None => verify_json(vc, options),
    }
}

fn contexts_check(doc: &Value) -> Check {
    match insignia_ld::canonical_nquads_without(doc, Some("proof")) {
        Ok(c) if c.problems.is_empty() => passed(
            CheckKind::Contexts,
            "every context is known and defines every property",
        ),
        Ok(c) => {
            let list: Vec<String> = c.problems.iter().map(ToString::to_string).collect();
            failed(CheckKind::Contexts, list.join("; "))
        }
        Err(e) => failed(CheckKind::Contexts, e.to_string()),
    }
}

/// The presentation's own rules; its credentials' rules are in their reports.
fn conformance_check(doc: &Value) -> Check {
    let own: Vec<String> = insignia_model::vc_rules::check_presentation(doc)
        .into_iter()
        .filter(|p| {
            !p.pointer.starts_with("/verifiableCredential/")
                || p.code.starts_with("presentation-")
                || p.code.starts_with("enveloped-")
                || p.pointer.matches('/').count() <= 2 && p.code == "credential-not-object"
        })
        .map(|p| p.to_string())
        .collect();
    if own.is_empty() {
        passed(
            CheckKind::Conformance,
            "the presentation follows every rule of the Verifiable Credentials Data Model that Insignia checks",
        )
    } else {
        failed(
            CheckKind::Conformance,
            format!(
                "the presentation breaks rules of the Verifiable Credentials Data Model: {}",
                own.join("; ")
            ),
        )
    }
}

/// The holder's proof(s): each must verify with the `authentication`
/// purpose and the expected challenge and domain; the key must be the holder's.
fn proof_checks(
    doc: &Value,
    holder: Option<&str>,
    options: &VerifyOptions<'_>,
    expected: &PresentationExpectations<'_>,
) -> Vec<Check> {
    let count = data_integrity::proof_count(doc);
    if count == 0 {
        return vec![not_applicable(
            CheckKind::Proof,
            "the presentation is not signed: who presents the credentials is not proven",
        )];
    }
    let expect = Expected {
        purpose: "authentication",
        challenge: expected.challenge,
        domain: expected.domain,
    };
    let mut binding = None;
    let mut suites = Vec::new();
    for index in 0..count {
        let info = match data_integrity::read_proof_at(doc, index) {
            Ok(info) => info,
            Err(e) => return vec![failed(CheckKind::Proof, e.to_string())],
        };
        let (key, controller) = match options.resolver.resolve(&info.verification_method) {
            Resolution::Found { key, controller } => (key, controller),
            Resolution::Invalid(why) => return vec![failed(CheckKind::Proof, why)],
            Resolution::Unavailable(why) => return vec![could_not(CheckKind::Proof, why)],
        };
        match data_integrity::verify_proof_at(doc, index, &key, &expect) {
            Ok(proof) => suites.push(proof.cryptosuite.name()),
            Err(e) => {
                return vec![failed(
                    CheckKind::Proof,
                    format!("the presentation's proof is not valid: {e}"),
                )];
            }
        }
        let this = holder_binding(holder, &controller, &info.verification_method);
        if binding
            .as_ref()
            .is_none_or(|b: &Check| b.outcome != Outcome::Passed)
        {
            binding = Some(this);
        }
    }
    let mut bound = vec![];
    if let Some(challenge) = expected.challenge {
        bound.push(format!("challenge {challenge}"));
    }
    if let Some(domain) = expected.domain {
        bound.push(format!("domain {domain}"));
    }
    let bound = if bound.is_empty() {
        String::new()
    } else {
        format!(", for the {}", bound.join(" and "))
    };
    let mut checks = vec![passed(
        CheckKind::Proof,
        format!(
            "the holder's {} signature on the presentation is intact{bound}",
            suites.join(", ")
        ),
    )];
    checks.extend(binding);
    checks
}

fn holder_binding(holder: Option<&str>, controller: &str, verification_method: &str) -> Check {
    let Some(holder) = holder else {
        return not_applicable(
            CheckKind::KeyBinding,
            "the presentation names no holder, so the signing key is not compared with one",
        );
    };
    if controller == SUPPLIED_CONTROLLER {
        return could_not(
            CheckKind::KeyBinding,
            "the key was supplied by you, so whether it belongs to the holder was not checked",
        );
    }
    if controller == holder || controller_of(verification_method) == holder {
        passed(
            CheckKind::KeyBinding,
            format!("the presentation is signed with a key of its holder {holder}"),
        )
    } else {
        failed(
            CheckKind::KeyBinding,
            format!(
                "the presentation is signed with a key of {controller}, not of its holder {holder}"
            ),
        )
    }
}
