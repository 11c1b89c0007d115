//! The calls-for-input JSON API: the list of open and recent calls, one call with its
//! statements, opening a call (editors of the owner), joining and leaving, the caller's
//! own responses (read and upsert) and the results (editors of the owner). Errors are
//! RFC 9457 problem documents.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nsx_core::frameworks::{Statement, VersionLabel};
use nsx_core::review::{
    CallState, Phase, Question, StakeholderType, StatementResponse, StatementResult, SurveyResult,
    Thresholds,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::service::{self, MyResponses, NewCall, ProfileInput, ProposalInput, Submitted};
use super::{Call, Participant};
use crate::error::Error;
use crate::service::ApiCaller;
use crate::state::AppState;
use crate::web::error::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A call for input.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallInfo {
    /// Id.
    pub id: Uuid,
    /// The framework's code.
    pub framework: String,
    /// The framework's title.
    pub framework_title: String,
    /// The version under review.
    pub version: String,
    /// The owning organization.
    pub organization: Option<String>,
    /// The occupations the framework relates to.
    pub occupations: Vec<String>,
    /// Invitation text.
    pub invitation: String,
    /// Contact name.
    pub contact_name: String,
    /// Contact address.
    pub contact_email: String,
    /// Invited stakeholder types.
    pub stakeholder_types: Vec<StakeholderType>,
    /// The call's time zone.
    pub time_zone: String,
    /// Opening instant (RFC 3339, UTC).
    pub opens_at: String,
    /// Closing instant (RFC 3339, UTC).
    pub closes_at: String,
    /// Opening time in the call's zone, as shown on pages.
    pub opens_local: String,
    /// Closing time in the call's zone.
    pub closes_local: String,
    /// Where the window stands by the server's clock.
    pub phase: Phase,
    /// The stored state (moved by scheduled jobs).
    pub state: CallState,
    /// Survey questions (positions are their indexes).
    pub questions: Vec<Question>,
    /// Consensus thresholds.
    pub thresholds: Thresholds,
    /// The call's page.
    pub url: String,
}

impl From<&Call> for CallInfo {
    fn from(c: &Call) -> Self {
        CallInfo {
            id: c.id.0,
            framework: c.framework_code.clone(),
            framework_title: c.framework_title.clone(),
            version: c.version_label.clone(),
            organization: c.organization_name.clone(),
            occupations: c.occupations.clone(),
            invitation: c.invitation.clone(),
            contact_name: c.contact_name.clone(),
            contact_email: c.contact_email.clone(),
            stakeholder_types: c.stakeholder_types.clone(),
            time_zone: c.time_zone.clone(),
            opens_at: rfc3339(c.opens_at),
            closes_at: rfc3339(c.closes_at),
            opens_local: c.opens_local(),
            closes_local: c.closes_local(),
            phase: c.phase_now(),
            state: c.state,
            questions: c.questions.clone(),
            thresholds: c.thresholds,
            url: c.path(),
        }
    }
}

/// Open, upcoming and recently closed calls.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallList {
    /// Open now, closing soonest first.
    pub open: Vec<CallInfo>,
    /// Opening later.
    pub upcoming: Vec<CallInfo>,
    /// Closed in the last 90 days.
    pub closed: Vec<CallInfo>,
}

/// Filter of the list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only calls on frameworks with an occupation in this SOC major group (e.g. `49`).
    pub family: Option<String>,
}

