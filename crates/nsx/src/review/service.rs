//! The rules of calls for input, shared by the pages, the API, the jobs and the command
//! line: each function checks its input, asks the policy, works in one transaction (with
//! the audit entry of a state change in that transaction) and commits.
//!
//! Whether a call takes answers is decided by the server's clock against the call's
//! window, under the call's lock, whatever the browser sends; the scheduled jobs only
//! move the stored state (and the version's status) so that lists and notifications
//! follow.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use nsx_core::accounts::{FieldError, normalize_email};
use nsx_core::frameworks::{Section, Status, VersionLabel};
use nsx_core::ids::{CallId, OrganizationId};
use nsx_core::policy::{Action, Resource};
use nsx_core::review::{
    AnswerValue, CallState, MAX_COMMENT, MAX_INVITATION, Phase, Question, ResponseFact,
    StakeholderType, StatementResponse, StatementResult, SurveyResult, Thresholds, aggregate,
    aggregate_survey, check_answer, check_questions, check_window, clean_text, naics_title,
    parse_local, parse_zone,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::store::{self, CallInsert, ProposalRow, ResponseRow};
use super::{
    ADVANCE_JOB, Call, OBJECT_TYPE, Participant, Profile, SWEEP_SCHEDULE, instant, stored,
};
use crate::audit::{self, Change};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::frameworks::{StatementView, editing};
use crate::jobs::{self, NewJob};
use crate::service::Caller;

/// How long closed calls stay in the public list.
pub const RECENT_DAYS: i64 = 90;

fn owner_of(call: &Call) -> Resource {
    Resource::OwnedBy(call.organization_id.map(OrganizationId))
}

/// A call by id; `NotFound` when there is none.
pub async fn get(db: &Db, id: CallId) -> Result<Call> {
    store::find_call(db, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("call for input {id}")))
}

/// Reads a call id from a path.
pub fn parse_id(s: &str) -> Result<CallId> {
    s.parse::<CallId>()
        .map_err(|_| Error::not_found(format!("call for input {s:?}")))
}

// ---------------------------------------------------------------------------------------
// Opening a call

/// A call as an editor asks for it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewCall {
    /// The invitation text reviewers read (1–8,000 characters).
    #[schema(min_length = 1, max_length = 8000)]
    pub invitation: String,
    /// Whom to ask about the call (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub contact_name: String,
    /// Their e-mail address.
    pub contact_email: String,
    /// Who is invited: `employer`, `educator`, `association`, `worker_learner`,
    /// `government`, `other` (at least one).
    #[schema(min_items = 1)]
    pub stakeholder_types: Vec<String>,
    /// The call's time zone (IANA name, e.g. `America/Chicago`).
    pub time_zone: String,
    /// Opening time: local to `time_zone` (`2026-12-05T09:00`) or an instant with an
    /// offset (`2026-12-05T15:00:00Z`).
    pub opens_at: String,
    /// Closing time, in the same forms.
    pub closes_at: String,
    /// Survey questions (at most 30).
    #[serde(default)]
    #[schema(max_items = 30)]
    pub questions: Vec<Question>,
    /// Consensus thresholds (defaults: a quarter of a type removing, half changing, mean
    /// importance under 2.5, groups of at least 3).
    #[serde(default)]
    pub thresholds: Option<Thresholds>,
}

fn read_time(
    field: &str,
    s: &str,
    zone: Option<&jiff::tz::TimeZone>,
) -> std::result::Result<Timestamp, FieldError> {
    if let Ok(t) = s.trim().parse::<Timestamp>() {
        return Ok(t);
    }
    match zone {
        Some(z) => parse_local(field, s, z),
        None => Err(FieldError::new(field, "choose the time zone first")),
    }
}

