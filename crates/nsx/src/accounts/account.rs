//! The account page: one's name, password and API tokens.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use nsx_core::accounts::{FieldError, check_display_name, check_password};
use serde::Deserialize;
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use super::extract::SignedIn;
use super::password::Hashing;
use super::service::{check_token_name, confirm_password};
use super::{Organization, User, Viewer, store};
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{PageForm, PagePath, PageQuery, PageResult};
use crate::web::forms::{FormErrors, render, see_other};
use crate::web::layout::Chrome;

/// A user's roles as a comma-separated list of their names.
pub(super) fn roles_text(u: &User) -> String {
    if u.roles.is_empty() {
        "none".into()
    } else {
        u.roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AccountQuery {
    welcome: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    chrome: Chrome,
    user: User,
    roles: String,
    organization: Option<Organization>,
    tokens: Vec<TokenView>,
    new_token: Option<String>,
    notice: Option<&'static str>,
    name: String,
    token_name: String,
    errors: FormErrors,
}

/// An API token as the account page lists it.
struct TokenView {
    id: Uuid,
    name: String,
    prefix: String,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

impl AccountPage {
    async fn load(state: &AppState, viewer: &Viewer, user: &User) -> Result<AccountPage, Error> {
        let organization = match user.organization_id {
            Some(o) => store::find_org(&state.db, o).await?,
            None => None,
        };
        Ok(AccountPage {
            chrome: Chrome::new(viewer),
            user: user.clone(),
            roles: roles_text(user),
            organization,
            tokens: store::list_tokens(&state.db, user.id)
                .await?
                .into_iter()
                .map(|t| TokenView {
                    id: t.id,
                    name: t.name,
                    prefix: t.prefix,
                    created: when(&t.created_at),
                    last_used: t.last_used_at.as_ref().map(when),
                    revoked: t.revoked_at.as_ref().map(when),
                })
                .collect(),
            new_token: None,
            notice: None,
            name: user.display_name.clone(),
            token_name: String::new(),
            errors: FormErrors::default(),
        })
    }
}

fn when(t: &OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

pub(crate) async fn account_page(
    State(state): State<AppState>,
    SignedIn(user, viewer): SignedIn,
    PageQuery(q): PageQuery<AccountQuery>,
) -> PageResult<Response> {
    let mut page = AccountPage::load(&state, &viewer, &user).await?;
    page.notice = if q.welcome.is_some() {
        Some("Welcome! Your account is ready.")
    } else {
        match q.done.as_deref() {
            Some("password") => Some("Your password has been changed."),
            Some("profile") => Some("Your name has been saved."),
            Some("revoked") => Some("The token has been revoked; it no longer works."),
            _ => None,
        }
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProfileForm {
    #[serde(default)]
    name: String,
}

pub(crate) async fn account_profile(
    State(state): State<AppState>,
    SignedIn(user, viewer): SignedIn,
    PageForm(form): PageForm<ProfileForm>,
) -> PageResult<Response> {
    match check_display_name(&form.name) {
        Ok(name) => {
            store::set_display_name(&state.db, user.id, &name).await?;
            Ok(see_other("/account?done=profile"))
        }
        Err(e) => {
            let mut page = AccountPage::load(&state, &viewer, &user).await?;
            page.name = form.name;
            page.errors = FormErrors(vec![e]);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

pub(crate) async fn account_password(
    State(state): State<AppState>,
    SignedIn(user, viewer): SignedIn,
    session: Session,
    PageForm(form): PageForm<PasswordForm>,
) -> PageResult<Response> {
    let mut errors = FormErrors::default();
    if let Err(e) =
        confirm_password(&state, &user, &form.current_password, "current_password").await
    {
        errors.0.extend(FormErrors::from_error(e)?.0);
    }
    if let Err(e) = check_password(&form.new_password, &user.email) {
        errors.push(FieldError::new("new_password", e.message));
    } else if form.new_password != form.new_password_confirm {
        errors.push(FieldError::new(
            "new_password_confirm",
            "the two passwords differ",
        ));
    }
    if errors.any() {
        let mut page = AccountPage::load(&state, &viewer, &user).await?;
        page.errors = errors;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let hash = Hashing::of(&state).hash(form.new_password).await?;
    // Other sessions (other browsers, perhaps someone else's) end and every API token is
    // revoked, in the same transaction; this session stays.
    store::change_password(&state.db, user.id, &hash, session.id()).await?;
    Ok(see_other("/account?done=password"))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    token_name: String,
    #[serde(default)]
    token_password: String,
}

pub(crate) async fn account_token_create(
    State(state): State<AppState>,
    SignedIn(user, viewer): SignedIn,
    PageForm(form): PageForm<TokenForm>,
) -> PageResult<Response> {
    let result = match check_token_name(&form.token_name, "token_name") {
        Ok(name) => match confirm_password(&state, &user, &form.token_password, "token_password")
            .await
        {
            Ok(()) => {
                store::create_token_limited(&state.db, user.id, &name, state.config.max_api_tokens)
                    .await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e.into()),
    };
    match result {
        Ok((_, secret)) => {
            let mut page = AccountPage::load(&state, &viewer, &user).await?;
            page.new_token = Some(secret);
            Ok(render(StatusCode::CREATED, &page))
        }
        Err(Error::Conflict(m)) => {
            let mut page = AccountPage::load(&state, &viewer, &user).await?;
            page.token_name = form.token_name;
            page.errors = FormErrors(vec![FieldError::new("token_name", m)]);
            Ok(render(StatusCode::CONFLICT, &page))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let mut page = AccountPage::load(&state, &viewer, &user).await?;
            page.token_name = form.token_name;
            page.errors = errors;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub(crate) async fn account_token_revoke(
    State(state): State<AppState>,
    SignedIn(user, _): SignedIn,
    PagePath(id): PagePath<Uuid>,
) -> PageResult<Response> {
    store::revoke_token(&state.db, user.id, id).await?;
    Ok(see_other("/account?done=revoked"))
}
