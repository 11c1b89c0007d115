//! The OpenAPI 3.1 document, generated from the handlers and response types, served at
//! `/api/openapi.json`, with an interactive reference at `/api/docs`. The paths come from
//! the route table (`crate::routes`).

use std::sync::Arc;

use axum::Extension;
use axum::response::{IntoResponse, Json};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Declares the `bearer` security scheme the account routes name.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token created on the account page or with POST /api/v1/tokens",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document's fixed parts; paths come from the route table (`crate::routes`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "National Skills Exchange API",
        description = "Occupations, skill frameworks, search and accounts. Errors are RFC 9457 problem documents (application/problem+json). Authenticate integrations with `Authorization: Bearer <token>` (create tokens on your account page).",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerScheme),
    components(schemas(crate::web::error::Problem)),
    tags(
        (name = "occupations", description = "The occupation catalog built from O*NET"),
        (name = "search", description = "Occupation search and suggestions"),
        (name = "frameworks", description = "Occupation skills frameworks, their versions and statements"),
        (name = "accounts", description = "Users, organizations and API tokens"),
        (name = "corrections", description = "Suggested corrections to the source rows behind framework statements, and their triage"),
        (name = "reviews", description = "Calls for input: public reviews of draft framework versions, reviewers' responses and results"),
        (name = "operations", description = "The audit log and background jobs (administrators)"),
    )
)]
pub struct ApiDoc;

/// An API router holding the document's fixed parts; the route table adds every path.
pub fn base_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
}

/// The finished document and its rendered reference page, shared by the two routes below.
#[derive(Clone)]
pub struct Docs {
    doc: Arc<utoipa::openapi::OpenApi>,
    page: Arc<String>,
}

impl Docs {
    /// Renders the reference page once for a document.
    pub fn new(doc: Arc<utoipa::openapi::OpenApi>) -> Self {
        let page = Arc::new(
            utoipa_scalar::Scalar::new(doc.as_ref().clone())
                .title("NSX API reference")
                .to_html(),
        );
        Docs { doc, page }
    }
}

/// `GET /api/openapi.json`: the document.
pub async fn openapi_json(Extension(docs): Extension<Docs>) -> impl IntoResponse {
    Json(docs.doc.as_ref().clone())
}

/// `GET /api/docs`: the interactive reference.
pub async fn docs_page(Extension(docs): Extension<Docs>) -> impl IntoResponse {
    axum::response::Html(docs.page.as_ref().clone())
}
