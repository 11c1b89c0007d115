//! Storage: one codebase over SQLite (embedded default) and PostgreSQL (scale-out).
//!
//! [`Db`] is an enum over the two sqlx pools; [`on_db!`](crate::on_db) runs the same query
//! text in each arm, so each arm is concretely typed (UUIDs, timestamps, JSON all bind).
//! Write SQL both accept (`$1` placeholders, `ON CONFLICT … DO UPDATE`, `RETURNING`) and
//! branch explicitly only where they differ.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use crate::error::{Error, Result};

/// A connection pool to either backend.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded SQLite file.
    Sqlite(SqlitePool),
    /// PostgreSQL server.
    Postgres(PgPool),
}

/// An open transaction on either backend.
pub enum Tx {
    /// SQLite transaction.
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

/// Runs the same expression against whichever pool a [`Db`] holds.
///
/// ```ignore
/// let n: i64 = on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)?;
/// ```
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs the same expression against whichever connection a [`Tx`] holds.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// Which backend a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://…`
    Sqlite,
    /// `postgres://…` or `postgresql://…`
    Postgres,
}

impl Backend {
    /// Reads the backend from a database URL.
    pub fn of_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::Config(format!(
                "database URL {:?} must start with sqlite:// or postgres://",
                redact_url(url)
            )))
        }
    }
}

/// Hides the password in a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

impl Db {
    /// Connects to the database a URL names, creating a SQLite file (and its folder) if needed.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db> {
        match Backend::of_url(url)? {
            Backend::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(|e| Error::Config(format!("database URL {url:?}: {e}")))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .pragma("cache_size", "-65536")
                    .pragma("temp_store", "memory");
                if let Some(parent) = Path::new(opts.get_filename()).parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        Error::Config(format!(
                            "cannot create the database folder {}: {e}",
                            parent.display()
                        ))
                    })?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await?;
                Ok(Db::Sqlite(pool))
            }
            Backend::Postgres => {
                let opts = PgConnectOptions::from_str(url)
                    .map_err(|e| Error::Config(format!("database URL {}: {e}", redact_url(url))))?;
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Brings the schema up to date. Safe to run from several nodes at once
    /// (sqlx takes an advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// The migrations this build knows, as (version, description).
    pub fn known_migrations(&self) -> Vec<(i64, String)> {
        let m = match self {
            Db::Sqlite(_) => sqlx::migrate!("./migrations/sqlite"),
            Db::Postgres(_) => sqlx::migrate!("./migrations/postgres"),
        };
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    }

    /// Starts a transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            // IMMEDIATE takes SQLite's write lock at the start (waiting up to the busy
            // timeout for it). A deferred transaction that reads and then writes fails at
            // once with "database is locked" when another connection committed in between,
            // and most changes here read before they write.
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<()> {
        let _: i32 = on_db!(self, p => sqlx::query_scalar("SELECT 1").fetch_one(p).await)?;
        Ok(())
    }

    /// Closes every connection (at shutdown).
    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }

    /// The current value of a data-version counter (bumped on writes that change cached pages).
    pub async fn data_version(&self, name: &str) -> Result<i64> {
        let v: Option<i64> = on_db!(self, p => sqlx::query_scalar("SELECT version FROM data_versions WHERE name = $1")
            .bind(name)
            .fetch_optional(p)
            .await)?;
        Ok(v.unwrap_or(0))
    }
}

/// A scope of cached data and its change counter.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScopeVersion {
    /// `framework:<code>`, …
    pub scope: String,
    /// Moves by one with every change.
    pub version: i64,
}

impl Db {
    /// The scopes whose data changed at or after `since`.
    pub async fn scopes_changed_since(&self, since: Ts) -> Result<Vec<ScopeVersion>> {
        Ok(on_db!(self, p => sqlx::query_as(
            "SELECT scope, version FROM cache_scopes WHERE changed_at >= $1 ORDER BY scope",
        )
        .bind(since)
        .fetch_all(p)
        .await)?)
    }
}

impl Tx {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Rolls the transaction back.
    pub async fn rollback(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Marks one scope of cached data (`framework:<code>`) as changed, so every node drops
    /// the cached pages of that scope alone within `refresh_secs` (see [`Db::scopes_changed_since`]).
    pub async fn touch_scope(&mut self, scope: &str) -> Result<()> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO cache_scopes (scope, version, changed_at) VALUES ($1, 1, $2)
             ON CONFLICT (scope) DO UPDATE SET version = cache_scopes.version + 1, changed_at = $2",
        )
        .bind(scope)
        .bind(Ts::now())
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Bumps a data-version counter so every node drops caches built on older data.
    pub async fn bump_data_version(&mut self, name: &str) -> Result<()> {
        let now = time::OffsetDateTime::now_utc();
        on_tx!(self, c => sqlx::query(
            "INSERT INTO data_versions (name, version, changed_at) VALUES ($1, 1, $2)
             ON CONFLICT (name) DO UPDATE SET version = data_versions.version + 1, changed_at = $2",
        )
        .bind(name)
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// A timestamp bound with a fixed width on SQLite (`2026-12-05T07:14:57.000000000Z`), so
/// that text comparisons in SQL (`run_at <= $1`) order timestamps correctly even at whole
/// seconds, where the default encoding drops the fraction. On PostgreSQL it is a plain
/// `TIMESTAMPTZ`. Read timestamps back as `OffsetDateTime`, which accepts both forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ts(pub time::OffsetDateTime);

impl Ts {
    /// Now, in UTC.
    pub fn now() -> Self {
        Ts(time::OffsetDateTime::now_utc())
    }
}

const TS_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
);

impl sqlx::Type<Sqlite> for Ts {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <String as sqlx::Type<Sqlite>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, Sqlite> for Ts {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as sqlx::Database>::ArgumentBuffer,
    ) -> std::result::Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        let utc = self.0.to_offset(time::UtcOffset::UTC);
        <String as sqlx::Encode<'q, Sqlite>>::encode(utc.format(TS_FORMAT)?, buf)
    }
}

impl sqlx::Type<Postgres> for Ts {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <time::OffsetDateTime as sqlx::Type<Postgres>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, Postgres> for Ts {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as sqlx::Database>::ArgumentBuffer,
    ) -> std::result::Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <time::OffsetDateTime as sqlx::Encode<'q, Postgres>>::encode_by_ref(&self.0, buf)
    }
}
