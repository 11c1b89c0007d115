//! The queries of following, invitations and notifications.

use nsx_core::following::TargetKind;
use nsx_core::ids::CallId;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Follow, Invitation};
use crate::db::{Db, Ts, Tx};
use crate::error::{Error, Result};
use crate::{on_db, on_tx};

#[derive(sqlx::FromRow)]
struct FollowRow {
    id: Uuid,
    target_kind: String,
    target_code: String,
    email: String,
    user_id: Option<Uuid>,
    confirmed_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
}

const FOLLOW_COLS: &str = "id, target_kind, target_code, email, user_id, confirmed_at, created_at";

impl TryFrom<FollowRow> for Follow {
    type Error = Error;
    fn try_from(r: FollowRow) -> Result<Follow> {
        Ok(Follow {
            id: r.id,
            kind: TargetKind::parse(&r.target_kind).ok_or_else(|| {
                Error::Internal(format!("follow {}: kind {:?}", r.id, r.target_kind))
            })?,
            code: r.target_code,
            email: r.email,
            user_id: r.user_id,
            confirmed_at: r.confirmed_at,
            created_at: r.created_at,
        })
    }
}

/// Adds or refreshes a follow. A confirmed follow stays confirmed; an unconfirmed one takes
/// the new confirmation hash (the older link stops working). Returns the follow.
pub async fn upsert_follow(
    tx: &mut Tx,
    kind: TargetKind,
    code: &str,
    email: &str,
    user_id: Option<Uuid>,
    confirm_hash: Option<&str>,
) -> Result<Follow> {
    let now = Ts::now();
    let confirmed = confirm_hash.is_none().then_some(now);
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO follows (id, target_kind, target_code, email, user_id, confirm_hash, confirmed_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (target_kind, target_code, email) DO UPDATE SET
             user_id = COALESCE(excluded.user_id, follows.user_id),
             confirm_hash = CASE WHEN follows.confirmed_at IS NULL AND excluded.confirmed_at IS NULL
                                 THEN excluded.confirm_hash ELSE NULL END,
             confirmed_at = COALESCE(follows.confirmed_at, excluded.confirmed_at)"
    )
    .bind(Uuid::now_v7())
    .bind(kind.as_str())
    .bind(code)
    .bind(email)
    .bind(user_id)
    .bind(confirm_hash)
    .bind(confirmed)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let row: FollowRow = on_tx!(tx, c => sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {FOLLOW_COLS} FROM follows WHERE target_kind = $1 AND target_code = $2 AND email = $3"
    )))
    .bind(kind.as_str())
    .bind(code)
    .bind(email)
    .fetch_one(c)
    .await)?;
    row.try_into()
}

/// Confirms the follow whose link carries `hash`; `None` when no unconfirmed follow has it.
pub async fn confirm(tx: &mut Tx, hash: &str) -> Result<Option<Follow>> {
    let row: Option<FollowRow> = on_tx!(tx, c => sqlx::query_as(AssertSqlSafe(format!(
        "UPDATE follows SET confirmed_at = $1, confirm_hash = NULL
         WHERE confirm_hash = $2 AND confirmed_at IS NULL
         RETURNING {FOLLOW_COLS}"
    )))
    .bind(Ts::now())
    .bind(hash)
    .fetch_optional(c)
    .await)?;
    row.map(Follow::try_from).transpose()
}

/// Removes a follow by address; whether there was one.
pub async fn delete_by_email(
    tx: &mut Tx,
    kind: TargetKind,
    code: &str,
    email: &str,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "DELETE FROM follows WHERE target_kind = $1 AND target_code = $2 AND email = $3"
    )
    .bind(kind.as_str())
    .bind(code)
    .bind(email)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Removes a user's follow (by account or by the account's address); whether there was one.
pub async fn delete_of_user(
    tx: &mut Tx,
    kind: TargetKind,
    code: &str,
    user: Uuid,
    email: &str,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "DELETE FROM follows WHERE target_kind = $1 AND target_code = $2 AND (user_id = $3 OR email = $4)"
    )
    .bind(kind.as_str())
    .bind(code)
    .bind(user)
    .bind(email)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A user's follows (by account or address), oldest first.
pub async fn follows_of_user(db: &Db, user: Uuid, email: &str) -> Result<Vec<Follow>> {
    let rows: Vec<FollowRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {FOLLOW_COLS} FROM follows WHERE user_id = $1 OR email = $2 ORDER BY created_at, id"
    )))
    .bind(user)
    .bind(email)
    .fetch_all(p)
    .await)?;
    rows.into_iter().map(Follow::try_from).collect()
}

/// Confirmed followers of some targets of one kind: (address, code).
pub async fn confirmed_followers(
    db: &Db,
    kind: TargetKind,
    codes: &[String],
) -> Result<Vec<(String, String)>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let list = (0..codes.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT email, target_code FROM follows
         WHERE target_kind = $1 AND confirmed_at IS NOT NULL AND target_code IN ({list})
         ORDER BY email"
    );
    let rows: Vec<(String, String)> = on_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(sql.clone())).bind(kind.as_str());
        for c in codes {
            q = q.bind(c);
        }
        q.fetch_all(p).await
    })?;
    Ok(rows)
}

