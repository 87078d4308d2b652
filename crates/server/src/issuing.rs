//! Issuing: issuer keys and DIDs, building and signing credentials, status
//! lists, and the derived Open Badges 2.0 documents. Pure functions where
//! possible; the async ones read and write through the store.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::write::GzEncoder;
use insignia_model::identity::hash_email;
use insignia_proofs::data_integrity::{self, Cryptosuite, SignOptions};
use insignia_proofs::did;
use insignia_proofs::jwk::Jwk;
use insignia_proofs::keys::{Algorithm, KeyPair, PublicKey};
use insignia_store::model::{Award, AwardState, BadgeVersion, Issuer, IssuerKey};
use insignia_store::repo::{awards, issuers};
use insignia_store::token::random_id;
use serde_json::{Map, Value, json};
use std::io::Write as _;

use crate::ServerError;
use crate::design::BadgeDefinition;
use crate::state::AppState;

pub const OB3_CONTEXTS: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];
pub const OB2_CONTEXT: &str = "https://w3id.org/openbadges/v2";

/// Status purposes we publish a list for.
pub const PURPOSES: [&str; 2] = ["revocation", "suspension"];

pub fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

/// URLs of everything we publish, in one place.
pub struct Urls<'a> {
    pub base: &'a str,
}

impl Urls<'_> {
    pub fn issuer_did(&self, slug: &str) -> Result<String, ServerError> {
        // did:web always means https; a plain-http development server gets
        // the DID its https deployment would have.
        let base = self.base.replacen("http://", "https://", 1);
        did::did_web_from_url(&format!("{base}/issuers/{slug}")).map_err(|e| {
            ServerError::Config(format!("cannot make a did:web from the base URL: {e}"))
        })
    }
    pub fn award_page(&self, award_id: &str) -> String {
        format!("{}/a/{award_id}", self.base)
    }
    pub fn badge_page(&self, badge_id: &str) -> String {
        format!("{}/b/{badge_id}", self.base)
    }
    pub fn issuer_page(&self, slug: &str) -> String {
        format!("{}/i/{slug}", self.base)
    }
    pub fn badge_image(&self, badge_id: &str, version: i64, ext: &str) -> String {
        format!("{}/b/{badge_id}/v/{version}/image.{ext}", self.base)
    }
    pub fn achievement(&self, badge_id: &str, version: i64) -> String {
        format!("{}/b/{badge_id}/v/{version}", self.base)
    }
    pub fn status_list(&self, slug: &str, purpose: &str) -> String {
        format!("{}/issuers/{slug}/status/{purpose}", self.base)
    }
    pub fn ob2_assertion(&self, award_id: &str) -> String {
        format!("{}/ob2/assertions/{award_id}", self.base)
    }
    pub fn ob2_badge(&self, badge_id: &str, version: i64) -> String {
        format!("{}/ob2/badges/{badge_id}/v/{version}", self.base)
    }
    pub fn ob2_issuer(&self, slug: &str) -> String {
        format!("{}/ob2/issuers/{slug}", self.base)
    }
    pub fn ob2_key(&self, slug: &str, key_no: i64) -> String {
        format!("{}/ob2/issuers/{slug}/keys/{key_no}", self.base)
    }
    pub fn ob2_revocations(&self, slug: &str) -> String {
        format!("{}/ob2/issuers/{slug}/revocations", self.base)
    }
}

/// A fresh Ed25519 key for `slug`'s key number `key_no`, sealed for storage.
pub fn new_issuer_key(
    state: &AppState,
    slug: &str,
    key_no: i64,
) -> Result<issuers::NewKey, ServerError> {
    let pair = KeyPair::generate(Algorithm::Ed25519).map_err(|source| ServerError::Key {
        what: "generating an issuer key",
        source,
    })?;
    let private =
        serde_json::to_vec(&pair.to_jwk().to_value()).map_err(|source| ServerError::KeyJson {
            what: "a new issuer key",
            source,
        })?;
    let public = pair.public_key();
    Ok(issuers::NewKey {
        algorithm: Algorithm::Ed25519.name().to_owned(),
        public_jwk: public.to_jwk().to_value().to_string(),
        public_pem: public.to_pem().ok(),
        sealed_secret: state.master.seal(&private, &seal_context(slug, key_no))?,
    })
}

fn seal_context(slug: &str, key_no: i64) -> String {
    format!("insignia issuer key {slug}#key-{key_no}")
}

