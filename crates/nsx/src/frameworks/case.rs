//! The 1EdTech CASE 1.0 read API under `/ims/case/v1p0/`: documents (one per framework
//! version), packages, items, associations and definitions, with `imsx_StatusInfo` errors.
//!
//! Packages are built by the pure mapping in [`nsx_core::frameworks::case`] and cached
//! per version in the page cache, keyed by the catalog's data version, so a package is
//! served from memory until the frameworks change.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use nsx_core::frameworks::case::{self as map, CaseFramework, CfPackage};
use nsx_core::frameworks::{Status, VersionLabel};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{FrameworkView, store};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::on_db;
use crate::state::AppState;
use crate::web::CachedPage;
use crate::web::cache_policy::{CacheControl, CachePolicy};

/// The CASE view of a stored framework version.
pub fn case_framework(v: &FrameworkView) -> CaseFramework {
    CaseFramework {
        version_id: v.version.id,
        code: v.version.code.clone(),
        title: v.version.title.clone(),
        label: v.version.label,
        status: v.version.status,
        context: v.context.clone(),
        changed: v.version.updated_at,
        statements: v
            .statements
            .iter()
            .map(|s| (s.item_id, s.statement.clone()))
            .collect(),
        sources: v.sources.clone(),
    }
}

/// The code and label of a version id.
pub async fn version_key(db: &Db, id: Uuid) -> Result<Option<(String, VersionLabel)>> {
    let row: Option<(String, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT code, label FROM framework_versions WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    row.map(|(c, l)| {
        l.parse()
            .map(|l| (c, l))
            .map_err(|e: nsx_core::frameworks::FrameworkError| Error::Internal(e.0))
    })
    .transpose()
}

/// The CASE package of a stored version, `None` when there is no such version. When a
/// newer version of the framework exists, the package links to the next one with
/// `replacedBy` ([`map::link_replacement`]).
pub async fn package_of(db: &Db, base: &str, id: Uuid) -> Result<Option<CfPackage>> {
    let Some((code, label)) = version_key(db, id).await? else {
        return Ok(None);
    };
    let Some(v) = store::load_version(db, &code, Some(&label)).await? else {
        return Ok(None);
    };
    let fw = case_framework(&v);
    let mut pkg = map::package(&fw, base);
    let next = store::list_versions(db, &code)
        .await?
        .into_iter()
        .map(|o| o.label)
        .filter(|l| *l > label)
        .min();
    if let Some(next) = next
        && let Some(newer) = store::load_version(db, &code, Some(&next)).await?
    {
        map::link_replacement(&mut pkg, &fw, &case_framework(&newer), base);
    }
    Ok(Some(pkg))
}

/// A package's JSON body, from the page cache when the data has not moved on.
pub(crate) async fn package_body(st: &AppState, id: Uuid) -> Result<Option<Arc<CachedPage>>> {
    // The framework's change counter, read per request, keys the cached copy: a package
    // is never served from before a change this node has not yet heard of.
    let stamp: Option<(String, i64)> = on_db!(&st.db, p => sqlx::query_as(
        "SELECT v.code, COALESCE(s.version, 0) FROM framework_versions v
         LEFT JOIN cache_scopes s ON s.scope = 'framework:' || v.code
         WHERE v.id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    let Some((code, scope_version)) = stamp else {
        return Ok(None);
    };
    let key = format!("case:package:{id}@{scope_version}");
    if let Some(p) = st.pages.get(&key) {
        return Ok(Some(p));
    }
    let version = st.pages.version();
    let generation = st.pages.generation();
    let Some(pkg) = package_of(&st.db, &st.config.public_url(), id).await? else {
        return Ok(None);
    };
    let body = serde_json::to_vec(&pkg).map_err(|e| Error::Internal(e.to_string()))?;
    let etag = format!("\"{}\"", Uuid::new_v5(&id, &body).simple());
    let page = Arc::new(
        CachedPage::new(
            body,
            "application/json",
            CacheControl::PublicMinute,
            version,
        )
        .with_etag(etag)
        .scoped(super::service::cache_scope(&code))
        .at_generation(generation),
    );
    st.pages.put(key, page.clone());
    Ok(Some(page))
}

pub(crate) async fn load_package(st: &AppState, id: Uuid) -> Result<Option<CfPackage>> {
    match package_body(st, id).await? {
        Some(p) => Ok(Some(
            serde_json::from_slice(&p.body).map_err(|e| Error::Internal(e.to_string()))?,
        )),
        None => Ok(None),
    }
}

/// An `imsx_StatusInfo` failure.
pub fn status_info(code: StatusCode, minor: &str, description: &str) -> Response {
    let body = json!({
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [{
                "imsx_codeMinorFieldName": "sourcedId",
                "imsx_codeMinorFieldValue": minor,
            }]
        }
    });
    (code, axum::Json(body)).into_response()
}

fn not_found(kind: &str, id: &str) -> Response {
    status_info(
        StatusCode::NOT_FOUND,
        "unknownobject",
        &format!("No {kind} with identifier {id}."),
    )
}

fn internal(e: Error) -> Response {
    tracing::error!(error = %e, "CASE request failed");
    status_info(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_server_error",
        "The request could not be completed.",
    )
}

fn json_ok(v: &impl serde::Serialize) -> Response {
    (
        CachePolicy::public_minute().varying("Accept"),
        axum::Json(v),
    )
        .into_response()
}

/// Query parameters of `GET CFDocuments`.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    limit: Option<String>,
    offset: Option<String>,
    sort: Option<String>,
    #[serde(rename = "orderBy")]
    order_by: Option<String>,
    filter: Option<String>,
    fields: Option<String>,
}

/// A stored version as the CASE document list reads it.
#[derive(sqlx::FromRow)]
struct DocRow {
    id: Uuid,
    code: String,
    label: String,
    status: String,
    title: String,
    context: String,
    updated_at: OffsetDateTime,
}

/// Every stored version as a `CaseFramework` without statements.
pub async fn all_documents(db: &Db) -> Result<Vec<CaseFramework>> {
    let rows: Vec<DocRow> = on_db!(db, p => sqlx::query_as(
        "SELECT id, code, label, status, title, context, updated_at FROM framework_versions"
    )
    .fetch_all(p)
    .await)?;
    rows.into_iter()
        .map(|r| {
            let bad = |e: nsx_core::frameworks::FrameworkError| Error::Internal(e.0);
            Ok(CaseFramework {
                version_id: r.id,
                code: r.code,
                label: r.label.parse().map_err(bad)?,
                status: r.status.parse::<Status>().map_err(bad)?,
                title: r.title,
                context: r.context,
                changed: r.updated_at,
                statements: Vec::new(),
                sources: Vec::new(),
            })
        })
        .collect()
}

/// The properties of a CFDocument (CASE 1.0) a `fields` selection may name.
const DOCUMENT_FIELDS: [&str; 21] = [
    "identifier",
    "uri",
    "frameworkType",
    "caseVersion",
    "creator",
    "title",
    "lastChangeDateTime",
    "officialSourceURL",
    "publisher",
    "description",
    "subject",
    "subjectURI",
    "language",
    "version",
    "adoptionStatus",
    "statusStartDate",
    "statusEndDate",
    "licenseURI",
    "notes",
    "extensions",
    "CFPackageURI",
];

fn bad_param(minor: &str, what: String) -> Response {
    status_info(StatusCode::BAD_REQUEST, minor, &what)
}

pub(crate) async fn documents(
    State(st): State<AppState>,
    q: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    // A repeated or malformed parameter is answered in CASE's own form.
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return bad_param("invalid_selection_field", e.body_text()),
    };
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n)) if n >= 1 => n.min(1000),
        _ => {
            return bad_param(
                "invalid_selection_field",
                "limit must be a whole number of at least 1.".into(),
            );
        }
    };
    let offset = match q.offset.as_deref().map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        _ => {
            return bad_param(
                "invalid_selection_field",
                "offset must be a whole number.".into(),
            );
        }
    };
    let desc = match q.order_by.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(o) => {
            return bad_param(
                "invalid_selection_field",
                format!("orderBy must be asc or desc, not {o:?}."),
            );
        }
    };
    const SORTS: [&str; 6] = [
        "identifier",
        "title",
        "lastChangeDateTime",
        "version",
        "adoptionStatus",
        "subject",
    ];
    let sort = q.sort.as_deref().unwrap_or("identifier");
    if !SORTS.contains(&sort) {
        return bad_param(
            "invalid_sort_field",
            format!("sort must be one of {}, not {sort:?}.", SORTS.join(", ")),
        );
    }
    if q.filter.as_deref().is_some_and(|f| !f.is_empty()) {
        return bad_param(
            "invalid_filter_field",
            "filter is not supported; use limit, offset, sort and orderBy.".into(),
        );
    }
    // `fields`: the document properties to return, comma-separated (CASE 1.0 §B.2.1).
    let fields: Option<Vec<String>> = match q.fields.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(list) => {
            let asked: Vec<String> = list.split(',').map(|f| f.trim().to_string()).collect();
            if let Some(bad) = asked
                .iter()
                .find(|f| !DOCUMENT_FIELDS.contains(&f.as_str()))
            {
                return bad_param(
                    "invalid_selection_field",
                    format!(
                        "fields names {bad:?}, which a CFDocument does not have; use any of {}.",
                        DOCUMENT_FIELDS.join(", ")
                    ),
                );
            }
            Some(asked)
        }
    };
    let docs = match all_documents(&st.db).await {
        Ok(d) => d,
        Err(e) => return internal(e),
    };
    let base = st.config.public_url();
    let mut docs: Vec<_> = docs.iter().map(|d| map::document(d, &base)).collect();
    docs.sort_by(|a, b| {
        let key = |d: &map::CfDocument| -> String {
            match sort {
                "title" => d.title.clone(),
                "lastChangeDateTime" => d.last_change_date_time.clone(),
                "version" => d.version.clone().unwrap_or_default(),
                "adoptionStatus" => d.adoption_status.clone().unwrap_or_default(),
                "subject" => d.subject.join(","),
                _ => d.identifier.clone(),
            }
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.identifier.cmp(&b.identifier))
    });
    if desc {
        docs.reverse();
    }
    let total = docs.len();
    let page: Vec<Value> = docs
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|d| {
            let full = serde_json::to_value(d).unwrap_or(Value::Null);
            match (&fields, full) {
                (Some(keep), Value::Object(map)) => Value::Object(
                    map.into_iter()
                        .filter(|(k, _)| keep.iter().any(|f| f == k))
                        .collect(),
                ),
                (_, v) => v,
            }
        })
        .collect();
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-total-count",
        HeaderValue::from_str(&total.to_string()).unwrap_or(HeaderValue::from_static("0")),
    );
    (headers, axum::Json(json!({ "CFDocuments": page }))).into_response()
}

