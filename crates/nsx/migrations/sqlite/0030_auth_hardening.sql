-- Sign-in hardening.
--
-- Sessions are kept under a SHA-256 of their id (the cookie's value), as API tokens and
-- reset links already are, so a copy of the database (a backup) holds no live cookie.
-- Ids stored in plain text cannot be hashed in SQL on every backend, so existing sessions
-- end and everyone signs in once more.
DELETE FROM sessions;
ALTER TABLE sessions RENAME COLUMN id TO id_hash;
-- The signed-in user of each session, so that a user's sessions can be ended by an
-- indexed lookup (after a password change, a reset, or when the account is disabled).
ALTER TABLE sessions ADD COLUMN user_id BLOB;
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- Counters behind the sign-in and sign-up limits. A request claims its place with one
-- INSERT … ON CONFLICT DO UPDATE … RETURNING, which both backends carry out atomically
-- (a row lock on PostgreSQL), so requests that arrive together each see every earlier
-- claim, on every node. `scope` names the limit (sign_in_ip, sign_in_account,
-- sign_up_ip), `subject` what is counted (an address or an e-mail).
CREATE TABLE auth_counters (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    hits INTEGER NOT NULL,
    window_start TEXT NOT NULL,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX auth_counters_window_start_idx ON auth_counters (window_start);
