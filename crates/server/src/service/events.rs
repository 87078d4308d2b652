//! Events with claim codes: an issuer's event (a conference, a workshop)
//! linked to a badge, with a claim URL (`/e/{code}`), a code to type, a QR
//! code and a poster. Attendees claim with their e-mail address, confirmed
//! by an e-mailed link (or, signed in with a verified address, at once);
//! the award goes through the same signing as single awards and is stored in
//! the transaction that enforces the event's limits
//! (`store::repo::events::award_request`). With approval, confirmed requests
//! wait for the issuer, who accepts or declines them in bulk; the person is
//! told by e-mail either way (the award's e-mail, or a refusal).
//!
//! Code look-ups that fail and claim submissions are rate limited per client
//! network, per event and per address (the limits below, listed in
//! docs/security.md).

use insignia_store::model::{BadgeState, EventState, MailKind, OutboxMessage, RequestState, User};
use insignia_store::repo::events::{
    self as repo, Awarded, Awarding, Event, EventFields, EventRequest, NewRequest,
};
use insignia_store::repo::throttle::{self, Limit};
use insignia_store::repo::{badges, issuers, users};
use insignia_store::token::{random_id, token_hash};
use insignia_store::{StoreError, now};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use minijinja::context;
use rand::Rng as _;

use crate::auth::ClientIp;
use crate::design::BadgeDefinition;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::issuing::{self, AwardInput, Urls};
use crate::mail::header_text;
use crate::state::Shared;

/// The claim code's alphabet: capitals and digits without the look-alikes
/// (0/O, 1/I/L), 5 bits a character.
pub const CODE_ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a claim code: about 59 bits, far beyond guessing at the
/// rate limits below.
pub const CODE_LENGTH: usize = 12;
/// How long a confirmation link works (seconds).
pub const CONFIRM_LINK_TTL: i64 = 3 * 86_400;
/// Wrong codes one client network may try (then it waits).
pub const CODE_FAILURE_LIMITS: &[Limit] = &[
    Limit {
        window: 600,
        max: 10,
    },
    Limit {
        window: 86_400,
        max: 50,
    },
];
/// Claims (e-mail submissions) per client network: a conference's shared
/// Wi-Fi is one network, so this is generous.
pub const CLIENT_CLAIM_LIMITS: &[Limit] = &[Limit {
    window: 3600,
    max: 60,
}];
/// Claims per event, from anywhere.
pub const EVENT_CLAIM_LIMITS: &[Limit] = &[Limit {
    window: 600,
    max: 2_000,
}];
/// Confirmation e-mails per address and event: one a minute, five a day.
pub const ADDRESS_CLAIM_LIMITS: &[Limit] = &[
    Limit { window: 60, max: 1 },
    Limit {
        window: 86_400,
        max: 5,
    },
];
/// Longest allow-list (lines) and name.
const MAX_ALLOW_LIST: usize = 1_000;
const MAX_NAME: usize = 200;

/// A fresh claim code.
pub fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..CODE_LENGTH)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// A code as typed (any case, with spaces or dashes) in its stored form;
/// None when it cannot be a code.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// A code in groups of four, as printed (`ABCD-EFGH-JKMN`).
pub fn display_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The public claim URL of an event.
pub fn claim_url(state: &Shared, event: &Event) -> String {
    format!("{}/e/{}", state.config.base_url, event.code)
}

/// An allow-list's entries: lower-case addresses (`a@b.org`) and domains
/// (`b.org`, also written `@b.org`), one a line or separated by commas.
pub fn allow_entries(text: &str) -> Vec<String> {
    text.split(['\n', ',', ';'])
        .map(|l| l.trim().trim_start_matches('@').to_lowercase())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Whether `email` may claim under `allow_list` (empty: anyone). A domain
/// admits its subdomains too (`uni.edu` admits `cs.uni.edu`).
pub fn allowed(allow_list: &str, email: &str) -> bool {
    let entries = allow_entries(allow_list);
    if entries.is_empty() {
        return true;
    }
    let email = email.trim().to_lowercase();
    let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
    entries.iter().any(|e| {
        if e.contains('@') {
            *e == email
        } else {
            domain == e || domain.ends_with(&format!(".{e}"))
        }
    })
}

/// Why an event does not take a claim now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Closed,
    NotYet,
    Over,
    Full,
    NotAllowed,
}