fn parse_id(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id).ok()
}

/// The page of the version holding a CASE object (with the statement's anchor when the
/// object is a statement), for browsers that follow a CASE URI.
pub(crate) async fn page_of(st: &AppState, id: Uuid) -> Result<Option<String>> {
    if let Some((code, label)) = version_key(&st.db, id).await? {
        return Ok(Some(nsx_core::frameworks::version_path(&code, &label)));
    }
    let Some(v) = candidate_versions(st, id).await?.into_iter().next() else {
        return Ok(None);
    };
    let Some((code, label)) = version_key(&st.db, v).await? else {
        return Ok(None);
    };
    let path = nsx_core::frameworks::version_path(&code, &label);
    let is_statement: Option<Uuid> = on_db!(&st.db, p => sqlx::query_scalar(
        "SELECT id FROM statements WHERE version_id = $1 AND item_id = $2"
    )
    .bind(v)
    .bind(id)
    .fetch_optional(p)
    .await)?;
    Ok(Some(match is_statement {
        Some(sid) => format!("{path}#s-{sid}"),
        None => path,
    }))
}

/// A browser (`Accept: text/html`) is sent to the page of the object; `None` lets the
/// JSON answer go ahead.
async fn to_page(st: &AppState, headers: &HeaderMap, id: &str) -> Option<Response> {
    if !crate::web::negotiate::prefers_html(headers) {
        return None;
    }
    let uid = parse_id(id)?;
    match page_of(st, uid).await {
        Ok(Some(path)) => Some(see_other(&path)),
        Ok(None) => None,
        Err(e) => Some(internal(e)),
    }
}

