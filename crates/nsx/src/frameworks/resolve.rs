//! The identifiers NSX publishes in its CTDL-ASN and RSD exports, answered: `/ctdl/ce-…`
//! (a framework version, a competency, a progression model or level) and
//! `/rsd/collections/…`, `/rsd/skills/…`. Each answers its JSON-LD to clients and sends a
//! browser (`Accept: text/html`) to the page that shows the object. (CASE URIs are answered
//! by [`super::case`], with the same negotiation.)

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use nsx_core::frameworks::{VersionLabel, version_path};
use serde_json::Value;
use uuid::Uuid;

use super::{FrameworkView, exports, queries, store};
use crate::error::{Error, Result};
use crate::on_db;
use crate::state::AppState;
use crate::web::cache_policy::CachePolicy;
use crate::web::error::{ApiError, PageError};
use crate::web::layout::Chrome;
use crate::web::negotiate::prefers_html;

fn ld_json(v: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/ld+json")],
        CachePolicy::public_minute().varying("Accept"),
        axum::Json(v),
    )
        .into_response()
}

fn see_other(path: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        CachePolicy::vary_only("Accept"),
        [(header::LOCATION, path.to_string())],
    )
        .into_response()
}

fn missing(html: bool, what: String) -> Response {
    let e = Error::not_found(what);
    if html {
        PageError(e).into_response()
    } else {
        ApiError(e).into_response()
    }
}

fn failed(html: bool, e: Error) -> Response {
    if html {
        PageError(e).into_response()
    } else {
        ApiError(e).into_response()
    }
}

/// A node of a JSON-LD document, standing alone with the document's context.
fn with_context(mut node: Value, context: &str) -> Value {
    if let Value::Object(m) = &mut node {
        m.insert("@context".into(), Value::String(context.to_string()));
    }
    node
}

async fn view_of(st: &AppState, code: &str, label: &VersionLabel) -> Result<Option<FrameworkView>> {
    store::load_version(&st.db, code, Some(label)).await
}

#[derive(Template)]
#[template(path = "frameworks/scale.html")]
struct ScalePage {
    chrome: Chrome,
    name: String,
    description: String,
    levels: Vec<(String, String, String)>,
}

fn en(v: &Value) -> String {
    v["en-US"].as_str().unwrap_or_default().to_string()
}

/// `GET /ctdl/{ctid}`.
pub(crate) async fn ctdl(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let html = prefers_html(&headers);
    let Some(uid) = id.strip_prefix("ce-").and_then(|u| Uuid::parse_str(u).ok()) else {
        return missing(html, format!("the CTDL node {id}"));
    };
    match ctdl_node(&st, uid, html).await {
        Ok(Some(r)) => r,
        Ok(None) => missing(html, format!("the CTDL node {id}")),
        Err(e) => failed(html, e),
    }
}

