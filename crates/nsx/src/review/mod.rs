//! Calls for input: an editor of a framework's owner opens a draft version for a
//! time-boxed public review; reviewers with a verified account join it, say who they speak
//! for, and respond statement by statement; editors read the results.
//!
//! - [`store`]: the queries.
//! - [`service`]: the rules, shared by pages, API, jobs and the command line.
//! - [`routes`] and [`api`]: the pages and the JSON API.
//! - [`charts`]: inline SVG charts of the results.
//! - [`dispositions`] and [`disposition_store`]: dispositions of the comments, concluding
//!   the call and publishing the revision.
//!
//! The pure rules (stakeholder types, answers, windows, aggregation) are in
//! [`nsx_core::review`].

pub mod api;
pub mod charts;
pub mod disposition_api;
pub mod disposition_routes;
pub mod disposition_store;
pub mod dispositions;
pub mod routes;
pub mod service;
pub mod store;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use nsx_core::ids::CallId;
use nsx_core::review::{
    CallState, Phase, Question, StakeholderType, Thresholds, Window, local_value, show_in, show_utc,
};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// The kind of background job that moves a call to the state its window calls for.
pub const ADVANCE_JOB: &str = "review.advance";
/// The schedule that sweeps every call whose state is behind its window (a safety net for
/// the per-call jobs).
pub const SWEEP_SCHEDULE: &str = "review.sweep";
/// The audit log's name for calls.
pub const OBJECT_TYPE: &str = "review_call";

/// Converts a stored timestamp to an instant.
pub fn instant(t: OffsetDateTime) -> Timestamp {
    Timestamp::from_nanosecond(t.unix_timestamp_nanos()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Converts an instant to a stored timestamp.
pub fn stored(t: Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(t.as_nanosecond())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A call for input with its framework, version and survey.
#[derive(Debug, Clone, Serialize)]
pub struct Call {
    /// Its id.
    pub id: CallId,
    /// The framework under review.
    pub framework_id: Uuid,
    /// Its code.
    pub framework_code: String,
    /// Its title.
    pub framework_title: String,
    /// The organization that owns it.
    pub organization_id: Option<Uuid>,
    /// That organization's name.
    pub organization_name: Option<String>,
    /// The version under review.
    pub version_id: Uuid,
    /// Its label.
    pub version_label: String,
    /// The occupations the framework relates to.
    pub occupations: Vec<String>,
    /// The invitation text.
    pub invitation: String,
    /// Whom to ask about the call.
    pub contact_name: String,
    /// Their address.
    pub contact_email: String,
    /// Who is invited.
    pub stakeholder_types: Vec<StakeholderType>,
    /// The call's time zone (IANA name).
    pub time_zone: String,
    /// Opening time.
    pub opens_at: OffsetDateTime,
    /// Closing time.
    pub closes_at: OffsetDateTime,
    /// The stored state (moved by the scheduled jobs).
    pub state: CallState,
    /// Consensus thresholds.
    pub thresholds: Thresholds,
    /// Survey questions, in order.
    pub questions: Vec<Question>,
    /// When it was made.
    pub created_at: OffsetDateTime,
}

impl Call {
    /// The call's window.
    pub fn window(&self) -> Window {
        Window {
            opens_at: instant(self.opens_at),
            closes_at: instant(self.closes_at),
            zone: self.time_zone.clone(),
        }
    }

    /// Where the window stands now, by the server's clock.
    pub fn phase_now(&self) -> Phase {
        self.window().phase(Timestamp::now())
    }

    /// The call's zone (UTC if the stored name is no longer known).
    pub fn zone(&self) -> TimeZone {
        TimeZone::get(&self.time_zone).unwrap_or(TimeZone::UTC)
    }

    /// Opening time in the call's zone.
    pub fn opens_local(&self) -> String {
        show_in(instant(self.opens_at), &self.zone())
    }

    /// Closing time in the call's zone.
    pub fn closes_local(&self) -> String {
        show_in(instant(self.closes_at), &self.zone())
    }

    /// Opening time in UTC.
    pub fn opens_utc(&self) -> String {
        show_utc(instant(self.opens_at))
    }

    /// Closing time in UTC.
    pub fn closes_utc(&self) -> String {
        show_utc(instant(self.closes_at))
    }

    /// Opening time as a `datetime-local` value in the call's zone.
    pub fn opens_value(&self) -> String {
        local_value(instant(self.opens_at), &self.zone())
    }

    /// The call's page.
    pub fn path(&self) -> String {
        format!("/calls/{}", self.id)
    }

    /// Whether a stakeholder type is invited.
    pub fn invites(&self, t: StakeholderType) -> bool {
        self.stakeholder_types.contains(&t)
    }

    /// What the phase is called on pages.
    pub fn phase_label(&self) -> &'static str {
        match self.phase_now() {
            Phase::Upcoming => "Upcoming",
            Phase::Open => "Open",
            Phase::Closed => "Closed",
        }
    }
}

/// What a reviewer says about themselves (kept for later calls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Who they speak for.
    pub stakeholder_type: StakeholderType,
    /// NAICS sector code, if any.
    pub sector: Option<String>,
    /// Their organization.
    pub organization: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Their role.
    pub role: String,
}

/// A reviewer taking part in a call.
#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    /// The call.
    pub call_id: CallId,
    /// The reviewer.
    pub user_id: Uuid,
    /// Their profile when they joined.
    pub profile: Profile,
    /// When they joined.
    pub joined_at: OffsetDateTime,
    /// When they left (withdrawing their responses), if they did.
    pub left_at: Option<OffsetDateTime>,
}

impl Participant {
    /// Whether they still take part.
    pub fn active(&self) -> bool {
        self.left_at.is_none()
    }
}

/// What a framework page says about the framework's open or upcoming call.
#[derive(Debug, Clone)]
pub struct Banner {
    /// The call's page.
    pub url: String,
    /// Whether it is open now (else upcoming).
    pub open: bool,
    /// The version under review.
    pub version: String,
    /// Opening time in the call's zone.
    pub opens_local: String,
    /// Opening time in UTC.
    pub opens_utc: String,
    /// Closing time in the call's zone.
    pub closes_local: String,
    /// Closing time in UTC.
    pub closes_utc: String,
}

impl Banner {
    /// The banner of a call.
    pub fn of(c: &Call) -> Banner {
        Banner {
            url: c.path(),
            open: c.phase_now() == Phase::Open,
            version: c.version_label.clone(),
            opens_local: c.opens_local(),
            opens_utc: c.opens_utc(),
            closes_local: c.closes_local(),
            closes_utc: c.closes_utc(),
        }
    }
}
