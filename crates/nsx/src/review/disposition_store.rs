//! The queries of dispositions: the comments a closed call received (copied once into
//! `review_comments`), their dispositions and the reviewers' verdicts, and the conclusion
//! and published revision of a call. Writes take the caller's transaction; the rules live
//! in [`super::dispositions`].

use nsx_core::ids::CallId;
use nsx_core::review::dispositions::{Decided, Verdict};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, Ts, Tx};
use crate::error::Result;
use crate::{on_db, on_tx};

/// One comment as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentRow {
    /// Its id.
    pub id: Uuid,
    /// Its number in the call (1, 2, …), the order of the public report.
    pub seq: i64,
    /// `statement`, `proposal` or `general`.
    pub kind: String,
    /// The reviewer (never shown outside the owner's editors and the reviewer).
    pub user_id: Uuid,
    /// The statement commented on (statement comments).
    pub statement_id: Option<Uuid>,
    /// The comment type (statement comments) or `section/level` (proposals).
    pub comment_type: Option<String>,
    /// The comment, the proposed statement or the general comment.
    pub text: String,
    /// The suggested rewrite (statement comments) or the rationale (proposals).
    pub rewrite: String,
    /// The reviewer's stakeholder type when they joined.
    pub stakeholder_type: String,
    /// Their NAICS sector.
    pub sector: Option<String>,
    /// The disposition, once given.
    pub disposition: Option<String>,
    /// Its reason.
    pub reason: String,
    /// The original, for a duplicate.
    pub duplicate_of: Option<Uuid>,
    /// The version holding the edit the comment motivated.
    pub edit_version_id: Option<Uuid>,
    /// The statement (item id) of that version.
    pub edit_item_id: Option<Uuid>,
    /// When the disposition was given.
    pub decided_at: Option<OffsetDateTime>,
    /// The reviewer's verdict on the response.
    pub verdict: Option<String>,
    /// What they added.
    pub verdict_note: String,
}

const COLS: &str = "id, seq, kind, user_id, statement_id, comment_type, text, rewrite, stakeholder_type,
    sector, disposition, reason, duplicate_of, edit_version_id, edit_item_id, decided_at, verdict, verdict_note";

/// A comment of a call (candidates read in the closing transaction).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Candidate {
    /// `statement`, `proposal` or `general`.
    pub kind: String,
    /// The reviewer.
    pub user_id: Uuid,
    /// The statement, proposal id, or nil for a general comment.
    pub ref_id: Uuid,
    /// Comment type or placement.
    pub comment_type: Option<String>,
    /// Text.
    pub text: String,
    /// Rewrite or rationale.
    pub rewrite: String,
    /// Stakeholder type.
    pub stakeholder_type: String,
    /// Sector.
    pub sector: Option<String>,
    /// When it was first saved.
    pub created_at: OffsetDateTime,
}

/// Every comment, rewrite, proposal and general comment of the reviewers still taking part.
pub async fn candidates(tx: &mut Tx, call: CallId) -> Result<Vec<Candidate>> {
    let mut out: Vec<Candidate> = on_tx!(tx, c => sqlx::query_as(
        "SELECT 'statement' AS kind, r.user_id, r.statement_id AS ref_id, r.comment_type, r.comment AS text,
                r.rewrite, pa.stakeholder_type, pa.sector, r.created_at
         FROM review_responses r
         JOIN review_participants pa ON pa.call_id = r.call_id AND pa.user_id = r.user_id AND pa.left_at IS NULL
         WHERE r.call_id = $1 AND (r.comment <> '' OR r.rewrite <> '')"
    )
    .bind(call.0)
    .fetch_all(c)
    .await)?;
    let proposals: Vec<Candidate> = on_tx!(tx, c => sqlx::query_as(
        "SELECT 'proposal' AS kind, p.user_id, p.id AS ref_id, p.section || '/' || p.level AS comment_type,
                p.text, p.rationale AS rewrite, pa.stakeholder_type, pa.sector, p.created_at
         FROM review_proposals p
         JOIN review_participants pa ON pa.call_id = p.call_id AND pa.user_id = p.user_id AND pa.left_at IS NULL
         WHERE p.call_id = $1 ORDER BY p.created_at"
    )
    .bind(call.0)
    .fetch_all(c)
    .await)?;
    let general: Vec<(Uuid, String, String, Option<String>, OffsetDateTime)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT g.user_id, g.comment, pa.stakeholder_type, pa.sector, g.updated_at
         FROM review_general g
         JOIN review_participants pa ON pa.call_id = g.call_id AND pa.user_id = g.user_id AND pa.left_at IS NULL
         WHERE g.call_id = $1 ORDER BY g.updated_at"
    )
    .bind(call.0)
    .fetch_all(c)
    .await)?;
    out.extend(proposals);
    out.extend(
        general
            .into_iter()
            .map(
                |(user_id, text, stakeholder_type, sector, created_at)| Candidate {
                    kind: "general".into(),
                    user_id,
                    ref_id: Uuid::nil(),
                    comment_type: None,
                    text,
                    rewrite: String::new(),
                    stakeholder_type,
                    sector,
                    created_at,
                },
            ),
    );
    Ok(out)
}

/// The keys of the comments copied already, with the highest number given.
pub async fn copied(tx: &mut Tx, call: CallId) -> Result<(Vec<(String, Uuid, Uuid)>, i64)> {
    let keys: Vec<(String, Uuid, Uuid)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT kind, user_id, ref_id FROM review_comments WHERE call_id = $1"
    )
    .bind(call.0)
    .fetch_all(c)
    .await)?;
    let max: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "SELECT MAX(seq) FROM review_comments WHERE call_id = $1"
    )
    .bind(call.0)
    .fetch_one(c)
    .await)?;
    Ok((keys, max.unwrap_or(0)))
}

