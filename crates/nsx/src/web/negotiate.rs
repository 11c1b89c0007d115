//! Content negotiation for identifiers that have a page and a JSON (or JSON-LD) form: a
//! browser (`Accept: text/html…`) gets the page, everything else the data.

use axum::http::{HeaderMap, header};

/// Whether the request's `Accept` header ranks HTML above JSON and JSON-LD. No `Accept`,
/// `*/*` alone, or a tie gives the data.
pub fn prefers_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut html = 0.0_f32;
    let mut data = 0.0_f32;
    for part in accept.split(',') {
        let mut bits = part.split(';');
        let mime = bits.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = bits
            .filter_map(|b| b.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match mime.as_str() {
            "text/html" | "application/xhtml+xml" => html = html.max(q),
            "application/json" | "application/ld+json" => data = data.max(q),
            m if m.ends_with("+json") => data = data.max(q),
            _ => {}
        }
    }
    html > data
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn browsers_get_pages_and_clients_data() {
        assert!(prefers_html(&accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(!prefers_html(&accept("application/json")));
        assert!(!prefers_html(&accept(
            "application/ld+json, text/html;q=0.5"
        )));
        assert!(!prefers_html(&accept("*/*")));
        assert!(!prefers_html(&HeaderMap::new()));
        assert!(prefers_html(&accept(
            "text/html;q=0.9, application/json;q=0.1"
        )));
    }
}
