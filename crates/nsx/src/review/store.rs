//! The queries of calls for input. Writes take the caller's transaction; the rules live in
//! [`super::service`].

use std::collections::HashMap;

use nsx_core::ids::CallId;
use nsx_core::review::{
    AnswerValue, CallState, CommentType, Question, QuestionKind, StakeholderType, Stance,
    StatementResponse, Thresholds,
};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Call, Participant, Profile};
use crate::db::{Backend, Db, Ts, Tx};
use crate::error::{Error, Result};
use crate::{on_db, on_tx};

fn internal(what: &str) -> impl Fn(String) -> Error + '_ {
    move |e| Error::Internal(format!("stored {what}: {e}"))
}

/// A new call as stored.
pub struct CallInsert<'a> {
    /// Its id.
    pub id: CallId,
    /// The framework.
    pub framework_id: Uuid,
    /// The version under review.
    pub version_id: Uuid,
    /// The owner.
    pub organization_id: Option<Uuid>,
    /// Invitation text.
    pub invitation: &'a str,
    /// Contact name.
    pub contact_name: &'a str,
    /// Contact address.
    pub contact_email: &'a str,
    /// Invited stakeholder types.
    pub stakeholder_types: &'a [StakeholderType],
    /// Time zone name.
    pub time_zone: &'a str,
    /// Opening time.
    pub opens_at: OffsetDateTime,
    /// Closing time.
    pub closes_at: OffsetDateTime,
    /// The state it starts in.
    pub state: CallState,
    /// Thresholds.
    pub thresholds: Thresholds,
    /// Survey.
    pub questions: &'a [Question],
    /// Who opened it.
    pub created_by: Option<Uuid>,
}

