//! The NSX domain: pure types and rules, no I/O.
//!
//! Everything here can be tested without a database or a network: occupation codes and
//! the SOC structure, the O*NET file layout and its field rules, data releases,
//! accounts and their validation rules.

#![warn(missing_docs)]

pub mod accounts;
pub mod codes;
pub mod corrections;
pub mod evidence;
pub mod following;
pub mod frameworks;
pub mod ids;
pub mod occupations;
pub mod onet;
pub mod policy;
pub mod release;
pub mod review;
pub mod search;
