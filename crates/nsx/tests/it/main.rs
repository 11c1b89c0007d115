//! Integration tests, compiled into one binary (one link instead of one per file): each
//! module starts the real exchange, or the real `nsx` binary, against SQLite and PostgreSQL.

#[macro_use]
mod common;

mod accounts;
mod admin;
mod authz;
mod backup;
mod browser;
mod catalog;
mod cli;
mod corrections;
mod demo;
mod editorial;
mod exchange;
mod exchange_import;
mod exchange_subscriptions;
mod following;
mod framework_changes;
mod framework_pages;
mod frameworks;
mod hardening_auth;
mod import;
mod jobs;
mod limits;
mod openapi;
mod review;
mod review_browser;
mod review_dispositions;
mod schema;
mod search;
mod server;
mod two_nodes;
