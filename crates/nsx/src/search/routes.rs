//! The search page.

use axum::Router;

use crate::web::AppState;

/// Search page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
