-- Recipients' e-mail preferences and an organisation's own messages:
-- reminders for unclaimed awards (when, per organisation, and which were
-- queued), one-click unsubscribes per organisation, message templates per
-- organisation, kind and language, and the outbox kinds and state they need.
-- Keep in step with ../postgres/0012_mail_preferences.sql.

-- An organisation's mail settings. No row: the defaults (reminders 7 and 30
-- days after the award's e-mail). `reminders_custom` = 1: the organisation
-- chose its own days, listed in org_reminder_days (none: reminders off).
CREATE TABLE org_mail_settings (
    org_id TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    reminders_custom INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL
);
CREATE TABLE org_reminder_days (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 365),
    PRIMARY KEY (org_id, days)
);

-- One row per reminder queued: the primary key makes the queueing an
-- idempotent conditional insert, so two processes never queue the same
-- reminder. `source_message_id` is the award's e-mail whose claim link the
-- reminder repeats; `message_id` the reminder in mail_outbox (no foreign
-- key: mail_outbox is rebuilt by migrations).
CREATE TABLE award_reminders (
    award_id TEXT NOT NULL REFERENCES awards(id) ON DELETE CASCADE,
    days INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    source_message_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (award_id, days)
);
CREATE INDEX award_reminders_message ON award_reminders(message_id);

-- Addresses (lower-case, trimmed) that asked for no more messages of an
-- organisation. Deleted again when the person subscribes again.
CREATE TABLE mail_unsubscribes (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    unsubscribed_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, email)
);

-- The SHA-256 of each unsubscribe link's token (derived from the
-- organisation and the address under the master key, so a message sent
-- again carries the same link), stored when a message carrying it is sent.
CREATE TABLE unsubscribe_tokens (
    token_hash TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- An organisation's wording of a message kind in a language: the subject
-- and the opening text (plain text with {recipient}, {badge}, {issuer}).
-- Empty: the catalogue's default.
CREATE TABLE mail_templates (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('award', 'renewal', 'reminder', 'revocation')),
    locale TEXT NOT NULL,
    subject TEXT NOT NULL,
    opening TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, kind, locale)
);

-- The outbox: reminder and revocation kinds (beside the event kinds of 0011), the 'suppressed' state (not sent:
-- the recipient unsubscribed from the organisation), and `on_request` (1: the
-- recipient asked for this message, e.g. a new claim link, so it goes even
-- after an unsubscribe). SQLite cannot change a column's constraints: the
-- table is rebuilt (as in 0006); nothing references mail_outbox.
CREATE TABLE mail_outbox_new (
    id TEXT PRIMARY KEY,
    org_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    award_id TEXT REFERENCES awards(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    locale TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('award', 'reminder', 'revocation', 'confirm-email',
        'password-reset', 'sign-in-link', 'event-confirm', 'event-declined')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'suppressed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    lease_owner TEXT,
    lease_until INTEGER,
    message_id TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    on_request INTEGER NOT NULL DEFAULT 0,
    CHECK ((kind IN ('award', 'reminder', 'revocation', 'event-confirm', 'event-declined') AND org_id IS NOT NULL)
        OR (kind NOT IN ('award', 'reminder', 'revocation', 'event-confirm', 'event-declined')
            AND user_id IS NOT NULL))
);
INSERT INTO mail_outbox_new (id, org_id, user_id, award_id, recipient, locale, kind, state,
        attempts, next_attempt_at, last_error, lease_owner, lease_until, message_id, created_by,
        created_at, sent_at, on_request)
    SELECT id, org_id, user_id, award_id, recipient, locale, kind, state, attempts,
        next_attempt_at, last_error, lease_owner, lease_until, message_id, created_by,
        created_at, sent_at, 0
    FROM mail_outbox;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_attempt_at);
CREATE INDEX mail_outbox_award ON mail_outbox(award_id, created_at);
CREATE INDEX mail_outbox_user ON mail_outbox(user_id, created_at);
-- The reminder pass looks for award e-mails sent in a window of days.
CREATE INDEX mail_outbox_sent ON mail_outbox(kind, state, sent_at);