/// Opens a draft version for review: the version becomes "in review" (frozen) at once;
/// the call takes answers between its opening and closing times; jobs move its state on
/// time.
pub async fn open_call(
    db: &Db,
    caller: &Caller,
    code: &str,
    label: &VersionLabel,
    input: NewCall,
) -> Result<Call> {
    let mut errors: Vec<FieldError> = Vec::new();
    let invitation = clean_text("invitation", &input.invitation, MAX_INVITATION, true)
        .map_err(|e| errors.push(e))
        .ok();
    let contact_name = clean_text("contact_name", &input.contact_name, 200, true)
        .map_err(|e| errors.push(e))
        .ok();
    let contact_email = normalize_email(&input.contact_email)
        .map_err(|e| errors.push(FieldError::new("contact_email", e.message)))
        .ok();
    let mut types = Vec::new();
    for t in &input.stakeholder_types {
        match t.parse::<StakeholderType>() {
            Ok(t) if !types.contains(&t) => types.push(t),
            Ok(_) => {}
            Err(e) => errors.push(FieldError::new("stakeholder_types", e)),
        }
    }
    if types.is_empty() && !errors.iter().any(|e| e.field == "stakeholder_types") {
        errors.push(FieldError::new(
            "stakeholder_types",
            "invite at least one type of stakeholder",
        ));
    }
    types.sort();
    let zone = parse_zone("time_zone", &input.time_zone)
        .map_err(|e| errors.push(e))
        .ok();
    let opens = read_time("opens_at", &input.opens_at, zone.as_ref())
        .map_err(|e| errors.push(e))
        .ok();
    let closes = read_time("closes_at", &input.closes_at, zone.as_ref())
        .map_err(|e| errors.push(e))
        .ok();
    let now = Timestamp::now();
    if let (Some(o), Some(c)) = (opens, closes)
        && let Err(e) = check_window(o, c, now)
    {
        errors.push(e);
    }
    let questions = check_questions(&input.questions)
        .map_err(|e| errors.extend(e))
        .ok();
    let thresholds = input
        .thresholds
        .unwrap_or_default()
        .checked()
        .map_err(|e| {
            errors.extend(
                e.into_iter()
                    .map(|f| FieldError::new(&format!("thresholds.{}", f.field), f.message)),
            )
        })
        .ok();
    let (
        Some(invitation),
        Some(contact_name),
        Some(contact_email),
        Some(opens),
        Some(closes),
        Some(questions),
        Some(thresholds),
        true,
    ) = (
        invitation,
        contact_name,
        contact_email,
        opens,
        closes,
        questions,
        thresholds,
        errors.is_empty(),
    )
    else {
        return Err(Error::Invalid(errors));
    };
    let zone_name = input.time_zone.trim().to_string();

    let mut tx = db.begin().await?;
    let f = editing::lock_framework(&mut tx, code)
        .await?
        .ok_or_else(|| Error::not_found(format!("framework {code}")))?;
    caller.require(
        Action::ManageReview,
        &Resource::OwnedBy(f.organization_id.map(OrganizationId)),
    )?;
    let versions = editing::versions_in(&mut tx, f.id).await?;
    let v = versions
        .iter()
        .find(|v| &v.label == label)
        .ok_or_else(|| Error::not_found(format!("version {label} of framework {code}")))?;
    if v.status != Status::Draft {
        return Err(Error::Conflict(format!(
            "{label} is {}; only a draft can be opened for review",
            v.status.label().to_lowercase()
        )));
    }
    if v.statement_count == 0 {
        return Err(Error::Conflict(format!(
            "{label} has no statements to review yet"
        )));
    }
    let id = CallId::new_v7();
    let state = if opens <= now {
        CallState::Open
    } else {
        CallState::Scheduled
    };
    store::insert_call(
        &mut tx,
        &CallInsert {
            id,
            framework_id: f.id,
            version_id: v.id,
            organization_id: f.organization_id,
            invitation: &invitation,
            contact_name: &contact_name,
            contact_email: &contact_email,
            stakeholder_types: &types,
            time_zone: &zone_name,
            opens_at: stored(opens),
            closes_at: stored(closes),
            state,
            thresholds,
            questions: &questions,
            created_by: caller.user_id().map(|u| u.0),
        },
    )
    .await?;
    editing::set_status(
        &mut tx,
        v.id,
        Status::Draft,
        Status::InReview,
        &v.label,
        None,
        code,
    )
    .await?;
    for (what, at) in [("open", opens), ("close", closes)] {
        if at > now {
            jobs::enqueue(
                &mut tx,
                NewJob::now(ADVANCE_JOB, json!({ "call": id }))
                    .at(stored(at))
                    .dedupe(format!("review:{what}:{id}")),
            )
            .await?;
        }
    }
    if state == CallState::Open {
        crate::following::notify::call_opened_in(&mut tx, id, stored(opens), stored(closes))
            .await?;
    }
    jobs::ensure_schedule_in(
        &mut tx,
        SWEEP_SCHEDULE,
        ADVANCE_JOB,
        json!({ "sweep": true }),
        std::time::Duration::from_secs(60),
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("review.open_call", OBJECT_TYPE, id).after(json!({
            "framework": code,
            "version": label.to_string(),
            "opens_at": opens.to_string(),
            "closes_at": closes.to_string(),
            "time_zone": zone_name,
            "stakeholder_types": types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "questions": questions.len(),
            "state": state.as_str(),
        })),
    )
    .await?;
    tx.bump_data_version("catalog").await?;
    tx.commit().await?;
    get(db, id).await
}