fn see_other(path: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        CachePolicy::vary_only("Accept"),
        [(header::LOCATION, path.to_string())],
    )
        .into_response()
}

pub(crate) async fn document(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = to_page(&st, &headers, &id).await {
        return r;
    }
    let Some(uid) = parse_id(&id) else {
        return not_found("CFDocument", &id);
    };
    match load_package(&st, uid).await {
        Ok(Some(p)) => json_ok(&p.document),
        Ok(None) => not_found("CFDocument", &id),
        Err(e) => internal(e),
    }
}

pub(crate) async fn package(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = to_page(&st, &headers, &id).await {
        return r;
    }
    let Some(uid) = parse_id(&id) else {
        return not_found("CFPackage", &id);
    };
    match package_body(&st, uid).await {
        // Not handed to the fast path: each request checks the framework's change counter,
        // so a package is current on every node the moment its framework changes.
        Ok(Some(p)) => p.respond(&headers),
        Ok(None) => not_found("CFPackage", &id),
        Err(e) => internal(e),
    }
}

/// Which version's package holds each CASE identifier that is not a statement: levels,
/// domains, source items, associations and definitions (item types, licences, subjects,
/// concepts). Built on first need
/// for each catalog data version and kept per node; a cache, safe to lose.
#[derive(Default)]
pub struct CaseIdIndex {
    inner: tokio::sync::Mutex<Option<(IndexStamp, Arc<IdToVersion>)>>,
}

