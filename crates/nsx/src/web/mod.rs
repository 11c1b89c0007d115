//! The web layer that every domain's pages and API use: the middleware stack, error faces,
//! form handling, the cache policy, the page layout, static assets, health checks, the page cache and the OpenAPI document.
//! The routes themselves are listed in `crate::routes`.

pub mod assets;
pub mod cache_policy;
pub mod error;
pub mod forms;
pub mod health;
pub mod input;
pub mod layout;
pub mod listener;
pub mod multipart;
pub mod negotiate;
pub mod openapi;
pub mod page_cache;

pub use page_cache::{CachedPage, PageCache};

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::accounts::session_store::DbSessionStore;
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{ApiError, PageError};

/// Wraps the application's routes in the middleware stack every request passes through.
pub fn stack(routes: Router<AppState>, state: AppState) -> Router {
    let session_layer =
        crate::accounts::session_store::layer(DbSessionStore::new(state.db.clone()), &state.config);

    let mut csrf = CsrfLayer::new();
    for origin in &state.config.trusted_origins {
        match csrf.clone().add_trusted_origin(origin) {
            Ok(c) => csrf = c,
            Err(e) => tracing::warn!(%origin, error = ?e, "ignoring trusted origin"),
        }
    }
    let csrf = csrf.with_rejection_response(|_e| {
        PageError(Error::Forbidden(
            "This form was submitted from another site, so it was refused. Reload the page and try again.".into(),
        ))
        .into_response()
    });

    let [nosniff, referrer_policy, frame_options, csp] =
        page_cache::SECURITY_HEADERS.map(|(name, value)| {
            SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
        });
    let request_id = HeaderName::from_static("x-request-id");
    let timeout = Duration::from_secs(state.config.request_timeout_secs);

    routes
        .fallback(not_found)
        .layer(axum::middleware::from_fn(input::edge_check))
        .layer(session_layer)
        .layer(csrf)
        .layer(axum::middleware::from_fn(csrf_problem_for_api))
        .layer(RequestBodyLimitLayer::new(error::MAX_BODY_BYTES))
        .layer(CompressionLayer::new())
        .layer(nosniff)
        .layer(referrer_policy)
        .layer(frame_options)
        .layer(csp)
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(error::plain_errors_in_kind))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(axum::middleware::from_fn_with_state(
            state.pages.clone(),
            page_cache::fast_path,
        ))
        .layer(axum::middleware::from_fn(cache_policy::apply))
        .with_state(state)
}

/// The CSRF layer answers with an HTML page; callers of `/api/` get a problem document.
async fn csrf_problem_for_api(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    if api
        && resp
            .extensions()
            .get::<tower_http::csrf::ProtectionError>()
            .is_some()
    {
        return ApiError(Error::Forbidden(
            "cross-site request refused: send API calls with a Bearer token and no Origin header, or from this site's own pages".into(),
        ))
        .into_response();
    }
    resp
}

async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    let err = Error::NotFound(format!("the page {}", uri.path()));
    if uri.path().starts_with("/api/") {
        ApiError(err).into_response()
    } else {
        PageError(err).into_response()
    }
}
