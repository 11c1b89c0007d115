//! The following and invitations JSON API: follow, unfollow and list one's follows
//! (signed in), and a call's invitations (editors of the owner: list and add).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::{self, Followed, Invited};
use super::{Follow, Invitation};
use crate::error::Error;
use crate::service::ApiCaller;
use crate::state::AppState;
use crate::web::error::{ApiJson, ApiPath, ApiResult, Problem};

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Something followed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowInfo {
    /// `framework` or `occupation`.
    pub kind: String,
    /// The framework's or occupation's code.
    pub code: String,
    /// Where notifications go.
    pub email: String,
    /// Whether the address is confirmed (always, for follows made while signed in).
    pub confirmed: bool,
    /// When the follow was made (RFC 3339).
    pub created_at: String,
}

impl From<&Follow> for FollowInfo {
    fn from(f: &Follow) -> Self {
        FollowInfo {
            kind: f.kind.as_str().into(),
            code: f.code.clone(),
            email: f.email.clone(),
            confirmed: f.confirmed_at.is_some(),
            created_at: rfc3339(f.created_at),
        }
    }
}

/// What to follow.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewFollow {
    /// `framework` or `occupation`.
    pub kind: String,
    /// The framework's or occupation's code.
    pub code: String,
}

async fn account_email(state: &AppState, caller: &crate::service::Caller) -> Result<String, Error> {
    let user = caller
        .user_id()
        .ok_or_else(|| Error::Unauthorized("sign in to follow".into()))?;
    crate::accounts::store::find_user(&state.db, user.0)
        .await?
        .map(|u| u.email)
        .ok_or_else(|| Error::Unauthorized("sign in to follow".into()))
}

/// The caller's follows.
#[utoipa::path(
    get,
    path = "/api/v1/follows",
    tag = "follows",
    responses(
        (status = 200, description = "What the caller follows", body = Vec<FollowInfo>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn my_follows(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<ApiJson<Vec<FollowInfo>>> {
    let email = account_email(&state, &caller).await?;
    let v = service::mine(&state.db, &caller, &email).await?;
    Ok(ApiJson(v.iter().map(FollowInfo::from).collect()))
}

/// Follows a framework or an occupation with the caller's address: e-mails go to it when a
/// call for input opens there. Following again changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/follows",
    tag = "follows",
    request_body = NewFollow,
    responses(
        (status = 201, description = "Following", body = FollowInfo),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework or occupation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid kind or code", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn follow(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<NewFollow>,
) -> ApiResult<Response> {
    let kind = service::parse_kind(&body.kind)?;
    let email = account_email(&state, &caller).await?;
    match service::follow(
        &state.db,
        &state.config.public_url(),
        &caller,
        Some(&email),
        kind,
        &body.code,
        None,
    )
    .await?
    {
        Followed::Following(f) => {
            Ok((StatusCode::CREATED, axum::Json(FollowInfo::from(&f))).into_response())
        }
        Followed::ConfirmationSent(_) => {
            Err(Error::Unauthorized("sign in to follow".into()).into())
        }
    }
}

/// Stops following.
#[utoipa::path(
    delete,
    path = "/api/v1/follows/{kind}/{code}",
    tag = "follows",
    params(
        ("kind" = String, Path, description = "`framework` or `occupation`"),
        ("code" = String, Path, description = "The framework's or occupation's code"),
    ),
    responses(
        (status = 204, description = "Not following any more"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The caller did not follow it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn unfollow(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((kind, code)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let kind = service::parse_kind(&kind)?;
    let email = account_email(&state, &caller).await?;
    if service::unfollow(&state.db, &caller, &email, kind, &code).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::not_found(format!("a follow of the {kind} {code}")).into())
    }
}

/// One invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationInfo {
    /// The invited address.
    pub email: String,
    /// `invited` or `joined` (an account with this address takes part).
    pub status: String,
    /// When it was invited (RFC 3339).
    pub invited_at: String,
    /// When the invitation e-mail was queued, if it was (RFC 3339).
    pub emailed_at: Option<String>,
}

impl From<&Invitation> for InvitationInfo {
    fn from(i: &Invitation) -> Self {
        InvitationInfo {
            email: i.email.clone(),
            status: i.status().into(),
            invited_at: rfc3339(i.invited_at),
            emailed_at: i.notified_at.map(rfc3339),
        }
    }
}

/// Addresses to invite.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewInvitations {
    /// The addresses (up to 5,000; duplicates collapsed). If any is not an address,
    /// nobody is invited and the error names each bad one.
    pub emails: Vec<String>,
}

/// A call's invitations with their status.
#[utoipa::path(
    get,
    path = "/api/v1/reviews/{id}/invitations",
    tag = "reviews",
    params(("id" = uuid::Uuid, Path, description = "The call's id")),
    responses(
        (status = 200, description = "The invitations", body = Vec<InvitationInfo>),
        (status = 403, description = "Not an editor of the framework's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_invitations(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<InvitationInfo>>> {
    let id = crate::review::service::parse_id(&id)?;
    let v = service::invitations(&state.db, &caller, id).await?;
    Ok(ApiJson(v.iter().map(InvitationInfo::from).collect()))
}

/// Invites addresses to a call: e-mailed the call's public link when it opens, or at once
/// if it is open. All or nothing.
#[utoipa::path(
    post,
    path = "/api/v1/reviews/{id}/invitations",
    tag = "reviews",
    params(("id" = uuid::Uuid, Path, description = "The call's id")),
    request_body = NewInvitations,
    responses(
        (status = 201, description = "Invited", body = Invited),
        (status = 403, description = "Not an editor of the framework's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call has closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some addresses are not addresses; each error names its line", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn add_invitations(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewInvitations>,
) -> ApiResult<Response> {
    let id = crate::review::service::parse_id(&id)?;
    let emails = service::read_invitees(&body.emails.join("\n"), None)?;
    let done = service::invite(&state, &caller, id, emails).await?;
    Ok((StatusCode::CREATED, axum::Json(done)).into_response())
}
