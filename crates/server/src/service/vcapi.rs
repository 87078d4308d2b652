//! The W3C CCG VC-API: issue a credential with one of the organisation's
//! issuers (`/credentials/issue`), verify a credential
//! (`/credentials/verify`) or a presentation (`/presentations/verify`).
//!
//! Verification uses our own issuers' keys from the database for their
//! `did:web` methods (no request to ourselves) and the online verifier's
//! SSRF-safe fetches for anything else. The result is the VC-API's
//! `{verified, checks, warnings, errors}`: every failed check and every check
//! that could not run is an error, except the key binding (the issuer is not
//! the key's controller), which the Data Integrity specifications do not
//! require and which is a warning here.

use insignia_proofs::keys::PublicKey;
use insignia_store::model::Issuer;
use insignia_store::repo::api_tokens::ApiToken;
use insignia_store::repo::issuers;
use insignia_verify::presentation::{PresentationExpectations, verify_presentation_bytes};
use insignia_verify::{
    Check, CheckKind, KeyResolver, Material, MaterialResolver, Outcome, Report, Resolution,
    VerifyOptions,
};
use serde_json::{Value, json};

use crate::error::AppError;
use crate::issuing::{self, Urls};
use crate::service::verification;
use crate::state::Shared;

/// Why a VC-API request was refused.
#[derive(Debug)]
pub enum VcApiError {
    /// 400: the request is malformed (no credential, wrong options…).
    BadRequest(String),
    /// 422: a well-formed credential the issuer will not sign (the data
    /// model rules it breaks, each `{code, pointer, message}`).
    Unprocessable(String, Vec<Value>),
    /// 401: no valid token.
    Unauthorized,
    /// 403: the token lacks the scope.
    Forbidden,
    Internal(String),
}

impl From<AppError> for VcApiError {
    fn from(e: AppError) -> Self {
        VcApiError::Internal(format!("{e:?}"))
    }
}

impl From<insignia_store::StoreError> for VcApiError {
    fn from(e: insignia_store::StoreError) -> Self {
        VcApiError::Internal(e.to_string())
    }
}

fn problems_json(problems: &[insignia_model::vc_rules::RuleProblem]) -> Vec<Value> {
    problems
        .iter()
        .map(|p| json!({"code": p.code, "pointer": p.pointer, "message": p.message}))
        .collect()
}

/// The organisation's issuer to sign with: the one the credential names (by
/// its did:web), else `options.issuer`, else the organisation's first.
async fn choose_issuer(
    state: &Shared,
    org_id: &str,
    credential: &Value,
    options: &Value,
) -> Result<(Issuer, String), VcApiError> {
    let urls = Urls {
        base: &state.config.base_url,
    };
    let named = match credential.get("issuer") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
    .or_else(|| options.get("issuer").and_then(Value::as_str));
    let list = issuers::list(&state.store, org_id).await?;
    let mut first = None;
    for issuer in list {
        let did = urls
            .issuer_did(&issuer.slug)
            .map_err(|e| VcApiError::Internal(e.to_string()))?;
        if named == Some(did.as_str()) {
            return Ok((issuer, did));
        }
        if first.is_none() {
            first = Some((issuer, did));
        }
    }
    first
        .ok_or_else(|| VcApiError::BadRequest("the organisation has no issuer to sign with".into()))
}

