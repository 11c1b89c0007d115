-- Calls for input: an editor opens a draft version for a time-boxed public review;
-- signed-in reviewers with a verified e-mail address join it, stating who they speak for,
-- and respond to each statement (one row per reviewer and statement, upserted), propose
-- missing statements, comment in general and answer the call's survey. A reviewer who
-- leaves withdraws every response (rows deleted, the participation kept with left_at).
-- E-mail verification of accounts lives here too, since joining a call requires it.

ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMPTZ;

CREATE TABLE email_verifications (
    token_hash TEXT NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    PRIMARY KEY (token_hash)
);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id);

CREATE TABLE review_calls (
    id UUID NOT NULL,
    framework_id UUID NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    version_id UUID NOT NULL REFERENCES framework_versions (id) ON DELETE CASCADE,
    organization_id UUID REFERENCES organizations (id) ON DELETE SET NULL,
    invitation TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    stakeholder_types TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    opens_at TIMESTAMPTZ NOT NULL,
    closes_at TIMESTAMPTZ NOT NULL,
    state TEXT NOT NULL,
    remove_share DOUBLE PRECISION NOT NULL,
    change_share DOUBLE PRECISION NOT NULL,
    importance_floor DOUBLE PRECISION NOT NULL,
    min_group BIGINT NOT NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    opened_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    PRIMARY KEY (id),
    UNIQUE (version_id)
);
CREATE INDEX review_calls_framework_idx ON review_calls (framework_id);
CREATE INDEX review_calls_state_idx ON review_calls (state, closes_at);

CREATE TABLE review_questions (
    call_id UUID NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    ord BIGINT NOT NULL,
    prompt TEXT NOT NULL,
    kind TEXT NOT NULL,
    options TEXT NOT NULL,
    required BOOLEAN NOT NULL,
    PRIMARY KEY (call_id, ord)
);

CREATE TABLE reviewer_profiles (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stakeholder_type TEXT NOT NULL,
    sector TEXT,
    organization TEXT NOT NULL,
    country TEXT NOT NULL,
    role TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id)
);

CREATE TABLE review_participants (
    call_id UUID NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stakeholder_type TEXT NOT NULL,
    sector TEXT,
    organization TEXT NOT NULL,
    country TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_at TIMESTAMPTZ NOT NULL,
    left_at TIMESTAMPTZ,
    PRIMARY KEY (call_id, user_id)
);

CREATE TABLE review_responses (
    call_id UUID NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    statement_id UUID NOT NULL,
    stance TEXT,
    importance BIGINT,
    frequency BIGINT,
    comment_type TEXT,
    comment TEXT NOT NULL,
    rewrite TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, user_id, statement_id)
);
CREATE INDEX review_responses_statement_idx ON review_responses (call_id, statement_id);

CREATE TABLE review_proposals (
    id UUID NOT NULL,
    call_id UUID NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    section TEXT NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL,
    rationale TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX review_proposals_call_idx ON review_proposals (call_id, user_id);

CREATE TABLE review_general (
    call_id UUID NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    comment TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, user_id)
);

CREATE TABLE review_answers (
    call_id UUID NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ord BIGINT NOT NULL,
    answer TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, user_id, ord)
);
