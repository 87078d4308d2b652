-- Insignia schema v1 (SQLite). Keep in step with ../postgres/0001_init.sql.
-- Times are Unix seconds (INTEGER); identifiers are random text.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    locale TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_attempts (
    subject TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_attempts_subject ON login_attempts(subject, at);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'issuer', 'viewer')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE issuers (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    email TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    linkedin_org_id TEXT NOT NULL DEFAULT '',
    logo_png BLOB,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX issuers_org ON issuers(org_id);

CREATE TABLE issuer_keys (
    issuer_id TEXT NOT NULL REFERENCES issuers(id) ON DELETE CASCADE,
    key_no INTEGER NOT NULL,
    algorithm TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    public_pem TEXT,
    sealed_secret BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER,
    PRIMARY KEY (issuer_id, key_no)
);

CREATE TABLE badges (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    issuer_id TEXT NOT NULL REFERENCES issuers(id),
    state TEXT NOT NULL CHECK (state IN ('draft', 'active', 'archived')),
    is_template BOOLEAN NOT NULL DEFAULT FALSE,
    current_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX badges_org ON badges(org_id);

CREATE TABLE badge_versions (
    badge_id TEXT NOT NULL REFERENCES badges(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    design TEXT NOT NULL,
    image_png BLOB,
    image_svg TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (badge_id, version)
);

CREATE TABLE awards (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    issuer_id TEXT NOT NULL REFERENCES issuers(id),
    badge_id TEXT NOT NULL REFERENCES badges(id),
    badge_version INTEGER NOT NULL,
    recipient_name TEXT NOT NULL,
    recipient_email TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status_index INTEGER NOT NULL,
    credential TEXT NOT NULL,
    credential_jwt TEXT,
    ob2_salt TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER,
    state TEXT NOT NULL CHECK (state IN ('active', 'revoked', 'suspended')),
    state_reason TEXT,
    state_changed_at INTEGER,
    replaced_by TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (issuer_id, status_index)
);
CREATE INDEX awards_org ON awards(org_id, created_at);
CREATE INDEX awards_badge ON awards(badge_id);

CREATE TABLE status_lists (
    issuer_id TEXT NOT NULL REFERENCES issuers(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    revision INTEGER NOT NULL,
    credential TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (issuer_id, purpose)
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL,
    award_id TEXT,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX events_org ON events(org_id, at);
