//! Catalog pages: home, browse, occupation.

use axum::Router;

use crate::web::AppState;

/// Catalog page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
