-- Events with claim codes: an issuer's event (a conference, a workshop)
-- linked to a badge, whose attendees claim it with the event's code after
-- confirming their address, within optional limits; and their requests.
-- Keep in step with ../sqlite/0011_badge_events.sql.

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
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    online_url TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL UNIQUE,
    claims_open_at BIGINT,
    claims_close_at BIGINT,
    max_claims BIGINT,
    allow_list TEXT NOT NULL DEFAULT '',
    needs_approval BOOLEAN NOT NULL DEFAULT FALSE,
    claims_taken BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
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
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    decided_at BIGINT,
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
    token_at BIGINT
);
CREATE INDEX event_messages_request ON event_messages(request_id);

-- The outbox carries the events' e-mails: they belong to an organisation,
-- like award e-mails.
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('award', 'confirm-email', 'password-reset', 'sign-in-link',
        'event-confirm', 'event-declined'));
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_owner_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_owner_check
    CHECK ((kind IN ('award', 'event-confirm', 'event-declined') AND org_id IS NOT NULL)
        OR (kind NOT IN ('award', 'event-confirm', 'event-declined') AND user_id IS NOT NULL));