/// Stores a new call and its questions.
pub async fn insert_call(tx: &mut Tx, c: &CallInsert<'_>) -> Result<()> {
    let types: Vec<&str> = c.stakeholder_types.iter().map(|t| t.as_str()).collect();
    let types = serde_json::to_string(&types).map_err(|e| Error::Internal(e.to_string()))?;
    let now = Ts::now();
    let opened = (c.state == CallState::Open).then_some(now);
    on_tx!(tx, t => sqlx::query(
        "INSERT INTO review_calls (id, framework_id, version_id, organization_id, invitation, contact_name,
            contact_email, stakeholder_types, time_zone, opens_at, closes_at, state, remove_share,
            change_share, importance_floor, min_group, created_by, created_at, opened_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(c.id.0)
    .bind(c.framework_id)
    .bind(c.version_id)
    .bind(c.organization_id)
    .bind(c.invitation)
    .bind(c.contact_name)
    .bind(c.contact_email)
    .bind(&types)
    .bind(c.time_zone)
    .bind(Ts(c.opens_at))
    .bind(Ts(c.closes_at))
    .bind(c.state.as_str())
    .bind(c.thresholds.remove_share)
    .bind(c.thresholds.change_share)
    .bind(c.thresholds.importance_floor)
    .bind(i64::from(c.thresholds.min_group))
    .bind(c.created_by)
    .bind(now)
    .bind(opened)
    .execute(t)
    .await
    .map(|r| r.rows_affected()))
    .map_err(Error::from)
    .map_err(|e| {
        if e.is_unique_violation() {
            Error::Conflict("this version already has a call for input".into())
        } else {
            e
        }
    })?;
    for (i, q) in c.questions.iter().enumerate() {
        let options =
            serde_json::to_string(&q.options).map_err(|e| Error::Internal(e.to_string()))?;
        on_tx!(tx, t => sqlx::query(
            "INSERT INTO review_questions (call_id, ord, prompt, kind, options, required) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(c.id.0)
        .bind(i as i64)
        .bind(&q.prompt)
        .bind(q.kind.as_str())
        .bind(&options)
        .bind(q.required)
        .execute(t)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CallRow {
    id: Uuid,
    framework_id: Uuid,
    framework_code: String,
    framework_title: String,
    organization_id: Option<Uuid>,
    organization_name: Option<String>,
    version_id: Uuid,
    version_label: String,
    invitation: String,
    contact_name: String,
    contact_email: String,
    stakeholder_types: String,
    time_zone: String,
    opens_at: OffsetDateTime,
    closes_at: OffsetDateTime,
    state: String,
    remove_share: f64,
    change_share: f64,
    importance_floor: f64,
    min_group: i64,
    created_at: OffsetDateTime,
}

const CALL_SELECT: &str = "SELECT c.id, c.framework_id, f.code AS framework_code, f.title AS framework_title,
        f.organization_id, o.name AS organization_name, c.version_id, v.label AS version_label,
        c.invitation, c.contact_name, c.contact_email, c.stakeholder_types, c.time_zone, c.opens_at,
        c.closes_at, c.state, c.remove_share, c.change_share, c.importance_floor, c.min_group, c.created_at
     FROM review_calls c
     JOIN frameworks f ON f.id = c.framework_id
     JOIN framework_versions v ON v.id = c.version_id
     LEFT JOIN organizations o ON o.id = f.organization_id";

#[derive(sqlx::FromRow)]
struct QuestionRow {
    call_id: Uuid,
    prompt: String,
    kind: String,
    options: String,
    required: bool,
}

fn call_of(r: CallRow, questions: Vec<Question>, occupations: Vec<String>) -> Result<Call> {
    let types: Vec<String> =
        serde_json::from_str(&r.stakeholder_types).map_err(|e| internal("types")(e.to_string()))?;
    let stakeholder_types = types
        .iter()
        .map(|t| t.parse::<StakeholderType>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(internal("stakeholder type"))?;
    Ok(Call {
        id: CallId(r.id),
        framework_id: r.framework_id,
        framework_code: r.framework_code,
        framework_title: r.framework_title,
        organization_id: r.organization_id,
        organization_name: r.organization_name,
        version_id: r.version_id,
        version_label: r.version_label,
        occupations,
        invitation: r.invitation,
        contact_name: r.contact_name,
        contact_email: r.contact_email,
        stakeholder_types,
        time_zone: r.time_zone,
        opens_at: r.opens_at,
        closes_at: r.closes_at,
        state: r.state.parse().map_err(internal("state"))?,
        thresholds: Thresholds {
            remove_share: r.remove_share,
            change_share: r.change_share,
            importance_floor: r.importance_floor,
            min_group: u32::try_from(r.min_group).unwrap_or(1),
        },
        questions,
        created_at: r.created_at,
    })
}

async fn assemble(db: &Db, rows: Vec<CallRow>) -> Result<Vec<Call>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let qrows: Vec<QuestionRow> = on_db!(db, p => sqlx::query_as(
        "SELECT call_id, prompt, kind, options, required FROM review_questions ORDER BY call_id, ord"
    )
    .fetch_all(p)
    .await)?;
    let mut questions: HashMap<Uuid, Vec<Question>> = HashMap::new();
    for q in qrows {
        let options: Vec<String> =
            serde_json::from_str(&q.options).map_err(|e| internal("options")(e.to_string()))?;
        let kind: QuestionKind = q.kind.parse().map_err(internal("question kind"))?;
        questions.entry(q.call_id).or_default().push(Question {
            prompt: q.prompt,
            kind,
            options,
            required: q.required,
        });
    }
    let occ: Vec<(Uuid, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT fo.framework_id, fo.occupation_code FROM framework_occupations fo
         WHERE fo.framework_id IN (SELECT framework_id FROM review_calls)
         ORDER BY fo.framework_id, fo.ord, fo.occupation_code"
    )
    .fetch_all(p)
    .await)?;
    let mut occupations: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (f, code) in occ {
        occupations.entry(f).or_default().push(code);
    }
    rows.into_iter()
        .map(|r| {
            let q = questions.remove(&r.id).unwrap_or_default();
            let o = occupations
                .get(&r.framework_id)
                .cloned()
                .unwrap_or_default();
            call_of(r, q, o)
        })
        .collect()
}

/// A call by id.
pub async fn find_call(db: &Db, id: CallId) -> Result<Option<Call>> {
    let rows: Vec<CallRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!("{CALL_SELECT} WHERE c.id = $1")))
        .bind(id.0)
        .fetch_all(p)
        .await)?;
    Ok(assemble(db, rows).await?.pop())
}

/// Every call, newest closing time first.
pub async fn all_calls(db: &Db) -> Result<Vec<Call>> {
    let rows: Vec<CallRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!("{CALL_SELECT} ORDER BY c.closes_at DESC")))
        .fetch_all(p)
        .await)?;
    assemble(db, rows).await
}

/// The calls on a framework, newest first.
pub async fn calls_of_framework(db: &Db, framework_id: Uuid) -> Result<Vec<Call>> {
    let rows: Vec<CallRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!("{CALL_SELECT} WHERE c.framework_id = $1 ORDER BY c.created_at DESC")))
        .bind(framework_id)
        .fetch_all(p)
        .await)?;
    assemble(db, rows).await
}

