//! Correction suggestions: the rules for what a suggestion may say, which source row it is
//! about, how duplicates are recognised and how editors decide on them.
//!
//! A suggestion concerns one row of a source release (an O*NET task statement, a rated
//! element, a commodity, a row of AI-usage evidence): the row is named by its source,
//! release, file and [`Locator`], and the value the exchange holds for it is recorded
//! beside the proposed value. Two suggestions propose *the same change* when they concern
//! the same row and their proposed values are equal once case, spacing and a final full
//! stop are ignored ([`change_key`]); the queue and the export group them and count the
//! people behind them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::accounts::FieldError;
use crate::frameworks::Locator;

/// Longest "what is wrong" text, in characters.
pub const MAX_PROBLEM: usize = 2_000;
/// Longest proposed value, in characters.
pub const MAX_PROPOSED: usize = 1_000;
/// Longest evidence text, in characters.
pub const MAX_EVIDENCE: usize = 4_000;
/// Longest reason or note an editor gives with a decision, in characters.
pub const MAX_REASON: usize = 2_000;
/// Longest suggester name, in characters.
pub const MAX_NAME: usize = 100;

/// Where a suggestion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionStatus {
    /// Waiting for an editor.
    Open,
    /// The editors agree; the framework will follow and the source's maintainer is told.
    Accepted,
    /// The editors do not agree (a reason is always given).
    Rejected,
    /// Passed on to the maintainer of the source data, who decides.
    Forwarded,
}

impl CorrectionStatus {
    /// Every status, in queue order.
    pub const ALL: [CorrectionStatus; 4] = [
        CorrectionStatus::Open,
        CorrectionStatus::Accepted,
        CorrectionStatus::Rejected,
        CorrectionStatus::Forwarded,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionStatus::Open => "open",
            CorrectionStatus::Accepted => "accepted",
            CorrectionStatus::Rejected => "rejected",
            CorrectionStatus::Forwarded => "forwarded",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            CorrectionStatus::Open => "Waiting for triage",
            CorrectionStatus::Accepted => "Accepted",
            CorrectionStatus::Rejected => "Rejected",
            CorrectionStatus::Forwarded => "Forwarded to the source's maintainer",
        }
    }
}

impl fmt::Display for CorrectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CorrectionStatus {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CorrectionStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "status",
                    format!("{s:?} is not a status (open, accepted, rejected or forwarded)"),
                )
            })
    }
}

/// What an editor decides about a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Agree with it.
    Accept,
    /// Disagree with it (a reason is required).
    Reject,
    /// Pass it on to the source's maintainer.
    Forward,
}

impl Decision {
    /// Every decision.
    pub const ALL: [Decision; 3] = [Decision::Accept, Decision::Reject, Decision::Forward];

    /// The submitted name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Reject => "reject",
            Decision::Forward => "forward",
        }
    }

    /// The status a suggestion takes.
    pub fn status(self) -> CorrectionStatus {
        match self {
            Decision::Accept => CorrectionStatus::Accepted,
            Decision::Reject => CorrectionStatus::Rejected,
            Decision::Forward => CorrectionStatus::Forwarded,
        }
    }
}

impl FromStr for Decision {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decision::ALL
            .into_iter()
            .find(|d| d.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::new("decision", "choose accept, reject or forward".to_string())
            })
    }
}

/// A checked decision with its reason (or note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triage {
    /// The decision.
    pub decision: Decision,
    /// Why (required when rejecting; an optional note otherwise).
    pub reason: Option<String>,
}