/// Counts of confirmed followers of a target.
pub async fn follower_count(db: &Db, kind: TargetKind, code: &str) -> Result<i64> {
    let n: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM follows WHERE target_kind = $1 AND target_code = $2 AND confirmed_at IS NOT NULL"
    )
    .bind(kind.as_str())
    .bind(code)
    .fetch_one(p)
    .await)?;
    Ok(n)
}

// ---------------------------------------------------------------------------------------
// Invitations

/// Adds invitations; returns the addresses that were new.
pub async fn add_invitations(
    tx: &mut Tx,
    call: CallId,
    emails: &[String],
    by: Option<Uuid>,
) -> Result<Vec<String>> {
    let now = Ts::now();
    let mut added = Vec::new();
    for e in emails {
        let n = on_tx!(tx, c => sqlx::query(
            "INSERT INTO review_invitations (call_id, email, invited_by, invited_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (call_id, email) DO NOTHING"
        )
        .bind(call.0)
        .bind(e)
        .bind(by)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 1 {
            added.push(e.clone());
        }
    }
    Ok(added)
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    email: String,
    invited_at: OffsetDateTime,
    joined_at: Option<OffsetDateTime>,
    notified_at: Option<OffsetDateTime>,
}

/// A call's invitations with whether each invitee joined (an account with that address
/// taking part) and when they were e-mailed.
pub async fn invitations(db: &Db, call: CallId) -> Result<Vec<Invitation>> {
    let event = super::notify::event_key(super::notify::Event::CallOpened, call);
    let rows: Vec<InvitationRow> = on_db!(db, p => sqlx::query_as(
        "SELECT i.email, i.invited_at, rp.joined_at, ns.sent_at AS notified_at
         FROM review_invitations i
         LEFT JOIN users u ON u.email = i.email
         LEFT JOIN review_participants rp ON rp.call_id = i.call_id AND rp.user_id = u.id AND rp.left_at IS NULL
         LEFT JOIN notifications_sent ns ON ns.event = $2 AND ns.recipient = i.email
         WHERE i.call_id = $1
         ORDER BY i.invited_at, i.email"
    )
    .bind(call.0)
    .bind(&event)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| Invitation {
            email: r.email,
            invited_at: r.invited_at,
            joined_at: r.joined_at,
            notified_at: r.notified_at,
        })
        .collect())
}

/// The invited addresses of a call.
pub async fn invitees(db: &Db, call: CallId) -> Result<Vec<String>> {
    let v: Vec<String> = on_db!(db, p => sqlx::query_scalar(
        "SELECT email FROM review_invitations WHERE call_id = $1 ORDER BY email"
    )
    .bind(call.0)
    .fetch_all(p)
    .await)?;
    Ok(v)
}

// ---------------------------------------------------------------------------------------
// Notifications

/// Records that `event` reached `recipient`; false when it already had (the e-mail must
/// then not be queued again).
pub async fn claim_notification(tx: &mut Tx, event: &str, recipient: &str) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO notifications_sent (event, recipient, sent_at) VALUES ($1, $2, $3)
         ON CONFLICT (event, recipient) DO NOTHING"
    )
    .bind(event)
    .bind(recipient)
    .bind(Ts::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Whether an address unsubscribed from a scope.
pub async fn suppressed(db: &Db, email: &str, scope: &str) -> Result<bool> {
    let n: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_suppressions WHERE email = $1 AND scope = $2"
    )
    .bind(email)
    .bind(scope)
    .fetch_one(p)
    .await)?;
    Ok(n > 0)
}

/// Unsubscribes an address from a scope; whether it was new.
pub async fn suppress(tx: &mut Tx, email: &str, scope: &str) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO email_suppressions (email, scope, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (email, scope) DO NOTHING"
    )
    .bind(email)
    .bind(scope)
    .bind(Ts::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Active reviewers of a call with how many statements each answered: (address, answered).
pub async fn reviewers_with_answers(db: &Db, call: CallId) -> Result<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = on_db!(db, p => sqlx::query_as(
        "SELECT u.email, (SELECT COUNT(*) FROM review_responses r
                          WHERE r.call_id = rp.call_id AND r.user_id = rp.user_id)
         FROM review_participants rp JOIN users u ON u.id = rp.user_id
         WHERE rp.call_id = $1 AND rp.left_at IS NULL
         ORDER BY u.email"
    )
    .bind(call.0)
    .fetch_all(p)
    .await)?;
    Ok(rows)
}

/// Every reviewer who took part in a call and did not leave: their addresses.
pub async fn reviewers(db: &Db, call: CallId) -> Result<Vec<String>> {
    let v: Vec<String> = on_db!(db, p => sqlx::query_scalar(
        "SELECT u.email FROM review_participants rp JOIN users u ON u.id = rp.user_id
         WHERE rp.call_id = $1 AND rp.left_at IS NULL ORDER BY u.email"
    )
    .bind(call.0)
    .fetch_all(p)
    .await)?;
    Ok(v)
}

/// The secret named `name`, made once (by whichever node asks first) and shared by all.
pub async fn secret(db: &Db, name: &str) -> Result<String> {
    let fresh = crate::accounts::store::random_secret() + &crate::accounts::store::random_secret();
    on_db!(db, p => sqlx::query(
        "INSERT INTO app_secrets (name, value, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO NOTHING"
    )
    .bind(name)
    .bind(&fresh)
    .bind(Ts::now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    let v: String = on_db!(db, p => sqlx::query_scalar("SELECT value FROM app_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(p)
        .await)?;
    Ok(v)
}
