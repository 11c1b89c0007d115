//! Code crosswalks: O*NET-SOC 2010→2019, O*NET-SOC 2019→SOC 2018, and the NCES
//! CIP 2020↔SOC 2018 crosswalk with the CIP programme titles. Each file's kind is
//! recognised from its header.

use std::path::Path;

use nsx_core::codes::{CipCode, OnetSocCode, SocCode};
use nsx_core::onet::{ColType, Value};
use serde::Serialize;

use super::bulk::{BulkInserter, TableShape};
use super::csvfile::CsvFile;
use super::progress::Progress;
use super::record_release;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::on_tx;

/// What one crosswalk file held.
#[derive(Debug, Clone, Serialize)]
pub struct CrosswalkReport {
    /// File name.
    pub file: String,
    /// What kind of crosswalk it was recognised as.
    pub kind: String,
    /// Rows written.
    pub rows: u64,
    /// Rows skipped (unmatched placeholders such as `NO MATCH`).
    pub skipped: u64,
}

/// The kinds of file this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Onet2010To2019,
    Onet2019ToSoc2018,
    CipSoc,
    CipPrograms,
}

impl Kind {
    fn detect(f: &CsvFile) -> Option<Kind> {
        if f.column(&["O*NET-SOC 2010 Code"]).is_some()
            && f.column(&["O*NET-SOC 2019 Code"]).is_some()
        {
            Some(Kind::Onet2010To2019)
        } else if f.column(&["O*NET-SOC 2019 Code"]).is_some()
            && f.column(&["2018 SOC Code"]).is_some()
        {
            Some(Kind::Onet2019ToSoc2018)
        } else if f.column(&["CIP2020Code"]).is_some() && f.column(&["SOC2018Code"]).is_some() {
            Some(Kind::CipSoc)
        } else if f.column(&["CIPCode"]).is_some() && f.column(&["CIPTitle"]).is_some() {
            Some(Kind::CipPrograms)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Onet2010To2019 => "onet2010_onet2019",
            Kind::Onet2019ToSoc2018 => "onet2019_soc2018",
            Kind::CipSoc => "cip2020_soc2018",
            Kind::CipPrograms => "cip2020_programs",
        }
    }
}

