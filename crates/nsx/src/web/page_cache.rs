//! The rendered-page cache and the fast path in front of the router.
//!
//! Public pages (and CASE packages) look the same to every anonymous visitor, so they are
//! rendered once per catalog data version and kept here. Each cached page carries its
//! strong `ETag`, its `Cache-Control`, a gzip copy and a brotli copy, each with its own tag
//! (a representation's tag must change with its encoding). Both copies are made in the
//! background as soon as the page is stored ([`PageCache::put`]), brotli at its densest
//! setting, so a browser's `Accept-Encoding: gzip, br` is answered from memory with the
//! smallest body; a request that comes before they are ready gets a gzip copy made on the
//! spot (as for pages that are never stored), or the page itself.
//!
//! Handlers look pages up by a key of their own choosing. When a handler answers an
//! anonymous request with a cached page, it marks the response with [`Shareable`]; the
//! [`fast_path`] middleware, outermost in the stack but for the cache policy, then
//! remembers that page under the exact request target. The next anonymous `GET` of that
//! target is answered straight from memory by [`PageCache::answer_from_memory`], which the
//! listener calls before the router (so no routing, middleware, session, CSRF check,
//! tracing span or handler runs; `fast_path` calls it too, for requests that reach the
//! router directly). The answer carries every header the full stack would write: the
//! caching headers, the security headers, and a request id (the caller's `x-request-id`,
//! or a new one); it is logged at debug level.
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

/// Brotli's quality for the stored copy: the densest (11), since it is made once per page
/// and data version, off the request path.
pub const BROTLI_QUALITY: u32 = 11;

/// Brotli's window (log2 of bytes) for the stored copy: 4 MiB, larger than any page, so
/// the whole page is one window.
const BROTLI_WINDOW: u32 = 22;

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
/// gzip and brotli copies together are well under the body's size) plus its key; when the
/// total passes the limit, the least useful entries are evicted.
pub struct PageCache {
    version: RwLock<i64>,
    /// Moves on every [`PageCache::evict_scope`].
    generation: std::sync::atomic::AtomicU64,
    entries: moka::sync::Cache<(Slot, String), Arc<CachedPage>>,
    /// One page is compressed at a time, so that a crawler filling the cache does not take
    /// every core from the requests being answered.
    compressing: Arc<tokio::sync::Semaphore>,
    /// Pages waiting for their compressed copies; past [`MAX_QUEUED_COMPRESSIONS`] a new
    /// page is left to on-demand gzip, so the queue cannot grow with a crawler.
    queued: Arc<std::sync::atomic::AtomicUsize>,
}

