-- Requests and nominations for requestable badges, the notices before a
-- membership expires, and the outbox kinds they need.
-- Keep in step with ../sqlite/0017_recognition.sql (explained there).

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
    file_bytes BYTEA,
    requested_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    answer_to TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'declined')),
    comment TEXT NOT NULL DEFAULT '',
    award_id TEXT REFERENCES awards(id) ON DELETE SET NULL,
    decided_by TEXT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX badge_requests_pending ON badge_requests(badge_id, email)
    WHERE state = 'pending';
CREATE INDEX badge_requests_queue ON badge_requests(org_id, state, created_at);
CREATE INDEX badge_requests_award ON badge_requests(award_id);

CREATE TABLE badge_request_messages (
    message_id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES badge_requests(id) ON DELETE CASCADE
);

CREATE TABLE membership_notices (
    award_id TEXT PRIMARY KEY REFERENCES awards(id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('award', 'reminder', 'revocation', 'confirm-email', 'password-reset',
        'sign-in-link', 'event-confirm', 'event-declined', 'endorsement-request',
        'endorsement-decided', 'request-declined', 'membership-expiring'));
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_owner_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_owner_check
    CHECK ((kind IN ('award', 'reminder', 'revocation', 'event-confirm', 'event-declined',
            'request-declined', 'membership-expiring') AND org_id IS NOT NULL)
        OR (kind NOT IN ('award', 'reminder', 'revocation', 'event-confirm', 'event-declined',
            'request-declined', 'membership-expiring') AND user_id IS NOT NULL));
