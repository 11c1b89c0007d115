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

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Most entries kept per map before the map is emptied and refilled.
const PAGE_CACHE_LIMIT: usize = 4096;

/// Bodies shorter than this are not worth compressing.
const MIN_GZIP_BYTES: usize = 1024;

/// Headers every response carries; the router adds them where a handler did not.
pub const SECURITY_HEADERS: [(HeaderName, &str); 3] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// How a cached page may be kept by browsers and shared caches.
pub const SHARED_PAGE: &str = "public, no-cache";
/// A page rendered for one signed-in viewer.
pub const PRIVATE_PAGE: &str = "private, no-cache";

/// A small cache of rendered public pages, invalidated when the catalog's data version
/// changes (on any node).
#[derive(Default)]
pub struct PageCache {
    inner: RwLock<PageCacheInner>,
}

#[derive(Default)]
struct PageCacheInner {
    version: i64,
    /// Moves with every scope eviction; a scoped page rendered before one is not stored.
    generation: u64,
    /// Pages by the key their handler chose.
    pages: HashMap<String, Arc<CachedPage>>,
    /// Pages by request target (path and query), filled by [`fast_path`].
    targets: HashMap<String, Arc<CachedPage>>,
}

impl PageCache {
    /// Looks a page up by its handler's key.
    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        let g = self.inner.read().ok()?;
        g.pages.get(key).cloned()
    }

    /// Stores a page under its handler's key; ignored if the data has moved on since the
    /// page was rendered.
    pub fn put(&self, key: String, page: Arc<CachedPage>) {
        if let Ok(mut g) = self.inner.write() {
            if !Self::admits(&g, &page) {
                return;
            }
            if g.pages.len() >= PAGE_CACHE_LIMIT {
                g.pages.clear();
            }
            g.pages.insert(key, page);
        }
    }

    /// The eviction generation pages are rendered at (see [`CachedPage::at_generation`]).
    pub fn generation(&self) -> u64 {
        self.inner.read().map(|g| g.generation).unwrap_or(u64::MAX)
    }

    /// Drops every page of one scope (`framework:<code>`), under both its handler's key and
    /// its request targets, and refuses scoped pages rendered before now.
    pub fn evict_scope(&self, scope: &str) {
        if let Ok(mut g) = self.inner.write() {
            g.generation += 1;
            g.pages.retain(|_, p| p.scope.as_deref() != Some(scope));
            g.targets.retain(|_, p| p.scope.as_deref() != Some(scope));
        }
    }

    /// Whether a page may be stored now: rendered from the current data version and, when
    /// scoped, after the last scope eviction.
    fn admits(g: &PageCacheInner, page: &CachedPage) -> bool {
        page.version == g.version && (page.scope.is_none() || page.generation >= g.generation)
    }

    fn get_target(&self, target: &str) -> Option<Arc<CachedPage>> {
        let g = self.inner.read().ok()?;
        g.targets.get(target).cloned()
    }

    fn put_target(&self, target: &str, page: Arc<CachedPage>) {
        if let Ok(mut g) = self.inner.write() {
            if !Self::admits(&g, &page) {
                return;
            }
            if g.targets.len() >= PAGE_CACHE_LIMIT {
                g.targets.clear();
            }
            g.targets.insert(target.to_string(), page);
        }
    }

    /// The data version the cache holds pages for.
    pub fn version(&self) -> i64 {
        self.inner.read().map(|g| g.version).unwrap_or(-1)
    }

    /// Drops everything and moves to a new data version.
    pub fn reset(&self, version: i64) {
        if let Ok(mut g) = self.inner.write() {
            g.version = version;
            g.pages.clear();
            g.targets.clear();
        }
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
    pub cache_control: &'static str,
    /// The catalog data version it was rendered from.
    pub version: i64,
    /// The narrower scope of data it shows (`framework:<code>`), evicted on its own.
    pub scope: Option<String>,
    /// The cache's eviction generation when rendering began.
    pub generation: u64,
    /// The gzip copy and its tag, made on first demand.
    gzip: OnceLock<Option<(Bytes, HeaderValue)>>,
}

