//! Row-at-a-time inserts through SQLite's own statement API, for bulk imports.
//!
//! sqlx runs every SQLite statement on a worker thread and binds through its own argument
//! buffers; for a bulk import that costs a channel round trip per statement and a copy of
//! every value. Here the import's open transaction lends its connection handle (sqlx's
//! `lock_handle`, which keeps the worker away while it is held), one single-row `INSERT` is
//! prepared per batch, and each row is bound in place, stepped and reset — the way the
//! `sqlite3` shell's `.import` loads files. The rows land in the same transaction as
//! everything else, so a failure still rolls the whole import back.
//!
//! The drafter's writes (`frameworks::store::insert_rows`) come through here too, with
//! their own statement text (an upsert suffix) and values ([`Bind`]).

use std::ffi::{CStr, c_char, c_int};
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;
use nsx_core::onet::Value;

use super::bulk::TableShape;
use crate::error::{Error, Result};

/// A value bound in place, borrowed from the caller's row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bind<'a> {
    /// SQL NULL.
    Null,
    /// Text.
    Text(&'a str),
    /// A 64-bit integer.
    Int(i64),
    /// A double.
    Real(f64),
    /// A blob (how sqlx stores a UUID in SQLite: its 16 bytes).
    Blob(&'a [u8]),
}

impl<'a> From<&'a Value> for Bind<'a> {
    fn from(v: &'a Value) -> Self {
        match v {
            Value::Null => Bind::Null,
            Value::Text(s) => Bind::Text(s),
            Value::Int(n) => Bind::Int(*n),
            Value::Real(f) => Bind::Real(*f),
            Value::Bool(b) => Bind::Int(i64::from(*b)),
        }
    }
}

/// One prepared single-row statement, finalized on drop.
pub(crate) struct Insert {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
}

impl Drop for Insert {
    fn drop(&mut self) {
        // SAFETY: `stmt` came from `sqlite3_prepare_v2` on `db` and is finalized once.
        unsafe {
            ffi::sqlite3_finalize(self.stmt);
        }
    }
}

/// SQLite's message for the last failure on `db`.
fn last_error(db: *mut ffi::sqlite3) -> String {
    // SAFETY: `db` is an open handle; `sqlite3_errmsg` returns a NUL-terminated string
    // owned by SQLite, valid until the next call on the handle, and copied here at once.
    unsafe {
        let msg = ffi::sqlite3_errmsg(db);
        if msg.is_null() {
            "unknown SQLite error".into()
        } else {
            CStr::from_ptr(msg).to_string_lossy().into_owned()
        }
    }
}