fn expand(paths: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inner: Vec<_> = std::fs::read_dir(p)
                .map_err(|e| Error::io_at(p, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|x| x.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
                .collect();
            inner.sort();
            out.extend(inner);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(Error::Import(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
    }
    Ok(out)
}

/// Imports crosswalk files (or folders of them) in one transaction.
///
/// `allowed` limits which kinds are accepted (the `import cip` command takes only CIP files).
pub async fn import(
    db: &Db,
    paths: &[std::path::PathBuf],
    cip_only: bool,
    progress: &dyn Progress,
) -> Result<Vec<CrosswalkReport>> {
    let files = expand(paths)?;
    let mut parsed = Vec::new();
    for p in &files {
        let f = CsvFile::read(p)?;
        let kind = Kind::detect(&f).ok_or_else(|| {
            Error::Import(format!(
                "{}: not a recognised crosswalk (header: {})",
                f.name,
                f.headers.join(", ")
            ))
        })?;
        let is_cip = matches!(kind, Kind::CipSoc | Kind::CipPrograms);
        if cip_only && !is_cip {
            return Err(Error::Import(format!(
                "{}: this is an O*NET-SOC crosswalk; import it with `nsx import crosswalk`",
                f.name
            )));
        }
        parsed.push((p.clone(), kind, f));
    }
    if parsed.is_empty() {
        return Err(Error::Import("no CSV files were given".into()));
    }
    let mut tx = db.begin().await?;
    let mut reports = Vec::new();
    for (path, kind, f) in &parsed {
        progress.start(&f.name, f.len() as u64);
        let (rows, skipped) = match kind {
            Kind::Onet2010To2019 | Kind::Onet2019ToSoc2018 => {
                import_code_crosswalk(&mut tx, *kind, f).await?
            }
            Kind::CipSoc => import_cip_soc(&mut tx, f).await?,
            Kind::CipPrograms => import_cip_programs(&mut tx, f).await?,
        };
        progress.advance(f.len() as u64);
        progress.finish(&format!("{rows} rows"));
        let report = CrosswalkReport {
            file: f.name.clone(),
            kind: kind.name().into(),
            rows,
            skipped,
        };
        record_release(
            &mut tx,
            "crosswalk",
            kind.name(),
            0,
            &format!("Crosswalk {}", kind.name()),
            &path.display().to_string(),
            &report,
        )
        .await?;
        reports.push(report);
    }
    super::evidence::rematch(&mut tx).await?;
    tx.bump_data_version("catalog").await?;
    tx.commit().await?;
    Ok(reports)
}

async fn import_code_crosswalk(tx: &mut Tx, kind: Kind, f: &CsvFile) -> Result<(u64, u64)> {
    let (from_c, from_t, to_c, to_t) = match kind {
        Kind::Onet2010To2019 => (
            f.require(&["O*NET-SOC 2010 Code"])?,
            f.column(&["O*NET-SOC 2010 Title"]),
            f.require(&["O*NET-SOC 2019 Code"])?,
            f.column(&["O*NET-SOC 2019 Title"]),
        ),
        _ => (
            f.require(&["O*NET-SOC 2019 Code"])?,
            f.column(&["O*NET-SOC 2019 Title"]),
            f.require(&["2018 SOC Code"])?,
            f.column(&["2018 SOC Title"]),
        ),
    };
    on_tx!(tx, c => sqlx::query("DELETE FROM code_crosswalks WHERE kind = $1").bind(kind.name()).execute(c).await.map(|r| r.rows_affected()))?;
    let mut ins = BulkInserter::new(TableShape {
        table: "code_crosswalks",
        columns: vec!["kind", "from_code", "from_title", "to_code", "to_title"],
        types: vec![
            ColType::Text,
            ColType::Text,
            ColType::OptText,
            ColType::Text,
            ColType::OptText,
        ],
    });
    let mut seen = std::collections::HashSet::new();
    let mut skipped = 0;
    for row in f.rows() {
        let from = row.required(from_c)?;
        let to = row.required(to_c)?;
        from.parse::<OnetSocCode>()
            .map_err(|e| row.error(from_c, e.to_string()))?;
        if kind == Kind::Onet2010To2019 {
            to.parse::<OnetSocCode>()
                .map_err(|e| row.error(to_c, e.to_string()))?;
        } else {
            to.parse::<SocCode>()
                .map_err(|e| row.error(to_c, e.to_string()))?;
        }
        if !seen.insert((from.to_string(), to.to_string())) {
            skipped += 1;
            continue;
        }
        let opt = |i: Option<usize>| match i.map(|i| row.get(i)) {
            Some(v) if !v.is_empty() => Value::Text(v.to_string()),
            _ => Value::Null,
        };
        ins.push(
            tx,
            vec![
                Value::Text(kind.name().into()),
                Value::Text(from.into()),
                opt(from_t),
                Value::Text(to.into()),
                opt(to_t),
            ],
        )
        .await?;
    }
    ins.flush(tx).await?;
    Ok((ins.written, skipped))
}

const CIP_EDITION: &str = "2020";

async fn import_cip_soc(tx: &mut Tx, f: &CsvFile) -> Result<(u64, u64)> {
    let cip_c = f.require(&["CIP2020Code"])?;
    let cip_t = f.column(&["CIP2020Title"]);
    let soc_c = f.require(&["SOC2018Code"])?;
    let soc_t = f.column(&["SOC2018Title"]);
    on_tx!(tx, c => sqlx::query("DELETE FROM cip_soc WHERE edition = $1").bind(CIP_EDITION).execute(c).await.map(|r| r.rows_affected()))?;
    let mut ins = BulkInserter::new(TableShape {
        table: "cip_soc",
        columns: vec!["edition", "cip_code", "cip_title", "soc_code", "soc_title"],
        types: vec![
            ColType::Text,
            ColType::Text,
            ColType::OptText,
            ColType::Text,
            ColType::OptText,
        ],
    });
    let mut skipped = 0;
    let mut seen = std::collections::HashSet::new();
    for row in f.rows() {
        let cip_raw = row.required(cip_c)?;
        let soc_raw = row.required(soc_c)?;
        // Placeholder pairs for unmatched codes are not links.
        if cip_raw.starts_with("99.9999") || soc_raw.starts_with("99-9999") {
            skipped += 1;
            continue;
        }
        let cip: CipCode = cip_raw
            .parse()
            .map_err(|e: nsx_core::codes::CodeError| row.error(cip_c, e.to_string()))?;
        let soc: SocCode = soc_raw
            .parse()
            .map_err(|e: nsx_core::codes::CodeError| row.error(soc_c, e.to_string()))?;
        if !seen.insert((cip.to_string(), soc.to_string())) {
            skipped += 1;
            continue;
        }
        let text = |i: Option<usize>| match i.map(|i| row.get(i)) {
            Some(v) if !v.is_empty() => Value::Text(v.trim_end_matches('.').to_string()),
            _ => Value::Null,
        };
        ins.push(
            tx,
            vec![
                Value::Text(CIP_EDITION.into()),
                Value::Text(cip.to_string()),
                text(cip_t),
                Value::Text(soc.to_string()),
                text(soc_t),
            ],
        )
        .await?;
    }
    ins.flush(tx).await?;
    Ok((ins.written, skipped))
}

async fn import_cip_programs(tx: &mut Tx, f: &CsvFile) -> Result<(u64, u64)> {
    let code_c = f.require(&["CIPCode"])?;
    let title_c = f.require(&["CIPTitle"])?;
    let def_c = f.column(&["CIPDefinition"]);
    on_tx!(tx, c => sqlx::query("DELETE FROM cip_programs WHERE edition = $1").bind(CIP_EDITION).execute(c).await.map(|r| r.rows_affected()))?;
    let mut ins = BulkInserter::new(TableShape {
        table: "cip_programs",
        columns: vec!["edition", "code", "title", "definition"],
        types: vec![
            ColType::Text,
            ColType::Text,
            ColType::Text,
            ColType::OptText,
        ],
    });
    let mut seen = std::collections::HashSet::new();
    let mut skipped = 0;
    for row in f.rows() {
        let code: CipCode = row
            .required(code_c)?
            .parse()
            .map_err(|e: nsx_core::codes::CodeError| row.error(code_c, e.to_string()))?;
        if !seen.insert(code.to_string()) {
            skipped += 1;
            continue;
        }
        let title = row.required(title_c)?.trim_end_matches('.').to_string();
        let def = match def_c.map(|i| row.get(i)) {
            Some(v) if !v.is_empty() => Value::Text(v.to_string()),
            _ => Value::Null,
        };
        ins.push(
            tx,
            vec![
                Value::Text(CIP_EDITION.into()),
                Value::Text(code.to_string()),
                Value::Text(title),
                def,
            ],
        )
        .await?;
    }
    ins.flush(tx).await?;
    Ok((ins.written, skipped))
}

/// Whether a path looks like something `import cip` takes.
pub fn is_csv(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}
