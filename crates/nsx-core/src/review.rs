//! Calls for input: a time-boxed public review of a draft framework version.
//!
//! The pure rules live here: who may be invited (stakeholder types), what a reviewer says
//! about a statement (keep / change / remove, importance, frequency, a typed comment and a
//! suggested rewrite), the survey questions a call may ask and the answers each accepts,
//! the call's window in its own time zone, and the aggregation of responses into the
//! results editors read, with the consensus flags of a call's thresholds.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::FieldError;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, [$($(#[$vdoc:meta])* $v:ident => $s:literal, $l:literal),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $v,)+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$v => $s,)+
                }
            }

            /// The name shown to people.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$v => $l,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|x| x.as_str() == t)
                    .ok_or_else(|| {
                        format!(
                            "{t:?} is not a {}; expected one of {}",
                            $what,
                            $name::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    })
            }
        }
    };
}

named_enum!(
    /// Who a reviewer speaks for.
    StakeholderType, "stakeholder type", [
        /// An employer.
        Employer => "employer", "Employer",
        /// An educator or training provider.
        Educator => "educator", "Educator",
        /// An industry or professional association.
        Association => "association", "Association",
        /// A worker or learner.
        WorkerLearner => "worker_learner", "Worker or learner",
        /// A government body.
        Government => "government", "Government",
        /// Anyone else.
        Other => "other", "Other",
    ]
);

named_enum!(
    /// What a reviewer would do with a statement.
    Stance, "stance", [
        /// Keep it as it is.
        Keep => "keep", "Keep",
        /// Keep it, changed.
        Change => "change", "Change",
        /// Remove it.
        Remove => "remove", "Remove",
    ]
);

named_enum!(
    /// How standards bodies type a comment.
    CommentType, "comment type", [
        /// About the statement as a whole.
        General => "general", "General",
        /// About its substance.
        Technical => "technical", "Technical",
        /// About its wording.
        Editorial => "editorial", "Editorial",
    ]
);

named_enum!(
    /// The kind of a survey question.
    QuestionKind, "question kind", [
        /// One of the options.
        Single => "single", "Single choice",
        /// Any of the options.
        Multiple => "multiple", "Multiple choice",
        /// A rating from 1 to 5.
        Rating => "rating", "Rating (1–5)",
        /// Free text.
        Text => "text", "Free text",
    ]
);

named_enum!(
    /// Where a call stands, as stored (the window decides what is accepted; see [`Window`]).
    CallState, "call state", [
        /// Announced; opens at its opening time.
        Scheduled => "scheduled", "Upcoming",
        /// Taking responses.
        Open => "open", "Open",
        /// Past its closing time.
        Closed => "closed", "Closed",
    ]
);

/// The NAICS 2022 sectors (two-digit code as written, title).
pub const NAICS_SECTORS: &[(&str, &str)] = &[
    ("11", "Agriculture, Forestry, Fishing and Hunting"),
    ("21", "Mining, Quarrying, and Oil and Gas Extraction"),
    ("22", "Utilities"),
    ("23", "Construction"),
    ("31-33", "Manufacturing"),
    ("42", "Wholesale Trade"),
    ("44-45", "Retail Trade"),
    ("48-49", "Transportation and Warehousing"),
    ("51", "Information"),
    ("52", "Finance and Insurance"),
    ("53", "Real Estate and Rental and Leasing"),
    ("54", "Professional, Scientific, and Technical Services"),
    ("55", "Management of Companies and Enterprises"),
    (
        "56",
        "Administrative and Support and Waste Management and Remediation Services",
    ),
    ("61", "Educational Services"),
    ("62", "Health Care and Social Assistance"),
    ("71", "Arts, Entertainment, and Recreation"),
    ("72", "Accommodation and Food Services"),
    ("81", "Other Services (except Public Administration)"),
    ("92", "Public Administration"),
];

/// The title of a NAICS sector code.
pub fn naics_title(code: &str) -> Option<&'static str> {
    NAICS_SECTORS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, t)| *t)
}

/// Longest invitation text.
pub const MAX_INVITATION: usize = 8_000;
/// Longest comment, rewrite, rationale or survey text answer.
pub const MAX_COMMENT: usize = 4_000;
/// Most survey questions in one call.
pub const MAX_QUESTIONS: usize = 30;
/// Most options of one choice question.
pub const MAX_OPTIONS: usize = 20;
/// Longest call window.
pub const MAX_WINDOW_DAYS: i64 = 366;

