//! Correction suggestions: anyone proposes a correction to the source row behind a
//! framework statement or source anchor; editors of the framework's owner triage a queue
//! (accept, reject with a reason, forward to the source's maintainer); the suggester is
//! told the outcome by e-mail through the outbox; the queue exports as CSV for the source's
//! maintainer.
//!
//! - [`target`]: which source rows a link names, with the values held for them.
//! - [`store`]: the queries.
//! - [`service`]: the rules, shared by pages, API and command line.
//! - [`routes`] and [`api`]: the pages and the JSON API.
//!
//! The pure rules (field limits, decisions, the key grouping the same change) are in
//! [`nsx_core::corrections`].

pub mod api;
pub mod routes;
pub mod service;
pub mod store;
pub mod target;

use nsx_core::corrections::{CorrectionStatus, SourceRow, SuggestionText};
use nsx_core::ids::{CorrectionId, OrganizationId, UserId};
use nsx_core::policy::Resource;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who suggested a correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggester {
    /// Their account, when they were signed in.
    pub user_id: Option<Uuid>,
    /// Their e-mail address (lower case), where the outcome is sent.
    pub email: String,
    /// Their name.
    pub name: String,
}

/// A stored suggestion with the framework and version it was made on.
#[derive(Debug, Clone)]
pub struct Correction {
    /// Its id.
    pub id: CorrectionId,
    /// The framework it was made on.
    pub framework_id: Uuid,
    /// That framework's code.
    pub framework_code: String,
    /// That framework's title.
    pub framework_title: String,
    /// The organization owning the framework.
    pub organization_id: Option<Uuid>,
    /// The version it was made on.
    pub version_id: Option<Uuid>,
    /// That version's label.
    pub version_label: Option<String>,
    /// The statement, when made on one.
    pub statement_id: Option<Uuid>,
    /// Which citation of the statement (0-based).
    pub citation_ord: Option<i64>,
    /// The source row with the value held for it when the suggestion was made.
    pub row: SourceRow,
    /// What the suggester wrote.
    pub text: SuggestionText,
    /// Who suggested it.
    pub suggester: Suggester,
    /// Where it stands.
    pub status: CorrectionStatus,
    /// The editor's reason or note.
    pub reason: Option<String>,
    /// The editor who decided.
    pub triaged_by: Option<Uuid>,
    /// When it was decided.
    pub triaged_at: Option<OffsetDateTime>,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// The key shared with suggestions of the same change.
    pub change_key: String,
}

impl Correction {
    /// What the policy sees: the author and the framework's owner.
    pub fn resource(&self) -> Resource {
        Resource::Authored {
            author: self.suggester.user_id.map(UserId),
            owner: self.organization_id.map(OrganizationId),
        }
    }

    /// The page of the version it was made on.
    pub fn version_url(&self) -> String {
        match &self.version_label {
            Some(l) => format!("/frameworks/{}/{l}", self.framework_code),
            None => format!("/frameworks/{}", self.framework_code),
        }
    }
}

/// Limits on suggestions (part of the configuration), counted in the database so every
/// node enforces the same ones.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CorrectionsConfig {
    /// Suggestions one e-mail address may make per hour.
    pub per_email_per_hour: u32,
    /// Suggestions one client address may make per hour.
    pub per_client_per_hour: u32,
}

impl Default for CorrectionsConfig {
    fn default() -> Self {
        CorrectionsConfig {
            per_email_per_hour: 10,
            per_client_per_hour: 30,
        }
    }
}

/// Formats a moment for pages and e-mails: `2026-05-03 14:02 UTC`.
pub fn when(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}