/// Takes a call's write lock inside a transaction (so state changes and responses to one
/// call at its closing instant run one after the other) and returns its stored state.
pub async fn lock_call(tx: &mut Tx, id: CallId) -> Result<Option<CallState>> {
    let state: Option<String> = match tx.backend() {
        Backend::Postgres => on_tx!(tx, c => sqlx::query_scalar(
            "SELECT state FROM review_calls WHERE id = $1 FOR UPDATE"
        )
        .bind(id.0)
        .fetch_optional(c)
        .await)?,
        Backend::Sqlite => on_tx!(tx, c => sqlx::query_scalar(
            "UPDATE review_calls SET state = state WHERE id = $1 RETURNING state"
        )
        .bind(id.0)
        .fetch_optional(c)
        .await)?,
    };
    state
        .map(|s| s.parse::<CallState>().map_err(internal("state")))
        .transpose()
}

/// Moves a call's stored state (checked against the state read under the lock).
pub async fn set_state(tx: &mut Tx, id: CallId, from: CallState, to: CallState) -> Result<()> {
    let now = Ts::now();
    let (opened, closed) = match to {
        CallState::Open => (Some(now), None),
        CallState::Closed => (None, Some(now)),
        CallState::Scheduled => (None, None),
    };
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE review_calls SET state = $1, opened_at = COALESCE(opened_at, $2), closed_at = COALESCE(closed_at, $3)
         WHERE id = $4 AND state = $5"
    )
    .bind(to.as_str())
    .bind(opened)
    .bind(closed)
    .bind(id.0)
    .bind(from.as_str())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Err(Error::Conflict("the call changed meanwhile".into()));
    }
    Ok(())
}

/// Calls whose stored state is behind their window at `now`.
pub async fn due_calls(db: &Db, now: OffsetDateTime) -> Result<Vec<CallId>> {
    let ids: Vec<Uuid> = on_db!(db, p => sqlx::query_scalar(
        "SELECT id FROM review_calls
         WHERE (state = 'scheduled' AND opens_at <= $1) OR (state IN ('scheduled', 'open') AND closes_at <= $1)"
    )
    .bind(Ts(now))
    .fetch_all(p)
    .await)?;
    Ok(ids.into_iter().map(CallId).collect())
}

/// Whether a version has a call that is scheduled or open (its content is frozen).
pub async fn active_call_of_version(tx: &mut Tx, version_id: Uuid) -> Result<Option<CallId>> {
    let id: Option<Uuid> = on_tx!(tx, c => sqlx::query_scalar(
        "SELECT id FROM review_calls WHERE version_id = $1 AND state IN ('scheduled', 'open')"
    )
    .bind(version_id)
    .fetch_optional(c)
    .await)?;
    Ok(id.map(CallId))
}

// ---------------------------------------------------------------------------------------
// Reviewers

#[derive(sqlx::FromRow)]
struct ProfileRow {
    stakeholder_type: String,
    sector: Option<String>,
    organization: String,
    country: String,
    role: String,
}

fn profile_of(r: ProfileRow) -> Result<Profile> {
    Ok(Profile {
        stakeholder_type: r
            .stakeholder_type
            .parse()
            .map_err(internal("stakeholder type"))?,
        sector: r.sector,
        organization: r.organization,
        country: r.country,
        role: r.role,
    })
}

/// A user's reviewer profile.
pub async fn find_profile(db: &Db, user: Uuid) -> Result<Option<Profile>> {
    let r: Option<ProfileRow> = on_db!(db, p => sqlx::query_as(
        "SELECT stakeholder_type, sector, organization, country, role FROM reviewer_profiles WHERE user_id = $1"
    )
    .bind(user)
    .fetch_optional(p)
    .await)?;
    r.map(profile_of).transpose()
}

