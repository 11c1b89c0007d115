//! The rendered-page cache and the fast path in front of the router.
//!
//! Public pages (and CASE packages) look the same to every anonymous visitor, so they are
//! rendered once per catalog data version and kept here. Each cached page carries its
//! strong `ETag`, its `Cache-Control`, and a gzip copy made the first time a client asks
//! for one, with its own tag (a representation's tag must change with its encoding).
//!
//! Handlers look pages up by a key of their own choosing. When a handler answers an
//! anonymous request with a cached page, it marks the response with [`Shareable`]; the
//! [`fast_path`] middleware, outermost in the stack, then remembers that page under the
//! exact request target, and answers the next anonymous `GET` of that target straight from
//! memory without running sessions, CSRF checks, the tracing span or the handler; the
//! response still carries a request id (the caller's `x-request-id`, or a new one) and a
//! debug-level log event.
//!
//! Everything here is a cache: it is dropped whenever the data version moves (on any node,
//! see `app::spawn_refresher`) and losing it only costs a re-render.

use std::io::Write;
use std::sync::{Arc, OnceLock, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::cache_policy::{CacheControl, CachePolicy};

/// Bytes the page cache may hold unless configured otherwise (`page_cache_bytes`).
pub const DEFAULT_PAGE_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Bodies shorter than this are not worth compressing.
const MIN_GZIP_BYTES: usize = 1024;

/// The Content-Security-Policy of every page: scripts, styles, images and requests from
/// this site only, no plugins, no framing, forms posted only here. (The API reference
/// sends its own, see `web::openapi`.)
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Headers every response carries; the router adds them where a handler did not.
pub const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
];

/// The content type of pages.
const HTML: &str = "text/html; charset=utf-8";

/// A cache of rendered public pages, bounded by bytes and invalidated when the catalog's
/// data version changes (on any node).
///
/// Pages are kept under the key their handler chose and, once [`fast_path`] has seen one
/// answer a request, under the page's canonical request target (path and known query
/// parameters only): requests that add unknown or reordered parameters are answered by the
/// handler from the first copy and never add entries. Each entry weighs its body twice (the
/// gzip copy is made on demand) plus its key; when the total passes the limit, the least
/// useful entries are evicted.
pub struct PageCache {
    version: RwLock<i64>,
    /// Moves on every [`PageCache::evict_scope`].
    generation: std::sync::atomic::AtomicU64,
    entries: moka::sync::Cache<(Slot, String), Arc<CachedPage>>,
}

/// Which of the two ways of finding a page an entry serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Slot {
    /// The handler's own key.
    Key,
    /// A canonical request target, for [`fast_path`].
    Target,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache::new(DEFAULT_PAGE_CACHE_BYTES)
    }
}

