-- Recipients' e-mail preferences and an organisation's own messages:
-- reminders for unclaimed awards (when, per organisation, and which were
-- queued), one-click unsubscribes per organisation, message templates per
-- organisation, kind and language, and the outbox kinds and state they need.
-- Keep in step with ../sqlite/0012_mail_preferences.sql.

-- An organisation's mail settings. No row: the defaults (reminders 7 and 30
-- days after the award's e-mail). `reminders_custom` = 1: the organisation
-- chose its own days, listed in org_reminder_days (none: reminders off).
CREATE TABLE org_mail_settings (
    org_id TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    reminders_custom BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);
CREATE TABLE org_reminder_days (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    days BIGINT NOT NULL CHECK (days BETWEEN 1 AND 365),
    PRIMARY KEY (org_id, days)
);

-- One row per reminder queued: the primary key makes the queueing an
-- idempotent conditional insert, so two processes never queue the same
-- reminder. `source_message_id` is the award's e-mail whose claim link the
-- reminder repeats; `message_id` the reminder in mail_outbox (no foreign
-- key: mail_outbox is rebuilt by migrations).
CREATE TABLE award_reminders (
    award_id TEXT NOT NULL REFERENCES awards(id) ON DELETE CASCADE,
    days BIGINT NOT NULL,
    message_id TEXT NOT NULL,
    source_message_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (award_id, days)
);
CREATE INDEX award_reminders_message ON award_reminders(message_id);

-- Addresses (lower-case, trimmed) that asked for no more messages of an
-- organisation. Deleted again when the person subscribes again.
CREATE TABLE mail_unsubscribes (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    unsubscribed_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, email)
);

-- The SHA-256 of each unsubscribe link's token (derived from the
-- organisation and the address under the master key, so a message sent
-- again carries the same link), stored when a message carrying it is sent.
CREATE TABLE unsubscribe_tokens (
    token_hash TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL
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
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind, locale)
);

-- The outbox: reminder and revocation kinds (beside the event kinds of 0011), the 'suppressed' state (not sent:
-- the recipient unsubscribed from the organisation), and `on_request` (1: the
-- recipient asked for this message, e.g. a new claim link, so it goes even
-- after an unsubscribe).
ALTER TABLE mail_outbox ADD COLUMN on_request BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('award', 'reminder', 'revocation', 'confirm-email', 'password-reset',
        'sign-in-link', 'event-confirm', 'event-declined'));
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_state_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_state_check
    CHECK (state IN ('queued', 'sent', 'failed', 'suppressed'));
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_owner_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_owner_check
    CHECK ((kind IN ('award', 'reminder', 'revocation', 'event-confirm', 'event-declined') AND org_id IS NOT NULL)
        OR (kind NOT IN ('award', 'reminder', 'revocation', 'event-confirm', 'event-declined')
            AND user_id IS NOT NULL));
-- The reminder pass looks for award e-mails sent in a window of days.
CREATE INDEX mail_outbox_sent ON mail_outbox(kind, state, sent_at);
