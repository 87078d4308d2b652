//! Endorsements: a third party vouches for an earner's award, a badge or an
//! issuer with a comment, as a signed Open Badges 3.0 `EndorsementCredential`.
//!
//! * The endorser is either one of the issuers of an organisation the
//!   account issues for (signed like its awards: `eddsa-rdfc-2022` with the
//!   issuer's did:web key) or the account itself: a person endorser gets an
//!   Ed25519 key of its own the first time it endorses, held by the platform
//!   sealed under the master key like issuer keys, published as
//!   `did:web:{host}:users:{account id}` (`/users/{id}/did.json`). Deleting
//!   the account deletes the key and its endorsements.
//! * The endorsed party decides before anything is shown: the earner the
//!   award belongs to (bound to their account, or sent to one of its
//!   confirmed addresses), or the admins of the badge's or issuer's
//!   organisation. Each gets an e-mail through the outbox; the endorser gets
//!   one when it is decided.
//! * Approved endorsements are listed on the public award, badge and issuer
//!   pages with their verification against our own records, and served as
//!   JSON at their id (`/endorsements/{id}`).

use insignia_proofs::did;
use insignia_proofs::jwk::Jwk;
use insignia_proofs::keys::{Algorithm, KeyPair, PublicKey};
use insignia_store::model::{
    EndorsedKind, Endorsement, EndorsementState, MailKind, OutboxMessage, Role, User,
};
use insignia_store::repo::mail::NewMessage;
use insignia_store::repo::throttle::{self, Limit};
use insignia_store::repo::{awards, backpack, endorsements, issuers, orgs, users};
use insignia_store::token::random_id;
use insignia_verify::{KeyResolver, Report, Resolution, VerifyOptions};
use lettre::Address;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use minijinja::context;
use serde::Serialize;
use serde_json::{Value, json};

use crate::ServerError;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::{self, Urls};
use crate::state::Shared;

/// Longest comment accepted, in characters.
pub const MAX_COMMENT: usize = 2000;
/// Endorsements one account may write (each e-mails the endorsed party):
/// 10 an hour, 30 a day.
const LIMITS: [Limit; 2] = [
    Limit {
        window: 3600,
        max: 10,
    },
    Limit {
        window: 86_400,
        max: 30,
    },
];

/// Why an endorsement was refused (each has a message in the catalogues).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No comment, or only spaces.
    EmptyComment,
    /// Longer than [`MAX_COMMENT`].
    LongComment,
    /// The account cannot endorse what it holds or runs.
    OwnThing,
    /// The award has no account to approve it yet.
    NoEarner,
    /// Not an issuer the account may sign for.
    NotYourIssuer,
    /// Too many endorsements in a short time.
    TooMany,
}

impl Refused {
    pub fn key(self) -> &'static str {
        match self {
            Refused::EmptyComment => "endorse-refused-empty",
            Refused::LongComment => "endorse-refused-long",
            Refused::OwnThing => "endorse-refused-own",
            Refused::NoEarner => "endorse-refused-no-earner",
            Refused::NotYourIssuer => "endorse-refused-issuer",
            Refused::TooMany => "endorse-refused-too-many",
        }
    }
}

/// What can go wrong endorsing.
#[derive(Debug)]
pub enum EndorseError {
    Refused(Refused),
    App(AppError),
}

impl From<AppError> for EndorseError {
    fn from(e: AppError) -> Self {
        EndorseError::App(e)
    }
}

impl From<ServerError> for EndorseError {
    fn from(e: ServerError) -> Self {
        EndorseError::App(e.into())
    }
}

impl From<insignia_store::StoreError> for EndorseError {
    fn from(e: insignia_store::StoreError) -> Self {
        EndorseError::App(e.into())
    }
}

/// What is endorsed, resolved: its IRI, its name and who decides.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub kind: EndorsedKind,
    /// The award's or badge's id, the issuer's id.
    pub subject_ref: String,
    pub iri: String,
    /// What it is called (the badge's name; for an award with its earner).
    pub name: String,
    /// The public page.
    pub page: String,
    #[serde(skip)]
    pub owner_user: Option<String>,
    #[serde(skip)]
    pub owner_org: Option<String>,
}

