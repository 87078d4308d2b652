//! The Open Badges 3.0 (Verifiable Credentials) proof paths: an embedded
//! Data Integrity proof ([`data_integrity`]) or a VC-JWT ([`jwt`]). Both run
//! the same content checks before the signature and the same credential
//! checks after it; the caller ([`crate::dispatch`]) adds the endorsements.

pub(crate) mod data_integrity;
pub(crate) mod jwt;

use serde_json::Value;

use crate::checks::contexts::contexts_check;
use crate::checks::recipient::recipient_check;
use crate::checks::schema::schema_check;
use crate::checks::status::status_check;
use crate::checks::types::types_check;
use crate::checks::validity::validity_check;
use crate::options::VerifyOptions;
use crate::report::{Check, Report};

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

/// What follows the signature: validity window, status, recipient.
fn credential_checks(doc: &Value, options: &VerifyOptions<'_>, checks: &mut Vec<Check>) {
    checks.push(validity_check(doc, options.now));
    checks.push(status_check(doc, options, &|list| {
        verify_status_list(list, options)
    }));
    checks.push(recipient_check(doc, options.recipient));
}

/// A status list credential, verified with the same checks one level deeper
/// (it is a Verifiable Credential with a Data Integrity proof).
fn verify_status_list(list: &Value, options: &VerifyOptions<'_>) -> Report {
    data_integrity::verify(list, &options.nested())
}