/// How many stored pages may wait for their brotli copy at once.
const MAX_QUEUED_COMPRESSIONS: usize = 32;

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
            compressing: Arc::new(tokio::sync::Semaphore::new(1)),
            queued: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
        }
    }

    /// Looks a page up by its handler's key.
    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        self.entries.get(&(Slot::Key, key.to_string()))
    }

    /// Stores a page under its handler's key; ignored if the data has moved on since the
    /// page was rendered. A shared page's compressed copies are then made in the background
    /// (see [`CachedPage::precompress`]).
    pub fn put(&self, key: String, page: Arc<CachedPage>) {
        if self.insert(Slot::Key, key, page.clone()) {
            self.precompress_later(page);
        }
    }

    fn insert(&self, slot: Slot, key: String, page: Arc<CachedPage>) -> bool {
        // Holding the version's read lock keeps a concurrent reset from slipping between
        // the check and the insert.
        if let Ok(v) = self.version.read()
            && page.version == *v
            && (page.scope.is_none() || page.generation >= self.generation())
        {
            self.entries.insert((slot, key), page);
            return true;
        }
        false
    }

    /// Makes a stored page's compressed copies on the blocking pool, one page at a time;
    /// does nothing outside a Tokio runtime (the copies are then made on first demand).
    /// A queued page is held weakly: once the cache has evicted it (and no answer still
    /// holds it) it is skipped. At most [`MAX_QUEUED_COMPRESSIONS`] pages wait; beyond that
    /// a page is served gzipped on demand until it is stored again.
    fn precompress_later(&self, page: Arc<CachedPage>) {
        use std::sync::atomic::Ordering;
        if !page.control.is_public()
            || page.body.len() < MIN_GZIP_BYTES
            || page.brotli.get().is_some()
            || page.compressing.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            page.compressing.store(false, Ordering::Release);
            return;
        };
        if self.queued.fetch_add(1, Ordering::AcqRel) >= MAX_QUEUED_COMPRESSIONS {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            page.compressing.store(false, Ordering::Release);
            return;
        }
        let waiting = Arc::downgrade(&page);
        drop(page);
        let turn = self.compressing.clone();
        let queued = self.queued.clone();
        rt.spawn(async move {
            let permit = turn.acquire_owned().await;
            queued.fetch_sub(1, Ordering::AcqRel);
            let Ok(_permit) = permit else {
                return;
            };
            let Some(page) = waiting.upgrade() else {
                return;
            };
            if let Err(e) = tokio::task::spawn_blocking(move || page.precompress()).await {
                tracing::warn!(error = %e, "compressing a cached page failed");
            }
        });
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
        if self.insert(Slot::Target, target.to_string(), page.clone()) {
            self.precompress_later(page);
        }
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
    /// The same tag as a header value, made once (set with [`CachedPage::etag`]).
    etag_header: HeaderValue,
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
    /// The brotli copy and its tag, made by [`CachedPage::precompress`] only (too slow to
    /// make while a client waits).
    brotli: OnceLock<Option<(Bytes, HeaderValue)>>,
    /// Set once a background compression has been asked for.
    compressing: std::sync::atomic::AtomicBool,
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
        let etag = etag_of(&body);
        CachedPage {
            etag_header: tag_header(&etag),
            etag,
            body,
            content_type,
            control,
            version,
            scope: None,
            generation: 0,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            compressing: std::sync::atomic::AtomicBool::new(false),
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
        self.etag_header = tag_header(&etag);
        self.etag = etag;
        self
    }

    /// The tag of this page in an encoding: the identity tag with the coding's name added
    /// inside the quotes.
    fn tag_for(&self, coding: &str) -> Option<HeaderValue> {
        let tag = format!("{}-{coding}\"", self.etag.trim_end_matches('"'));
        HeaderValue::from_str(&tag).ok()
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
                Some((Bytes::from(gz), self.tag_for("gzip")?))
            })
            .as_ref()
    }

    /// The brotli copy, if [`CachedPage::precompress`] has made it.
    fn brotli_ready(&self) -> Option<&(Bytes, HeaderValue)> {
        self.brotli.get().and_then(Option::as_ref)
    }

    /// Makes the compressed copies now (brotli at [`BROTLI_QUALITY`], which takes a large
    /// page a few hundred milliseconds): call it off the request path. The page cache does
    /// for every shared page it stores.
    pub fn precompress(&self) {
        if !self.control.is_public() {
            return;
        }
        self.gzipped();
        self.brotli.get_or_init(|| {
            if self.body.len() < MIN_GZIP_BYTES {
                return None;
            }
            let mut out = Vec::with_capacity(self.body.len() / 5);
            let params = brotli::enc::BrotliEncoderParams {
                quality: BROTLI_QUALITY as i32,
                lgwin: BROTLI_WINDOW as i32,
                size_hint: self.body.len(),
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &self.body[..], &mut out, &params).ok()?;
            Some((Bytes::from(out), self.tag_for("br")?))
        });
    }

    /// What a request gets of this page: the representation in the encoding the client
    /// prefers by its `Accept-Encoding` weights among those at hand (brotli once made, gzip,
    /// the page itself) for shared pages, the page itself for pages for one viewer; and
    /// whether the client's `If-None-Match` already names it.
    fn choose(&self, req: &HeaderMap) -> Choice<'_> {
        let shared = self.control.is_public();
        let wanted = if shared && self.body.len() >= MIN_GZIP_BYTES {
            preferred_encoding(req, self.brotli_ready().is_some())
        } else {
            Coding::Identity
        };
        let coded = match wanted {
            Coding::Brotli => self.brotli_ready().map(|c| (c, "br")),
            Coding::Gzip => self.gzipped().map(|c| (c, "gzip")),
            Coding::Identity => None,
        };
        let (body, etag, coding) = match coded {
            Some(((body, tag), coding)) => (body, tag, Some(coding)),
            None => (&self.body, &self.etag_header, None),
        };
        let not_modified = req.contains_key(header::IF_NONE_MATCH)
            && etag_matches(req, etag.to_str().unwrap_or_default());
        Choice {
            body,
            etag,
            coding,
            not_modified,
        }
    }

    /// The request headers the page varies on.
    fn vary(&self) -> &'static str {
        if self.content_type.starts_with("text/html") {
            "Accept-Encoding, Cookie, Authorization"
        } else {
            "Accept, Accept-Encoding, Cookie, Authorization"
        }
    }

    /// Answers a request for this page: `304` when the client's `If-None-Match` names the
    /// representation it would get, otherwise that representation (see `choose`): brotli
    /// once made, gzip or the page itself by the client's `Accept-Encoding`, for shared
    /// pages; pages for one viewer are left to the compression layer. The caching headers
    /// are attached as a [`CachePolicy`], for `cache_policy::apply` to write.
    pub fn respond(&self, req: &HeaderMap) -> Response {
        let chosen = self.choose(req);
        let mut resp = if chosen.not_modified {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut r = Response::new(Body::from(chosen.body.clone()));
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
            if let Some(coding) = chosen.coding {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            }
            r
        };
        CachePolicy::new(self.control)
            .varying(self.vary())
            .with_etag(chosen.etag.clone())
            .attach(&mut resp);
        resp
    }

    /// The whole answer to an anonymous request, every header written as the full stack
    /// writes it (content and caching headers as [`CachedPage::respond`] and
    /// `cache_policy::apply` give them, the [`SECURITY_HEADERS`], the request id), with the
    /// body as bytes: what [`PageCache::answer_from_memory`] sends without the router.
    fn complete_answer(
        &self,
        req: &HeaderMap,
        request_id: HeaderValue,
    ) -> axum::http::Response<Bytes> {
        let chosen = self.choose(req);
        let mut h = HeaderMap::with_capacity(16);
        let (status, body) = if chosen.not_modified {
            (StatusCode::NOT_MODIFIED, Bytes::new())
        } else {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
            if let Some(coding) = chosen.coding {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            }
            (StatusCode::OK, chosen.body.clone())
        };
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(self.control.as_str()),
        );
        h.insert(header::ETAG, chosen.etag.clone());
        h.insert(header::VARY, HeaderValue::from_static(self.vary()));
        for (name, value) in SECURITY_HEADERS {
            h.insert(name, HeaderValue::from_static(value));
        }
        h.insert(X_REQUEST_ID, request_id);
        let mut resp = axum::http::Response::new(body);
        *resp.status_mut() = status;
        *resp.headers_mut() = h;
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

