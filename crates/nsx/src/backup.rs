//! Backup and restore.
//!
//! A backup is always a SQLite database file with this build's schema, whatever the backend:
//! a SQLite exchange is copied with `VACUUM INTO` (a consistent snapshot while serving); a
//! PostgreSQL exchange is read in one repeatable-read transaction and written table by table.
//! Restore replaces every table's rows in one transaction, so a failed restore changes
//! nothing; a backup made by an older build is migrated (on a copy) first. The same file can
//! move an exchange from SQLite to PostgreSQL and back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use futures::TryStreamExt;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row, SqlitePool, ValueRef};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Backend, Db, Tx};
use crate::error::{Error, Result};
use crate::import::progress::Progress;
use crate::on_tx;

/// How a column's values are read and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Real,
    Bool,
    Bytes,
    Uuid,
    Time,
    Json,
}

/// One value in flight between databases.
#[derive(Debug, Clone)]
enum Cell {
    Null,
    Text(String),
    Int(i64),
    Real(f64),
    Bool(bool),
    Bytes(Vec<u8>),
    Uuid(Uuid),
    Time(OffsetDateTime),
    Json(serde_json::Value),
}

fn pg_kind(data_type: &str) -> Kind {
    match data_type {
        "bigint" | "integer" | "smallint" => Kind::Int,
        "double precision" | "real" | "numeric" => Kind::Real,
        "boolean" => Kind::Bool,
        "bytea" => Kind::Bytes,
        "uuid" => Kind::Uuid,
        "timestamp with time zone" | "timestamp without time zone" => Kind::Time,
        "jsonb" | "json" => Kind::Json,
        _ => Kind::Text,
    }
}

/// Tables of the schema (migrations' bookkeeping excluded), with columns and their kinds
/// as the given database declares them.
async fn schema(db: &Db) -> Result<BTreeMap<String, Vec<(String, Kind)>>> {
    let mut out: BTreeMap<String, Vec<(String, Kind)>> = BTreeMap::new();
    match db {
        Db::Postgres(p) => {
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT c.table_name::text, c.column_name::text, c.data_type::text
                 FROM information_schema.columns c
                 JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                   AND c.table_name <> '_sqlx_migrations'
                 ORDER BY c.table_name, c.ordinal_position",
            )
            .fetch_all(p)
            .await?;
            for (t, c, ty) in rows {
                out.entry(t).or_default().push((c, pg_kind(&ty)));
            }
        }
        Db::Sqlite(p) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
            )
            .fetch_all(p)
            .await?;
            for t in tables {
                let cols: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT name, type FROM pragma_table_info('{t}') ORDER BY cid"
                )))
                .fetch_all(p)
                .await?;
                let v = cols
                    .into_iter()
                    .map(|(c, ty)| {
                        let k = match ty.to_ascii_uppercase().as_str() {
                            "INTEGER" => Kind::Int,
                            "REAL" => Kind::Real,
                            "BOOLEAN" => Kind::Bool,
                            "BLOB" => Kind::Bytes,
                            _ => Kind::Text,
                        };
                        (c, k)
                    })
                    .collect();
                out.insert(t, v);
            }
        }
    }
    Ok(out)
}

/// Orders tables so that every table comes after the tables it references.
async fn dependency_order(db: &Db, tables: &[String]) -> Result<Vec<String>> {
    let mut deps: BTreeMap<String, BTreeSet<String>> = tables
        .iter()
        .map(|t| (t.clone(), BTreeSet::new()))
        .collect();
    match db {
        Db::Postgres(p) => {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT tc.table_name::text, ccu.table_name::text
                 FROM information_schema.table_constraints tc
                 JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
                 WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()",
            )
            .fetch_all(p)
            .await?;
            for (child, parent) in rows {
                if child != parent {
                    deps.entry(child).or_default().insert(parent);
                }
            }
        }
        Db::Sqlite(p) => {
            for t in tables {
                let parents: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                    "SELECT \"table\" FROM pragma_foreign_key_list('{t}')"
                )))
                .fetch_all(p)
                .await?;
                for parent in parents {
                    if &parent != t {
                        deps.entry(t.clone()).or_default().insert(parent);
                    }
                }
            }
        }
    }
    let mut order = Vec::new();
    let mut done = BTreeSet::new();
    while order.len() < deps.len() {
        let before = order.len();
        for (t, ds) in &deps {
            if !done.contains(t) && ds.iter().all(|d| done.contains(d) || !deps.contains_key(d)) {
                order.push(t.clone());
            }
        }
        for t in &order[before..] {
            done.insert(t.clone());
        }
        if order.len() == before {
            return Err(Error::Internal("foreign keys form a cycle".into()));
        }
    }
    Ok(order)
}