/// Resolves what `kind`/`id` names (an award id, a badge id, an issuer's
/// slug): only public things; anything else is "not found".
pub async fn target(state: &Shared, kind: EndorsedKind, id: &str) -> Result<Target, AppError> {
    let urls = Urls {
        base: &state.config.base_url,
    };
    match kind {
        EndorsedKind::Award => {
            let view = crate::service::award_view::load_award(state, id).await?;
            let credential: Value = serde_json::from_str(&view.award.credential)
                .map_err(|e| AppError::Internal(format!("stored credential: {e}")))?;
            let iri = credential
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| urls.award_page(id), str::to_owned);
            let owner_user = match backpack::bound_to(&state.store, id).await? {
                Some(user) => Some(user),
                None => {
                    match users::by_any_email(&state.store, &view.award.recipient_email).await? {
                        Some(user) => users::verified_emails(&state.store, &user.id)
                            .await?
                            .contains(&view.award.recipient_email.to_lowercase())
                            .then_some(user.id),
                        None => None,
                    }
                }
            };
            Ok(Target {
                kind,
                subject_ref: view.award.id.clone(),
                iri,
                name: format!("{} · {}", view.design.name, view.award.recipient_name),
                page: urls.award_page(id),
                owner_user,
                owner_org: None,
            })
        }
        EndorsedKind::Badge => {
            let badge = crate::service::badges::published(state, id).await?;
            let (_, design) = crate::service::badges::current_version(state, &badge).await?;
            Ok(Target {
                kind,
                subject_ref: badge.id.clone(),
                iri: urls.achievement(&badge.id, badge.current_version),
                name: design.name.clone(),
                page: urls.badge_page(&badge.id),
                owner_user: None,
                owner_org: Some(badge.org_id.clone()),
            })
        }
        EndorsedKind::Issuer => {
            let issuer = issuers::by_slug(&state.store, id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(Target {
                kind,
                subject_ref: issuer.id.clone(),
                iri: urls.issuer_did(&issuer.slug)?,
                name: issuer.name.clone(),
                page: urls.issuer_page(&issuer.slug),
                owner_user: None,
                owner_org: Some(issuer.org_id.clone()),
            })
        }
    }
}

/// What an endorsement is about, as the endorsements page names it.
#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    pub name: String,
    pub page: String,
}

/// The name and public page of an endorsed award, badge or issuer (by its
/// id here); a name of "?" when it is gone.
pub async fn subject(
    state: &Shared,
    kind: EndorsedKind,
    subject_ref: &str,
) -> Result<Subject, AppError> {
    let slug = match kind {
        EndorsedKind::Issuer => match issuers::by_id(&state.store, subject_ref).await? {
            Some(issuer) => issuer.slug,
            None => return Ok(gone()),
        },
        EndorsedKind::Award | EndorsedKind::Badge => subject_ref.to_owned(),
    };
    match target(state, kind, &slug).await {
        Ok(t) => Ok(Subject {
            name: t.name,
            page: t.page,
        }),
        Err(AppError::NotFound) => Ok(gone()),
        Err(e) => Err(e),
    }
}

fn gone() -> Subject {
    Subject {
        name: "?".into(),
        page: String::new(),
    }
}

/// An issuer the account may endorse as.
#[derive(Debug, Clone, Serialize)]
pub struct SignAs {
    pub id: String,
    pub name: String,
}

/// The issuers of organisations where `user` issues badges (role issuer or
/// above), except those of `exclude_org` (no organisation endorses itself).
pub async fn issuers_for(
    state: &Shared,
    user: &User,
    exclude_org: Option<&str>,
) -> Result<Vec<SignAs>, AppError> {
    let mut list = Vec::new();
    for m in orgs::memberships(&state.store, &user.id).await? {
        if m.role < Role::Issuer || Some(m.org_id.as_str()) == exclude_org {
            continue;
        }
        for issuer in issuers::list(&state.store, &m.org_id).await? {
            list.push(SignAs {
                id: issuer.id,
                name: issuer.name,
            });
        }
    }
    Ok(list)
}

