//! The corrections JSON API: suggest a correction (anonymous callers give an e-mail
//! address), read one (its author or an editor who triages it), the triage queue, a
//! decision, and the caller's own suggestions. Errors are RFC 9457 problem documents.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nsx_core::frameworks::Locator;
use nsx_core::ids::CorrectionId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::service::{self, Group, QueueFilter, SuggestionInput, TriageOutcome};
use super::{Correction, when};
use crate::accounts::extract::ClientIp;
use crate::error::Error;
use crate::paging::{PageQuery, Paginated};
use crate::service::ApiCaller;
use crate::state::AppState;
use crate::web::error::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};

/// A correction to suggest.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCorrection {
    /// Framework code (an O*NET-SOC code or an organization's slug).
    pub framework: String,
    /// Version label the suggestion is made on, e.g. `v26.05`.
    pub version: String,
    /// The statement behind which the source row is cited (or give `anchor`).
    pub statement_id: Option<Uuid>,
    /// Which of the statement's citations (0-based); may be left out when it has one.
    pub citation: Option<u32>,
    /// A source row of the version instead of a statement: `task-<task ID>` or
    /// `element-<element ID>`.
    pub anchor: Option<String>,
    /// What is wrong with the current value (1–2000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    pub problem: String,
    /// The value the row should hold (one line, 1–1000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub proposed_value: String,
    /// How you know: a source, a link, your experience (1–4000 characters).
    #[schema(min_length = 1, max_length = 4000)]
    pub evidence: String,
    /// Your e-mail address, where the outcome is sent (required unless signed in).
    pub email: Option<String>,
    /// Your name (required unless signed in; at most 100 characters).
    #[schema(max_length = 100)]
    pub name: Option<String>,
}

/// A source row a suggestion concerns.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceRowInfo {
    /// The occupation the row belongs to (O*NET-SOC code).
    pub occupation_code: Option<String>,
    /// Source key, e.g. `onet`.
    pub source: String,
    /// Source release, e.g. `30.1`.
    pub release: String,
    /// File of the release, e.g. `Task Statements.txt`.
    pub file: String,
    /// The row's identifier in the file: task ID, element ID, commodity code.
    pub row_id: String,
    /// Rating scale, for rated elements.
    pub scale: Option<String>,
    /// Where the row is, as a structured locator.
    pub locator: Locator,
    /// The value the exchange held for the row when the suggestion was made.
    pub current_value: String,
}

impl From<&nsx_core::corrections::SourceRow> for SourceRowInfo {
    fn from(r: &nsx_core::corrections::SourceRow) -> Self {
        SourceRowInfo {
            occupation_code: r.occupation_code.clone(),
            source: r.source.clone(),
            release: r.release.clone(),
            file: r.file.clone(),
            row_id: r.row_id(),
            scale: r.scale().map(str::to_string),
            locator: r.locator.clone(),
            current_value: r.current_value.clone(),
        }
    }
}

/// A correction suggestion and its outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionInfo {
    /// Its id.
    pub id: Uuid,
    /// `open`, `accepted`, `rejected` or `forwarded`.
    pub status: String,
    /// The framework's code.
    pub framework: String,
    /// The framework's title.
    pub framework_title: String,
    /// The version it was made on.
    pub version: Option<String>,
    /// The statement it was made on, if any.
    pub statement_id: Option<Uuid>,
    /// Which of the statement's citations (0-based).
    pub citation: Option<i64>,
    /// The source row.
    pub row: SourceRowInfo,
    /// What is wrong.
    pub problem: String,
    /// The value proposed.
    pub proposed_value: String,
    /// The evidence given.
    pub evidence: String,
    /// The suggester's name.
    pub suggester_name: String,
    /// The suggester's e-mail address.
    pub suggester_email: String,
    /// The editors' reason (rejections) or note.
    pub reason: Option<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it was decided (RFC 3339).
    pub triaged_at: Option<String>,
    /// Suggestions proposing the same change to the same row share this key.
    pub change_key: String,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| when(t))
}

impl From<&Correction> for CorrectionInfo {
    fn from(c: &Correction) -> Self {
        CorrectionInfo {
            id: c.id.0,
            status: c.status.as_str().into(),
            framework: c.framework_code.clone(),
            framework_title: c.framework_title.clone(),
            version: c.version_label.clone(),
            statement_id: c.statement_id,
            citation: c.citation_ord,
            row: (&c.row).into(),
            problem: c.text.problem.clone(),
            proposed_value: c.text.proposed_value.clone(),
            evidence: c.text.evidence.clone(),
            suggester_name: c.suggester.name.clone(),
            suggester_email: c.suggester.email.clone(),
            reason: c.reason.clone(),
            created_at: rfc3339(c.created_at),
            triaged_at: c.triaged_at.map(rfc3339),
            change_key: c.change_key.clone(),
        }
    }
}

use crate::paging::json_with_total as with_total;

