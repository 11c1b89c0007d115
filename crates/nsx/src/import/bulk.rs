//! Bulk inserts inside an open transaction. SQLite takes rows one at a time through a
//! prepared statement ([`super::sqlite_rows`]); PostgreSQL takes multi-row statements whose
//! batches stay under PostgreSQL's bind-parameter limit (65,535).

use nsx_core::onet::{ColType, Value};
use sqlx::AssertSqlSafe;

use crate::db::{Backend, Tx};
use crate::error::Result;
use crate::on_tx;

/// Most bind parameters put in one statement.
const MAX_PARAMS: usize = 16_000;

/// The shape of the rows going into one table.
#[derive(Debug, Clone)]
pub struct TableShape {
    /// Table name (from a fixed list in the code, never from input).
    pub table: &'static str,
    /// Column names, in value order.
    pub columns: Vec<&'static str>,
    /// Column types, used to bind typed NULLs.
    pub types: Vec<ColType>,
}

impl TableShape {
    /// Rows per statement for this width.
    pub fn batch_rows(&self) -> usize {
        (MAX_PARAMS / self.columns.len().max(1)).clamp(1, 1000)
    }

    /// The INSERT for `rows` rows. SQLite gets positional `?` placeholders: it resolves
    /// `$N` names by a scan per parameter, which is quadratic in a wide batch.
    fn sql(&self, rows: usize, backend: Backend) -> String {
        let n = self.columns.len();
        let mut sql = String::with_capacity(64 + rows * n * 5);
        sql.push_str("INSERT INTO ");
        sql.push_str(self.table);
        sql.push_str(" (");
        sql.push_str(&self.columns.join(", "));
        sql.push_str(") VALUES ");
        let mut p = 1;
        for r in 0..rows {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..n {
                if c > 0 {
                    sql.push(',');
                }
                match backend {
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => {
                        sql.push('$');
                        sql.push_str(&p.to_string());
                        p += 1;
                    }
                }
            }
            sql.push(')');
        }
        sql
    }
}

macro_rules! bind_value {
    ($q:expr, $ty:expr, $v:expr) => {
        match ($v, $ty) {
            (Value::Null, ColType::Int | ColType::OptInt) => $q.bind(None::<i64>),
            (Value::Null, ColType::Real | ColType::OptReal) => $q.bind(None::<f64>),
            (Value::Null, ColType::OptFlag) => $q.bind(None::<bool>),
            (Value::Null, _) => $q.bind(None::<String>),
            (Value::Text(s), _) => $q.bind(s),
            (Value::Int(i), _) => $q.bind(i),
            (Value::Real(f), _) => $q.bind(f),
            (Value::Bool(b), _) => $q.bind(b),
        }
    };
}

/// Buffers rows for one table and writes them in full batches.
pub struct BulkInserter {
    shape: TableShape,
    full_sql: Option<String>,
    buf: Vec<Vec<Value>>,
    /// Rows written so far.
    pub written: u64,
}

impl BulkInserter {
    /// Starts buffering rows of a shape.
    pub fn new(shape: TableShape) -> Self {
        let cap = shape.batch_rows();
        BulkInserter {
            shape,
            full_sql: None,
            buf: Vec::with_capacity(cap),
            written: 0,
        }
    }

    /// Adds a row; writes a batch when the buffer is full.
    pub async fn push(&mut self, tx: &mut Tx, row: Vec<Value>) -> Result<()> {
        debug_assert_eq!(row.len(), self.shape.columns.len());
        self.buf.push(row);
        if self.buf.len() >= self.shape.batch_rows() {
            self.flush(tx).await?;
        }
        Ok(())
    }

    /// Writes whatever is buffered.
    pub async fn flush(&mut self, tx: &mut Tx) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let rows = std::mem::replace(&mut self.buf, Vec::with_capacity(self.shape.batch_rows()));
        self.write(tx, rows).await
    }

    /// Writes rows at once: on SQLite row by row through one prepared statement, on
    /// PostgreSQL in statements of at most [`TableShape::batch_rows`] rows.
    pub async fn write(&mut self, tx: &mut Tx, mut rows: Vec<Vec<Value>>) -> Result<()> {
        if let Tx::Sqlite(t) = tx {
            let mut handle = t.lock_handle().await?;
            super::sqlite_rows::insert_rows(handle.as_raw_handle(), &self.shape, &rows)?;
            self.written += rows.len() as u64;
            return Ok(());
        }
        let per = self.shape.batch_rows();
        while rows.len() > per {
            let rest = rows.split_off(per);
            self.write_one(tx, rows).await?;
            rows = rest;
        }
        if !rows.is_empty() {
            self.write_one(tx, rows).await?;
        }
        Ok(())
    }

    async fn write_one(&mut self, tx: &mut Tx, rows: Vec<Vec<Value>>) -> Result<()> {
        let n = rows.len();
        let backend = tx.backend();
        let sql = if n == self.shape.batch_rows() {
            self.full_sql
                .get_or_insert_with(|| self.shape.sql(n, backend))
                .clone()
        } else {
            self.shape.sql(n, backend)
        };
        let types = &self.shape.types;
        on_tx!(tx, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for row in rows {
                debug_assert_eq!(row.len(), types.len());
                for (v, ty) in row.into_iter().zip(types.iter().copied()) {
                    q = bind_value!(q, ty, v);
                }
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
        self.written += n as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_under_the_parameter_limit() {
        let shape = TableShape {
            table: "t",
            columns: vec!["a"; 16],
            types: vec![ColType::Text; 16],
        };
        assert!(shape.batch_rows() * 16 <= MAX_PARAMS);
        let sql = shape.sql(2, Backend::Postgres);
        assert!(sql.starts_with("INSERT INTO t (a, a"));
        assert!(sql.ends_with("$31,$32)"));
        assert!(shape.sql(2, Backend::Sqlite).ends_with("?,?)"));
    }
}
