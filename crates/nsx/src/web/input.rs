//! The edge check on text input: no control characters in any form field, query parameter,
//! path segment or JSON string, whichever route it is sent to.
//!
//! Control characters have no business in names, searches, e-mail addresses or codes, and
//! some cannot be stored at all (PostgreSQL refuses a NUL byte in text). The middleware
//! [`edge_check`] checks every request's path and query string; the body extractors of
//! [`crate::web::error`] (`PageForm`, `ApiJson`) check every form field and JSON string.
//! A failure is a 422 naming the field, before any handler runs. Tab, line feed and
//! carriage return stay allowed: multi-line text (comments, notes) legitimately holds them.
//! The one exception is sign-in's `next`, which the sign-in handler judges itself (a
//! control character there is a 400).

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use nsx_core::accounts::FieldError;

use crate::error::Error;
use crate::web::error::{ApiError, PageError};

/// Middleware: refuses a request whose path or query string holds a control character,
/// with a 422 naming the parameter (a problem document under `/api/`, a page elsewhere).
pub async fn edge_check(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let checked = check_path(path).and_then(|()| {
        let query = req.uri().query().unwrap_or("");
        if path == "/sign-in" {
            // `next` is judged by the sign-in handler (400 for a control character).
            check_urlencoded_except(query.as_bytes(), "next")
        } else {
            check_urlencoded(query.as_bytes())
        }
    });
    match checked {
        Ok(()) => next.run(req).await,
        Err(e) if path.starts_with("/api/") => ApiError(e).into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

/// Whether a character is refused in text input: every control character except tab, line
/// feed and carriage return (so NUL, the other C0 codes, DEL and the C1 range).
pub fn is_refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn refused_in(s: &str) -> Option<char> {
    s.chars().find(|c| is_refused(*c))
}

fn field_error(field: &str, c: char) -> FieldError {
    FieldError::new(
        field,
        format!(
            "contains the control character U+{:04X}, which is not allowed; remove it",
            u32::from(c)
        ),
    )
}

/// Checks named text values; the error names the first offending field.
pub fn check_fields<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<(), Error> {
    for (name, value) in fields {
        if let Some(c) = refused_in(value) {
            return Err(field_error(name, c).into());
        }
    }
    Ok(())
}

/// Checks `application/x-www-form-urlencoded` text (a query string or a form body); the
/// error names the parameter.
pub fn check_urlencoded(raw: &[u8]) -> Result<(), Error> {
    check_urlencoded_except(raw, "")
}

fn check_urlencoded_except(raw: &[u8], skip: &str) -> Result<(), Error> {
    for (k, v) in url::form_urlencoded::parse(raw) {
        if !skip.is_empty() && k == skip {
            continue;
        }
        if let Some(c) = refused_in(&k) {
            return Err(field_error(
                &k.chars().filter(|c| !is_refused(*c)).collect::<String>(),
                c,
            )
            .into());
        }
        if let Some(c) = refused_in(&v) {
            return Err(field_error(&k, c).into());
        }
    }
    Ok(())
}

/// Checks a request path after percent-decoding; the error names `path`.
pub fn check_path(path: &str) -> Result<(), Error> {
    let decoded = String::from_utf8_lossy(&percent_decode(path.as_bytes())).into_owned();
    match refused_in(&decoded) {
        Some(c) => Err(field_error("path", c).into()),
        None => Ok(()),
    }
}

fn percent_decode(raw: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%'
            && let (Some(h), Some(l)) = (
                raw.get(i + 1).copied().and_then(hex),
                raw.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

/// Checks every string (and key) of a JSON document; the error names the field by its path
/// (`name`, `items[2].label`).
pub fn check_json(value: &serde_json::Value) -> Result<(), Error> {
    fn walk(v: &serde_json::Value, at: &mut String) -> Result<(), Error> {
        match v {
            serde_json::Value::String(s) => match refused_in(s) {
                Some(c) => Err(field_error(if at.is_empty() { "body" } else { at }, c).into()),
                None => Ok(()),
            },
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("[{i}]"));
                    walk(item, at)?;
                    at.truncate(len);
                }
                Ok(())
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    let len = at.len();
                    if !at.is_empty() {
                        at.push('.');
                    }
                    if let Some(c) = refused_in(k) {
                        at.push_str(&k.chars().filter(|c| !is_refused(*c)).collect::<String>());
                        return Err(field_error(at, c).into());
                    }
                    at.push_str(k);
                    walk(item, at)?;
                    at.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(value, &mut String::new())
}

/// Reads a request's body, checks it with `check`, and gives back a request with the same
/// head and body for the real extractor. A body that cannot be read (too large, cut off) is
/// a 422 naming `field`, as the real extractors answer.
pub(crate) async fn checked_body<S: Send + Sync>(
    req: Request,
    state: &S,
    field: &str,
    check: impl FnOnce(&Bytes) -> Result<(), Error>,
) -> Result<Request, Error> {
    let (parts, body) = req.into_parts();
    let probe = Request::from_parts(parts.clone(), body);
    let bytes = Bytes::from_request(probe, state)
        .await
        .map_err(|e| Error::invalid(field, e.body_text()))?;
    check(&bytes)?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: Error) -> String {
        match e {
            Error::Invalid(v) => v[0].field.clone(),
            other => panic!("not a field error: {other}"),
        }
    }

    #[test]
    fn control_characters_are_refused_with_the_field_named() {
        assert!(check_urlencoded(b"q=nurse&page=2").is_ok());
        assert!(check_urlencoded(b"note=line+one%0D%0Aline+two%09tab").is_ok());
        assert_eq!(field(check_urlencoded(b"q=a%00b").unwrap_err()), "q");
        assert_eq!(
            field(check_urlencoded(b"ok=1&email=x%7F").unwrap_err()),
            "email"
        );
        assert_eq!(field(check_urlencoded(b"x=%C2%85").unwrap_err()), "x");
        assert!(check_path("/password-reset/abc").is_ok());
        assert_eq!(
            field(check_path("/password-reset/a%00b").unwrap_err()),
            "path"
        );
        let doc =
            serde_json::json!({"name": "ok", "items": [{"label": "fine"}, {"label": "bad\u{0}"}]});
        assert_eq!(field(check_json(&doc).unwrap_err()), "items[1].label");
        assert_eq!(
            field(check_json(&serde_json::json!("a\u{1b}")).unwrap_err()),
            "body"
        );
        assert!(check_json(&serde_json::json!({"text": "two\nlines\ttab"})).is_ok());
        assert_eq!(
            field(check_fields([("email", "a@b.c"), ("password", "p\u{0}")]).unwrap_err()),
            "password"
        );
    }
}
