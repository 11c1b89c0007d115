//! AI-usage evidence (the Anthropic Economic Index files): usage share per task, task
//! penetration, occupation exposure and interaction types, matched to current O*NET tasks.
//!
//! The files carry task text, not task IDs. Tasks are matched on normalised text; tasks
//! reworded since the evidence was collected are reached through the evidence's own
//! (O*NET-SOC 2010) task list, the 2010→2019 crosswalk and the stable O*NET task ID.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use nsx_core::codes::{OnetSocCode, SocCode};
use nsx_core::evidence::{release_label, task_key};
use nsx_core::onet::{ColType, Value};
use nsx_core::release::ReleaseId;
use serde::Serialize;

use super::bulk::{BulkInserter, TableShape};
use super::csvfile::CsvFile;
use super::progress::Progress;
use super::record_release;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::on_tx;

/// What one evidence folder held.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceReport {
    /// Release label (from the folder name).
    pub release: String,
    /// Files imported, with rows written.
    pub files: Vec<(String, u64)>,
    /// Files present but not used.
    pub ignored: Vec<String>,
}

/// The result of an evidence import.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceSummary {
    /// One report per release folder.
    pub releases: Vec<EvidenceReport>,
    /// Current O*NET tasks that now carry evidence.
    pub matched_tasks: i64,
}

const KNOWN: &[&str] = &[
    "onet_task_mappings.csv",
    "automation_vs_augmentation.csv",
    "onet_task_statements.csv",
    "task_penetration.csv",
    "job_exposure.csv",
];

fn release_folders(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Err(Error::Import(format!("{}: not a folder", dir.display())));
    }
    let has_known = |d: &Path| KNOWN.iter().any(|k| d.join(k).is_file());
    if has_known(dir) {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io_at(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && has_known(p))
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(Error::Import(format!(
            "{}: no evidence files found (expected {} in it or in its release folders)",
            dir.display(),
            KNOWN.join(", ")
        )));
    }
    Ok(out)
}

