//! Rows as they are stored.

use insignia_store_derive::FromRow;
use serde::Serialize;

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub locale: Option<String>,
    pub created_at: i64,
    /// Whether the account's address (`email`) was confirmed (by the e-mailed
    /// link, or by the operator for the first-run administrator).
    pub email_verified: bool,
}

#[derive(Debug, Clone, FromRow)]
pub struct Session {
    pub user_id: String,
    pub csrf_token: String,
    pub expires_at: i64,
    pub last_seen_at: Option<i64>,
}

/// An open session as its account's page lists it.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct SessionInfo {
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    pub user_agent: Option<String>,
    pub expires_at: i64,
}

/// What an outbox message says. Stored as text (`mail_outbox.kind`); an
/// unknown value read back is an error, not a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MailKind {
    /// A badge was awarded to the recipient (or renewed).
    Award,
    /// A reminder of an award not yet accepted, with its claim link.
    Reminder,
    /// The award was revoked (with the reason), when the issuer chose to say so.
    Revocation,
    /// Confirm that this address belongs to this account.
    ConfirmEmail,
    /// A link to choose a new password.
    PasswordReset,
    /// A link that signs the account in (the earner's password-less sign-in).
    SignInLink,
    /// Confirm the address an event's attendee claims the badge with.
    EventConfirm,
    /// The issuer declined an event attendee's request.
    EventDeclined,
    /// An endorsement awaits the decision of the account the message names.
    EndorsementRequest,
    /// The endorsed party approved or declined the endorsement (to its endorser).
    EndorsementDecided,
    /// The issuer declined a request for a badge or a nomination (told to
    /// whoever asked).
    RequestDeclined,
    /// A membership award expires soon (sent once, some days before).
    MembershipExpiring,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Award => "award",
            MailKind::Reminder => "reminder",
            MailKind::Revocation => "revocation",
            MailKind::ConfirmEmail => "confirm-email",
            MailKind::PasswordReset => "password-reset",
            MailKind::SignInLink => "sign-in-link",
            MailKind::EventConfirm => "event-confirm",
            MailKind::EventDeclined => "event-declined",
            MailKind::EndorsementRequest => "endorsement-request",
            MailKind::EndorsementDecided => "endorsement-decided",
            MailKind::RequestDeclined => "request-declined",
            MailKind::MembershipExpiring => "membership-expiring",
        }
    }

    pub fn parse(s: &str) -> Option<MailKind> {
        Some(match s {
            "award" => MailKind::Award,
            "reminder" => MailKind::Reminder,
            "revocation" => MailKind::Revocation,
            "confirm-email" => MailKind::ConfirmEmail,
            "password-reset" => MailKind::PasswordReset,
            "sign-in-link" => MailKind::SignInLink,
            "event-confirm" => MailKind::EventConfirm,
            "event-declined" => MailKind::EventDeclined,
            "endorsement-request" => MailKind::EndorsementRequest,
            "endorsement-decided" => MailKind::EndorsementDecided,
            "request-declined" => MailKind::RequestDeclined,
            "membership-expiring" => MailKind::MembershipExpiring,
            _ => return None,
        })
    }

    /// Whether the message is about an account (not an award).
    pub fn is_account(self) -> bool {
        matches!(
            self,
            MailKind::ConfirmEmail | MailKind::PasswordReset | MailKind::SignInLink
        )
    }

    /// Whether the message is about an endorsement.
    pub fn is_endorsement(self) -> bool {
        matches!(
            self,
            MailKind::EndorsementRequest | MailKind::EndorsementDecided
        )
    }

    /// Whether the message is about an event's claim request.
    pub fn is_event(self) -> bool {
        matches!(self, MailKind::EventConfirm | MailKind::EventDeclined)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Issuer,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Issuer => "issuer",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "viewer" => Role::Viewer,
            "issuer" => Role::Issuer,
            "admin" => Role::Admin,
            "owner" => Role::Owner,
            _ => return None,
        })
    }
}

