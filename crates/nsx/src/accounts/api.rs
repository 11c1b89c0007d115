//! The accounts JSON API.

use utoipa_axum::router::OpenApiRouter;

use crate::web::AppState;

/// Account API routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