async fn ctdl_node(st: &AppState, uid: Uuid, html: bool) -> Result<Option<Response>> {
    let base = st.config.public_url();
    let uri = exports::ctdl_uri(&base, uid);
    // The progression models and their levels are the same in every framework.
    let scales = exports::progression_nodes(&base);
    if let Some(node) = scales.iter().find(|n| n["@id"] == uri.as_str()) {
        if !html {
            return Ok(Some(ld_json(&with_context(
                node.clone(),
                exports::CTDL_CONTEXT,
            ))));
        }
        if node["@type"] == "asn:ProgressionLevel" {
            let model = node["skos:inScheme"].as_str().unwrap_or_default();
            let path = model.strip_prefix(base.as_str()).unwrap_or(model);
            let n = node["skos:notation"].as_str().unwrap_or("1");
            return Ok(Some(see_other(&format!("{path}#level-{n}"))));
        }
        let levels = scales
            .iter()
            .filter(|l| l["skos:inScheme"] == uri.as_str())
            .map(|l| {
                (
                    format!("level-{}", l["skos:notation"].as_str().unwrap_or_default()),
                    en(&l["skos:prefLabel"]),
                    en(&l["skos:definition"]),
                )
            })
            .collect();
        let page = ScalePage {
            chrome: Chrome::anonymous(),
            name: en(&node["ceasn:name"]),
            description: en(&node["ceasn:description"]),
            levels,
        };
        let body = page
            .render()
            .map_err(|e| Error::Internal(format!("template: {e}")))?;
        return Ok(Some(
            (CachePolicy::public_minute().varying("Accept"), Html(body)).into_response(),
        ));
    }
    // A framework version, or a competency (a statement of a version).
    let (home, anchor) = match super::case::version_key(&st.db, uid).await? {
        Some(k) => (k, None),
        None => match queries::statement_home(&st.db, uid).await? {
            Some((code, label)) => {
                let label: VersionLabel = label
                    .parse()
                    .map_err(|e: nsx_core::frameworks::FrameworkError| Error::Internal(e.0))?;
                ((code, label), Some(format!("#s-{uid}")))
            }
            None => return Ok(None),
        },
    };
    let (code, label) = home;
    if html {
        return Ok(Some(see_other(&format!(
            "{}{}",
            version_path(&code, &label),
            anchor.unwrap_or_default()
        ))));
    }
    let Some(view) = view_of(st, &code, &label).await? else {
        return Ok(None);
    };
    let doc = exports::ctdl_json(&view, &base);
    let node = doc["@graph"]
        .as_array()
        .and_then(|g| g.iter().find(|n| n["@id"] == uri.as_str()))
        .cloned();
    Ok(node.map(|n| ld_json(&with_context(n, exports::CTDL_CONTEXT))))
}

/// `GET /rsd/collections/{id}`: a version's Rich Skill Descriptors.
pub(crate) async fn rsd_collection(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let html = prefers_html(&headers);
    let found = async {
        let Ok(uid) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let Some((code, label)) = super::case::version_key(&st.db, uid).await? else {
            return Ok(None);
        };
        if html {
            return Ok(Some(see_other(&version_path(&code, &label))));
        }
        Ok(view_of(&st, &code, &label)
            .await?
            .map(|v| ld_json(&exports::rsd_json(&v, &st.config.public_url()))))
    };
    match found.await {
        Ok(Some(r)) => r,
        Ok(None) => missing(html, format!("the RSD collection {id}")),
        Err(e) => failed(html, e),
    }
}

/// `GET /rsd/skills/{id}`: the Rich Skill Descriptor of a statement's item, from the newest
/// version holding it.
pub(crate) async fn rsd_skill(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let html = prefers_html(&headers);
    let found = async {
        let Ok(item) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let mut homes: Vec<(Uuid, String, String)> = on_db!(&st.db, p => sqlx::query_as(
            "SELECT s.id, v.code, v.label FROM statements s JOIN framework_versions v ON v.id = s.version_id WHERE s.item_id = $1"
        )
        .bind(item)
        .fetch_all(p)
        .await)?;
        homes.retain(|h| h.2.parse::<VersionLabel>().is_ok());
        homes.sort_by_key(|h| std::cmp::Reverse(h.2.parse::<VersionLabel>().ok()));
        let Some((sid, code, label)) = homes.into_iter().next() else {
            return Ok(None);
        };
        let label: VersionLabel = label
            .parse()
            .map_err(|e: nsx_core::frameworks::FrameworkError| Error::Internal(e.0))?;
        if html {
            return Ok(Some(see_other(&format!(
                "{}#s-{sid}",
                version_path(&code, &label)
            ))));
        }
        let Some(view) = view_of(&st, &code, &label).await? else {
            return Ok(None);
        };
        let doc = exports::rsd_json(&view, &st.config.public_url());
        let item_s = item.to_string();
        Ok::<_, Error>(
            doc["skills"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["uuid"] == item_s.as_str()))
                .map(ld_json),
        )
    };
    match found.await {
        Ok(Some(r)) => r,
        Ok(None) => missing(html, format!("the skill {id}")),
        Err(e) => failed(html, e),
    }
}