/// The did:web of a person endorser.
pub fn account_did(state: &Shared, user_id: &str) -> Result<String, ServerError> {
    let base = state.config.base_url.replacen("http://", "https://", 1);
    did::did_web_from_url(&format!("{base}/users/{user_id}"))
        .map_err(|e| ServerError::Config(format!("cannot make a did:web from the base URL: {e}")))
}

fn account_seal_context(user_id: &str, key_no: i64) -> String {
    format!("insignia account key {user_id}#key-{key_no}")
}

fn parse_public(jwk: &str) -> Result<PublicKey, ServerError> {
    const WHAT: &str = "a person endorser's stored public key";
    let value: Value =
        serde_json::from_str(jwk).map_err(|source| ServerError::KeyJson { what: WHAT, source })?;
    Jwk::from_value(&value)
        .and_then(|jwk| PublicKey::from_jwk(&jwk))
        .map_err(|source| ServerError::Key { what: WHAT, source })
}

/// A person endorser's signing key (made and stored on first use) and its
/// verification method.
async fn account_signing_key(state: &Shared, user: &User) -> Result<(KeyPair, String), AppError> {
    let mut keys = endorsements::account_keys(&state.store, &user.id).await?;
    if keys.is_empty() {
        const NEW: &str = "a person endorser's new key";
        let pair = KeyPair::generate(Algorithm::Ed25519)
            .map_err(|source| ServerError::Key { what: NEW, source })?;
        let private = serde_json::to_vec(&pair.to_jwk().to_value())
            .map_err(|source| ServerError::KeyJson { what: NEW, source })?;
        let sealed = state
            .master
            .seal(&private, &account_seal_context(&user.id, 1))?;
        endorsements::add_first_account_key(
            &state.store,
            &user.id,
            Algorithm::Ed25519.name(),
            &pair.public_key().to_jwk().to_value().to_string(),
            &sealed,
        )
        .await?;
        keys = endorsements::account_keys(&state.store, &user.id).await?;
    }
    let row = keys
        .last()
        .ok_or_else(|| AppError::Internal("the account key was not stored".into()))?;
    let private = state.master.open(
        &row.sealed_secret,
        &account_seal_context(&user.id, row.key_no),
    )?;
    const WHAT: &str = "a person endorser's sealed private key";
    let value: Value = serde_json::from_slice(&private)
        .map_err(|source| ServerError::KeyJson { what: WHAT, source })?;
    let pair = Jwk::from_value(&value)
        .and_then(|jwk| KeyPair::from_jwk(&jwk))
        .map_err(|source| ServerError::Key { what: WHAT, source })?;
    let did = account_did(state, &user.id)?;
    Ok((pair, format!("{did}#key-{}", row.key_no)))
}

/// The DID document of a person endorser (None: it never endorsed, or the
/// account is gone).
pub async fn account_did_document(
    state: &Shared,
    user_id: &str,
) -> Result<Option<Value>, AppError> {
    let keys = endorsements::account_keys(&state.store, user_id).await?;
    if keys.is_empty() {
        return Ok(None);
    }
    let did = account_did(state, user_id)?;
    let mut list = Vec::new();
    for k in &keys {
        list.push((format!("key-{}", k.key_no), parse_public(&k.public_jwk)?));
    }
    let doc = did::build_did_web_document(&did, &list).map_err(ServerError::DidDocument)?;
    Ok(Some(doc.0))
}

/// The URL (and credential id) of an endorsement.
pub fn endorsement_url(state: &Shared, id: &str) -> String {
    format!("{}/endorsements/{id}", state.config.base_url)
}