impl Insert {
    fn prepare(db: NonNull<ffi::sqlite3>, shape: &TableShape) -> Result<Insert> {
        let placeholders = vec!["?"; shape.columns.len()].join(",");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({placeholders})",
            shape.table,
            shape.columns.join(", ")
        );
        Insert::prepare_sql(db, &sql, shape.table)
    }

    /// Prepares `sql` (one row's statement, from the code, never from input) on `db`;
    /// `table` names it in errors. The handle must stay lent (sqlx's handle lock held) for
    /// as long as the statement lives.
    pub(crate) fn prepare_sql(db: NonNull<ffi::sqlite3>, sql: &str, table: &str) -> Result<Insert> {
        let db = db.as_ptr();
        let mut stmt = ptr::null_mut();
        // SAFETY: `db` is the open handle lent by sqlx; `sql` outlives the call and its
        // exact length is given, so no terminator is needed.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                db,
                sql.as_ptr() as *const c_char,
                sql.len() as c_int,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK || stmt.is_null() {
            return Err(Error::Internal(format!(
                "preparing the insert into {table}: {}",
                last_error(db)
            )));
        }
        Ok(Insert { db, stmt })
    }

    /// Parameters the statement takes.
    pub(crate) fn params(&self) -> usize {
        // SAFETY: `stmt` is a live prepared statement.
        let n = unsafe { ffi::sqlite3_bind_parameter_count(self.stmt) };
        usize::try_from(n).unwrap_or(0)
    }

    /// Binds one row, runs it and resets the statement for the next; returns the rows it
    /// changed (an upsert that did nothing: 0). The caller checks that the row has
    /// [`Insert::params`] values.
    pub(crate) fn run(&mut self, table: &str, row: &[Bind<'_>]) -> Result<u64> {
        for (i, v) in row.iter().enumerate() {
            let at = (i + 1) as c_int;
            let too_long =
                |n: usize| Error::Import(format!("a value for {table} is too long ({n} bytes)"));
            // SAFETY: `stmt` is a live prepared statement with `row.len()` parameters.
            // Text and blobs are bound with SQLITE_STATIC, so SQLite reads them in place:
            // they are borrowed from the caller's row, which outlives the step below (the
            // bindings are replaced before the next row is stepped, and cleared before this
            // returns), and the length passed is the exact byte length, checked to fit.
            let rc = unsafe {
                match *v {
                    Bind::Null => ffi::sqlite3_bind_null(self.stmt, at),
                    Bind::Text(s) => {
                        let len = c_int::try_from(s.len()).map_err(|_| too_long(s.len()))?;
                        ffi::sqlite3_bind_text(
                            self.stmt,
                            at,
                            s.as_ptr() as *const c_char,
                            len,
                            ffi::SQLITE_STATIC(),
                        )
                    }
                    Bind::Blob(b) => {
                        let len = c_int::try_from(b.len()).map_err(|_| too_long(b.len()))?;
                        ffi::sqlite3_bind_blob(
                            self.stmt,
                            at,
                            b.as_ptr() as *const std::ffi::c_void,
                            len,
                            ffi::SQLITE_STATIC(),
                        )
                    }
                    Bind::Int(n) => ffi::sqlite3_bind_int64(self.stmt, at, n),
                    Bind::Real(f) => ffi::sqlite3_bind_double(self.stmt, at, f),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(Error::Internal(format!(
                    "binding a value for {table}: {}",
                    last_error(self.db)
                )));
            }
        }
        // SAFETY: as above. The reset readies the statement for the next row and, after a
        // failed step, leaves the step's error message on the connection for `last_error`;
        // clearing the bindings leaves no pointer into the caller's row behind.
        let (step, changed) = unsafe {
            let step = ffi::sqlite3_step(self.stmt);
            let changed = ffi::sqlite3_changes(self.db);
            ffi::sqlite3_reset(self.stmt);
            ffi::sqlite3_clear_bindings(self.stmt);
            (step, changed)
        };
        if step != ffi::SQLITE_DONE {
            return Err(Error::Import(format!(
                "writing a row into {table}: {}",
                last_error(self.db)
            )));
        }
        Ok(u64::try_from(changed).unwrap_or(0))
    }
}

/// Inserts `rows` into `shape.table` on the connection `db` lends, inside its open
/// transaction. The handle must not be used by anyone else until this returns, which the
/// caller guarantees by holding sqlx's handle lock.
///
/// This runs on the calling thread. Every importer first deletes the rows it replaces, so
/// its transaction holds SQLite's write lock before any rows come here and a step never
/// waits on another writer; each call is one batch, a few milliseconds of work.
pub(super) fn insert_rows(
    db: NonNull<ffi::sqlite3>,
    shape: &TableShape,
    rows: &[Vec<Value>],
) -> Result<()> {
    let mut insert = Insert::prepare(db, shape)?;
    let mut binds: Vec<Bind<'_>> = Vec::with_capacity(shape.columns.len());
    for row in rows {
        if row.len() != shape.columns.len() {
            return Err(Error::Internal(format!(
                "a row for {} has {} values, not {}",
                shape.table,
                row.len(),
                shape.columns.len()
            )));
        }
        binds.clear();
        binds.extend(row.iter().map(Bind::from));
        insert.run(shape.table, &binds)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use nsx_core::onet::ColType;
    use sqlx::{Connection, SqliteConnection};

    use super::*;

    /// A row of the test table as read back.
    type Row = (String, Option<i64>, Option<f64>, Option<bool>);

    fn shape() -> TableShape {
        TableShape {
            table: "t",
            columns: vec!["a", "b", "c", "d"],
            types: vec![
                ColType::Text,
                ColType::OptInt,
                ColType::OptReal,
                ColType::OptFlag,
            ],
        }
    }

    #[tokio::test]
    async fn rows_keep_their_types_and_a_refused_row_names_its_table() {
        let mut c = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (a TEXT NOT NULL, b INTEGER, c REAL, d BOOLEAN)")
            .execute(&mut c)
            .await
            .unwrap();
        {
            let mut handle = c.lock_handle().await.unwrap();
            let rows = vec![
                vec![
                    Value::Text("Électricien".into()),
                    Value::Int(-3),
                    Value::Real(4.25),
                    Value::Bool(true),
                ],
                vec![
                    Value::Text(String::new()),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                ],
            ];
            insert_rows(handle.as_raw_handle(), &shape(), &rows).unwrap();
            let refused = vec![vec![Value::Null, Value::Int(1), Value::Null, Value::Null]];
            let err = insert_rows(handle.as_raw_handle(), &shape(), &refused).unwrap_err();
            assert!(
                err.to_string()
                    .contains("into t: NOT NULL constraint failed: t.a"),
                "{err}"
            );
            let short = vec![vec![Value::Text("x".into())]];
            let err = insert_rows(handle.as_raw_handle(), &shape(), &short).unwrap_err();
            assert!(err.to_string().contains("has 1 values, not 4"), "{err}");
        }
        let got: Vec<Row> = sqlx::query_as("SELECT a, b, c, d FROM t ORDER BY rowid")
            .fetch_all(&mut c)
            .await
            .unwrap();
        assert_eq!(
            got,
            vec![
                ("Électricien".to_string(), Some(-3), Some(4.25), Some(true)),
                (String::new(), None, None, None),
            ]
        );
    }
}