impl PageCache {
    /// An empty cache holding at most about `max_bytes` of pages.
    pub fn new(max_bytes: u64) -> Self {
        PageCache {
            version: RwLock::new(0),
            generation: std::sync::atomic::AtomicU64::new(0),
            entries: moka::sync::Cache::builder()
                .support_invalidation_closures()
                .weigher(|(_, key): &(Slot, String), page: &Arc<CachedPage>| {
                    let bytes = key.len() + 2 * page.body.len() + 256;
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .max_capacity(max_bytes)
                .build(),
        }
    }

    /// Looks a page up by its handler's key.
    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        self.entries.get(&(Slot::Key, key.to_string()))
    }

    /// Stores a page under its handler's key; ignored if the data has moved on since the
    /// page was rendered.
    pub fn put(&self, key: String, page: Arc<CachedPage>) {
        self.insert(Slot::Key, key, page);
    }

    fn insert(&self, slot: Slot, key: String, page: Arc<CachedPage>) {
        // Holding the version's read lock keeps a concurrent reset from slipping between
        // the check and the insert.
        if let Ok(v) = self.version.read()
            && page.version == *v
            && (page.scope.is_none() || page.generation >= self.generation())
        {
            self.entries.insert((slot, key), page);
        }
    }

    /// The eviction generation: read it before rendering a scoped page and record it with
    /// [`CachedPage::at_generation`].
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Drops every page of a scope (under its key and its request target) and moves the
    /// generation on, so that pages of any scope rendered before now are not stored.
    pub fn evict_scope(&self, scope: &str) {
        // The write lock keeps inserts (which hold the read lock) out while this runs.
        let _guard = self.version.write();
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let scope = scope.to_string();
        if let Err(e) = self
            .entries
            .invalidate_entries_if(move |_, page| page.scope.as_deref() == Some(scope.as_str()))
        {
            tracing::warn!(error = %e, "cannot evict a page scope; dropping every page");
            self.entries.invalidate_all();
        }
    }

    fn get_target(&self, target: &str) -> Option<Arc<CachedPage>> {
        self.entries.get(&(Slot::Target, target.to_string()))
    }

    fn put_target(&self, target: &str, page: Arc<CachedPage>) {
        self.insert(Slot::Target, target.to_string(), page);
    }

    /// The data version the cache holds pages for.
    pub fn version(&self) -> i64 {
        self.version.read().map(|g| *g).unwrap_or(-1)
    }

    /// Drops everything and moves to a new data version.
    pub fn reset(&self, version: i64) {
        if let Ok(mut g) = self.version.write() {
            *g = version;
            self.entries.invalidate_all();
        }
    }

    /// Entries held and their weight in bytes, after pending evictions have run.
    pub fn usage(&self) -> (u64, u64) {
        self.entries.run_pending_tasks();
        (self.entries.entry_count(), self.entries.weighted_size())
    }
}

/// A rendered page, its validators and its caching policy.
#[derive(Debug)]
pub struct CachedPage {
    /// The body, uncompressed.
    pub body: Bytes,
    /// Strong entity tag of the uncompressed body.
    pub etag: String,
    /// Content type.
    pub content_type: &'static str,
    /// `Cache-Control` sent with it.
    pub control: CacheControl,
    /// The catalog data version it was rendered from.
    pub version: i64,
    /// The group of pages it belongs to, dropped together by [`PageCache::evict_scope`].
    pub scope: Option<String>,
    /// The cache's eviction generation when rendering began (see [`PageCache::generation`]).
    pub generation: u64,
    /// The gzip copy and its tag, made on first demand.
    gzip: OnceLock<Option<(Bytes, HeaderValue)>>,
}

impl CachedPage {
    /// A page rendered from data at `version`.
    pub fn new(
        body: impl Into<Bytes>,
        content_type: &'static str,
        control: CacheControl,
        version: i64,
    ) -> Self {
        let body = body.into();
        CachedPage {
            etag: etag_of(&body),
            body,
            content_type,
            control,
            version,
            scope: None,
            generation: 0,
            gzip: OnceLock::new(),
        }
    }

    /// An HTML page: shared by every anonymous visitor, or rendered for one signed-in viewer.
    pub fn html(body: impl Into<Bytes>, shared: bool, version: i64) -> Self {
        let control = if shared {
            CacheControl::SharedPage
        } else {
            CacheControl::PrivatePage
        };
        CachedPage::new(body, HTML, control, version)
    }