/// Saves a user's reviewer profile.
pub async fn save_profile(tx: &mut Tx, user: Uuid, p: &Profile) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO reviewer_profiles (user_id, stakeholder_type, sector, organization, country, role, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id) DO UPDATE SET stakeholder_type = excluded.stakeholder_type,
             sector = excluded.sector, organization = excluded.organization,
             country = excluded.country, role = excluded.role, updated_at = excluded.updated_at"
    )
    .bind(user)
    .bind(p.stakeholder_type.as_str())
    .bind(&p.sector)
    .bind(&p.organization)
    .bind(&p.country)
    .bind(&p.role)
    .bind(Ts::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records (or renews) a reviewer's participation with their profile as it is now.
pub async fn join(tx: &mut Tx, call: CallId, user: Uuid, p: &Profile) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO review_participants (call_id, user_id, stakeholder_type, sector, organization, country, role, joined_at, left_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)
         ON CONFLICT (call_id, user_id) DO UPDATE SET stakeholder_type = excluded.stakeholder_type,
             sector = excluded.sector, organization = excluded.organization, country = excluded.country,
             role = excluded.role, left_at = NULL"
    )
    .bind(call.0)
    .bind(user)
    .bind(p.stakeholder_type.as_str())
    .bind(&p.sector)
    .bind(&p.organization)
    .bind(&p.country)
    .bind(&p.role)
    .bind(Ts::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ParticipantRow {
    call_id: Uuid,
    user_id: Uuid,
    stakeholder_type: String,
    sector: Option<String>,
    organization: String,
    country: String,
    role: String,
    joined_at: OffsetDateTime,
    left_at: Option<OffsetDateTime>,
}

fn participant_of(r: ParticipantRow) -> Result<Participant> {
    Ok(Participant {
        call_id: CallId(r.call_id),
        user_id: r.user_id,
        joined_at: r.joined_at,
        left_at: r.left_at,
        profile: profile_of(ProfileRow {
            stakeholder_type: r.stakeholder_type,
            sector: r.sector,
            organization: r.organization,
            country: r.country,
            role: r.role,
        })?,
    })
}

const PARTICIPANT_COLS: &str =
    "call_id, user_id, stakeholder_type, sector, organization, country, role, joined_at, left_at";

/// A reviewer's participation in a call.
pub async fn find_participant(db: &Db, call: CallId, user: Uuid) -> Result<Option<Participant>> {
    let r: Option<ParticipantRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {PARTICIPANT_COLS} FROM review_participants WHERE call_id = $1 AND user_id = $2"
    )))
    .bind(call.0)
    .bind(user)
    .fetch_optional(p)
    .await)?;
    r.map(participant_of).transpose()
}

/// Whether a reviewer takes part in a call now (read in the writer's transaction).
pub async fn is_active(tx: &mut Tx, call: CallId, user: Uuid) -> Result<bool> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM review_participants WHERE call_id = $1 AND user_id = $2 AND left_at IS NULL"
    )
    .bind(call.0)
    .bind(user)
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}

/// Every active participant of a call.
pub async fn participants(db: &Db, call: CallId) -> Result<Vec<Participant>> {
    let rows: Vec<ParticipantRow> = on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {PARTICIPANT_COLS} FROM review_participants WHERE call_id = $1 AND left_at IS NULL ORDER BY joined_at"
    )))
    .bind(call.0)
    .fetch_all(p)
    .await)?;
    rows.into_iter().map(participant_of).collect()
}

/// Marks a participant gone and deletes everything they said in the call; returns how
/// many rows were withdrawn.
pub async fn leave(tx: &mut Tx, call: CallId, user: Uuid) -> Result<u64> {
    let mut n = 0;
    for table in [
        "review_responses",
        "review_proposals",
        "review_general",
        "review_answers",
    ] {
        n += on_tx!(tx, c => sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE call_id = $1 AND user_id = $2"
        )))
        .bind(call.0)
        .bind(user)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    on_tx!(tx, c => sqlx::query(
        "UPDATE review_participants SET left_at = $1 WHERE call_id = $2 AND user_id = $3 AND left_at IS NULL"
    )
    .bind(Ts::now())
    .bind(call.0)
    .bind(user)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n)
}

// ---------------------------------------------------------------------------------------
// Responses

