-- Accounts that hold up: e-mail addresses of their own (confirmed by an
-- e-mailed link), single-use account tokens (address confirmation, password
-- reset, sign-in links; only their SHA-256 is stored), account e-mails through
-- the outbox, sessions that say where they are, and throttling counters.
-- Keep in step with ../postgres/0006_accounts.sql.

-- An account's e-mail addresses, lower-case. An award sent to any verified
-- address belongs to the account. The addresses of existing accounts are
-- copied in as verified: they predate confirmation, and their owners have
-- been using them to sign in.
CREATE TABLE user_emails (
    email TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    verified_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX user_emails_user ON user_emails(user_id);
INSERT INTO user_emails (email, user_id, verified_at, created_at)
    SELECT lower(email), id, created_at, created_at FROM users;

-- Single-use tokens e-mailed to an account: 'confirm-email' (proves `email`
-- belongs to the account), 'password-reset', 'sign-in-link'. Created when the
-- message is sent; used once (used_at), void after expires_at.
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm-email', 'password-reset', 'sign-in-link')),
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX account_tokens_user ON account_tokens(user_id, purpose);

-- Sessions: when they were last seen (updated at most every few minutes) and
-- the browser that opened them, for the account page.
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;

-- Throttling of sign-ups, password-reset requests and re-sent e-mails, by
-- subject ("signup:client:…", "resend:award:…"); sign-in failures stay in
-- login_attempts.
CREATE TABLE throttle_events (
    subject TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX throttle_events_subject ON throttle_events(subject, at);

-- The outbox carries account e-mails too: org_id is optional, user_id names
-- the account an account e-mail is for, and the kinds grow. SQLite cannot
-- change a column's constraints, so the table is rebuilt (new table, copy,
-- drop, rename, indexes again). Nothing references mail_outbox when this runs
-- (a table that did would lose its rows to the implicit DELETE of DROP TABLE).
CREATE TABLE mail_outbox_new (
    id TEXT PRIMARY KEY,
    org_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    award_id TEXT REFERENCES awards(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    locale TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('award', 'confirm-email', 'password-reset', 'sign-in-link')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    lease_owner TEXT,
    lease_until INTEGER,
    message_id TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    CHECK ((kind = 'award' AND org_id IS NOT NULL) OR (kind <> 'award' AND user_id IS NOT NULL))
);
INSERT INTO mail_outbox_new (id, org_id, user_id, award_id, recipient, locale, kind, state,
        attempts, next_attempt_at, last_error, lease_owner, lease_until, message_id, created_by,
        created_at, sent_at)
    SELECT id, org_id, NULL, award_id, recipient, locale, kind, state, attempts, next_attempt_at,
        last_error, lease_owner, lease_until, message_id, created_by, created_at, sent_at
    FROM mail_outbox;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_attempt_at);
CREATE INDEX mail_outbox_award ON mail_outbox(award_id, created_at);
CREATE INDEX mail_outbox_user ON mail_outbox(user_id, created_at);
