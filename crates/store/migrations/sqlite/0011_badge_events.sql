-- Events with claim codes: an issuer's event (a conference, a workshop)
-- linked to a badge, whose attendees claim it with the event's code after
-- confirming their address, within optional limits; and their requests.
-- Keep in step with ../postgres/0011_badge_events.sql.

-- `code`: what attendees type or scan (the public claim URL /e/{code});
-- shown to the issuer on the poster, so kept as it is. `allow_list`: e-mail
-- addresses and domains, one a line (empty: anyone). `claims_taken` counts
-- the awards made, raised by the conditional UPDATE that enforces
-- `max_claims` in the award's own transaction.
CREATE TABLE badge_events (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    badge_id TEXT NOT NULL REFERENCES badges(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    online_url TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL UNIQUE,
    claims_open_at INTEGER,
    claims_close_at INTEGER,
    max_claims INTEGER,
    allow_list TEXT NOT NULL DEFAULT '',
    needs_approval INTEGER NOT NULL DEFAULT 0,
    claims_taken INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    created_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX badge_events_org ON badge_events(org_id, starts_at);

-- One request per address and event: 'unconfirmed' (a confirmation link
-- was sent), 'pending' (confirmed, awaiting the issuer's approval),
-- 'awarded' (award_id), 'declined' (by the issuer).
CREATE TABLE event_requests (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES badge_events(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    locale TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('unconfirmed', 'pending', 'awarded', 'declined')),
    user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    award_id TEXT REFERENCES awards(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    decided_at INTEGER,
    decided_by TEXT,
    UNIQUE (event_id, email)
);
CREATE INDEX event_requests_state ON event_requests(event_id, state, created_at);

-- The e-mails about a request (its confirmation links, the issuer's
-- refusal). Deliberately no foreign key to mail_outbox, which later
-- migrations may rebuild. `token_hash`: the SHA-256 of a confirmation
-- message's link token, stored when the message is sent.
CREATE TABLE event_messages (
    message_id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES event_requests(id) ON DELETE CASCADE,
    token_hash TEXT UNIQUE,
    token_at INTEGER
);
CREATE INDEX event_messages_request ON event_messages(request_id);

-- The outbox carries the events' e-mails: they belong to an organisation,
-- like award e-mails. SQLite cannot change a CHECK, so the table is rebuilt
-- as in 0006 (nothing references mail_outbox).
CREATE TABLE mail_outbox_new (
    id TEXT PRIMARY KEY,
    org_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    award_id TEXT REFERENCES awards(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    locale TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('award', 'confirm-email', 'password-reset', 'sign-in-link',
        'event-confirm', 'event-declined')),
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
    CHECK ((kind IN ('award', 'event-confirm', 'event-declined') AND org_id IS NOT NULL)
        OR (kind NOT IN ('award', 'event-confirm', 'event-declined') AND user_id IS NOT NULL))
);
INSERT INTO mail_outbox_new (id, org_id, user_id, award_id, recipient, locale, kind, state,
        attempts, next_attempt_at, last_error, lease_owner, lease_until, message_id, created_by,
        created_at, sent_at)
    SELECT id, org_id, user_id, award_id, recipient, locale, kind, state, attempts,
        next_attempt_at, last_error, lease_owner, lease_until, message_id, created_by,
        created_at, sent_at
    FROM mail_outbox;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_attempt_at);
CREATE INDEX mail_outbox_award ON mail_outbox(award_id, created_at);
CREATE INDEX mail_outbox_user ON mail_outbox(user_id, created_at);