impl Refusal {
    /// The catalogue key of the sentence telling the attendee.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::Closed => "event-refused-closed",
            Refusal::NotYet => "event-refused-not-yet",
            Refusal::Over => "event-refused-over",
            Refusal::Full => "event-refused-full",
            Refusal::NotAllowed => "event-refused-not-allowed",
        }
    }
}

/// Whether the event takes claims at `t` (state, window, places left).
pub fn refusal(event: &Event, t: i64) -> Option<Refusal> {
    if event.state != EventState::Open {
        Some(Refusal::Closed)
    } else if event.claims_open_at.is_some_and(|o| t < o) {
        Some(Refusal::NotYet)
    } else if event.claims_close_at.is_some_and(|c| t >= c) {
        Some(Refusal::Over)
    } else if event.max_claims.is_some_and(|m| event.claims_taken >= m) {
        Some(Refusal::Full)
    } else {
        None
    }
}

/// The event form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct EventForm {
    #[serde(default)]
    pub badge_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub online_url: String,
    #[serde(default)]
    pub claims_open_on: String,
    #[serde(default)]
    pub claims_close_on: String,
    #[serde(default)]
    pub max_claims: String,
    #[serde(default)]
    pub allow_list: String,
    #[serde(default)]
    pub needs_approval: Option<String>,
}

fn day_start(text: &str) -> Option<i64> {
    crate::design::parse_date(text.trim()).map(|d| d.midnight().assume_utc().unix_timestamp())
}

fn day_text(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .map(|d| {
            let d = d.date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        })
        .unwrap_or_default()
}

impl EventForm {
    /// The form filled in from a stored event (for editing).
    pub fn from_event(event: &Event) -> EventForm {
        EventForm {
            badge_id: event.badge_id.clone(),
            name: event.name.clone(),
            description: event.description.clone(),
            starts_on: day_text(event.starts_at),
            ends_on: day_text(event.ends_at),
            place: event.place.clone(),
            online_url: event.online_url.clone(),
            claims_open_on: event.claims_open_at.map(day_text).unwrap_or_default(),
            // Stored as the start of the day after the last day.
            claims_close_on: event
                .claims_close_at
                .map(|t| day_text(t - 86_400))
                .unwrap_or_default(),
            max_claims: event.max_claims.map(|m| m.to_string()).unwrap_or_default(),
            allow_list: event.allow_list.clone(),
            needs_approval: event.needs_approval.then(|| "1".into()),
        }
    }