/// The unsigned EndorsementCredential.
pub fn build_credential(
    id_url: &str,
    issuer: Value,
    target: &Target,
    comment: &str,
    now: i64,
) -> Value {
    json!({
        "@context": issuing::OB3_CONTEXTS,
        "id": id_url,
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": issuer,
        "validFrom": issuing::rfc3339(now),
        "name": format!("Endorsement of {}", target.name),
        "credentialSubject": {
            "id": target.iri,
            "type": ["EndorsementSubject"],
            "endorsementComment": comment,
        },
    })
}

fn message_to(user: &User, kind: MailKind) -> NewMessage {
    NewMessage::account(
        kind,
        &user.id,
        &user.email,
        user.locale.as_deref().unwrap_or("en"),
    )
}

/// Endorses `target` as `user` (with `as_issuer`: one of the issuers
/// [`issuers_for`] lists), signs the credential and stores it pending, with
/// an e-mail to each account that decides.
pub async fn endorse(
    state: &Shared,
    user: &User,
    target: &Target,
    as_issuer: Option<&str>,
    comment: &str,
) -> Result<Endorsement, EndorseError> {
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(EndorseError::Refused(Refused::EmptyComment));
    }
    if comment.chars().count() > MAX_COMMENT {
        return Err(EndorseError::Refused(Refused::LongComment));
    }
    // Who decides, and no endorsing of what one holds or runs.
    let deciders: Vec<User> = match (&target.owner_user, &target.owner_org) {
        (Some(owner), _) => {
            if owner == &user.id {
                return Err(EndorseError::Refused(Refused::OwnThing));
            }
            users::by_id(&state.store, owner)
                .await?
                .into_iter()
                .collect()
        }
        (None, Some(org)) => {
            if orgs::role(&state.store, org, &user.id).await?.is_some() {
                return Err(EndorseError::Refused(Refused::OwnThing));
            }
            let mut list = Vec::new();
            for m in orgs::members(&state.store, org).await? {
                if m.role >= Role::Admin {
                    if let Some(u) = users::by_id(&state.store, &m.user_id).await? {
                        list.push(u);
                    }
                }
            }
            list
        }
        (None, None) => return Err(EndorseError::Refused(Refused::NoEarner)),
    };
    if deciders.is_empty() {
        return Err(EndorseError::Refused(Refused::NoEarner));
    }
    let id = random_id(16);
    let id_url = endorsement_url(state, &id);
    let now = insignia_store::now();
    let (pair, vm, profile, name, issuer_id) = match as_issuer {
        Some(issuer_id) => {
            let allowed = issuers_for(state, user, target.owner_org.as_deref()).await?;
            if !allowed.iter().any(|i| i.id == issuer_id) {
                return Err(EndorseError::Refused(Refused::NotYourIssuer));
            }
            let issuer = issuers::by_id(&state.store, issuer_id)
                .await?
                .ok_or(EndorseError::Refused(Refused::NotYourIssuer))?;
            let (pair, vm) = issuing::signing_key(state, &issuer).await?;
            let profile = issuing::profile(state, &issuer)?;
            (pair, vm, profile, issuer.name.clone(), Some(issuer.id))
        }
        None => {
            let (pair, vm) = account_signing_key(state, user).await?;
            let did = account_did(state, &user.id)?;
            let profile = json!({"id": did, "type": ["Profile"], "name": user.name});
            (pair, vm, profile, user.name.clone(), None)
        }
    };
    // Counted once the endorsement is otherwise acceptable.
    if !throttle::allow(&state.store, &format!("endorse:{}", user.id), &LIMITS).await? {
        return Err(EndorseError::Refused(Refused::TooMany));
    }
    let unsigned = build_credential(&id_url, profile, target, comment, now);
    issuing::ensure_conforming(&unsigned)?;
    let signed = tokio::task::spawn_blocking(move || issuing::sign(unsigned, &pair, &vm))
        .await
        .map_err(|e| AppError::Internal(format!("signing task: {e}")))??;
    let row = Endorsement {
        id,
        endorser_user_id: user.id.clone(),
        endorser_issuer_id: issuer_id,
        endorser_name: name,
        subject_kind: target.kind,
        subject_ref: target.subject_ref.clone(),
        subject_iri: target.iri.clone(),
        owner_user_id: target.owner_user.clone(),
        owner_org_id: if target.owner_user.is_some() {
            None
        } else {
            target.owner_org.clone()
        },
        comment: comment.to_owned(),
        credential: signed.to_string(),
        state: EndorsementState::Pending,
        created_at: now,
        decided_at: None,
        decided_by: None,
    };
    let messages: Vec<NewMessage> = deciders
        .iter()
        .map(|u| message_to(u, MailKind::EndorsementRequest))
        .collect();
    endorsements::insert(&state.store, &row, &messages).await?;
    crate::mail::wake(state);
    Ok(row)
}

