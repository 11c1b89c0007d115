//! Read-only queries the framework pages and API need on top of [`super::store`]: the
//! filtered framework index with statement search, a statement by id, and the source
//! anchors of an occupation (titles, apprenticeships, rated elements, technology, tasks,
//! CIP codes).

use std::collections::HashSet;

use nsx_core::frameworks::Status;
use nsx_core::release::ReleaseId;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{StatementView, VersionSummary, store};
use crate::db::Db;
use crate::error::Result;
use crate::on_db;

/// Filters of the framework index.
#[derive(Debug, Clone, Default)]
pub struct IndexFilter {
    /// SOC major group, two digits (e.g. `17`).
    pub group: Option<String>,
    /// Job Zone, 1–5.
    pub job_zone: Option<i64>,
    /// Status of the newest version.
    pub status: Option<Status>,
    /// Words that must appear in a statement of the newest version.
    pub q: Option<String>,
    /// Page size.
    pub limit: usize,
    /// Rows skipped.
    pub offset: usize,
}

/// One page of the framework index.
#[derive(Debug, Clone)]
pub struct IndexPage {
    /// Newest versions matching the filters, by code.
    pub items: Vec<VersionSummary>,
    /// How many match in all.
    pub total: usize,
}

/// The newest version of every framework matching `f`, one page of them.
pub async fn index(db: &Db, f: &IndexFilter) -> Result<IndexPage> {
    let mut all = store::latest_versions(db, None).await?;
    all.retain(|v| {
        f.group
            .as_deref()
            .is_none_or(|g| v.code.get(..2) == Some(g))
            && f.job_zone.is_none_or(|z| v.job_zone == Some(z))
            && f.status.is_none_or(|s| v.status == s)
    });
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let hits = versions_with_statement_like(db, q).await?;
        all.retain(|v| hits.contains(&v.id));
    }
    let total = all.len();
    let items = all.into_iter().skip(f.offset).take(f.limit).collect();
    Ok(IndexPage { items, total })
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(word: &str) -> String {
    let mut s = String::from("%");
    for c in word.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// Ids of versions with a statement containing every word of `q` (case-insensitive).
async fn versions_with_statement_like(db: &Db, q: &str) -> Result<HashSet<Uuid>> {
    let words: Vec<String> = q.split_whitespace().take(8).map(like_pattern).collect();
    if words.is_empty() {
        return Ok(HashSet::new());
    }
    let cond = (1..=words.len())
        .map(|i| format!("LOWER(subject || ' ' || performance) LIKE ${i} ESCAPE '\\'"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let sql = format!("SELECT DISTINCT version_id FROM statements WHERE {cond}");
    let ids: Vec<Uuid> = on_db!(db, p => {
        let mut qy = sqlx::query_scalar(AssertSqlSafe(sql));
        for w in &words {
            qy = qy.bind(w.clone());
        }
        qy.fetch_all(p).await
    })?;
    Ok(ids.into_iter().collect())
}

/// The statements of `version` containing every word of `q` (for highlighting hits).
pub fn matching_statements<'a>(statements: &'a [StatementView], q: &str) -> Vec<&'a StatementView> {
    let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
    statements
        .iter()
        .filter(|s| {
            let t = s.statement.full_text().to_lowercase();
            !words.is_empty() && words.iter().all(|w| t.contains(w))
        })
        .collect()
}

/// Where a statement lives: its framework code and version label.
pub async fn statement_home(db: &Db, id: Uuid) -> Result<Option<(String, String)>> {
    let row: Option<(String, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT v.code, v.label FROM statements s JOIN framework_versions v ON v.id = s.version_id WHERE s.id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    Ok(row)
}

/// A rated O*NET element shown among the anchors.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnchorElement {
    /// Content-model element ID.
    pub element_id: String,
    /// Element name.
    pub name: String,
    /// Importance (or work-style impact) rating.
    pub value: f64,
    /// The O*NET release the rating comes from.
    pub release: String,
}

/// An O*NET task shown among the anchors.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnchorTask {
    /// O*NET task ID.
    pub task_id: i64,
    /// Task statement.
    pub text: String,
    /// Whether a statement of the version cites it.
    pub cited: bool,
}

/// A coded item (apprenticeship, CIP programme).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnchorCode {
    /// Code (RAPIDS code, CIP code).
    pub code: String,
    /// Title.
    pub title: String,
}