fn read_pg_cell(row: &sqlx::postgres::PgRow, i: usize, kind: Kind) -> Result<Cell> {
    Ok(match kind {
        Kind::Text => row.try_get::<Option<String>, _>(i)?.map(Cell::Text),
        Kind::Int => row.try_get::<Option<i64>, _>(i)?.map(Cell::Int),
        Kind::Real => row.try_get::<Option<f64>, _>(i)?.map(Cell::Real),
        Kind::Bool => row.try_get::<Option<bool>, _>(i)?.map(Cell::Bool),
        Kind::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Cell::Bytes),
        Kind::Uuid => row.try_get::<Option<Uuid>, _>(i)?.map(Cell::Uuid),
        Kind::Time => row.try_get::<Option<OffsetDateTime>, _>(i)?.map(Cell::Time),
        Kind::Json => row
            .try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(i)?
            .map(|j| Cell::Json(j.0)),
    }
    .unwrap_or(Cell::Null))
}

/// Reads a value from the SQLite backup as the target column's kind.
fn read_sqlite_cell(row: &sqlx::sqlite::SqliteRow, i: usize, kind: Kind) -> Result<Cell> {
    if row.try_get_raw(i)?.is_null() {
        return Ok(Cell::Null);
    }
    Ok(match kind {
        Kind::Text => Cell::Text(row.try_get(i)?),
        Kind::Int => Cell::Int(row.try_get(i)?),
        Kind::Real => Cell::Real(row.try_get(i)?),
        Kind::Bool => Cell::Bool(row.try_get(i)?),
        Kind::Bytes => Cell::Bytes(row.try_get(i)?),
        Kind::Uuid => Cell::Uuid(row.try_get(i)?),
        Kind::Time => Cell::Time(row.try_get(i)?),
        Kind::Json => Cell::Json(row.try_get::<sqlx::types::Json<serde_json::Value>, _>(i)?.0),
    })
}

/// Reads a raw SQLite value by storage class (SQLite to SQLite copies).
fn read_sqlite_raw(row: &sqlx::sqlite::SqliteRow, i: usize) -> Result<Cell> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    use sqlx::TypeInfo;
    let ty = raw.type_info().name().to_ascii_uppercase();
    Ok(match ty.as_str() {
        "INTEGER" | "BOOLEAN" => Cell::Int(row.try_get(i)?),
        "REAL" => Cell::Real(row.try_get(i)?),
        "BLOB" => Cell::Bytes(row.try_get(i)?),
        _ => Cell::Text(row.try_get(i)?),
    })
}

macro_rules! bind_cell {
    ($q:expr, $kind:expr, $cell:expr) => {
        match ($cell, $kind) {
            (Cell::Null, Kind::Int) => $q.bind(None::<i64>),
            (Cell::Null, Kind::Real) => $q.bind(None::<f64>),
            (Cell::Null, Kind::Bool) => $q.bind(None::<bool>),
            (Cell::Null, Kind::Bytes) => $q.bind(None::<Vec<u8>>),
            (Cell::Null, Kind::Uuid) => $q.bind(None::<Uuid>),
            (Cell::Null, Kind::Time) => $q.bind(None::<OffsetDateTime>),
            (Cell::Null, Kind::Json) => $q.bind(None::<sqlx::types::Json<serde_json::Value>>),
            (Cell::Null, Kind::Text) => $q.bind(None::<String>),
            (Cell::Text(v), _) => $q.bind(v),
            (Cell::Int(v), _) => $q.bind(v),
            (Cell::Real(v), _) => $q.bind(v),
            (Cell::Bool(v), _) => $q.bind(v),
            (Cell::Bytes(v), _) => $q.bind(v),
            (Cell::Uuid(v), _) => $q.bind(v),
            (Cell::Time(v), _) => $q.bind(v),
            (Cell::Json(v), _) => $q.bind(sqlx::types::Json(v)),
        }
    };
}

fn insert_sql(table: &str, cols: &[(String, Kind)], rows: usize, backend: Backend) -> String {
    let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
    let mut p = 1;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..cols.len() {
            if c > 0 {
                sql.push(',');
            }
            if backend == Backend::Sqlite {
                sql.push('?');
            } else {
                sql.push_str(&format!("${p}"));
                p += 1;
            }
        }
        sql.push(')');
    }
    sql
}

