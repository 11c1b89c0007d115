-- Correction suggestions: the key shared by suggestions proposing the same change to the
-- same source row (so the queue and the export group them), and the client address a
-- suggestion came from (so every node counts the same hourly limit per address).

ALTER TABLE corrections ADD COLUMN change_key TEXT NOT NULL DEFAULT '';
ALTER TABLE corrections ADD COLUMN client_ip TEXT;
CREATE INDEX corrections_change_key_idx ON corrections (change_key, status);
CREATE INDEX corrections_email_created_idx ON corrections (suggester_email, created_at);
CREATE INDEX corrections_client_created_idx ON corrections (client_ip, created_at);
CREATE INDEX corrections_status_created_idx ON corrections (status, created_at);
