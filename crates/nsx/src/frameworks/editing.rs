//! Storage for the editorial workflow: frameworks with their owners and occupations, and
//! the writes a service makes inside its transaction (a new framework, a new version, a
//! draft's content replaced, a status moved). Every function here takes the caller's
//! transaction; the rules live in [`super::service`].

use nsx_core::frameworks::edit::{EditableStatement, EditableVersion};
use nsx_core::frameworks::{Status, VersionLabel, statement_id};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::VersionSummary;
use super::store::{
    B, VERSION_COLS, VERSION_FROM, VersionRow, insert_rows, locator_cols, summary_of,
};
use crate::db::{Backend, Db, Ts, Tx};
use crate::error::{Error, Result};
use crate::{on_db, on_tx};

/// A framework: what all its versions share.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Framework {
    /// Stable id.
    pub id: Uuid,
    /// Code: an O*NET-SOC code for drafted frameworks, a slug for an organization's own.
    pub code: String,
    /// Title.
    pub title: String,
    /// What the framework covers.
    pub description: String,
    /// The owning organization.
    pub organization_id: Option<Uuid>,
    /// The owning organization's name.
    pub organization_name: Option<String>,
    /// How it came to be: `drafted`, `authored`, `copied`, `case`, `csv`.
    pub origin: String,
    /// The occupations it relates to (O*NET-SOC codes), in the owner's order.
    pub occupations: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct FrameworkRow {
    id: Uuid,
    code: String,
    title: String,
    description: String,
    organization_id: Option<Uuid>,
    organization_name: Option<String>,
    origin: String,
}

const FRAMEWORK_SELECT: &str = "SELECT f.id, f.code, f.title, f.description, f.organization_id, o.name AS organization_name, f.origin
     FROM frameworks f LEFT JOIN organizations o ON o.id = f.organization_id";

async fn occupations_of(db_or_tx: OccupationsSource<'_>, id: Uuid) -> Result<Vec<String>> {
    let sql = "SELECT occupation_code FROM framework_occupations WHERE framework_id = $1 ORDER BY ord, occupation_code";
    let codes: Vec<String> = match db_or_tx {
        OccupationsSource::Db(db) => {
            on_db!(db, p => sqlx::query_scalar(sql).bind(id).fetch_all(p).await)?
        }
        OccupationsSource::Tx(tx) => {
            on_tx!(tx, c => sqlx::query_scalar(sql).bind(id).fetch_all(c).await)?
        }
    };
    Ok(codes)
}

enum OccupationsSource<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

fn framework_of(r: FrameworkRow, occupations: Vec<String>) -> Framework {
    Framework {
        id: r.id,
        code: r.code,
        title: r.title,
        description: r.description,
        organization_id: r.organization_id,
        organization_name: r.organization_name,
        origin: r.origin,
        occupations,
    }
}

/// A framework by code.
pub async fn find_framework(db: &Db, code: &str) -> Result<Option<Framework>> {
    let row: Option<FrameworkRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "{FRAMEWORK_SELECT} WHERE f.code = $1"
    )))
    .bind(code)
    .fetch_optional(p)
    .await)?;
    match row {
        Some(r) => {
            let occ = occupations_of(OccupationsSource::Db(db), r.id).await?;
            Ok(Some(framework_of(r, occ)))
        }
        None => Ok(None),
    }
}