async fn write_batch(
    tx: &mut Tx,
    table: &str,
    cols: &[(String, Kind)],
    batch: Vec<Vec<Cell>>,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let sql = insert_sql(table, cols, batch.len(), tx.backend());
    on_tx!(tx, c => {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for row in batch {
            for (cell, (_, kind)) in row.into_iter().zip(cols.iter()) {
                q = bind_cell!(q, *kind, cell);
            }
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

fn batch_rows(cols: usize) -> usize {
    (16_000 / cols.max(1)).clamp(1, 500)
}

async fn open_sqlite_file(path: &Path, create: bool) -> Result<SqlitePool> {
    let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .map_err(|e| Error::Config(e.to_string()))?
        .create_if_missing(create)
        .foreign_keys(false);
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await?)
}

/// Creates an empty file readable and writable by its owner only (mode 0600 on Unix): a
/// backup holds password hashes and other secrets. SQLite then writes into it (it accepts an
/// empty file as a new database, and `VACUUM INTO` an empty target), and its journal files
/// take the same mode.
fn create_private(path: &Path) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(|e| Error::io_at(path, e))?;
    Ok(())
}

/// Writes a backup of the whole database to `file` (which must not exist; it is created
/// with mode 0600); returns rows written.
pub async fn backup(db: &Db, file: &Path, progress: &dyn Progress) -> Result<u64> {
    if file.exists() {
        return Err(Error::invalid(
            "file",
            format!("{} already exists; choose a new name", file.display()),
        ));
    }
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io_at(parent, e))?;
    }
    match db {
        Db::Sqlite(p) => {
            progress.message("copying the SQLite database (VACUUM INTO)");
            create_private(file)?;
            let path = file.to_string_lossy().replace('\'', "''");
            if let Err(e) = sqlx::query(AssertSqlSafe(format!("VACUUM INTO '{path}'")))
                .execute(p)
                .await
                .map(|r| r.rows_affected())
            {
                let _ = std::fs::remove_file(file);
                return Err(e.into());
            }
            // Rows are counted in the copy: the live database may have moved on since.
            let copy = open_sqlite_file(file, false).await?;
            let snapshot = Db::Sqlite(copy.clone());
            let tables = schema(&snapshot).await?;
            let mut n = 0u64;
            for t in tables.keys() {
                let c: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
                    .fetch_one(&copy)
                    .await?;
                n += c as u64;
            }
            copy.close().await;
            Ok(n)
        }
        Db::Postgres(pg) => {
            let partial = file.with_extension("partial");
            let _ = std::fs::remove_file(&partial);
            create_private(&partial)?;
            let out = open_sqlite_file(&partial, true).await?;
            sqlx::migrate!("./migrations/sqlite").run(&out).await?;
            let target = Db::Sqlite(out.clone());
            let target_schema = schema(&target).await?;
            let source_schema = schema(db).await?;
            let mut written = 0u64;
            let mut src = pg.begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut *src)
                .await?;
            let mut tx = target.begin().await?;
            for (table, cols) in &source_schema {
                if !target_schema.contains_key(table) {
                    return Err(Error::Internal(format!(
                        "table {table} has no SQLite counterpart"
                    )));
                }
                on_tx!(&mut tx, c => sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}"))).execute(c).await.map(|r| r.rows_affected()))?;
                let total: i64 =
                    sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                        .fetch_one(&mut *src)
                        .await?;
                progress.start(table, total as u64);
                let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
                let sql = format!("SELECT {} FROM {table}", names.join(", "));
                let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *src);
                let mut batch = Vec::new();
                let mut pending = Vec::new();
                while let Some(row) = rows.try_next().await? {
                    let mut cells = Vec::with_capacity(cols.len());
                    for (i, (_, k)) in cols.iter().enumerate() {
                        cells.push(read_pg_cell(&row, i, *k)?);
                    }
                    batch.push(cells);
                    if batch.len() >= batch_rows(cols.len()) {
                        pending.push(std::mem::take(&mut batch));
                    }
                }
                drop(rows);
                pending.push(batch);
                for b in pending {
                    let n = b.len() as u64;
                    write_batch(&mut tx, table, cols, b).await?;
                    written += n;
                    progress.advance(n);
                }
                progress.finish(&format!("{total} rows"));
            }
            src.commit().await?;
            tx.commit().await?;
            out.close().await;
            std::fs::rename(&partial, file).map_err(|e| Error::io_at(file, e))?;
            Ok(written)
        }
    }
}

