-- The earner's side: a backpack of badges (this server's awards and imports
-- from any issuer, each with its last verification report), collections,
-- a public profile, evidence added by the earner and share counts.
-- Everything here belongs to one account and goes when it is deleted;
-- awards stay (they are the issuer's record).

-- An award accepted through its claim link by a signed-in account.
CREATE TABLE award_bindings (
    award_id TEXT PRIMARY KEY REFERENCES awards(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    bound_at BIGINT NOT NULL
);
CREATE INDEX award_bindings_user ON award_bindings(user_id);

CREATE TABLE backpack_items (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- One of this server's awards, when it is one.
    award_id TEXT REFERENCES awards(id) ON DELETE SET NULL,
    source TEXT NOT NULL CHECK (source IN ('award', 'file', 'url')),
    source_url TEXT,
    -- The credential's own id, when it has one, and the SHA-256 of its
    -- canonical form: either recognises a badge already in the backpack.
    credential_id TEXT,
    content_hash TEXT NOT NULL,
    -- The credential as JSON or a compact JWT (`payload_kind`).
    payload TEXT NOT NULL,
    payload_kind TEXT NOT NULL CHECK (payload_kind IN ('json', 'jwt')),
    -- The uploaded baked PNG as it came (exported as it came), and the image
    -- shown (re-encoded PNG: uploads are never served as they came).
    baked_png BYTEA,
    image_png BYTEA,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    issuer_name TEXT NOT NULL,
    issuer_url TEXT,
    tags TEXT NOT NULL DEFAULT '',
    issued_at BIGINT,
    expires_at BIGINT,
    status TEXT NOT NULL CHECK (status IN ('valid', 'expired', 'revoked', 'invalid', 'unchecked')),
    report TEXT NOT NULL,
    checked_at BIGINT NOT NULL,
    visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'unlisted', 'public')),
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, content_hash)
);
CREATE INDEX backpack_items_user ON backpack_items(user_id, created_at);
CREATE UNIQUE INDEX backpack_items_credential ON backpack_items(user_id, credential_id) WHERE credential_id IS NOT NULL;
CREATE INDEX backpack_items_checked ON backpack_items(checked_at);

-- Awards of ours the earner removed from the backpack (not added back by themselves).
CREATE TABLE backpack_dismissed (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    award_id TEXT NOT NULL REFERENCES awards(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, award_id)
);

CREATE TABLE backpack_evidence (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES backpack_items(id) ON DELETE CASCADE,
    narrative TEXT NOT NULL DEFAULT '',
    url TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX backpack_evidence_item ON backpack_evidence(item_id, created_at);

CREATE TABLE collections (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'unlisted', 'public')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX collections_user ON collections(user_id, created_at);

CREATE TABLE collection_items (
    collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL REFERENCES backpack_items(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (collection_id, item_id)
);
CREATE INDEX collection_items_item ON collection_items(item_id);

CREATE TABLE earner_profiles (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    handle TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    headline TEXT NOT NULL DEFAULT '',
    photo_png BYTEA,
    updated_at BIGINT NOT NULL
);

-- Shares per page and channel (the redirect endpoint counts, then redirects).
-- `award_id` lets the issuer count shares of its awards.
CREATE TABLE share_counts (
    target TEXT NOT NULL,
    channel TEXT NOT NULL,
    award_id TEXT,
    count BIGINT NOT NULL,
    PRIMARY KEY (target, channel)
);
CREATE INDEX share_counts_award ON share_counts(award_id);
