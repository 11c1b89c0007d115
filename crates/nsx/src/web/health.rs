//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database
//! answers and the search index is loaded).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use serde_json::json;

use super::AppState;

/// Health routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let db = state.db.ping().await;
    let index_docs = state.search.current().doc_count();
    let ready = db.is_ok();
    let body = Json(json!({
        "status": if ready { "ready" } else { "unavailable" },
        "database": match &db { Ok(()) => "ok".to_string(), Err(e) => e.to_string() },
        "backend": format!("{:?}", state.db.backend()).to_lowercase(),
        "search_documents": index_docs,
    }));
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, body)
}
