//! Static assets compiled into the binary, served with long-lived caching.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::cache_policy::{CacheControl, CachePolicy};

/// One stylesheet for the whole site: the shared base, then each module's own rules
/// (kept in separate files so each module owns its styles).
const CSS: &str = concat!(
    include_str!("../../assets/nsx.css"),
    include_str!("../../assets/css/accounts.css"),
    include_str!("../../assets/css/catalog.css"),
    include_str!("../../assets/css/search.css"),
    include_str!("../../assets/css/frameworks.css"),
    include_str!("../../assets/css/diff.css"),
    include_str!("../../assets/css/corrections.css"),
    include_str!("../../assets/css/dispositions.css"),
);
const SUGGEST_JS: &str = include_str!("../../assets/suggest.js");
const OPENSEARCH: &str = include_str!("../../assets/opensearch.xml");

pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "nsx.css" => (CSS, "text/css; charset=utf-8"),
        "suggest.js" => (SUGGEST_JS, "text/javascript; charset=utf-8"),
        "opensearch.xml" => (OPENSEARCH, "application/opensearchdescription+xml"),
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    let mut resp = (CachePolicy::new(CacheControl::PublicHour), body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
    resp
}