/// The catalog data version and the page cache's eviction generation a map was built at.
type IndexStamp = (i64, u64);

/// CASE identifier → the framework version whose package holds it.
type IdToVersion = HashMap<Uuid, Uuid>;

impl CaseIdIndex {
    /// The version holding `id`, newest version first when several do.
    async fn version_of(&self, st: &AppState, id: Uuid) -> Result<Option<Uuid>> {
        // The map changes with the catalog and whenever a framework gains or loses a
        // version (a scope eviction moves the generation).
        let data_version = (st.pages.version(), st.pages.generation());
        // One builder at a time; the others wait for its map.
        let mut guard = self.inner.lock().await;
        let map = match guard.as_ref() {
            Some((v, map)) if *v == data_version => map.clone(),
            _ => {
                let map = Arc::new(build_id_index(st).await?);
                *guard = Some((data_version, map.clone()));
                map
            }
        };
        Ok(map.get(&id).copied())
    }
}

pub(crate) async fn build_id_index(st: &AppState) -> Result<IdToVersion> {
    let started = std::time::Instant::now();
    let mut docs = all_documents(&st.db).await?;
    docs.sort_by(|a, b| b.label.cmp(&a.label).then(a.code.cmp(&b.code)));
    let base = Arc::new(st.config.public_url());
    // Packages are built on the runtime's worker threads, a few at a time, and taken in
    // order (newest first) so the newest version holding an identifier wins.
    let version_ids: Vec<Uuid> = docs.iter().map(|d| d.version_id).collect();
    let db = st.db.clone();
    let mut packages = futures::stream::iter(version_ids)
        .map(move |version_id| {
            let db = db.clone();
            let base = base.clone();
            tokio::spawn(async move {
                package_of(&db, &base, version_id)
                    .await
                    .map(|p| (version_id, p))
            })
        })
        .buffered(4);
    let mut map = HashMap::new();
    while let Some(joined) = packages.next().await {
        let (version_id, package) =
            joined.map_err(|e| Error::Internal(format!("building a CASE package: {e}")))??;
        let Some(p) = package else {
            continue;
        };
        let defs = &p.definitions;
        let ids = p
            .items
            .iter()
            .map(|i| i.identifier.as_str())
            .chain(p.associations.iter().map(|a| a.identifier.as_str()))
            .chain(defs.item_types.iter().map(|d| d.identifier.as_str()))
            .chain(defs.licenses.iter().map(|d| d.identifier.as_str()))
            .chain(defs.subjects.iter().map(|d| d.identifier.as_str()))
            .chain(defs.concepts.iter().map(|d| d.identifier.as_str()));
        for id in ids {
            if let Ok(id) = Uuid::parse_str(id) {
                map.entry(id).or_insert(version_id);
            }
        }
    }
    tracing::info!(
        versions = docs.len(),
        identifiers = map.len(),
        ms = started.elapsed().as_millis() as u64,
        "CASE identifier index built"
    );
    Ok(map)
}

