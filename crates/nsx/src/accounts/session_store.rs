//! Sessions stored in the database, so every web node sees every session.
//!
//! The published sqlx store lags sqlx 0.9, so this is a small store of our own. Session
//! data is serialised as JSON bytes; expired rows are ignored on load and swept periodically.
//! A row is keyed by a SHA-256 of the session id, never the id itself: whoever reads the
//! table (or a backup of it) learns nothing that opens a session.

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Config;
use crate::db::Db;
use crate::on_db;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "nsx_session";

/// A [`SessionStore`] over the `sessions` table.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    /// A store over a database.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Deletes expired sessions; returns how many.
    pub async fn sweep(&self) -> crate::error::Result<u64> {
        let now = OffsetDateTime::now_utc();
        let n = on_db!(&self.db, p => sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(p)
            .await.map(|r| r.rows_affected()))?;
        Ok(n)
    }
}

/// The key a session is stored under: a SHA-256 of its id (the cookie's value).
pub fn id_hash(id: &Id) -> String {
    crate::accounts::store::token_hash(&id.to_string())
}

/// The signed-in user a session's data names, if any.
fn user_of(record: &Record) -> Option<uuid::Uuid> {
    record
        .data
        .get(crate::accounts::SESSION_USER_KEY)
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_vec(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // Retry on the (astronomically unlikely) id collision.
        for _ in 0..4 {
            let r = on_db!(&self.db, p => sqlx::query("INSERT INTO sessions (id_hash, data, expires_at, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT (id_hash) DO NOTHING")
                .bind(id_hash(&record.id))
                .bind(&data)
                .bind(record.expiry_date)
                .bind(user_of(record))
                .execute(p)
                .await.map(|r| r.rows_affected()))
            .map_err(backend)?;
            if r == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(session_store::Error::Backend(
            "could not allocate a session id".into(),
        ))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_vec(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        on_db!(&self.db, p => sqlx::query(
            "INSERT INTO sessions (id_hash, data, expires_at, user_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at, user_id = excluded.user_id",
        )
        .bind(id_hash(&record.id))
        .bind(&data)
        .bind(record.expiry_date)
        .bind(user_of(record))
        .execute(p)
        .await.map(|r| r.rows_affected()))
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc();
        let row: Option<(Vec<u8>, OffsetDateTime)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash(id))
        .bind(now)
        .fetch_optional(p)
        .await)
        .map_err(backend)?;
        match row {
            Some((data, expiry_date)) => {
                let data = serde_json::from_slice(&data)
                    .map_err(|e| session_store::Error::Decode(e.to_string()))?;
                Ok(Some(Record {
                    id: *id,
                    data,
                    expiry_date,
                }))
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        on_db!(&self.db, p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash(id))
            .execute(p)
            .await.map(|r| r.rows_affected()))
        .map_err(backend)?;
        Ok(())
    }
}

/// The session middleware: `HttpOnly`, `SameSite=Lax`, `Secure` when configured, expiring
/// after `session_hours` of inactivity.
pub fn layer(store: DbSessionStore, config: &Config) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(
            config.session_hours,
        )))
}

/// Ends every session of a user (after a password reset or when the account is disabled),
/// optionally keeping one (the session that changed its own password). Returns how many.
pub async fn end_user_sessions(
    db: &Db,
    user: uuid::Uuid,
    keep: Option<Id>,
) -> crate::error::Result<u64> {
    let mut tx = db.begin().await?;
    let n = end_user_sessions_in(&mut tx, user, keep).await?;
    tx.commit().await?;
    Ok(n)
}

/// [`end_user_sessions`] inside the caller's transaction.
pub async fn end_user_sessions_in(
    tx: &mut crate::db::Tx,
    user: uuid::Uuid,
    keep: Option<Id>,
) -> crate::error::Result<u64> {
    let keep = keep.map(|k| id_hash(&k)).unwrap_or_default();
    let n = crate::on_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user)
        .bind(&keep)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n)
}