/// Imports an evidence folder (the index root or one release folder) in one transaction.
pub async fn import(db: &Db, dir: &Path, progress: &dyn Progress) -> Result<EvidenceSummary> {
    let folders = release_folders(dir)?;
    let mut tx = db.begin().await?;
    let mut releases = Vec::new();
    for folder in folders {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let release = release_label(&name);
        let mut report = EvidenceReport {
            release: release.clone(),
            files: Vec::new(),
            ignored: Vec::new(),
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(|e| Error::io_at(&folder, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for path in entries {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if !KNOWN.contains(&file.as_str()) {
                report.ignored.push(file);
                continue;
            }
            let csv = CsvFile::read(&path)?;
            progress.start(&format!("{release}/{file}"), csv.len() as u64);
            let rows = match file.as_str() {
                "onet_task_mappings.csv" => usage(&mut tx, &release, &csv).await?,
                "automation_vs_augmentation.csv" => interactions(&mut tx, &release, &csv).await?,
                "onet_task_statements.csv" => legacy_tasks(&mut tx, &release, &csv).await?,
                "task_penetration.csv" => penetration(&mut tx, &release, &csv).await?,
                _ => exposure(&mut tx, &release, &csv).await?,
            };
            progress.advance(csv.len() as u64);
            progress.finish(&format!("{rows} rows"));
            report.files.push((file, rows));
        }
        record_release(
            &mut tx,
            "aei",
            &release,
            0,
            &format!("Anthropic Economic Index — {name}"),
            &folder.display().to_string(),
            &report,
        )
        .await?;
        releases.push(report);
    }
    let matched_tasks = rematch(&mut tx).await?;
    tx.bump_data_version("catalog").await?;
    tx.commit().await?;
    Ok(EvidenceSummary {
        releases,
        matched_tasks,
    })
}

fn parse_number(row: &super::csvfile::Row<'_>, idx: usize) -> Result<f64> {
    let raw = row.required(idx)?;
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(row.error(idx, format!("{raw:?} is not a number"))),
    }
}

async fn usage(tx: &mut Tx, release: &str, csv: &CsvFile) -> Result<u64> {
    let task_c = csv.require(&["task_name", "task"])?;
    let pct_c = csv.require(&["pct"])?;
    on_tx!(tx, c => sqlx::query("DELETE FROM aei_task_usage WHERE release = $1").bind(release).execute(c).await.map(|r| r.rows_affected()))?;
    let mut ins = BulkInserter::new(TableShape {
        table: "aei_task_usage",
        columns: vec!["release", "task_norm", "task", "pct"],
        types: vec![ColType::Text, ColType::Text, ColType::Text, ColType::Real],
    });
    let mut merged: HashMap<String, (String, f64)> = HashMap::new();
    for row in csv.rows() {
        let task = row.required(task_c)?;
        let pct = parse_number(&row, pct_c)?;
        let e = merged
            .entry(task_key(task))
            .or_insert((task.to_string(), 0.0));
        e.1 += pct;
    }
    let mut keys: Vec<_> = merged.into_iter().collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, (task, pct)) in keys {
        ins.push(
            tx,
            vec![
                Value::Text(release.into()),
                Value::Text(key),
                Value::Text(task),
                Value::Real(pct),
            ],
        )
        .await?;
    }
    ins.flush(tx).await?;
    Ok(ins.written)
}

async fn penetration(tx: &mut Tx, release: &str, csv: &CsvFile) -> Result<u64> {
    let task_c = csv.require(&["task", "task_name"])?;
    let p_c = csv.require(&["penetration"])?;
    on_tx!(tx, c => sqlx::query("DELETE FROM aei_task_penetration WHERE release = $1").bind(release).execute(c).await.map(|r| r.rows_affected()))?;
    let mut ins = BulkInserter::new(TableShape {
        table: "aei_task_penetration",
        columns: vec!["release", "task_norm", "task", "penetration"],
        types: vec![ColType::Text, ColType::Text, ColType::Text, ColType::Real],
    });
    let mut merged: HashMap<String, (String, f64)> = HashMap::new();
    for row in csv.rows() {
        let task = row.required(task_c)?;
        let p = parse_number(&row, p_c)?;
        if !(0.0..=1.0).contains(&p) {
            return Err(row.error(p_c, format!("{p} is outside 0–1")));
        }
        let e = merged
            .entry(task_key(task))
            .or_insert((task.to_string(), p));
        e.1 = e.1.max(p);
    }
    let mut keys: Vec<_> = merged.into_iter().collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, (task, p)) in keys {
        ins.push(
            tx,
            vec![
                Value::Text(release.into()),
                Value::Text(key),
                Value::Text(task),
                Value::Real(p),
            ],
        )
        .await?;
    }
    ins.flush(tx).await?;
    Ok(ins.written)
}

async fn exposure(tx: &mut Tx, release: &str, csv: &CsvFile) -> Result<u64> {
    let code_c = csv.require(&["occ_code"])?;
    let title_c = csv.require(&["title"])?;
    let e_c = csv.require(&["observed_exposure"])?;
    on_tx!(tx, c => sqlx::query("DELETE FROM aei_job_exposure WHERE release = $1").bind(release).execute(c).await.map(|r| r.rows_affected()))?;
    let mut ins = BulkInserter::new(TableShape {
        table: "aei_job_exposure",
        columns: vec!["release", "soc_code", "title", "observed_exposure"],
        types: vec![ColType::Text, ColType::Text, ColType::Text, ColType::Real],
    });
    let mut seen = HashSet::new();
    for row in csv.rows() {
        let soc: SocCode = row
            .required(code_c)?
            .parse()
            .map_err(|e: nsx_core::codes::CodeError| row.error(code_c, e.to_string()))?;
        let e = parse_number(&row, e_c)?;
        if !seen.insert(soc.to_string()) {
            return Err(row.error(code_c, format!("{soc} is listed twice")));
        }
        ins.push(
            tx,
            vec![
                Value::Text(release.into()),
                Value::Text(soc.to_string()),
                Value::Text(row.required(title_c)?.to_string()),
                Value::Real(e),
            ],
        )
        .await?;
    }
    ins.flush(tx).await?;
    Ok(ins.written)
}

