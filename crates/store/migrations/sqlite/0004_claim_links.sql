-- Claim links that expire, and renewal e-mails.
--
-- A claim link is valid for a set number of days after its token was
-- created (claim_tokens.created_at; the setting claim_link_days, so changing
-- it applies to links already sent). On an expired link the recipient can ask
-- for a new one, sent to the address on file; this table remembers the last
-- request per award, to allow one every few minutes at most.
CREATE TABLE claim_link_requests (
    award_id TEXT PRIMARY KEY REFERENCES awards(id) ON DELETE CASCADE,
    requested_at INTEGER NOT NULL,
    requests INTEGER NOT NULL DEFAULT 1
);

-- The e-mail about a renewed award says so: it is found by the award it
-- replaces.
CREATE INDEX awards_replaced_by ON awards(replaced_by);
