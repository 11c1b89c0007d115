//! E-mail verification: an account proves it owns its address by following a link sent
//! through the outbox. Joining a call for input requires a verified address, so that each
//! response stands for a reachable person.

use time::OffsetDateTime;
use uuid::Uuid;

use super::User;
use super::store::{random_secret, token_hash};
use crate::db::{Db, Ts};
use crate::error::{Error, Result};
use crate::mail::{self, OutgoingEmail};
use crate::{on_db, on_tx};

/// How long a verification link works.
pub const VALID_HOURS: i64 = 48;

/// When the user's current address was verified, if it was.
pub async fn verified_at(db: &Db, user: Uuid) -> Result<Option<OffsetDateTime>> {
    let v: Option<Option<OffsetDateTime>> = on_db!(db, p => sqlx::query_scalar(
        "SELECT email_verified_at FROM users WHERE id = $1"
    )
    .bind(user)
    .fetch_optional(p)
    .await)?;
    Ok(v.flatten())
}

/// Puts a verification link for the user's address in the outbox; returns the secret (the
/// link's last part), so the command line and tests can use it.
pub async fn send_link(db: &Db, public_url: &str, user: &User) -> Result<String> {
    let secret = random_secret();
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO email_verifications (token_hash, user_id, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(token_hash(&secret))
    .bind(user.id)
    .bind(&user.email)
    .bind(Ts(now))
    .bind(Ts(now + time::Duration::hours(VALID_HOURS)))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    mail::queue(
        &mut tx,
        OutgoingEmail {
            to: user.email.clone(),
            subject: "Confirm your e-mail address for the National Skills Exchange".into(),
            body: format!(
                "Hello {},\n\nTo confirm that {} is your address, open this link within {VALID_HOURS} hours:\n\n{}/verify-email/{secret}\n\nIf you did not ask for this, ignore this message.\n",
                user.display_name,
                user.email,
                public_url.trim_end_matches('/')
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

/// Uses a verification link: marks the address verified when the link is unused,
/// unexpired and still names the account's current address. Returns the user.
pub async fn confirm(db: &Db, secret: &str) -> Result<Uuid> {
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let row: Option<(Uuid, String)> = on_tx!(&mut tx, c => sqlx::query_as(
        "UPDATE email_verifications SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING user_id, email"
    )
    .bind(Ts(now))
    .bind(token_hash(secret))
    .fetch_optional(c)
    .await)?;
    let Some((user, email)) = row else {
        return Err(Error::not_found(
            "this verification link (it was used already, has expired or never existed); ask for a new one on your account page",
        ));
    };
    let n = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email = $3"
    )
    .bind(Ts(now))
    .bind(user)
    .bind(&email)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Err(Error::Conflict(
            "the account's address changed since this link was sent; ask for a new one".into(),
        ));
    }
    tx.commit().await?;
    Ok(user)
}

/// Marks an address verified without a link (administrators and `nsx demo`).
pub async fn mark_verified(db: &Db, user: Uuid) -> Result<()> {
    on_db!(db, p => sqlx::query("UPDATE users SET email_verified_at = $1 WHERE id = $2")
        .bind(Ts::now())
        .bind(user)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