/// Characters that hide or reorder text (zero-width and bidirectional controls): refused
/// like control characters, since they make a suggestion read differently from what it says.
fn is_deceptive(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Checks one line of text: trimmed, NFC, at most `max` characters, no control characters.
/// `required` refuses an empty value. Returns the cleaned text.
pub fn check_line(
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String, FieldError> {
    let t: String = value.trim().nfc().collect();
    if t.chars().any(|c| c.is_control() || is_deceptive(c)) {
        return Err(FieldError::new(
            field,
            "remove the control characters (line breaks, tabs, invisible characters); this field takes one line",
        ));
    }
    check_size(field, t, max, required)
}

/// Checks a text of several lines: trimmed, NFC, line breaks kept (as `\n`), tabs made
/// spaces, at most `max` characters, no other control characters.
pub fn check_text(
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String, FieldError> {
    let t: String = value
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\t', " ")
        .trim()
        .nfc()
        .collect();
    if t.chars()
        .any(|c| (c.is_control() && c != '\n') || is_deceptive(c))
    {
        return Err(FieldError::new(
            field,
            "remove the control characters (invisible characters other than line breaks)",
        ));
    }
    check_size(field, t, max, required)
}

fn check_size(field: &str, t: String, max: usize, required: bool) -> Result<String, FieldError> {
    if required && t.is_empty() {
        return Err(FieldError::new(field, "this cannot be empty"));
    }
    let n = t.chars().count();
    if n > max {
        return Err(FieldError::new(
            field,
            format!("use at most {max} characters (this has {n})"),
        ));
    }
    Ok(t)
}

/// What a suggester writes, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuggestionText {
    /// What is wrong with the current value.
    pub problem: String,
    /// The value the row should hold.
    pub proposed_value: String,
    /// How the suggester knows (a source, a link, their experience).
    pub evidence: String,
}

/// Checks what a suggester wrote about a row whose value is `current`; every field's
/// error is reported at once.
pub fn check_suggestion(
    problem: &str,
    proposed_value: &str,
    evidence: &str,
    current: &str,
) -> Result<SuggestionText, Vec<FieldError>> {
    let mut errors = Vec::new();
    let problem = check_text("problem", problem, MAX_PROBLEM, true)
        .map_err(|e| errors.push(e))
        .ok();
    let proposed = check_line("proposed_value", proposed_value, MAX_PROPOSED, true)
        .map_err(|e| errors.push(e))
        .ok();
    let evidence = check_text("evidence", evidence, MAX_EVIDENCE, true)
        .map_err(|e| errors.push(e))
        .ok();
    if let Some(p) = &proposed
        && normalize_value(p) == normalize_value(current)
    {
        errors.push(FieldError::new(
            "proposed_value",
            "this is the value the row holds now; write the value it should hold",
        ));
    }
    match (problem, proposed, evidence) {
        (Some(problem), Some(proposed_value), Some(evidence)) if errors.is_empty() => {
            Ok(SuggestionText {
                problem,
                proposed_value,
                evidence,
            })
        }
        _ => Err(errors),
    }
}

/// Checks a suggester's name (one line, 1–100 characters).
pub fn check_name(name: &str) -> Result<String, FieldError> {
    check_line("name", name, MAX_NAME, true)
}

/// Checks an editor's decision: a known decision, and a reason when rejecting.
pub fn check_triage(decision: &str, reason: &str) -> Result<Triage, Vec<FieldError>> {
    let mut errors = Vec::new();
    let d = decision
        .parse::<Decision>()
        .map_err(|e| errors.push(e))
        .ok();
    let r = check_text("reason", reason, MAX_REASON, false)
        .map_err(|e| errors.push(e))
        .ok();
    if d == Some(Decision::Reject) && r.as_deref().is_some_and(str::is_empty) {
        errors.push(FieldError::new(
            "reason",
            "say why the suggestion is rejected; the suggester is told",
        ));
    }
    match (d, r) {
        (Some(decision), Some(reason)) if errors.is_empty() => Ok(Triage {
            decision,
            reason: (!reason.is_empty()).then_some(reason),
        }),
        _ => Err(errors),
    }
}

/// A value as compared for duplicates: NFKC, lower case, single spaces, no final full stop.
pub fn normalize_value(v: &str) -> String {
    let t: String = v.nfkc().collect::<String>().to_lowercase();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    t.trim_end_matches('.').trim_end().to_string()
}

/// One row of a source release that a suggestion is about, with the value held for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRow {
    /// The occupation the row belongs to (O*NET-SOC code), when it belongs to one.
    pub occupation_code: Option<String>,
    /// Source key, e.g. `onet` or `aei`.
    pub source: String,
    /// Release of the source, e.g. `30.1`.
    pub release: String,
    /// File of the release the row is in, e.g. `Task Statements.txt`.
    pub file: String,
    /// Which row.
    pub locator: Locator,
    /// The value the exchange holds for the row.
    pub current_value: String,
}

impl SourceRow {
    /// The row's identifier inside its file: the task ID, element ID, commodity code, or
    /// for evidence the task ID or SOC code.
    pub fn row_id(&self) -> String {
        locator_id(&self.locator)
    }

    /// The rating scale, for rated elements (`IM`, `LV`, `WI`).
    pub fn scale(&self) -> Option<&str> {
        match &self.locator {
            Locator::Element { scale, .. } => Some(scale),
            _ => None,
        }
    }

    /// A one-line description: `O*NET 30.1 · Task Statements.txt · task 12345`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} · {} · {}",
            source_name(&self.source),
            self.release,
            self.file,
            self.locator.short()
        )
    }
}