    /// The fields to store, or the catalogue keys of what is wrong.
    /// `badge_ok` tells whether the chosen badge is an active one of the
    /// organisation.
    pub fn check(&self, badge_ok: bool) -> Result<EventFields, Vec<&'static str>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            errors.push("event-error-name");
        }
        if !badge_ok {
            errors.push("event-error-badge");
        }
        let starts = day_start(&self.starts_on);
        let ends = match self.ends_on.trim() {
            "" => starts,
            d => day_start(d),
        };
        match (starts, ends) {
            (Some(s), Some(e)) if e < s => errors.push("event-error-dates-order"),
            (Some(_), Some(_)) => {}
            _ => errors.push("event-error-dates"),
        }
        let online = self.online_url.trim();
        if !online.is_empty() && !crate::design::is_http_url(online) {
            errors.push("event-error-online-url");
        }
        if self.place.trim().chars().count() > 500 {
            errors.push("event-error-place");
        }
        let optional_day = |text: &str, errors: &mut Vec<&'static str>| match text.trim() {
            "" => None,
            d => match day_start(d) {
                Some(t) => Some(t),
                None => {
                    errors.push("event-error-window");
                    None
                }
            },
        };
        let open_at = optional_day(&self.claims_open_on, &mut errors);
        // The last day of the window is included.
        let close_at = optional_day(&self.claims_close_on, &mut errors).map(|t| t + 86_400);
        if let (Some(o), Some(c)) = (open_at, close_at) {
            if c <= o {
                errors.push("event-error-window-order");
            }
        }
        let max_claims = match self.max_claims.trim() {
            "" => None,
            m => match m.parse::<i64>() {
                Ok(n) if (1..=1_000_000).contains(&n) => Some(n),
                _ => {
                    errors.push("event-error-max");
                    None
                }
            },
        };
        let entries = allow_entries(&self.allow_list);
        if entries.len() > MAX_ALLOW_LIST
            || entries.iter().any(|e| {
                e.contains(char::is_whitespace)
                    || !e.contains('.')
                    || (e.contains('@') && !crate::validate::email_ok(e))
            })
        {
            errors.push("event-error-allow-list");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (Some(starts_at), Some(ends_at)) = (starts, ends) else {
            return Err(vec!["event-error-dates"]);
        };
        Ok(EventFields {
            badge_id: self.badge_id.trim().to_owned(),
            name: name.to_owned(),
            description: self.description.trim().to_owned(),
            starts_at,
            ends_at,
            place: self.place.trim().to_owned(),
            online_url: online.to_owned(),
            claims_open_at: open_at,
            claims_close_at: close_at,
            max_claims,
            allow_list: entries.join("\n"),
            needs_approval: self.needs_approval.is_some(),
        })
    }
}

/// Whether `badge_id` is an active badge of `org_id`.
pub async fn badge_usable(state: &Shared, org_id: &str, badge_id: &str) -> Result<bool, AppError> {
    Ok(badges::by_id(&state.store, badge_id.trim())
        .await?
        .is_some_and(|b| b.org_id == org_id && b.state == BadgeState::Active))
}

/// Creates an event with a fresh code; returns its id.
pub async fn create(
    state: &Shared,
    org_id: &str,
    fields: &EventFields,
    by: &User,
) -> Result<String, AppError> {
    let id = random_id(12);
    // A code taken already (one chance in 2^59 per event) is drawn again.
    for _ in 0..5 {
        match repo::create(&state.store, &id, org_id, &new_code(), fields, &by.id).await {
            Ok(()) => return Ok(id),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Internal(
        "no free event code after 5 draws".into(),
    ))
}

fn client_network(client: &ClientIp) -> String {
    match client.0.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        _ => client.0.clone(),
    }
}

/// What a code look-up came to.
#[derive(Debug)]
pub enum Lookup {
    Found(Box<Event>),
    /// No event has this code (recorded against the client).
    Unknown,
    /// Too many wrong codes from this client: it has to wait, whatever it types.
    Limited,
}

/// Finds the event of a typed code. Wrong codes count against the client
/// network ([`CODE_FAILURE_LIMITS`]); once it has too many, every look-up
/// from it is refused for a while, right codes included, so guessing gets
/// nowhere.
pub async fn lookup(state: &Shared, client: &ClientIp, typed: &str) -> Result<Lookup, AppError> {
    let subject = format!("event-code:{}", client_network(client));
    if throttle::reached(&state.store, &subject, CODE_FAILURE_LIMITS).await? {
        return Ok(Lookup::Limited);
    }
    let found = match normalize_code(typed) {
        Some(code) => repo::by_code(&state.store, &code).await?,
        None => None,
    };
    match found {
        Some(event) => Ok(Lookup::Found(Box::new(event))),
        None => {
            throttle::allow(&state.store, &subject, CODE_FAILURE_LIMITS).await?;
            Ok(Lookup::Unknown)
        }
    }
}