/// The versions that may hold an object, newest first: those holding the item as a
/// statement, else the one the identifier index names.
pub(crate) async fn candidate_versions(st: &AppState, id: Uuid) -> Result<Vec<Uuid>> {
    let db = &st.db;
    let mut direct: Vec<(Uuid, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT s.version_id, v.label FROM statements s JOIN framework_versions v ON v.id = s.version_id WHERE s.item_id = $1"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    if !direct.is_empty() {
        direct.sort_by_key(|d| std::cmp::Reverse(d.1.clone()));
        return Ok(direct.into_iter().map(|d| d.0).collect());
    }
    Ok(st
        .caches
        .get::<CaseIdIndex>()
        .version_of(st, id)
        .await?
        .into_iter()
        .collect())
}

/// Finds the first package (newest first) for which `f` yields something.
pub(crate) async fn find<T>(
    st: &AppState,
    id: Uuid,
    f: impl Fn(&CfPackage, &str) -> Option<T>,
) -> Result<Option<T>> {
    let ids = id.to_string();
    for v in candidate_versions(st, id).await? {
        if let Some(p) = load_package(st, v).await?
            && let Some(t) = f(&p, &ids)
        {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

pub(crate) async fn lookup(
    st: AppState,
    headers: HeaderMap,
    kind: &str,
    id: String,
    f: impl Fn(&CfPackage, &str) -> Option<Value>,
) -> Response {
    if let Some(r) = to_page(&st, &headers, &id).await {
        return r;
    }
    let Some(uid) = parse_id(&id) else {
        return not_found(kind, &id);
    };
    match find(&st, uid, f).await {
        Ok(Some(v)) => json_ok(&v),
        Ok(None) => not_found(kind, &id),
        Err(e) => internal(e),
    }
}

fn to_value(v: &impl serde::Serialize) -> Option<Value> {
    serde_json::to_value(v).ok()
}

pub(crate) async fn item(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    lookup(st, headers, "CFItem", id, |p, id| {
        p.items
            .iter()
            .find(|i| i.identifier == id)
            .and_then(to_value)
    })
    .await
}

pub(crate) async fn item_associations(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    lookup(st, headers, "CFItem", id, |p, id| {
        let it = p.items.iter().find(|i| i.identifier == id)?;
        let assocs: Vec<_> = p
            .associations
            .iter()
            .filter(|a| a.origin.identifier == id || a.destination.identifier == id)
            .collect();
        Some(json!({ "CFItem": it, "CFAssociations": assocs }))
    })
    .await
}

pub(crate) async fn association(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    lookup(st, headers, "CFAssociation", id, |p, id| {
        p.associations
            .iter()
            .find(|a| a.identifier == id)
            .and_then(to_value)
    })
    .await
}

pub(crate) async fn item_type(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    lookup(st, headers, "CFItemType", id, |p, id| {
        let t = p
            .definitions
            .item_types
            .iter()
            .find(|t| t.identifier == id)?;
        Some(json!({ "CFItemTypes": [t] }))
    })
    .await
}

pub(crate) async fn license(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    lookup(st, headers, "CFLicense", id, |p, id| {
        p.definitions
            .licenses
            .iter()
            .find(|t| t.identifier == id)
            .and_then(to_value)
    })
    .await
}

pub(crate) async fn subject(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    lookup(st, headers, "CFSubject", id, |p, id| {
        let t = p.definitions.subjects.iter().find(|t| t.identifier == id)?;
        Some(json!({ "CFSubjects": [t] }))
    })
    .await
}

pub(crate) async fn concept(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    lookup(st, headers, "CFConcept", id, |p, id| {
        let t = p.definitions.concepts.iter().find(|t| t.identifier == id)?;
        Some(json!({ "CFConcepts": [t] }))
    })
    .await
}

pub(crate) async fn rubric(Path(id): Path<String>) -> Response {
    // NSX frameworks carry no rubrics.
    not_found("CFRubric", &id)
}

pub(crate) async fn association_grouping(Path(id): Path<String>) -> Response {
    // NSX frameworks use no association groupings.
    not_found("CFAssociationGrouping", &id)
}