async fn interactions(tx: &mut Tx, release: &str, csv: &CsvFile) -> Result<u64> {
    let t_c = csv.require(&["interaction_type"])?;
    let p_c = csv.require(&["pct"])?;
    on_tx!(tx, c => sqlx::query("DELETE FROM aei_interaction_types WHERE release = $1").bind(release).execute(c).await.map(|r| r.rows_affected()))?;
    let mut ins = BulkInserter::new(TableShape {
        table: "aei_interaction_types",
        columns: vec!["release", "interaction_type", "pct"],
        types: vec![ColType::Text, ColType::Text, ColType::Real],
    });
    for row in csv.rows() {
        let kind = row.required(t_c)?.to_string();
        let p = parse_number(&row, p_c)?;
        ins.push(
            tx,
            vec![
                Value::Text(release.into()),
                Value::Text(kind),
                Value::Real(p),
            ],
        )
        .await?;
    }
    ins.flush(tx).await?;
    Ok(ins.written)
}

async fn legacy_tasks(tx: &mut Tx, release: &str, csv: &CsvFile) -> Result<u64> {
    let code_c = csv.require(&["O*NET-SOC Code"])?;
    let id_c = csv.require(&["Task ID"])?;
    let task_c = csv.require(&["Task"])?;
    on_tx!(tx, c => sqlx::query("DELETE FROM aei_legacy_tasks WHERE release = $1").bind(release).execute(c).await.map(|r| r.rows_affected()))?;
    let mut ins = BulkInserter::new(TableShape {
        table: "aei_legacy_tasks",
        columns: vec!["release", "code_2010", "task_id", "task_norm", "task"],
        types: vec![
            ColType::Text,
            ColType::Text,
            ColType::Int,
            ColType::Text,
            ColType::Text,
        ],
    });
    for row in csv.rows() {
        let code: OnetSocCode = row
            .required(code_c)?
            .parse()
            .map_err(|e: nsx_core::codes::CodeError| row.error(code_c, e.to_string()))?;
        let raw_id = row.required(id_c)?;
        let id: i64 = raw_id
            .strip_suffix(".0")
            .unwrap_or(raw_id)
            .parse()
            .map_err(|_| row.error(id_c, format!("{raw_id:?} is not a whole number")))?;
        let task = row.required(task_c)?;
        ins.push(
            tx,
            vec![
                Value::Text(release.into()),
                Value::Text(code.to_string()),
                Value::Int(id),
                Value::Text(task_key(task)),
                Value::Text(task.to_string()),
            ],
        )
        .await?;
    }
    ins.flush(tx).await?;
    Ok(ins.written)
}

