-- Exchange: a framework remembers the CASE document it was imported from (so importing
-- the document again drafts a new version of it), and a subscription remembers what the
-- remote server said last (validators for conditional requests, the outcome of the last
-- check).

ALTER TABLE frameworks ADD COLUMN case_document TEXT;
CREATE UNIQUE INDEX frameworks_case_document_idx ON frameworks (case_document);

ALTER TABLE case_subscriptions ADD COLUMN etag TEXT;
ALTER TABLE case_subscriptions ADD COLUMN last_modified TEXT;
ALTER TABLE case_subscriptions ADD COLUMN last_outcome TEXT;
ALTER TABLE case_subscriptions ADD COLUMN checks BIGINT NOT NULL DEFAULT 0;
