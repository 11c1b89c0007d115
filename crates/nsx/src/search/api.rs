//! The search JSON API.

use utoipa_axum::router::OpenApiRouter;

use crate::web::AppState;

/// Search API routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
