//! Key binding: the key that made the signature belongs to the issuer.

use serde_json::Value;

use crate::fields::issuer_id;
use crate::report::{Check, CheckKind, could_not, failed, passed};
use crate::resolve::{SUPPLIED_CONTROLLER, controller_of};

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
