-- Changes narrower than the whole catalog: one row per scope (e.g. `framework:<code>`) with
-- a counter and when it last moved. Each node polls the rows that moved recently and drops
-- only the cached pages of those scopes, instead of every page and the search index.
CREATE TABLE cache_scopes (
    scope TEXT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cache_scopes_changed_at_idx ON cache_scopes (changed_at);
