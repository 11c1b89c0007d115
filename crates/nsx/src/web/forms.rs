//! Form handling shared by the pages: field errors looked up by field name in templates
//! (each shown next to its field, `aria-describedby`), re-rendering a form with what was
//! typed, and the See Other answer to a form that succeeded.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nsx_core::accounts::FieldError;

use crate::error::Error;
use crate::web::cache_policy::CachePolicy;
use crate::web::error::PageError;

/// Field errors of a submitted form, looked up by field name in templates.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    /// The first message for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether a field has an error.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// Whether there is any error.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Adds an error.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// The field errors of an `Invalid` error; any other error is handed back.
    pub fn from_error(e: Error) -> Result<FormErrors, Error> {
        match e {
            Error::Invalid(v) => Ok(FormErrors(v)),
            other => Err(other),
        }
    }
}

/// Renders a form page with a status; such pages (they may hold what was typed) are never
/// cached.
pub(crate) fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, CachePolicy::no_store(), Html(html)).into_response(),
        Err(e) => PageError(Error::Internal(format!("template: {e}"))).into_response(),
    }
}

/// Whether an option is the chosen one (for `<select>` in templates).
pub fn same(a: &str, b: &str) -> bool {
    a == b
}

/// A 303 See Other to `to`, the answer to a form that succeeded.
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}
