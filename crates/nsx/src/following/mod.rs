//! Following, invitations and the notification e-mails of calls for input.
//!
//! - Anyone may follow a framework or an occupation: signed in, with one click; anonymous,
//!   with an e-mail address confirmed by a link (double opt-in). Followers are e-mailed
//!   when a call for input opens on what they follow.
//! - Editors of a call's owner invite reviewers by e-mail (a pasted list or a CSV file);
//!   invitees are e-mailed the call's public link when it opens, or at once if it is open.
//! - [`notify`]: the notifications as background jobs through the outbox, each sent at
//!   most once per event and recipient (a unique key in the database): call opened,
//!   closing in 48 hours, dispositions published.
//! - Every notification e-mail carries an unsubscribe link signed with a key every node
//!   shares (no sign-in needed) and a `List-Unsubscribe` header.
//!
//! - [`store`]: the queries. [`service`]: the rules. [`routes`] and [`api`]: the pages
//!   and the JSON API. The pure rules (token format, address lists, who is notified when)
//!   are in [`nsx_core::following`].

pub mod api;
pub mod notify;
pub mod routes;
pub mod service;
pub mod store;

use nsx_core::following::TargetKind;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// The audit log's name for follows.
pub const OBJECT_TYPE: &str = "follow";

/// One follow of a framework or an occupation.
#[derive(Debug, Clone)]
pub struct Follow {
    /// Its id.
    pub id: Uuid,
    /// What is followed.
    pub kind: TargetKind,
    /// The framework's or occupation's code.
    pub code: String,
    /// Where notifications go.
    pub email: String,
    /// The account that follows, when signed in.
    pub user_id: Option<Uuid>,
    /// When the address was confirmed (`None`: waiting for the confirmation link).
    pub confirmed_at: Option<OffsetDateTime>,
    /// When it was made.
    pub created_at: OffsetDateTime,
}

impl Follow {
    /// The followed page.
    pub fn path(&self) -> String {
        target_path(self.kind, &self.code)
    }
}

/// The page of a followed target.
pub fn target_path(kind: TargetKind, code: &str) -> String {
    match kind {
        TargetKind::Framework => format!("/frameworks/{code}"),
        TargetKind::Occupation => format!("/occupations/{code}"),
    }
}

/// One invitation to a call, with where the invitee stands.
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    /// The invited address.
    pub email: String,
    /// When it was invited.
    pub invited_at: OffsetDateTime,
    /// When an account with that address joined the call (and still takes part).
    pub joined_at: Option<OffsetDateTime>,
    /// When the invitation e-mail was put in the outbox.
    pub notified_at: Option<OffsetDateTime>,
}

impl Invitation {
    /// `invited` or `joined`.
    pub fn status(&self) -> &'static str {
        if self.joined_at.is_some() {
            "joined"
        } else {
            "invited"
        }
    }
}
