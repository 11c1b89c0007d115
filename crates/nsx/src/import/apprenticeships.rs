//! Registered apprenticeship occupations (RAPIDS code, title, O*NET-SOC code) from a CSV.
//! An import replaces the whole list.

use std::collections::HashSet;
use std::path::Path;

use nsx_core::codes::OnetSocCode;
use serde::Serialize;
use time::OffsetDateTime;

use super::csvfile::CsvFile;
use super::progress::Progress;
use super::record_release;
use crate::db::Db;
use crate::error::Result;
use crate::on_tx;

/// What an apprenticeship import did.
#[derive(Debug, Clone, Serialize)]
pub struct ApprenticeshipReport {
    /// Rows written.
    pub rows: u64,
    /// O*NET-SOC codes in the file that are not in the current catalog.
    pub unknown_codes: Vec<String>,
}

/// Imports a RAPIDS list. Columns are found by header: one naming the RAPIDS code, one the
/// title, one the O*NET-SOC code.
pub async fn import(db: &Db, path: &Path, progress: &dyn Progress) -> Result<ApprenticeshipReport> {
    let csv = CsvFile::read(path)?;
    let rapids_c = csv.require(&["RAPIDS code", "rapids_code", "RAPIDS", "RAPIDS Code"])?;
    let title_c = csv.require(&[
        "title",
        "occupation title",
        "occupation",
        "apprenticeship title",
    ])?;
    let code_c = csv.require(&[
        "O*NET-SOC code",
        "onet_soc_code",
        "O*NET-SOC",
        "onet code",
        "O*NET code",
        "soc",
    ])?;
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for row in csv.rows() {
        let rapids = row.required(rapids_c)?.to_string();
        if rapids.len() > 32
            || rapids
                .chars()
                .any(|c| !c.is_ascii_alphanumeric() && c != '-' && c != '.')
        {
            return Err(row.error(
                rapids_c,
                format!("{rapids:?} is not a RAPIDS code (letters, digits, - and .)"),
            ));
        }
        let title = row.required(title_c)?.to_string();
        let code: OnetSocCode = row
            .required(code_c)?
            .parse()
            .map_err(|e: nsx_core::codes::CodeError| row.error(code_c, e.to_string()))?;
        if !seen.insert((rapids.clone(), code.to_string())) {
            return Err(row.error(rapids_c, format!("{rapids} is listed twice for {code}")));
        }
        rows.push((rapids, title, code.to_string()));
    }
    progress.start(&csv.name, rows.len() as u64);
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query("DELETE FROM apprenticeships").execute(c).await.map(|r| r.rows_affected()))?;
    for (rapids, title, code) in &rows {
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO apprenticeships (rapids_code, title, code, imported_at) VALUES ($1, $2, $3, $4)")
            .bind(rapids)
            .bind(title)
            .bind(code)
            .bind(now)
            .execute(c)
            .await.map(|r| r.rows_affected()))?;
        progress.advance(1);
    }
    let known: Vec<String> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT code FROM occupations").fetch_all(c).await)?;
    let known: HashSet<String> = known.into_iter().collect();
    let mut unknown: Vec<String> = rows
        .iter()
        .filter(|r| !known.contains(&r.2))
        .map(|r| r.2.clone())
        .collect();
    unknown.sort();
    unknown.dedup();
    let report = ApprenticeshipReport {
        rows: rows.len() as u64,
        unknown_codes: unknown,
    };
    record_release(
        &mut tx,
        "rapids",
        "current",
        0,
        "Registered apprenticeship occupations (RAPIDS)",
        &path.display().to_string(),
        &report,
    )
    .await?;
    tx.bump_data_version("catalog").await?;
    tx.commit().await?;
    progress.finish(&format!("{} apprenticeships", report.rows));
    Ok(report)
}
