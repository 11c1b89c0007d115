//! Subscriptions over HTTP: the editors' pages (`/frameworks/subscriptions`: list, add,
//! one subscription with its last outcome or error, check now, remove) and the API under
//! `/api/v1/subscriptions`. Both call [`super::subscriptions`].

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nsx_core::accounts::FieldError;
use serde::Deserialize;
use uuid::Uuid;

use super::subscriptions::{self, DEFAULT_EVERY_MINUTES, NewSubscription, Subscription};
use crate::error::Error;
use crate::service::{ApiCaller, Caller, PageCaller};
use crate::state::AppState;
use crate::web::cache_policy::CachePolicy;
use crate::web::error::{
    ApiJson, ApiPath, ApiResult, PageError, PageForm, PagePath, PageQuery, PageResult,
};
use crate::web::layout::Chrome;

/// The add form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubscriptionForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    framework: String,
    #[serde(default)]
    every_minutes: String,
}

#[derive(Template)]
#[template(path = "frameworks/subscriptions.html")]
struct ListPage {
    chrome: Chrome,
    subscriptions: Vec<Subscription>,
    frameworks: Vec<(String, String)>,
    form: SubscriptionForm,
    errors: Vec<FieldError>,
    needs_organization: bool,
}

#[derive(Template)]
#[template(path = "frameworks/subscription.html")]
struct OnePage {
    chrome: Chrome,
    s: Subscription,
    notice: Option<&'static str>,
}

fn render<T: Template>(status: StatusCode, t: &T) -> PageResult<Response> {
    let html = t
        .render()
        .map_err(|e| PageError(Error::Internal(format!("template: {e}"))))?;
    Ok((status, CachePolicy::no_store(), Html(html)).into_response())
}

async fn frameworks_of(st: &AppState, caller: &Caller) -> PageResult<Vec<(String, String)>> {
    Ok(
        match caller
            .principal
            .as_ref()
            .and_then(|p| p.organization_id.map(|o| o.0))
        {
            Some(o) => super::editing::frameworks_of_organization(&st.db, o)
                .await?
                .into_iter()
                .map(|f| (f.code, f.title))
                .collect(),
            None => Vec::new(),
        },
    )
}