/// Suggests a correction to the source row behind a framework statement or source anchor.
/// Anyone may: signed-in callers are the suggester; anonymous callers give `email` and
/// `name`. At most a configured number of suggestions per e-mail address and per client
/// address in an hour.
#[utoipa::path(
    post,
    path = "/api/v1/corrections",
    tag = "corrections",
    request_body = NewCorrection,
    responses(
        (status = 201, description = "Recorded; it waits for the editors", body = CorrectionInfo,
            headers(("Location" = String, description = "The suggestion's API address"))),
        (status = 404, description = "No such framework, version, statement or source row", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same change is already waiting from this address", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input; each error names its field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many suggestions from this address in the last hour", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_correction(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<NewCorrection>,
) -> ApiResult<Response> {
    let input = SuggestionInput {
        framework: body.framework,
        version: body.version,
        statement: body.statement_id.map(|s| s.to_string()),
        citation: body.citation.map(|c| c.to_string()),
        anchor: body.anchor,
        problem: body.problem,
        proposed_value: body.proposed_value,
        evidence: body.evidence,
        name: body.name,
        email: body.email,
    };
    let c = service::suggest(
        &state.db,
        &state.config.corrections,
        &caller,
        ip.as_deref(),
        input,
    )
    .await?;
    let mut resp = (StatusCode::CREATED, axum::Json(CorrectionInfo::from(&c))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/corrections/{}", c.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

fn correction_id(raw: &str) -> Result<CorrectionId, Error> {
    raw.parse::<CorrectionId>()
        .map_err(|_| Error::invalid("id", format!("{raw:?} is not a correction id")))
}

/// One suggestion and its outcome: for its author (signed in when suggesting) and the
/// editors who triage it.
#[utoipa::path(
    get,
    path = "/api/v1/corrections/{id}",
    tag = "corrections",
    params(("id" = Uuid, Path, description = "The suggestion's id")),
    responses(
        (status = 200, description = "The suggestion", body = CorrectionInfo),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither its author nor an editor who triages it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such suggestion", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn get_correction(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<CorrectionInfo>> {
    let c = service::get(&state.db, &caller, correction_id(&id)?).await?;
    Ok(ApiJson(CorrectionInfo::from(&c)))
}

/// Filters of the triage queue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// `open` (the default), `accepted`, `rejected`, `forwarded`, or `all`.
    pub status: Option<String>,
    /// Only suggestions made on this framework (code).
    pub framework: Option<String>,
    /// Groups per page (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Groups to skip.
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<i64>,
}

/// Suggestions proposing the same change to the same row.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionGroup {
    /// The key the suggestions share.
    pub change_key: String,
    /// The row.
    pub row: SourceRowInfo,
    /// The proposed value, as first written.
    pub proposed_value: String,
    /// How many people suggested it (distinct e-mail addresses).
    pub suggesters: i64,
    /// The suggestions, oldest first; decide on any open one to decide on all the open ones.
    pub suggestions: Vec<CorrectionInfo>,
}

impl From<&Group> for CorrectionGroup {
    fn from(g: &Group) -> Self {
        CorrectionGroup {
            change_key: g.change_key.clone(),
            row: (&g.row).into(),
            proposed_value: g.proposed_value.clone(),
            suggesters: g.suggesters,
            suggestions: g.items.iter().map(CorrectionInfo::from).collect(),
        }
    }
}

/// The triage queue: suggestions about the caller's organization's frameworks (all
/// frameworks for administrators), grouped by proposed change, the groups with the most
/// suggesters first. `X-Total-Count` counts groups.
#[utoipa::path(
    get,
    path = "/api/v1/corrections",
    tag = "corrections",
    params(QueueParams),
    responses(
        (status = 200, description = "A page of groups", body = Paginated<CorrectionGroup>,
            headers(("X-Total-Count" = i64, description = "Groups matching the filters"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor of an organization, or not of the named framework's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_corrections(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<QueueParams>,
) -> ApiResult<Response> {
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .checked()?;
    let filter = QueueFilter::parse(q.status.as_deref(), q.framework.as_deref())?;
    let list = service::queue(&state.db, &caller, &filter, page).await?;
    let total = list.total;
    Ok(with_total(total, list.map(|g| CorrectionGroup::from(&g))))
}

/// An editor's decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TriageRequest {
    /// `accept`, `reject` or `forward`.
    pub decision: String,
    /// Why (required to reject; the suggester is told) or a note (1–2000 characters).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// What a decision did.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriageResult {
    /// The status the suggestions now have.
    pub status: String,
    /// The reason or note given.
    pub reason: Option<String>,
    /// Every suggestion decided: the one named and its open duplicates.
    pub corrections: Vec<Uuid>,
    /// Suggesters told by e-mail (one message per address, sent from the outbox).
    pub notified: usize,
}

impl From<TriageOutcome> for TriageResult {
    fn from(o: TriageOutcome) -> Self {
        TriageResult {
            status: o.status.as_str().into(),
            reason: o.reason,
            corrections: o.ids,
            notified: o.notified,
        }
    }
}

/// Decides on an open suggestion, and with it on every open suggestion of the same change
/// about the same organization's frameworks; each suggester is told by e-mail. One audit
/// entry records the decision.
#[utoipa::path(
    post,
    path = "/api/v1/corrections/{id}/triage",
    tag = "corrections",
    params(("id" = Uuid, Path, description = "The suggestion's id")),
    request_body = TriageRequest,
    responses(
        (status = 200, description = "Decided", body = TriageResult),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor of the framework's organization", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such suggestion", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid decision, or a rejection without a reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn triage_correction(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TriageRequest>,
) -> ApiResult<ApiJson<TriageResult>> {
    let out = service::triage(
        &state.db,
        &state.config.public_url(),
        &caller,
        correction_id(&id)?,
        &body.decision,
        body.reason.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(ApiJson(out.into()))
}

/// The caller's own suggestions and their outcomes, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/corrections",
    tag = "corrections",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the caller's suggestions", body = Paginated<CorrectionInfo>,
            headers(("X-Total-Count" = i64, description = "The caller's suggestions"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn my_corrections(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Response> {
    let page = q.checked()?;
    let list = service::mine(&state.db, &caller, page).await?;
    let total = list.total;
    Ok(with_total(total, list.map(|c| CorrectionInfo::from(&c))))
}