/// The identifier of a located row inside its file.
pub fn locator_id(l: &Locator) -> String {
    match l {
        Locator::Task { task_id } => task_id.to_string(),
        // An emerging task has no ID: the task it revises, else none.
        Locator::EmergingTask { revises } => revises.map(|id| id.to_string()).unwrap_or_default(),
        Locator::Element { element_id, .. } => element_id.clone(),
        Locator::Commodity { commodity_code, .. } => commodity_code.to_string(),
        Locator::Evidence {
            task_id, soc_code, ..
        } => match (task_id, soc_code) {
            (Some(t), _) => t.to_string(),
            (None, Some(s)) => s.clone(),
            (None, None) => String::new(),
        },
        Locator::CaseItem { uri } => uri.clone(),
    }
}

/// A source's name as people know it.
pub fn source_name(key: &str) -> &str {
    match key {
        "onet" => "O*NET",
        "aei" => "Anthropic Economic Index",
        "nsx-durable-map" => "NSX durable-skills mapping",
        other => other,
    }
}

/// The file of a source release a located row is in. For O*NET rated elements the rating
/// domain (`skills`, `knowledge`, …, as the importer stores it) names the file; without it
/// the element is placed by its content-model branch.
pub fn source_file(source: &str, locator: &Locator, rating_domain: Option<&str>) -> String {
    match (source, locator) {
        ("onet", Locator::Task { .. }) => "Task Statements.txt".into(),
        ("onet", Locator::EmergingTask { .. }) => "Emerging Tasks.txt".into(),
        ("onet", Locator::Element { element_id, .. }) => {
            let domain = rating_domain.or_else(|| domain_of_element(element_id));
            domain
                .and_then(onet_rating_file)
                .unwrap_or("Content Model Reference.txt")
                .into()
        }
        ("onet", Locator::Commodity { table, .. }) if table == "tool" => "Tools Used.txt".into(),
        ("onet", Locator::Commodity { .. }) => "Technology Skills.txt".into(),
        (_, Locator::Evidence { measure, .. }) => match measure.as_str() {
            "task_usage" | "occupation_usage" => "onet_task_mappings.csv".into(),
            "task_penetration" => "task_penetration.csv".into(),
            "job_exposure" => "job_exposure.csv".into(),
            other => format!("{other}.csv"),
        },
        (other, _) => source_name(other).to_string(),
    }
}

/// The O*NET file holding the ratings of a domain, from the importer's file table.
pub fn onet_rating_file(domain: &str) -> Option<&'static str> {
    crate::onet::FILES
        .iter()
        .find(|f| f.table == "onet_ratings" && f.discriminator.is_some_and(|(_, d)| d == domain))
        .map(|f| f.file)
}