/// The source rows a framework version stands on.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Anchors {
    /// Alternate titles.
    pub titles: Vec<String>,
    /// Registered apprenticeships.
    pub apprenticeships: Vec<AnchorCode>,
    /// Skills by importance.
    pub skills: Vec<AnchorElement>,
    /// Knowledge domains by importance.
    pub knowledge: Vec<AnchorElement>,
    /// Abilities by importance.
    pub abilities: Vec<AnchorElement>,
    /// Work styles by impact.
    pub work_styles: Vec<AnchorElement>,
    /// Technology (commodity titles).
    pub technology: Vec<String>,
    /// Task statements (the seeds of the statements).
    pub tasks: Vec<AnchorTask>,
    /// CIP programmes leading to the occupation.
    pub cip: Vec<AnchorCode>,
}

impl Anchors {
    /// Every anchor counted once.
    pub fn count(&self) -> usize {
        self.titles.len()
            + self.apprenticeships.len()
            + self.skills.len()
            + self.knowledge.len()
            + self.abilities.len()
            + self.work_styles.len()
            + self.technology.len()
            + self.tasks.len()
            + self.cip.len()
    }
}

/// The occupation's most important elements of a domain, from the newest release that rates
/// them (a release may leave a domain to an earlier release or a supplement).
async fn elements(db: &Db, code: &str, domain: &str, scale: &str) -> Result<Vec<AnchorElement>> {
    let rows: Vec<(String, String, f64, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT element_id, element_name, data_value, release FROM onet_ratings
         WHERE code = $1 AND domain = $2 AND scale_id = $3
         ORDER BY data_value DESC, element_id"
    )
    .bind(code)
    .bind(domain)
    .bind(scale)
    .fetch_all(p)
    .await)?;
    let seq = |r: &str| r.parse::<ReleaseId>().map(|r| r.seq()).unwrap_or(0);
    let Some(newest) = rows.iter().map(|r| seq(&r.3)).max() else {
        return Ok(Vec::new());
    };
    Ok(rows
        .into_iter()
        .filter(|r| seq(&r.3) == newest)
        .take(12)
        .map(|(element_id, name, value, release)| AnchorElement {
            element_id,
            name,
            value,
            release,
        })
        .collect())
}

/// The anchors of an occupation at an O*NET release; `cited` marks the tasks statements cite.
pub async fn anchors(db: &Db, code: &str, release: &str, cited: &[i64]) -> Result<Anchors> {
    let titles: Vec<String> = on_db!(db, p => sqlx::query_scalar(
        "SELECT title FROM onet_alternate_titles WHERE code = $1 AND release = $2 ORDER BY title LIMIT 30"
    )
    .bind(code)
    .bind(release)
    .fetch_all(p)
    .await)?;
    let apprenticeships: Vec<(String, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT rapids_code, title FROM apprenticeships WHERE code = $1 ORDER BY title"
    )
    .bind(code)
    .fetch_all(p)
    .await)?;
    let technology: Vec<String> = on_db!(db, p => sqlx::query_scalar(
        "SELECT DISTINCT commodity_title FROM onet_technology_skills
         WHERE code = $1 AND release = $2 AND commodity_title IS NOT NULL ORDER BY commodity_title LIMIT 30"
    )
    .bind(code)
    .bind(release)
    .fetch_all(p)
    .await)?;
    let tasks: Vec<(i64, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT task_id, task FROM onet_tasks WHERE code = $1 AND release = $2 ORDER BY task_id"
    )
    .bind(code)
    .bind(release)
    .fetch_all(p)
    .await)?;
    let soc = code.get(..7).unwrap_or(code);
    let cip: Vec<(String, Option<String>)> = on_db!(db, p => sqlx::query_as(
        "SELECT DISTINCT cip_code, cip_title FROM cip_soc WHERE soc_code = $1 ORDER BY cip_code"
    )
    .bind(soc)
    .fetch_all(p)
    .await)?;
    let mut tasks: Vec<AnchorTask> = tasks
        .into_iter()
        .map(|(task_id, text)| AnchorTask {
            cited: cited.contains(&task_id),
            task_id,
            text,
        })
        .collect();
    // Cited tasks first: they are the seeds of the statements.
    tasks.sort_by_key(|t| (!t.cited, t.task_id));
    Ok(Anchors {
        titles,
        apprenticeships: apprenticeships
            .into_iter()
            .map(|(code, title)| AnchorCode { code, title })
            .collect(),
        skills: elements(db, code, "skills", "IM").await?,
        knowledge: elements(db, code, "knowledge", "IM").await?,
        abilities: elements(db, code, "abilities", "IM").await?,
        work_styles: elements(db, code, "work_styles", "WI").await?,
        technology,
        tasks,
        cip: cip
            .into_iter()
            .map(|(code, title)| AnchorCode {
                code,
                title: title.unwrap_or_default(),
            })
            .collect(),
    })
}
