//! The occupation catalog: occupations and everything O*NET says about them.
//!
//! - `model`: what pages render and the API returns; every datum carries its citation.
//! - `store`: the queries (newest release per kind of data; older releases stay citable).
//! - `routes`: the home, browse, occupation, sources and API-overview pages.
//! - `api`: `/api/v1/occupations` and `/api/v1/sources`.

pub mod api;
pub mod model;
pub mod routes;
pub mod store;