/// Copies one comment.
pub async fn insert(tx: &mut Tx, call: CallId, seq: i64, c: &Candidate) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let statement = (c.kind == "statement").then_some(c.ref_id);
    on_tx!(tx, t => sqlx::query(
        "INSERT INTO review_comments (id, call_id, seq, kind, user_id, ref_id, statement_id, comment_type,
            text, rewrite, stakeholder_type, sector, reason, verdict_note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '', '', $13)"
    )
    .bind(id)
    .bind(call.0)
    .bind(seq)
    .bind(&c.kind)
    .bind(c.user_id)
    .bind(c.ref_id)
    .bind(statement)
    .bind(&c.comment_type)
    .bind(&c.text)
    .bind(&c.rewrite)
    .bind(&c.stakeholder_type)
    .bind(&c.sector)
    .bind(Ts(c.created_at))
    .execute(t)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(id)
}

/// The comments of a call (of one reviewer, or all), in order.
pub async fn comments(db: &Db, call: CallId, user: Option<Uuid>) -> Result<Vec<CommentRow>> {
    Ok(on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM review_comments WHERE call_id = $1 AND ($2 IS NULL OR user_id = $2) ORDER BY seq"
    )))
    .bind(call.0)
    .bind(user)
    .fetch_all(p)
    .await)?)
}

/// The comments of a call, read in a writer's transaction.
pub async fn comments_in(tx: &mut Tx, call: CallId) -> Result<Vec<CommentRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM review_comments WHERE call_id = $1 ORDER BY seq"
    )))
    .bind(call.0)
    .fetch_all(c)
    .await)?)
}

/// Records a disposition (and the edit it motivated).
pub async fn set_disposition(
    tx: &mut Tx,
    id: Uuid,
    d: &Decided,
    edit: Option<(Uuid, Uuid)>,
    by: Option<Uuid>,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE review_comments SET disposition = $1, reason = $2, duplicate_of = $3, edit_version_id = $4,
             edit_item_id = $5, decided_by = $6, decided_at = $7
         WHERE id = $8"
    )
    .bind(d.disposition.as_str())
    .bind(&d.reason)
    .bind(d.duplicate_of)
    .bind(edit.map(|e| e.0))
    .bind(edit.map(|e| e.1))
    .bind(by)
    .bind(Ts::now())
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records a reviewer's verdict on the response to one of their comments; false when the
/// comment is not theirs.
pub async fn set_verdict(
    tx: &mut Tx,
    call: CallId,
    user: Uuid,
    id: Uuid,
    verdict: Verdict,
    note: &str,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE review_comments SET verdict = $1, verdict_note = $2, verdict_at = $3
         WHERE id = $4 AND call_id = $5 AND user_id = $6"
    )
    .bind(verdict.as_str())
    .bind(note)
    .bind(Ts::now())
    .bind(id)
    .bind(call.0)
    .bind(user)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Where a call stands after its close.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Conclusion {
    /// When its dispositions were published.
    pub concluded_at: Option<OffsetDateTime>,
    /// The published revision.
    pub revision_version_id: Option<Uuid>,
    /// When it was published.
    pub revision_published_at: Option<OffsetDateTime>,
    /// The consultation's summary (JSON).
    pub summary: Option<String>,
}

const CONCLUSION: &str = "SELECT concluded_at, revision_version_id, revision_published_at, summary FROM review_calls WHERE id = $1";

/// A call's conclusion.
pub async fn conclusion(db: &Db, call: CallId) -> Result<Conclusion> {
    let c: Option<Conclusion> = on_db!(db, p => sqlx::query_as(CONCLUSION)
        .bind(call.0)
        .fetch_optional(p)
        .await)?;
    Ok(c.unwrap_or_default())
}

/// A call's conclusion, read in a writer's transaction.
pub async fn conclusion_in(tx: &mut Tx, call: CallId) -> Result<Conclusion> {
    let c: Option<Conclusion> = on_tx!(tx, t => sqlx::query_as(CONCLUSION)
        .bind(call.0)
        .fetch_optional(t)
        .await)?;
    Ok(c.unwrap_or_default())
}

/// Marks a call concluded (its dispositions published).
pub async fn set_concluded(tx: &mut Tx, call: CallId, by: Option<Uuid>) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE review_calls SET concluded_at = $1, concluded_by = $2 WHERE id = $3 AND concluded_at IS NULL"
    )
    .bind(Ts::now())
    .bind(by)
    .bind(call.0)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records the published revision and the consultation's summary.
pub async fn set_revision(tx: &mut Tx, call: CallId, version: Uuid, summary: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE review_calls SET revision_version_id = $1, revision_published_at = $2, summary = $3 WHERE id = $4"
    )
    .bind(version)
    .bind(Ts::now())
    .bind(summary)
    .bind(call.0)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The call whose published revision a version is, with the consultation's summary.
pub async fn call_of_revision(db: &Db, version: Uuid) -> Result<Option<(Uuid, String)>> {
    Ok(on_db!(db, p => sqlx::query_as(
        "SELECT id, summary FROM review_calls WHERE revision_version_id = $1 AND summary IS NOT NULL"
    )
    .bind(version)
    .fetch_optional(p)
    .await)?)
}