    /// Puts the page in a scope that [`PageCache::evict_scope`] drops as one.
    pub fn scoped(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Records the cache generation read before rendering began, so that a scoped page
    /// rendered before an eviction is not stored after it.
    pub fn at_generation(mut self, g: u64) -> Self {
        self.generation = g;
        self
    }

    /// A page with a tag chosen by the caller (for bodies whose tag derives from an id).
    pub fn with_etag(mut self, etag: String) -> Self {
        self.etag = etag;
        self
    }

    /// The gzip copy, when compressing is worth it.
    fn gzipped(&self) -> Option<&(Bytes, HeaderValue)> {
        self.gzip
            .get_or_init(|| {
                if self.body.len() < MIN_GZIP_BYTES {
                    return None;
                }
                let mut enc = flate2::write::GzEncoder::new(
                    Vec::with_capacity(self.body.len() / 4),
                    flate2::Compression::default(),
                );
                enc.write_all(&self.body).ok()?;
                let gz = enc.finish().ok()?;
                let tag = format!("{}-gzip\"", self.etag.trim_end_matches('"'));
                Some((Bytes::from(gz), HeaderValue::from_str(&tag).ok()?))
            })
            .as_ref()
    }

    /// Answers a request for this page: `304` when the client's `If-None-Match` names the
    /// representation it would get, otherwise the body, gzipped when the client accepts
    /// gzip and the page is shared (pages for one viewer are left to the compression layer).
    pub fn respond(&self, req: &HeaderMap) -> Response {
        let shared = self.control.is_public();
        let gz = if shared && accepts_gzip(req) {
            self.gzipped()
        } else {
            None
        };
        let (body, etag) = match gz {
            Some((gz, tag)) => (gz.clone(), tag.clone()),
            None => match HeaderValue::from_str(&self.etag) {
                Ok(tag) => (self.body.clone(), tag),
                Err(_) => (self.body.clone(), HeaderValue::from_static("\"-\"")),
            },
        };
        let tag = etag.to_str().unwrap_or_default();
        let mut resp = if etag_matches(req, tag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut r = Response::new(Body::from(body));
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
            if gz.is_some() {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            r
        };
        CachePolicy::new(self.control)
            .varying(if self.content_type.starts_with("text/html") {
                "Accept-Encoding, Cookie, Authorization"
            } else {
                "Accept, Accept-Encoding, Cookie, Authorization"
            })
            .with_etag(etag)
            .attach(&mut resp);
        resp
    }

    /// Answers an anonymous request and marks the response so that [`fast_path`] may
    /// answer the same path, asked without a query, from memory next time.
    pub fn respond_shared(self: &Arc<Self>, req: &HeaderMap) -> Response {
        let mut resp = self.respond(req);
        resp.extensions_mut().insert(Shareable {
            page: self.clone(),
            canonical: None,
        });
        resp
    }

    /// As [`CachedPage::respond_shared`], for a page whose canonical request target (path
    /// and query, with its parameters as the site's own links write them) is `canonical`.
    pub fn respond_shared_as(self: &Arc<Self>, req: &HeaderMap, canonical: String) -> Response {
        let mut resp = self.respond(req);
        resp.extensions_mut().insert(Shareable {
            page: self.clone(),
            canonical: Some(canonical),
        });
        resp
    }
}

/// Marks a response as the cached page every anonymous visitor of its canonical request
/// target gets.
#[derive(Clone)]
pub struct Shareable {
    /// The page.
    pub page: Arc<CachedPage>,
    /// Its canonical request target; `None` means its path, asked without a query.
    pub canonical: Option<String>,
}

/// Serves an HTML page through the page cache, the one way pages are rendered cached:
/// anonymous visitors share one copy per `key` (the page's canonical request target),
/// rendered on a miss and dropped with its `scope` (or with the data version); signed-in
/// viewers get a fresh private render (their name is in the frame). Either way
/// `If-None-Match` is answered with 304.
pub async fn cached_html<F, Fut, E>(
    pages: &PageCache,
    headers: &HeaderMap,
    key: String,
    scope: Option<String>,
    anonymous: bool,
    render: F,
) -> Result<Response, E>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<String, E>>,
{
    if anonymous && let Some(p) = pages.get(&key) {
        return Ok(p.respond_shared_as(headers, key));
    }
    let version = pages.version();
    let generation = pages.generation();
    let html = render().await?;
    if !anonymous {
        return Ok(CachedPage::html(html, false, version).respond(headers));
    }
    let mut page = CachedPage::html(html, true, version).at_generation(generation);
    if let Some(scope) = scope {
        page = page.scoped(scope);
    }
    let page = Arc::new(page);
    pages.put(key.clone(), page.clone());
    Ok(page.respond_shared_as(headers, key))
}

/// A strong entity tag for a body.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// Whether `If-None-Match` names the tag (weak comparison, as RFC 9110 asks for this header).
pub fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// Whether `Accept-Encoding` allows gzip (named, or `*`, with a non-zero weight).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            if !(coding.eq_ignore_ascii_case("gzip") || coding == "*") {
                return false;
            }
            parts
                .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .all(|q| q.trim().parse::<f32>().map(|q| q > 0.0).unwrap_or(false))
        })
}

