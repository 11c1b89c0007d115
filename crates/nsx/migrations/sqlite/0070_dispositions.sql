-- Dispositions of a call's comments. When a call has closed, every statement comment or
-- suggested rewrite, proposed statement and general comment it received is copied into
-- review_comments (once; the copy is what the editors dispose of and what the public
-- report lists). Each gets a disposition (accepted, accepted with changes, not accepted
-- with a reason, duplicate of another), optionally the statement of the revision it
-- motivated, and, once the dispositions are published, the reviewer's verdict on the
-- response. Concluding a call publishes its dispositions; publishing the revision records
-- the version and a summary of the consultation.

CREATE TABLE review_comments (
    id BLOB NOT NULL,
    call_id BLOB NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ref_id BLOB NOT NULL,
    statement_id BLOB,
    comment_type TEXT,
    text TEXT NOT NULL,
    rewrite TEXT NOT NULL,
    stakeholder_type TEXT NOT NULL,
    sector TEXT,
    disposition TEXT,
    reason TEXT NOT NULL,
    duplicate_of BLOB,
    edit_version_id BLOB,
    edit_item_id BLOB,
    decided_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    decided_at TEXT,
    verdict TEXT,
    verdict_note TEXT NOT NULL,
    verdict_at TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (call_id, kind, user_id, ref_id),
    UNIQUE (call_id, seq)
);
CREATE INDEX review_comments_user_idx ON review_comments (call_id, user_id);

ALTER TABLE review_calls ADD COLUMN concluded_at TEXT;
ALTER TABLE review_calls ADD COLUMN concluded_by BLOB;
ALTER TABLE review_calls ADD COLUMN revision_version_id BLOB;
ALTER TABLE review_calls ADD COLUMN revision_published_at TEXT;
ALTER TABLE review_calls ADD COLUMN summary TEXT;
