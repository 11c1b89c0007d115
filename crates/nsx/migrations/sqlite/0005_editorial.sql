-- The editorial workflow: organizations own frameworks, a framework relates to any number
-- of occupations, versions record who edited and published them, correction suggestions
-- are triaged, every state change is audited, background jobs run once across nodes, and
-- remote CASE documents can be followed.

ALTER TABLE frameworks ADD COLUMN organization_id BLOB REFERENCES organizations (id);
ALTER TABLE frameworks ADD COLUMN origin TEXT NOT NULL DEFAULT 'drafted';
ALTER TABLE frameworks ADD COLUMN description TEXT NOT NULL DEFAULT '';
CREATE INDEX frameworks_organization_id_idx ON frameworks (organization_id);

CREATE TABLE framework_occupations (
    framework_id BLOB NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    occupation_code TEXT NOT NULL,
    ord INTEGER NOT NULL,
    PRIMARY KEY (framework_id, occupation_code)
);
CREATE INDEX framework_occupations_code_idx ON framework_occupations (occupation_code);
INSERT INTO framework_occupations (framework_id, occupation_code, ord)
    SELECT id, code, 1 FROM frameworks;

ALTER TABLE framework_versions ADD COLUMN edited_at TEXT;
ALTER TABLE framework_versions ADD COLUMN edited_by BLOB;
ALTER TABLE framework_versions ADD COLUMN published_at TEXT;
ALTER TABLE framework_versions ADD COLUMN based_on BLOB;
ALTER TABLE framework_versions ADD COLUMN former_label TEXT;

CREATE TABLE corrections (
    id BLOB NOT NULL,
    framework_id BLOB NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    version_id BLOB,
    statement_id BLOB,
    citation_ord INTEGER,
    occupation_code TEXT,
    source TEXT NOT NULL,
    release TEXT NOT NULL,
    file TEXT NOT NULL,
    locator TEXT NOT NULL,
    current_value TEXT NOT NULL,
    problem TEXT NOT NULL,
    proposed_value TEXT NOT NULL,
    evidence TEXT NOT NULL,
    suggester_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    suggester_email TEXT NOT NULL,
    suggester_name TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    triaged_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    triaged_at TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX corrections_framework_status_idx ON corrections (framework_id, status);
CREATE INDEX corrections_suggester_idx ON corrections (suggester_id);

CREATE TABLE audit_log (
    id BLOB NOT NULL,
    at TEXT NOT NULL,
    actor_id BLOB,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT,
    PRIMARY KEY (id)
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, at);
CREATE INDEX audit_log_action_idx ON audit_log (action, at);
-- Append-only: nothing may change or remove an entry (a restore drops and recreates these
-- triggers inside its own transaction).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE jobs (
    id BLOB NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    run_at TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    last_error TEXT,
    dedupe_key TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    PRIMARY KEY (id),
    UNIQUE (dedupe_key)
);
CREATE INDEX jobs_status_run_at_idx ON jobs (status, run_at);
CREATE INDEX jobs_kind_idx ON jobs (kind, created_at);

CREATE TABLE job_schedules (
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    every_secs INTEGER NOT NULL,
    next_run_at TEXT NOT NULL,
    last_run_at TEXT,
    runs INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name)
);

CREATE TABLE case_subscriptions (
    id BLOB NOT NULL,
    framework_id BLOB REFERENCES frameworks (id) ON DELETE CASCADE,
    organization_id BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    every_minutes INTEGER NOT NULL,
    content_hash TEXT,
    last_checked_at TEXT,
    last_changed_at TEXT,
    last_error TEXT,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (organization_id, url)
);

-- Settings the exchange keeps about itself (e.g. which organization is its own standards
-- body), one value per key.
CREATE TABLE exchange_settings (
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (key)
);
