//! Importers for the source data: the O*NET text release, code crosswalks (O*NET-SOC,
//! CIP–SOC), AI-usage evidence and registered apprenticeships. Every import runs in one
//! transaction and leaves the database unchanged when any row is refused.

pub mod apprenticeships;
pub mod bulk;
pub mod catalog;
pub mod crosswalk;
pub mod csvfile;
pub mod evidence;
pub mod onet;
pub mod progress;
pub mod source;
pub(crate) mod sqlite_rows;

use serde::Serialize;
use time::OffsetDateTime;

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::on_tx;

/// Records (or replaces) a source release with its import report.
pub async fn record_release(
    tx: &mut Tx,
    source: &str,
    id: &str,
    seq: i64,
    title: &str,
    origin: &str,
    report: &impl Serialize,
) -> Result<()> {
    let json = serde_json::to_value(report).map_err(|e| Error::Internal(e.to_string()))?;
    let now = OffsetDateTime::now_utc();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO source_releases (source, id, seq, title, published, origin, report, imported_at)
         VALUES ($1, $2, $3, $4, NULL, $5, $6, $7)
         ON CONFLICT (source, id) DO UPDATE SET seq = excluded.seq, title = excluded.title,
           origin = excluded.origin, report = excluded.report, imported_at = excluded.imported_at",
    )
    .bind(source)
    .bind(id)
    .bind(seq)
    .bind(title)
    .bind(origin)
    .bind(sqlx::types::Json(json))
    .bind(now)
    .execute(c)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}
