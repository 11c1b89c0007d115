//! What a suggestion is about: the framework version it was made on, the statement or
//! source anchor its link named, and the source rows behind them with the values the
//! exchange holds for those rows now.

use nsx_core::codes::OnetSocCode;
use nsx_core::corrections::{Anchor, SourceRow, source_file};
use nsx_core::frameworks::{Citation, Locator, VersionLabel};
use nsx_core::release::ReleaseId;
use uuid::Uuid;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::frameworks::editing::{self, Framework};
use crate::frameworks::{VersionSummary, store as fw_store};
use crate::on_db;

/// What a "suggest a correction" link names on a framework version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A statement (its row id in the version).
    Statement(Uuid),
    /// One of the source rows the version stands on.
    Anchor(Anchor),
}

impl Target {
    /// Reads the `statement` or `anchor` parameter (one of them, not both).
    pub fn parse(statement: Option<&str>, anchor: Option<&str>) -> Result<Target> {
        fn clean(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        match (clean(statement), clean(anchor)) {
            (Some(s), None) => s
                .parse::<Uuid>()
                .map(Target::Statement)
                .map_err(|_| Error::invalid("statement", format!("{s:?} is not a statement id"))),
            (None, Some(a)) => Ok(Target::Anchor(a.parse::<Anchor>()?)),
            (Some(_), Some(_)) => Err(Error::invalid(
                "anchor",
                "name a statement or a source row, not both",
            )),
            (None, None) => Err(Error::invalid(
                "statement",
                "name the statement (statement=<id>) or source row (anchor=task-<ID> or element-<ID>) to correct",
            )),
        }
    }
}

/// A framework version with the statement or anchor a link names, and the source rows a
/// suggestion may concern (one per citation of a statement; one for an anchor).
#[derive(Debug, Clone)]
pub struct Subject {
    /// The framework.
    pub framework: Framework,
    /// The version the link was on.
    pub version: VersionSummary,
    /// What was named.
    pub target: Target,
    /// The statement's text, when a statement was named.
    pub statement_text: Option<String>,
    /// The candidate rows, in citation order.
    pub rows: Vec<SourceRow>,
}

/// Loads the framework version and resolves what the link names; `NotFound` names
/// whichever part is missing.
pub async fn resolve(db: &Db, code: &str, label: &VersionLabel, target: Target) -> Result<Subject> {
    let framework = editing::find_framework(db, code)
        .await?
        .ok_or_else(|| Error::not_found(format!("a framework {code}")))?;
    let view = fw_store::load_version(db, code, Some(label))
        .await?
        .ok_or_else(|| Error::not_found(format!("version {label} of the framework {code}")))?;
    let occupations = occupations_of(&framework, code);
    let release = view.version.onet_release.clone();
    let (statement_text, rows) = match &target {
        Target::Statement(id) => {
            let s = view
                .statements
                .iter()
                .find(|s| s.id == *id)
                .ok_or_else(|| {
                    Error::not_found(format!("statement {id} in version {label} of {code}"))
                })?;
            let mut rows = Vec::with_capacity(s.statement.citations.len());
            for c in &s.statement.citations {
                rows.push(row_of_citation(db, &occupations, c).await?);
            }
            if rows.is_empty() {
                return Err(Error::Conflict(format!(
                    "statement {id} cites no source row, so there is nothing to correct at the source"
                )));
            }
            (Some(s.statement.full_text()), rows)
        }
        Target::Anchor(a) => (
            None,
            vec![row_of_anchor(db, &occupations, &release, a).await?],
        ),
    };
    Ok(Subject {
        framework,
        version: view.version,
        target,
        statement_text,
        rows,
    })
}

/// The occupations a framework's rows may belong to: those it relates to, or its own code
/// when that is an O*NET-SOC code.
fn occupations_of(f: &Framework, code: &str) -> Vec<String> {
    let mut v = f.occupations.clone();
    if let Ok(c) = code.parse::<OnetSocCode>() {
        let c = c.to_string();
        if !v.contains(&c) {
            v.push(c);
        }
    }
    v
}

#[derive(sqlx::FromRow)]
struct TaskRow {
    code: String,
    task: String,
}

#[derive(sqlx::FromRow)]
struct RatingRow {
    code: String,
    domain: String,
    element_name: String,
    scale_id: String,
    data_value: f64,
    release: String,
}

fn rating_value(r: &RatingRow) -> String {
    format!("{} ({} {:.2})", r.element_name, r.scale_id, r.data_value)
}

async fn task_row(
    db: &Db,
    task_id: i64,
    release: &str,
    occupations: &[String],
) -> Result<Option<TaskRow>> {
    let rows: Vec<TaskRow> = on_db!(db, p => sqlx::query_as(
        "SELECT code, task FROM onet_tasks WHERE task_id = $1 AND release = $2 ORDER BY code"
    )
    .bind(task_id)
    .bind(release)
    .fetch_all(p)
    .await)?;
    // Task IDs are unique across occupations; prefer the framework's own if several match.
    let mut rows = rows;
    let pos = rows
        .iter()
        .position(|r| occupations.contains(&r.code))
        .unwrap_or(0);
    Ok((!rows.is_empty()).then(|| rows.swap_remove(pos)))
}

async fn rating_rows(
    db: &Db,
    code: &str,
    element_id: &str,
    scales: &[&str],
    release: Option<&str>,
) -> Result<Vec<RatingRow>> {
    let rows: Vec<RatingRow> = on_db!(db, p => sqlx::query_as(
        "SELECT code, domain, element_name, scale_id, data_value, release FROM onet_ratings
         WHERE code = $1 AND element_id = $2 AND category IS NULL
         ORDER BY scale_id"
    )
    .bind(code)
    .bind(element_id)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .filter(|r| scales.contains(&r.scale_id.as_str()))
        .filter(|r| release.is_none_or(|rel| r.release == rel))
        .collect())
}

/// The row a citation points at, with the value held for it now (the citation's own text
/// when the row is no longer in the database).
async fn row_of_citation(db: &Db, occupations: &[String], c: &Citation) -> Result<SourceRow> {
    let first = occupations.first().cloned();
    let mut row = SourceRow {
        occupation_code: first.clone(),
        source: c.source.clone(),
        release: c.release.clone(),
        file: source_file(&c.source, &c.locator, None),
        locator: c.locator.clone(),
        current_value: match c.value {
            Some(v) if matches!(c.locator, Locator::Element { .. }) => {
                format!("{} ({v:.2})", c.text)
            }
            _ => c.text.clone(),
        },
    };
    if c.source != "onet" {
        if let Locator::Evidence {
            soc_code: Some(_), ..
        } = &c.locator
        {
            // An occupation-level figure belongs to the SOC code it names.
            row.occupation_code = None;
        }
        return Ok(row);
    }
    match &c.locator {
        Locator::Task { task_id } => {
            if let Some(t) = task_row(db, *task_id, &c.release, occupations).await? {
                row.occupation_code = Some(t.code);
                row.current_value = t.task;
            }
        }
        Locator::Element { element_id, scale } => {
            for code in occupations {
                let found =
                    rating_rows(db, code, element_id, &[scale.as_str()], Some(&c.release)).await?;
                if let Some(r) = found.first() {
                    row.occupation_code = Some(r.code.clone());
                    row.file = source_file("onet", &c.locator, Some(&r.domain));
                    row.current_value = rating_value(r);
                    break;
                }
            }
        }
        Locator::Commodity {
            commodity_code,
            table,
        } => {
            let sql = if table == "tool" {
                "SELECT code, commodity_title FROM onet_tools WHERE commodity_code = $1 AND release = $2 AND commodity_title IS NOT NULL"
            } else {
                "SELECT code, commodity_title FROM onet_technology_skills WHERE commodity_code = $1 AND release = $2 AND commodity_title IS NOT NULL"
            };
            let found: Vec<(String, String)> = on_db!(db, p => sqlx::query_as(sql)
                .bind(commodity_code)
                .bind(&c.release)
                .fetch_all(p)
                .await)?;
            if let Some((code, title)) = found
                .iter()
                .find(|(code, _)| occupations.contains(code))
                .or(found.first())
            {
                row.occupation_code = Some(code.clone());
                row.current_value = title.clone();
            }
        }
        Locator::EmergingTask { .. } | Locator::Evidence { .. } | Locator::CaseItem { .. } => {}
    }
    Ok(row)
}

/// The row an anchor of the version's source anchors names, from the release the version
/// is grounded in (rated elements: from the newest release rating them, as the page shows).
async fn row_of_anchor(
    db: &Db,
    occupations: &[String],
    release: &str,
    a: &Anchor,
) -> Result<SourceRow> {
    match a {
        Anchor::Task(task_id) => {
            let t = task_row(db, *task_id, release, occupations)
                .await?
                .filter(|t| occupations.contains(&t.code))
                .ok_or_else(|| {
                    Error::not_found(format!(
                        "task {task_id} among the O*NET {release} tasks of this framework's occupations"
                    ))
                })?;
            let locator = Locator::Task { task_id: *task_id };
            Ok(SourceRow {
                occupation_code: Some(t.code),
                source: "onet".into(),
                release: release.to_string(),
                file: source_file("onet", &locator, None),
                locator,
                current_value: t.task,
            })
        }
        Anchor::Element(element_id) => {
            for code in occupations {
                let rows = rating_rows(db, code, element_id, &["IM", "WI"], None).await?;
                let newest = rows
                    .into_iter()
                    .max_by_key(|r| r.release.parse::<ReleaseId>().ok());
                if let Some(r) = newest {
                    let locator = Locator::Element {
                        element_id: element_id.clone(),
                        scale: r.scale_id.clone(),
                    };
                    return Ok(SourceRow {
                        occupation_code: Some(r.code.clone()),
                        source: "onet".into(),
                        release: r.release.clone(),
                        file: source_file("onet", &locator, Some(&r.domain)),
                        current_value: rating_value(&r),
                        locator,
                    });
                }
            }
            Err(Error::not_found(format!(
                "a rating of element {element_id} for this framework's occupations"
            )))
        }
    }
}