/// Saves one reviewer's response to one statement: one row per reviewer and statement, so
/// two submissions at once update the same row (the later wins) and never add a second.
/// An empty response removes the row.
pub async fn upsert_response(
    tx: &mut Tx,
    call: CallId,
    user: Uuid,
    statement: Uuid,
    r: &StatementResponse,
) -> Result<()> {
    if r.is_empty() {
        on_tx!(tx, c => sqlx::query(
            "DELETE FROM review_responses WHERE call_id = $1 AND user_id = $2 AND statement_id = $3"
        )
        .bind(call.0)
        .bind(user)
        .bind(statement)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        return Ok(());
    }
    let now = Ts::now();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO review_responses (call_id, user_id, statement_id, stance, importance, frequency,
            comment_type, comment, rewrite, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (call_id, user_id, statement_id) DO UPDATE SET stance = excluded.stance,
             importance = excluded.importance, frequency = excluded.frequency,
             comment_type = excluded.comment_type, comment = excluded.comment,
             rewrite = excluded.rewrite, updated_at = excluded.updated_at"
    )
    .bind(call.0)
    .bind(user)
    .bind(statement)
    .bind(r.stance.map(|s| s.as_str()))
    .bind(r.importance.map(i64::from))
    .bind(r.frequency.map(i64::from))
    .bind(r.comment_type.map(|t| t.as_str()))
    .bind(&r.comment)
    .bind(&r.rewrite)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// One stored response with who gave it (for results and exports).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponseRow {
    /// The reviewer.
    pub user_id: Uuid,
    /// The statement.
    pub statement_id: Uuid,
    /// Stance.
    pub stance: Option<String>,
    /// Importance.
    pub importance: Option<i64>,
    /// Frequency.
    pub frequency: Option<i64>,
    /// Comment type.
    pub comment_type: Option<String>,
    /// Comment.
    pub comment: String,
    /// Suggested rewrite.
    pub rewrite: String,
    /// First saved.
    pub created_at: OffsetDateTime,
    /// Last saved.
    pub updated_at: OffsetDateTime,
}

impl ResponseRow {
    /// The response as the model reads it.
    pub fn response(&self) -> Result<StatementResponse> {
        Ok(StatementResponse {
            stance: self
                .stance
                .as_deref()
                .map(str::parse::<Stance>)
                .transpose()
                .map_err(internal("stance"))?,
            importance: self.importance.and_then(|n| u8::try_from(n).ok()),
            frequency: self.frequency.and_then(|n| u8::try_from(n).ok()),
            comment_type: self
                .comment_type
                .as_deref()
                .map(str::parse::<CommentType>)
                .transpose()
                .map_err(internal("comment type"))?,
            comment: self.comment.clone(),
            rewrite: self.rewrite.clone(),
        })
    }
}

const RESPONSE_COLS: &str = "user_id, statement_id, stance, importance, frequency, comment_type, comment, rewrite, created_at, updated_at";

/// The responses of one reviewer in a call.
pub async fn responses_of(db: &Db, call: CallId, user: Uuid) -> Result<Vec<ResponseRow>> {
    Ok(on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {RESPONSE_COLS} FROM review_responses WHERE call_id = $1 AND user_id = $2"
    )))
    .bind(call.0)
    .bind(user)
    .fetch_all(p)
    .await)?)
}

/// Every response in a call from reviewers who still take part.
pub async fn all_responses(db: &Db, call: CallId) -> Result<Vec<ResponseRow>> {
    Ok(on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {RESPONSE_COLS} FROM review_responses r WHERE r.call_id = $1
           AND EXISTS (SELECT 1 FROM review_participants pa WHERE pa.call_id = r.call_id
                       AND pa.user_id = r.user_id AND pa.left_at IS NULL)
         ORDER BY r.created_at"
    )))
    .bind(call.0)
    .fetch_all(p)
    .await)?)
}

/// A statement a reviewer proposes adding.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ProposalRow {
    /// Its id.
    pub id: Uuid,
    /// The reviewer.
    pub user_id: Uuid,
    /// Section (`technical`, `durable`, `ai_usage`).
    pub section: String,
    /// Level name.
    pub level: String,
    /// The statement's text.
    pub text: String,
    /// Why it is missing.
    pub rationale: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Stores a proposed statement.
