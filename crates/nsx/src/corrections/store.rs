//! The queries of correction suggestions. Writes take the caller's transaction; the rules
//! live in [`super::service`].

use nsx_core::corrections::{CorrectionStatus, SourceRow, SuggestionText};
use nsx_core::frameworks::Locator;
use nsx_core::ids::CorrectionId;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Correction, Suggester};
use crate::db::{Backend, Db, Ts, Tx};
use crate::error::{Error, Result};
use crate::paging::PageRequest;
use crate::{on_db, on_tx};

/// A new suggestion as stored.
pub struct CorrectionInsert<'a> {
    /// Its id.
    pub id: CorrectionId,
    /// The framework it was made on.
    pub framework_id: Uuid,
    /// The version it was made on.
    pub version_id: Uuid,
    /// The statement, when it was made on one.
    pub statement_id: Option<Uuid>,
    /// Which of the statement's citations (0-based).
    pub citation_ord: Option<i64>,
    /// The source row.
    pub row: &'a SourceRow,
    /// What the suggester wrote.
    pub text: &'a SuggestionText,
    /// Who suggested it.
    pub suggester: &'a Suggester,
    /// The grouping key ([`nsx_core::corrections::change_key`]).
    pub change_key: Uuid,
    /// The client address it came from.
    pub client_ip: Option<&'a str>,
    /// When.
    pub created_at: OffsetDateTime,
}

/// Stores a new suggestion.
pub async fn insert(tx: &mut Tx, c: &CorrectionInsert<'_>) -> Result<()> {
    let locator = serde_json::to_string(&c.row.locator)
        .map_err(|e| Error::Internal(format!("locator: {e}")))?;
    on_tx!(tx, t => sqlx::query(
        "INSERT INTO corrections (id, framework_id, version_id, statement_id, citation_ord, occupation_code,
            source, release, file, locator, current_value, problem, proposed_value, evidence,
            suggester_id, suggester_email, suggester_name, status, reason, triaged_by, triaged_at,
            created_at, change_key, client_ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
            NULL, NULL, NULL, $19, $20, $21)",
    )
    .bind(c.id.0)
    .bind(c.framework_id)
    .bind(c.version_id)
    .bind(c.statement_id)
    .bind(c.citation_ord)
    .bind(&c.row.occupation_code)
    .bind(&c.row.source)
    .bind(&c.row.release)
    .bind(&c.row.file)
    .bind(&locator)
    .bind(&c.row.current_value)
    .bind(&c.text.problem)
    .bind(&c.text.proposed_value)
    .bind(&c.text.evidence)
    .bind(c.suggester.user_id)
    .bind(&c.suggester.email)
    .bind(&c.suggester.name)
    .bind(CorrectionStatus::Open.as_str())
    .bind(Ts(c.created_at))
    .bind(c.change_key.to_string())
    .bind(c.client_ip)
    .execute(t)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A suggestion as read back, with its framework and version.
#[derive(sqlx::FromRow)]
struct CorrectionRow {
    id: Uuid,
    framework_id: Uuid,
    framework_code: String,
    framework_title: String,
    organization_id: Option<Uuid>,
    version_id: Option<Uuid>,
    version_label: Option<String>,
    statement_id: Option<Uuid>,
    citation_ord: Option<i64>,
    occupation_code: Option<String>,
    source: String,
    release: String,
    file: String,
    locator: String,
    current_value: String,
    problem: String,
    proposed_value: String,
    evidence: String,
    suggester_id: Option<Uuid>,
    suggester_email: String,
    suggester_name: String,
    status: String,
    reason: Option<String>,
    triaged_by: Option<Uuid>,
    triaged_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    change_key: String,
}

const SELECT: &str =
    "SELECT c.id, c.framework_id, f.code AS framework_code, f.title AS framework_title,
        f.organization_id, c.version_id, v.label AS version_label, c.statement_id, c.citation_ord,
        c.occupation_code, c.source, c.release, c.file, c.locator, c.current_value, c.problem,
        c.proposed_value, c.evidence, c.suggester_id, c.suggester_email, c.suggester_name,
        c.status, c.reason, c.triaged_by, c.triaged_at, c.created_at, c.change_key
     FROM corrections c
     JOIN frameworks f ON f.id = c.framework_id
     LEFT JOIN framework_versions v ON v.id = c.version_id";

impl TryFrom<CorrectionRow> for Correction {
    type Error = Error;
    fn try_from(r: CorrectionRow) -> Result<Correction> {
        let locator: Locator = serde_json::from_str(&r.locator)
            .map_err(|e| Error::Internal(format!("correction {}: stored locator: {e}", r.id)))?;
        let status = r.status.parse::<CorrectionStatus>().map_err(|e| {
            Error::Internal(format!("correction {}: stored status: {}", r.id, e.message))
        })?;
        Ok(Correction {
            id: CorrectionId(r.id),
            framework_id: r.framework_id,
            framework_code: r.framework_code,
            framework_title: r.framework_title,
            organization_id: r.organization_id,
            version_id: r.version_id,
            version_label: r.version_label,
            statement_id: r.statement_id,
            citation_ord: r.citation_ord,
            row: SourceRow {
                occupation_code: r.occupation_code,
                source: r.source,
                release: r.release,
                file: r.file,
                locator,
                current_value: r.current_value,
            },
            text: SuggestionText {
                problem: r.problem,
                proposed_value: r.proposed_value,
                evidence: r.evidence,
            },
            suggester: Suggester {
                user_id: r.suggester_id,
                email: r.suggester_email,
                name: r.suggester_name,
            },
            status,
            reason: r.reason,
            triaged_by: r.triaged_by,
            triaged_at: r.triaged_at,
            created_at: r.created_at,
            change_key: r.change_key,
        })
    }
}

fn convert(rows: Vec<CorrectionRow>) -> Result<Vec<Correction>> {
    rows.into_iter().map(Correction::try_from).collect()
}

/// One suggestion by id.
pub async fn find(db: &Db, id: CorrectionId) -> Result<Option<Correction>> {
    let row: Option<CorrectionRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "{SELECT} WHERE c.id = $1"
    )))
    .bind(id.0)
    .fetch_optional(p)
    .await)?;
    row.map(Correction::try_from).transpose()
}