/// Moves a call's stored state to what its window calls for now (scheduled → open →
/// closed), with an audit entry per step; safe to run on every node at once (the call's
/// lock orders them and the later ones find nothing to do). Returns the state after.
pub async fn advance(db: &Db, id: CallId) -> Result<CallState> {
    let call = get(db, id).await?;
    let target = call.window().state_at(Timestamp::now());
    let mut tx = db.begin().await?;
    let Some(mut state) = store::lock_call(&mut tx, id).await? else {
        return Err(Error::not_found(format!("call for input {id}")));
    };
    let system = Caller::system("system:review");
    let mut moved = false;
    while state < target {
        let next = match state {
            CallState::Scheduled => CallState::Open,
            _ => CallState::Closed,
        };
        store::set_state(&mut tx, id, state, next).await?;
        audit::record(
            &mut tx,
            &system,
            Change::new(
                if next == CallState::Open {
                    "review.opened"
                } else {
                    "review.closed"
                },
                OBJECT_TYPE,
                id,
            )
            .before(json!({"state": state.as_str()}))
            .after(json!({"state": next.as_str()})),
        )
        .await?;
        if next == CallState::Open {
            crate::following::notify::call_opened_in(&mut tx, id, call.opens_at, call.closes_at)
                .await?;
        }
        state = next;
        moved = true;
    }
    if moved {
        tx.bump_data_version("catalog").await?;
    }
    tx.commit().await?;
    Ok(state)
}

/// Advances every call whose stored state is behind its window; returns how many moved.
pub async fn advance_due(db: &Db) -> Result<usize> {
    let mut n = 0;
    for id in store::due_calls(db, OffsetDateTime::now_utc()).await? {
        advance(db, id).await?;
        n += 1;
    }
    Ok(n)
}

/// Runs the advance jobs: one call (`{"call": id}`) or the sweep (`{"sweep": true}`).
pub struct AdvanceJob;

#[async_trait::async_trait]
impl crate::jobs::JobHandler for AdvanceJob {
    async fn run(
        &self,
        state: &crate::state::AppState,
        job: &crate::jobs::Job,
    ) -> std::result::Result<(), crate::jobs::JobError> {
        match job.payload.get("call").and_then(|v| v.as_str()) {
            Some(id) => {
                let id = id.parse::<CallId>().map_err(|e| {
                    crate::jobs::JobError::Fatal(format!("bad call id {id:?}: {e}"))
                })?;
                advance(&state.db, id).await?;
            }
            None => {
                advance_due(&state.db).await?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Lists

/// The public lists of calls.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CallLists {
    /// Taking answers now, closing soonest first.
    pub open: Vec<Call>,
    /// Opening later, soonest first.
    pub upcoming: Vec<Call>,
    /// Closed in the last [`RECENT_DAYS`] days, most recent first.
    pub closed: Vec<Call>,
}

/// Checks an occupation family filter (a SOC major group such as `49`).
pub fn check_family(s: Option<&str>) -> Result<Option<String>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(f) if nsx_core::occupations::major_group_title(f).is_some() => Ok(Some(f.to_string())),
        Some(f) => Err(Error::invalid(
            "family",
            format!("{f:?} is not an occupation family (a SOC major group such as 49)"),
        )),
    }
}

/// Open, upcoming and recently closed calls, optionally only those on frameworks with an
/// occupation in a family.
pub async fn lists(db: &Db, family: Option<&str>) -> Result<CallLists> {
    let now = Timestamp::now();
    let recent = now
        .checked_sub(jiff::SignedDuration::from_hours(24 * RECENT_DAYS))
        .unwrap_or(now);
    let mut out = CallLists::default();
    for c in store::all_calls(db).await? {
        if let Some(f) = family
            && !c
                .occupations
                .iter()
                .any(|o| o.starts_with(&format!("{f}-")))
        {
            continue;
        }
        match c.window().phase(now) {
            Phase::Open => out.open.push(c),
            Phase::Upcoming => out.upcoming.push(c),
            Phase::Closed if instant(c.closes_at) >= recent => out.closed.push(c),
            Phase::Closed => {}
        }
    }
    out.open.sort_by_key(|c| c.closes_at);
    out.upcoming.sort_by_key(|c| c.opens_at);
    out.closed.sort_by_key(|c| std::cmp::Reverse(c.closes_at));
    Ok(out)
}

/// The call of a framework that is open or upcoming now, if any (for the framework page).
pub async fn current_call(db: &Db, framework_id: Uuid) -> Result<Option<Call>> {
    Ok(store::calls_of_framework(db, framework_id)
        .await?
        .into_iter()
        .find(|c| c.phase_now() != Phase::Closed))
}

/// The statements under review, in display order.
pub async fn statements(db: &Db, call: &Call) -> Result<Vec<StatementView>> {
    Ok(
        crate::frameworks::store::statements_of(db, &[call.version_id])
            .await?
            .remove(&call.version_id)
            .unwrap_or_default(),
    )
}

// ---------------------------------------------------------------------------------------
// Reviewers

/// What a reviewer states about themselves when joining.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ProfileInput {
    /// `employer`, `educator`, `association`, `worker_learner`, `government` or `other`.
    pub stakeholder_type: String,
    /// NAICS sector code (`23`, `31-33`, …); optional.
    #[serde(default)]
    pub sector: Option<String>,
    /// Organization (at most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub organization: String,
    /// Country, as an ISO 3166-1 alpha-2 code (`US`, `DE`; case does not matter).
    #[schema(example = "US")]
    pub country: String,
    /// Role (at most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub role: String,
}