/// Rebuilds `aei_task_matches` from the current O*NET tasks and whatever evidence is
/// imported; returns how many tasks carry evidence. Runs after every O*NET, crosswalk or
/// evidence import.
pub async fn rematch(tx: &mut Tx) -> Result<i64> {
    on_tx!(tx, c => sqlx::query("DELETE FROM aei_task_matches").execute(c).await.map(|r| r.rows_affected()))?;

    // Newest evidence release per kind (labels are ISO dates or folder names).
    let usage_rows: Vec<(String, String, f64)> = on_tx!(tx, c => sqlx::query_as("SELECT release, task_norm, pct FROM aei_task_usage").fetch_all(c).await)?;
    let pen_rows: Vec<(String, String, f64)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT release, task_norm, penetration FROM aei_task_penetration"
    )
    .fetch_all(c)
    .await)?;
    if usage_rows.is_empty() && pen_rows.is_empty() {
        return Ok(0);
    }
    let newest = |rows: &[(String, String, f64)]| rows.iter().map(|r| r.0.clone()).max();
    let usage_rel = newest(&usage_rows);
    let pen_rel = newest(&pen_rows);
    let usage: HashMap<String, f64> = usage_rows
        .into_iter()
        .filter(|r| Some(&r.0) == usage_rel.as_ref())
        .map(|r| (r.1, r.2))
        .collect();
    let pen: HashMap<String, f64> = pen_rows
        .into_iter()
        .filter(|r| Some(&r.0) == pen_rel.as_ref())
        .map(|r| (r.1, r.2))
        .collect();

    // Legacy (2010-coded) tasks that carry usage, reachable by task ID.
    let legacy: Vec<(String, i64, String)> = on_tx!(tx, c => sqlx::query_as("SELECT code_2010, task_id, task_norm FROM aei_legacy_tasks").fetch_all(c).await)?;
    let cross: Vec<(String, String)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT from_code, to_code FROM code_crosswalks WHERE kind = 'onet2010_onet2019'"
    )
    .fetch_all(c)
    .await)?;
    let mut forward: HashMap<String, Vec<String>> = HashMap::new();
    for (from, to) in cross {
        forward.entry(from).or_default().push(to);
    }
    let mut legacy_usage: HashMap<(String, i64), f64> = HashMap::new();
    for (code_2010, task_id, norm) in legacy {
        let Some(p) = usage.get(&norm) else { continue };
        let targets = forward
            .get(&code_2010)
            .cloned()
            .unwrap_or_else(|| vec![code_2010.clone()]);
        for t in targets {
            legacy_usage.insert((t, task_id), *p);
        }
    }

    // Current tasks: per occupation, the newest release that has tasks.
    let tasks: Vec<(String, i64, String, String)> = on_tx!(tx, c => sqlx::query_as("SELECT code, task_id, task, release FROM onet_tasks").fetch_all(c).await)?;
    let mut newest_rel: HashMap<String, i64> = HashMap::new();
    for (code, _, _, rel) in &tasks {
        let s = rel.parse::<ReleaseId>().map(|r| r.seq()).unwrap_or(0);
        let e = newest_rel.entry(code.clone()).or_insert(s);
        *e = (*e).max(s);
    }
    let mut ins = BulkInserter::new(TableShape {
        table: "aei_task_matches",
        columns: vec![
            "code",
            "task_id",
            "onet_release",
            "usage_release",
            "usage_pct",
            "penetration_release",
            "penetration",
            "method",
        ],
        types: vec![
            ColType::Text,
            ColType::Int,
            ColType::Text,
            ColType::OptText,
            ColType::OptReal,
            ColType::OptText,
            ColType::OptReal,
            ColType::Text,
        ],
    });
    let mut seen = HashSet::new();
    for (code, task_id, task, rel) in tasks {
        let s = rel.parse::<ReleaseId>().map(|r| r.seq()).unwrap_or(0);
        if newest_rel.get(&code) != Some(&s) || !seen.insert((code.clone(), task_id)) {
            continue;
        }
        let key = task_key(&task);
        let (u, method) = match usage.get(&key) {
            Some(p) => (Some(*p), "task_text"),
            None => match legacy_usage.get(&(code.clone(), task_id)) {
                Some(p) => (Some(*p), "legacy_task_id"),
                None => (None, "task_text"),
            },
        };
        let p = pen.get(&key).copied();
        if u.is_none() && p.is_none() {
            continue;
        }
        let opt_text = |o: Option<&String>, present: bool| match (o, present) {
            (Some(r), true) => Value::Text(r.clone()),
            _ => Value::Null,
        };
        ins.push(
            tx,
            vec![
                Value::Text(code),
                Value::Int(task_id),
                Value::Text(rel),
                opt_text(usage_rel.as_ref(), u.is_some()),
                u.map(Value::Real).unwrap_or(Value::Null),
                opt_text(pen_rel.as_ref(), p.is_some()),
                p.map(Value::Real).unwrap_or(Value::Null),
                Value::Text(method.into()),
            ],
        )
        .await?;
    }
    ins.flush(tx).await?;
    Ok(ins.written as i64)
}
