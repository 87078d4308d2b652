//! JSON-LD contexts: the Verifiable Credentials context first, the Open
//! Badges 3.0 one for a badge, every context known and every property
//! defined (safe mode). The canonical N-Quads computed on the way are handed
//! to the signature check. A context Insignia does not know makes the check
//! "could not check": what the credential says cannot be read, which is not
//! proof of forgery.

use insignia_ld::LdError;
use serde_json::Value;

use crate::fields::{
    CLR2_CONTEXT_PREFIX, OB3_CONTEXT_PREFIX, VC1_CONTEXT, VC2_CONTEXT, context_urls, is_open_badge,
    types,
};
use crate::report::{Check, CheckKind, could_not, failed, passed};

/// The contexts check, and the canonical N-Quads of the document without its
/// proof when they could be computed.
pub(crate) fn contexts_check(doc: &Value) -> (Check, Option<String>) {
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
    let is_badge = is_open_badge(&types(doc));
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
            could_not(
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