/// One suggestion by id inside a transaction, holding its write lock until the end of the
/// transaction (so two editors deciding at once go one after the other).
pub async fn lock(tx: &mut Tx, id: CorrectionId) -> Result<Option<Correction>> {
    if tx.backend() == Backend::Sqlite {
        // A write takes SQLite's one write lock for the rest of the transaction.
        on_tx!(tx, t => sqlx::query("UPDATE corrections SET status = status WHERE id = $1")
            .bind(id.0)
            .execute(t)
            .await
            .map(|r| r.rows_affected()))?;
    }
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE OF c",
        Backend::Sqlite => "",
    };
    let row: Option<CorrectionRow> = on_tx!(tx, t => sqlx::query_as(AssertSqlSafe(format!(
        "{SELECT} WHERE c.id = $1{lock}"
    )))
    .bind(id.0)
    .fetch_optional(t)
    .await)?;
    row.map(Correction::try_from).transpose()
}

/// The open suggestions proposing one change about frameworks of one owner (or of no
/// owner), oldest first: the group a decision applies to.
pub async fn open_group(
    tx: &mut Tx,
    change_key: &str,
    owner: Option<Uuid>,
) -> Result<Vec<Correction>> {
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE OF c",
        Backend::Sqlite => "",
    };
    let rows: Vec<CorrectionRow> = on_tx!(tx, t => sqlx::query_as(AssertSqlSafe(format!(
        "{SELECT} WHERE c.change_key = $1 AND c.status = 'open'
            AND (f.organization_id = $2 OR ($2 IS NULL AND f.organization_id IS NULL))
         ORDER BY c.created_at, c.id{lock}"
    )))
    .bind(change_key)
    .bind(owner)
    .fetch_all(t)
    .await)?;
    convert(rows)
}