pub async fn insert_proposal(
    tx: &mut Tx,
    call: CallId,
    user: Uuid,
    section: &str,
    level: &str,
    text: &str,
    rationale: &str,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO review_proposals (id, call_id, user_id, section, level, text, rationale, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(id)
    .bind(call.0)
    .bind(user)
    .bind(section)
    .bind(level)
    .bind(text)
    .bind(rationale)
    .bind(Ts::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(id)
}

/// Removes one of a reviewer's own proposals.
pub async fn delete_proposal(tx: &mut Tx, call: CallId, user: Uuid, id: Uuid) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "DELETE FROM review_proposals WHERE id = $1 AND call_id = $2 AND user_id = $3"
    )
    .bind(id)
    .bind(call.0)
    .bind(user)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Proposals in a call (of one reviewer, or of every active one).
pub async fn proposals(db: &Db, call: CallId, user: Option<Uuid>) -> Result<Vec<ProposalRow>> {
    Ok(on_db!(db, p => sqlx::query_as(
        "SELECT r.id, r.user_id, r.section, r.level, r.text, r.rationale, r.created_at FROM review_proposals r
         WHERE r.call_id = $1 AND ($2 IS NULL OR r.user_id = $2)
           AND EXISTS (SELECT 1 FROM review_participants pa WHERE pa.call_id = r.call_id
                       AND pa.user_id = r.user_id AND pa.left_at IS NULL)
         ORDER BY r.created_at"
    )
    .bind(call.0)
    .bind(user)
    .fetch_all(p)
    .await)?)
}

/// Saves a reviewer's general comment (empty removes it).
pub async fn save_general(tx: &mut Tx, call: CallId, user: Uuid, text: &str) -> Result<()> {
    if text.is_empty() {
        on_tx!(tx, c => sqlx::query("DELETE FROM review_general WHERE call_id = $1 AND user_id = $2")
            .bind(call.0)
            .bind(user)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        return Ok(());
    }
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO review_general (call_id, user_id, comment, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (call_id, user_id) DO UPDATE SET comment = excluded.comment, updated_at = excluded.updated_at"
    )
    .bind(call.0)
    .bind(user)
    .bind(text)
    .bind(Ts::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// General comments in a call (of one reviewer, or of every active one), as (user, text).
pub async fn general(db: &Db, call: CallId, user: Option<Uuid>) -> Result<Vec<(Uuid, String)>> {
    Ok(on_db!(db, p => sqlx::query_as(
        "SELECT g.user_id, g.comment FROM review_general g
         WHERE g.call_id = $1 AND ($2 IS NULL OR g.user_id = $2)
           AND EXISTS (SELECT 1 FROM review_participants pa WHERE pa.call_id = g.call_id
                       AND pa.user_id = g.user_id AND pa.left_at IS NULL)
         ORDER BY g.updated_at"
    )
    .bind(call.0)
    .bind(user)
    .fetch_all(p)
    .await)?)
}

/// Saves a reviewer's answer to one survey question (`None` removes it).
pub async fn save_answer(
    tx: &mut Tx,
    call: CallId,
    user: Uuid,
    ord: usize,
    answer: Option<&AnswerValue>,
) -> Result<()> {
    let ord = ord as i64;
    let Some(a) = answer else {
        on_tx!(tx, c => sqlx::query("DELETE FROM review_answers WHERE call_id = $1 AND user_id = $2 AND ord = $3")
            .bind(call.0)
            .bind(user)
            .bind(ord)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        return Ok(());
    };
    let json = serde_json::to_string(a).map_err(|e| Error::Internal(e.to_string()))?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO review_answers (call_id, user_id, ord, answer, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (call_id, user_id, ord) DO UPDATE SET answer = excluded.answer, updated_at = excluded.updated_at"
    )
    .bind(call.0)
    .bind(user)
    .bind(ord)
    .bind(&json)
    .bind(Ts::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Survey answers in a call (of one reviewer, or of every active one), as (user, ord, answer).
pub async fn answers(
    db: &Db,
    call: CallId,
    user: Option<Uuid>,
) -> Result<Vec<(Uuid, usize, AnswerValue)>> {
    let rows: Vec<(Uuid, i64, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT a.user_id, a.ord, a.answer FROM review_answers a
         WHERE a.call_id = $1 AND ($2 IS NULL OR a.user_id = $2)
           AND EXISTS (SELECT 1 FROM review_participants pa WHERE pa.call_id = a.call_id
                       AND pa.user_id = a.user_id AND pa.left_at IS NULL)
         ORDER BY a.updated_at"
    )
    .bind(call.0)
    .bind(user)
    .fetch_all(p)
    .await)?;
    rows.into_iter()
        .map(|(u, o, a)| {
            let v: AnswerValue =
                serde_json::from_str(&a).map_err(|e| internal("answer")(e.to_string()))?;
            Ok((u, usize::try_from(o).unwrap_or(0), v))
        })
        .collect()
}

/// The e-mail address and name of each user named (for exports to the owner's editors).
pub async fn identities(db: &Db, call: CallId) -> Result<HashMap<Uuid, (String, String)>> {
    let rows: Vec<(Uuid, String, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT u.id, u.email, u.display_name FROM users u
         JOIN review_participants pa ON pa.user_id = u.id WHERE pa.call_id = $1"
    )
    .bind(call.0)
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|(i, e, n)| (i, (e, n))).collect())
}
