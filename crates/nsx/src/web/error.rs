//! How errors leave the web layer: `application/problem+json` (RFC 9457) for the API,
//! an HTML page for everything else. Extractor rejections are wrapped so bad input of any
//! kind gets the same treatment.

use askama::Template;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use nsx_core::accounts::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::Error;
use crate::web::input;

/// Status and a short stable slug for an error.
fn classify(e: &Error) -> (StatusCode, &'static str, &'static str) {
    match e {
        Error::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
        Error::Invalid(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
            "Invalid input",
        ),
        Error::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
        Error::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", "Sign-in required"),
        Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
        Error::TooManyRequests(_) => (
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-requests",
            "Too many requests",
        ),
        Error::Source(_) | Error::Import(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-source",
            "Invalid source data",
        ),
        Error::Config(_)
        | Error::Db(_)
        | Error::Migrate(_)
        | Error::Io(_)
        | Error::Search(_)
        | Error::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        ),
    }
}

/// The detail shown to the client: internal failures are logged, not exposed.
fn public_detail(e: &Error, status: StatusCode) -> String {
    if status.is_server_error() {
        tracing::error!(error = %e, "request failed");
        "Something went wrong on our side. The failure has been logged; please try again.".into()
    } else {
        e.to_string()
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this case.
    pub detail: String,
    /// For invalid input: one entry per field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error answered as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title) = classify(&self.0);
        let errors = match &self.0 {
            Error::Invalid(v) => v.clone(),
            _ => Vec::new(),
        };
        let problem = Problem {
            kind: format!("/problems/{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: public_detail(&self.0, status),
            errors,
        };
        let mut resp = (status, axum::Json(problem)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"nsx\""),
            );
        }
        resp
    }
}

/// The result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
    errors: &'a [FieldError],
}

/// An error answered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub Error);

impl<E: Into<Error>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, _, title) = classify(&self.0);
        let detail = public_detail(&self.0, status);
        let errors = match &self.0 {
            Error::Invalid(v) => v.as_slice(),
            _ => &[],
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            detail: &detail,
            errors,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, detail).into_response(),
        }
    }
}

/// The result of a page handler.
pub type PageResult<T> = Result<T, PageError>;

/// The largest request body the server reads (see `web::stack`).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Whether a path is answered in JSON when something goes wrong (the API and CASE).
fn answers_in_json(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/ims/")
}

/// Rewrites error answers that a layer or an extractor wrote as plain text (an oversized
/// body, a malformed query string, an unsupported method, a timeout) into the site's own
/// faces: a problem document on the API, an error page elsewhere. Other headers are kept.
pub async fn plain_errors_in_kind(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let json = answers_in_json(req.uri().path());
    let resp = next.run(req).await;
    let status = resp.status();
    let plain = match resp.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(t) => t.as_bytes().starts_with(b"text/plain"),
    };
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "The request body is larger than the {} MB this server accepts.",
            MAX_BODY_BYTES / (1024 * 1024)
        ),
        StatusCode::METHOD_NOT_ALLOWED => "This address does not answer that method.".into(),
        s if s.is_server_error() => {
            tracing::error!(status = s.as_u16(), body = %text, "request failed");
            "Something went wrong on our side. The failure has been logged; please try again."
                .into()
        }
        _ if !text.is_empty() => text,
        s => s.canonical_reason().unwrap_or("Error").to_string(),
    };
    let title = status.canonical_reason().unwrap_or("Error");
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if json {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        let slug = title.to_ascii_lowercase().replace(' ', "-");
        let problem = Problem {
            kind: format!("/problems/{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
        };
        axum::body::Body::from(serde_json::to_vec(&problem).unwrap_or_default())
    } else {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            detail: &detail,
            errors: &[],
        };
        axum::body::Body::from(page.render().unwrap_or(detail))
    };
    Response::from_parts(parts, body)
}

fn rejection(field: &str, message: String) -> Error {
    Error::Invalid(vec![FieldError::new(field, message)])
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        ApiError(rejection("body", r.body_text()))
    }
}
impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError(rejection("query", r.body_text()))
    }
}
impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError(rejection("path", r.body_text()))
    }
}
impl From<FormRejection> for ApiError {
    fn from(r: FormRejection) -> Self {
        ApiError(rejection("form", r.body_text()))
    }
}
impl From<QueryRejection> for PageError {
    fn from(r: QueryRejection) -> Self {
        PageError(rejection("query", r.body_text()))
    }
}
impl From<PathRejection> for PageError {
    fn from(r: PathRejection) -> Self {
        PageError(rejection("path", r.body_text()))
    }
}
impl From<FormRejection> for PageError {
    fn from(r: FormRejection) -> Self {
        PageError(rejection("form", r.body_text()))
    }
}

/// JSON body extractor whose rejection is a problem document. Every string in the body
/// passes the edge check of [`crate::web::input`] first.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let req = input::checked_body(req, state, "body", |bytes| {
            // Malformed JSON is left to the JSON extractor, which says where it breaks.
            match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(v) => input::check_json(&v),
                Err(_) => Ok(()),
            }
        })
        .await?;
        let axum::Json(v) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// Query-string extractor for the API.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path extractor for the API.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Query-string extractor for pages.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(PageError))]
pub struct PageQuery<T>(pub T);

/// Path extractor for pages.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(PageError))]
pub struct PagePath<T>(pub T);

/// Form extractor for pages (every field passes the edge check first).
pub struct PageForm<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let req =
            input::checked_body(req, state, "form", |bytes| input::check_urlencoded(bytes)).await?;
        let axum::Form(v) = axum::Form::<T>::from_request(req, state).await?;
        Ok(PageForm(v))
    }
}

/// Form extractor for pages without the edge check, for a handler that checks its fields
/// itself (sign-in answers a bad `next` with 400 before anything else).
#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(PageError))]
pub struct UncheckedPageForm<T>(pub T);

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
