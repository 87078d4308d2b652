-- API tokens of an organisation, for the VC-API endpoints (/credentials/issue, …).
--
-- Only the SHA-256 of a token is stored; the token itself is shown once, when
-- it is created. scopes: a space-separated subset of "read issue revoke admin".
-- A revoked token stays listed (who made it, when it was last used) but no
-- longer authorises anything.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_org ON api_tokens(org_id);
