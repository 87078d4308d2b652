-- The places handed out in each issuer's status list: one allocator for
-- single and bulk awards. A place is taken by inserting its row, before the
-- credential that names it is signed (the primary key refuses a place already
-- taken, for many places in one statement, so two processes never pick the
-- same one). A place whose award was never stored (signing failed, a crash)
-- stays taken: the list has 131,072 places per issuer.
CREATE TABLE status_indexes (
    issuer_id TEXT NOT NULL REFERENCES issuers(id) ON DELETE CASCADE,
    status_index BIGINT NOT NULL,
    taken_at BIGINT NOT NULL,
    PRIMARY KEY (issuer_id, status_index)
);
INSERT INTO status_indexes (issuer_id, status_index, taken_at)
    SELECT issuer_id, status_index, created_at FROM awards;