async fn list_page(
    st: &AppState,
    caller: &Caller,
    chrome: Chrome,
    form: SubscriptionForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> PageResult<Response> {
    let subscriptions = subscriptions::list(&st.db, caller).await?;
    let frameworks = frameworks_of(st, caller).await?;
    let needs_organization = caller
        .principal
        .as_ref()
        .is_some_and(|p| p.organization_id.is_none());
    render(
        status,
        &ListPage {
            chrome,
            subscriptions,
            frameworks,
            form,
            errors,
            needs_organization,
        },
    )
}

/// `GET /frameworks/subscriptions`.
pub(crate) async fn list(
    State(st): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
) -> PageResult<Response> {
    list_page(
        &st,
        &caller,
        Chrome::new(&viewer),
        SubscriptionForm {
            every_minutes: DEFAULT_EVERY_MINUTES.to_string(),
            ..SubscriptionForm::default()
        },
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /frameworks/subscriptions`.
pub(crate) async fn add(
    State(st): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PageForm(form): PageForm<SubscriptionForm>,
) -> PageResult<Response> {
    let every = match form.every_minutes.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let errors = vec![FieldError::new(
                    "every_minutes",
                    "give a whole number of minutes",
                )];
                return list_page(
                    &st,
                    &caller,
                    Chrome::new(&viewer),
                    form,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    let new = NewSubscription {
        url: form.url.clone(),
        framework: Some(form.framework.clone()),
        every_minutes: every,
        organization_id: None,
    };
    match subscriptions::subscribe(&st.db, &caller, new).await {
        Ok(s) => Ok(
            Redirect::to(&format!("/frameworks/subscriptions/{}?done=added", s.id)).into_response(),
        ),
        Err(Error::Invalid(errors)) => {
            list_page(
                &st,
                &caller,
                Chrome::new(&viewer),
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Error::Forbidden(m)) => {
            list_page(
                &st,
                &caller,
                Chrome::new(&viewer),
                form,
                vec![FieldError::new("framework", m)],
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(e) => Err(PageError(e)),
    }
}

/// `?done=` on a subscription page.
#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn parse_id(s: &str) -> Result<Uuid, Error> {
    s.parse()
        .map_err(|_| Error::not_found(format!("subscription {s}")))
}

/// `GET /frameworks/subscriptions/{id}`.
pub(crate) async fn show(
    State(st): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
    PageQuery(q): PageQuery<Done>,
) -> PageResult<Response> {
    let s = subscriptions::get(&st.db, &caller, parse_id(&id)?).await?;
    let notice = match q.done.as_deref() {
        Some("added") => Some(
            "Subscribed. The first check runs in the background now; reload this page to see its outcome.",
        ),
        Some("check") => {
            Some("A check runs in the background now; reload this page to see its outcome.")
        }
        _ => None,
    };
    render(
        StatusCode::OK,
        &OnePage {
            chrome: Chrome::new(&viewer),
            s,
            notice,
        },
    )
}

/// `POST /frameworks/subscriptions/{id}/check`.
pub(crate) async fn check_now(
    State(st): State<AppState>,
    PageCaller(caller, _): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let s = subscriptions::check_soon(&st.db, &caller, parse_id(&id)?).await?;
    Ok(Redirect::to(&format!("/frameworks/subscriptions/{}?done=check", s.id)).into_response())
}

/// `POST /frameworks/subscriptions/{id}/delete`.
pub(crate) async fn remove(
    State(st): State<AppState>,
    PageCaller(caller, _): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    subscriptions::unsubscribe(&st.db, &caller, parse_id(&id)?).await?;
    Ok(Redirect::to("/frameworks/subscriptions").into_response())
}

/// The subscriptions of the caller's organization (an administrator's: all).
#[utoipa::path(
    get,
    path = "/api/v1/subscriptions",
    tag = "frameworks",
    responses(
        (status = 200, description = "Subscriptions, oldest first", body = Vec<Subscription>),
        (status = 401, description = "Not signed in", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor", body = crate::web::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_api(
    State(st): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<ApiJson<Vec<Subscription>>> {
    Ok(ApiJson(subscriptions::list(&st.db, &caller).await?))
}

/// Follows a CASE package on another server: checked at once and then every N minutes;
/// a changed package becomes a new draft version of the framework.
#[utoipa::path(
    post,
    path = "/api/v1/subscriptions",
    tag = "frameworks",
    request_body = NewSubscription,
    responses(
        (status = 201, description = "Subscribed; the first check is queued", body = Subscription),
        (status = 401, description = "Not signed in", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor of the framework's organization", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid URL, framework or period", body = crate::web::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn add_api(
    State(st): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(new): ApiJson<NewSubscription>,
) -> ApiResult<(StatusCode, ApiJson<Subscription>)> {
    let s = subscriptions::subscribe(&st.db, &caller, new).await?;
    Ok((StatusCode::CREATED, ApiJson(s)))
}

/// One subscription, with the outcome or error of its last check.
#[utoipa::path(
    get,
    path = "/api/v1/subscriptions/{id}",
    tag = "frameworks",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The subscription", body = Subscription),
        (status = 401, description = "Not signed in", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organization's", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = crate::web::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn get_api(
    State(st): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Subscription>> {
    Ok(ApiJson(subscriptions::get(&st.db, &caller, id).await?))
}

/// Ends a subscription; the framework and its versions stay.
#[utoipa::path(
    delete,
    path = "/api/v1/subscriptions/{id}",
    tag = "frameworks",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organization's", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = crate::web::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn delete_api(
    State(st): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    subscriptions::unsubscribe(&st.db, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues a check of a subscription now.
#[utoipa::path(
    post,
    path = "/api/v1/subscriptions/{id}/check",
    tag = "frameworks",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 202, description = "A check is queued", body = Subscription),
        (status = 401, description = "Not signed in", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organization's", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = crate::web::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn check_api(
    State(st): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<(StatusCode, ApiJson<Subscription>)> {
    let s = subscriptions::check_soon(&st.db, &caller, id).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(s)))
}

/// A time as pages show it (UTC, to the minute), or a dash.
pub fn when(t: &Option<time::OffsetDateTime>) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.and_then(|t| t.to_offset(time::UtcOffset::UTC).format(fmt).ok())
        .unwrap_or_else(|| "—".into())
}