/// The rating domain of an element ID by its content-model branch, for the common ones.
fn domain_of_element(id: &str) -> Option<&'static str> {
    let branches: [(&str, &str); 6] = [
        ("1.A", "abilities"),
        ("1.C", "work_styles"),
        ("1.D", "work_styles"),
        ("2.A", "skills"),
        ("2.B", "skills"),
        ("2.C", "knowledge"),
    ];
    branches
        .iter()
        .find(|(p, _)| id.starts_with(p))
        .map(|(_, d)| *d)
}

/// The namespace of change keys.
const CHANGE_NAMESPACE: Uuid = Uuid::from_u128(0x6e73_7863_6f72_7265_6374_696f_6e00_0001);

/// The key shared by suggestions proposing the same change to the same row: the row (its
/// occupation, source, release, file and locator) and the proposed value as
/// [`normalize_value`] compares it.
pub fn change_key(row: &SourceRow, proposed_value: &str) -> Uuid {
    let text = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        row.occupation_code.as_deref().unwrap_or(""),
        row.source,
        row.release,
        row.file,
        row.locator.short(),
        normalize_value(proposed_value)
    );
    Uuid::new_v5(&CHANGE_NAMESPACE, text.as_bytes())
}

/// The key under which suggestions from one client are counted: an IPv4 address as it is,
/// an IPv6 address by its /64 network (one subscriber usually holds a whole /64, so counting
/// single IPv6 addresses would let one client spread over millions of them).
pub fn client_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// What a "suggest a correction" link on a framework page points at, besides a statement:
/// one of the source rows the version stands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// `task-12345`: an O*NET task statement.
    Task(i64),
    /// `element-2.A.2.a`: a rated O*NET element.
    Element(String),
}

impl FromStr for Anchor {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || {
            FieldError::new(
                "anchor",
                format!(
                    "{:?} is not a source row (use task-<task ID> or element-<element ID>)",
                    s.chars().take(60).collect::<String>()
                ),
            )
        };
        if let Some(t) = s.strip_prefix("task-") {
            return t
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(Anchor::Task)
                .ok_or_else(bad);
        }
        if let Some(e) = s.strip_prefix("element-") {
            let ok = !e.is_empty()
                && e.len() <= 32
                && e.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
            return if ok {
                Ok(Anchor::Element(e.to_string()))
            } else {
                Err(bad())
            };
        }
        Err(bad())
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anchor::Task(t) => write!(f, "task-{t}"),
            Anchor::Element(e) => write!(f, "element-{e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(task: i64) -> SourceRow {
        SourceRow {
            occupation_code: Some("17-3024.00".into()),
            source: "onet".into(),
            release: "30.1".into(),
            file: "Task Statements.txt".into(),
            locator: Locator::Task { task_id: task },
            current_value: "Test the circuits.".into(),
        }
    }

    #[test]
    fn lines_refuse_control_and_invisible_characters_and_long_text() {
        assert_eq!(
            check_line("name", "  Ada  ", 10, true).ok().as_deref(),
            Some("Ada")
        );
        for bad in ["a\u{0}b", "a\nb", "a\u{7}", "a\u{202E}b", "x\u{200B}"] {
            let e = check_line("name", bad, 100, true).unwrap_err();
            assert_eq!(e.field, "name");
        }
        assert!(check_line("name", "   ", 10, true).is_err());
        assert_eq!(check_line("name", "", 10, false).ok().as_deref(), Some(""));
        let long = "é".repeat(11);
        assert!(
            check_line("name", &long, 10, true)
                .unwrap_err()
                .message
                .contains("at most 10")
        );
    }

    #[test]
    fn texts_keep_line_breaks_but_nothing_else_invisible() {
        let t = check_text("problem", "one\r\ntwo\tthree", 100, true).unwrap();
        assert_eq!(t, "one\ntwo three");
        assert!(check_text("problem", "bell\u{7}", 100, true).is_err());
        assert!(check_text("problem", "\u{2066}x", 100, true).is_err());
    }

