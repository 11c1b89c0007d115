//! Pagination, once: every list takes a [`PageRequest`] (`limit`, `offset`) checked the same
//! way, reads only the rows of that page, and answers a [`Paginated`] list whose total the
//! API also sends as `X-Total-Count`.

use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{Error, Result};

/// The largest page any list serves.
pub const MAX_LIMIT: i64 = 500;
/// The page size when none is asked for.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest offset accepted (far beyond any list; keeps arithmetic in range).
pub const MAX_OFFSET: i64 = 1_000_000_000;

/// `?limit=&offset=` as sent by a client, before checking.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Items to skip (0 or more, default 0).
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<i64>,
}

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page.
    pub limit: i64,
    /// Items skipped.
    pub offset: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

impl PageQuery {
    /// Checks the numbers, naming the field that is out of range.
    pub fn checked(self) -> Result<PageRequest> {
        self.checked_with(DEFAULT_LIMIT)
    }

    /// Checks the numbers with a list's own default page size.
    pub fn checked_with(self, default_limit: i64) -> Result<PageRequest> {
        self.checked_within(default_limit, MAX_LIMIT)
    }

    /// Checks the numbers with a list's own default and largest page size.
    pub fn checked_within(self, default_limit: i64, max_limit: i64) -> Result<PageRequest> {
        let limit = self.limit.unwrap_or(default_limit);
        if !(1..=max_limit).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {max_limit}"),
            ));
        }
        let offset = self.offset.unwrap_or(0);
        if !(0..=MAX_OFFSET).contains(&offset) {
            return Err(Error::invalid(
                "offset",
                format!("must be between 0 and {MAX_OFFSET}"),
            ));
        }
        Ok(PageRequest { limit, offset })
    }
}

impl PageRequest {
    /// A page request from a 1-based page number (for pages with "next" links).
    pub fn page(number: i64, size: i64) -> Result<PageRequest> {
        if number < 1 {
            return Err(Error::invalid("page", "pages are numbered from 1"));
        }
        let offset = (number - 1)
            .checked_mul(size)
            .filter(|o| *o <= MAX_OFFSET)
            .ok_or_else(|| Error::invalid("page", "is past the end of any list"))?;
        Ok(PageRequest {
            limit: size,
            offset,
        })
    }
}

/// The header every list API sends with the number of items in the whole list.
pub const TOTAL_COUNT: &str = "x-total-count";

/// A JSON list answer with its `X-Total-Count` header: the one way list APIs answer.
pub fn json_with_total(total: i64, body: impl Serialize) -> Response {
    let mut resp = axum::Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
        resp.headers_mut().insert(TOTAL_COUNT, v);
    }
    resp
}

/// One page of a list and where it sits in the whole.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Paginated<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Items in the whole list.
    pub total: i64,
    /// Page size asked for.
    pub limit: i64,
    /// Items skipped before this page.
    pub offset: i64,
}

impl<T> Paginated<T> {
    /// Wraps one page.
    pub fn new(items: Vec<T>, total: i64, page: PageRequest) -> Self {
        Paginated {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        }
    }

    /// Whether a later page exists.
    pub fn has_more(&self) -> bool {
        self.offset.saturating_add(self.items.len() as i64) < self.total
    }

    /// The 1-based number of this page.
    pub fn page_number(&self) -> i64 {
        self.offset / self.limit.max(1) + 1
    }

    /// Changes the items' type.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paginated<U> {
        Paginated {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_offsets_are_checked_and_named() {
        let ok = PageQuery {
            limit: Some(10),
            offset: Some(20),
        }
        .checked();
        assert_eq!(
            ok.ok(),
            Some(PageRequest {
                limit: 10,
                offset: 20
            })
        );
        for (limit, offset, field) in [
            (Some(0), None, "limit"),
            (Some(501), None, "limit"),
            (None, Some(-1), "offset"),
            (None, Some(i64::MAX), "offset"),
        ] {
            match (PageQuery { limit, offset }).checked() {
                Err(Error::Invalid(e)) => assert_eq!(e[0].field, field),
                other => panic!("expected an error on {field}, got {other:?}"),
            }
        }
    }

    #[test]
    fn page_numbers_do_not_wrap() {
        assert!(PageRequest::page(i64::MAX, 50).is_err());
        assert!(PageRequest::page(0, 50).is_err());
        assert_eq!(
            PageRequest::page(3, 50).ok(),
            Some(PageRequest {
                limit: 50,
                offset: 100
            })
        );
        let p = Paginated::new(
            vec![1, 2],
            5,
            PageRequest {
                limit: 2,
                offset: 2,
            },
        );
        assert!(p.has_more());
        assert_eq!(p.page_number(), 2);
    }
}