/// Records a decision on open suggestions; returns how many changed.
pub async fn decide(
    tx: &mut Tx,
    ids: &[Uuid],
    status: CorrectionStatus,
    reason: Option<&str>,
    by: Option<Uuid>,
    at: OffsetDateTime,
) -> Result<u64> {
    let mut n = 0;
    for id in ids {
        n += on_tx!(tx, t => sqlx::query(
            "UPDATE corrections SET status = $1, reason = $2, triaged_by = $3, triaged_at = $4
             WHERE id = $5 AND status = 'open'",
        )
        .bind(status.as_str())
        .bind(reason)
        .bind(by)
        .bind(Ts(at))
        .bind(id)
        .execute(t)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(n)
}

/// Whether this e-mail address already has an open suggestion of this change.
pub async fn open_duplicate(tx: &mut Tx, email: &str, change_key: &str) -> Result<bool> {
    let n: i64 = on_tx!(tx, t => sqlx::query_scalar(
        "SELECT COUNT(*) FROM corrections WHERE suggester_email = $1 AND change_key = $2 AND status = 'open'"
    )
    .bind(email)
    .bind(change_key)
    .fetch_one(t)
    .await)?;
    Ok(n > 0)
}

/// Suggestions made since a moment by one e-mail address.
pub async fn count_by_email_since(tx: &mut Tx, email: &str, since: OffsetDateTime) -> Result<i64> {
    Ok(on_tx!(tx, t => sqlx::query_scalar(
        "SELECT COUNT(*) FROM corrections WHERE suggester_email = $1 AND created_at > $2"
    )
    .bind(email)
    .bind(Ts(since))
    .fetch_one(t)
    .await)?)
}

/// Suggestions made since a moment from one client address.
pub async fn count_by_client_since(tx: &mut Tx, ip: &str, since: OffsetDateTime) -> Result<i64> {
    Ok(on_tx!(tx, t => sqlx::query_scalar(
        "SELECT COUNT(*) FROM corrections WHERE client_ip = $1 AND created_at > $2"
    )
    .bind(ip)
    .bind(Ts(since))
    .fetch_one(t)
    .await)?)
}

/// Forgets the client addresses of suggestions made before a moment (they serve only the
/// hourly limit).
pub async fn forget_clients_before(tx: &mut Tx, before: OffsetDateTime) -> Result<u64> {
    Ok(on_tx!(tx, t => sqlx::query(
        "UPDATE corrections SET client_ip = NULL WHERE client_ip IS NOT NULL AND created_at < $1"
    )
    .bind(Ts(before))
    .execute(t)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Which suggestions a queue shows.
#[derive(Debug, Clone, Default)]
pub struct QueueScope {
    /// Only this status (`None`: every status).
    pub status: Option<CorrectionStatus>,
    /// Only suggestions about this framework (by id).
    pub framework_id: Option<Uuid>,
    /// Only frameworks of this organization (`None`: every framework, for administrators).
    pub organization_id: Option<Uuid>,
}

const QUEUE_WHERE: &str = "($1 IS NULL OR c.status = $1) AND ($2 IS NULL OR c.framework_id = $2)
     AND ($3 IS NULL OR f.organization_id = $3)";

/// One group of the queue: suggestions proposing the same change.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupHead {
    /// The change key.
    pub change_key: String,
    /// Suggestions in the group.
    pub suggestions: i64,
    /// Distinct suggesters (by e-mail address).
    pub suggesters: i64,
}

/// How many groups a queue holds.
pub async fn count_groups(db: &Db, s: &QueueScope) -> Result<i64> {
    Ok(on_db!(db, p => sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT COUNT(DISTINCT c.change_key) FROM corrections c JOIN frameworks f ON f.id = c.framework_id
         WHERE {QUEUE_WHERE}"
    )))
    .bind(s.status.map(|x| x.as_str()))
    .bind(s.framework_id)
    .bind(s.organization_id)
    .fetch_one(p)
    .await)?)
}

/// One page of a queue's groups, those with the most suggesters first, then the oldest.
pub async fn group_heads(
    db: &Db,
    s: &QueueScope,
    page: Option<PageRequest>,
) -> Result<Vec<GroupHead>> {
    let (limit, offset) = match page {
        Some(p) => (p.limit, p.offset),
        None => (i64::MAX, 0),
    };
    Ok(on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "SELECT c.change_key, COUNT(*) AS suggestions, COUNT(DISTINCT c.suggester_email) AS suggesters
         FROM corrections c JOIN frameworks f ON f.id = c.framework_id
         WHERE {QUEUE_WHERE}
         GROUP BY c.change_key
         ORDER BY COUNT(DISTINCT c.suggester_email) DESC, MIN(c.created_at), c.change_key
         LIMIT $4 OFFSET $5"
    )))
    .bind(s.status.map(|x| x.as_str()))
    .bind(s.framework_id)
    .bind(s.organization_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(p)
    .await)?)
}