pub fn public_key(row: &IssuerKey) -> Result<PublicKey, ServerError> {
    const WHAT: &str = "an issuer's stored public key";
    let value: Value = serde_json::from_str(&row.public_jwk)
        .map_err(|source| ServerError::KeyJson { what: WHAT, source })?;
    Jwk::from_value(&value)
        .and_then(|jwk| PublicKey::from_jwk(&jwk))
        .map_err(|source| ServerError::Key { what: WHAT, source })
}

/// The issuer's current signing key, unsealed, and its verification method id.
pub async fn signing_key(
    state: &AppState,
    issuer: &Issuer,
) -> Result<(KeyPair, String), ServerError> {
    let row = issuers::signing_key(&state.store, &issuer.id)
        .await?
        .ok_or_else(|| ServerError::NoSigningKey(issuer.slug.clone()))?;
    let private = state
        .master
        .open(&row.sealed_secret, &seal_context(&issuer.slug, row.key_no))?;
    const WHAT: &str = "an issuer's sealed private key";
    let value: Value = serde_json::from_slice(&private)
        .map_err(|source| ServerError::KeyJson { what: WHAT, source })?;
    let pair = Jwk::from_value(&value)
        .and_then(|jwk| KeyPair::from_jwk(&jwk))
        .map_err(|source| ServerError::Key { what: WHAT, source })?;
    let did = Urls {
        base: &state.config.base_url,
    }
    .issuer_did(&issuer.slug)?;
    Ok((pair, format!("{did}#key-{}", row.key_no)))
}

/// The DID document served at the issuer's did:web address: every key it ever
/// had, so credentials signed before a rotation still verify.
pub fn did_document(
    state: &AppState,
    issuer: &Issuer,
    keys: &[IssuerKey],
) -> Result<Value, ServerError> {
    let did = Urls {
        base: &state.config.base_url,
    }
    .issuer_did(&issuer.slug)?;
    let mut list = Vec::with_capacity(keys.len());
    for k in keys {
        list.push((format!("key-{}", k.key_no), public_key(k)?));
    }
    let doc = did::build_did_web_document(&did, &list).map_err(ServerError::DidDocument)?;
    Ok(doc.0)
}

/// The issuer's name and URL, and its e-mail and description when given
/// (the same in OB 3.0 and OB 2.0 profiles).
fn insert_contact(p: &mut Map<String, Value>, issuer: &Issuer) {
    p.insert("name".into(), json!(issuer.name));
    p.insert("url".into(), json!(issuer.url));
    if !issuer.email.is_empty() {
        p.insert("email".into(), json!(issuer.email));
    }
    if !issuer.description.is_empty() {
        p.insert("description".into(), json!(issuer.description));
    }
}

/// The issuer as an Open Badges 3.0 Profile (embedded in credentials).
pub fn profile(state: &AppState, issuer: &Issuer) -> Result<Value, ServerError> {
    let urls = Urls {
        base: &state.config.base_url,
    };
    let mut p = Map::new();
    p.insert("id".into(), json!(urls.issuer_did(&issuer.slug)?));
    p.insert("type".into(), json!(["Profile"]));
    insert_contact(&mut p, issuer);
    if issuer.logo_png.is_some() {
        p.insert(
            "image".into(),
            json!({ "id": format!("{}/i/{}/logo.png", state.config.base_url, issuer.slug), "type": "Image", "caption": issuer.name }),
        );
    }
    Ok(Value::Object(p))
}

/// What to award.
#[derive(Debug, Clone)]
pub struct AwardInput {
    pub recipient_name: String,
    pub recipient_email: String,
    pub evidence_url: Option<String>,
    pub evidence_narrative: Option<String>,
    /// Defaults to now.
    pub issued_at: Option<i64>,
    /// Overrides the badge's expiry policy.
    pub expires_at: Option<i64>,
    /// Also sign a VC-JWT.
    pub with_jwt: bool,
    /// Makes the award idempotent (bulk uploads); defaults to a fresh key.
    pub idempotency_key: Option<String>,
    pub created_by: Option<String>,
    /// E-mail the recipient about the award, in this language (queued with
    /// the award, in the same transaction).
    pub email_locale: Option<String>,
    /// A renewal: the award this one replaces (marked so in the same
    /// transaction).
    pub replaces: Option<String>,
    /// The award goes to an organisation (`recipient_name` is its name,
    /// `recipient_email` its contact address, where the claim link goes).
    pub recipient_org: Option<OrgRecipient>,
}

