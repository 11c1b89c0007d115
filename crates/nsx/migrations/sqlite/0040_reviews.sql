-- Calls for input: an editor opens a draft version for a time-boxed public review;
-- signed-in reviewers with a verified e-mail address join it, stating who they speak for,
-- and respond to each statement (one row per reviewer and statement, upserted), propose
-- missing statements, comment in general and answer the call's survey. A reviewer who
-- leaves withdraws every response (rows deleted, the participation kept with left_at).
-- E-mail verification of accounts lives here too, since joining a call requires it.

ALTER TABLE users ADD COLUMN email_verified_at TEXT;

CREATE TABLE email_verifications (
    token_hash TEXT NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (token_hash)
);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id);

CREATE TABLE review_calls (
    id BLOB NOT NULL,
    framework_id BLOB NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    version_id BLOB NOT NULL REFERENCES framework_versions (id) ON DELETE CASCADE,
    organization_id BLOB REFERENCES organizations (id) ON DELETE SET NULL,
    invitation TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    stakeholder_types TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    state TEXT NOT NULL,
    remove_share REAL NOT NULL,
    change_share REAL NOT NULL,
    importance_floor REAL NOT NULL,
    min_group INTEGER NOT NULL,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    opened_at TEXT,
    closed_at TEXT,
    PRIMARY KEY (id),
    UNIQUE (version_id)
);
CREATE INDEX review_calls_framework_idx ON review_calls (framework_id);
CREATE INDEX review_calls_state_idx ON review_calls (state, closes_at);

CREATE TABLE review_questions (
    call_id BLOB NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    prompt TEXT NOT NULL,
    kind TEXT NOT NULL,
    options TEXT NOT NULL,
    required BOOLEAN NOT NULL,
    PRIMARY KEY (call_id, ord)
);

CREATE TABLE reviewer_profiles (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stakeholder_type TEXT NOT NULL,
    sector TEXT,
    organization TEXT NOT NULL,
    country TEXT NOT NULL,
    role TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id)
);

CREATE TABLE review_participants (
    call_id BLOB NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stakeholder_type TEXT NOT NULL,
    sector TEXT,
    organization TEXT NOT NULL,
    country TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    left_at TEXT,
    PRIMARY KEY (call_id, user_id)
);

CREATE TABLE review_responses (
    call_id BLOB NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    statement_id BLOB NOT NULL,
    stance TEXT,
    importance INTEGER,
    frequency INTEGER,
    comment_type TEXT,
    comment TEXT NOT NULL,
    rewrite TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (call_id, user_id, statement_id)
);
CREATE INDEX review_responses_statement_idx ON review_responses (call_id, statement_id);

CREATE TABLE review_proposals (
    id BLOB NOT NULL,
    call_id BLOB NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    section TEXT NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL,
    rationale TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX review_proposals_call_idx ON review_proposals (call_id, user_id);

CREATE TABLE review_general (
    call_id BLOB NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    comment TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (call_id, user_id)
);

CREATE TABLE review_answers (
    call_id BLOB NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    answer TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (call_id, user_id, ord)
);
