//! The rules of an award's status: revoke (with a reason, shown publicly),
//! suspend (the reversible hold), reinstate a suspended award, and undo a
//! revocation made in error. Every change is recorded in the award's history
//! in the same transaction as the change itself, then the issuer's status
//! lists are re-signed so verifiers see it at once.

use std::collections::HashMap;

use insignia_store::model::{Award, AwardState, Badge, BadgeState, MailKind, OutboxMessage, Role};
use insignia_store::repo::{awards, issuers, mail};

use crate::error::AppError;
use crate::issuing::{self, AwardInput};
use crate::state::Shared;

/// How long after a revocation an owner or admin may still undo it.
pub const UNDO_WINDOW_SECONDS: i64 = 30 * 24 * 60 * 60;

/// Longest reason kept (it is shown on the public page).
pub const MAX_REASON_CHARS: usize = 500;

/// Why a change of status is refused: something the person can read and fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A revocation needs a reason.
    ReasonRequired,
    /// The reason is longer than [`MAX_REASON_CHARS`].
    ReasonTooLong,
    /// The award is revoked: only an undo (within the window) changes it.
    Revoked,
    /// The award is not in a state this change applies to (e.g. reinstating
    /// an active award), or someone changed it meanwhile.
    NotApplicable,
    /// The revocation is older than [`UNDO_WINDOW_SECONDS`].
    UndoWindowPassed,
    /// Undoing a revocation is for owners and admins.
    NotAllowed,
    /// Only an active badge is awarded (not a draft, not an archived one).
    BadgeNotActive,
    /// A revoked award's recipient is not e-mailed about it again.
    RevokedNoMail,
    /// The award's recipient was e-mailed as often as the limit allows.
    ResendLimit,
}

impl Refusal {
    /// The catalogue key of the message shown by the form.
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::ReasonRequired => "award-error-reason",
            Refusal::ReasonTooLong => "award-error-reason-long",
            Refusal::Revoked => "award-error-final",
            Refusal::NotApplicable => "award-error-changed",
            Refusal::UndoWindowPassed => "award-error-undo-window",
            Refusal::NotAllowed => "error-forbidden",
            Refusal::BadgeNotActive => "award-error-not-active",
            Refusal::RevokedNoMail => "mail-error-revoked",
            Refusal::ResendLimit => "mail-resend-limit",
        }
    }
}

#[derive(Debug)]
pub enum StatusError {
    Refused(Refusal),
    App(AppError),
}

impl From<AppError> for StatusError {
    fn from(e: AppError) -> Self {
        StatusError::App(e)
    }
}

impl From<insignia_store::StoreError> for StatusError {
    fn from(e: insignia_store::StoreError) -> Self {
        StatusError::App(e.into())
    }
}

/// Who asks for the change.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: &'a str,
    pub role: Role,
}

/// Whether `award`'s revocation may still be undone at `now` by `role`.
pub fn can_undo(award: &Award, role: Role, now: i64) -> bool {
    award.state == AwardState::Revoked
        && role >= Role::Admin
        && award
            .state_changed_at
            .is_some_and(|at| now - at <= UNDO_WINDOW_SECONDS)
}

/// The last day (seconds) a revocation of `award` can be undone.
pub fn undo_deadline(award: &Award) -> Option<i64> {
    (award.state == AwardState::Revoked)
        .then_some(award.state_changed_at)
        .flatten()
        .map(|at| at + UNDO_WINDOW_SECONDS)
}

/// A trimmed reason, checked.
pub fn checked_reason(reason: &str, required: bool) -> Result<Option<String>, Refusal> {
    let reason = reason.trim();
    if reason.is_empty() {
        return if required {
            Err(Refusal::ReasonRequired)
        } else {
            Ok(None)
        };
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(Refusal::ReasonTooLong);
    }
    Ok(Some(reason.to_owned()))
}

/// One change of an award's status, as its history records it.
#[derive(Debug, Clone, Copy)]
struct Transition<'a> {
    action: &'a str,
    from: AwardState,
    to: AwardState,
    reason: Option<&'a str>,
}