/// The suggestions of some groups (within the queue's scope), oldest first.
pub async fn in_groups(db: &Db, s: &QueueScope, keys: &[String]) -> Result<Vec<Correction>> {
    let mut out = Vec::new();
    // A bounded number of keys per query keeps within every backend's parameter limit.
    for chunk in keys.chunks(200) {
        let placeholders = (0..chunk.len())
            .map(|i| format!("${}", i + 4))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "{SELECT} WHERE {QUEUE_WHERE} AND c.change_key IN ({placeholders})
             ORDER BY c.created_at, c.id"
        );
        let rows: Vec<CorrectionRow> = on_db!(db, p => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.clone()))
                .bind(s.status.map(|x| x.as_str()))
                .bind(s.framework_id)
                .bind(s.organization_id);
            for k in chunk {
                q = q.bind(k.clone());
            }
            q.fetch_all(p).await
        })?;
        out.extend(convert(rows)?);
    }
    Ok(out)
}

/// One user's suggestions, newest first, one page at a time, with the total.
pub async fn by_suggester(
    db: &Db,
    user: Uuid,
    page: PageRequest,
) -> Result<(Vec<Correction>, i64)> {
    let total: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM corrections WHERE suggester_id = $1"
    )
    .bind(user)
    .fetch_one(p)
    .await)?;
    let rows: Vec<CorrectionRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "{SELECT} WHERE c.suggester_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2 OFFSET $3"
    )))
    .bind(user)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(p)
    .await)?;
    Ok((convert(rows)?, total))
}

/// The name of an organization.
pub async fn organization_name(tx: &mut Tx, id: Option<Uuid>) -> Result<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    Ok(
        on_tx!(tx, t => sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
        .bind(id)
        .fetch_optional(t)
        .await)?,
    )
}

/// Every suggestion (any status) of one change about frameworks of one owner, oldest first.
pub async fn same_change(
    db: &Db,
    change_key: &str,
    owner: Option<Uuid>,
) -> Result<Vec<Correction>> {
    let rows: Vec<CorrectionRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "{SELECT} WHERE c.change_key = $1
            AND (f.organization_id = $2 OR ($2 IS NULL AND f.organization_id IS NULL))
         ORDER BY c.created_at, c.id"
    )))
    .bind(change_key)
    .bind(owner)
    .fetch_all(p)
    .await)?;
    convert(rows)
}

/// A framework that has suggestions: its code and title.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FrameworkName {
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
}

/// The frameworks (of one organization, or all) that have suggestions, by code.
pub async fn frameworks_with_suggestions(db: &Db, org: Option<Uuid>) -> Result<Vec<FrameworkName>> {
    Ok(on_db!(db, p => sqlx::query_as(
        "SELECT DISTINCT f.code, f.title FROM corrections c JOIN frameworks f ON f.id = c.framework_id
         WHERE ($1 IS NULL OR f.organization_id = $1) ORDER BY f.code"
    )
    .bind(org)
    .fetch_all(p)
    .await)?)
}
