//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database
//! answers and the search index is loaded).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use serde_json::json;

use crate::state::AppState;

pub(crate) async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

pub(crate) async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
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