/// Trims text and checks its length and characters; `required` refuses empty text.
pub fn clean_text(field: &str, s: &str, max: usize, required: bool) -> Result<String, FieldError> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(field, "must not hold control characters"));
    }
    Ok(t.to_string())
}

// ---------------------------------------------------------------------------------------
// Time

/// A call's window: opening and closing instants and the zone it is announced in.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// When responses are first accepted.
    pub opens_at: Timestamp,
    /// When responses stop being accepted.
    pub closes_at: Timestamp,
    /// The call's time zone (IANA name), in which it is shown.
    pub zone: String,
}

/// Where a window stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Before the opening time.
    Upcoming,
    /// From the opening time (inclusive) to the closing time (exclusive).
    Open,
    /// From the closing time on.
    Closed,
}

impl Window {
    /// Where the window stands at `now` (server time).
    pub fn phase(&self, now: Timestamp) -> Phase {
        if now < self.opens_at {
            Phase::Upcoming
        } else if now < self.closes_at {
            Phase::Open
        } else {
            Phase::Closed
        }
    }

    /// The stored state the window calls for at `now`.
    pub fn state_at(&self, now: Timestamp) -> CallState {
        match self.phase(now) {
            Phase::Upcoming => CallState::Scheduled,
            Phase::Open => CallState::Open,
            Phase::Closed => CallState::Closed,
        }
    }
}

/// Reads an IANA time-zone name (`America/Chicago`, `UTC`).
pub fn parse_zone(field: &str, name: &str) -> Result<TimeZone, FieldError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(FieldError::new(
            field,
            "choose a time zone such as America/New_York or UTC",
        ));
    }
    TimeZone::get(n).map_err(|_| {
        FieldError::new(
            field,
            format!("{n:?} is not a time zone name such as America/New_York or UTC"),
        )
    })
}

/// Reads a local date and time (`2026-12-05T14:00`, as an HTML `datetime-local` field
/// sends it) in a zone. A time that does not exist there (skipped by a clock change) is
/// refused; a time that happens twice (clocks going back) is the earlier one.
pub fn parse_local(field: &str, s: &str, zone: &TimeZone) -> Result<Timestamp, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "enter a date and time"));
    }
    let dt: jiff::civil::DateTime = t.parse().map_err(|_| {
        FieldError::new(
            field,
            format!("{t:?} is not a date and time like 2026-12-05T14:00"),
        )
    })?;
    let amb = zone.to_ambiguous_zoned(dt);
    if let AmbiguousOffset::Gap { .. } = amb.offset() {
        return Err(FieldError::new(
            field,
            format!(
                "{t} does not exist in this time zone (the clocks skip it); choose another time"
            ),
        ));
    }
    amb.compatible()
        .map(|z| z.timestamp())
        .map_err(|e| FieldError::new(field, format!("{t}: {e}")))
}