/// An organisation receiving an award instead of a person.
///
/// Open Badges 3.0 describes recipients, like issuers, as Profiles and
/// says an organisation is "identified by specific properties, like their
/// url or contact email address". The credential keeps the subject an
/// `AchievementSubject` whose `id` is the organisation's URL (the IRI of
/// its Profile), with the hashed contact address and the name as
/// `identifier`s: every term is defined by the OB 3.0 context (nothing is
/// dropped by JSON-LD) and the JSON schema holds. A person's subject never
/// has an `id`, so the URL is what marks an organisation (see
/// [`organisation_of`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrgRecipient {
    /// The organisation's web address (http or https), required.
    pub url: String,
}

/// The organisation a credential we issued was awarded to: its name and
/// URL; None for a person.
pub fn organisation_of(credential: &Value) -> Option<(String, String)> {
    let subject = credential.get("credentialSubject")?;
    let url = subject.get("id")?.as_str()?;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return None;
    }
    let name = subject
        .get("identifier")
        .and_then(Value::as_array)
        .and_then(|ids| {
            ids.iter()
                .find(|i| i.get("identityType").and_then(Value::as_str) == Some("name"))
        })
        .and_then(|i| i.get("identityHash"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    Some((name.to_owned(), url.to_owned()))
}

/// What every award of one badge version by one issuer shares: the
/// version, its design, the issuer and its unsealed signing key (made once
/// for a single award, once per job for a bulk award).
#[derive(Clone)]
pub struct SigningContext {
    pub issuer: Issuer,
    pub version: BadgeVersion,
    pub design: BadgeDefinition,
    pub key: KeyPair,
    /// The key's verification method id (`did:web:…#key-N`).
    pub verification_method: String,
}

impl SigningContext {
    /// The context for awarding `version` of a badge of `issuer`, with the
    /// issuer's current signing key.
    pub async fn new(
        state: &AppState,
        issuer: &Issuer,
        version: &BadgeVersion,
        design: &BadgeDefinition,
    ) -> Result<Self, ServerError> {
        let (key, verification_method) = signing_key(state, issuer).await?;
        Ok(SigningContext {
            issuer: issuer.clone(),
            version: version.clone(),
            design: design.clone(),
            key,
            verification_method,
        })
    }
}

/// What is fixed for one credential before it is built: its id, its place
/// in the status list, the recipient hash's salt and its validity.
#[derive(Debug, Clone)]
pub struct Placement {
    pub award_id: String,
    pub status_index: i64,
    pub salt: String,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
}

/// Builds the unsigned Open Badges 3.0 credential.
pub fn build_credential(
    state: &AppState,
    context: &SigningContext,
    placement: &Placement,
    input: &AwardInput,
) -> Result<Value, ServerError> {
    let SigningContext {
        issuer,
        version,
        design,
        ..
    } = context;
    let Placement {
        award_id,
        status_index,
        salt,
        issued_at,
        expires_at,
    } = placement;
    let (award_id, salt) = (award_id.as_str(), salt.as_str());
    let (status_index, issued_at, expires_at) = (*status_index, *issued_at, *expires_at);
    let urls = Urls {
        base: &state.config.base_url,
    };
    let profile = profile(state, issuer)?;
    let image = urls.badge_image(&version.badge_id, version.version, "png");
    let achievement = design.achievement(
        &urls.achievement(&version.badge_id, version.version),
        &image,
        &profile,
    );
    let mut subject = Map::new();
    if let Some(org) = &input.recipient_org {
        subject.insert("id".into(), json!(org.url.trim()));
    }
    subject.insert("type".into(), json!(["AchievementSubject"]));
    subject.insert(
        "identifier".into(),
        json!([
            {
                "type": "IdentityObject",
                "identityHash": hash_email(&input.recipient_email, Some(salt)),
                "identityType": "emailAddress",
                "hashed": true,
                "salt": salt
            },
            {
                "type": "IdentityObject",
                "identityHash": input.recipient_name.trim(),
                "identityType": "name",
                "hashed": false
            }
        ]),
    );
    subject.insert("achievement".into(), achievement);
    let mut c = Map::new();
    c.insert("@context".into(), json!(OB3_CONTEXTS));
    c.insert("id".into(), json!(urls.award_page(award_id)));
    c.insert(
        "type".into(),
        json!(["VerifiableCredential", "OpenBadgeCredential"]),
    );
    c.insert("issuer".into(), profile);
    c.insert("validFrom".into(), json!(rfc3339(issued_at)));
    if let Some(until) = expires_at {
        c.insert("validUntil".into(), json!(rfc3339(until)));
    }
    c.insert("name".into(), json!(design.name.trim()));
    c.insert("credentialSubject".into(), Value::Object(subject));
    let list = urls.status_list(&issuer.slug, "revocation");
    c.insert(
        "credentialStatus".into(),
        json!({
            "id": format!("{list}#{status_index}"),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": status_index.to_string(),
            "statusListCredential": list
        }),
    );
    let mut evidence = Map::new();
    if let Some(url) = input
        .evidence_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        evidence.insert("id".into(), json!(url.trim()));
    }
    if let Some(text) = input
        .evidence_narrative
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        evidence.insert("narrative".into(), json!(text.trim()));
    }
    if !evidence.is_empty() {
        evidence.insert("type".into(), json!(["Evidence"]));
        c.insert("evidence".into(), json!([Value::Object(evidence)]));
    }
    Ok(Value::Object(c))
}

