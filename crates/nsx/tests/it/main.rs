//! Integration tests, compiled into one binary (one link instead of one per file): each
//! module starts the real exchange, or the real `nsx` binary, against SQLite and PostgreSQL.

#[macro_use]
mod common;

mod backup;
mod cli;
mod import;
mod schema;
mod search;
mod server;
