//! The occupations JSON API.

use utoipa_axum::router::OpenApiRouter;

use crate::web::AppState;

/// Occupation API routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
