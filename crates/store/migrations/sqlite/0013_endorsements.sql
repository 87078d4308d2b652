-- Endorsements (Open Badges 3.0 EndorsementCredentials) of an award, a badge
-- or an issuer, given by an organisation's issuer or by a person (an account
-- with a did:web key of its own, `account_keys`), approved or declined by
-- the endorsed party before they are shown; the e-mails about them.
-- Keep in step with ../postgres/0013_endorsements.sql.

-- A person endorser's keys (the platform holds them, sealed under the master
-- key like issuer keys). DID: did:web:{host}:users:{user_id}.
CREATE TABLE account_keys (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_no INTEGER NOT NULL,
    algorithm TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    sealed_secret BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key_no)
);

CREATE TABLE endorsements (
    id TEXT PRIMARY KEY,
    -- The account that wrote it, and the issuer it was signed as (NULL: the
    -- account itself, with its own key).
    endorser_user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endorser_issuer_id TEXT REFERENCES issuers(id) ON DELETE CASCADE,
    endorser_name TEXT NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('award', 'badge', 'issuer')),
    -- The award's, badge's or issuer's id here, and the IRI the credential
    -- endorses (the award credential's id, the achievement's, the issuer's DID).
    subject_ref TEXT NOT NULL,
    subject_iri TEXT NOT NULL,
    -- Who decides: the earner the award is bound to, or the admins of the
    -- badge's or issuer's organisation.
    owner_user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    owner_org_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
    comment TEXT NOT NULL,
    credential TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'declined')),
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by TEXT,
    CHECK (owner_user_id IS NOT NULL OR owner_org_id IS NOT NULL)
);
CREATE INDEX endorsements_subject ON endorsements(subject_kind, subject_ref, state);
CREATE INDEX endorsements_owner_user ON endorsements(owner_user_id, state);
CREATE INDEX endorsements_owner_org ON endorsements(owner_org_id, state);
CREATE INDEX endorsements_endorser ON endorsements(endorser_user_id, created_at);

-- Which endorsement an outbox message is about (no foreign key to
-- mail_outbox: it is rebuilt by migrations).
CREATE TABLE endorsement_messages (
    message_id TEXT PRIMARY KEY,
    endorsement_id TEXT NOT NULL REFERENCES endorsements(id) ON DELETE CASCADE
);

-- The outbox: the endorsement kinds (to the account that decides, and to
-- the endorser once decided; both name the account). Rebuilt as in 0012.
CREATE TABLE mail_outbox_new (
    id TEXT PRIMARY KEY,
    org_id TEXT REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    award_id TEXT REFERENCES awards(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    locale TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('award', 'reminder', 'revocation', 'confirm-email',
        'password-reset', 'sign-in-link', 'event-confirm', 'event-declined',
        'endorsement-request', 'endorsement-decided')),
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
        created_at, sent_at, on_request
    FROM mail_outbox;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_attempt_at);
CREATE INDEX mail_outbox_award ON mail_outbox(award_id, created_at);
CREATE INDEX mail_outbox_user ON mail_outbox(user_id, created_at);
CREATE INDEX mail_outbox_sent ON mail_outbox(kind, state, sent_at);
