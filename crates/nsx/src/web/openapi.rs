//! The OpenAPI 3.1 document, generated from the handlers and response types, served at
//! `/api/openapi.json`, with an interactive reference at `/api/docs`.

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use super::AppState;

/// The document's fixed parts; paths come from the routers merged in [`api_router`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "National Skills Exchange API",
        description = "Occupations, skill frameworks, search and accounts. Errors are RFC 9457 problem documents (application/problem+json). Authenticate integrations with `Authorization: Bearer <token>` (create tokens on your account page).",
        license(name = "Apache-2.0")
    ),
    components(schemas(crate::web::error::Problem)),
    tags(
        (name = "occupations", description = "The occupation catalog built from O*NET"),
        (name = "search", description = "Occupation search and suggestions"),
        (name = "frameworks", description = "Occupation skills frameworks, their versions and statements"),
        (name = "accounts", description = "Users, organizations and API tokens"),
    )
)]
pub struct ApiDoc;

/// Every API route, with its OpenAPI description.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::occupations::api::routes())
        .merge(crate::search::api::routes())
        .merge(crate::frameworks::api::routes())
        .merge(crate::frameworks::diff_api::routes())
        .merge(crate::accounts::api::routes())
}

/// The document as JSON (also used by the snapshot test).
pub fn document() -> utoipa::openapi::OpenApi {
    api_router().into_openapi()
}

/// `/api/openapi.json` and `/api/docs`.
pub fn docs_routes(doc: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    let json_doc = doc.clone();
    let scalar_html = Arc::new(
        utoipa_scalar::Scalar::new(doc.as_ref().clone())
            .title("NSX API reference")
            .to_html(),
    );
    Router::new()
        .route(
            "/api/openapi.json",
            get(move || {
                let d = json_doc.clone();
                async move { Json(d.as_ref().clone()).into_response() }
            }),
        )
        .route(
            "/api/docs",
            get(move || {
                let html = scalar_html.clone();
                async move { axum::response::Html(html.as_ref().clone()) }
            }),
        )
}