/// Checks a profile.
pub fn check_profile(p: &ProfileInput) -> Result<Profile> {
    let mut errors = Vec::new();
    let stakeholder_type = p
        .stakeholder_type
        .parse::<StakeholderType>()
        .map_err(|e| errors.push(FieldError::new("stakeholder_type", e)))
        .ok();
    let sector = match p.sector.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) if naics_title(s).is_some() => Some(s.to_string()),
        Some(s) => {
            errors.push(FieldError::new(
                "sector",
                format!("{s:?} is not a NAICS sector code such as 23 or 31-33"),
            ));
            None
        }
    };
    let organization = clean_text("organization", &p.organization, 200, false)
        .map_err(|e| errors.push(e))
        .ok();
    let role = clean_text("role", &p.role, 200, false)
        .map_err(|e| errors.push(e))
        .ok();
    let country = p.country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.push(FieldError::new(
            "country",
            "enter the country's two-letter ISO 3166 code, such as US or DE",
        ));
    }
    match (stakeholder_type, organization, role, errors.is_empty()) {
        (Some(stakeholder_type), Some(organization), Some(role), true) => Ok(Profile {
            stakeholder_type,
            sector,
            organization,
            country,
            role,
        }),
        _ => Err(Error::Invalid(errors)),
    }
}

fn reviewer(caller: &Caller) -> Result<Uuid> {
    caller
        .user_id()
        .map(|u| u.0)
        .ok_or_else(|| Error::Unauthorized("sign in to take part in a call for input".into()))
}

fn window_error(call: &Call, phase: Phase) -> Error {
    match phase {
        Phase::Upcoming => Error::Conflict(format!(
            "this call opens on {} ({}); answers are accepted from then",
            call.opens_local(),
            call.opens_utc()
        )),
        _ => Error::Conflict(format!(
            "this call closed on {} ({}); answers are no longer accepted",
            call.closes_local(),
            call.closes_utc()
        )),
    }
}

/// Opens a reviewer's write: takes the call's lock, then checks by the server's clock that
/// the call is open and that the reviewer takes part.
async fn accepting(db: &Db, call: &Call, user: Uuid) -> Result<Tx> {
    let mut tx = db.begin().await?;
    store::lock_call(&mut tx, call.id).await?;
    let phase = call.window().phase(Timestamp::now());
    if phase != Phase::Open {
        return Err(window_error(call, phase));
    }
    if !store::is_active(&mut tx, call.id, user).await? {
        return Err(Error::Forbidden(
            "join the call first: say who you speak for, then respond".into(),
        ));
    }
    Ok(tx)
}