async fn apply(
    state: &Shared,
    award: &Award,
    transition: Transition<'_>,
    actor: Actor<'_>,
    notice: Option<&mail::NewMessage>,
) -> Result<(), StatusError> {
    let Transition {
        action,
        from,
        to,
        reason,
    } = transition;
    let change = awards::StateChange {
        award_id: &award.id,
        action,
        from,
        to,
        reason,
        actor_id: Some(actor.user_id),
        notice,
    };
    let changed = awards::change_state(&state.store, &change).await?;
    state.status_cache.remove(&award.id);
    if !changed {
        return Err(StatusError::Refused(Refusal::NotApplicable));
    }
    let issuer = issuers::by_id(&state.store, &award.issuer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::service::status::publish_all(state, &issuer)
        .await
        .map_err(AppError::from)?;
    Ok(())
}

/// Whether the award was e-mailed to its recipient (the revocation form
/// then offers to tell them, ticked), and the language it was written in.
pub async fn emailed_in(state: &Shared, award: &Award) -> Result<Option<String>, AppError> {
    let messages = mail::for_award(&state.store, &award.id).await?;
    Ok(messages
        .iter()
        .find(|m| m.kind == MailKind::Award)
        .map(|m| m.locale.clone()))
}

/// Revokes an active or suspended award; the reason is required. With
/// `notify_in` (a language), the recipient is e-mailed the reason: the
/// message is queued in the same transaction as the change.
pub async fn revoke(
    state: &Shared,
    award: &Award,
    reason: &str,
    actor: Actor<'_>,
    notify_in: Option<&str>,
) -> Result<(), StatusError> {
    let from = award.state;
    if from == AwardState::Revoked {
        return Err(StatusError::Refused(Refusal::Revoked));
    }
    let reason = checked_reason(reason, true).map_err(StatusError::Refused)?;
    let notice = notify_in.map(|locale| {
        let mut message = mail::NewMessage::award(award, locale);
        message.kind = MailKind::Revocation;
        message.created_by = Some(actor.user_id.to_owned());
        message
    });
    let transition = Transition {
        action: "revoke",
        from,
        to: AwardState::Revoked,
        reason: reason.as_deref(),
    };
    apply(state, award, transition, actor, notice.as_ref()).await?;
    if notice.is_some() {
        crate::mail::wake(state);
    }
    Ok(())
}

/// Suspends an active award (a hold that [`reinstate`] lifts).
pub async fn suspend(
    state: &Shared,
    award: &Award,
    reason: &str,
    actor: Actor<'_>,
) -> Result<(), StatusError> {
    match award.state {
        AwardState::Active => {}
        AwardState::Revoked => return Err(StatusError::Refused(Refusal::Revoked)),
        AwardState::Suspended => return Err(StatusError::Refused(Refusal::NotApplicable)),
    }
    let reason = checked_reason(reason, false).map_err(StatusError::Refused)?;
    let transition = Transition {
        action: "suspend",
        from: AwardState::Active,
        to: AwardState::Suspended,
        reason: reason.as_deref(),
    };
    apply(state, award, transition, actor, None).await
}

/// Lifts a suspension.
pub async fn reinstate(state: &Shared, award: &Award, actor: Actor<'_>) -> Result<(), StatusError> {
    match award.state {
        AwardState::Suspended => {}
        AwardState::Revoked => return Err(StatusError::Refused(Refusal::Revoked)),
        AwardState::Active => return Err(StatusError::Refused(Refusal::NotApplicable)),
    }
    let transition = Transition {
        action: "reinstate",
        from: AwardState::Suspended,
        to: AwardState::Active,
        reason: None,
    };
    apply(state, award, transition, actor, None).await
}

/// Undoes a revocation made in error: owners and admins, within
/// [`UNDO_WINDOW_SECONDS`]. The award goes back to the state it had before
/// (active, or suspended with that reason), as its history records it.
pub async fn undo_revocation(
    state: &Shared,
    award: &Award,
    actor: Actor<'_>,
) -> Result<(), StatusError> {
    if award.state != AwardState::Revoked {
        return Err(StatusError::Refused(Refusal::NotApplicable));
    }
    if actor.role < Role::Admin {
        return Err(StatusError::Refused(Refusal::NotAllowed));
    }
    if !can_undo(award, actor.role, insignia_store::now()) {
        return Err(StatusError::Refused(Refusal::UndoWindowPassed));
    }
    let history = awards::history(&state.store, &award.id).await?;
    let revoke = history.iter().rev().find(|e| e.action == "revoke");
    let before = revoke
        .and_then(|e| AwardState::parse(&e.from_state))
        .filter(|s| *s != AwardState::Revoked)
        .unwrap_or(AwardState::Active);
    // The suspension's reason comes back with it.
    let earlier_reason = (before == AwardState::Suspended)
        .then(|| {
            history
                .iter()
                .rev()
                .find(|e| e.action == "suspend")
                .and_then(|e| e.reason.clone())
        })
        .flatten();
    let transition = Transition {
        action: "undo-revoke",
        from: AwardState::Revoked,
        to: before,
        reason: earlier_reason.as_deref(),
    };
    apply(state, award, transition, actor, None).await
}

/// Each award's latest e-mail and, for those accepted, when: for lists.
pub async fn delivery_maps(
    state: &Shared,
    list: &[Award],
) -> Result<(HashMap<String, OutboxMessage>, HashMap<String, i64>), AppError> {
    let ids: Vec<String> = list.iter().map(|a| a.id.clone()).collect();
    Ok((
        mail::latest_for_awards(&state.store, &ids).await?,
        mail::claimed_at(&state.store, &ids).await?,
    ))
}

/// The award `award_id` of organisation `org_id`; another organisation's
/// award is "not found", as if it did not exist.
pub async fn of_org(state: &Shared, org_id: &str, award_id: &str) -> Result<Award, AppError> {
    awards::by_id(&state.store, award_id)
        .await?
        .filter(|a| a.org_id == org_id)
        .ok_or(AppError::NotFound)
}

/// A badge of `org_id` that can be awarded now (it is active).
pub async fn awardable_badge(
    state: &Shared,
    org_id: &str,
    badge_id: &str,
) -> Result<Badge, StatusError> {
    let badge = crate::service::badges::owned(state, org_id, badge_id).await?;
    if badge.state != BadgeState::Active {
        return Err(StatusError::Refused(Refusal::BadgeNotActive));
    }
    Ok(badge)
}

/// Awards the current version of `badge` (of organisation `org_id`), signed
/// by its issuer; the e-mail to the recipient (if `input` asks for one) is
/// queued in the same transaction. Returns the award (an existing one for a
/// repeated idempotency key).
pub async fn issue(
    state: &Shared,
    org_id: &str,
    badge: &Badge,
    input: AwardInput,
) -> Result<Award, AppError> {
    let (version, design) = crate::service::badges::current_version(state, badge).await?;
    let issuer = crate::service::issuers::owned(state, org_id, &badge.issuer_id).await?;
    let (award, _) = issuing::award(state, &issuer, &version, &design, input).await?;
    Ok(award)
}

/// Queues a new e-mail (with a fresh claim link) to `award`'s recipient in
/// `language`, asked for by `user_id`; refused for a revoked award and
/// beyond the per-award limit (whoever asks: one recipient is not to be
/// flooded).
pub async fn resend(
    state: &Shared,
    award: &Award,
    language: &str,
    user_id: &str,
) -> Result<(), StatusError> {
    if award.state == AwardState::Revoked {
        return Err(StatusError::Refused(Refusal::RevokedNoMail));
    }
    let allowed = insignia_store::repo::throttle::allow(
        &state.store,
        &format!("resend:award:{}", award.id),
        crate::service::accounts::RESEND_LIMITS,
    )
    .await?;
    if !allowed {
        return Err(StatusError::Refused(Refusal::ResendLimit));
    }
    let mut message = mail::NewMessage::award(award, language);
    message.created_by = Some(user_id.to_owned());
    mail::enqueue(&state.store, &message).await?;
    crate::mail::wake(state);
    Ok(())
}

/// Renewal: a new credential for the same person (same evidence, same
/// choice of a VC-JWT) from the badge's current version; the old award
/// points at its replacement, and with `email_locale` the e-mail about the
/// renewed badge is queued, all in one transaction. Renewing the same award
/// twice gives the same new award. A revoked award is not renewed.
pub async fn renew(
    state: &Shared,
    org_id: &str,
    old: &Award,
    email_locale: Option<String>,
    user_id: &str,
) -> Result<Award, StatusError> {
    if old.state == AwardState::Revoked {
        return Err(StatusError::Refused(Refusal::Revoked));
    }
    let badge = crate::service::badges::owned(state, org_id, &old.badge_id).await?;
    let evidence: Option<serde_json::Value> =
        serde_json::from_str::<serde_json::Value>(&old.credential)
            .ok()
            .and_then(|c| c.get("evidence").and_then(|e| e.get(0)).cloned());
    let text = |field: &str| {
        evidence
            .as_ref()
            .and_then(|e| e.get(field))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    // A membership renewed before it ends runs on from its end, not from today.
    let (_, design) = crate::service::badges::current_version(state, &badge).await?;
    let expires_at = design.membership_months.map(|months| {
        let from = old
            .expires_at
            .filter(|e| *e > insignia_store::now())
            .unwrap_or_else(insignia_store::now);
        crate::design::add_months(from, months)
    });
    let input = AwardInput {
        recipient_name: old.recipient_name.clone(),
        recipient_email: old.recipient_email.clone(),
        evidence_url: text("id"),
        evidence_narrative: text("narrative"),
        issued_at: None,
        expires_at,
        with_jwt: old.credential_jwt.is_some(),
        idempotency_key: Some(format!("renewal-of:{}", old.id)),
        created_by: Some(user_id.to_owned()),
        email_locale,
        replaces: Some(old.id.clone()),
        recipient_org: issuing::organisation_of(
            &serde_json::from_str(&old.credential).unwrap_or_default(),
        )
        .map(|(_, url)| issuing::OrgRecipient { url }),
    };
    let new = issue(state, org_id, &badge, input).await?;
    state.status_cache.remove(&old.id);
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn award(state: AwardState, changed: Option<i64>) -> Award {
        Award {
            id: "a".into(),
            org_id: "o".into(),
            issuer_id: "i".into(),
            badge_id: "b".into(),
            badge_version: 1,
            recipient_name: "R".into(),
            recipient_email: "r@example.org".into(),
            idempotency_key: "k".into(),
            status_index: 0,
            credential: "{}".into(),
            credential_jwt: None,
            ob2_salt: String::new(),
            issued_at: 0,
            expires_at: None,
            state,
            state_reason: None,
            state_changed_at: changed,
            replaced_by: None,
            created_by: None,
            created_at: 0,
        }
    }

    #[test]
    fn undo_is_for_admins_within_the_window() {
        let now = 100 * 86_400;
        let revoked = award(AwardState::Revoked, Some(now - 29 * 86_400));
        assert!(can_undo(&revoked, Role::Admin, now));
        assert!(can_undo(&revoked, Role::Owner, now));
        assert!(!can_undo(&revoked, Role::Issuer, now));
        let old = award(AwardState::Revoked, Some(now - 31 * 86_400));
        assert!(!can_undo(&old, Role::Owner, now));
        assert!(!can_undo(
            &award(AwardState::Active, Some(now)),
            Role::Owner,
            now
        ));
        assert_eq!(undo_deadline(&revoked), Some(now + 86_400));
        assert_eq!(
            undo_deadline(&award(AwardState::Suspended, Some(now))),
            None
        );
    }

    #[test]
    fn reasons_are_checked() {
        assert_eq!(checked_reason("  ", true), Err(Refusal::ReasonRequired));
        assert_eq!(checked_reason("  ", false), Ok(None));
        assert_eq!(checked_reason(" Fraud ", true), Ok(Some("Fraud".into())));
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        assert_eq!(checked_reason(&long, true), Err(Refusal::ReasonTooLong));
    }
}
