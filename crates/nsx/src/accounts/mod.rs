//! Accounts: users, roles, organizations, sessions, password resets and API tokens.
//!
//! - `store`: the queries.
//! - `service`: the administration rules (roles, status, membership, organizations),
//!   shared by pages, API and CLI, each change audited; password checks under the
//!   sign-in lock.
//! - `session_store`: tower-sessions on our own tables, so every web node shares sessions.
//! - `extract`: request extractors (client address, signed-in viewer, administrator, the
//!   safe `next` after signing in).
//! - `sign_in`, `account`, `admin`: the pages (getting in: sign up / in / out and reset;
//!   one's own account and API tokens; administration of users and organizations).
//! - `api`: the JSON API.

pub mod account;
pub mod admin;
pub mod api;
pub mod extract;
pub mod password;
pub mod service;
pub mod session_store;
pub mod sign_in;
pub mod store;
pub mod verification;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use nsx_core::accounts::{OrgKind, Role};
use serde::Serialize;
use time::OffsetDateTime;
use tower_sessions::Session;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::Error;
use crate::state::AppState;

/// The session key holding the signed-in user's id.
pub const SESSION_USER_KEY: &str = "user_id";

/// A user account with its roles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    /// Stable id.
    pub id: Uuid,
    /// Lower-cased e-mail address (the sign-in name).
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// The organization the user belongs to, if any.
    pub organization_id: Option<Uuid>,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// Roles held.
    pub roles: Vec<Role>,
    /// When the account was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl User {
    /// Whether the user holds a role.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// An organization (standards body, employer, educator, association, assessment center, company).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    /// Stable id.
    pub id: Uuid,
    /// Unique name.
    pub name: String,
    /// What kind of body it is.
    pub kind: OrgKind,
    /// Industry sector, free text.
    pub sector: Option<String>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Who is making a request: a signed-in user (by session cookie or API token), or nobody.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    /// The user, when signed in.
    pub user: Option<User>,
    /// How the user authenticated.
    pub via_token: bool,
}

impl Viewer {
    /// The user, or `Unauthorized`.
    pub fn require_user(&self) -> Result<&User, Error> {
        self.user
            .as_ref()
            .ok_or_else(|| Error::Unauthorized("sign in to continue".into()))
    }

    /// The user if they hold `role` (admins hold every permission), else an error.
    pub fn require_role(&self, role: Role) -> Result<&User, Error> {
        let u = self.require_user()?;
        if u.has_role(role) || u.has_role(Role::Admin) {
            Ok(u)
        } else {
            Err(Error::Forbidden(format!(
                "this needs the {} role",
                role.label()
            )))
        }
    }

    /// Whether someone is signed in.
    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }
}

impl Viewer {
    /// Works out who is asking: an `Authorization: Bearer` API token first, then the
    /// session cookie. A bad token is an error (not silently anonymous).
    pub async fn from_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Error> {
        // The route gate may have worked it out already for this request.
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(v.clone());
        }
        // API token first: integrations send `Authorization: Bearer nsx_…`.
        if let Some(auth) = parts.headers.get(axum::http::header::AUTHORIZATION) {
            let raw = auth.to_str().map_err(|_| {
                Error::Unauthorized("the Authorization header is not valid text".into())
            })?;
            // The scheme name is case-insensitive (RFC 9110 §11.1).
            let token = raw
                .trim_start()
                .split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token)
                .ok_or_else(|| Error::Unauthorized("use Authorization: Bearer <token>".into()))?;
            let user = store::user_for_token(&state.db, token.trim())
                .await?
                .ok_or_else(|| {
                    Error::Unauthorized("the API token is unknown, revoked or expired".into())
                })?;
            return Ok(Viewer {
                user: Some(user),
                via_token: true,
            });
        }
        let Some(session) = parts.extensions.get::<Session>().cloned() else {
            return Ok(Viewer::default());
        };
        // Without a session cookie this reads nothing from the database.
        let id: Option<Uuid> = session
            .get(SESSION_USER_KEY)
            .await
            .map_err(|e| Error::Internal(format!("session: {e}")))?;
        let Some(id) = id else {
            return Ok(Viewer::default());
        };
        let user = store::find_user(&state.db, id).await?;
        match user {
            Some(u) if !u.disabled => Ok(Viewer {
                user: Some(u),
                via_token: false,
            }),
            _ => {
                // The account is gone or disabled: end the session.
                let _ = session.flush().await;
                Ok(Viewer::default())
            }
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = crate::web::error::PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Viewer::from_parts(parts, state).await?)
    }
}

/// An API caller who is signed in (by token or session); otherwise a 401 problem.
#[derive(Debug, Clone)]
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = crate::web::error::ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let v = Viewer::from_parts(parts, state).await?;
        Ok(ApiUser(v.require_user()?.clone()))
    }
}

/// An API caller holding the admin role; otherwise a 401 or 403 problem.
#[derive(Debug, Clone)]
pub struct ApiAdmin(pub User);

impl FromRequestParts<AppState> for ApiAdmin {
    type Rejection = crate::web::error::ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let v = Viewer::from_parts(parts, state).await?;
        Ok(ApiAdmin(v.require_role(Role::Admin)?.clone()))
    }
}
