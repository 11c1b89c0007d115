//! What every domain service is told about its caller: who is acting (for the policy and
//! the audit log) and which request it serves. Page handlers, API handlers, the command line
//! and background jobs each build a [`Caller`] and pass it to the same service functions.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use nsx_core::ids::UserId;
use nsx_core::policy::{self, Action, Decision, Principal, Resource};

use crate::accounts::{User, Viewer};
use crate::error::{Error, Result};
use crate::state::AppState;

/// Who is acting and on whose behalf, as services see it.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The acting user, if any (`None`: an anonymous visitor or the system itself).
    pub principal: Option<Principal>,
    /// What the audit log records as the actor (an e-mail address, `system`, …).
    pub actor: String,
    /// The request this work serves, when it came over HTTP.
    pub request_id: Option<String>,
    /// The system acting on its own (drafting, scheduled jobs): allowed everything.
    system: bool,
}

impl Caller {
    /// The exchange acting on its own behalf (`nsx draft`, scheduled jobs). The label says
    /// which part acts, e.g. `system:draft`.
    pub fn system(label: &str) -> Self {
        Caller {
            principal: None,
            actor: label.to_string(),
            request_id: None,
            system: true,
        }
    }

    /// An anonymous visitor.
    pub fn anonymous(request_id: Option<String>) -> Self {
        Caller {
            principal: None,
            actor: "anonymous".into(),
            request_id,
            system: false,
        }
    }

    /// A signed-in user.
    pub fn user(user: &User, request_id: Option<String>) -> Self {
        Caller {
            principal: Some(principal_of(user)),
            actor: user.email.clone(),
            request_id,
            system: false,
        }
    }

    /// The acting user's id, if a user acts.
    pub fn user_id(&self) -> Option<UserId> {
        self.principal.as_ref().map(|p| p.user_id)
    }

    /// Whether the system itself acts.
    pub fn is_system(&self) -> bool {
        self.system
    }

    /// Asks the policy; `Unauthorized` for anonymous callers who must sign in, `Forbidden`
    /// for signed-in callers without the right.
    pub fn require(&self, action: Action, resource: &Resource) -> Result<()> {
        if self.system {
            return Ok(());
        }
        match policy::decide(self.principal.as_ref(), action, resource) {
            Decision::Allow => Ok(()),
            Decision::SignIn => Err(Error::Unauthorized(format!(
                "sign in to {}",
                action.describe()
            ))),
            Decision::Deny(why) => Err(Error::Forbidden(why)),
        }
    }

    /// Whether the policy allows an action (for showing or hiding controls).
    pub fn may(&self, action: Action, resource: &Resource) -> bool {
        self.require(action, resource).is_ok()
    }
}

/// The policy's view of a user.
pub fn principal_of(user: &User) -> Principal {
    Principal {
        user_id: UserId(user.id),
        roles: user.roles.clone(),
        organization_id: user.organization_id.map(Into::into),
    }
}

/// The request id the middleware stack gave this request.
pub fn request_id(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

impl Caller {
    /// The caller of a request: whoever the session or API token names.
    pub async fn from_parts(parts: &mut Parts, state: &AppState) -> Result<(Caller, Viewer)> {
        let viewer = Viewer::from_parts(parts, state).await?;
        let id = request_id(parts);
        let caller = match &viewer.user {
            Some(u) => Caller::user(u, id),
            None => Caller::anonymous(id),
        };
        Ok((caller, viewer))
    }
}

/// The request id of the request being served, for handlers that already know their user
/// (and so build their [`Caller`] with [`Caller::user`]).
pub struct RequestId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestId(request_id(parts)))
    }
}

/// A page request's caller and viewer (errors render as HTML pages).
pub struct PageCaller(pub Caller, pub Viewer);

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = crate::web::error::PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (c, v) = Caller::from_parts(parts, state).await?;
        Ok(PageCaller(c, v))
    }
}

/// An API request's caller (errors render as problem documents).
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = crate::web::error::ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (c, _) = Caller::from_parts(parts, state).await?;
        Ok(ApiCaller(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nsx_core::ids::OrganizationId;
    use uuid::Uuid;

    #[test]
    fn system_callers_pass_every_check_and_anonymous_ones_must_sign_in() {
        let sys = Caller::system("system:test");
        let r = Resource::OwnedBy(Some(OrganizationId(Uuid::nil())));
        assert!(sys.require(Action::PublishFramework, &r).is_ok());
        let anon = Caller::anonymous(None);
        assert!(matches!(
            anon.require(Action::PublishFramework, &r),
            Err(Error::Unauthorized(_))
        ));
        assert!(anon.require(Action::ReadPublic, &r).is_ok());
    }
}