/// Read from and written as text; an unknown value is a decoding error (the
/// store's check constraints allow only the known ones).
macro_rules! text_enum {
    ($ty:ty, $what:literal) => {
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $ty
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<'r, DB>>::decode(value)?;
                <$ty>::parse(&text)
                    .ok_or_else(|| format!(concat!("unknown ", $what, " {:?}"), text).into())
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $ty
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(Role, "role");
text_enum!(AwardState, "award state");
text_enum!(EndorsementState, "endorsement state");
text_enum!(EndorsedKind, "endorsed kind");

/// Where an endorsement stands: shown only once approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndorsementState {
    Pending,
    Approved,
    Declined,
}

impl EndorsementState {
    pub fn as_str(self) -> &'static str {
        match self {
            EndorsementState::Pending => "pending",
            EndorsementState::Approved => "approved",
            EndorsementState::Declined => "declined",
        }
    }

    pub fn parse(text: &str) -> Option<EndorsementState> {
        match text {
            "pending" => Some(EndorsementState::Pending),
            "approved" => Some(EndorsementState::Approved),
            "declined" => Some(EndorsementState::Declined),
            _ => None,
        }
    }
}

/// What an endorsement endorses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndorsedKind {
    /// One earner's award.
    Award,
    /// A badge (its achievement).
    Badge,
    /// An issuer.
    Issuer,
}

impl EndorsedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EndorsedKind::Award => "award",
            EndorsedKind::Badge => "badge",
            EndorsedKind::Issuer => "issuer",
        }
    }

    pub fn parse(text: &str) -> Option<EndorsedKind> {
        match text {
            "award" => Some(EndorsedKind::Award),
            "badge" => Some(EndorsedKind::Badge),
            "issuer" => Some(EndorsedKind::Issuer),
            _ => None,
        }
    }
}

/// An endorsement (`endorsements`), with its signed EndorsementCredential.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Endorsement {
    pub id: String,
    pub endorser_user_id: String,
    /// The issuer it was signed as; None: the account's own key.
    pub endorser_issuer_id: Option<String>,
    pub endorser_name: String,
    pub subject_kind: EndorsedKind,
    pub subject_ref: String,
    pub subject_iri: String,
    pub owner_user_id: Option<String>,
    pub owner_org_id: Option<String>,
    pub comment: String,
    pub credential: String,
    pub state: EndorsementState,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
}

/// One key of a person endorser (`account_keys`).
#[derive(Debug, Clone, FromRow)]
pub struct AccountKey {
    pub user_id: String,
    pub key_no: i64,
    pub algorithm: String,
    pub public_jwk: String,
    pub sealed_secret: Vec<u8>,
    pub created_at: i64,
}

text_enum!(MailKind, "mail kind");

