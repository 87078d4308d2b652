-- Each change of an award's state (revoke, suspend, reinstate, undo of a
-- revocation), who made it and why: the award's history, shown to its
-- organisation. The id grows with each change (the order of changes made
-- within one second).
CREATE TABLE award_history (
    id INTEGER PRIMARY KEY,
    award_id TEXT NOT NULL REFERENCES awards(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT,
    actor_id TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX award_history_award ON award_history (award_id, at);
