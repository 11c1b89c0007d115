-- The line each task came from in Task Statements.txt. O*NET lists an occupation's tasks
-- in its own order of importance; the drafter ranks by it when no task ratings are
-- imported. NULL for rows imported before this column existed (re-import to fill it).
ALTER TABLE onet_tasks ADD COLUMN file_line BIGINT;