    #[test]
    fn a_suggestion_reports_every_field_at_once() {
        let errs = check_suggestion("", "", "", "x").unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["problem", "proposed_value", "evidence"]);
        // Proposing what is already there is not a correction.
        let errs = check_suggestion(
            "typo",
            "test the circuits",
            "I checked",
            "Test the circuits.",
        )
        .unwrap_err();
        assert_eq!(errs[0].field, "proposed_value");
        let ok = check_suggestion(
            "Misspelt",
            "Test the circuits with meters.",
            "The manual",
            "Test the circuits.",
        )
        .unwrap();
        assert_eq!(ok.proposed_value, "Test the circuits with meters.");
    }

    #[test]
    fn rejecting_needs_a_reason() {
        assert!(check_triage("accept", "").unwrap().reason.is_none());
        let e = check_triage("reject", "  ").unwrap_err();
        assert_eq!(e[0].field, "reason");
        assert_eq!(
            check_triage("reject", "Not supported by the source")
                .unwrap()
                .decision,
            Decision::Reject
        );
        assert_eq!(check_triage("delete", "").unwrap_err()[0].field, "decision");
        assert_eq!(Decision::Forward.status(), CorrectionStatus::Forwarded);
    }

    #[test]
    fn the_same_change_has_the_same_key() {
        let a = change_key(&row(1), "Test the circuits with meters.");
        let b = change_key(&row(1), "  test the   circuits with METERS ");
        assert_eq!(a, b);
        assert_ne!(a, change_key(&row(2), "Test the circuits with meters."));
        assert_ne!(a, change_key(&row(1), "Test the circuits with scopes."));
        let mut other_release = row(1);
        other_release.release = "29.3".into();
        assert_ne!(
            a,
            change_key(&other_release, "Test the circuits with meters.")
        );
    }

    #[test]
    fn rows_are_placed_in_their_files() {
        let el = |id: &str| Locator::Element {
            element_id: id.into(),
            scale: "IM".into(),
        };
        assert_eq!(
            source_file("onet", &el("2.A.2.a"), Some("skills")),
            "Skills.txt"
        );
        assert_eq!(source_file("onet", &el("2.C.3.a"), None), "Knowledge.txt");
        assert_eq!(
            source_file("onet", &el("1.C.1.a"), Some("work_styles")),
            "Work Styles.txt"
        );
        assert_eq!(
            source_file("onet", &Locator::Task { task_id: 1 }, None),
            "Task Statements.txt"
        );
        assert_eq!(
            source_file(
                "onet",
                &Locator::Commodity {
                    commodity_code: 1,
                    table: "tool".into()
                },
                None
            ),
            "Tools Used.txt"
        );
        let ev = Locator::Evidence {
            measure: "task_penetration".into(),
            task_id: Some(5),
            soc_code: None,
        };
        assert_eq!(source_file("aei", &ev, None), "task_penetration.csv");
        assert_eq!(locator_id(&ev), "5");
    }

    #[test]
    fn anchors_parse_strictly() {
        assert_eq!(
            "task-12345".parse::<Anchor>().ok(),
            Some(Anchor::Task(12345))
        );
        assert_eq!(
            "element-2.A.2.a".parse::<Anchor>().ok(),
            Some(Anchor::Element("2.A.2.a".into()))
        );
        for bad in [
            "task-",
            "task--1",
            "task-x",
            "element-",
            "element-<b>",
            "foo-1",
        ] {
            assert_eq!(bad.parse::<Anchor>().unwrap_err().field, "anchor", "{bad}");
        }
        assert_eq!(Anchor::Task(7).to_string(), "task-7");
    }

    #[test]
    fn ipv6_clients_are_counted_by_network() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_eq!(client_key(a), "2001:db8:1:2::/64");
        let v4: std::net::IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(client_key(v4), "192.0.2.7");
        let mapped: std::net::IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7");
    }

    #[test]
    fn statuses_round_trip() {
        for s in CorrectionStatus::ALL {
            assert_eq!(s.as_str().parse::<CorrectionStatus>().ok(), Some(s));
        }
        assert!("closed".parse::<CorrectionStatus>().is_err());
    }
}