/// Whether `user` decides on `e` (the earner, or an admin of its organisation).
pub async fn may_decide(state: &Shared, user: &User, e: &Endorsement) -> Result<bool, AppError> {
    if let Some(owner) = &e.owner_user_id {
        return Ok(owner == &user.id);
    }
    match &e.owner_org_id {
        Some(org) => Ok(orgs::role(&state.store, org, &user.id)
            .await?
            .is_some_and(|r| r >= Role::Admin)),
        None => Ok(false),
    }
}

/// Approves or declines a pending endorsement (false: already decided).
/// Someone who may not decide gets "not found".
pub async fn decide(
    state: &Shared,
    user: &User,
    id: &str,
    approve: bool,
) -> Result<bool, AppError> {
    let e = endorsements::by_id(&state.store, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_decide(state, user, &e).await? {
        return Err(AppError::NotFound);
    }
    let endorser = users::by_id(&state.store, &e.endorser_user_id).await?;
    let message = endorser
        .as_ref()
        .map(|u| message_to(u, MailKind::EndorsementDecided));
    let to = if approve {
        EndorsementState::Approved
    } else {
        EndorsementState::Declined
    };
    let done = endorsements::decide(&state.store, id, to, &user.id, message.as_ref()).await?;
    if done {
        state.endorsement_stamp_cache.remove(&e.subject_ref);
        crate::mail::wake(state);
    }
    Ok(done)
}

/// Takes an approved endorsement off the public pages (false: it was not
/// approved). Someone who may not decide gets "not found".
pub async fn hide(state: &Shared, user: &User, id: &str) -> Result<bool, AppError> {
    let e = endorsements::by_id(&state.store, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_decide(state, user, &e).await? {
        return Err(AppError::NotFound);
    }
    let hidden = endorsements::hide(&state.store, id, &user.id).await?;
    state.endorsement_stamp_cache.remove(&e.subject_ref);
    Ok(hidden)
}

/// An endorsement as the pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub id: String,
    pub endorser_name: String,
    /// Signed as an organisation's issuer (else a person).
    pub organisation: bool,
    pub comment: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub state: EndorsementState,
    pub kind: EndorsedKind,
    pub subject_ref: String,
    /// Our verifier's verdict (`valid`, `invalid`…), for approved ones.
    pub verdict: Option<&'static str>,
    pub url: String,
}

/// Keys of one endorser (an issuer's or a person's), read from the database.
struct EndorserKeys {
    keys: Vec<(String, PublicKey)>,
    controller: String,
}

impl KeyResolver for EndorserKeys {
    fn resolve(&self, verification_method: &str) -> Resolution {
        match self.keys.iter().find(|(id, _)| id == verification_method) {
            Some((_, key)) => Resolution::Found {
                key: key.clone(),
                controller: self.controller.clone(),
            },
            None => Resolution::Invalid(format!(
                "{verification_method} is not one of the endorser's keys"
            )),
        }
    }
}

/// Verifies a stored endorsement against its endorser's keys in our
/// database (the same checks as the public verifier, without fetching our
/// own did:web). Cached: the credential never changes.
pub async fn verify(state: &Shared, e: &Endorsement) -> Result<Report, AppError> {
    let cache_key = format!("endorsement:{}", e.id);
    if let Some(report) = state.proof_cache.get(&cache_key) {
        return Ok(report);
    }
    let report = verify_as(state, e, e.credential.clone().into_bytes()).await?;
    state.proof_cache.put(cache_key, report.clone());
    Ok(report)
}

/// The report of a credential claiming to be one of our endorsements (its id
/// is `/endorsements/{id}` here), checked against that endorser's keys
/// (whatever the bytes claim); None when it is not one of ours.
pub async fn verify_ours(
    state: &Shared,
    claimed_id: Option<&str>,
    bytes: &[u8],
) -> Result<Option<Report>, AppError> {
    let prefix = format!("{}/endorsements/", state.config.base_url);
    let Some(id) = claimed_id.and_then(|c| c.strip_prefix(&prefix)) else {
        return Ok(None);
    };
    let Some(e) = endorsements::by_id(&state.store, id).await? else {
        return Ok(None);
    };
    Ok(Some(verify_as(state, &e, bytes.to_vec()).await?))
}

async fn verify_as(state: &Shared, e: &Endorsement, bytes: Vec<u8>) -> Result<Report, AppError> {
    let resolver = match &e.endorser_issuer_id {
        Some(issuer_id) => {
            let issuer = issuers::by_id(&state.store, issuer_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let did = Urls {
                base: &state.config.base_url,
            }
            .issuer_did(&issuer.slug)?;
            let mut keys = Vec::new();
            for k in issuers::keys(&state.store, &issuer.id).await? {
                keys.push((format!("{did}#key-{}", k.key_no), issuing::public_key(&k)?));
            }
            EndorserKeys {
                keys,
                controller: did,
            }
        }
        None => {
            let did = account_did(state, &e.endorser_user_id)?;
            let mut keys = Vec::new();
            for k in endorsements::account_keys(&state.store, &e.endorser_user_id).await? {
                keys.push((
                    format!("{did}#key-{}", k.key_no),
                    parse_public(&k.public_jwk)?,
                ));
            }
            EndorserKeys {
                keys,
                controller: did,
            }
        }
    };
    tokio::task::spawn_blocking(move || {
        let options = VerifyOptions::new(&resolver);
        insignia_verify::verify_bytes(&bytes, &options)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

async fn shown(state: &Shared, e: Endorsement, with_verdict: bool) -> Result<Shown, AppError> {
    let verdict = if with_verdict {
        Some(crate::web::verdict_name(&verify(state, &e).await?))
    } else {
        None
    };
    Ok(Shown {
        url: endorsement_url(state, &e.id),
        id: e.id,
        endorser_name: e.endorser_name,
        organisation: e.endorser_issuer_id.is_some(),
        comment: e.comment,
        created_at: e.created_at,
        decided_at: e.decided_at,
        state: e.state,
        kind: e.subject_kind,
        subject_ref: e.subject_ref,
        verdict,
    })
}

/// The approved endorsements of an award, badge or issuer, each verified.
pub async fn approved(
    state: &Shared,
    kind: EndorsedKind,
    subject_ref: &str,
) -> Result<Vec<Shown>, AppError> {
    let mut list = Vec::new();
    for e in endorsements::approved_of(&state.store, kind, subject_ref).await? {
        list.push(shown(state, e, true).await?);
    }
    Ok(list)
}

/// The approved endorsements' credentials (for `endorsement` arrays).
pub async fn approved_credentials(
    state: &Shared,
    kind: EndorsedKind,
    subject_ref: &str,
) -> Result<Vec<Value>, AppError> {
    Ok(endorsements::approved_of(&state.store, kind, subject_ref)
        .await?
        .into_iter()
        .filter_map(|e| serde_json::from_str(&e.credential).ok())
        .collect())
}

/// What the account's endorsements page lists.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub to_decide: Vec<Shown>,
    pub given: Vec<Shown>,
}

pub async fn overview(state: &Shared, user: &User) -> Result<Overview, AppError> {
    let admin_orgs: Vec<String> = orgs::memberships(&state.store, &user.id)
        .await?
        .into_iter()
        .filter(|m| m.role >= Role::Admin)
        .map(|m| m.org_id)
        .collect();
    let mut to_decide = Vec::new();
    for e in endorsements::to_decide(&state.store, &user.id, &admin_orgs).await? {
        to_decide.push(shown(state, e, false).await?);
    }
    let mut given = Vec::new();
    for e in endorsements::given_by(&state.store, &user.id).await? {
        given.push(shown(state, e, false).await?);
    }
    Ok(Overview { to_decide, given })
}

/// An approved endorsement's signed credential (None: not approved, or no such).
pub async fn public_credential(state: &Shared, id: &str) -> Result<Option<String>, AppError> {
    Ok(endorsements::by_id(&state.store, id)
        .await?
        .filter(|e| e.state == EndorsementState::Approved)
        .map(|e| e.credential))
}

/// Why an endorsement e-mail cannot be composed.
#[derive(Debug)]
pub enum EndorsementMailError {
    Gone(String),
    Address(String),
    Other(String),
    Store(insignia_store::StoreError),
}

impl From<insignia_store::StoreError> for EndorsementMailError {
    fn from(e: insignia_store::StoreError) -> Self {
        EndorsementMailError::Store(e)
    }
}

/// Composes an endorsement e-mail: to an account that decides (a request),
/// or to the endorser (the decision).
pub(crate) async fn compose_email(
    state: &Shared,
    from: &Address,
    message: &OutboxMessage,
) -> Result<Message, EndorsementMailError> {
    use EndorsementMailError as E;
    let e = endorsements::for_message(&state.store, &message.id)
        .await?
        .ok_or_else(|| E::Gone("the endorsement no longer exists".into()))?;
    let user_id = message
        .user_id
        .as_deref()
        .ok_or_else(|| E::Gone("the message names no account".into()))?;
    let user = users::by_id(&state.store, user_id)
        .await?
        .ok_or_else(|| E::Gone("the account no longer exists".into()))?;
    let request = message.kind == MailKind::EndorsementRequest;
    if request && e.state != EndorsementState::Pending {
        return Err(E::Gone(
            "the endorsement was decided before the e-mail was sent".into(),
        ));
    }
    let locale = Locale::from_code(&message.locale).unwrap_or(Locale::En);
    let to: Address = message
        .recipient
        .parse()
        .map_err(|err| E::Address(format!("recipient address {:?}: {err}", message.recipient)))?;
    let subject_name = match e.subject_kind {
        EndorsedKind::Award => match awards::by_id(&state.store, &e.subject_ref).await? {
            Some(a) => a.recipient_name,
            None => return Err(E::Gone("the award no longer exists".into())),
        },
        EndorsedKind::Badge | EndorsedKind::Issuer => serde_json::from_str::<Value>(&e.credential)
            .ok()
            .and_then(|c| c.get("name").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default(),
    };
    let base = &state.config.base_url;
    let key = if request {
        "request"
    } else if e.state == EndorsementState::Approved {
        "approved"
    } else {
        "declined"
    };
    let ctx = context! {
        kind => key, name => user.name, endorser => e.endorser_name, comment => e.comment,
        subject => subject_name, link => format!("{base}/endorsements"), site => base,
    };
    let render = |name: &str| {
        state
            .pages
            .render(name, locale, ctx.clone())
            .map_err(|err| E::Other(format!("template: {err:#}")))
    };
    let text = render("email_endorsement.txt")?;
    let html = render("email_endorsement.html")?;
    let subject = state.catalog.text(
        locale,
        &format!("email-endorsement-{key}-subject"),
        &[("endorser", e.endorser_name.clone().into())],
    );
    let host = url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".into());
    Message::builder()
        .from(Mailbox::new(Some("Insignia".into()), from.clone()))
        .to(Mailbox::new(Some(crate::mail::header_text(&user.name)), to))
        .subject(crate::mail::header_text(&subject))
        .message_id(Some(format!("<{}.{}@{host}>", message.id, random_id(8))))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|err| E::Other(format!("building the message: {err}")))
}
