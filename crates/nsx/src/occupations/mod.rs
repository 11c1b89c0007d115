//! The occupation catalog: occupations and everything O*NET says about them.

pub mod api;
pub mod routes;
pub mod store;