/// `POST /credentials/issue`: `{credential, options}` → the signed credential.
pub async fn issue(state: &Shared, token: &ApiToken, body: &Value) -> Result<Value, VcApiError> {
    if !token.has_scope("issue") {
        return Err(VcApiError::Forbidden);
    }
    let Some(Value::Object(credential)) = body.get("credential") else {
        return Err(VcApiError::BadRequest(
            "the body must be {\"credential\": {…}, \"options\": {…}}".into(),
        ));
    };
    let options = body.get("options").cloned().unwrap_or_else(|| json!({}));
    if !options.is_object() {
        return Err(VcApiError::BadRequest("'options' must be an object".into()));
    }
    for (key, allowed) in [
        ("cryptosuite", "eddsa-rdfc-2022"),
        ("type", "DataIntegrityProof"),
    ] {
        if let Some(value) = options.get(key) {
            if value.as_str() != Some(allowed) {
                return Err(VcApiError::BadRequest(format!(
                    "options.{key} {value} is not offered: this issuer signs with {allowed}"
                )));
            }
        }
    }
    if credential.contains_key("proof") {
        return Err(VcApiError::BadRequest(
            "the credential already has a proof".into(),
        ));
    }
    let mut credential = Value::Object(credential.clone());
    // An issuer the credential names must be a URL (the one signing is then
    // put in its place); only a missing issuer is filled in silently.
    let named: Vec<_> = insignia_model::vc_rules::check_credential(&credential)
        .into_iter()
        .filter(|p| p.code == "issuer-not-url")
        .collect();
    if !named.is_empty() {
        return Err(VcApiError::Unprocessable(
            named[0].to_string(),
            problems_json(&named),
        ));
    }
    let (issuer, did) = choose_issuer(state, &token.org_id, &credential, &options).await?;
    match credential.get_mut("issuer") {
        Some(Value::Object(o)) => {
            o.insert("id".into(), Value::from(did.clone()));
        }
        Some(slot) => *slot = Value::from(did.clone()),
        None => {
            if let Some(map) = credential.as_object_mut() {
                map.insert("issuer".into(), Value::from(did.clone()));
            }
        }
    }
    let problems = insignia_model::vc_rules::check_credential(&credential);
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(VcApiError::Unprocessable(
            format!(
                "the credential does not conform to the Verifiable Credentials Data Model: {}",
                list.join("; ")
            ),
            problems_json(&problems),
        ));
    }
    let (pair, vm) = issuing::signing_key(state, &issuer)
        .await
        .map_err(|e| VcApiError::Internal(e.to_string()))?;
    let signed = tokio::task::spawn_blocking(move || issuing::sign(credential, &pair, &vm))
        .await
        .map_err(|e| VcApiError::Internal(e.to_string()))?
        // Undefined terms, relative ids…: the document cannot be signed as it is.
        .map_err(|e| VcApiError::Unprocessable(e.to_string(), Vec::new()))?;
    Ok(json!({ "verifiableCredential": signed }))
}

/// Our issuers' keys for the `did:web` methods of this server named in the
/// document (found anywhere in it), then what the online verifier gathered.
struct Resolver<'a> {
    ours: Vec<(String, String, PublicKey)>,
    gathered: MaterialResolver<'a>,
}

impl KeyResolver for Resolver<'_> {
    fn resolve(&self, verification_method: &str) -> Resolution {
        if let Some((_, controller, key)) = self
            .ours
            .iter()
            .find(|(vm, _, _)| vm == verification_method)
        {
            return Resolution::Found {
                key: key.clone(),
                controller: controller.clone(),
            };
        }
        self.gathered.resolve(verification_method)
    }
}

fn verification_methods<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("verificationMethod", Value::String(s)) => out.push(s),
                    _ => verification_methods(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| verification_methods(v, out)),
        _ => {}
    }
}

async fn our_keys(
    state: &Shared,
    doc: &Value,
) -> Result<Vec<(String, String, PublicKey)>, VcApiError> {
    let urls = Urls {
        base: &state.config.base_url,
    };
    let prefix = urls
        .issuer_did("x")
        .map_err(|e| VcApiError::Internal(e.to_string()))?;
    let prefix = prefix.trim_end_matches('x').to_owned();
    let mut methods = Vec::new();
    verification_methods(doc, &mut methods);
    let mut out = Vec::new();
    let mut slugs: Vec<&str> = methods
        .iter()
        .filter_map(|vm| vm.strip_prefix(prefix.as_str()))
        .filter_map(|rest| rest.split('#').next())
        .collect();
    slugs.sort_unstable();
    slugs.dedup();
    for slug in slugs {
        let Some(issuer) = issuers::by_slug(&state.store, slug).await? else {
            continue;
        };
        let did = format!("{prefix}{slug}");
        for k in issuers::keys(&state.store, &issuer.id).await? {
            let key = issuing::public_key(&k).map_err(|e| VcApiError::Internal(e.to_string()))?;
            out.push((format!("{did}#key-{}", k.key_no), did.clone(), key));
        }
    }
    Ok(out)
}

async fn gather(bytes: &[u8]) -> Result<Material, VcApiError> {
    let verifier = verification::online(None)?;
    Ok(verifier.gather(bytes).await)
}

/// The VC-API result of checks: errors are the failed and unchecked checks
/// (a key binding failure only warns), `checks` the names of those passed.
fn result_of(checks: &[Check], nested_errors: Vec<Value>, require_proof: bool) -> (bool, Value) {
    let name = |c: &Check| serde_json::to_value(c.check).unwrap_or(Value::Null);
    let mut errors = nested_errors;
    let mut warnings = Vec::new();
    let mut passed = Vec::new();
    for c in checks {
        let entry = json!({"check": name(c), "message": c.message});
        match c.outcome {
            Outcome::Passed => passed.push(name(c)),
            Outcome::NotApplicable => {}
            Outcome::Failed if c.check == CheckKind::KeyBinding => warnings.push(entry),
            Outcome::Failed | Outcome::CouldNotCheck => errors.push(entry),
        }
    }
    let proof_passed = checks
        .iter()
        .any(|c| c.check == CheckKind::Proof && c.outcome == Outcome::Passed);
    let verified = errors.is_empty() && (proof_passed || !require_proof);
    (
        verified,
        json!({"verified": verified, "checks": passed, "warnings": warnings, "errors": errors}),
    )
}