/// The representation of a page a request gets (see `CachedPage::choose`).
struct Choice<'a> {
    body: &'a Bytes,
    etag: &'a HeaderValue,
    /// `Content-Encoding`, if any.
    coding: Option<&'static str>,
    /// The client already holds it: answer 304.
    not_modified: bool,
}

/// A tag as a header value; a tag that is not a valid header value (never made here)
/// becomes `"-"`, which no client holds.
fn tag_header(etag: &str) -> HeaderValue {
    HeaderValue::from_str(etag).unwrap_or_else(|_| HeaderValue::from_static("\"-\""))
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

/// A content coding the page cache can answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// `br`.
    Brotli,
    /// `gzip`.
    Gzip,
    /// No coding.
    Identity,
}

/// The weight `Accept-Encoding` gives each coding the cache has: `(br, gzip, identity)`,
/// each from its own entry, else from `*`, else 0 — except identity, which a client that
/// neither names it nor uses `*` accepts below every coding it named. No header at all
/// accepts only identity here (RFC 9110 allows any coding then, but a client that says
/// nothing is best sent the page as it is). A weight that does not parse counts as 0.
fn encoding_weights(headers: &HeaderMap) -> (f32, f32, f32) {
    let (mut br, mut gzip, mut identity, mut star) = (None, None, None, None);
    for item in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or_default();
        if coding.is_empty() {
            continue;
        }
        let mut q = 1.0f32;
        for p in parts {
            if let Some(v) = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")) {
                q = v
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))
                    .unwrap_or(0.0);
            }
        }
        let slot = if coding.eq_ignore_ascii_case("br") {
            &mut br
        } else if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            &mut gzip
        } else if coding.eq_ignore_ascii_case("identity") {
            &mut identity
        } else if coding == "*" {
            &mut star
        } else {
            continue;
        };
        // A coding named twice keeps its highest weight.
        *slot = Some(slot.map_or(q, |old: f32| old.max(q)));
    }
    (
        br.or(star).unwrap_or(0.0),
        gzip.or(star).unwrap_or(0.0),
        // Not named (nor by `*`): acceptable, but after any coding the client named.
        identity.or(star).unwrap_or(f32::MIN_POSITIVE),
    )
}