/// A string-valued state stored as text: the enum, its `as_str` and `parse`
/// (the stored spellings), serialised as that text, and read from and
/// written to the store through [`text_enum!`].
macro_rules! text_states {
    ($(#[$meta:meta])* pub enum $ty:ident ($what:literal) {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $ty {
            $($(#[$vmeta])* $variant,)+
        }

        impl $ty {
            /// Every value, in the order declared.
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)+
                }
            }

            pub fn parse(s: &str) -> Option<$ty> {
                match s {
                    $($text => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        text_enum!($ty, $what);
    };
}

text_states! {
    /// A badge's state: drafts are seen only by their organisation, active
    /// badges are awarded, archived ones stay published but are not awarded.
    pub enum BadgeState ("badge state") {
        Draft = "draft",
        Active = "active",
        Archived = "archived",
    }
}

text_states! {
    /// A bulk award job, from its checked list to the end of its work.
    pub enum BulkJobState ("bulk job state") {
        /// Checked, waiting for the issuer to confirm.
        Preview = "preview",
        /// Confirmed, waiting for a worker.
        Pending = "pending",
        /// A worker holds its lease.
        Running = "running",
        Done = "done",
        Cancelled = "cancelled",
    }
}

text_states! {
    /// An outbox message's delivery.
    pub enum MailState ("mail state") {
        Queued = "queued",
        Sent = "sent",
        Failed = "failed",
        /// Not sent: the recipient unsubscribed from the organisation.
        Suppressed = "suppressed",
    }
}

text_states! {
    /// Whether an event takes claims.
    pub enum EventState ("event state") {
        Open = "open",
        Closed = "closed",
    }
}

text_states! {
    /// An event attendee's claim request.
    pub enum RequestState ("event request state") {
        /// Waiting for the attendee to confirm the address.
        Unconfirmed = "unconfirmed",
        /// Waiting for the issuer's decision.
        Pending = "pending",
        Awarded = "awarded",
        Declined = "declined",
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

/// An organisation as seen by one member.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Membership {
    pub org_id: String,
    pub org_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Issuer {
    pub id: String,
    pub org_id: String,
    pub slug: String,
    pub name: String,
    pub url: String,
    pub email: String,
    pub description: String,
    pub linkedin_org_id: String,
    /// Serialised as `has_logo: bool` (pages link to the logo, never embed it).
    #[serde(rename = "has_logo", serialize_with = "is_present")]
    pub logo_png: Option<Vec<u8>>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct IssuerKey {
    pub issuer_id: String,
    pub key_no: i64,
    pub algorithm: String,
    pub public_jwk: String,
    pub public_pem: Option<String>,
    pub sealed_secret: Vec<u8>,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Badge {
    pub id: String,
    pub org_id: String,
    pub issuer_id: String,
    pub state: BadgeState,
    pub is_template: bool,
    pub current_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct BadgeVersion {
    pub badge_id: String,
    pub version: i64,
    pub name: String,
    /// The designer's form, as JSON (the server owns its shape).
    pub design: String,
    #[serde(skip)]
    pub image_png: Option<Vec<u8>>,
    #[serde(skip)]
    pub image_svg: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
}

/// A badge with its current version, for lists.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct BadgeSummary {
    pub id: String,
    pub issuer_id: String,
    pub state: BadgeState,
    pub is_template: bool,
    pub current_version: i64,
    pub name: String,
    pub updated_at: i64,
    pub award_count: i64,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Award {
    pub id: String,
    pub org_id: String,
    pub issuer_id: String,
    pub badge_id: String,
    pub badge_version: i64,
    pub recipient_name: String,
    pub recipient_email: String,
    pub idempotency_key: String,
    pub status_index: i64,
    pub credential: String,
    pub credential_jwt: Option<String>,
    pub ob2_salt: String,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub state: AwardState,
    pub state_reason: Option<String>,
    pub state_changed_at: Option<i64>,
    pub replaced_by: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
}

/// What of an award can change after it is issued: enough to tell whether a
/// rendered public page is still current without reading the credential.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AwardStatus {
    pub state: AwardState,
    pub state_changed_at: Option<i64>,
    pub replaced_by: Option<String>,
    pub expires_at: Option<i64>,
}

/// The state an award can be put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AwardState {
    Active,
    Revoked,
    Suspended,
}

impl AwardState {
    pub fn as_str(self) -> &'static str {
        match self {
            AwardState::Active => "active",
            AwardState::Revoked => "revoked",
            AwardState::Suspended => "suspended",
        }
    }

    pub fn parse(text: &str) -> Option<AwardState> {
        match text {
            "active" => Some(AwardState::Active),
            "revoked" => Some(AwardState::Revoked),
            "suspended" => Some(AwardState::Suspended),
            _ => None,
        }
    }
}

/// One change of an award's state, in its history (`award_history`).
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct AwardEvent {
    pub id: i64,
    pub award_id: String,
    /// `revoke`, `suspend`, `reinstate` or `undo-revoke`.
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub reason: Option<String>,
    pub actor_id: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct StatusListRow {
    pub issuer_id: String,
    pub purpose: String,
    pub revision: i64,
    pub credential: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct BulkJob {
    pub id: String,
    pub org_id: String,
    pub badge_id: String,
    pub badge_version: i64,
    pub file_name: String,
    pub state: BulkJobState,
    pub total: i64,
    pub awarded: i64,
    pub skipped: i64,
    pub with_jwt: bool,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// Language of the e-mail sent to each new recipient; None: no e-mail.
    pub email_locale: Option<String>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct BulkRow {
    pub job_id: String,
    pub row_no: i64,
    pub recipient_name: String,
    pub recipient_email: String,
    pub evidence_url: String,
    pub evidence_narrative: String,
    pub issued_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub idempotency_key: String,
    /// Why the row cannot be awarded (shown in the preview), if so.
    pub problem: Option<String>,
    pub award_id: Option<String>,
}

fn is_present<S: serde::Serializer>(
    value: &Option<Vec<u8>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_bool(value.is_some())
}

/// One e-mail in the outbox.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OutboxMessage {
    pub id: String,
    /// The organisation of an award e-mail; None for account e-mails.
    pub org_id: Option<String>,
    /// The account an account e-mail is for.
    pub user_id: Option<String>,
    pub award_id: Option<String>,
    pub recipient: String,
    pub locale: String,
    /// What the message says.
    pub kind: MailKind,
    /// `queued`, `sent`, `failed` or `suppressed` (the recipient
    /// unsubscribed from the organisation).
    pub state: MailState,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub message_id: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// Messages of a set (a bulk job) by state.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct MailCounts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    /// Not sent: the recipient unsubscribed from the organisation.
    pub suppressed: i64,
}