/// Replaces the database's contents with a backup; returns rows restored.
pub async fn restore(db: &Db, file: &Path, progress: &dyn Progress) -> Result<u64> {
    if !file.is_file() {
        return Err(Error::invalid(
            "file",
            format!("{}: no such backup file", file.display()),
        ));
    }
    // Work on a copy: the backup itself is never modified (it may need migrating).
    let work = tempfile_path(file);
    std::fs::copy(file, &work).map_err(|e| Error::io_at(file, e))?;
    let result = restore_from(db, &work, progress).await;
    let _ = std::fs::remove_file(&work);
    result
}

fn tempfile_path(file: &Path) -> std::path::PathBuf {
    let mut name = file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".restore-{}", Uuid::now_v7()));
    std::env::temp_dir().join(name)
}

async fn restore_from(db: &Db, work: &Path, progress: &dyn Progress) -> Result<u64> {
    let src = open_sqlite_file(work, false)
        .await
        .map_err(|e| Error::invalid("file", format!("not a readable NSX backup (SQLite): {e}")))?;
    let has_migrations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = '_sqlx_migrations'")
            .fetch_one(&src)
            .await
            .map_err(|e| Error::invalid("file", format!("not a readable NSX backup: {e}")))?;
    if has_migrations == 0 {
        return Err(Error::invalid(
            "file",
            "not an NSX backup (no schema history)",
        ));
    }
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(&src)
        .await?;
    let known = db.known_migrations().last().map(|m| m.0).unwrap_or(0);
    if newest.unwrap_or(0) > known {
        return Err(Error::invalid(
            "file",
            format!(
                "the backup comes from a newer NSX (schema {}, this build knows {known}); upgrade first",
                newest.unwrap_or(0)
            ),
        ));
    }
    sqlx::migrate!("./migrations/sqlite").run(&src).await?;
    let source = Db::Sqlite(src.clone());
    let source_schema = schema(&source).await?;
    let target_schema = schema(db).await?;
    let tables: Vec<String> = target_schema.keys().cloned().collect();
    let order = dependency_order(db, &tables).await?;

    let mut tx = db.begin().await?;
    // The backup's audit log replaces this one: lift its append-only guard inside this
    // transaction only.
    crate::audit::suspend_append_only(&mut tx).await?;
    // Empty children before parents, then fill parents before children.
    for t in order.iter().rev() {
        on_tx!(&mut tx, c => sqlx::query(AssertSqlSafe(format!("DELETE FROM {t}"))).execute(c).await.map(|r| r.rows_affected()))?;
    }
    let mut restored = 0u64;
    for table in &order {
        let target_cols = &target_schema[table];
        let Some(source_cols) = source_schema.get(table) else {
            continue;
        };
        let cols: Vec<(String, Kind)> = target_cols
            .iter()
            .filter(|(c, _)| source_cols.iter().any(|(s, _)| s == c))
            .cloned()
            .collect();
        let total: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&src)
            .await?;
        progress.start(table, total as u64);
        let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
        let sql = format!("SELECT {} FROM {table}", names.join(", "));
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&src).await?;
        let per = batch_rows(cols.len());
        let mut batch = Vec::with_capacity(per);
        for row in &rows {
            let mut cells = Vec::with_capacity(cols.len());
            for (i, (_, k)) in cols.iter().enumerate() {
                cells.push(match db.backend() {
                    Backend::Sqlite => read_sqlite_raw(row, i)?,
                    Backend::Postgres => read_sqlite_cell(row, i, *k)?,
                });
            }
            batch.push(cells);
            if batch.len() >= per {
                let n = batch.len() as u64;
                write_batch(&mut tx, table, &cols, std::mem::take(&mut batch)).await?;
                restored += n;
                progress.advance(n);
            }
        }
        let n = batch.len() as u64;
        write_batch(&mut tx, table, &cols, batch).await?;
        restored += n;
        progress.advance(n);
        progress.finish(&format!("{total} rows"));
    }
    crate::audit::resume_append_only(&mut tx).await?;
    crate::audit::record(
        &mut tx,
        &crate::service::Caller::system("system:restore"),
        crate::audit::Change::new("database.restore", "database", "backup")
            .after(serde_json::json!({ "rows": restored })),
    )
    .await?;
    tx.bump_data_version("catalog").await?;
    tx.commit().await?;
    src.close().await;
    Ok(restored)
}
