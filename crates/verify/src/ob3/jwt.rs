//! Open Badges 3.0 secured as a VC-JWT: the key named by the header (`kid`
//! through the resolver, or an embedded `jwk`), then the same checks as a
//! Data Integrity credential on the credential the token carries.

use insignia_proofs::jose;
use insignia_proofs::keys::PublicKey;
use serde_json::Value;

use crate::checks::key_binding::key_binding;
use crate::fields::jose_credential;
use crate::options::VerifyOptions;
use crate::report::{Check, CheckKind, CredentialFormat, Report, could_not, failed, passed};
use crate::resolve::Resolution;
use crate::summary::summarize;

/// Verifies a VC-JWT whose payload was already decoded (unverified). Returns
/// the report (without endorsements) and the credential it carries.
pub(crate) fn verify(token: &str, payload: &Value, options: &VerifyOptions<'_>) -> (Report, Value) {
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
    let credential = match result {
        Ok(ref vc) => vc.credential.clone(),
        Err(_) => jose_credential(payload),
    };
    let summary = summarize(&credential);
    let mut checks = vec![passed(CheckKind::Parse, "a VC-JWT credential")];
    checks.extend(super::content_checks(&credential).0);
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
    super::credential_checks(&credential, options, &mut checks);
    (
        Report::new(CredentialFormat::Ob3Jwt, summary, checks),
        credential,
    )
}
