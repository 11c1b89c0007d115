//! The search JSON API: ranked occupations with why each matched, and as-you-type
//! suggestions.

use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Hit, Suggestion};
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{ApiError, ApiQuery, ApiResult, Problem};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most results one page may ask for.
pub const MAX_LIMIT: i64 = 100;
/// The deepest offset accepted.
pub const MAX_OFFSET: i64 = 10_000;

/// `GET /api/v1/search` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, a job title, or a code (O*NET-SOC `17-3024.00`, SOC `17-3024`, CIP `15.0403`).
    #[param(min_length = 1, max_length = 200)]
    pub q: Option<String>,
    /// How many results (1–100, default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// How many results to skip (0–10000, default 0).
    #[param(minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}

/// `GET /api/v1/suggest` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What has been typed so far.
    #[param(min_length = 1, max_length = 200)]
    pub q: Option<String>,
    /// How many suggestions (1–20, default 8).
    #[param(minimum = 1, maximum = 20)]
    pub limit: Option<i64>,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The query as received.
    pub query: String,
    /// How many occupations matched in all (at most 200 are ranked).
    pub total: usize,
    /// The page size asked for.
    pub limit: i64,
    /// The offset asked for.
    pub offset: i64,
    /// A respelled query, when the results rest on typo corrections.
    pub did_you_mean: Option<String>,
    /// Whether the query was read as a code.
    pub code_query: bool,
    /// Server time spent searching, in microseconds.
    pub took_us: u64,
    /// The catalog data version the index was built from.
    pub index_version: i64,
    /// The results, best first.
    pub results: Vec<SearchResult>,
}

/// One ranked occupation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// O*NET-SOC code.
    pub code: String,
    /// Official title.
    pub title: String,
    /// Job zone (1–5).
    pub job_zone: Option<i64>,
    /// Relevance within this query (higher is better).
    pub score: f32,
    /// How sure the ranking is that this is the occupation meant, 0–1. For words, the
    /// confidences of all results of a query add up to 1; every result of a code query is 1.
    /// When the first result's is low, offer the user a choice.
    pub confidence: f32,
    /// Why it matched, strongest first.
    pub matched: Vec<super::Reason>,
    /// The occupation's page.
    pub url: String,
}

impl From<Hit> for SearchResult {
    fn from(h: Hit) -> Self {
        SearchResult {
            url: format!("/occupations/{}", h.code),
            code: h.code,
            title: h.title,
            job_zone: h.job_zone,
            score: h.score,
            confidence: h.confidence,
            matched: h.matched,
        }
    }
}

/// Suggestions for a partly typed query.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestResponse {
    /// The query as received.
    pub query: String,
    /// Server time spent, in microseconds.
    pub took_us: u64,
    /// Titles that lead to occupations, best first.
    pub suggestions: Vec<Suggestion>,
}

/// Checks the query text: present, not blank, not too long.
pub fn check_query(q: Option<&str>) -> Result<String, Error> {
    let q = q.unwrap_or("").trim();
    if q.is_empty() {
        return Err(Error::invalid("q", "type something to search for"));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(Error::invalid(
            "q",
            format!("a query may be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(q.to_string())
}

fn check_range(
    field: &str,
    v: Option<i64>,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, Error> {
    let v = v.unwrap_or(default);
    if v < min || v > max {
        return Err(Error::invalid(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(v)
}

fn timing(us: u64) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("search;dur={:.3}", us as f64 / 1000.0)) {
        h.insert("server-timing", v);
    }
    h
}

/// Ranked occupations for words, a job title or a code, each with why it matched.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "search",
    params(SearchParams),
    responses(
        (status = 200, description = "Ranked occupations", body = SearchResponse),
        (status = 422, description = "Empty query or a limit/offset out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn search(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Response> {
    let q = check_query(p.q.as_deref())?;
    let limit = check_range("limit", p.limit, 20, 1, MAX_LIMIT)?;
    let offset = check_range("offset", p.offset, 0, 0, MAX_OFFSET)?;
    let started = Instant::now();
    let index = state.search.current();
    let ranked = index
        .search(&q, offset as usize, limit as usize)
        .map_err(ApiError)?;
    let total = ranked.total;
    let results: Vec<SearchResult> = ranked.hits.into_iter().map(SearchResult::from).collect();
    let took_us = started.elapsed().as_micros() as u64;
    let body = SearchResponse {
        query: q,
        total,
        limit,
        offset,
        did_you_mean: ranked.did_you_mean,
        code_query: ranked.code_query,
        took_us,
        index_version: index.version(),
        results,
    };
    Ok((timing(took_us), axum::Json(body)).into_response())
}

/// Title suggestions while typing (the last word may be unfinished), each leading to an
/// occupation.
#[utoipa::path(
    get,
    path = "/api/v1/suggest",
    tag = "search",
    params(SuggestParams),
    responses(
        (status = 200, description = "Suggestions", body = SuggestResponse),
        (status = 422, description = "Empty query or limit out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn suggest(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SuggestParams>,
) -> ApiResult<Response> {
    let q = check_query(p.q.as_deref())?;
    let limit = check_range("limit", p.limit, 8, 1, 20)?;
    // The raw text keeps a trailing space, which says the last word is finished.
    let raw = p.q.unwrap_or_default();
    let started = Instant::now();
    let suggestions = state
        .search
        .current()
        .suggest(&raw, limit as usize)
        .map_err(ApiError)?;
    let took_us = started.elapsed().as_micros() as u64;
    let mut resp = (
        timing(took_us),
        axum::Json(SuggestResponse {
            query: q,
            took_us,
            suggestions,
        }),
    )
        .into_response();
    crate::web::cache_policy::CachePolicy::public_minute().attach(&mut resp);
    Ok(resp)
}

/// `GET /api/v1/search/suggest?q=` in the OpenSearch suggestions format
/// (`[query, [labels], [descriptions], [urls]]`), for browsers' search boxes.
pub(crate) async fn suggest_opensearch(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SuggestParams>,
) -> Response {
    let raw = p.q.unwrap_or_default();
    let list = if check_query(Some(&raw)).is_ok() {
        state.search.current().suggest(&raw, 8).unwrap_or_default()
    } else {
        Vec::new()
    };
    let labels: Vec<&str> = list.iter().map(|s| s.label.as_str()).collect();
    let descriptions: Vec<String> = list
        .iter()
        .map(|s| format!("{} {}", s.code, s.title))
        .collect();
    let urls: Vec<String> = list
        .iter()
        .map(|s| format!("/occupations/{}", s.code))
        .collect();
    let body = serde_json::json!([raw.trim(), labels, descriptions, urls]);
    let mut resp = axum::Json(body).into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-suggestions+json"),
    );
    resp
}
