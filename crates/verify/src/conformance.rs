//! The conformance check: the VC Data Model 2.0 rules
//! ([`insignia_model::vc_rules`]) the credential must follow, the same rules
//! `insignia sign` and the server enforce before signing.

use serde_json::Value;

use crate::report::{Check, CheckKind, failed, passed};

/// How many problems the message lists before summing up the rest.
const SHOWN: usize = 8;

/// The conformance check of a credential (`presentation`: of a presentation,
/// its embedded credentials included).
pub(crate) fn conformance_check(doc: &Value, presentation: bool) -> Check {
    let problems = if presentation {
        insignia_model::vc_rules::check_presentation(doc)
    } else {
        insignia_model::vc_rules::check_credential(doc)
    };
    if problems.is_empty() {
        return passed(
            CheckKind::Conformance,
            "the document follows every rule of the Verifiable Credentials Data Model that Insignia checks",
        );
    }
    let mut listed: Vec<String> = problems
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect();
    if problems.len() > SHOWN {
        listed.push(format!("and {} more", problems.len() - SHOWN));
    }
    failed(
        CheckKind::Conformance,
        format!(
            "the document breaks rules of the Verifiable Credentials Data Model: {}",
            listed.join("; ")
        ),
    )
}