/// Signs a credential with Data Integrity `eddsa-rdfc-2022`.
pub fn sign(
    credential: Value,
    key: &KeyPair,
    verification_method: &str,
) -> Result<Value, ServerError> {
    let options = SignOptions {
        cryptosuite: Cryptosuite::EddsaRdfc2022,
        verification_method: verification_method.to_owned(),
        created: Some(rfc3339(insignia_store::now())),
    };
    data_integrity::sign_owned(credential, key, &options).map_err(ServerError::Proof)
}

/// Refuses a credential that breaks a rule of the VC Data Model: the server
/// never signs one (the VC-API issue endpoint and awards go through here).
pub fn ensure_conforming(credential: &Value) -> Result<(), ServerError> {
    let problems = insignia_model::vc_rules::check_credential(credential);
    if problems.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    Err(ServerError::NotConforming(list.join("; ")))
}

/// Builds and signs one award (CPU work: call it off the async threads).
/// The result is not stored yet.
pub fn issue_sync(
    state: &AppState,
    context: &SigningContext,
    input: &AwardInput,
    status_index: i64,
) -> Result<Award, ServerError> {
    let SigningContext {
        issuer,
        version,
        design,
        key: pair,
        verification_method,
    } = context;
    let issued_at = input.issued_at.unwrap_or_else(insignia_store::now);
    let placement = Placement {
        award_id: random_id(16),
        salt: random_id(12),
        status_index,
        issued_at,
        expires_at: input.expires_at.or_else(|| design.expires_at(issued_at)),
    };
    let unsigned = build_credential(state, context, &placement, input)?;
    let Placement {
        award_id,
        salt,
        expires_at,
        ..
    } = placement;
    ensure_conforming(&unsigned)?;
    let jwt = if input.with_jwt {
        Some(
            insignia_proofs::jose::sign_vc_jwt(
                &unsigned,
                pair,
                Some(verification_method.as_str()),
                false,
            )
            .map_err(ServerError::Jwt)?,
        )
    } else {
        None
    };
    let signed = sign(unsigned, pair, verification_method)?;
    Ok(Award {
        id: award_id,
        org_id: issuer.org_id.clone(),
        issuer_id: issuer.id.clone(),
        badge_id: version.badge_id.clone(),
        badge_version: version.version,
        recipient_name: input.recipient_name.trim().to_owned(),
        recipient_email: input.recipient_email.trim().to_lowercase(),
        idempotency_key: input
            .idempotency_key
            .clone()
            .unwrap_or_else(|| random_id(16)),
        status_index,
        credential: signed.to_string(),
        credential_jwt: jwt,
        ob2_salt: salt,
        issued_at,
        expires_at,
        state: AwardState::Active,
        state_reason: None,
        state_changed_at: None,
        replaced_by: None,
        created_by: input.created_by.clone(),
        created_at: insignia_store::now(),
    })
}

/// Awards one badge version: builds, signs (off the async threads) and
/// stores the credential. With an idempotency key that was used before, the
/// earlier award is returned and nothing new is issued.
pub async fn award(
    state: &std::sync::Arc<AppState>,
    issuer: &Issuer,
    version: &BadgeVersion,
    design: &BadgeDefinition,
    input: AwardInput,
) -> Result<(Award, bool), ServerError> {
    if let Some(key) = &input.idempotency_key {
        if let Some(existing) = awards::by_idempotency_key(&state.store, key).await? {
            return Ok((existing, false));
        }
    }
    let row = sign_award(state, issuer, version, design, &input).await?;
    let done = match &input.replaces {
        Some(old) => {
            awards::insert_renewal(&state.store, &row, old, input.email_locale.as_deref()).await?
        }
        None => awards::insert_announced(&state.store, &row, input.email_locale.as_deref()).await?,
    };
    if done.1 && input.email_locale.is_some() {
        crate::mail::wake(state);
    }
    Ok(done)
}