/// Open, upcoming and recently closed calls for input.
#[utoipa::path(
    get,
    path = "/api/v1/reviews",
    tag = "reviews",
    params(ListParams),
    responses(
        (status = 200, description = "The calls", body = CallList),
        (status = 422, description = "Unknown occupation family", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_calls(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListParams>,
) -> ApiResult<ApiJson<CallList>> {
    let family = service::check_family(q.family.as_deref())?;
    let l = service::lists(&state.db, family.as_deref()).await?;
    Ok(ApiJson(CallList {
        open: l.open.iter().map(CallInfo::from).collect(),
        upcoming: l.upcoming.iter().map(CallInfo::from).collect(),
        closed: l.closed.iter().map(CallInfo::from).collect(),
    }))
}

/// A call to open.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenCall {
    /// The framework's code.
    pub framework: String,
    /// The draft version's label.
    pub version: String,
    /// The call.
    #[serde(flatten)]
    pub call: NewCall,
}

/// Opens a call for input on a draft version (editors of the framework's owner). The
/// version is in review (frozen) from now on.
#[utoipa::path(
    post,
    path = "/api/v1/reviews",
    tag = "reviews",
    request_body = OpenCall,
    responses(
        (status = 201, description = "The call", body = CallInfo),
        (status = 403, description = "Not an editor of the framework's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is not a draft or already has a call", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input; each error names its field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn open_call(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<OpenCall>,
) -> ApiResult<Response> {
    let label: VersionLabel = body
        .version
        .trim()
        .parse()
        .map_err(|e: nsx_core::frameworks::FrameworkError| Error::invalid("version", e.0))?;
    let call = service::open_call(&state.db, &caller, &body.framework, &label, body.call).await?;
    let mut r = (StatusCode::CREATED, axum::Json(CallInfo::from(&call))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/reviews/{}", call.id)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// A statement under review.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewStatement {
    /// The statement's id in the version (use it in responses).
    pub id: Uuid,
    /// `technical/emerging#1`.
    pub location: String,
    /// The statement.
    pub statement: Statement,
}

/// A call with the statements under review.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallDetail {
    /// The call.
    #[serde(flatten)]
    pub call: CallInfo,
    /// The statements, in display order.
    pub statements: Vec<ReviewStatement>,
    /// Reviewers taking part (a count; never who).
    pub reviewers: usize,
}

fn call_id(raw: &str) -> Result<nsx_core::ids::CallId, Error> {
    raw.parse()
        .map_err(|_| Error::not_found(format!("call for input {raw:?}")))
}

/// One call with its statements.
#[utoipa::path(
    get,
    path = "/api/v1/reviews/{id}",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The call", body = CallDetail),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_call(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<CallDetail>> {
    let call = service::get(&state.db, call_id(&id)?).await?;
    let statements = service::statements(&state.db, &call)
        .await?
        .into_iter()
        .map(|s| ReviewStatement {
            id: s.id,
            location: s.statement.location(),
            statement: s.statement,
        })
        .collect();
    let reviewers = super::store::participants(&state.db, call.id).await?.len();
    Ok(ApiJson(CallDetail {
        call: CallInfo::from(&call),
        statements,
        reviewers,
    }))
}

/// The caller's participation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationInfo {
    /// Stakeholder type.
    pub stakeholder_type: StakeholderType,
    /// NAICS sector.
    pub sector: Option<String>,
    /// Organization.
    pub organization: String,
    /// Country.
    pub country: String,
    /// Role.
    pub role: String,
    /// When they joined.
    pub joined_at: String,
}

impl From<&Participant> for ParticipationInfo {
    fn from(p: &Participant) -> Self {
        ParticipationInfo {
            stakeholder_type: p.profile.stakeholder_type,
            sector: p.profile.sector.clone(),
            organization: p.profile.organization.clone(),
            country: p.profile.country.clone(),
            role: p.profile.role.clone(),
            joined_at: rfc3339(p.joined_at),
        }
    }
}

/// Joins an open call (a verified e-mail address is needed), stating who the caller speaks
/// for; the profile is kept for later calls.
#[utoipa::path(
    post,
    path = "/api/v1/reviews/{id}/participation",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    request_body = ProfileInput,
    responses(
        (status = 200, description = "Joined", body = ParticipationInfo),
        (status = 403, description = "The e-mail address is not confirmed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is not open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid profile", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn join(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ProfileInput>,
) -> ApiResult<ApiJson<ParticipationInfo>> {
    let p = service::join(&state.db, &caller, call_id(&id)?, body).await?;
    Ok(ApiJson(ParticipationInfo::from(&p)))
}

/// What leaving withdrew.
#[derive(Debug, Serialize, ToSchema)]
pub struct Withdrawn {
    /// Answers withdrawn.
    pub withdrawn: u64,
}

/// Leaves a call before its close, withdrawing every response.
#[utoipa::path(
    delete,
    path = "/api/v1/reviews/{id}/participation",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "Left", body = Withdrawn),
        (status = 403, description = "Not taking part", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is closed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn leave(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<Withdrawn>> {
    let withdrawn = service::leave(&state.db, &caller, call_id(&id)?).await?;
    Ok(ApiJson(Withdrawn { withdrawn }))
}

/// The caller's own responses in a call.
#[utoipa::path(
    get,
    path = "/api/v1/reviews/{id}/responses",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The caller's responses", body = MyResponses),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn my_responses(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<MyResponses>> {
    let id = call_id(&id)?;
    service::get(&state.db, id).await?;
    Ok(ApiJson(service::mine(&state.db, &caller, id).await?))
}

/// One statement's response in an upsert.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatementUpsert {
    /// The statement's id.
    pub statement_id: Uuid,
    /// The response (all fields empty removes it).
    #[serde(flatten)]
    pub response: StatementResponse,
}

/// Responses to save; every part is optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ResponsesUpsert {
    /// Responses to statements (one per statement; saving again replaces it).
    #[serde(default)]
    pub statements: Vec<StatementUpsert>,
    /// The general comment (empty removes it).
    pub general_comment: Option<String>,
    /// Survey answers by question position; each a list of values (one for single choice,
    /// rating and text).
    pub answers: Option<BTreeMap<usize, Vec<String>>>,
    /// Statements to propose.
    #[serde(default)]
    pub proposals: Vec<ProposalInput>,
}

/// Saves the caller's responses while the call is open (one row per statement: sending the
/// same statement again replaces the answer), and returns them all.
#[utoipa::path(
    put,
    path = "/api/v1/reviews/{id}/responses",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    request_body = ResponsesUpsert,
    responses(
        (status = 200, description = "Saved; the caller's responses", body = MyResponses),
        (status = 403, description = "Not taking part in the call", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is not open (before the opening or after the close)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input; each error names its field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn upsert_responses(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ResponsesUpsert>,
) -> ApiResult<ApiJson<MyResponses>> {
    let id = call_id(&id)?;
    let db = &state.db;
    if !body.statements.is_empty() {
        let items = body
            .statements
            .into_iter()
            .map(|s| Submitted {
                statement: s.statement_id,
                response: s.response,
                shown: None,
            })
            .collect();
        service::respond(db, &caller, id, items).await?;
    }
    if let Some(g) = &body.general_comment {
        service::general_comment(db, &caller, id, g).await?;
    }
    if let Some(a) = &body.answers {
        service::answer_survey(db, &caller, id, a).await?;
    }
    for p in body.proposals {
        service::propose(db, &caller, id, p).await?;
    }
    Ok(ApiJson(service::mine(db, &caller, id).await?))
}

/// One statement's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementResults {
    /// The statement's id.
    pub id: Uuid,
    /// `technical/emerging#1`.
    pub location: String,
    /// Its text.
    pub text: String,
    /// Distributions and flags.
    #[serde(flatten)]
    pub result: StatementResult,
}

/// One survey question's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionResults {
    /// The question.
    pub question: Question,
    /// Its results.
    #[serde(flatten)]
    pub result: SurveyResult,
}

/// The results of a call.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsInfo {
    /// The call.
    pub call: CallInfo,
    /// Reviewers taking part.
    pub respondents: u32,
    /// By stakeholder type.
    pub by_type: BTreeMap<String, u32>,
    /// By NAICS sector.
    pub by_sector: BTreeMap<String, u32>,
    /// By country.
    pub by_country: BTreeMap<String, u32>,
    /// Statement responses first saved per day (UTC).
    pub over_time: BTreeMap<String, u32>,
    /// Per statement.
    pub statements: Vec<StatementResults>,
    /// Per survey question.
    pub survey: Vec<QuestionResults>,
    /// Proposed statements (text only).
    pub proposals: Vec<String>,
    /// General comments.
    pub general_comments: Vec<String>,
}

/// The results of a call (editors of the framework's owner): distributions per statement
/// overall, by stakeholder type and by sector, consensus flags, survey results and
/// respondent counts. Never reviewer identities.
#[utoipa::path(
    get,
    path = "/api/v1/reviews/{id}/results",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The results", body = ResultsInfo),
        (status = 403, description = "Not an editor of the framework's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn results(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<ResultsInfo>> {
    let r = service::results(&state.db, &caller, call_id(&id)?).await?;
    Ok(ApiJson(ResultsInfo {
        call: CallInfo::from(&r.call),
        respondents: r.respondents,
        by_type: r.by_type,
        by_sector: r.by_sector,
        by_country: r.by_country,
        over_time: r.over_time,
        statements: r
            .statements
            .into_iter()
            .map(|(s, result)| StatementResults {
                id: s.id,
                location: s.statement.location(),
                text: s.statement.full_text(),
                result,
            })
            .collect(),
        survey: r
            .survey
            .into_iter()
            .map(|(question, result)| QuestionResults { question, result })
            .collect(),
        proposals: r.proposals.into_iter().map(|p| p.text).collect(),
        general_comments: r.general_comments,
    }))
}
