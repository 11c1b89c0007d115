//! The editorial JSON API: create a framework, change its details, start a draft, apply
//! edits to a draft, and move a version through its statuses. Every call goes through the
//! frameworks service (policy, one transaction, one audit entry).

use axum::extract::State;
use axum::http::StatusCode;
use nsx_core::frameworks::Status;
use nsx_core::frameworks::edit::Edit;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::api::VersionInfo;
use super::editing::Framework;
use super::service::{self, FrameworkDetails, NewFramework};
use super::service::{check_code, parse_label};
use crate::error::Error;
use crate::service::ApiCaller;
use crate::state::AppState;
use crate::web::error::{ApiJson, ApiPath, ApiResult, Problem};

/// A framework just created, with its first draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedFramework {
    /// The framework.
    pub framework: Framework,
    /// Its first version (a draft).
    pub version: VersionInfo,
}

/// Creates a framework owned by the caller's organization (administrators may name any),
/// with a first draft: empty, or a copy of another framework's current version.
#[utoipa::path(
    post,
    path = "/api/v1/frameworks",
    tag = "frameworks",
    request_body = NewFramework,
    responses(
        (status = 201, description = "Created", body = CreatedFramework),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor of the organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is wrong (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create_framework(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<NewFramework>,
) -> ApiResult<(StatusCode, ApiJson<CreatedFramework>)> {
    let (framework, version) = service::create(&state.db, &caller, body).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedFramework {
            framework,
            version: (&version).into(),
        }),
    ))
}

/// Changes a framework's title, description and occupations.
#[utoipa::path(
    put,
    path = "/api/v1/frameworks/{code}/details",
    tag = "frameworks",
    params(("code" = String, Path, description = "Framework code")),
    request_body = FrameworkDetails,
    responses(
        (status = 200, description = "Saved", body = Framework),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor of the owning organization", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is wrong", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn update_details(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<FrameworkDetails>,
) -> ApiResult<ApiJson<Framework>> {
    check_code(&code)?;
    Ok(ApiJson(
        service::update_details(&state.db, &caller, &code, body).await?,
    ))
}

/// Where a new draft starts from.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewDraft {
    /// The version to copy (a label such as `v26.05`); the current version when absent.
    pub from: Option<String>,
}

/// Starts a new draft copied from the framework's current version (or another). A
/// framework has at most one draft at a time.
#[utoipa::path(
    post,
    path = "/api/v1/frameworks/{code}/drafts",
    tag = "frameworks",
    params(("code" = String, Path, description = "Framework code")),
    request_body = NewDraft,
    responses(
        (status = 201, description = "The new draft", body = VersionInfo),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor of the owning organization", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A draft exists already", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn start_draft(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<NewDraft>,
) -> ApiResult<(StatusCode, ApiJson<VersionInfo>)> {
    check_code(&code)?;
    let from = body.from.as_deref().map(parse_label).transpose()?;
    let v = service::start_draft(&state.db, &caller, &code, from.as_ref()).await?;
    Ok((StatusCode::CREATED, ApiJson((&v).into())))
}

/// Edits to apply to a draft, in order, all or nothing.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EditRequest {
    /// The edits.
    pub edits: Vec<Edit>,
}

/// What the edits did.
#[derive(Debug, Serialize, ToSchema)]
pub struct EditResult {
    /// The version after the edits.
    pub version: VersionInfo,
    /// Item ids of the statements added, in order.
    pub added: Vec<Uuid>,
}

/// Applies edits to a draft: set the context, add, remove, reword or move statements, add
/// or remove citations. New citations of O*NET rows name the row (`source`, `release`,
/// `locator`); the exchange fills in the cited text and refuses rows it does not hold.
/// A version in review, published, superseded or discarded is never changed (409).
#[utoipa::path(
    post,
    path = "/api/v1/frameworks/{code}/versions/{version}/edits",
    tag = "frameworks",
    params(
        ("code" = String, Path, description = "Framework code"),
        ("version" = String, Path, description = "Version label, e.g. `v26.05`"),
    ),
    request_body = EditRequest,
    responses(
        (status = 200, description = "Applied", body = EditResult),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor of the owning organization", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is not a draft", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An edit is wrong (`errors[].field` names it, e.g. `edits[2].subject`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn apply_edits(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((code, version)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<EditRequest>,
) -> ApiResult<ApiJson<EditResult>> {
    check_code(&code)?;
    let label = parse_label(&version)?;
    let out = service::edit(&state.db, &caller, &code, &label, body.edits).await?;
    Ok(ApiJson(EditResult {
        version: (&out.version).into(),
        added: out.added,
    }))
}

/// The status a version moves to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusChange {
    /// `in_review` (submit a draft), `draft` (take it back), `published` (publish a version
    /// in review) or `discarded` (drop a draft).
    pub status: Status,
}

/// Moves a version to another status. Publishing gives the next free label of the month
/// (`v26.05`, then `v26.05.2`) and supersedes the version published before.
#[utoipa::path(
    post,
    path = "/api/v1/frameworks/{code}/versions/{version}/status",
    tag = "frameworks",
    params(
        ("code" = String, Path, description = "Framework code"),
        ("version" = String, Path, description = "Version label"),
    ),
    request_body = StatusChange,
    responses(
        (status = 200, description = "Moved", body = VersionInfo),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor of the owning organization", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The move is not allowed from the version's status", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn change_status(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((code, version)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<StatusChange>,
) -> ApiResult<ApiJson<VersionInfo>> {
    check_code(&code)?;
    let label = parse_label(&version)?;
    if body.status == Status::Superseded {
        return Err(
            Error::Conflict("a version is superseded by publishing a newer one".into()).into(),
        );
    }
    let v = service::transition(&state.db, &caller, &code, &label, body.status).await?;
    Ok(ApiJson((&v).into()))
}
