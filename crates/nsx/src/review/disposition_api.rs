//! The dispositions JSON API: the editors' board (list, set, mark duplicates), concluding
//! a call, starting and publishing its revision, a reviewer's own comments with their
//! dispositions and verdicts, and the public disposition report. Errors are RFC 9457
//! problem documents.

use axum::extract::State;
use nsx_core::frameworks::Status;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dispositions::{self, Board, MyDispositions, Report, SetDisposition, VerdictInput};
use crate::error::Error;
use crate::frameworks::VersionSummary;
use crate::service::ApiCaller;
use crate::state::AppState;
use crate::web::error::{ApiJson, ApiPath, ApiResult, Problem};

fn call_id(raw: &str) -> Result<nsx_core::ids::CallId, Error> {
    raw.parse()
        .map_err(|_| Error::not_found(format!("call for input {raw:?}")))
}

/// Every comment of a closed call with its disposition (editors of the owner). Lists
/// groups of near-identical comments and the objections reviewers maintain.
#[utoipa::path(
    get,
    path = "/api/v1/reviews/{id}/dispositions",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The comments and where the call stands", body = Board),
        (status = 403, description = "Not an editor of the framework's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_dispositions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<Board>> {
    let (_, b) = dispositions::board(&state.db, &caller, call_id(&id)?).await?;
    Ok(ApiJson(b))
}

/// Dispositions to set.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DispositionsUpsert {
    /// One per comment; all are set or none.
    pub dispositions: Vec<SetDisposition>,
}

/// Sets dispositions, all or nothing (editors of the owner, after the close and before the
/// call is concluded). `not_accepted` needs a reason; `duplicate` names the original.
#[utoipa::path(
    put,
    path = "/api/v1/reviews/{id}/dispositions",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    request_body = DispositionsUpsert,
    responses(
        (status = 200, description = "Saved; the comments", body = Board),
        (status = 403, description = "Not an editor of the framework's owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call has not closed, or is concluded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input; each error names its field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn set_dispositions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DispositionsUpsert>,
) -> ApiResult<ApiJson<Board>> {
    let id = call_id(&id)?;
    dispositions::set_dispositions(&state.db, &caller, id, body.dispositions).await?;
    let (_, b) = dispositions::board(&state.db, &caller, id).await?;
    Ok(ApiJson(b))
}

/// Comments to mark duplicates of one original.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DuplicatesInput {
    /// The original comment.
    pub original: Uuid,
    /// Its duplicates.
    pub duplicates: Vec<Uuid>,
}

/// Marks comments duplicates of an original at once (a campaign pasting one text).
#[utoipa::path(
    post,
    path = "/api/v1/reviews/{id}/dispositions/duplicates",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    request_body = DuplicatesInput,
    responses(
        (status = 200, description = "Saved; the comments", body = Board),
        (status = 403, description = "Not an editor of the framework's owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call has not closed, or is concluded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The original is no comment of the call or is a duplicate itself", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn mark_duplicates(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DuplicatesInput>,
) -> ApiResult<ApiJson<Board>> {
    let id = call_id(&id)?;
    dispositions::mark_duplicates(&state.db, &caller, id, body.original, &body.duplicates).await?;
    let (_, b) = dispositions::board(&state.db, &caller, id).await?;
    Ok(ApiJson(b))
}

/// Concludes a closed call and publishes its dispositions (editors of the owner); refused
/// with 409 while any comment has no disposition.
#[utoipa::path(
    post,
    path = "/api/v1/reviews/{id}/conclusion",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "Concluded; the consultation so far", body = nsx_core::review::dispositions::ConsultationSummary),
        (status = 403, description = "Not an editor of the framework's owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not closed, concluded already, or comments unresolved (the detail says how many)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn conclude(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<nsx_core::review::dispositions::ConsultationSummary>> {
    Ok(ApiJson(
        dispositions::conclude(&state.db, &caller, call_id(&id)?).await?,
    ))
}

/// A version of the framework under review.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionInfo {
    /// The framework's code.
    pub framework: String,
    /// The version's label.
    pub version: String,
    /// Its status.
    pub status: Status,
    /// Its page.
    pub url: String,
}

impl From<VersionSummary> for RevisionInfo {
    fn from(v: VersionSummary) -> Self {
        RevisionInfo {
            url: format!("/frameworks/{}/{}", v.code, v.label),
            framework: v.code,
            version: v.label.to_string(),
            status: v.status,
        }
    }
}

/// Starts the revised draft from the reviewed version (editors of the owner, after the
/// close); edit it with the frameworks API.
#[utoipa::path(
    post,
    path = "/api/v1/reviews/{id}/revision",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The revised draft", body = RevisionInfo),
        (status = 403, description = "Not an editor of the framework's owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not closed, or a revision or another draft exists", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn start_revision(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<RevisionInfo>> {
    let v = dispositions::start_revision(&state.db, &caller, call_id(&id)?).await?;
    Ok(ApiJson(v.into()))
}

/// Publishes the revised draft with the consultation's summary (editors of the owner, once
/// the call is concluded).
#[utoipa::path(
    post,
    path = "/api/v1/reviews/{id}/revision/publication",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The published revision", body = RevisionInfo),
        (status = 403, description = "Not an editor of the framework's owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not concluded, no revised draft, or published already", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn publish_revision(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<RevisionInfo>> {
    let v = dispositions::publish_revision(&state.db, &caller, call_id(&id)?).await?;
    Ok(ApiJson(v.into()))
}

/// The caller's own comments with their dispositions, once published.
#[utoipa::path(
    get,
    path = "/api/v1/reviews/{id}/my-dispositions",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The caller's comments", body = MyDispositions),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn my_dispositions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<MyDispositions>> {
    let (_, m) = dispositions::mine(&state.db, &caller, call_id(&id)?).await?;
    Ok(ApiJson(m))
}

/// Says whether the caller accepts the response to one of their comments (`accept`) or
/// maintains an objection (`object`), once the dispositions are published.
#[utoipa::path(
    put,
    path = "/api/v1/reviews/{id}/my-dispositions",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    request_body = VerdictInput,
    responses(
        (status = 200, description = "Saved; the caller's comments", body = MyDispositions),
        (status = 404, description = "Not one of the caller's comments", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The dispositions are not published yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid verdict", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn give_verdict(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<VerdictInput>,
) -> ApiResult<ApiJson<MyDispositions>> {
    let id = call_id(&id)?;
    dispositions::give_verdict(&state.db, &caller, id, body).await?;
    let (_, m) = dispositions::mine(&state.db, &caller, id).await?;
    Ok(ApiJson(m))
}

/// The public disposition report: every comment, anonymized (stakeholder type and sector
/// only), with its disposition and reason; empty until the call is concluded.
#[utoipa::path(
    get,
    path = "/api/v1/reviews/{id}/report",
    tag = "reviews",
    params(("id" = Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The report", body = Report),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn report(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<Report>> {
    let (_, r) = dispositions::report(&state.db, call_id(&id)?).await?;
    Ok(ApiJson(r))
}
