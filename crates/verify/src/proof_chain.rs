//! Proof chains (VC Data Integrity 1.0, "Proof Chains"): proofs whose
//! `previousProof` names other proofs of the set by `id`. Each proof is
//! verified over the document with the proof(s) it names
//! ([`data_integrity::verify_proof_at`]); every proof must verify, and at
//! least one must be made with a key of the issuer.

use insignia_proofs::data_integrity::{self, Expected};
use serde_json::Value;

use crate::checks::key_binding::key_binding;
use crate::options::VerifyOptions;
use crate::report::{Check, CheckKind, Outcome, could_not, failed, passed};
use crate::resolve::Resolution;

/// The proof and key-binding checks of a document whose proof set has a chain.
pub(crate) fn chain_checks(doc: &Value, options: &VerifyOptions<'_>) -> Vec<Check> {
    let count = data_integrity::proof_count(doc);
    let mut bound: Option<Check> = None;
    let mut binding_problem: Option<Check> = None;
    let mut suites = Vec::with_capacity(count);
    for index in 0..count {
        let label = |message: String| format!("proof {} of {count}: {message}", index + 1);
        let info = match data_integrity::read_proof_at(doc, index) {
            Ok(info) => info,
            Err(e) => return vec![failed(CheckKind::Proof, label(e.to_string()))],
        };
        let (key, controller) = match options.resolver.resolve(&info.verification_method) {
            Resolution::Found { key, controller } => (key, controller),
            Resolution::Invalid(why) => return vec![failed(CheckKind::Proof, label(why))],
            Resolution::Unavailable(why) => return vec![could_not(CheckKind::Proof, label(why))],
        };
        match data_integrity::verify_proof_at(doc, index, &key, &Expected::ASSERTION) {
            Ok(proof) => suites.push(proof.cryptosuite.name()),
            Err(e) => return vec![failed(CheckKind::Proof, label(e.to_string()))],
        }
        let binding = key_binding(doc, &controller, &info.verification_method);
        match binding.outcome {
            Outcome::Passed if bound.is_none() => bound = Some(binding),
            Outcome::CouldNotCheck | Outcome::Failed if binding_problem.is_none() => {
                binding_problem = Some(binding)
            }
            _ => {}
        }
    }
    let proof = passed(
        CheckKind::Proof,
        format!(
            "all {count} signatures of the proof chain are intact, each over the proofs it follows ({})",
            suites.join(", ")
        ),
    );
    let binding = bound
        .or(binding_problem)
        .unwrap_or_else(|| failed(CheckKind::KeyBinding, "no proof of the chain names its key"));
    vec![proof, binding]
}
