-- Accounts that hold up: e-mail addresses of their own (confirmed by an
-- e-mailed link), single-use account tokens (address confirmation, password
-- reset, sign-in links; only their SHA-256 is stored), account e-mails through
-- the outbox, sessions that say where they are, and throttling counters.
-- Keep in step with ../sqlite/0006_accounts.sql.

-- An account's e-mail addresses, lower-case. An award sent to any verified
-- address belongs to the account. The addresses of existing accounts are
-- copied in as verified: they predate confirmation, and their owners have
-- been using them to sign in.
CREATE TABLE user_emails (
    email TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    verified_at BIGINT,
    created_at BIGINT NOT NULL
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
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX account_tokens_user ON account_tokens(user_id, purpose);

-- Sessions: when they were last seen (updated at most every few minutes) and
-- the browser that opened them, for the account page.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;

-- Throttling of sign-ups, password-reset requests and re-sent e-mails, by
-- subject ("signup:client:…", "resend:award:…"); sign-in failures stay in
-- login_attempts.
CREATE TABLE throttle_events (
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX throttle_events_subject ON throttle_events(subject, at);

-- The outbox carries account e-mails too: org_id is optional, user_id names
-- the account an account e-mail is for, and the kinds grow.
ALTER TABLE mail_outbox ALTER COLUMN org_id DROP NOT NULL;
ALTER TABLE mail_outbox ADD COLUMN user_id TEXT REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('award', 'confirm-email', 'password-reset', 'sign-in-link'));
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_owner_check
    CHECK ((kind = 'award' AND org_id IS NOT NULL) OR (kind <> 'award' AND user_id IS NOT NULL));
CREATE INDEX mail_outbox_user ON mail_outbox(user_id, created_at);
