//! Open Badges 3.0 with an embedded Data Integrity proof: one proof or a
//! proof set, each checked with the key its verification method resolves
//! to, over the canonical form the contexts check already computed.

use insignia_proofs::data_integrity;
use serde_json::Value;

use crate::checks::key_binding::key_binding;
use crate::fields::{OB2_CONTEXTS, context_urls, types};
use crate::options::VerifyOptions;
use crate::report::{
    Check, CheckKind, CredentialFormat, Outcome, Report, could_not, failed, passed,
};
use crate::resolve::Resolution;
use crate::summary::summarize;

/// Verifies a JSON credential secured with Data Integrity (not its
/// endorsements: the caller verifies those).
pub(crate) fn verify(doc: &Value, options: &VerifyOptions<'_>) -> Report {
    let summary = summarize(doc);
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
    let (content, canonical) = super::content_checks(doc);
    let contexts_unknown = content
        .iter()
        .any(|c| c.check == CheckKind::Contexts && c.outcome == Outcome::CouldNotCheck);
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
        checks.push(if contexts_unknown {
            could_not(
                CheckKind::Proof,
                "the signature could not be checked because the credential uses a JSON-LD context Insignia does not know (see the contexts check)",
            )
        } else {
            failed(
                CheckKind::Proof,
                "the signature could not be checked because the document could not be processed as JSON-LD (see the contexts check)",
            )
        });
    } else {
        checks.extend(data_integrity_checks(doc, options, canonical.as_deref()));
    }
    super::credential_checks(doc, options, &mut checks);
    Report::new(CredentialFormat::Ob3DataIntegrity, summary, checks)
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
        .with_id("proof-set-intact")
        .with_arg("count", count.to_string())
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
            )
            .with_id("proof-intact")
            .with_arg("cryptosuite", proof.cryptosuite.name()),
            key_binding(doc, &controller, &info.verification_method),
        ],
        Err(e) => vec![failed(CheckKind::Proof, e.to_string())],
    }
}