/// What a claim (name and address submitted) came to.
#[derive(Debug)]
pub enum Claim {
    /// A confirmation link is on its way (also said when one went out less
    /// than a minute ago, to not tell who asked before).
    CheckInbox,
    /// Awarded at once (signed in with this verified address): in the backpack.
    Awarded(String),
    /// Confirmed (a verified address) and waiting for the issuer.
    Pending,
    /// The address already has this event's badge.
    AlreadyAwarded,
    /// The issuer declined this address's request.
    Declined,
    Refused(Refusal),
    /// Too many claims from this client or for this event.
    Limited,
    /// Confirmation e-mails to this address were sent too often.
    AddressLimited,
}

/// Handles an attendee's claim for `event`: limits, allow-list, then a
/// confirmation e-mail, or, when `user` is signed in and has `email`
/// verified, the award (or approval queue) at once.
pub async fn claim(
    state: &Shared,
    client: &ClientIp,
    event: &Event,
    name: &str,
    email: &str,
    locale: Locale,
    user: Option<&User>,
) -> Result<Claim, AppError> {
    let network = client_network(client);
    if !throttle::allow(
        &state.store,
        &format!("event-claim:client:{network}"),
        CLIENT_CLAIM_LIMITS,
    )
    .await?
        || !throttle::allow(
            &state.store,
            &format!("event-claim:event:{}", event.id),
            EVENT_CLAIM_LIMITS,
        )
        .await?
    {
        return Ok(Claim::Limited);
    }
    let email = email.trim().to_lowercase();
    if let Some(why) = refusal(event, now()) {
        return Ok(Claim::Refused(why));
    }
    if !allowed(&event.allow_list, &email) {
        return Ok(Claim::Refused(Refusal::NotAllowed));
    }
    let verified = match user {
        Some(u) => users::verified_emails(&state.store, &u.id)
            .await?
            .contains(&email),
        None => false,
    };
    if verified {
        let new = NewRequest {
            event,
            email: &email,
            name: name.trim(),
            locale: locale.code(),
            user_id: user.map(|u| u.id.as_str()),
        };
        let (request, _) = repo::open_request(&state.store, &new, &random_id(12), false).await?;
        return match request.state {
            RequestState::Awarded => Ok(Claim::AlreadyAwarded),
            RequestState::Declined => Ok(Claim::Declined),
            RequestState::Pending => Ok(Claim::Pending),
            RequestState::Unconfirmed => Ok(match settle(state, event, &request, false).await? {
                Settled::Awarded(id) => Claim::Awarded(id),
                Settled::Pending => Claim::Pending,
                Settled::Refused(why) => Claim::Refused(why),
                Settled::Already(r) => match r.state {
                    RequestState::Declined => Claim::Declined,
                    RequestState::Pending | RequestState::Unconfirmed => Claim::Pending,
                    RequestState::Awarded => Claim::AlreadyAwarded,
                },
            }),
        };
    }
    if !throttle::allow(
        &state.store,
        &format!("event-claim:address:{}:{email}", event.id),
        ADDRESS_CLAIM_LIMITS,
    )
    .await?
    {
        return Ok(Claim::AddressLimited);
    }
    let new = NewRequest {
        event,
        email: &email,
        name: name.trim(),
        locale: locale.code(),
        user_id: user.map(|u| u.id.as_str()),
    };
    // A request already decided gets a link too: it opens a page that says
    // where it stands (nothing is awarded twice).
    repo::open_request(&state.store, &new, &random_id(12), true).await?;
    crate::mail::wake(state);
    Ok(Claim::CheckInbox)
}

/// What confirming a request came to.
#[derive(Debug)]
pub enum Settled {
    /// Awarded now: the award's id.
    Awarded(String),
    /// Waiting for the issuer's approval.
    Pending,
    Refused(Refusal),
    /// Decided before (the request as it stands).
    Already(Box<EventRequest>),
}

