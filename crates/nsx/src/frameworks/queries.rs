//! Read-only queries the framework pages and API need on top of [`super::store`]: the
//! filtered framework index with statement search, a statement by id, and the source
//! anchors of an occupation (titles, apprenticeships, rated elements, technology, tasks,
//! CIP codes).

use nsx_core::frameworks::Status;
use nsx_core::occupations::major_group_title;
use nsx_core::release::ReleaseId;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use utoipa::ToSchema;
use uuid::Uuid;

use super::store::{self, VERSION_COLS, VersionRow};
use super::{StatementView, VersionSummary};
use crate::db::Db;
use crate::error::Result;
use crate::on_db;

/// Frameworks on one page of the index.
pub const PAGE_SIZE: usize = 50;

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

/// Parses the index filters shared by the page and the API.
pub fn filter_from(
    group: Option<&str>,
    zone: Option<&str>,
    status: Option<&str>,
    q: Option<&str>,
) -> Result<IndexFilter, (String, String)> {
    let group = match group {
        Some(g) if major_group_title(g).is_some() => Some(g.to_string()),
        Some(g) => return Err(("group".into(), format!("{g:?} is not a SOC major group"))),
        None => None,
    };
    let job_zone = match zone {
        Some(z) => match z.parse::<i64>() {
            Ok(n) if (1..=5).contains(&n) => Some(n),
            _ => return Err(("zone".into(), format!("{z:?} is not a Job Zone (1–5)"))),
        },
        None => None,
    };
    let status = match status {
        Some(s) => Some(
            s.parse::<Status>()
                .map_err(|e| ("status".to_string(), e.0))?,
        ),
        None => None,
    };
    Ok(IndexFilter {
        group,
        job_zone,
        status,
        q: q.map(str::to_string),
        limit: PAGE_SIZE,
        offset: 0,
    })
}

/// One page of the framework index.
#[derive(Debug, Clone)]
pub struct IndexPage {
    /// Newest versions matching the filters, by code.
    pub items: Vec<VersionSummary>,
    /// How many match in all.
    pub total: usize,
}

/// The current version (see [`store::current_of`]) of every framework matching `f`, one
/// page of them by code: filtered, counted and paged in the database.
pub async fn index(db: &Db, f: &IndexFilter) -> Result<IndexPage> {
    let mut conds = vec!["v.current_rank = 1".to_string()];
    let mut binds: Vec<Bind> = Vec::new();
    if let Some(g) = &f.group {
        let p = next(&mut binds, Bind::Text(g.clone()));
        conds.push(format!("SUBSTR(v.code, 1, 2) = {p}"));
    }
    if let Some(z) = f.job_zone {
        let p = next(&mut binds, Bind::Int(z));
        conds.push(format!("v.job_zone = {p}"));
    }
    if let Some(s) = f.status {
        let p = next(&mut binds, Bind::Text(s.as_str().to_string()));
        conds.push(format!("v.status = {p}"));
    }
    let words: Vec<String> =
        f.q.as_deref()
            .unwrap_or("")
            .split_whitespace()
            .take(8)
            .map(like_pattern)
            .collect();
    if !words.is_empty() {
        // Every word in one statement of the version.
        let like = words
            .into_iter()
            .map(|w| {
                let p = next(&mut binds, Bind::Text(w));
                format!("LOWER(s.subject || ' ' || s.performance) LIKE {p} ESCAPE '\\'")
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        conds.push(format!(
            "EXISTS (SELECT 1 FROM statements s WHERE s.version_id = v.id AND {like})"
        ));
    }
    let from = format!("{} WHERE {}", *store::CURRENT_FROM, conds.join(" AND "));
    let count_sql = format!("SELECT COUNT(*) FROM {from}");
    let total: i64 = on_db!(db, p => {
        let mut q = sqlx::query_scalar(AssertSqlSafe(count_sql));
        for b in &binds {
            q = match b {
                Bind::Text(t) => q.bind(t.clone()),
                Bind::Int(n) => q.bind(*n),
            };
        }
        q.fetch_one(p).await
    })?;
    let (lim, off) = (binds.len() + 1, binds.len() + 2);
    let page_sql = format!(
        "SELECT {VERSION_COLS} FROM {from} ORDER BY {} LIMIT ${lim} OFFSET ${off}",
        store::code_order(db.backend())
    );
    let rows: Vec<VersionRow> = on_db!(db, p => {
        let mut q = sqlx::query_as(AssertSqlSafe(page_sql));
        for b in &binds {
            q = match b {
                Bind::Text(t) => q.bind(t.clone()),
                Bind::Int(n) => q.bind(*n),
            };
        }
        q.bind(i64::try_from(f.limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(f.offset).unwrap_or(i64::MAX))
            .fetch_all(p)
            .await
    })?;
    Ok(IndexPage {
        items: rows.iter().map(store::summary_of).collect::<Result<_>>()?,
        total: total as usize,
    })
}

/// A value bound to an index query.
enum Bind {
    Text(String),
    Int(i64),
}

/// Adds a bound value; returns its placeholder.
fn next(binds: &mut Vec<Bind>, b: Bind) -> String {
    binds.push(b);
    format!("${}", binds.len())
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
    /// The rating with its scale ("importance 4.12 of 5", "impact +2.30 (−3 to +3)").
    pub rating: String,
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
    /// Sections (by id) whose source file was never imported, with the file's name: for them
    /// an empty list means the data is absent, not that the occupation has none.
    pub not_imported: Vec<(&'static str, &'static str)>,
}

impl Anchors {
    /// What to say for an empty section: whether its source was never imported, or was
    /// imported and holds nothing for this occupation.
    pub fn empty_note(&self, section: &str) -> String {
        match self.not_imported.iter().find(|(s, _)| *s == section) {
            Some((_, file)) => format!("Not in the imported release ({file} was never imported)."),
            None => "None recorded.".to_string(),
        }
    }

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
            rating: nsx_core::onet::rating_label(scale, value),
            value,
            release,
        })
        .collect())
}

