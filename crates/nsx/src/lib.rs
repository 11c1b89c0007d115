//! NSX, the National Skills Exchange: one program that publishes occupational skill
//! standards, runs public calls for input on drafts, and certifies people against them.
//!
//! The domain rules live in `nsx-core`; this crate puts storage, search, the web and the
//! command line around them, one module per domain concept.

#![warn(missing_docs)]

pub mod accounts;
pub mod app;
pub mod audit;
pub mod backup;
pub mod cli;
pub mod config;
pub mod corrections;
pub mod db;
pub mod demo;
pub mod error;
pub mod following;
pub mod frameworks;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod occupations;
pub mod operations;
pub mod paging;
pub mod review;
pub mod routes;
pub mod search;
pub mod service;
pub mod state;
pub mod web;