/// A framework by code, read inside a transaction after taking its write lock, so that two
/// services changing one framework at once run one after the other.
pub async fn lock_framework(tx: &mut Tx, code: &str) -> Result<Option<Framework>> {
    match tx.backend() {
        Backend::Postgres => {
            on_tx!(tx, c => sqlx::query("SELECT id FROM frameworks WHERE code = $1 FOR UPDATE")
                .bind(code)
                .fetch_optional(c)
                .await
                .map(|r| r.is_some()))?;
        }
        Backend::Sqlite => {
            // A write first takes SQLite's write lock for the whole transaction.
            on_tx!(tx, c => sqlx::query("UPDATE frameworks SET updated_at = updated_at WHERE code = $1")
                .bind(code)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
    }
    let row: Option<FrameworkRow> = on_tx!(tx, c => sqlx::query_as(AssertSqlSafe(format!(
        "{FRAMEWORK_SELECT} WHERE f.code = $1"
    )))
    .bind(code)
    .fetch_optional(c)
    .await)?;
    match row {
        Some(r) => {
            let id = r.id;
            let occ = occupations_of(OccupationsSource::Tx(tx), id).await?;
            Ok(Some(framework_of(r, occ)))
        }
        None => Ok(None),
    }
}

/// Frameworks an organization owns, by title.
pub async fn frameworks_of_organization(db: &Db, org: Uuid) -> Result<Vec<Framework>> {
    let rows: Vec<FrameworkRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "{FRAMEWORK_SELECT} WHERE f.organization_id = $1 ORDER BY f.title, f.code"
    )))
    .bind(org)
    .fetch_all(p)
    .await)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let occ = occupations_of(OccupationsSource::Db(db), r.id).await?;
        out.push(framework_of(r, occ));
    }
    Ok(out)
}

/// Every version of a framework, read inside a transaction.
pub async fn versions_in(tx: &mut Tx, framework_id: Uuid) -> Result<Vec<VersionSummary>> {
    let rows: Vec<VersionRow> = on_tx!(tx, c => sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {VERSION_COLS} FROM {VERSION_FROM} WHERE v.framework_id = $1"
    )))
    .bind(framework_id)
    .fetch_all(c)
    .await)?;
    let mut out = rows.iter().map(summary_of).collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|v| std::cmp::Reverse(v.label));
    Ok(out)
}

/// What a new framework row holds.
#[derive(Debug, Clone)]
pub struct FrameworkInsert {
    /// Id.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Owner.
    pub organization_id: Uuid,
    /// How it came to be.
    pub origin: &'static str,
}