/// Whether a request is one every anonymous visitor would make alike: a `GET` with no
/// cookie and no credentials.
fn anonymous_get(req: &Request) -> bool {
    req.method() == Method::GET
        && !req.headers().contains_key(header::COOKIE)
        && !req.headers().contains_key(header::AUTHORIZATION)
}

/// The header carrying a request's id, set on every response (see `web::stack`).
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A fresh request id (a UUID, time-ordered).
fn new_request_id() -> HeaderValue {
    let mut buf = uuid::Uuid::encode_buffer();
    let text = uuid::Uuid::now_v7().hyphenated().encode_lower(&mut buf);
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// Outermost middleware: answers anonymous `GET`s of pages already rendered from memory,
/// and learns which request targets lead to which cached page.
pub async fn fast_path(State(pages): State<Arc<PageCache>>, req: Request, next: Next) -> Response {
    if !anonymous_get(&req) {
        return next.run(req).await;
    }
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    // Data answers (a CASE package) are not given to a browser that asked for a page: the
    // handler sends it to the page instead.
    if let Some(page) = pages.get_target(&target).filter(|p| {
        p.content_type.starts_with("text/html") || !super::negotiate::prefers_html(req.headers())
    }) {
        let mut resp = page.respond(req.headers());
        // The request id the full stack would give: the caller's own, or a new one.
        let id = match req.headers().get(X_REQUEST_ID) {
            Some(v) => v.clone(),
            None => new_request_id(),
        };
        tracing::debug!(
            path = %target,
            status = resp.status().as_u16(),
            request_id = %id.to_str().unwrap_or("-"),
            "answered from the page cache"
        );
        let h = resp.headers_mut();
        for (name, value) in SECURITY_HEADERS {
            h.insert(name, HeaderValue::from_static(value));
        }
        h.insert(X_REQUEST_ID, id);
        return resp;
    }
    let has_query = req.uri().query().is_some();
    let resp = next.run(req).await;
    if let Some(Shareable { page, canonical }) = resp.extensions().get::<Shareable>() {
        // Only the canonical target is remembered: junk or reordered parameters would
        // otherwise add an entry per distinct URL.
        let canonical = match canonical {
            Some(c) => *c == target,
            None => !has_query,
        };
        if canonical {
            pages.put_target(&target, page.clone());
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn gzip_is_accepted_only_with_a_positive_weight() {
        let ae = header::ACCEPT_ENCODING;
        assert!(accepts_gzip(&headers(&[(ae.clone(), "gzip, deflate, br")])));
        assert!(accepts_gzip(&headers(&[(
            ae.clone(),
            "br;q=1.0, GZIP;q=0.5"
        )])));
        assert!(accepts_gzip(&headers(&[(ae.clone(), "*")])));
        assert!(!accepts_gzip(&headers(&[(ae.clone(), "gzip;q=0")])));
        assert!(!accepts_gzip(&headers(&[(ae.clone(), "br, identity")])));
        assert!(!accepts_gzip(&headers(&[])));
    }

    #[test]
    fn each_encoding_has_its_own_tag_and_304s_on_it() {
        let page = CachedPage::new("x".repeat(4000), "text/html", CacheControl::SharedPage, 1);
        let answer = |req: &HeaderMap| {
            let mut r = page.respond(req);
            crate::web::cache_policy::apply_to(&mut r);
            r
        };
        let plain = answer(&HeaderMap::new());
        let gz_req = headers(&[(header::ACCEPT_ENCODING, "gzip")]);
        let gz = answer(&gz_req);
        assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let plain_tag = plain.headers()[header::ETAG].to_str().unwrap().to_string();
        let gz_tag = gz.headers()[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(plain_tag, gz_tag);
        assert_eq!(plain_tag, page.etag);

        let again = headers(&[
            (header::ACCEPT_ENCODING, "gzip"),
            (header::IF_NONE_MATCH, &gz_tag),
        ]);
        assert_eq!(page.respond(&again).status(), StatusCode::NOT_MODIFIED);
        // The identity tag does not validate the gzip representation.
        let stale = headers(&[
            (header::ACCEPT_ENCODING, "gzip"),
            (header::IF_NONE_MATCH, &plain_tag),
        ]);
        assert_eq!(page.respond(&stale).status(), StatusCode::OK);
    }

    #[test]
    fn small_and_private_pages_are_not_gzipped_here() {
        let gz_req = headers(&[(header::ACCEPT_ENCODING, "gzip")]);
        let small = CachedPage::new("tiny", "text/plain", CacheControl::SharedPage, 1);
        assert!(
            small
                .respond(&gz_req)
                .headers()
                .get(header::CONTENT_ENCODING)
                .is_none()
        );
        let private = CachedPage::new("y".repeat(4000), "text/html", CacheControl::PrivatePage, 1);
        assert!(
            private
                .respond(&gz_req)
                .headers()
                .get(header::CONTENT_ENCODING)
                .is_none()
        );
    }

    #[test]
    fn pages_from_an_older_data_version_are_not_kept() {
        let cache = PageCache::default();
        cache.reset(2);
        cache.put(
            "a".into(),
            Arc::new(CachedPage::new(
                "a",
                "text/plain",
                CacheControl::SharedPage,
                1,
            )),
        );
        assert!(cache.get("a").is_none());
        cache.put(
            "b".into(),
            Arc::new(CachedPage::new(
                "b",
                "text/plain",
                CacheControl::SharedPage,
                2,
            )),
        );
        cache.put_target("/b", cache.get("b").unwrap());
        assert!(cache.get_target("/b").is_some());
        cache.reset(3);
        assert!(cache.get("b").is_none() && cache.get_target("/b").is_none());
    }

    #[test]
    fn the_cache_is_bounded_by_bytes() {
        let cache = PageCache::new(1024 * 1024);
        cache.reset(1);
        for i in 0..200 {
            cache.put(
                format!("/page/{i}"),
                Arc::new(CachedPage::new(
                    format!("{i}").repeat(10_000),
                    "text/html",
                    CacheControl::SharedPage,
                    1,
                )),
            );
        }
        let (entries, bytes) = cache.usage();
        assert!(bytes <= 1024 * 1024, "{bytes} bytes in {entries} entries");
        assert!(entries > 0 && entries < 200, "{entries} entries");
    }

    #[test]
    fn scopes_are_evicted_together_and_stale_renders_are_not_stored() {
        let cache = PageCache::default();
        cache.reset(1);
        let page = |body: &str, scope: Option<&str>| {
            let p = CachedPage::new(body.to_string(), "text/html", CacheControl::SharedPage, 1)
                .at_generation(cache.generation());
            Arc::new(match scope {
                Some(s) => p.scoped(s),
                None => p,
            })
        };
        let a = page("a", Some("fw:a"));
        cache.put("/frameworks/a".into(), a.clone());
        cache.put_target("/frameworks/a", a);
        cache.put("/frameworks/b".into(), page("b", Some("fw:b")));
        cache.put("/sources".into(), page("s", None));
        let early = page("a2", Some("fw:a"));
        cache.evict_scope("fw:a");
        assert!(cache.get("/frameworks/a").is_none());
        assert!(cache.get_target("/frameworks/a").is_none());
        assert!(cache.get("/frameworks/b").is_some());
        assert!(cache.get("/sources").is_some());
        // Rendered before the eviction: not stored after it.
        cache.put("/frameworks/a".into(), early);
        assert!(cache.get("/frameworks/a").is_none());
        cache.put("/frameworks/a".into(), page("a3", Some("fw:a")));
        assert!(cache.get("/frameworks/a").is_some());
    }
}
