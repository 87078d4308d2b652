-- The local outbox: a server without SMTP delivers each message here instead,
-- exactly as it would have gone over SMTP (RFC 5322 text, `raw`), for the
-- Outbox page to show with working links. One row per delivered message of
-- `mail_outbox` (deliberately no foreign key: `mail_outbox` may be rebuilt by
-- later migrations; rows of a deleted message are removed with it in code).
CREATE TABLE outbox_copies (
    message_id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    raw TEXT NOT NULL,
    delivered_at INTEGER NOT NULL
);
CREATE INDEX outbox_copies_delivered ON outbox_copies(delivered_at, message_id);
