-- Requests and nominations for requestable badges, the notices before a
-- membership expires, and the outbox kinds they need.
-- Keep in step with ../postgres/0017_recognition.sql.

-- A learner's request for a badge (`kind` 'request', with their evidence)
-- or a member's nomination of someone (`kind` 'nomination', with the
-- reason). `name`/`email`: the person the badge would go to; `answer_to`:
-- where a refusal is sent (the learner, or the member who nominated).
-- `statement`: the evidence text or the reason. The optional evidence file
-- is kept as uploaded (within the upload limits) and only ever served as a
-- download to the organisation's members.
CREATE TABLE badge_requests (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    badge_id TEXT NOT NULL REFERENCES badges(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('request', 'nomination')),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    locale TEXT NOT NULL,
    statement TEXT NOT NULL DEFAULT '',
    evidence_url TEXT NOT NULL DEFAULT '',
    file_name TEXT,
    file_type TEXT,
    file_bytes BLOB,
    requested_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    answer_to TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'declined')),
    comment TEXT NOT NULL DEFAULT '',
    award_id TEXT REFERENCES awards(id) ON DELETE SET NULL,
    decided_by TEXT,
    decided_at INTEGER,
    created_at INTEGER NOT NULL
);
-- One pending request (or nomination) per person and badge.
CREATE UNIQUE INDEX badge_requests_pending ON badge_requests(badge_id, email)
    WHERE state = 'pending';
CREATE INDEX badge_requests_queue ON badge_requests(org_id, state, created_at);
CREATE INDEX badge_requests_award ON badge_requests(award_id);

-- The e-mails about a request (its refusal). No foreign key to
-- mail_outbox, which migrations rebuild.
CREATE TABLE badge_request_messages (
    message_id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES badge_requests(id) ON DELETE CASCADE
);

-- One expiry notice per membership award: the primary key makes queueing
-- it an idempotent conditional insert (two processes never queue two).
CREATE TABLE membership_notices (
    award_id TEXT PRIMARY KEY REFERENCES awards(id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- The outbox: every kind in use, with the request refusal and the
-- membership expiry notice. SQLite cannot change a CHECK: the table is
-- rebuilt (as in 0006); nothing references mail_outbox.
CREATE TABLE mail_outbox_new (
    id TEXT PRIMARY KEY,
    org_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    award_id TEXT REFERENCES awards(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    locale TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('award', 'reminder', 'revocation', 'confirm-email',
        'password-reset', 'sign-in-link', 'event-confirm', 'event-declined',
        'endorsement-request', 'endorsement-decided', 'request-declined',
        'membership-expiring')),
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
    CHECK ((kind IN ('award', 'reminder', 'revocation', 'event-confirm', 'event-declined',
            'request-declined', 'membership-expiring') AND org_id IS NOT NULL)
        OR (kind NOT IN ('award', 'reminder', 'revocation', 'event-confirm', 'event-declined',
            'request-declined', 'membership-expiring') AND user_id IS NOT NULL))
);
INSERT INTO mail_outbox_new (id, org_id, user_id, award_id, recipient, locale, kind, state,
        attempts, next_attempt_at, last_error, lease_owner, lease_until, message_id, created_by,
        created_at, sent_at, on_request)
    SELECT id, org_id, user_id, award_id, recipient, locale, kind, state, attempts,
        next_attempt_at, last_error, lease_owner, lease_until, message_id, created_by,
        created_at, sent_at, on_request
    FROM mail_outbox;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_attempt_at);
CREATE INDEX mail_outbox_award ON mail_outbox(award_id, created_at);
CREATE INDEX mail_outbox_user ON mail_outbox(user_id, created_at);
CREATE INDEX mail_outbox_sent ON mail_outbox(kind, state, sent_at);