/// The coding to answer in: the highest-weighted of brotli (when `brotli` is at hand),
/// gzip and identity, brotli before gzip before identity on equal weights; identity when
/// nothing else is acceptable.
pub fn preferred_encoding(headers: &HeaderMap, brotli: bool) -> Coding {
    let (br, gzip, identity) = encoding_weights(headers);
    let br = if brotli { br } else { 0.0 };
    if br > 0.0 && br >= gzip && br >= identity {
        Coding::Brotli
    } else if gzip > 0.0 && gzip >= identity {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

/// Whether `Accept-Encoding` allows gzip (named, or `*`, with a non-zero weight).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    encoding_weights(headers).1 > 0.0
}

/// Whether a request is one every anonymous visitor would make alike: a `GET` with no
/// cookie and no credentials.
fn anonymous_get<B>(req: &axum::http::Request<B>) -> bool {
    req.method() == Method::GET
        && !req.headers().contains_key(header::COOKIE)
        && !req.headers().contains_key(header::AUTHORIZATION)
}

/// The request target a page is remembered under: path and query as the client sent them.
fn request_target<B>(req: &axum::http::Request<B>) -> &str {
    req.uri()
        .path_and_query()
        .map_or_else(|| req.uri().path(), |p| p.as_str())
}

/// The header carrying a request's id, set on every response (see `web::stack`).
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A fresh request id: a version 7 UUID (ordered by its millisecond), its random bits from
/// the thread's generator rather than from the operating system, so that making one costs
/// no system call.
fn new_request_id() -> HeaderValue {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let random: [u8; 10] = rand::random();
    let id = uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid();
    let mut buf = uuid::Uuid::encode_buffer();
    let text = id.hyphenated().encode_lower(&mut buf);
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

impl PageCache {
    /// Answers an anonymous `GET` of a request target the cache has learnt (see
    /// [`fast_path`]) from memory, with every header the full stack would write (the
    /// caching headers, the [`SECURITY_HEADERS`], the caller's `x-request-id` or a new
    /// one); `None` when the request is not such a one, for the router to answer.
    ///
    /// The listener calls this before the router, so that these answers cost no routing,
    /// middleware or boxing; [`fast_path`] calls it for requests that reach the router
    /// directly.
    pub fn answer_from_memory<B>(
        &self,
        req: &axum::http::Request<B>,
    ) -> Option<axum::http::Response<Bytes>> {
        if !anonymous_get(req) {
            return None;
        }
        let target = request_target(req);
        // Data answers (a CASE package) are not given to a browser that asked for a page:
        // the handler sends it to the page instead.
        let page = self.get_target(target).filter(|p| {
            p.content_type.starts_with("text/html")
                || !super::negotiate::prefers_html(req.headers())
        })?;
        // The request id the full stack would give: the caller's own, or a new one.
        let id = match req.headers().get(X_REQUEST_ID) {
            Some(v) => v.clone(),
            None => new_request_id(),
        };
        let resp = page.complete_answer(req.headers(), id);
        tracing::debug!(
            path = %target,
            status = resp.status().as_u16(),
            request_id = %resp.headers().get(X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-"),
            "answered from the page cache"
        );
        Some(resp)
    }
}

/// Outermost middleware but one: answers anonymous `GET`s of pages already rendered from
/// memory (as the listener does before the router, see [`PageCache::answer_from_memory`]),
/// and learns which request targets lead to which cached page.
pub async fn fast_path(State(pages): State<Arc<PageCache>>, req: Request, next: Next) -> Response {
    if let Some(resp) = pages.answer_from_memory(&req) {
        return resp.map(Body::from);
    }
    if !anonymous_get(&req) {
        return next.run(req).await;
    }
    let target = request_target(&req).to_string();
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

    fn unbrotli(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &b[..], &mut out).unwrap();
        out
    }

    fn ungzip(b: &[u8]) -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(b)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn the_coding_follows_the_clients_weights() {
        let ae = header::ACCEPT_ENCODING;
        let pick = |v: &str, br: bool| preferred_encoding(&headers(&[(ae.clone(), v)]), br);
        // What browsers send.
        assert_eq!(pick("gzip, deflate, br, zstd", true), Coding::Brotli);
        assert_eq!(pick("gzip, br", true), Coding::Brotli);
        // Until the brotli copy exists, gzip.
        assert_eq!(pick("gzip, br", false), Coding::Gzip);
        assert_eq!(pick("br", false), Coding::Identity);
        // Weights decide, whatever the order.
        assert_eq!(pick("br;q=0.5, gzip;q=0.8", true), Coding::Gzip);
        assert_eq!(pick("gzip;q=0.8, BR;Q=0.9", true), Coding::Brotli);
        assert_eq!(pick("br;q=0, gzip", true), Coding::Gzip);
        assert_eq!(pick("br;q=0, gzip;q=0", true), Coding::Identity);
        assert_eq!(pick("gzip;q=0.2, identity;q=0.5", true), Coding::Identity);
        assert_eq!(pick("br;q=0.001", true), Coding::Brotli);
        // A weight that does not parse, or is out of range, refuses the coding.
        assert_eq!(pick("br;q=high, gzip", true), Coding::Gzip);
        assert_eq!(pick("br;q=2, gzip;q=0.5", true), Coding::Gzip);
        // `*` stands for every coding not named.
        assert_eq!(pick("*", true), Coding::Brotli);
        assert_eq!(pick("gzip;q=0.5, *;q=0.1", true), Coding::Gzip);
        assert_eq!(pick("br;q=0, *", true), Coding::Gzip);
        assert_eq!(pick("*;q=0", true), Coding::Identity);
        assert_eq!(pick("identity, *;q=0", true), Coding::Identity);
        assert_eq!(pick("x-gzip", true), Coding::Gzip);
        assert_eq!(pick("deflate, zstd", true), Coding::Identity);
        assert_eq!(
            preferred_encoding(&HeaderMap::new(), true),
            Coding::Identity
        );
        // Headers split over lines count together.
        let two = headers(&[(ae.clone(), "gzip;q=0.4"), (ae.clone(), "br;q=0.6")]);
        assert_eq!(preferred_encoding(&two, true), Coding::Brotli);
    }

    #[test]
    fn the_brotli_copy_is_served_with_its_own_tag_and_304s_on_it() {
        let body: String = (0..400)
            .map(|i| format!("<li><a href=\"/frameworks/{i}\">Framework {i}</a></li>\n"))
            .collect();
        let page = CachedPage::new(body.clone(), HTML, CacheControl::SharedPage, 1);
        let answer = |v: &str| {
            let mut r = page.respond(&headers(&[(header::ACCEPT_ENCODING, v)]));
            crate::web::cache_policy::apply_to(&mut r);
            r
        };
        // Not made yet: gzip.
        assert_eq!(
            answer("gzip, br").headers()[header::CONTENT_ENCODING],
            "gzip"
        );
        page.precompress();
        let br = answer("gzip, br");
        assert_eq!(br.status(), StatusCode::OK);
        assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
        let vary = br.headers()[header::VARY].to_str().unwrap();
        assert!(vary.contains("Accept-Encoding"), "{vary}");
        let br_tag = br.headers()[header::ETAG].to_str().unwrap().to_string();
        let (coded, _) = page.brotli_ready().unwrap();
        assert_eq!(unbrotli(coded), body.as_bytes());
        let (gz, gz_tag) = page.gzipped().unwrap();
        assert_eq!(ungzip(gz), body.as_bytes());
        assert!(coded.len() < gz.len(), "{} vs {}", coded.len(), gz.len());
        // Three representations, three tags.
        let tags = [
            page.etag.as_str(),
            gz_tag.to_str().unwrap(),
            br_tag.as_str(),
        ];
        assert!(
            tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2],
            "{tags:?}"
        );
        assert!(br_tag.ends_with("-br\""), "{br_tag}");
        // 304 on the brotli tag when brotli is what the client would get …
        let again = headers(&[
            (header::ACCEPT_ENCODING, "gzip, br"),
            (header::IF_NONE_MATCH, &br_tag),
        ]);
        let mut r = page.respond(&again);
        crate::web::cache_policy::apply_to(&mut r);
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.headers()[header::ETAG].to_str().unwrap(), br_tag);
        // … but not when it would get another representation.
        let gz_only = headers(&[
            (header::ACCEPT_ENCODING, "gzip"),
            (header::IF_NONE_MATCH, &br_tag),
        ]);
        let r = page.respond(&gz_only);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        let plain = headers(&[(header::IF_NONE_MATCH, &br_tag)]);
        assert_eq!(page.respond(&plain).status(), StatusCode::OK);
        // Small and private pages get no brotli copy.
        let small = CachedPage::new("tiny", HTML, CacheControl::SharedPage, 1);
        small.precompress();
        assert!(small.brotli_ready().is_none());
        let private = CachedPage::new(body, HTML, CacheControl::PrivatePage, 1);
        private.precompress();
        assert!(private.brotli_ready().is_none());
        assert!(
            private
                .respond(&headers(&[(header::ACCEPT_ENCODING, "br")]))
                .headers()
                .get(header::CONTENT_ENCODING)
                .is_none()
        );
    }

    #[tokio::test]
    async fn storing_a_shared_page_makes_its_brotli_copy_in_the_background() {
        let cache = PageCache::default();
        cache.reset(1);
        let page = Arc::new(CachedPage::new(
            "z".repeat(8000),
            HTML,
            CacheControl::SharedPage,
            1,
        ));
        cache.put("/z".into(), page.clone());
        // Give the background job up to a minute (it takes milliseconds).
        for _ in 0..3000 {
            if page.brotli_ready().is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let (coded, _) = page.brotli_ready().expect("made in the background");
        assert_eq!(unbrotli(coded), "z".repeat(8000).as_bytes());
        assert!(page.gzip.get().is_some(), "the gzip copy is made with it");
    }

    #[tokio::test]
    async fn the_compression_queue_is_bounded_and_skips_evicted_pages() {
        use std::sync::atomic::Ordering;
        let cache = PageCache::default();
        cache.reset(1);
        // Hold the one compression turn so that every stored page waits.
        let turn = cache.compressing.clone().acquire_owned().await.unwrap();
        let pages: Vec<Arc<CachedPage>> = (0..MAX_QUEUED_COMPRESSIONS + 8)
            .map(|i| {
                Arc::new(CachedPage::new(
                    format!("{i}").repeat(4000),
                    HTML,
                    CacheControl::SharedPage,
                    1,
                ))
            })
            .collect();
        for (i, page) in pages.iter().enumerate() {
            cache.put(format!("/p/{i}"), page.clone());
        }
        assert_eq!(
            cache.queued.load(Ordering::Acquire),
            MAX_QUEUED_COMPRESSIONS
        );
        // The pages past the bound are not marked as being compressed: stored again
        // later, they queue then.
        assert!(
            pages[MAX_QUEUED_COMPRESSIONS..]
                .iter()
                .all(|p| !p.compressing.load(Ordering::Acquire))
        );
        // Evicted and no longer held anywhere: the queued job finds nothing to compress.
        let first_weak = Arc::downgrade(&pages[0]);
        cache.entries.invalidate(&(Slot::Key, "/p/0".to_string()));
        cache.entries.run_pending_tasks();
        drop(pages);
        assert!(first_weak.upgrade().is_none(), "only the cache held it");
        drop(turn);
        for _ in 0..3000 {
            if cache.queued.load(Ordering::Acquire) == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(cache.queued.load(Ordering::Acquire), 0);
    }

    #[test]
    fn only_anonymous_gets_of_learnt_targets_are_answered_from_memory() {
        let cache = PageCache::default();
        cache.reset(1);
        let page = Arc::new(CachedPage::html("<p>page</p>\n".repeat(400), true, 1));
        cache.put_target("/p", page.clone());
        let request = |method: Method, uri: &str, extra: &[(HeaderName, &str)]| {
            let mut b = axum::http::Request::builder().method(method).uri(uri);
            for (k, v) in extra {
                b = b.header(k, *v);
            }
            b.body(()).unwrap()
        };
        let answer = |method: Method, uri: &str, extra: &[(HeaderName, &str)]| {
            cache.answer_from_memory(&request(method, uri, extra))
        };

        let r = answer(Method::GET, "/p", &[]).expect("answered");
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.body(), &page.body);
        let h = r.headers();
        assert_eq!(h[header::CONTENT_TYPE], HTML);
        assert!(h.get(header::CONTENT_ENCODING).is_none());
        assert_eq!(h[header::CACHE_CONTROL], "public, no-cache");
        assert_eq!(h[header::ETAG], page.etag.as_str());
        assert_eq!(h[header::VARY], "Accept-Encoding, Cookie, Authorization");
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(h[&name], value, "{name}");
        }
        let id = h[X_REQUEST_ID].to_str().unwrap().to_string();
        let uuid = uuid::Uuid::parse_str(&id).expect("a UUID");
        assert_eq!(uuid.get_version_num(), 7, "{id}");
        let again = answer(Method::GET, "/p", &[]).expect("answered");
        assert_ne!(
            again.headers()[X_REQUEST_ID],
            id.as_str(),
            "a new id each time"
        );
        // The caller's own id comes back.
        let r = answer(Method::GET, "/p", &[(X_REQUEST_ID, "trace-7")]).expect("answered");
        assert_eq!(r.headers()[X_REQUEST_ID], "trace-7");

        // gzip, with its own tag, and 304 on it with no body and no content headers.
        let r = answer(Method::GET, "/p", &[(header::ACCEPT_ENCODING, "gzip, br")]).unwrap();
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(ungzip(r.body()), page.body);
        let gz_tag = r.headers()[header::ETAG].to_str().unwrap().to_string();
        let r = answer(
            Method::GET,
            "/p",
            &[
                (header::ACCEPT_ENCODING, "gzip"),
                (header::IF_NONE_MATCH, &gz_tag),
            ],
        )
        .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert!(r.body().is_empty());
        assert_eq!(r.headers()[header::ETAG], gz_tag.as_str());
        assert!(r.headers().get(header::CONTENT_TYPE).is_none());
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(r.headers()[header::CACHE_CONTROL], "public, no-cache");
        assert!(r.headers().contains_key(X_REQUEST_ID));
        // Brotli once made.
        page.precompress();
        let r = answer(Method::GET, "/p", &[(header::ACCEPT_ENCODING, "gzip, br")]).unwrap();
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(unbrotli(r.body()), page.body);

        // Everything else is left to the router.
        assert!(answer(Method::HEAD, "/p", &[]).is_none());
        assert!(answer(Method::POST, "/p", &[]).is_none());
        assert!(answer(Method::GET, "/p", &[(header::COOKIE, "id=1")]).is_none());
        assert!(answer(Method::GET, "/p", &[(header::AUTHORIZATION, "Bearer x")]).is_none());
        assert!(answer(Method::GET, "/p?x=1", &[]).is_none());
        assert!(answer(Method::GET, "/q", &[]).is_none());
        // A data answer is not given to a browser asking for a page.
        let data = Arc::new(CachedPage::new(
            "{}",
            "application/json",
            CacheControl::SharedPage,
            1,
        ));
        cache.put_target("/d", data);
        assert!(answer(Method::GET, "/d", &[(header::ACCEPT, "application/json")]).is_some());
        assert!(answer(Method::GET, "/d", &[(header::ACCEPT, "text/html")]).is_none());
        let r = answer(Method::GET, "/d", &[]).unwrap();
        assert_eq!(
            r.headers()[header::VARY],
            "Accept, Accept-Encoding, Cookie, Authorization"
        );
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
