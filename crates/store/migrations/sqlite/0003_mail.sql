-- E-mail to badge recipients: an outbox (one row per message, written in the
-- same transaction as the award it announces, sent by a worker that claims
-- rows with a lease), claim links (only their SHA-256 is stored) and the
-- recipient's acceptance of an award.

CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    award_id TEXT REFERENCES awards(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    locale TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('award')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    lease_owner TEXT,
    lease_until INTEGER,
    message_id TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_attempt_at);
CREATE INDEX mail_outbox_award ON mail_outbox(award_id, created_at);

CREATE TABLE claim_tokens (
    token_hash TEXT PRIMARY KEY,
    award_id TEXT NOT NULL REFERENCES awards(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE INDEX claim_tokens_award ON claim_tokens(award_id);

CREATE TABLE award_claims (
    award_id TEXT PRIMARY KEY REFERENCES awards(id) ON DELETE CASCADE,
    claimed_at INTEGER NOT NULL
);

-- A bulk job e-mails each new recipient in this language; NULL: no e-mail.
ALTER TABLE bulk_jobs ADD COLUMN email_locale TEXT;