/// Checks a window: opening before closing, closing in the future, at most a year long.
pub fn check_window(
    opens_at: Timestamp,
    closes_at: Timestamp,
    now: Timestamp,
) -> Result<(), FieldError> {
    if closes_at <= opens_at {
        return Err(FieldError::new(
            "closes_at",
            "the call must close after it opens",
        ));
    }
    if closes_at <= now {
        return Err(FieldError::new(
            "closes_at",
            "the closing time has passed already",
        ));
    }
    let secs = closes_at.as_second() - opens_at.as_second();
    if secs > MAX_WINDOW_DAYS * 86_400 {
        return Err(FieldError::new(
            "closes_at",
            format!("a call lasts at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    Ok(())
}

/// An instant as shown in a zone: `Fri 5 Dec 2026, 14:00 EST`.
pub fn show_in(ts: Timestamp, zone: &TimeZone) -> String {
    ts.to_zoned(zone.clone())
        .strftime("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// An instant in UTC: `2026-12-05 19:00 UTC`.
pub fn show_utc(ts: Timestamp) -> String {
    ts.to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%d %H:%M UTC")
        .to_string()
}

/// An instant as a `datetime-local` value in a zone (`2026-12-05T14:00`).
pub fn local_value(ts: Timestamp, zone: &TimeZone) -> String {
    ts.to_zoned(zone.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

// ---------------------------------------------------------------------------------------
// Survey

/// A survey question of a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Question {
    /// The question (1–500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub prompt: String,
    /// What kind of answer it takes.
    pub kind: QuestionKind,
    /// The options (choice questions only: 2–20 distinct options of at most 200
    /// characters; rating and text questions take none).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub options: Vec<String>,
    /// Whether a reviewer must answer it.
    #[serde(default)]
    pub required: bool,
}

/// Checks the questions of a call; `field` prefixes each error (`questions[2].options`).
pub fn check_questions(qs: &[Question]) -> Result<Vec<Question>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if qs.len() > MAX_QUESTIONS {
        errors.push(FieldError::new(
            "questions",
            format!("a call asks at most {MAX_QUESTIONS} questions"),
        ));
    }
    let mut out = Vec::new();
    for (i, q) in qs.iter().enumerate() {
        let f = |s: &str| format!("questions[{i}].{s}");
        let prompt = match clean_text(&f("prompt"), &q.prompt, 500, true) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut options = Vec::new();
        match q.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                for o in &q.options {
                    match clean_text(&f("options"), o, 200, false) {
                        Ok(o) if o.is_empty() => {}
                        Ok(o) if options.contains(&o) => errors.push(FieldError::new(
                            &f("options"),
                            format!("{o:?} is listed twice"),
                        )),
                        Ok(o) => options.push(o),
                        Err(e) => errors.push(e),
                    }
                }
                if options.len() < 2 {
                    errors.push(FieldError::new(
                        &f("options"),
                        "a choice question needs at least two options",
                    ));
                }
                if options.len() > MAX_OPTIONS {
                    errors.push(FieldError::new(
                        &f("options"),
                        format!("at most {MAX_OPTIONS} options"),
                    ));
                }
            }
            QuestionKind::Rating | QuestionKind::Text => {
                if q.options.iter().any(|o| !o.trim().is_empty()) {
                    errors.push(FieldError::new(
                        &f("options"),
                        format!("a {} question has no options", q.kind.label()),
                    ));
                }
            }
        }
        out.push(Question {
            prompt,
            kind: q.kind,
            options,
            required: q.required,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A checked answer to a survey question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    /// The chosen option.
    Single(String),
    /// The chosen options, in the question's order.
    Multiple(Vec<String>),
    /// A rating 1–5.
    Rating(u8),
    /// Free text.
    Text(String),
}

/// Checks an answer given as the submitted values (a form sends one value per chosen
/// option); `None` when nothing was given (refused for required questions).
pub fn check_answer(
    field: &str,
    q: &Question,
    given: &[String],
) -> Result<Option<AnswerValue>, FieldError> {
    let given: Vec<&str> = given
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if given.is_empty() {
        return if q.required {
            Err(FieldError::new(field, "this question must be answered"))
        } else {
            Ok(None)
        };
    }
    let not_option = |v: &str| FieldError::new(field, format!("{v:?} is not one of the options"));
    match q.kind {
        QuestionKind::Single => {
            if given.len() > 1 {
                return Err(FieldError::new(field, "choose one option"));
            }
            let v = given[0];
            if !q.options.iter().any(|o| o == v) {
                return Err(not_option(v));
            }
            Ok(Some(AnswerValue::Single(v.to_string())))
        }
        QuestionKind::Multiple => {
            if let Some(v) = given.iter().find(|v| !q.options.iter().any(|o| o == *v)) {
                return Err(not_option(v));
            }
            let chosen = q
                .options
                .iter()
                .filter(|o| given.contains(&o.as_str()))
                .cloned()
                .collect();
            Ok(Some(AnswerValue::Multiple(chosen)))
        }
        QuestionKind::Rating => {
            if given.len() > 1 {
                return Err(FieldError::new(field, "give one rating"));
            }
            Ok(Some(AnswerValue::Rating(check_scale(field, given[0])?)))
        }
        QuestionKind::Text => {
            let t = clean_text(field, &given.join("\n"), MAX_COMMENT, false)?;
            Ok(Some(AnswerValue::Text(t)))
        }
    }
}

/// Reads a 1–5 rating.
pub fn check_scale(field: &str, s: &str) -> Result<u8, FieldError> {
    match s.trim().parse::<u8>() {
        Ok(n) if (1..=5).contains(&n) => Ok(n),
        _ => Err(FieldError::new(
            field,
            format!("{:?} is not a rating from 1 to 5", s.trim()),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Responses

/// What a reviewer says about one statement (every part optional, but not all empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatementResponse {
    /// Keep, change or remove.
    pub stance: Option<Stance>,
    /// Importance 1–5.
    #[schema(minimum = 1, maximum = 5)]
    pub importance: Option<u8>,
    /// Frequency 1–5 (technical statements only).
    #[schema(minimum = 1, maximum = 5)]
    pub frequency: Option<u8>,
    /// The comment's type (required with a comment).
    pub comment_type: Option<CommentType>,
    /// A comment (at most 4,000 characters).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub comment: String,
    /// A suggested rewrite of the statement (at most 4,000 characters).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub rewrite: String,
}

impl StatementResponse {
    /// Whether nothing was said.
    pub fn is_empty(&self) -> bool {
        self.stance.is_none()
            && self.importance.is_none()
            && self.frequency.is_none()
            && self.comment.is_empty()
            && self.rewrite.is_empty()
    }

    /// Checks a response; `prefix` names the statement in errors, `technical` whether
    /// frequency applies.
    pub fn checked(mut self, prefix: &str, technical: bool) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let f = |s: &str| format!("{prefix}.{s}");
        for (name, v) in [
            ("importance", self.importance),
            ("frequency", self.frequency),
        ] {
            if let Some(n) = v
                && !(1..=5).contains(&n)
            {
                errors.push(FieldError::new(
                    &f(name),
                    format!("{n} is not a rating from 1 to 5"),
                ));
            }
        }
        if !technical && self.frequency.is_some() {
            errors.push(FieldError::new(
                &f("frequency"),
                "frequency is rated for technical statements only",
            ));
        }
        match clean_text(&f("comment"), &self.comment, MAX_COMMENT, false) {
            Ok(c) => self.comment = c,
            Err(e) => errors.push(e),
        }
        match clean_text(&f("rewrite"), &self.rewrite, MAX_COMMENT, false) {
            Ok(c) => self.rewrite = c,
            Err(e) => errors.push(e),
        }
        if !self.comment.is_empty() && self.comment_type.is_none() {
            errors.push(FieldError::new(
                &f("comment_type"),
                "say whether the comment is general, technical or editorial",
            ));
        }
        if self.comment.is_empty() {
            self.comment_type = None;
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Results

/// The per-call thresholds of the consensus flags.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Thresholds {
    /// Flag a statement when at least this share of any one stakeholder type would
    /// remove it (above 0, at most 1; 0.25 = a quarter).
    #[schema(exclusive_minimum = 0.0, maximum = 1.0)]
    pub remove_share: f64,
    /// Flag a statement when at least this share of all respondents would change it.
    #[schema(exclusive_minimum = 0.0, maximum = 1.0)]
    pub change_share: f64,
    /// Flag a statement whose mean importance is below this (1–5).
    #[schema(minimum = 1.0, maximum = 5.0)]
    pub importance_floor: f64,
    /// Groups smaller than this are not flagged on their own (too few to tell; 1–1000).
    #[schema(minimum = 1, maximum = 1000)]
    pub min_group: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            remove_share: 0.25,
            change_share: 0.5,
            importance_floor: 2.5,
            min_group: 3,
        }
    }
}

impl Thresholds {
    /// Checks the thresholds' ranges.
    pub fn checked(self) -> Result<Self, Vec<FieldError>> {
        let mut e = Vec::new();
        for (name, v) in [
            ("remove_share", self.remove_share),
            ("change_share", self.change_share),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                e.push(FieldError::new(
                    name,
                    "must be a share above 0 and at most 1 (0.25 = a quarter)",
                ));
            }
        }
        if !(1.0..=5.0).contains(&self.importance_floor) {
            e.push(FieldError::new("importance_floor", "must be from 1 to 5"));
        }
        if self.min_group == 0 || self.min_group > 1000 {
            e.push(FieldError::new("min_group", "must be from 1 to 1000"));
        }
        if e.is_empty() { Ok(self) } else { Err(e) }
    }
}

/// One stored response as aggregation reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseFact {
    /// The statement (its position in the call's statement list).
    pub statement: usize,
    /// The respondent's stakeholder type.
    pub stakeholder: StakeholderType,
    /// The respondent's NAICS sector, if given.
    pub sector: Option<String>,
    /// Keep, change or remove.
    pub stance: Option<Stance>,
    /// Importance 1–5.
    pub importance: Option<u8>,
    /// Frequency 1–5.
    pub frequency: Option<u8>,
    /// Whether a comment or rewrite was given.
    pub commented: bool,
}

/// Counts of one group of respondents about one statement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    /// Respondents who said anything about the statement.
    pub respondents: u32,
    /// Keep / change / remove counts.
    pub keep: u32,
    /// Would change it.
    pub change: u32,
    /// Would remove it.
    pub remove: u32,
    /// Importance ratings 1..=5 (index 0 is 1).
    #[schema(value_type = Vec<u32>)]
    pub importance: [u32; 5],
    /// Frequency ratings 1..=5.
    #[schema(value_type = Vec<u32>)]
    pub frequency: [u32; 5],
    /// Comments or rewrites given.
    pub comments: u32,
}

impl Tally {
    fn add(&mut self, r: &ResponseFact) {
        self.respondents += 1;
        match r.stance {
            Some(Stance::Keep) => self.keep += 1,
            Some(Stance::Change) => self.change += 1,
            Some(Stance::Remove) => self.remove += 1,
            None => {}
        }
        if let Some(n) = r.importance.filter(|n| (1..=5).contains(n)) {
            self.importance[usize::from(n - 1)] += 1;
        }
        if let Some(n) = r.frequency.filter(|n| (1..=5).contains(n)) {
            self.frequency[usize::from(n - 1)] += 1;
        }
        if r.commented {
            self.comments += 1;
        }
    }

    /// Respondents who took a stance.
    pub fn stances(&self) -> u32 {
        self.keep + self.change + self.remove
    }

    /// The mean of a 1–5 histogram, if anyone rated.
    pub fn mean(h: &[u32; 5]) -> Option<f64> {
        let n: u32 = h.iter().sum();
        if n == 0 {
            return None;
        }
        let s: u32 = h.iter().enumerate().map(|(i, c)| (i as u32 + 1) * c).sum();
        Some(f64::from(s) / f64::from(n))
    }

    /// Share of stances that are `s` (0 when nobody took a stance).
    pub fn share(&self, s: Stance) -> f64 {
        let n = self.stances();
        if n == 0 {
            return 0.0;
        }
        let c = match s {
            Stance::Keep => self.keep,
            Stance::Change => self.change,
            Stance::Remove => self.remove,
        };
        f64::from(c) / f64::from(n)
    }
}

/// A consensus flag raised on a statement.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Flag {
    /// `remove`, `change` or `low_importance`.
    pub kind: String,
    /// What it means, in words.
    pub message: String,
}

/// The results of one statement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct StatementResult {
    /// Everyone.
    pub overall: Tally,
    /// By stakeholder type (only types with respondents).
    pub by_type: BTreeMap<StakeholderType, Tally>,
    /// By NAICS sector (`unstated` for respondents who gave none).
    pub by_sector: BTreeMap<String, Tally>,
    /// Flags raised under the call's thresholds.
    pub flags: Vec<Flag>,
}

/// Aggregates responses about `statements` statements and raises the flags.
pub fn aggregate(
    statements: usize,
    facts: &[ResponseFact],
    t: &Thresholds,
) -> Vec<StatementResult> {
    let mut out = vec![StatementResult::default(); statements];
    for f in facts {
        let Some(r) = out.get_mut(f.statement) else {
            continue;
        };
        r.overall.add(f);
        r.by_type.entry(f.stakeholder).or_default().add(f);
        r.by_sector
            .entry(f.sector.clone().unwrap_or_else(|| "unstated".into()))
            .or_default()
            .add(f);
    }
    for r in &mut out {
        r.flags = flags(r, t);
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn flags(r: &StatementResult, t: &Thresholds) -> Vec<Flag> {
    let mut out = Vec::new();
    for (ty, tally) in &r.by_type {
        if tally.stances() >= t.min_group && tally.share(Stance::Remove) >= t.remove_share {
            out.push(Flag {
                kind: "remove".into(),
                message: format!(
                    "{} of {} respondents ({} of {}) would remove it (threshold {})",
                    pct(tally.share(Stance::Remove)),
                    ty.label().to_lowercase(),
                    tally.remove,
                    tally.stances(),
                    pct(t.remove_share)
                ),
            });
        }
    }
    let o = &r.overall;
    if o.stances() >= t.min_group && o.share(Stance::Change) >= t.change_share {
        out.push(Flag {
            kind: "change".into(),
            message: format!(
                "{} of all respondents ({} of {}) would change it (threshold {})",
                pct(o.share(Stance::Change)),
                o.change,
                o.stances(),
                pct(t.change_share)
            ),
        });
    }
    let rated: u32 = o.importance.iter().sum();
    if rated >= t.min_group
        && let Some(m) = Tally::mean(&o.importance)
        && m < t.importance_floor
    {
        out.push(Flag {
            kind: "low_importance".into(),
            message: format!("mean importance {m:.1} is below {:.1}", t.importance_floor),
        });
    }
    out
}

/// A survey question's results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct SurveyResult {
    /// Respondents who answered.
    pub answered: u32,
    /// Count per option (choice questions), in the question's order.
    pub options: Vec<OptionCount>,
    /// Ratings 1..=5 (rating questions).
    #[schema(value_type = Vec<u32>)]
    pub ratings: [u32; 5],
    /// Free-text answers (text questions), in the order given.
    pub texts: Vec<String>,
}

/// How many chose one option.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct OptionCount {
    /// The option.
    pub option: String,
    /// How many chose it.
    pub count: u32,
}

/// Aggregates the answers to one question.
pub fn aggregate_survey(q: &Question, answers: &[AnswerValue]) -> SurveyResult {
    let mut r = SurveyResult {
        options: q
            .options
            .iter()
            .map(|o| OptionCount {
                option: o.clone(),
                count: 0,
            })
            .collect(),
        ..SurveyResult::default()
    };
    for a in answers {
        r.answered += 1;
        match a {
            AnswerValue::Single(v) => {
                if let Some(o) = r.options.iter_mut().find(|o| &o.option == v) {
                    o.count += 1;
                }
            }
            AnswerValue::Multiple(vs) => {
                for v in vs {
                    if let Some(o) = r.options.iter_mut().find(|o| &o.option == v) {
                        o.count += 1;
                    }
                }
            }
            AnswerValue::Rating(n) if (1..=5).contains(n) => r.ratings[usize::from(n - 1)] += 1,
            AnswerValue::Rating(_) => {}
            AnswerValue::Text(t) => r.texts.push(t.clone()),
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn names_round_trip_and_unknown_names_say_what_is_expected() {
        for t in StakeholderType::ALL {
            assert_eq!(t.as_str().parse::<StakeholderType>().unwrap(), *t);
        }
        let e = "boss".parse::<StakeholderType>().unwrap_err();
        assert!(e.contains("employer, educator"), "{e}");
        assert_eq!(naics_title("31-33"), Some("Manufacturing"));
        assert_eq!(naics_title("99"), None);
    }

    #[test]
    fn local_times_are_read_in_the_calls_zone() {
        let chicago = parse_zone("tz", "America/Chicago").unwrap();
        // Winter: UTC-6.
        let t = parse_local("opens_at", "2026-12-05T14:00", &chicago).unwrap();
        assert_eq!(t, ts("2026-12-05T20:00:00Z"));
        assert_eq!(show_utc(t), "2026-12-05 20:00 UTC");
        assert_eq!(show_in(t, &chicago), "Sat 5 Dec 2026, 14:00 CST");
        assert_eq!(local_value(t, &chicago), "2026-12-05T14:00");
        // Summer: UTC-5.
        let t = parse_local("opens_at", "2026-07-01T09:30", &chicago).unwrap();
        assert_eq!(t, ts("2026-07-01T14:30:00Z"));
        // The skipped hour of the spring change does not exist.
        let e = parse_local("opens_at", "2026-03-08T02:30", &chicago).unwrap_err();
        assert!(e.message.contains("does not exist"), "{}", e.message);
        // The repeated hour of the autumn change is the earlier one (CDT, UTC-5).
        let t = parse_local("opens_at", "2026-11-01T01:30", &chicago).unwrap();
        assert_eq!(t, ts("2026-11-01T06:30:00Z"));
        assert!(parse_zone("tz", "Mars/Olympus").is_err());
        assert!(parse_local("closes_at", "next tuesday", &chicago).is_err());
    }

    #[test]
    fn the_window_opens_inclusive_and_closes_exclusive() {
        let w = Window {
            opens_at: ts("2026-12-01T00:00:00Z"),
            closes_at: ts("2026-12-10T00:00:00Z"),
            zone: "UTC".into(),
        };
        assert_eq!(w.phase(ts("2026-11-30T23:59:59Z")), Phase::Upcoming);
        assert_eq!(w.phase(ts("2026-12-01T00:00:00Z")), Phase::Open);
        assert_eq!(w.phase(ts("2026-12-09T23:59:59Z")), Phase::Open);
        assert_eq!(w.phase(ts("2026-12-10T00:00:00Z")), Phase::Closed);
        let now = ts("2026-12-05T00:00:00Z");
        assert!(check_window(w.opens_at, w.closes_at, now).is_ok());
        assert!(check_window(w.closes_at, w.opens_at, now).is_err());
        assert!(check_window(ts("2026-01-01T00:00:00Z"), ts("2026-02-01T00:00:00Z"), now).is_err());
        assert!(check_window(now, ts("2028-01-01T00:00:00Z"), now).is_err());
    }

    #[test]
    fn questions_and_answers_are_checked() {
        let qs = vec![
            Question {
                prompt: "Which sector?".into(),
                kind: QuestionKind::Single,
                options: vec!["A".into(), "B".into(), " ".into()],
                required: true,
            },
            Question {
                prompt: "How useful?".into(),
                kind: QuestionKind::Rating,
                options: vec![],
                required: false,
            },
        ];
        let qs = check_questions(&qs).unwrap();
        assert_eq!(qs[0].options, vec!["A", "B"]);
        let bad = check_questions(&[Question {
            prompt: "".into(),
            kind: QuestionKind::Multiple,
            options: vec!["x".into()],
            required: false,
        }])
        .unwrap_err();
        assert_eq!(bad[0].field, "questions[0].prompt");
        let one = check_questions(&[Question {
            prompt: "p".into(),
            kind: QuestionKind::Multiple,
            options: vec!["x".into()],
            required: false,
        }])
        .unwrap_err();
        assert_eq!(one[0].field, "questions[0].options");

        assert!(check_answer("q0", &qs[0], &[]).is_err(), "required");
        assert_eq!(check_answer("q1", &qs[1], &[]).unwrap(), None);
        assert_eq!(
            check_answer("q0", &qs[0], &["B".into()]).unwrap(),
            Some(AnswerValue::Single("B".into()))
        );
        assert!(check_answer("q0", &qs[0], &["C".into()]).is_err());
        assert!(check_answer("q1", &qs[1], &["6".into()]).is_err());
        let multi = Question {
            prompt: "p".into(),
            kind: QuestionKind::Multiple,
            options: vec!["x".into(), "y".into(), "z".into()],
            required: false,
        };
        assert_eq!(
            check_answer("q", &multi, &["z".into(), "x".into()]).unwrap(),
            Some(AnswerValue::Multiple(vec!["x".into(), "z".into()]))
        );
    }

    #[test]
    fn responses_are_checked() {
        let r = StatementResponse {
            stance: Some(Stance::Change),
            importance: Some(6),
            frequency: Some(3),
            comment: "Too vague".into(),
            ..Default::default()
        };
        let e = r.clone().checked("s1", false).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["s1.importance", "s1.frequency", "s1.comment_type"]
        );
        let ok = StatementResponse {
            importance: Some(4),
            comment_type: Some(CommentType::Editorial),
            ..r
        }
        .checked("s1", true)
        .unwrap();
        assert_eq!(ok.comment, "Too vague");
    }

    fn fact(statement: usize, who: StakeholderType, stance: Stance, imp: u8) -> ResponseFact {
        ResponseFact {
            statement,
            stakeholder: who,
            sector: Some("31-33".into()),
            stance: Some(stance),
            importance: Some(imp),
            frequency: None,
            commented: false,
        }
    }

    #[test]
    fn a_quarter_of_employers_removing_raises_a_flag() {
        use StakeholderType::*;
        let facts = vec![
            fact(0, Employer, Stance::Remove, 2),
            fact(0, Employer, Stance::Keep, 4),
            fact(0, Employer, Stance::Keep, 4),
            fact(0, Employer, Stance::Keep, 4),
            fact(0, Educator, Stance::Keep, 5),
            fact(1, Educator, Stance::Keep, 5),
        ];
        let r = aggregate(2, &facts, &Thresholds::default());
        assert_eq!(r[0].overall.respondents, 5);
        assert_eq!(r[0].by_type[&Employer].remove, 1);
        assert_eq!(r[0].flags.len(), 1, "{:?}", r[0].flags);
        assert_eq!(r[0].flags[0].kind, "remove");
        assert!(r[0].flags[0].message.contains("25% of employer"));
        assert!(r[1].flags.is_empty(), "one respondent is too few to flag");
        let strict = Thresholds {
            remove_share: 0.5,
            ..Thresholds::default()
        };
        assert!(aggregate(2, &facts, &strict)[0].flags.is_empty());
        assert_eq!(Tally::mean(&r[0].overall.importance), Some(19.0 / 5.0));
    }

    #[test]
    fn survey_results_count_each_option() {
        let q = Question {
            prompt: "p".into(),
            kind: QuestionKind::Multiple,
            options: vec!["x".into(), "y".into()],
            required: false,
        };
        let r = aggregate_survey(
            &q,
            &[
                AnswerValue::Multiple(vec!["x".into(), "y".into()]),
                AnswerValue::Multiple(vec!["y".into()]),
            ],
        );
        assert_eq!(r.answered, 2);
        let counts: Vec<(&str, u32)> = r
            .options
            .iter()
            .map(|o| (o.option.as_str(), o.count))
            .collect();
        assert_eq!(counts, vec![("x", 1), ("y", 2)]);
    }

    fn any_fact(n: usize) -> impl Strategy<Value = ResponseFact> {
        (
            0..n,
            0..StakeholderType::ALL.len(),
            proptest::option::of(0..3usize),
            proptest::option::of(1u8..=5),
            proptest::option::of(1u8..=5),
            proptest::option::of(prop_oneof![Just("23".to_string()), Just("61".to_string())]),
        )
            .prop_map(|(s, t, st, i, f, sector)| ResponseFact {
                statement: s,
                stakeholder: StakeholderType::ALL[t],
                sector,
                stance: st.map(|k| Stance::ALL[k]),
                importance: i,
                frequency: f,
                commented: false,
            })
    }

    proptest! {
        #[test]
        fn counts_by_type_and_by_sector_add_up_to_the_total(
            facts in proptest::collection::vec(any_fact(4), 0..200)
        ) {
            let r = aggregate(4, &facts, &Thresholds::default());
            let mut all = 0;
            for s in &r {
                let by_type: u32 = s.by_type.values().map(|t| t.respondents).sum();
                let by_sector: u32 = s.by_sector.values().map(|t| t.respondents).sum();
                prop_assert_eq!(by_type, s.overall.respondents);
                prop_assert_eq!(by_sector, s.overall.respondents);
                let removes: u32 = s.by_type.values().map(|t| t.remove).sum();
                prop_assert_eq!(removes, s.overall.remove);
                let imp: u32 = s.by_type.values().map(|t| t.importance.iter().sum::<u32>()).sum();
                prop_assert_eq!(imp, s.overall.importance.iter().sum::<u32>());
                prop_assert!(s.overall.stances() <= s.overall.respondents);
                all += s.overall.respondents;
            }
            prop_assert_eq!(all as usize, facts.len());
        }

        #[test]
        fn removing_a_respondents_facts_removes_exactly_their_counts(
            facts in proptest::collection::vec(any_fact(3), 1..100),
            cut in 0usize..100,
        ) {
            // Withdrawn responses never count: aggregating without some facts gives the
            // totals minus theirs.
            let cut = cut % facts.len();
            let (kept, gone) = facts.split_at(cut);
            let t = Thresholds::default();
            let all = aggregate(3, &facts, &t);
            let part = aggregate(3, kept, &t);
            for i in 0..3 {
                let gone_here = gone.iter().filter(|f| f.statement == i).count() as u32;
                prop_assert_eq!(part[i].overall.respondents + gone_here, all[i].overall.respondents);
            }
        }
    }
}

pub mod dispositions;