/// Builds and signs one award (off the async threads) with a place of its
/// own in the issuer's status list, for the caller to store (events store
/// theirs in the transaction that enforces the event's limits).
pub async fn sign_award(
    state: &std::sync::Arc<AppState>,
    issuer: &Issuer,
    version: &BadgeVersion,
    design: &BadgeDefinition,
    input: &AwardInput,
) -> Result<Award, ServerError> {
    let context = SigningContext::new(state, issuer, version, design).await?;
    let index = awards::take_status_indexes(&state.store, &issuer.id, 1)
        .await?
        .first()
        .copied()
        .ok_or(insignia_store::StoreError::Conflict(
            "a free place in the issuer's status list (the list is nearly full)",
        ))?;
    let (st, inp) = (state.clone(), input.clone());
    tokio::task::spawn_blocking(move || issue_sync(&st, &context, &inp, index))
        .await
        .map_err(ServerError::Task)?
}

/// GZIP-compressed, base64url-encoded (multibase `u`) bitstring with the given
/// bits set, most significant bit first (Bitstring Status List v1.0 §3.2).
pub fn encode_bitstring(set: &[i64], size: i64) -> Result<String, ServerError> {
    let len = usize::try_from(size / 8).map_err(|_| ServerError::StatusListSize(size))?;
    let mut bits = vec![0u8; len];
    for &index in set {
        if let Ok(i) = usize::try_from(index) {
            if i / 8 < bits.len() {
                bits[i / 8] |= 0x80 >> (i % 8);
            }
        }
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&bits)
        .and_then(|_| gz.finish())
        .map(|zipped| format!("u{}", URL_SAFE_NO_PAD.encode(zipped)))
        .map_err(ServerError::StatusList)
}

/// The hosted Open Badges 2.0 assertion of an award.
pub fn ob2_assertion(base: &str, award: &Award) -> Value {
    let urls = Urls { base };
    let mut a = Map::new();
    a.insert("@context".into(), json!(OB2_CONTEXT));
    a.insert("type".into(), json!("Assertion"));
    a.insert("id".into(), json!(urls.ob2_assertion(&award.id)));
    // An organisation is identified by its URL (OB 2.0's `url` identity
    // type); a person by their address.
    let credential = serde_json::from_str::<Value>(&award.credential).ok();
    let recipient = match credential.as_ref().and_then(organisation_of) {
        Some((_, url)) => json!({
            "type": "url",
            "hashed": true,
            "salt": award.ob2_salt,
            "identity": insignia_model::hash_identity(&url, Some(&award.ob2_salt))
        }),
        None => json!({
            "type": "email",
            "hashed": true,
            "salt": award.ob2_salt,
            "identity": hash_email(&award.recipient_email, Some(&award.ob2_salt))
        }),
    };
    a.insert("recipient".into(), recipient);
    a.insert(
        "badge".into(),
        json!(urls.ob2_badge(&award.badge_id, award.badge_version)),
    );
    a.insert("issuedOn".into(), json!(rfc3339(award.issued_at)));
    if let Some(exp) = award.expires_at {
        a.insert("expires".into(), json!(rfc3339(exp)));
    }
    a.insert("verification".into(), json!({ "type": "hosted" }));
    if let Ok(Value::Object(credential)) = serde_json::from_str::<Value>(&award.credential) {
        if let Some(Value::Array(evidence)) = credential.get("evidence") {
            let list: Vec<Value> = evidence
                .iter()
                .map(|e| {
                    let mut o = Map::new();
                    if let Some(id) = e.get("id") {
                        o.insert("id".into(), id.clone());
                    }
                    if let Some(n) = e.get("narrative") {
                        o.insert("narrative".into(), n.clone());
                    }
                    Value::Object(o)
                })
                .collect();
            a.insert("evidence".into(), Value::Array(list));
        }
    }
    Value::Object(a)
}

/// The hosted Open Badges 2.0 issuer Profile.
pub fn ob2_issuer(base: &str, issuer: &Issuer, keys: &[IssuerKey]) -> Value {
    let urls = Urls { base };
    let mut p = Map::new();
    p.insert("@context".into(), json!(OB2_CONTEXT));
    p.insert("type".into(), json!("Issuer"));
    p.insert("id".into(), json!(urls.ob2_issuer(&issuer.slug)));
    insert_contact(&mut p, issuer);
    let key_urls: Vec<String> = keys
        .iter()
        .map(|k| urls.ob2_key(&issuer.slug, k.key_no))
        .collect();
    p.insert("publicKey".into(), json!(key_urls));
    p.insert(
        "revocationList".into(),
        json!(urls.ob2_revocations(&issuer.slug)),
    );
    Value::Object(p)
}
