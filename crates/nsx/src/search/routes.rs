//! The search page: `/search?q=` with ranked results, why each matched, pagination, and
//! empty-query and no-result states. Works without JavaScript; `suggest.js` adds
//! as-you-type suggestions.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::api::{MAX_QUERY_CHARS, SearchResult};
use crate::accounts::Viewer;
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{PageQuery, PageResult};
use crate::web::layout::Chrome;

/// Results per page.
pub const PAGE_SIZE: usize = 20;

/// Searches offered when there is nothing to show.
const EXAMPLES: &[&str] = &[
    "robot tech",
    "maintenance mechanic",
    "registered nurse",
    "software developer",
    "welder",
    "17-3024",
    "CIP 15.0403",
];

#[derive(Debug, Deserialize)]
pub(crate) struct Params {
    q: Option<String>,
    page: Option<String>,
}

struct ReasonView {
    kind_slug: String,
    text: String,
}

struct ResultView {
    code: String,
    title: String,
    url: String,
    job_zone: Option<i64>,
    /// The framework page, when the occupation has a framework.
    framework: Option<String>,
    matched: Vec<ReasonView>,
}

#[derive(Template)]
#[template(path = "search/search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    error: Option<String>,
    total: usize,
    first: usize,
    last: usize,
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
    did_you_mean: Option<(String, String)>,
    results: Vec<ResultView>,
    examples: Vec<(String, String)>,
}

/// `/search?q=…&page=…` as a link.
pub fn search_url(q: &str, page: usize) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    if page > 1 {
        format!("/search?q={enc}&page={page}")
    } else {
        format!("/search?q={enc}")
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(p): PageQuery<Params>,
) -> PageResult<Response> {
    let q = p.q.unwrap_or_default().trim().to_string();
    let mut error = None;
    let page: usize = match p.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                error = Some("That page number is not valid; showing the first page.".into());
                1
            }
        },
    };
    let mut view = SearchPage {
        chrome: Chrome::new(&viewer),
        q: q.clone(),
        error,
        total: 0,
        first: 0,
        last: 0,
        page,
        pages: 0,
        prev: None,
        next: None,
        did_you_mean: None,
        results: Vec::new(),
        examples: EXAMPLES
            .iter()
            .map(|e| (e.to_string(), search_url(e, 1)))
            .collect(),
    };
    if q.chars().count() > MAX_QUERY_CHARS {
        view.error = Some(format!(
            "A search may be at most {MAX_QUERY_CHARS} characters; shorten it and try again."
        ));
    } else if !q.is_empty() {
        let index = state.search.current();
        let mut ranked = index.search(&q, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
        view.total = ranked.total;
        view.pages = view.total.div_ceil(PAGE_SIZE);
        let page = page.min(view.pages.max(1));
        if page != view.page {
            // Past the last page: show the last one.
            ranked = index.search(&q, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
            view.page = page;
        }
        let skip = (page - 1) * PAGE_SIZE;
        view.results = ranked
            .hits
            .into_iter()
            .map(SearchResult::from)
            .map(|r| ResultView {
                matched: r
                    .matched
                    .into_iter()
                    .map(|m| ReasonView {
                        kind_slug: serde_json::to_value(m.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
                            .unwrap_or_default(),
                        text: m.text,
                    })
                    .collect(),
                code: r.code,
                title: r.title,
                url: r.url,
                job_zone: r.job_zone,
                framework: None,
            })
            .collect();
        let codes: Vec<String> = view.results.iter().map(|r| r.code.clone()).collect();
        if !codes.is_empty() {
            let with: std::collections::HashMap<String, String> =
                crate::frameworks::store::latest_versions(&state.db, Some(&codes))
                    .await?
                    .into_iter()
                    .map(|v| (v.code.clone(), format!("/frameworks/{}", v.code)))
                    .collect();
            for r in &mut view.results {
                r.framework = with.get(&r.code).cloned();
            }
        }
        view.first = if view.results.is_empty() { 0 } else { skip + 1 };
        view.last = skip + view.results.len();
        view.prev = (page > 1).then(|| search_url(&q, page - 1));
        view.next = (page < view.pages).then(|| search_url(&q, page + 1));
        view.did_you_mean = ranked.did_you_mean.map(|d| {
            let url = search_url(&d, 1);
            (d, url)
        });
    }
    let html = view
        .render()
        .map_err(|e| Error::Internal(format!("rendering the search page: {e}")))?;
    Ok(Html(html).into_response())
}
