//! The accounts JSON API: who am I, API tokens, and (for administrators) users, roles and
//! organizations. Authenticate with `Authorization: Bearer <token>` or the session cookie;
//! every error is an RFC 9457 problem document.

use axum::http::StatusCode;
use nsx_core::accounts::{FieldError, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::service;
use super::service::{check_token_name, confirm_password};
use super::store::{self, ApiToken};
use super::{ApiAdmin, ApiUser, Organization, User};
use crate::error::Error;
use crate::service::{Caller, RequestId};
use crate::state::AppState;
use crate::web::error::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use axum::extract::State;

/// The signed-in user with their organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The account.
    #[serde(flatten)]
    pub user: User,
    /// The organization the user belongs to, if any.
    pub organization: Option<Organization>,
}

/// Who the caller is.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    responses(
        (status = 200, description = "The signed-in user", body = Me),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn me(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<ApiJson<Me>> {
    let organization = match user.organization_id {
        Some(o) => store::find_org(&state.db, o).await?,
        None => None,
    };
    Ok(ApiJson(Me { user, organization }))
}

/// The caller's API tokens (never the secrets).
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "accounts",
    responses(
        (status = 200, description = "The caller's tokens, newest first", body = Vec<ApiToken>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_tokens(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<ApiJson<Vec<ApiToken>>> {
    Ok(ApiJson(store::list_tokens(&state.db, user.id).await?))
}

/// A request for a new API token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    /// What the token is for (1–100 characters).
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The caller's password: a token acts as its owner, so making one needs the password
    /// even when the request carries a session or another token.
    #[serde(default)]
    pub password: String,
}

/// A new API token: the secret is in this answer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The secret to send as `Authorization: Bearer <token>`. Not retrievable later.
    pub token: String,
    /// The token's listing.
    #[serde(flatten)]
    pub info: ApiToken,
}

/// Creates an API token for the caller, who confirms it with their password.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "accounts",
    request_body = NewToken,
    responses(
        (status = 201, description = "Created; the secret is shown once", body = CreatedToken),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller already holds the most live tokens allowed (`max_api_tokens`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, or the password is wrong (field `password`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The account is locked after too many wrong passwords, or the server is busy", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, ApiJson<CreatedToken>)> {
    let name = check_token_name(&body.name, "name")?;
    confirm_password(&state, &user, &body.password, "password").await?;
    let (info, token) =
        store::create_token_limited(&state.db, user.id, &name, state.config.max_api_tokens).await?;
    Ok((StatusCode::CREATED, ApiJson(CreatedToken { token, info })))
}

/// Revokes one of the caller's API tokens.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "accounts",
    params(("id" = Uuid, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such live token of yours", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    store::revoke_token(&state.db, user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filters for the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of an e-mail address or name.
    #[serde(default)]
    pub q: String,
    /// At most this many (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Skip this many.
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<i64>,
}

/// Lists users (administrators only).
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "accounts",
    params(UserQuery),
    responses(
        (status = 200, description = "Users, newest first", body = Vec<User>,
            headers(("X-Total-Count" = i64, description = "Users matching `q`"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_users(
    State(state): State<AppState>,
    _admin: ApiAdmin,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> ApiResult<axum::response::Response> {
    let page = crate::paging::PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .checked_with(100)?;
    let users = store::search_users(&state.db, &q.q, page.limit, page.offset).await?;
    let total = store::count_matching_users(&state.db, &q.q).await?;
    Ok(crate::paging::json_with_total(total, users))
}

/// A role to grant.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleGrant {
    /// admin, editor, reviewer, certification_admin, proctor or candidate (case and `-`
    /// or space for `_` do not matter).
    #[schema(example = "editor")]
    pub role: String,
}

fn parse_role(s: &str, field: &str) -> Result<Role, Error> {
    s.parse::<Role>()
        .map_err(|e| Error::Invalid(vec![FieldError::new(field, e.to_string())]))
}

/// Grants a role to a user (administrators only).
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/roles",
    tag = "accounts",
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body = RoleGrant,
    responses(
        (status = 200, description = "The user with the role", body = User),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown role", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn grant_role(
    State(state): State<AppState>,
    ApiAdmin(me): ApiAdmin,
    RequestId(rid): RequestId,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RoleGrant>,
) -> ApiResult<ApiJson<User>> {
    let role = parse_role(&body.role, "role")?;
    let caller = Caller::user(&me, rid);
    Ok(ApiJson(
        service::change_roles(&state.db, &caller, id, &[role], &[]).await?,
    ))
}

/// Revokes a role from a user (administrators only; not your own admin role).
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}/roles/{role}",
    tag = "accounts",
    params(
        ("id" = Uuid, Path, description = "The user's id"),
        ("role" = String, Path, description = "The role to revoke"),
    ),
    responses(
        (status = 200, description = "The user without the role", body = User),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Revoking your own admin role, or the last administrator's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown role", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn revoke_role(
    State(state): State<AppState>,
    ApiAdmin(me): ApiAdmin,
    RequestId(rid): RequestId,
    ApiPath((id, role)): ApiPath<(Uuid, String)>,
) -> ApiResult<ApiJson<User>> {
    let role = parse_role(&role, "role")?;
    let caller = Caller::user(&me, rid);
    Ok(ApiJson(
        service::change_roles(&state.db, &caller, id, &[], &[role]).await?,
    ))
}

/// Lists organizations (administrators only).
#[utoipa::path(
    get,
    path = "/api/v1/organizations",
    tag = "accounts",
    responses(
        (status = 200, description = "Organizations by name", body = Vec<Organization>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_organizations(
    State(state): State<AppState>,
    _admin: ApiAdmin,
) -> ApiResult<ApiJson<Vec<Organization>>> {
    Ok(ApiJson(store::list_orgs(&state.db).await?))
}

/// A new organization.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewOrganization {
    /// Unique name (2–200 characters).
    #[schema(min_length = 2, max_length = 200)]
    pub name: String,
    /// standards_body, employer, educator, association, assessment_center or company.
    #[schema(example = "employer")]
    pub kind: String,
    /// Industry sector, free text (at most 200 characters).
    #[schema(max_length = 200)]
    pub sector: Option<String>,
}

/// Creates an organization (administrators only).
#[utoipa::path(
    post,
    path = "/api/v1/organizations",
    tag = "accounts",
    request_body = NewOrganization,
    responses(
        (status = 201, description = "Created", body = Organization),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (each field named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create_organization(
    State(state): State<AppState>,
    ApiAdmin(me): ApiAdmin,
    RequestId(rid): RequestId,
    ApiJson(body): ApiJson<NewOrganization>,
) -> ApiResult<(StatusCode, ApiJson<Organization>)> {
    let input = service::OrganizationInput {
        name: body.name,
        kind: body.kind,
        sector: body.sector,
    };
    let org = service::create_organization(&state.db, &Caller::user(&me, rid), &input).await?;
    Ok((StatusCode::CREATED, ApiJson(org)))
}
