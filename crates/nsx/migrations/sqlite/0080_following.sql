-- Following, invitations and notification e-mails.
--
-- follows: anyone may follow a framework or an occupation (by code) and is e-mailed when
-- a call for input opens on it. A signed-in follower is confirmed at once; an anonymous
-- one confirms by a link sent to the address (double opt-in), whose hash is kept until
-- it is used. One follow per address and target.
--
-- review_invitations: the addresses an editor invited to a call.
--
-- notifications_sent: one row per notification event and recipient, written in the
-- transaction that puts the e-mail in the outbox, so no event reaches anyone twice, even
-- with several nodes running the same job.
--
-- email_suppressions: addresses that unsubscribed from the e-mails about one call.
--
-- app_secrets: secrets every node shares (the key that signs unsubscribe links),
-- generated once.

CREATE TABLE follows (
    id BLOB NOT NULL,
    target_kind TEXT NOT NULL,
    target_code TEXT NOT NULL,
    email TEXT NOT NULL,
    user_id BLOB REFERENCES users (id) ON DELETE CASCADE,
    confirm_hash TEXT,
    confirmed_at TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (target_kind, target_code, email)
);
CREATE INDEX follows_target_idx ON follows (target_kind, target_code);
CREATE INDEX follows_user_idx ON follows (user_id);
CREATE UNIQUE INDEX follows_confirm_idx ON follows (confirm_hash);

CREATE TABLE review_invitations (
    call_id BLOB NOT NULL REFERENCES review_calls (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    invited_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    invited_at TEXT NOT NULL,
    PRIMARY KEY (call_id, email)
);

CREATE TABLE notifications_sent (
    event TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (event, recipient)
);

CREATE TABLE email_suppressions (
    email TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (email, scope)
);

CREATE TABLE app_secrets (
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (name)
);
