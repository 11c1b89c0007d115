-- Occupation frameworks: sources, frameworks, their versions, statements and citations.
-- Ids are UUID v5 derived from codes, so re-drafts keep them.

CREATE TABLE sources (
    source_key TEXT NOT NULL,
    release TEXT NOT NULL,
    name TEXT NOT NULL,
    publisher TEXT NOT NULL,
    url TEXT NOT NULL,
    licence TEXT NOT NULL,
    attribution TEXT NOT NULL,
    PRIMARY KEY (source_key, release)
);

CREATE TABLE frameworks (
    id BLOB NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (code)
);

CREATE TABLE framework_versions (
    id BLOB NOT NULL,
    framework_id BLOB NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    job_zone INTEGER,
    onet_release TEXT NOT NULL,
    context TEXT NOT NULL,
    url TEXT NOT NULL,
    evidence TEXT NOT NULL,
    gaps TEXT NOT NULL,
    source_keys TEXT NOT NULL,
    statement_count INTEGER NOT NULL,
    drafted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (code, label)
);
CREATE INDEX framework_versions_framework_id_idx ON framework_versions (framework_id);
CREATE INDEX framework_versions_label_status_idx ON framework_versions (label, status);

CREATE TABLE statements (
    id BLOB NOT NULL,
    version_id BLOB NOT NULL REFERENCES framework_versions (id) ON DELETE CASCADE,
    item_id BLOB NOT NULL,
    section TEXT NOT NULL,
    domain TEXT,
    level TEXT NOT NULL,
    ord INTEGER NOT NULL,
    subject TEXT NOT NULL,
    performance TEXT NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX statements_version_id_idx ON statements (version_id);
CREATE INDEX statements_item_id_idx ON statements (item_id);

CREATE TABLE citations (
    statement_id BLOB NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
    version_id BLOB NOT NULL,
    ord INTEGER NOT NULL,
    source TEXT NOT NULL,
    release TEXT NOT NULL,
    kind TEXT NOT NULL,
    task_id INTEGER,
    element_id TEXT,
    scale TEXT,
    commodity_code INTEGER,
    ref TEXT,
    cited_text TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (statement_id, ord)
);
CREATE INDEX citations_version_id_idx ON citations (version_id);
