//! How responses may be cached: one type, [`CachePolicy`], that every handler (and the page
//! cache) attaches to its response, and one middleware, [`apply`], outermost in the stack,
//! that turns it into `Cache-Control`, `Vary` and `ETag` headers. No handler sets those
//! headers itself.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponseParts, Response, ResponseParts};

/// The `Cache-Control` a response carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheControl {
    /// Never stored anywhere: forms (they may hold what someone typed), one person's data.
    NoStore,
    /// One viewer's page or data, never stored.
    PrivateNoStore,
    /// A page every anonymous visitor shares, revalidated by its `ETag` each time.
    SharedPage,
    /// A page rendered for one signed-in viewer, revalidated by its `ETag`.
    PrivatePage,
    /// Public data that may be reused for a minute.
    PublicMinute,
    /// Static assets, reused for an hour.
    PublicHour,
}

impl CacheControl {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheControl::NoStore => "no-store",
            CacheControl::PrivateNoStore => "private, no-store",
            CacheControl::SharedPage => "public, no-cache",
            CacheControl::PrivatePage => "private, no-cache",
            CacheControl::PublicMinute => "public, max-age=60",
            CacheControl::PublicHour => "public, max-age=3600",
        }
    }

    /// Whether shared caches (and the page cache's gzip copies) may keep it.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            CacheControl::SharedPage | CacheControl::PublicMinute | CacheControl::PublicHour
        )
    }
}

/// A response's caching policy: its `Cache-Control`, the request headers it varies on, and
/// its entity tag. Attach it to a response as a part (`(policy, body).into_response()`) or
/// with [`CachePolicy::attach`]; [`apply`] writes the headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CachePolicy {
    /// `Cache-Control`; `None` leaves it out.
    pub control: Option<CacheControl>,
    /// Request headers the response varies on (comma-separated), merged with any `Vary`
    /// the compression layer adds.
    pub vary: Option<&'static str>,
    /// Strong entity tag.
    pub etag: Option<HeaderValue>,
}

impl CachePolicy {
    /// A policy with this `Cache-Control`.
    pub fn new(control: CacheControl) -> Self {
        CachePolicy {
            control: Some(control),
            ..CachePolicy::default()
        }
    }

    /// Never stored.
    pub fn no_store() -> Self {
        CachePolicy::new(CacheControl::NoStore)
    }

    /// One viewer's, never stored.
    pub fn private_no_store() -> Self {
        CachePolicy::new(CacheControl::PrivateNoStore)
    }

    /// Public for a minute.
    pub fn public_minute() -> Self {
        CachePolicy::new(CacheControl::PublicMinute)
    }

    /// Only a `Vary` (a redirect that depends on a request header).
    pub fn vary_only(vary: &'static str) -> Self {
        CachePolicy {
            vary: Some(vary),
            ..CachePolicy::default()
        }
    }

    /// The same policy, varying on `vary`.
    pub fn varying(mut self, vary: &'static str) -> Self {
        self.vary = Some(vary);
        self
    }

    /// The same policy, with an entity tag.
    pub fn with_etag(mut self, etag: HeaderValue) -> Self {
        self.etag = Some(etag);
        self
    }

    /// Whether shared caches may keep the response.
    pub fn is_public(&self) -> bool {
        self.control.is_some_and(CacheControl::is_public)
    }

    /// Puts the policy on a response, for [`apply`] to write.
    pub fn attach(self, resp: &mut Response) {
        resp.extensions_mut().insert(self);
    }

    /// Writes the headers.
    fn write(&self, h: &mut HeaderMap) {
        if let Some(c) = self.control {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(c.as_str()));
        }
        if let Some(tag) = &self.etag {
            let tag = encoded_tag(tag, h.get(header::CONTENT_ENCODING));
            h.insert(header::ETAG, tag);
        }
        if let Some(vary) = self.vary {
            let mut names: Vec<String> = vary.split(',').map(|s| s.trim().to_string()).collect();
            for v in h
                .get_all(header::VARY)
                .iter()
                .filter_map(|v| v.to_str().ok())
            {
                for name in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                        names.push(name.to_string());
                    }
                }
            }
            if let Ok(v) = HeaderValue::from_str(&names.join(", ")) {
                h.insert(header::VARY, v);
            }
        }
    }
}

/// The tag of an encoded body: a body the compression layer encoded on the way out carries
/// its representation's tag with the coding appended (`"t"` → `"t-br"`), so that a cache
/// holding one encoding never validates another. Tags already naming the coding are kept.
fn encoded_tag(tag: &HeaderValue, coding: Option<&HeaderValue>) -> HeaderValue {
    let Some(coding) = coding
        .and_then(|c| c.to_str().ok())
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
    else {
        return tag.clone();
    };
    let Ok(text) = tag.to_str() else {
        return tag.clone();
    };
    let suffix = format!("-{coding}\"");
    if text.ends_with(&suffix) || !text.ends_with('"') {
        return tag.clone();
    }
    HeaderValue::from_str(&format!("{}{suffix}", &text[..text.len() - 1]))
        .unwrap_or_else(|_| tag.clone())
}

impl IntoResponseParts for CachePolicy {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.extensions_mut().insert(self);
        Ok(res)
    }
}

/// Writes the headers of the policy a response carries (see [`CachePolicy`]).
pub fn apply_to(resp: &mut Response) {
    if let Some(p) = resp.extensions_mut().remove::<CachePolicy>() {
        p.write(resp.headers_mut());
    }
}

/// The cache-policy middleware, outermost in the stack so that it also sees the answers
/// the page cache's fast path gives from memory.
pub async fn apply(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    apply_to(&mut resp);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    #[test]
    fn an_encoded_body_carries_its_own_tag() {
        let t = HeaderValue::from_static("\"t\"");
        let br = HeaderValue::from_static("br");
        assert_eq!(encoded_tag(&t, None), "\"t\"");
        assert_eq!(encoded_tag(&t, Some(&br)), "\"t-br\"");
        assert_eq!(
            encoded_tag(&t, Some(&HeaderValue::from_static("identity"))),
            "\"t\""
        );
        let tagged = HeaderValue::from_static("\"t-br\"");
        assert_eq!(encoded_tag(&tagged, Some(&br)), "\"t-br\"");
        let weak = HeaderValue::from_static("W/\"t\"");
        assert_eq!(
            encoded_tag(&weak, Some(&HeaderValue::from_static("gzip"))),
            "W/\"t-gzip\""
        );
        // Written with the response's own coding.
        let mut r = (
            CachePolicy::public_minute().with_etag(t.clone()),
            [(header::CONTENT_ENCODING, "gzip")],
            "x",
        )
            .into_response();
        apply_to(&mut r);
        assert_eq!(r.headers()[header::ETAG], "\"t-gzip\"");
    }

    #[test]
    fn writes_the_headers_and_merges_vary() {
        let mut r = (
            CachePolicy::public_minute()
                .varying("Accept")
                .with_etag(HeaderValue::from_static("\"t\"")),
            "body",
        )
            .into_response();
        r.headers_mut().insert(
            header::VARY,
            HeaderValue::from_static("accept-encoding, accept"),
        );
        apply_to(&mut r);
        let h = r.headers();
        assert_eq!(h[header::CACHE_CONTROL], "public, max-age=60");
        assert_eq!(h[header::ETAG], "\"t\"");
        assert_eq!(h[header::VARY], "Accept, accept-encoding");
        assert!(r.extensions().get::<CachePolicy>().is_none());
    }
}