/// Adds a framework; a code already in use is a conflict naming the code.
pub async fn insert_framework(tx: &mut Tx, f: &FrameworkInsert) -> Result<()> {
    let now = Ts::now();
    let r = on_tx!(tx, c => sqlx::query(
        "INSERT INTO frameworks (id, code, title, created_at, updated_at, organization_id, origin, description)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
    )
    .bind(f.id)
    .bind(&f.code)
    .bind(&f.title)
    .bind(now)
    .bind(f.organization_id)
    .bind(f.origin)
    .bind(&f.description)
    .execute(c)
    .await
    .map(|r| r.rows_affected()));
    match r {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Err(Error::invalid(
            "code",
            format!("a framework with the code {:?} exists already", f.code),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Changes a framework's title and description.
pub async fn update_framework(tx: &mut Tx, id: Uuid, title: &str, description: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE frameworks SET title = $1, description = $2, updated_at = $3 WHERE id = $4"
    )
    .bind(title)
    .bind(description)
    .bind(Ts::now())
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Replaces the occupations a framework relates to.
pub async fn set_occupations(tx: &mut Tx, id: Uuid, codes: &[String]) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM framework_occupations WHERE framework_id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    for (i, code) in codes.iter().enumerate() {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO framework_occupations (framework_id, occupation_code, ord) VALUES ($1, $2, $3)"
        )
        .bind(id)
        .bind(code)
        .bind(i as i64 + 1)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Which of `codes` are occupations in the catalog.
pub async fn known_occupations(db: &Db, codes: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for code in codes {
        let n: i64 = on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM occupations WHERE code = $1")
            .bind(code)
            .fetch_one(p)
            .await)?;
        if n > 0 {
            out.push(code.clone());
        }
    }
    Ok(out)
}

/// What a new version row holds besides its statements.
#[derive(Debug, Clone)]
pub struct VersionInsert {
    /// Id.
    pub id: Uuid,
    /// The framework.
    pub framework_id: Uuid,
    /// The framework's code.
    pub code: String,
    /// Label.
    pub label: VersionLabel,
    /// Status.
    pub status: Status,
    /// Title shown on the version.
    pub title: String,
    /// Job Zone (drafted frameworks).
    pub job_zone: Option<i64>,
    /// O*NET release it rests on, if any.
    pub onet_release: String,
    /// Evidence pack JSON (drafted frameworks; `{}` otherwise).
    pub evidence: String,
    /// Gaps JSON.
    pub gaps: String,
    /// Source keys JSON.
    pub source_keys: String,
    /// Who made it (an editor), if not the drafter.
    pub edited_by: Option<Uuid>,
    /// The version it was copied from.
    pub based_on: Option<Uuid>,
}

/// Adds a version with its content.
pub async fn insert_version(
    tx: &mut Tx,
    v: &VersionInsert,
    content: &EditableVersion,
) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let edited_at = v.edited_by.map(|_| now);
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO framework_versions (id, framework_id, code, label, status, title, job_zone, onet_release, context, url, evidence, gaps, source_keys, statement_count, drafted_at, updated_at, edited_at, edited_by, based_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $18)",
    )
    .bind(v.id)
    .bind(v.framework_id)
    .bind(&v.code)
    .bind(v.label.to_string())
    .bind(v.status.as_str())
    .bind(&v.title)
    .bind(v.job_zone)
    .bind(&v.onet_release)
    .bind(&content.context)
    .bind(nsx_core::frameworks::version_path(&v.code, &v.label))
    .bind(&v.evidence)
    .bind(&v.gaps)
    .bind(&v.source_keys)
    .bind(content.statements.len() as i64)
    .bind(now)
    .bind(edited_at)
    .bind(v.edited_by)
    .bind(v.based_on)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    write_statements(tx, v.id, &content.statements).await
}

async fn write_statements(
    tx: &mut Tx,
    version: Uuid,
    statements: &[EditableStatement],
) -> Result<()> {
    let mut srows = Vec::with_capacity(statements.len());
    let mut crows = Vec::new();
    for s in statements {
        let sid = statement_id(version, s.item_id);
        let st = &s.statement;
        srows.push(vec![
            B::Id(sid),
            B::Id(version),
            B::Id(s.item_id),
            B::Text(st.section.as_str().into()),
            B::OptText(st.domain.map(|d| d.as_str().to_string())),
            B::Text(st.level.as_str().into()),
            B::Int(i64::from(st.order)),
            B::Text(st.subject.clone()),
            B::Text(st.performance.clone()),
        ]);
        for (i, c) in st.citations.iter().enumerate() {
            let (kind, task_id, element_id, scale, cc, r) = locator_cols(&c.locator);
            crows.push(vec![
                B::Id(sid),
                B::Id(version),
                B::Int(i as i64 + 1),
                B::Text(c.source.clone()),
                B::Text(c.release.clone()),
                B::Text(kind),
                B::OptInt(task_id),
                B::OptText(element_id),
                B::OptText(scale),
                B::OptInt(cc),
                B::OptText(r),
                B::Text(c.text.clone()),
                B::OptReal(c.value),
            ]);
        }
    }
    insert_rows(
        tx,
        "statements",
        &[
            "id",
            "version_id",
            "item_id",
            "section",
            "domain",
            "level",
            "ord",
            "subject",
            "performance",
        ],
        "",
        srows,
    )
    .await?;
    insert_rows(
        tx,
        "citations",
        &[
            "statement_id",
            "version_id",
            "ord",
            "source",
            "release",
            "kind",
            "task_id",
            "element_id",
            "scale",
            "commodity_code",
            "ref",
            "cited_text",
            "value",
        ],
        "",
        crows,
    )
    .await?;
    Ok(())
}

/// Replaces a draft's context and statements. Only a version still in draft status is
/// changed; anything else is a conflict (the check and the write are one statement).
pub async fn replace_content(
    tx: &mut Tx,
    version: Uuid,
    content: &EditableVersion,
    editor: Option<Uuid>,
) -> Result<()> {
    let now = Ts::now();
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE framework_versions SET context = $1, statement_count = $2, edited_at = $3, edited_by = $4, updated_at = $3
         WHERE id = $5 AND status = 'draft'"
    )
    .bind(&content.context)
    .bind(content.statements.len() as i64)
    .bind(now)
    .bind(editor)
    .bind(version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Err(Error::Conflict(
            "only a draft can be edited; this version is no longer a draft".into(),
        ));
    }
    for table in ["citations", "statements"] {
        on_tx!(tx, c => sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE version_id = $1")))
            .bind(version)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    write_statements(tx, version, &content.statements).await
}

/// Moves a version from one status to another (checked in the same statement), with its
/// label and publication time.
pub async fn set_status(
    tx: &mut Tx,
    version: Uuid,
    from: Status,
    to: Status,
    label: &VersionLabel,
    former_label: Option<&VersionLabel>,
    code: &str,
) -> Result<()> {
    let now = Ts::now();
    let published = (to == Status::Published).then_some(now);
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE framework_versions SET status = $1, label = $2, url = $3, updated_at = $4,
             published_at = COALESCE($5, published_at),
             former_label = COALESCE($6, former_label)
         WHERE id = $7 AND status = $8"
    )
    .bind(to.as_str())
    .bind(label.to_string())
    .bind(nsx_core::frameworks::version_path(code, label))
    .bind(now)
    .bind(published)
    .bind(former_label.map(|l| l.to_string()))
    .bind(version)
    .bind(from.as_str())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Err(Error::Conflict(format!(
            "the version is no longer {}; reload and try again",
            from.label().to_lowercase()
        )));
    }
    Ok(())
}