/// A reviewer's saved profile.
pub async fn profile(db: &Db, caller: &Caller) -> Result<Option<Profile>> {
    match caller.user_id() {
        Some(u) => store::find_profile(db, u.0).await,
        None => Ok(None),
    }
}

/// A reviewer's participation in a call.
pub async fn participation(db: &Db, call: CallId, caller: &Caller) -> Result<Option<Participant>> {
    match caller.user_id() {
        Some(u) => store::find_participant(db, call, u.0).await,
        None => Ok(None),
    }
}

/// Joins a call (or rejoins after leaving) with a profile, which is kept for later calls.
/// Needs a verified e-mail address, an open call and an invited stakeholder type.
pub async fn join(
    db: &Db,
    caller: &Caller,
    id: CallId,
    input: ProfileInput,
) -> Result<Participant> {
    let user = reviewer(caller)?;
    let call = get(db, id).await?;
    let profile = check_profile(&input)?;
    if !call.invites(profile.stakeholder_type) {
        return Err(Error::invalid(
            "stakeholder_type",
            format!(
                "this call invites {}",
                call.stakeholder_types
                    .iter()
                    .map(|t| t.label().to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if crate::accounts::verification::verified_at(db, user)
        .await?
        .is_none()
    {
        return Err(Error::Forbidden(
            "confirm your e-mail address before joining: ask for a confirmation link on the call's page or your account page".into(),
        ));
    }
    let mut tx = db.begin().await?;
    store::lock_call(&mut tx, id).await?;
    let phase = call.window().phase(Timestamp::now());
    if phase != Phase::Open {
        return Err(window_error(&call, phase));
    }
    store::save_profile(&mut tx, user, &profile).await?;
    store::join(&mut tx, id, user, &profile).await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("review.join", OBJECT_TYPE, id).after(json!({
            "stakeholder_type": profile.stakeholder_type.as_str(),
            "sector": profile.sector,
            "country": profile.country,
        })),
    )
    .await?;
    tx.commit().await?;
    store::find_participant(db, id, user)
        .await?
        .ok_or_else(|| Error::Internal("the participation is missing".into()))
}

/// Leaves a call before its close, withdrawing every response; returns how many answers
/// were withdrawn.
pub async fn leave(db: &Db, caller: &Caller, id: CallId) -> Result<u64> {
    let user = reviewer(caller)?;
    let call = get(db, id).await?;
    let mut tx = accepting(db, &call, user).await?;
    let n = store::leave(&mut tx, id, user).await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("review.leave", OBJECT_TYPE, id).after(json!({"withdrawn": n})),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// A fingerprint of a response as a page showed it: a form sends it back, and a statement
/// whose fields still match it was not touched in that tab and is not written (so a stale
/// tab never overwrites what another tab saved).
pub fn fingerprint(r: &StatementResponse) -> String {
    use sha2::{Digest, Sha256};
    let s = serde_json::to_string(r).unwrap_or_default();
    hex::encode(&Sha256::digest(s.as_bytes())[..8])
}

/// One statement's response as submitted, with the fingerprint of what the page showed.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The statement.
    pub statement: Uuid,
    /// What was submitted.
    pub response: StatementResponse,
    /// The fingerprint of what the form showed (`None`: always write, as the API does).
    pub shown: Option<String>,
}

/// Saves a reviewer's responses to statements (upserts, one row per statement); returns how
/// many were written. Every statement must belong to the version under review.
pub async fn respond(db: &Db, caller: &Caller, id: CallId, items: Vec<Submitted>) -> Result<usize> {
    let user = reviewer(caller)?;
    let call = get(db, id).await?;
    let statements = statements(db, &call).await?;
    let by_id: HashMap<Uuid, &StatementView> = statements.iter().map(|s| (s.id, s)).collect();
    let mut errors = Vec::new();
    let mut checked = Vec::new();
    for it in items {
        let prefix = format!("statements.{}", it.statement);
        let Some(s) = by_id.get(&it.statement) else {
            errors.push(FieldError::new(
                &prefix,
                "is not a statement of the version under review",
            ));
            continue;
        };
        let technical = s.statement.section == Section::Technical;
        match it.response.checked(&prefix, technical) {
            Ok(r) => {
                if it.shown.as_deref() == Some(fingerprint(&r).as_str()) {
                    continue;
                }
                checked.push((it.statement, r));
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let mut tx = accepting(db, &call, user).await?;
    for (s, r) in &checked {
        store::upsert_response(&mut tx, id, user, *s, r).await?;
    }
    tx.commit().await?;
    Ok(checked.len())
}

/// Saves a reviewer's general comment (empty text removes it).
pub async fn general_comment(db: &Db, caller: &Caller, id: CallId, text: &str) -> Result<()> {
    let user = reviewer(caller)?;
    let call = get(db, id).await?;
    let text = clean_text("general_comment", text, MAX_COMMENT, false)?;
    let mut tx = accepting(db, &call, user).await?;
    store::save_general(&mut tx, id, user, &text).await?;
    tx.commit().await
}

/// A statement a reviewer proposes adding.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ProposalInput {
    /// `technical`, `durable` or `ai_usage`.
    pub section: String,
    /// A level of that section (`emerging` … `advanced` for technical statements).
    pub level: String,
    /// The statement (1–1,000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub text: String,
    /// Why it is missing (at most 4,000 characters).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub rationale: String,
}

/// Records a proposed statement.
pub async fn propose(db: &Db, caller: &Caller, id: CallId, p: ProposalInput) -> Result<Uuid> {
    let user = reviewer(caller)?;
    let call = get(db, id).await?;
    let mut errors = Vec::new();
    let section = p
        .section
        .trim()
        .parse::<Section>()
        .map_err(|e| errors.push(FieldError::new("proposal.section", e.0)))
        .ok();
    if let Some(s) = section
        && let Err(e) = nsx_core::frameworks::Level::parse(s, p.level.trim())
    {
        errors.push(FieldError::new("proposal.level", e.0));
    }
    let text = clean_text("proposal.text", &p.text, 1000, true)
        .map_err(|e| errors.push(e))
        .ok();
    let rationale = clean_text("proposal.rationale", &p.rationale, MAX_COMMENT, false)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(section), Some(text), Some(rationale), true) =
        (section, text, rationale, errors.is_empty())
    else {
        return Err(Error::Invalid(errors));
    };
    let mut tx = accepting(db, &call, user).await?;
    let pid = store::insert_proposal(
        &mut tx,
        id,
        user,
        section.as_str(),
        p.level.trim(),
        &text,
        &rationale,
    )
    .await?;
    tx.commit().await?;
    Ok(pid)
}

/// Withdraws one of the reviewer's own proposals.
pub async fn withdraw_proposal(db: &Db, caller: &Caller, id: CallId, proposal: Uuid) -> Result<()> {
    let user = reviewer(caller)?;
    let call = get(db, id).await?;
    let mut tx = accepting(db, &call, user).await?;
    if !store::delete_proposal(&mut tx, id, user, proposal).await? {
        return Err(Error::not_found("that proposal among yours"));
    }
    tx.commit().await
}

/// Saves the reviewer's survey answers (question position → values given). Every required
/// question must be answered; an empty optional answer removes a stored one.
pub async fn answer_survey(
    db: &Db,
    caller: &Caller,
    id: CallId,
    given: &BTreeMap<usize, Vec<String>>,
) -> Result<usize> {
    let user = reviewer(caller)?;
    let call = get(db, id).await?;
    if let Some(k) = given.keys().find(|k| **k >= call.questions.len()) {
        return Err(Error::invalid(
            &format!("q{k}"),
            "the survey has no such question",
        ));
    }
    let mut errors = Vec::new();
    let mut answers = Vec::new();
    for (i, q) in call.questions.iter().enumerate() {
        let v = given.get(&i).map(Vec::as_slice).unwrap_or(&[]);
        match check_answer(&format!("q{i}"), q, v) {
            Ok(a) => answers.push((i, a)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let mut tx = accepting(db, &call, user).await?;
    for (i, a) in &answers {
        store::save_answer(&mut tx, id, user, *i, a.as_ref()).await?;
    }
    tx.commit().await?;
    Ok(answers.iter().filter(|(_, a)| a.is_some()).count())
}

/// Everything one reviewer has said in a call.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct MyResponses {
    /// Responses by statement id.
    pub responses: BTreeMap<Uuid, StatementResponse>,
    /// Proposed statements.
    #[schema(value_type = Vec<Object>)]
    pub proposals: Vec<ProposalRow>,
    /// The general comment.
    pub general_comment: String,
    /// Survey answers by question position.
    pub answers: BTreeMap<usize, AnswerValue>,
}

/// The caller's own responses in a call (never anyone else's).
pub async fn mine(db: &Db, caller: &Caller, id: CallId) -> Result<MyResponses> {
    let user = reviewer(caller)?;
    let rows = store::responses_of(db, id, user).await?;
    let mut responses = BTreeMap::new();
    for r in rows {
        responses.insert(r.statement_id, r.response()?);
    }
    Ok(MyResponses {
        responses,
        proposals: store::proposals(db, id, Some(user)).await?,
        general_comment: store::general(db, id, Some(user))
            .await?
            .pop()
            .map(|g| g.1)
            .unwrap_or_default(),
        answers: store::answers(db, id, Some(user))
            .await?
            .into_iter()
            .map(|(_, o, a)| (o, a))
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------
// Results

/// Respondent counts by a key.
pub type Counts = BTreeMap<String, u32>;

/// The results of a call for the owner's editors.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// The call.
    pub call: Call,
    /// Every statement with its results, in display order.
    pub statements: Vec<(StatementView, StatementResult)>,
    /// Every survey question with its results.
    pub survey: Vec<(Question, SurveyResult)>,
    /// Reviewers taking part.
    pub respondents: u32,
    /// Reviewers by stakeholder type.
    pub by_type: Counts,
    /// Reviewers by NAICS sector.
    pub by_sector: Counts,
    /// Reviewers by country.
    pub by_country: Counts,
    /// Statement responses first saved per day (UTC date → count).
    pub over_time: Counts,
    /// Proposed statements.
    pub proposals: Vec<ProposalRow>,
    /// General comments (text only).
    pub general_comments: Vec<String>,
    /// How many statement responses carry a comment or a rewrite.
    pub comments: u32,
}

/// Aggregates a call's responses (pure over what was read, for tests and benches).
pub fn aggregate_results(
    statements: &[StatementView],
    participants: &[Participant],
    responses: &[ResponseRow],
    thresholds: &Thresholds,
) -> Result<Vec<StatementResult>> {
    let pos: HashMap<Uuid, usize> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id, i))
        .collect();
    let who: HashMap<Uuid, &Participant> = participants.iter().map(|p| (p.user_id, p)).collect();
    let mut facts = Vec::with_capacity(responses.len());
    for r in responses {
        let (Some(i), Some(p)) = (pos.get(&r.statement_id), who.get(&r.user_id)) else {
            continue;
        };
        let resp = r.response()?;
        facts.push(ResponseFact {
            statement: *i,
            stakeholder: p.profile.stakeholder_type,
            sector: p.profile.sector.clone(),
            stance: resp.stance,
            importance: resp.importance,
            frequency: resp.frequency,
            commented: !resp.comment.is_empty() || !resp.rewrite.is_empty(),
        });
    }
    Ok(aggregate(statements.len(), &facts, thresholds))
}

/// The results of a call: only the owner's editors (and administrators) read them.
pub async fn results(db: &Db, caller: &Caller, id: CallId) -> Result<Results> {
    let call = get(db, id).await?;
    caller.require(Action::ManageReview, &owner_of(&call))?;
    let statements = statements(db, &call).await?;
    let participants = store::participants(db, id).await?;
    let responses = store::all_responses(db, id).await?;
    let agg = aggregate_results(&statements, &participants, &responses, &call.thresholds)?;
    let mut by_type = Counts::new();
    let mut by_sector = Counts::new();
    let mut by_country = Counts::new();
    for p in &participants {
        *by_type
            .entry(p.profile.stakeholder_type.label().to_string())
            .or_default() += 1;
        *by_sector
            .entry(
                p.profile
                    .sector
                    .as_deref()
                    .map(|s| format!("{s} {}", naics_title(s).unwrap_or("")))
                    .unwrap_or_else(|| "Not stated".into()),
            )
            .or_default() += 1;
        *by_country.entry(p.profile.country.clone()).or_default() += 1;
    }
    let mut over_time = Counts::new();
    let mut comments = 0;
    for r in &responses {
        *over_time
            .entry(r.created_at.date().to_string())
            .or_default() += 1;
        if !r.comment.is_empty() || !r.rewrite.is_empty() {
            comments += 1;
        }
    }
    let answers = store::answers(db, id, None).await?;
    let survey = call
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let given: Vec<AnswerValue> = answers
                .iter()
                .filter(|(_, o, _)| *o == i)
                .map(|(_, _, a)| a.clone())
                .collect();
            (q.clone(), aggregate_survey(q, &given))
        })
        .collect();
    Ok(Results {
        statements: statements.into_iter().zip(agg).collect(),
        survey,
        respondents: participants.len() as u32,
        by_type,
        by_sector,
        by_country,
        over_time,
        proposals: store::proposals(db, id, None).await?,
        general_comments: store::general(db, id, None)
            .await?
            .into_iter()
            .map(|g| g.1)
            .collect(),
        comments,
        call,
    })
}

/// Every response of a call as CSV. Reviewer identities (name, e-mail, organization) are
/// included only for editors of the owning organization; anyone else allowed to read the
/// results gets a pseudonym per reviewer.
pub async fn export_csv(db: &Db, caller: &Caller, id: CallId) -> Result<String> {
    let call = get(db, id).await?;
    caller.require(Action::ManageReview, &owner_of(&call))?;
    let identified = caller
        .principal
        .as_ref()
        .is_some_and(|p| p.edits_for(call.organization_id.map(OrganizationId)));
    let statements = statements(db, &call).await?;
    let by_id: HashMap<Uuid, &StatementView> = statements.iter().map(|s| (s.id, s)).collect();
    let participants = store::participants(db, id).await?;
    let who: HashMap<Uuid, (usize, &Participant)> = participants
        .iter()
        .enumerate()
        .map(|(i, p)| (p.user_id, (i + 1, p)))
        .collect();
    let ids = if identified {
        store::identities(db, id).await?
    } else {
        HashMap::new()
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record([
        "reviewer",
        "name",
        "email",
        "organization",
        "stakeholder_type",
        "sector",
        "country",
        "role",
        "kind",
        "statement",
        "statement_text",
        "stance",
        "importance",
        "frequency",
        "comment_type",
        "comment",
        "rewrite",
        "saved_at",
    ])
    .map_err(csv_err)?;
    let person = |u: Uuid| -> Vec<String> {
        let Some((n, p)) = who.get(&u) else {
            return vec![String::new(); 8];
        };
        let (email, name) = ids.get(&u).cloned().unwrap_or_default();
        vec![
            format!("R{n}"),
            name,
            email,
            if identified {
                p.profile.organization.clone()
            } else {
                String::new()
            },
            p.profile.stakeholder_type.as_str().to_string(),
            p.profile.sector.clone().unwrap_or_default(),
            p.profile.country.clone(),
            if identified {
                p.profile.role.clone()
            } else {
                String::new()
            },
        ]
    };
    for r in store::all_responses(db, id).await? {
        let Some(s) = by_id.get(&r.statement_id) else {
            continue;
        };
        let mut rec = person(r.user_id);
        rec.extend([
            "statement".to_string(),
            s.statement.location(),
            s.statement.full_text(),
            r.stance.clone().unwrap_or_default(),
            r.importance.map(|n| n.to_string()).unwrap_or_default(),
            r.frequency.map(|n| n.to_string()).unwrap_or_default(),
            r.comment_type.clone().unwrap_or_default(),
            r.comment.clone(),
            r.rewrite.clone(),
            crate::corrections::when(r.updated_at),
        ]);
        w.write_record(&rec).map_err(csv_err)?;
    }
    for p in store::proposals(db, id, None).await? {
        let mut rec = person(p.user_id);
        rec.extend([
            "proposal".to_string(),
            format!("{}/{}", p.section, p.level),
            p.text.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            p.rationale.clone(),
            String::new(),
            crate::corrections::when(p.created_at),
        ]);
        w.write_record(&rec).map_err(csv_err)?;
    }
    for (u, text) in store::general(db, id, None).await? {
        let mut rec = person(u);
        rec.extend([
            "general".to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "general".to_string(),
            text,
            String::new(),
            String::new(),
        ]);
        w.write_record(&rec).map_err(csv_err)?;
    }
    for (u, ord, a) in store::answers(db, id, None).await? {
        let mut rec = person(u);
        let value = match a {
            AnswerValue::Single(v) | AnswerValue::Text(v) => v,
            AnswerValue::Multiple(vs) => vs.join("; "),
            AnswerValue::Rating(n) => n.to_string(),
        };
        rec.extend([
            "survey".to_string(),
            format!("q{}", ord + 1),
            call.questions
                .get(ord)
                .map(|q| q.prompt.clone())
                .unwrap_or_default(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            value,
            String::new(),
            String::new(),
        ]);
        w.write_record(&rec).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}
