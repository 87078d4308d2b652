-- Bulk awards: an uploaded list of recipients, awarded by a background job
-- that any server process may claim (lease with expiry) and resume.

CREATE TABLE bulk_jobs (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    badge_id TEXT NOT NULL REFERENCES badges(id),
    badge_version INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('preview', 'pending', 'running', 'done', 'cancelled')),
    total INTEGER NOT NULL,
    awarded INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    with_jwt BOOLEAN NOT NULL DEFAULT FALSE,
    lease_owner TEXT,
    lease_until INTEGER,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX bulk_jobs_org ON bulk_jobs(org_id, created_at);
CREATE INDEX bulk_jobs_state ON bulk_jobs(state, created_at);

CREATE TABLE bulk_rows (
    job_id TEXT NOT NULL REFERENCES bulk_jobs(id) ON DELETE CASCADE,
    row_no INTEGER NOT NULL,
    recipient_name TEXT NOT NULL,
    recipient_email TEXT NOT NULL,
    evidence_url TEXT NOT NULL DEFAULT '',
    evidence_narrative TEXT NOT NULL DEFAULT '',
    issued_at INTEGER,
    expires_at INTEGER,
    idempotency_key TEXT NOT NULL,
    problem TEXT,
    award_id TEXT,
    PRIMARY KEY (job_id, row_no)
);
