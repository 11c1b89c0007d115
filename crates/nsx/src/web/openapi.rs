//! The OpenAPI 3.1 document, generated from the handlers and response types, served at
//! `/api/openapi.json`, with an interactive reference at `/api/docs`. The paths come from
//! the route table (`crate::routes`).

use std::sync::Arc;

use axum::Extension;
use axum::http::{HeaderValue, header};
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
        (name = "follows", description = "Following frameworks and occupations: e-mails when a call for input opens on them"),
        (name = "operations", description = "The audit log and background jobs (administrators)"),
    )
)]
pub struct ApiDoc;

/// An API router holding the document's fixed parts; the route table adds every path.
pub fn base_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
}

/// The reference page's script: one exact release of Scalar's API reference, fetched with
/// its Subresource Integrity hash so that the browser refuses any other bytes.
pub const SCALAR_SCRIPT: &str =
    "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.4/dist/browser/standalone.js";
/// The SHA-384 digest of [`SCALAR_SCRIPT`] (`openssl dgst -sha384 -binary | base64`).
pub const SCALAR_INTEGRITY: &str =
    "sha384-hwB9WroDTpZaI38gr+u9CXA6ksz5gUYgD2GxXazKl/agT1L2GWUiRFWGJYNiFu4Q";

/// The Content-Security-Policy of the reference page: the pinned script and nothing else
/// from elsewhere; the script injects its own styles, and "try it" calls go to this site.
pub fn docs_content_security_policy() -> String {
    format!(
        "default-src 'self'; script-src {SCALAR_SCRIPT}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The reference page: the document as a JSON data block (not executed) and the pinned
/// script that renders it.
fn docs_html() -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<title>$title</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<noscript><p>The interactive reference needs JavaScript; the document itself is at <a href="/api/openapi.json">/api/openapi.json</a>.</p></noscript>
<script id="api-reference" type="application/json">
$spec
</script>
<script src="{SCALAR_SCRIPT}" integrity="{SCALAR_INTEGRITY}" crossorigin="anonymous"></script>
</body>
</html>
"#
    )
}

/// The finished document and its rendered reference page, shared by the two routes below.
#[derive(Clone)]
pub struct Docs {
    doc: Arc<utoipa::openapi::OpenApi>,
    page: Arc<String>,
    csp: HeaderValue,
}

impl Docs {
    /// Renders the reference page once for a document.
    pub fn new(doc: Arc<utoipa::openapi::OpenApi>) -> Self {
        let page = Arc::new(
            utoipa_scalar::Scalar::new(doc.as_ref().clone())
                .title("NSX API reference")
                .custom_html(docs_html())
                .to_html(),
        );
        let csp = HeaderValue::from_str(&docs_content_security_policy())
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        Docs { doc, page, csp }
    }
}

/// `GET /api/openapi.json`: the document.
pub async fn openapi_json(Extension(docs): Extension<Docs>) -> impl IntoResponse {
    Json(docs.doc.as_ref().clone())
}

/// `GET /api/docs`: the interactive reference.
pub async fn docs_page(Extension(docs): Extension<Docs>) -> impl IntoResponse {
    (
        [(header::CONTENT_SECURITY_POLICY, docs.csp.clone())],
        axum::response::Html(docs.page.as_ref().clone()),
    )
}

/// Declares the answers every API operation can give besides its own: the server checks
/// input before any handler runs, so any operation with parameters or a body can answer
/// 422, a body can be too large (413), a path can name nothing (404) and a protected
/// operation refuses a missing or insufficient credential (401, 403). Each is a problem
/// document. Answers an operation already declares are left as they are.
pub fn complete(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |what: &str| -> RefOr<utoipa::openapi::Response> {
        ResponseBuilder::new()
            .description(what)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
            .into()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let has_body = op.request_body.is_some();
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let responses = &mut op.responses.responses;
            let mut add = |status: &str, what: &str| {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| problem(what));
            };
            if has_params || has_body {
                add(
                    "422",
                    "Invalid input: the problem document names each field",
                );
            }
            if has_body {
                add("413", "The request body is larger than the server accepts");
            }
            if path.contains('{') {
                add("404", "Nothing at this path");
            }
            if secured {
                add("401", "Sign-in or a valid API token is required");
                add("403", "The caller may not do this");
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_declares_the_answers_the_server_gives() {
        let doc = serde_json::to_value(crate::routes::openapi()).unwrap();
        let post = &doc["paths"]["/api/v1/tokens"]["post"]["responses"];
        assert!(post["413"].is_object(), "{post}");
        assert!(post["422"].is_object(), "{post}");
        let get = &doc["paths"]["/api/v1/frameworks/{code}/versions"]["get"]["responses"];
        assert!(get["422"].is_object(), "{get}");
    }
}
