//! Catalog queries.
