//! Request extractors of the account layer: the client's address (trusting
//! `X-Forwarded-For` only from configured proxies), a signed-in viewer, an administrator,
//! and the safe `next` page to return to after signing in.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use nsx_core::accounts::Role;

use super::{User, Viewer};
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::forms::see_other;

/// Where a sign-in goes when no (acceptable) `next` was given.
pub(crate) const AFTER_SIGN_IN: &str = "/account";

/// A `next` holding a control character: refused with 400 before anything else happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadNext;

/// The page to go to after signing in: only a path of this site, judged after URL parsing
/// as a browser would resolve it. Anything else (another host, `//host`, `/\\host`, a
/// scheme, a path that normalises to `//…`) falls back to the account page; a control
/// character anywhere is refused outright (a browser would strip or choke on it).
pub fn safe_next(next: Option<&str>) -> Result<String, BadNext> {
    let Some(n) = next.filter(|n| !n.is_empty()) else {
        return Ok(AFTER_SIGN_IN.into());
    };
    if n.chars().any(char::is_control) {
        return Err(BadNext);
    }
    if !n.starts_with('/') || n.starts_with("//") || n.contains('\\') {
        return Ok(AFTER_SIGN_IN.into());
    }
    let Ok(base) = url::Url::parse("http://nsx.invalid/") else {
        return Ok(AFTER_SIGN_IN.into());
    };
    match base.join(n) {
        Ok(u) if u.origin() == base.origin() && !u.path().starts_with("//") => {
            let mut out = u.path().to_string();
            if let Some(q) = u.query() {
                out.push('?');
                out.push_str(q);
            }
            Ok(out)
        }
        _ => Ok(AFTER_SIGN_IN.into()),
    }
}

fn sign_in_redirect(parts: &Parts) -> Response {
    let here = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    see_other(&format!("/sign-in?next={next}"))
}

/// The client's address: the socket's peer, or, when the peer is one of the configured
/// `trusted_proxies`, the address that proxy reports as the client (the right-most entry of
/// `X-Forwarded-For` that is not itself a trusted proxy). Without trusted proxies the header
/// is ignored, so a client cannot choose its own address for the limits.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

/// Works out the client address from the peer and an `X-Forwarded-For` value.
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    if let Some(list) = forwarded_for {
        for hop in list.rsplit(',') {
            match hop.trim().parse::<std::net::IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !trusted.contains(&ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    }
    Some(client)
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientIp(
            client_address(peer, forwarded, &state.config.trusted_proxies).map(|ip| ip.to_string()),
        ))
    }
}

/// A signed-in viewer; anonymous visitors are sent to the sign-in page.
pub struct SignedIn(pub User, pub Viewer);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let v = Viewer::from_parts(parts, state)
            .await
            .map_err(|e| PageError(e).into_response())?;
        match v.user.clone() {
            Some(u) => Ok(SignedIn(u, v)),
            None => Err(sign_in_redirect(parts)),
        }
    }
}

/// An administrator; anonymous visitors are sent to sign in, everyone else gets 403.
pub struct AdminViewer(pub User, pub Viewer);

impl FromRequestParts<AppState> for AdminViewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn(u, v) = SignedIn::from_request_parts(parts, state).await?;
        if u.has_role(Role::Admin) {
            Ok(AdminViewer(u, v))
        } else {
            Err(PageError(Error::Forbidden(
                "the administration pages need the Administrator role".into(),
            ))
            .into_response())
        }
    }
}

#[cfg(test)]
mod client_address_tests {
    use super::client_address;

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let client: std::net::IpAddr = "203.0.113.7".parse().unwrap();
        // An untrusted peer cannot claim another address.
        assert_eq!(
            client_address(Some(client), Some("198.51.100.1"), &[proxy]),
            Some(client)
        );
        // Behind the proxy, the right-most untrusted hop is the client.
        assert_eq!(
            client_address(Some(proxy), Some("198.51.100.1, 203.0.113.7"), &[proxy]),
            Some(client)
        );
        assert_eq!(
            client_address(Some(proxy), Some("203.0.113.7, 10.0.0.1"), &[proxy]),
            Some(client)
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(client_address(Some(proxy), None, &[proxy]), Some(proxy));
        assert_eq!(
            client_address(Some(proxy), Some("junk"), &[proxy]),
            Some(proxy)
        );
        // No trusted proxies: the header is ignored.
        assert_eq!(
            client_address(Some(proxy), Some("203.0.113.7"), &[]),
            Some(proxy)
        );
    }
}
