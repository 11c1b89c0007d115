//! Catalog pages: home, browse, occupation, sources and the API overview.
//!
//! Public pages are rendered once per data version for anonymous visitors and kept in the
//! [`PageCache`](crate::web::PageCache) with a strong `ETag`; `If-None-Match` is answered
//! with `304 Not Modified`. Signed-in visitors get a fresh render with their own header.

use std::future::Future;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use nsx_core::codes::{OnetSocCode, SocCode};
use nsx_core::occupations::{SOC_MAJOR_GROUPS, job_zone_label, major_group_title};
use serde::Deserialize;

use super::model::{CatalogStats, Facet, OccupationDetail, OccupationList, SourceRelease};
use super::store::{self, ListFilter, parse_job_zone, parse_major_group};
use crate::accounts::Viewer;
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{PageError, PagePath, PageQuery, PageResult};
use crate::web::layout::Chrome;
use crate::web::page_cache::cached_html;

/// Occupations per browse page.
pub const PAGE_SIZE: i64 = 50;

/// Serves a public page: from the cache for anonymous visitors (rendering it on a miss),
/// freshly for signed-in ones; answers `If-None-Match` with 304 either way.
pub(crate) async fn public_page<F, Fut>(
    state: &AppState,
    key: String,
    viewer: &Viewer,
    headers: &HeaderMap,
    render: F,
) -> PageResult<Response>
where
    F: FnOnce(Chrome) -> Fut,
    Fut: Future<Output = PageResult<String>>,
{
    let chrome = if viewer.signed_in() {
        Chrome::new(viewer)
    } else {
        Chrome::anonymous()
    };
    cached_html(
        &state.pages,
        headers,
        key,
        None,
        !viewer.signed_in(),
        || render(chrome),
    )
    .await
}

fn render<T: Template>(t: &T) -> PageResult<String> {
    t.render()
        .map_err(|e| PageError(Error::Internal(format!("template: {e}"))))
}

// ---------------------------------------------------------------- home

#[derive(Template)]
#[template(path = "occupations/home.html")]
struct HomePage {
    chrome: Chrome,
    stats: CatalogStats,
    groups: Vec<Facet>,
    zones: Vec<Facet>,
    releases: Vec<SourceRelease>,
}

pub(crate) async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> PageResult<Response> {
    let db = state.db.clone();
    public_page(&state, "/".into(), &viewer, &headers, |chrome| async move {
        let stats = store::stats(&db).await?;
        let (groups, zones) = store::facets(&db).await?;
        let releases = store::sources(&db)
            .await?
            .into_iter()
            .filter(|s| s.source.starts_with("onet"))
            .collect();
        render(&HomePage {
            chrome,
            stats,
            groups,
            zones,
            releases,
        })
    })
    .await
}

// ---------------------------------------------------------------- browse