/// Whether `sql` (a `SELECT 1 … LIMIT 1` taking `binds`) finds a row.
async fn any_row(db: &Db, sql: &'static str, binds: &[&str]) -> Result<bool> {
    let row: Option<i64> = on_db!(db, p => {
        let mut q = sqlx::query_scalar(sql);
        for b in binds {
            q = q.bind(b.to_string());
        }
        q.fetch_optional(p).await
    })?;
    Ok(row.is_some())
}

/// The anchor sections whose source was never imported (not for this occupation, not for
/// any): the release's own files for titles, technology and tasks, any release for ratings.
async fn not_imported(db: &Db, release: &str) -> Result<Vec<(&'static str, &'static str)>> {
    let mut out = Vec::new();
    let per_release: [(&str, &str, &'static str); 3] = [
        (
            "titles",
            "Alternate Titles.txt",
            "SELECT CAST(1 AS BIGINT) FROM onet_alternate_titles WHERE release = $1 LIMIT 1",
        ),
        (
            "technology",
            "Technology Skills.txt",
            "SELECT CAST(1 AS BIGINT) FROM onet_technology_skills WHERE release = $1 LIMIT 1",
        ),
        (
            "tasks",
            "Task Statements.txt",
            "SELECT CAST(1 AS BIGINT) FROM onet_tasks WHERE release = $1 LIMIT 1",
        ),
    ];
    for (section, file, sql) in per_release {
        if !any_row(db, sql, &[release]).await? {
            out.push((section, file));
        }
    }
    let rated = "SELECT CAST(1 AS BIGINT) FROM onet_ratings WHERE domain = $1 LIMIT 1";
    for (section, file, domain) in [
        ("skills", "Skills.txt", "skills"),
        ("knowledge", "Knowledge.txt", "knowledge"),
        ("abilities", "Abilities.txt", "abilities"),
        ("work-styles", "Work Styles.txt", "work_styles"),
    ] {
        if !any_row(db, rated, &[domain]).await? {
            out.push((section, file));
        }
    }
    if !any_row(
        db,
        "SELECT CAST(1 AS BIGINT) FROM apprenticeships LIMIT 1",
        &[],
    )
    .await?
    {
        out.push(("apprenticeships", "the registered-apprenticeship list"));
    }
    if !any_row(db, "SELECT CAST(1 AS BIGINT) FROM cip_soc LIMIT 1", &[]).await? {
        out.push(("cip", "the CIP-SOC crosswalk"));
    }
    Ok(out)
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
        not_imported: not_imported(db, release).await?,
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