fn credential_result(report: &Report) -> (bool, Value) {
    let (verified, mut body) = result_of(&report.checks, Vec::new(), true);
    if !report.checks.iter().any(|c| c.check == CheckKind::Proof) {
        body["verified"] = Value::Bool(false);
        if let Some(errors) = body["errors"].as_array_mut() {
            errors.push(json!({"check": "proof", "message": "the credential has no proof"}));
        }
        return (false, body);
    }
    (verified, body)
}

/// `POST /credentials/verify`: `{verifiableCredential, options}` →
/// (verified, VC-API result).
pub async fn verify_credential(state: &Shared, body: &Value) -> Result<(bool, Value), VcApiError> {
    let credential = match body.get("verifiableCredential") {
        Some(Value::Object(_)) => body["verifiableCredential"].clone(),
        _ => {
            return Err(VcApiError::BadRequest(
                "the body must be {\"verifiableCredential\": {…}}".into(),
            ));
        }
    };
    let bytes = serde_json::to_vec(&credential).map_err(|e| VcApiError::Internal(e.to_string()))?;
    let ours = our_keys(state, &credential).await?;
    let material = gather(&bytes).await?;
    let report = tokio::task::spawn_blocking(move || {
        let resolver = Resolver {
            ours,
            gathered: MaterialResolver {
                material: &material,
            },
        };
        let mut options = VerifyOptions::new(&resolver);
        options.material = Some(&material);
        insignia_verify::verify_bytes(&bytes, &options)
    })
    .await
    .map_err(|e| VcApiError::Internal(e.to_string()))?;
    Ok(credential_result(&report))
}

/// `POST /presentations/verify`: `{verifiablePresentation, options:
/// {challenge, domain}}` → (verified, VC-API result with one entry per
/// credential in `credentialResults`).
pub async fn verify_presentation(
    state: &Shared,
    body: &Value,
) -> Result<(bool, Value), VcApiError> {
    let presentation = match body.get("verifiablePresentation") {
        Some(Value::Object(_)) => body["verifiablePresentation"].clone(),
        Some(Value::String(_)) => {
            return Err(VcApiError::BadRequest(
                "presentations secured as JWTs are not supported; send a JSON presentation".into(),
            ));
        }
        _ => {
            return Err(VcApiError::BadRequest(
                "the body must be {\"verifiablePresentation\": {…}, \"options\": {…}}".into(),
            ));
        }
    };
    let options = body.get("options").cloned().unwrap_or_else(|| json!({}));
    let challenge = options
        .get("challenge")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let domain = options
        .get("domain")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let bytes =
        serde_json::to_vec(&presentation).map_err(|e| VcApiError::Internal(e.to_string()))?;
    let ours = our_keys(state, &presentation).await?;
    let material = gather(&bytes).await?;
    let report = tokio::task::spawn_blocking(move || {
        let resolver = Resolver {
            ours,
            gathered: MaterialResolver {
                material: &material,
            },
        };
        let mut verify = VerifyOptions::new(&resolver);
        verify.material = Some(&material);
        let expected = PresentationExpectations {
            challenge: challenge.as_deref(),
            domain: domain.as_deref(),
        };
        verify_presentation_bytes(&bytes, &verify, &expected)
    })
    .await
    .map_err(|e| VcApiError::Internal(e.to_string()))?;
    let credential_results: Vec<(bool, Value)> =
        report.credentials.iter().map(credential_result).collect();
    let nested: Vec<Value> = credential_results
        .iter()
        .enumerate()
        .filter(|(_, (ok, _))| !ok)
        .map(|(i, (_, r))| {
            json!({"check": "credential", "credential": i, "message": format!("credential {} does not verify", i + 1), "errors": r["errors"]})
        })
        .collect();
    // An unsigned presentation is verified when its credentials are.
    let (verified, mut body) = result_of(&report.checks, nested, false);
    body["credentialResults"] =
        Value::Array(credential_results.into_iter().map(|(_, r)| r).collect());
    Ok((verified, body))
}