/// The browse form's fields, as text so an empty choice ("any") is not an error.
#[derive(Debug, Default, Deserialize)]
pub struct BrowseQuery {
    /// 2-digit SOC major group, or empty.
    pub major_group: Option<String>,
    /// Job Zone 1–5, or empty.
    pub job_zone: Option<String>,
    /// `yes`, `no`, or empty.
    pub ready: Option<String>,
    /// 1-based page number.
    pub page: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl BrowseQuery {
    fn filter(&self) -> Result<(ListFilter, i64), Error> {
        let major_group = non_empty(&self.major_group)
            .map(parse_major_group)
            .transpose()?;
        let job_zone = match non_empty(&self.job_zone) {
            None => None,
            Some(z) => Some(parse_job_zone(z.parse().map_err(|_| {
                Error::invalid("job_zone", format!("{z:?} is not a Job Zone (1 to 5)"))
            })?)?),
        };
        let framework_ready = match non_empty(&self.ready) {
            None => None,
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(o) => {
                return Err(Error::invalid(
                    "ready",
                    format!("{o:?} is not a choice (yes or no)"),
                ));
            }
        };
        let page = match non_empty(&self.page) {
            None => 1,
            Some(p) => p
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or_else(|| Error::invalid("page", format!("{p:?} is not a page number")))?,
        };
        Ok((
            ListFilter {
                major_group,
                job_zone,
                framework_ready,
            },
            page,
        ))
    }
}

fn browse_query(f: &ListFilter, page: i64) -> String {
    let mut parts = Vec::new();
    if let Some(g) = &f.major_group {
        parts.push(format!("major_group={g}"));
    }
    if let Some(z) = f.job_zone {
        parts.push(format!("job_zone={z}"));
    }
    match f.framework_ready {
        Some(true) => parts.push("ready=yes".into()),
        Some(false) => parts.push("ready=no".into()),
        None => {}
    }
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() {
        "/occupations".into()
    } else {
        format!("/occupations?{}", parts.join("&"))
    }
}

/// One option of a filter select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "occupations/browse.html")]
struct BrowsePage {
    chrome: Chrome,
    heading: String,
    list: OccupationList,
    groups: Vec<Choice>,
    zones: Vec<Choice>,
    ready: Vec<Choice>,
    first: i64,
    last: i64,
    prev: Option<String>,
    next: Option<String>,
    page: i64,
    pages: i64,
    filtered: bool,
}

pub(crate) async fn browse(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PageQuery(q): PageQuery<BrowseQuery>,
) -> PageResult<Response> {
    let (filter, page) = q.filter()?;
    let key = browse_query(&filter, page);
    let db = state.db.clone();
    public_page(&state, key, &viewer, &headers, |chrome| async move {
        let offset = (page - 1) * PAGE_SIZE;
        let list = store::list(&db, &filter, PAGE_SIZE, offset).await?;
        let (group_facets, zone_facets) = store::facets(&db).await?;
        let groups = SOC_MAJOR_GROUPS
            .iter()
            .map(|(code, title)| {
                let n = group_facets
                    .iter()
                    .find(|f| f.value == *code)
                    .map_or(0, |f| f.count);
                Choice {
                    value: code.to_string(),
                    label: format!("{code} · {title} ({n})"),
                    selected: filter.major_group.as_deref() == Some(*code),
                }
            })
            .collect();
        let zones = (1..=5)
            .map(|z| {
                let n = zone_facets
                    .iter()
                    .find(|f| f.value == z.to_string())
                    .map_or(0, |f| f.count);
                Choice {
                    value: z.to_string(),
                    label: format!("{z} · {} ({n})", job_zone_label(z)),
                    selected: filter.job_zone == Some(z),
                }
            })
            .collect();
        let ready = [
            ("yes", "Enough data for a framework"),
            ("no", "Not enough data yet"),
        ]
        .iter()
        .map(|(v, l)| Choice {
            value: v.to_string(),
            label: l.to_string(),
            selected: filter.framework_ready == Some(*v == "yes"),
        })
        .collect();
        let mut heading = "Occupations".to_string();
        if let Some(g) = &filter.major_group {
            heading = format!(
                "{} occupations",
                major_group_title(g).unwrap_or("Unknown group")
            );
        }
        if let Some(z) = filter.job_zone {
            heading = format!("{heading} in Job Zone {z}");
        }
        let pages = ((list.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let first = if list.items.is_empty() { 0 } else { offset + 1 };
        let last = offset + list.items.len() as i64;
        render(&BrowsePage {
            chrome,
            heading,
            prev: (page > 1).then(|| browse_query(&filter, page - 1)),
            next: (page < pages).then(|| browse_query(&filter, page + 1)),
            filtered: filter != ListFilter::default(),
            list,
            groups,
            zones,
            ready,
            first,
            last,
            page,
            pages,
        })
    })
    .await
}

// ---------------------------------------------------------------- occupation

#[derive(Template)]
#[template(path = "occupations/occupation.html")]
struct OccupationPage {
    chrome: Chrome,
    d: OccupationDetail,
    /// The framework's page and current version label, when the occupation has one.
    framework: Option<(String, String)>,
    /// Following the occupation.
    follow: crate::following::routes::FollowBox,
}

impl OccupationPage {
    /// Whether any task carries a rating (the release may lack Task Ratings).
    fn task_ratings(&self) -> bool {
        self.d
            .tasks
            .iter()
            .any(|t| t.importance.is_some() || t.relevance.is_some())
    }
}

/// Reads an occupation code from a page URL: a SOC code redirects to its base occupation,
/// anything else that is not a code is a page that does not exist.
fn page_code(raw: &str) -> Result<OnetSocCode, Box<Response>> {
    if let Ok(c) = raw.parse::<OnetSocCode>() {
        return Ok(c);
    }
    if let Ok(soc) = raw.parse::<SocCode>() {
        return Err(Box::new(
            Redirect::permanent(&format!("/occupations/{soc}.00")).into_response(),
        ));
    }
    Err(Box::new(
        PageError(Error::NotFound(format!(
            "the occupation code {raw:?} (O*NET-SOC codes look like 17-3024.00)"
        )))
        .into_response(),
    ))
}

pub(crate) async fn occupation(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    uri: Uri,
    PagePath(raw): PagePath<String>,
) -> PageResult<Response> {
    let code = match page_code(&raw) {
        Ok(c) => c,
        Err(resp) => return Ok(*resp),
    };
    let db = state.db.clone();
    let chrome = if viewer.signed_in() {
        Chrome::new(&viewer)
    } else {
        Chrome::anonymous()
    };
    let signed_in = viewer.signed_in();
    // Cached in the framework's scope, so drafting or publishing its framework refreshes it.
    let scope = crate::frameworks::service::cache_scope(code.as_str());
    cached_html(
        &state.pages,
        &headers,
        uri.path().to_string(),
        Some(scope),
        !viewer.signed_in(),
        || async move {
            let d = store::detail(&db, &code)
                .await?
                .ok_or_else(|| Error::NotFound(format!("the occupation {code}")))?;
            let framework =
                crate::frameworks::store::latest_versions(&db, Some(&[code.as_str().to_string()]))
                    .await?
                    .into_iter()
                    .next()
                    .map(|v| (format!("/frameworks/{}", v.code), v.label.to_string()));
            let follow = crate::following::routes::FollowBox::new(
                nsx_core::following::TargetKind::Occupation,
                code.as_str(),
                signed_in,
            );
            render(&OccupationPage {
                chrome,
                d,
                framework,
                follow,
            })
        },
    )
    .await
}

// ---------------------------------------------------------------- sources

#[derive(Template)]
#[template(path = "occupations/sources.html")]
struct SourcesPage {
    chrome: Chrome,
    sources: Vec<SourceRelease>,
}

pub(crate) async fn sources(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> PageResult<Response> {
    let db = state.db.clone();
    public_page(
        &state,
        "/sources".into(),
        &viewer,
        &headers,
        |chrome| async move {
            let sources = store::sources(&db).await?;
            render(&SourcesPage { chrome, sources })
        },
    )
    .await
}

// ---------------------------------------------------------------- API overview

#[derive(Template)]
#[template(path = "occupations/api.html")]
struct ApiPage {
    chrome: Chrome,
}

pub(crate) async fn api_overview(viewer: Viewer) -> PageResult<Response> {
    let html = render(&ApiPage {
        chrome: Chrome::new(&viewer),
    })?;
    Ok(axum::response::Html(html).into_response())
}

// ---------------------------------------------------------------- durable-skills mapping

/// Where the durable-skills mapping table is published; the mapping source's citations link here.
pub const DURABLE_MAPPING_PATH: &str = nsx_core::frameworks::MAPPING_PAGE;

struct MappingDomain {
    key: &'static str,
    label: &'static str,
    rows: Vec<MappingRow>,
}

struct MappingRow {
    element: &'static str,
    kind: &'static str,
    subject: &'static str,
    behaviour: &'static str,
}

#[derive(Template)]
#[template(path = "occupations/durable_mapping.html")]
struct DurableMappingPage {
    chrome: Chrome,
    version: &'static str,
    domains: Vec<MappingDomain>,
}

pub(crate) async fn durable_mapping(viewer: Viewer) -> PageResult<Response> {
    use nsx_core::frameworks::DurableDomain;
    use nsx_core::frameworks::durable::{self, ElementKind};
    let domains = DurableDomain::ALL
        .iter()
        .map(|&d| MappingDomain {
            key: d.as_str(),
            label: d.label(),
            rows: durable::rows(d)
                .map(|m| MappingRow {
                    element: m.element,
                    kind: match m.kind {
                        ElementKind::Skill => "Skill (Skills.txt)",
                        ElementKind::WorkStyle => "Work style (Work Styles.txt)",
                        ElementKind::WorkActivity => "Work activity (Work Activities.txt)",
                    },
                    subject: m.subject,
                    behaviour: m.behaviour,
                })
                .collect(),
        })
        .collect();
    let html = render(&DurableMappingPage {
        chrome: Chrome::new(&viewer),
        version: durable::MAPPING_VERSION,
        domains,
    })?;
    Ok(axum::response::Html(html).into_response())
}