impl CachedPage {
    /// A page rendered from data at `version`.
    pub fn new(
        body: impl Into<Bytes>,
        content_type: &'static str,
        cache_control: &'static str,
        version: i64,
    ) -> Self {
        let body = body.into();
        CachedPage {
            etag: etag_of(&body),
            body,
            content_type,
            cache_control,
            version,
            scope: None,
            generation: 0,
            gzip: OnceLock::new(),
        }
    }

    /// Marks the page as showing one scope of data (evicted by [`PageCache::evict_scope`]).
    pub fn scoped(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Records the eviction generation at which rendering began.
    pub fn at_generation(mut self, generation: u64) -> Self {
        self.generation = generation;
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
        let shared = self.cache_control.starts_with("public");
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
        let h = resp.headers_mut();
        h.insert(header::ETAG, etag);
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(self.cache_control),
        );
        h.insert(
            header::VARY,
            HeaderValue::from_static(if self.content_type.starts_with("text/html") {
                "Accept-Encoding, Cookie, Authorization"
            } else {
                "Accept, Accept-Encoding, Cookie, Authorization"
            }),
        );
        resp
    }

    /// Answers an anonymous request and marks the response so that [`fast_path`] may
    /// answer the same request target from memory next time.
    pub fn respond_shared(self: &Arc<Self>, req: &HeaderMap) -> Response {
        let mut resp = self.respond(req);
        resp.extensions_mut().insert(Shareable(self.clone()));
        resp
    }
}

/// Marks a response as the cached page every anonymous visitor of its request target gets.
#[derive(Clone)]
pub struct Shareable(pub Arc<CachedPage>);

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
    let resp = next.run(req).await;
    if let Some(Shareable(page)) = resp.extensions().get::<Shareable>() {
        pages.put_target(&target, page.clone());
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
        let page = CachedPage::new("x".repeat(4000), "text/html", SHARED_PAGE, 1);
        let plain = page.respond(&HeaderMap::new());
        let gz_req = headers(&[(header::ACCEPT_ENCODING, "gzip")]);
        let gz = page.respond(&gz_req);
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
        let small = CachedPage::new("tiny", "text/plain", SHARED_PAGE, 1);
        assert!(
            small
                .respond(&gz_req)
                .headers()
                .get(header::CONTENT_ENCODING)
                .is_none()
        );
        let private = CachedPage::new("y".repeat(4000), "text/html", PRIVATE_PAGE, 1);
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
            Arc::new(CachedPage::new("a", "text/plain", SHARED_PAGE, 1)),
        );
        assert!(cache.get("a").is_none());
        cache.put(
            "b".into(),
            Arc::new(CachedPage::new("b", "text/plain", SHARED_PAGE, 2)),
        );
        cache.put_target("/b", cache.get("b").unwrap());
        assert!(cache.get_target("/b").is_some());
        cache.reset(3);
        assert!(cache.get("b").is_none() && cache.get_target("/b").is_none());
    }

    #[test]
    fn evicting_a_scope_drops_its_pages_only_and_refuses_stale_renders() {
        let cache = PageCache::default();
        let scoped = |body: &'static str, g: u64| {
            Arc::new(
                CachedPage::new(body, "text/plain", SHARED_PAGE, 0)
                    .scoped("framework:a")
                    .at_generation(g),
            )
        };
        let g0 = cache.generation();
        cache.put("a".into(), scoped("a", g0));
        cache.put_target("/a", cache.get("a").unwrap());
        cache.put(
            "b".into(),
            Arc::new(CachedPage::new("b", "text/plain", SHARED_PAGE, 0).scoped("framework:b")),
        );
        cache.put(
            "c".into(),
            Arc::new(CachedPage::new("c", "text/plain", SHARED_PAGE, 0)),
        );
        cache.evict_scope("framework:a");
        assert!(cache.get("a").is_none() && cache.get_target("/a").is_none());
        assert!(cache.get("b").is_some() && cache.get("c").is_some());
        // A render that began before the eviction read the old data: not stored.
        cache.put("a".into(), scoped("old", g0));
        assert!(cache.get("a").is_none());
        cache.put("a".into(), scoped("new", cache.generation()));
        assert_eq!(cache.get("a").unwrap().body.as_ref(), b"new");
    }
}