/// Settles a request whose address is confirmed: to the approval queue, or
/// awarded within the event's limits. `announce`: e-mail the award (with
/// its claim link); otherwise it goes straight to the account's backpack.
async fn settle(
    state: &Shared,
    event: &Event,
    request: &EventRequest,
    announce: bool,
) -> Result<Settled, AppError> {
    if let Some(why) = refusal(event, now()) {
        return Ok(Settled::Refused(why));
    }
    if !allowed(&event.allow_list, &request.email) {
        return Ok(Settled::Refused(Refusal::NotAllowed));
    }
    if event.needs_approval {
        if repo::mark_pending(&state.store, &request.id).await? {
            return Ok(Settled::Pending);
        }
        let now_request = repo::request(&state.store, &request.id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Settled::Already(Box::new(now_request)));
    }
    let how = Awarding {
        by_attendee: true,
        decided_by: None,
        email_locale: announce.then_some(request.locale.as_str()),
    };
    award(state, event, request, &how).await
}

/// Signs the event's badge for `request` and stores it within the event's
/// limits (`repo::award_request`).
async fn award(
    state: &Shared,
    event: &Event,
    request: &EventRequest,
    how: &Awarding<'_>,
) -> Result<Settled, AppError> {
    let badge = badges::by_id(&state.store, &event.badge_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if badge.state != BadgeState::Active {
        return Ok(Settled::Refused(Refusal::Closed));
    }
    let version = badges::version(&state.store, &badge.id, badge.current_version)
        .await?
        .ok_or(AppError::NotFound)?;
    let design: BadgeDefinition = serde_json::from_str(&version.design)
        .map_err(|e| AppError::Internal(format!("stored design: {e}")))?;
    let issuer = issuers::by_id(&state.store, &badge.issuer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let place = match (event.place.trim(), event.online_url.trim()) {
        ("", "") => String::new(),
        (p, "") => p.to_owned(),
        ("", u) => u.to_owned(),
        (p, u) => format!("{p} ({u})"),
    };
    let narrative = match place.as_str() {
        "" => format!("{} ({})", event.name, day_text(event.starts_at)),
        p => format!("{} ({}, {p})", event.name, day_text(event.starts_at)),
    };
    let input = AwardInput {
        recipient_name: if request.name.trim().is_empty() {
            request.email.clone()
        } else {
            request.name.clone()
        },
        recipient_email: request.email.clone(),
        evidence_url: Some(event.online_url.clone()),
        evidence_narrative: Some(narrative),
        issued_at: None,
        expires_at: None,
        with_jwt: false,
        idempotency_key: Some(format!("event:{}:{}", event.id, request.id)),
        created_by: how.decided_by.map(str::to_owned),
        email_locale: how.email_locale.map(str::to_owned),
        replaces: None,
        recipient_org: None,
    };
    let award = issuing::sign_award(state, &issuer, &version, &design, &input).await?;
    match repo::award_request(&state.store, &event.id, &request.id, &award, how).await? {
        Awarded::Done => {
            if how.email_locale.is_some() {
                crate::mail::wake(state);
            }
            Ok(Settled::Awarded(award.id))
        }
        Awarded::Refused => {
            // Re-read: the event changed meanwhile (full, closed).
            let current = repo::get(&state.store, &event.org_id, &event.id)
                .await?
                .ok_or(AppError::NotFound)?;
            let why = if how.by_attendee {
                refusal(&current, now()).unwrap_or(Refusal::Full)
            } else {
                Refusal::Full
            };
            Ok(Settled::Refused(why))
        }
        Awarded::AlreadyDecided(r) => Ok(Settled::Already(r.ok_or(AppError::NotFound)?)),
    }
}

/// What a confirmation link points to, checked.
#[derive(Debug)]
pub enum Link {
    Valid(Box<EventRequest>, Box<Event>),
    Expired,
    Unknown,
}

/// The request a confirmation link's token is for.
pub async fn link(state: &Shared, token: &str) -> Result<Link, AppError> {
    match repo::for_token(&state.store, &token_hash(token)).await? {
        Some((request, event, made_at)) => {
            if request.state == RequestState::Unconfirmed && now() > made_at + CONFIRM_LINK_TTL {
                Ok(Link::Expired)
            } else {
                Ok(Link::Valid(Box::new(request), Box::new(event)))
            }
        }
        None => Ok(Link::Unknown),
    }
}

/// Confirms the address of a link's request and settles it. Signed in
/// with an account that has the address verified, the award goes straight
/// to its backpack; otherwise its e-mail (with the claim link) is sent.
pub async fn confirm(
    state: &Shared,
    request: &EventRequest,
    event: &Event,
    user: Option<&User>,
) -> Result<Settled, AppError> {
    if request.state != RequestState::Unconfirmed {
        return Ok(Settled::Already(Box::new(request.clone())));
    }
    let in_backpack = match user {
        Some(u) => users::verified_emails(&state.store, &u.id)
            .await?
            .contains(&request.email),
        None => false,
    };
    settle(state, event, request, !in_backpack).await
}

/// What an issuer's decision on a batch of requests came to.
#[derive(Debug, Default, serde::Serialize)]
pub struct Decision {
    pub accepted: usize,
    pub declined: usize,
    /// Not accepted: the event had no place left.
    pub full: usize,
}

/// Accepts (awards, each with its e-mail) or declines (each told by
/// e-mail) pending requests of an event.
pub async fn decide(
    state: &Shared,
    event: &Event,
    request_ids: &[String],
    accept: bool,
    by: &User,
) -> Result<Decision, AppError> {
    let mut decision = Decision::default();
    if !accept {
        decision.declined = repo::decline(&state.store, event, request_ids, &by.id)
            .await?
            .len();
        crate::mail::wake(state);
        return Ok(decision);
    }
    for id in request_ids {
        let Some(request) = repo::request(&state.store, id).await? else {
            continue;
        };
        if request.event_id != event.id || request.state != RequestState::Pending {
            continue;
        }
        let how = Awarding {
            by_attendee: false,
            decided_by: Some(&by.id),
            email_locale: Some(&request.locale),
        };
        match award(state, event, &request, &how).await? {
            Settled::Awarded(_) => decision.accepted += 1,
            Settled::Refused(_) => decision.full += 1,
            Settled::Pending | Settled::Already(_) => {}
        }
    }
    Ok(decision)
}

/// Why an event e-mail cannot be composed.
#[derive(Debug)]
pub enum EventMailError {
    /// What it was about is gone or settled: it never goes.
    Gone(String),
    Address(String),
    Other(String),
    Store(StoreError),
}

impl From<StoreError> for EventMailError {
    fn from(e: StoreError) -> Self {
        EventMailError::Store(e)
    }
}

/// Composes an event e-mail: a confirmation link (made now, its hash
/// stored) or the issuer's refusal.
pub(crate) async fn compose_email(
    state: &Shared,
    from: &Address,
    message: &OutboxMessage,
) -> Result<Message, EventMailError> {
    let (request, event) = repo::for_message(&state.store, &message.id)
        .await?
        .ok_or_else(|| EventMailError::Gone("the event or the request no longer exists".into()))?;
    let locale = Locale::from_code(&message.locale).unwrap_or(Locale::En);
    let to: Address = message.recipient.parse().map_err(|e| {
        EventMailError::Address(format!("recipient address {:?}: {e}", message.recipient))
    })?;
    let badge_name = match badges::by_id(&state.store, &event.badge_id).await? {
        Some(b) => badges::version(&state.store, &b.id, b.current_version)
            .await?
            .map(|v| v.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let issuer_name = match badges::by_id(&state.store, &event.badge_id).await? {
        Some(b) => issuers::by_id(&state.store, &b.issuer_id)
            .await?
            .map(|i| i.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let base = &state.config.base_url;
    let (kind, link) = match message.kind {
        MailKind::EventConfirm => {
            // Derived from the message: sent again after a crash, it carries
            // the same link.
            let token = state.master.token_for("event-confirm", &message.id);
            repo::set_token(&state.store, &message.id, &token_hash(&token)).await?;
            ("confirm", format!("{base}/e/confirm/{token}"))
        }
        MailKind::EventDeclined => ("declined", String::new()),
        _ => {
            return Err(EventMailError::Other("not an event e-mail".into()));
        }
    };
    let ctx = context! {
        kind => kind, name => request.name, event_name => event.name, badge_name => badge_name,
        issuer_name => issuer_name, link => link, site => base, hours => CONFIRM_LINK_TTL / 3600,
    };
    let render = |name: &str| {
        state
            .pages
            .render(name, locale, ctx.clone())
            .map_err(|e| EventMailError::Other(format!("template: {e:#}")))
    };
    let text = render("email_event.txt")?;
    let html = render("email_event.html")?;
    let subject = state.catalog.text(
        locale,
        &format!("email-event-{kind}-subject"),
        &[("event", header_text(&event.name).into())],
    );
    let host = url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".into());
    let sender = if issuer_name.is_empty() {
        "Insignia".to_owned()
    } else {
        header_text(&issuer_name)
    };
    Message::builder()
        .from(Mailbox::new(Some(sender), from.clone()))
        .to(Mailbox::new(Some(header_text(&request.name)), to))
        .subject(header_text(&subject))
        .message_id(Some(format!("<{}.{}@{host}>", message.id, random_id(8))))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| EventMailError::Other(format!("building the message: {e}")))
}

/// The event's badge: its name and the URL of its image (for pages).
pub async fn badge_face(state: &Shared, event: &Event) -> Result<(String, String), AppError> {
    let urls = Urls {
        base: &state.config.base_url,
    };
    let badge = badges::by_id(&state.store, &event.badge_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let version = badges::version(&state.store, &badge.id, badge.current_version)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        version.name,
        urls.badge_image(&badge.id, version.version, "png"),
    ))
}

/// The QR code of `url` (medium error correction, survives a smudged poster).
fn qr(url: &str) -> Result<qrcode::QrCode, AppError> {
    qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(format!("QR code: {e}")))
}

/// The QR code of `url` as SVG (black modules on white, a 4-module quiet zone).
pub fn qr_svg(url: &str) -> Result<String, AppError> {
    Ok(qr(url)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// The QR code of `url` as a greyscale PNG, `scale` pixels a module, with
/// a 4-module quiet zone.
pub fn qr_png(url: &str, scale: usize) -> Result<Vec<u8>, AppError> {
    let code = qr(url)?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let side = (width + 2 * quiet) * scale;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % width + quiet, i / width + quiet);
        for y in my * scale..(my + 1) * scale {
            let row = y * side;
            pixels[row + mx * scale..row + (mx + 1) * scale].fill(0);
        }
    }
    let side32 = u32::try_from(side).map_err(|_| AppError::Internal("QR code too large".into()))?;
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side32, side32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| AppError::Internal(format!("QR PNG: {e}")))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| AppError::Internal(format!("QR PNG: {e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_unambiguous_and_typed_loosely() {
        let code = new_code();
        assert_eq!(code.len(), CODE_LENGTH);
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
        assert_eq!(normalize_code(&code).as_deref(), Some(code.as_str()));
        let typed = display_code(&code).to_lowercase().replace('-', " - ");
        assert_eq!(normalize_code(&typed).as_deref(), Some(code.as_str()));
        assert_eq!(normalize_code("ABCD"), None);
        assert_eq!(normalize_code("ABCDEFGHJKM0"), None);
        assert_ne!(new_code(), new_code());
    }

    #[test]
    fn allow_lists_take_addresses_and_domains() {
        let list = "uni.edu\n@partner.org, ada@example.com";
        assert!(allowed(list, "Bob@UNI.edu"));
        assert!(allowed(list, "bob@cs.uni.edu"));
        assert!(!allowed(list, "bob@notuni.edu"));
        assert!(allowed(list, "x@partner.org"));
        assert!(allowed(list, "ada@example.com"));
        assert!(!allowed(list, "eve@example.com"));
        assert!(allowed("", "anyone@anywhere.org"));
    }

    #[test]
    fn qr_png_is_a_png_of_the_right_size() {
        let png = qr_png("https://badges.example.org/e/ABCDEFGHJKMN", 4).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert_eq!(info.width % 4, 0);
    }
}