/// The statements of a version as editable content, read inside a transaction.
pub async fn content_in(tx: &mut Tx, version: Uuid, context: String) -> Result<EditableVersion> {
    // Reuse the shared reader through a short read on the same transaction's backend.
    let rows: Vec<super::store::StatementRow> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id, version_id, item_id, section, domain, level, ord, subject, performance FROM statements WHERE version_id = $1"
    )
    .bind(version)
    .fetch_all(c)
    .await)?;
    let cites: Vec<super::store::CitationRow> = on_tx!(tx, c => sqlx::query_as(
        "SELECT statement_id, ord, source, release, kind, task_id, element_id, scale, commodity_code, ref, cited_text, value FROM citations WHERE version_id = $1"
    )
    .bind(version)
    .fetch_all(c)
    .await)?;
    let views = super::store::assemble_statements(rows, cites)?;
    let mut v = EditableVersion {
        context,
        statements: views
            .into_values()
            .flatten()
            .map(|s| EditableStatement {
                item_id: s.item_id,
                statement: s.statement,
            })
            .collect(),
    };
    v.normalize();
    Ok(v)
}

/// The context paragraph of a version, read inside a transaction.
pub async fn context_in(tx: &mut Tx, version: Uuid) -> Result<String> {
    Ok(
        on_tx!(tx, c => sqlx::query_scalar("SELECT context FROM framework_versions WHERE id = $1")
        .bind(version)
        .fetch_one(c)
        .await)?,
    )
}

/// The evidence, gaps and sources of a version (copied along with its content).
pub async fn extras_in(
    tx: &mut Tx,
    version: Uuid,
) -> Result<(Option<i64>, String, String, String, String)> {
    Ok(on_tx!(tx, c => sqlx::query_as(
        "SELECT job_zone, onet_release, evidence, gaps, source_keys FROM framework_versions WHERE id = $1"
    )
    .bind(version)
    .fetch_one(c)
    .await)?)
}

/// The text of an O*NET row a citation points at, if the catalog holds it.
pub async fn cited_text(
    db: &Db,
    source: &str,
    release: &str,
    locator: &nsx_core::frameworks::Locator,
) -> Result<Option<String>> {
    use nsx_core::frameworks::Locator;
    if source != "onet" {
        return Ok(None);
    }
    Ok(match locator {
        Locator::Task { task_id } => on_db!(db, p => sqlx::query_scalar(
            "SELECT task FROM onet_tasks WHERE task_id = $1 AND release = $2 LIMIT 1"
        )
        .bind(*task_id)
        .bind(release)
        .fetch_optional(p)
        .await)?,
        Locator::Element { element_id, .. } => on_db!(db, p => sqlx::query_scalar(
            "SELECT element_name FROM onet_content_model WHERE element_id = $1 AND release = $2 LIMIT 1"
        )
        .bind(element_id)
        .bind(release)
        .fetch_optional(p)
        .await)?,
        _ => None,
    })
}
