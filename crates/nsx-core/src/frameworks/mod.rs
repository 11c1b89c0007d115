//! Occupation frameworks: the model (framework → versions → sections → statements with
//! citations), the drafter that writes a draft version from an occupation's source rows,
//! and the linter that checks every framework.
//!
//! Everything here is pure: the drafter is a function from [`draft::OccupationInputs`] to
//! [`draft::Draft`], the linter a function from a draft to findings.

pub mod case;
pub mod case_read;
pub mod diff;
pub mod draft;
pub mod durable;
pub mod edit;
pub mod editorial;
pub mod grammar;
pub mod levels;
pub mod lint;
pub mod parse;
pub mod table;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The namespace of every stable framework identifier (UUID v5 names hang off it).
pub const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6e73_7866_7261_6d65_776f_726b_7300_0001);

/// The stable id of an occupation's framework (the same on every node and every re-draft).
pub fn framework_id(code: &str) -> Uuid {
    Uuid::new_v5(&ID_NAMESPACE, format!("framework:{code}").as_bytes())
}

/// The stable id of one version of an occupation's framework.
pub fn version_id(code: &str, label: &VersionLabel) -> Uuid {
    Uuid::new_v5(&ID_NAMESPACE, format!("version:{code}:{label}").as_bytes())
}

/// The stable id of a statement's item: the same subject at the same level of the same
/// section keeps its item id across versions (what CASE calls a CFItem identifier).
pub fn item_id(code: &str, section: Section, level: &str, subject: &str) -> Uuid {
    let key = crate::evidence::task_key(subject);
    Uuid::new_v5(
        &ID_NAMESPACE,
        format!("item:{code}:{}:{level}:{key}", section.as_str()).as_bytes(),
    )
}

/// The id of a statement row inside one version.
pub fn statement_id(version: Uuid, item: Uuid) -> Uuid {
    Uuid::new_v5(&version, item.as_bytes())
}

/// An error in framework data given from outside (a version label, a status name).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FrameworkError(pub String);

/// A framework version label, `vYY.MM` (e.g. `v26.05`): the year and month it was cut.
/// A second version cut in the same month is `vYY.MM.2`, a third `vYY.MM.3`, and so on, so
/// labels stay unique per framework and sort in the order they were cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionLabel {
    /// Two-digit year (26 for 2026).
    pub year: u8,
    /// Month, 1–12.
    pub month: u8,
    /// 1 for the month's first label (written without a suffix), 2 and up after it.
    pub seq: u8,
}

impl VersionLabel {
    /// A label from a year (two or four digits) and a month.
    pub fn new(year: u16, month: u8) -> Result<Self, FrameworkError> {
        let yy = if year >= 2000 { year - 2000 } else { year };
        if yy > 99 || !(1..=12).contains(&month) {
            return Err(FrameworkError(format!(
                "no version label for year {year}, month {month}"
            )));
        }
        Ok(VersionLabel {
            year: yy as u8,
            month,
            seq: 1,
        })
    }

    /// The label for a calendar date.
    pub fn for_date(date: time::Date) -> Self {
        VersionLabel {
            year: (date.year().rem_euclid(100)) as u8,
            month: date.month() as u8,
            seq: 1,
        }
    }

    /// The same month's label with another sequence number.
    pub fn with_seq(self, seq: u8) -> Self {
        VersionLabel {
            seq: seq.max(1),
            ..self
        }
    }

    /// Whether two labels were cut in the same month.
    pub fn same_month(&self, other: &VersionLabel) -> bool {
        self.year == other.year && self.month == other.month
    }

    /// The first label of `month`'s that none of `taken` uses.
    pub fn next_free<'a>(
        month: VersionLabel,
        taken: impl IntoIterator<Item = &'a VersionLabel>,
    ) -> Result<VersionLabel, FrameworkError> {
        let used: std::collections::HashSet<u8> = taken
            .into_iter()
            .filter(|l| l.same_month(&month))
            .map(|l| l.seq)
            .collect();
        (1..=u8::MAX)
            .map(|seq| month.with_seq(seq))
            .find(|l| !used.contains(&l.seq))
            .ok_or_else(|| FrameworkError(format!("no label left in {month}")))
    }
}

impl fmt::Display for VersionLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{:02}.{:02}", self.year, self.month)?;
        if self.seq > 1 {
            write!(f, ".{}", self.seq)?;
        }
        Ok(())
    }
}

impl FromStr for VersionLabel {
    type Err = FrameworkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            FrameworkError(format!(
                "{s:?} is not a version label like v26.05 or v26.05.2"
            ))
        };
        let rest = s.trim().strip_prefix(['v', 'V']).ok_or_else(bad)?;
        let rest = rest.strip_prefix('.').unwrap_or(rest);
        let mut parts = rest.split('.');
        let (Some(y), Some(m)) = (parts.next(), parts.next()) else {
            return Err(bad());
        };
        let seq = match parts.next() {
            None => 1,
            Some(n) if !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()) => {
                let n: u8 = n.parse().map_err(|_| bad())?;
                if n < 2 {
                    return Err(bad());
                }
                n
            }
            Some(_) => return Err(bad()),
        };
        if parts.next().is_some() || y.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        if !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let y: u16 = y.parse().map_err(|_| bad())?;
        let m: u8 = m.parse().map_err(|_| bad())?;
        Ok(VersionLabel::new(y, m).map_err(|_| bad())?.with_seq(seq))
    }
}

impl Serialize for VersionLabel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for VersionLabel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The stable public path of a framework version.
pub fn version_path(code: &str, label: &VersionLabel) -> String {
    format!("/frameworks/{code}/{label}")
}

/// Where a framework version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Written by the drafter or an editor; may be replaced.
    Draft,
    /// Open for a public call for input.
    InReview,
    /// Published; never overwritten.
    Published,
    /// Published once, replaced by a newer published version; still readable.
    Superseded,
    /// A draft its editors dropped; kept readable so links to it explain what happened.
    Discarded,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::InReview,
        Status::Published,
        Status::Superseded,
        Status::Discarded,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::Published => "published",
            Status::Superseded => "superseded",
            Status::Discarded => "discarded",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::InReview => "In review",
            Status::Published => "Published",
            Status::Superseded => "Superseded",
            Status::Discarded => "Discarded",
        }
    }

    /// Whether a version may move from this status to `to`: a draft goes to review (and
    /// back) or is discarded, a reviewed draft is published, a published version is only
    /// superseded (by publishing a newer one).
    pub fn can_become(self, to: Status) -> bool {
        matches!(
            (self, to),
            (Status::Draft, Status::InReview)
                | (Status::Draft, Status::Discarded)
                | (Status::InReview, Status::Draft)
                | (Status::InReview, Status::Published)
                | (Status::Published, Status::Superseded)
        )
    }

    /// Whether the version's content can never change again.
    pub fn is_frozen(self) -> bool {
        matches!(
            self,
            Status::Published | Status::Superseded | Status::Discarded
        )
    }

    /// Whether the drafter may replace this version's content.
    pub fn is_replaceable(self) -> bool {
        self == Status::Draft
    }
}

impl FromStr for Status {
    type Err = FrameworkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| FrameworkError(format!("{s:?} is not a framework status")))
    }
}

/// The four mastery levels of technical and AI-usage statements.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MasteryLevel {
    /// Entry / apprentice: works under direct supervision on routine work.
    Emerging,
    /// Mid-level: works with minimal oversight and handles standard faults.
    Developing,
    /// Senior or expert individual contributor: autonomous on non-routine work.
    Proficient,
    /// Lead / principal: sets standards, leads people, governs across the organization.
    Advanced,
}

impl MasteryLevel {
    /// The levels in ascending order.
    pub const ALL: [MasteryLevel; 4] = [
        MasteryLevel::Emerging,
        MasteryLevel::Developing,
        MasteryLevel::Proficient,
        MasteryLevel::Advanced,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MasteryLevel::Emerging => "emerging",
            MasteryLevel::Developing => "developing",
            MasteryLevel::Proficient => "proficient",
            MasteryLevel::Advanced => "advanced",
        }
    }

    /// The level's name.
    pub fn label(self) -> &'static str {
        match self {
            MasteryLevel::Emerging => "Emerging",
            MasteryLevel::Developing => "Developing",
            MasteryLevel::Proficient => "Proficient",
            MasteryLevel::Advanced => "Advanced",
        }
    }

    /// The role band the level stands for.
    pub fn role(self) -> &'static str {
        match self {
            MasteryLevel::Emerging => "Entry / apprentice",
            MasteryLevel::Developing => "Mid-level",
            MasteryLevel::Proficient => "Senior / expert individual contributor",
            MasteryLevel::Advanced => "Lead / principal",
        }
    }

    /// 0-based rank.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

/// The ten durable-skill domains.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DurableDomain {
    /// Communication.
    Communication,
    /// Leadership.
    Leadership,
    /// Metacognition.
    Metacognition,
    /// Critical thinking.
    CriticalThinking,
    /// Collaboration.
    Collaboration,
    /// Character.
    Character,
    /// Creativity.
    Creativity,
    /// Growth mindset.
    GrowthMindset,
    /// Mindfulness.
    Mindfulness,
    /// Fortitude.
    Fortitude,
}

impl DurableDomain {
    /// The domains in display order.
    pub const ALL: [DurableDomain; 10] = [
        DurableDomain::Communication,
        DurableDomain::Leadership,
        DurableDomain::Metacognition,
        DurableDomain::CriticalThinking,
        DurableDomain::Collaboration,
        DurableDomain::Character,
        DurableDomain::Creativity,
        DurableDomain::GrowthMindset,
        DurableDomain::Mindfulness,
        DurableDomain::Fortitude,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DurableDomain::Communication => "communication",
            DurableDomain::Leadership => "leadership",
            DurableDomain::Metacognition => "metacognition",
            DurableDomain::CriticalThinking => "critical_thinking",
            DurableDomain::Collaboration => "collaboration",
            DurableDomain::Character => "character",
            DurableDomain::Creativity => "creativity",
            DurableDomain::GrowthMindset => "growth_mindset",
            DurableDomain::Mindfulness => "mindfulness",
            DurableDomain::Fortitude => "fortitude",
        }
    }

    /// The domain's name.
    pub fn label(self) -> &'static str {
        match self {
            DurableDomain::Communication => "Communication",
            DurableDomain::Leadership => "Leadership",
            DurableDomain::Metacognition => "Metacognition",
            DurableDomain::CriticalThinking => "Critical Thinking",
            DurableDomain::Collaboration => "Collaboration",
            DurableDomain::Character => "Character",
            DurableDomain::Creativity => "Creativity",
            DurableDomain::GrowthMindset => "Growth Mindset",
            DurableDomain::Mindfulness => "Mindfulness",
            DurableDomain::Fortitude => "Fortitude",
        }
    }
}

impl FromStr for DurableDomain {
    type Err = FrameworkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DurableDomain::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| FrameworkError(format!("{s:?} is not a durable-skill domain")))
    }
}

/// The four levels of durable-skill statements.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DurableLevel {
    /// Shows the behaviour with prompting in routine situations.
    Emerging,
    /// Shows it unprompted in everyday work.
    Developing,
    /// Applies it reliably in demanding situations and helps peers.
    Applying,
    /// Models it and builds it in others.
    Exceeding,
}

impl DurableLevel {
    /// The levels in ascending order.
    pub const ALL: [DurableLevel; 4] = [
        DurableLevel::Emerging,
        DurableLevel::Developing,
        DurableLevel::Applying,
        DurableLevel::Exceeding,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DurableLevel::Emerging => "emerging",
            DurableLevel::Developing => "developing",
            DurableLevel::Applying => "applying",
            DurableLevel::Exceeding => "exceeding",
        }
    }

    /// The level's name.
    pub fn label(self) -> &'static str {
        match self {
            DurableLevel::Emerging => "Emerging",
            DurableLevel::Developing => "Developing",
            DurableLevel::Applying => "Applying",
            DurableLevel::Exceeding => "Exceeding",
        }
    }
}

/// The sections of a framework version that hold statements.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Technical statements at four mastery levels.
    Technical,
    /// Durable-skill statements in ten domains at four levels.
    Durable,
    /// AI-usage statements per mastery level.
    AiUsage,
}

impl Section {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Technical => "technical",
            Section::Durable => "durable",
            Section::AiUsage => "ai_usage",
        }
    }
}

impl FromStr for Section {
    type Err = FrameworkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Section::Technical, Section::Durable, Section::AiUsage]
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| FrameworkError(format!("{s:?} is not a framework section")))
    }
}

/// The level a statement sits at: a mastery level (technical, AI usage) or a durable level.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(tag = "scale", content = "level", rename_all = "snake_case")]
pub enum Level {
    /// A mastery level.
    Mastery(MasteryLevel),
    /// A durable-skill level.
    Durable(DurableLevel),
}

impl Level {
    /// The stored name of the level.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Mastery(m) => m.as_str(),
            Level::Durable(d) => d.as_str(),
        }
    }

    /// The level's name.
    pub fn label(self) -> &'static str {
        match self {
            Level::Mastery(m) => m.label(),
            Level::Durable(d) => d.label(),
        }
    }

    /// 0-based rank on its scale.
    pub fn rank(self) -> u8 {
        match self {
            Level::Mastery(m) => m as u8,
            Level::Durable(d) => d as u8,
        }
    }

    /// Reads a stored level name for a section.
    pub fn parse(section: Section, s: &str) -> Result<Level, FrameworkError> {
        let bad = || FrameworkError(format!("{s:?} is not a level of {}", section.as_str()));
        match section {
            Section::Durable => DurableLevel::ALL
                .into_iter()
                .find(|l| l.as_str() == s)
                .map(Level::Durable)
                .ok_or_else(bad),
            _ => MasteryLevel::ALL
                .into_iter()
                .find(|l| l.as_str() == s)
                .map(Level::Mastery)
                .ok_or_else(bad),
        }
    }
}

/// Where in a source a citation points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Locator {
    /// An O*NET task statement (with its importance where rated).
    Task {
        /// O*NET task ID.
        task_id: i64,
    },
    /// An O*NET emerging task (`Emerging Tasks.txt`), which has no ID of its own: the
    /// citation's text is the task.
    EmergingTask {
        /// The listed task it is a newer wording of, for a revision.
        revises: Option<i64>,
    },
    /// A rated O*NET element (skill, knowledge, work style, work activity) on a scale.
    Element {
        /// Content-model element ID, e.g. `2.A.2.a`.
        element_id: String,
        /// Rating scale, e.g. `IM` (importance) or `WI` (work-style impact).
        scale: String,
    },
    /// An O*NET technology-skill or tool commodity.
    Commodity {
        /// UNSPSC commodity code.
        commodity_code: i64,
        /// `technology` or `tool`.
        table: String,
    },
    /// A row of AI-usage evidence.
    Evidence {
        /// What the figure is: `task_usage`, `task_penetration` or `job_exposure`.
        measure: String,
        /// The O*NET task the row matched, if it is a task figure.
        task_id: Option<i64>,
        /// The SOC code, if it is an occupation figure.
        soc_code: Option<String>,
    },
    /// An item of a framework published elsewhere (a CASE `CFItem`), by its URI: where an
    /// imported statement came from.
    CaseItem {
        /// The item's URI (or `urn:uuid:` and its identifier when the package gave none).
        uri: String,
    },
}

impl Locator {
    /// A short, stable text form (`task 12345`, `element 2.A.2.a/IM`).
    pub fn short(&self) -> String {
        match self {
            Locator::Task { task_id } => format!("task {task_id}"),
            Locator::EmergingTask { revises: None } => "emerging-task".into(),
            Locator::EmergingTask { revises: Some(id) } => format!("emerging-task revises {id}"),
            Locator::Element { element_id, scale } => format!("element {element_id}/{scale}"),
            Locator::Commodity {
                commodity_code,
                table,
            } => format!("{table} {commodity_code}"),
            Locator::Evidence {
                measure,
                task_id,
                soc_code,
            } => match (task_id, soc_code) {
                (Some(t), _) => format!("{measure} task {t}"),
                (None, Some(s)) => format!("{measure} {s}"),
                _ => measure.clone(),
            },
            Locator::CaseItem { uri } => format!("item {uri}"),
        }
    }
}

/// One citation of a statement: which source, which release, where in it, and the cited
/// row's text as it stood when the statement was drafted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Citation {
    /// Source key (see [`Source::key`]), e.g. `onet`, `aei`.
    pub source: String,
    /// Release of the source the row comes from, e.g. `30.1`.
    pub release: String,
    /// The row.
    pub locator: Locator,
    /// The cited row's text (task statement, element name, commodity title, figure).
    pub text: String,
    /// The row's figure, when the citation rests on one (importance, usage share…).
    pub value: Option<f64>,
}

/// A framework statement: a subject and a verb-led performance at a level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Statement {
    /// Section it belongs to.
    pub section: Section,
    /// Durable-skill domain (durable section only).
    pub domain: Option<DurableDomain>,
    /// Level.
    pub level: Level,
    /// 1-based position within its section, domain and level.
    pub order: u32,
    /// What the statement is about, e.g. "Electromechanical assemblies".
    pub subject: String,
    /// What the worker does, verb first, with its conditions and context.
    pub performance: String,
    /// Provenance; never empty in a valid framework.
    pub citations: Vec<Citation>,
}

impl Statement {
    /// The full statement as one sentence.
    pub fn full_text(&self) -> String {
        format!("{} — {}", self.subject, self.performance)
    }

    /// A file-like location for messages: `technical/proficient#3`, `durable/fortitude/applying#1`.
    pub fn location(&self) -> String {
        match self.domain {
            Some(d) => format!(
                "{}/{}/{}#{}",
                self.section.as_str(),
                d.as_str(),
                self.level.as_str(),
                self.order
            ),
            None => format!(
                "{}/{}#{}",
                self.section.as_str(),
                self.level.as_str(),
                self.order
            ),
        }
    }
}

/// A source the framework cites, with what must be shown wherever its data is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Source {
    /// Short key, e.g. `onet`.
    pub key: String,
    /// Name, e.g. "O*NET Database".
    pub name: String,
    /// Publisher.
    pub publisher: String,
    /// Release.
    pub release: String,
    /// Where to get it.
    pub url: String,
    /// Licence.
    pub licence: String,
    /// Attribution text to display.
    pub attribution: String,
}

/// The source record for an O*NET release.
pub fn onet_source(release: &str) -> Source {
    Source {
        key: "onet".into(),
        name: "O*NET Database".into(),
        publisher: "National Center for O*NET Development, for the U.S. Department of Labor, Employment and Training Administration".into(),
        release: release.into(),
        url: format!("https://www.onetcenter.org/database.html#{release}"),
        licence: "CC BY 4.0".into(),
        attribution: format!(
            "Includes information from the O*NET {release} Database by the U.S. Department of Labor, Employment and Training Administration (USDOL/ETA), used under the CC BY 4.0 license. O*NET® is a trademark of USDOL/ETA. NSX has modified the information; USDOL/ETA has not approved, endorsed or tested these modifications."
        ),
    }
}

/// The source record for a release of the Anthropic Economic Index.
pub fn aei_source(release: &str) -> Source {
    Source {
        key: "aei".into(),
        name: "Anthropic Economic Index".into(),
        publisher: "Anthropic".into(),
        release: release.into(),
        url: "https://huggingface.co/datasets/Anthropic/EconomicIndex".into(),
        licence: "CC BY (data)".into(),
        attribution: format!(
            "AI-usage figures from the Anthropic Economic Index ({release}), Anthropic; see Handa et al. (2025), arXiv:2503.04761. Task text from O*NET (USDOL/ETA, CC BY 4.0)."
        ),
    }
}

/// Where the exchange publishes the durable-skills mapping table (a site-absolute path, so it
/// resolves the same from every page).
pub const MAPPING_PAGE: &str = "/sources/durable-skills-mapping";

/// The source record for NSX's own durable-skills mapping table.
pub fn mapping_source() -> Source {
    Source {
        key: "nsx-durable-map".into(),
        name: "NSX durable-skills mapping".into(),
        publisher: "NSX".into(),
        release: durable::MAPPING_VERSION.into(),
        url: MAPPING_PAGE.into(),
        licence: "CC BY 4.0".into(),
        attribution:
            "Durable-skill domains grounded in O*NET elements through the NSX mapping table.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_labels_round_trip() {
        let v: VersionLabel = "v26.05".parse().unwrap();
        assert_eq!(v, VersionLabel::new(2026, 5).unwrap());
        assert_eq!(v.to_string(), "v26.05");
        assert_eq!("v.26.05".parse::<VersionLabel>().unwrap(), v);
        for bad in ["26.05", "v26.13", "v2026.05", "v26.5", "vxx.yy", ""] {
            assert!(bad.parse::<VersionLabel>().is_err(), "{bad}");
        }
        assert!("v26.04".parse::<VersionLabel>().unwrap() < v);
        let d = time::Date::from_calendar_date(2026, time::Month::November, 3).unwrap();
        assert_eq!(VersionLabel::for_date(d).to_string(), "v26.11");
        assert_eq!(
            version_path("17-3024.00", &v),
            "/frameworks/17-3024.00/v26.05"
        );
    }

    #[test]
    fn status_transitions_follow_the_review_cycle() {
        use Status::*;
        assert!(Draft.can_become(InReview));
        assert!(InReview.can_become(Published));
        assert!(Published.can_become(Superseded));
        assert!(!Draft.can_become(Published));
        assert!(!Published.can_become(Draft));
        assert!(!Superseded.can_become(Published));
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
            assert!(!s.can_become(s));
        }
        assert!(Draft.is_replaceable() && !Published.is_replaceable());
        assert!(Draft.can_become(Discarded) && !Published.can_become(Discarded));
        assert!(Published.is_frozen() && Superseded.is_frozen() && !Draft.is_frozen());
    }

    #[test]
    fn a_second_label_in_a_month_gets_a_sequence_number() {
        let may: VersionLabel = "v26.05".parse().unwrap();
        let second: VersionLabel = "v26.05.2".parse().unwrap();
        assert_eq!(second, may.with_seq(2));
        assert_eq!(second.to_string(), "v26.05.2");
        assert!(may < second && second < "v26.06".parse().unwrap());
        for bad in [
            "v26.05.1",
            "v26.05.",
            "v26.05.x",
            "v26.05.2.1",
            "v26.05.1000",
        ] {
            assert!(bad.parse::<VersionLabel>().is_err(), "{bad}");
        }
        let taken = [may, second, "v26.04".parse().unwrap()];
        assert_eq!(
            VersionLabel::next_free(may, taken.iter())
                .unwrap()
                .to_string(),
            "v26.05.3"
        );
        let june: VersionLabel = "v26.06".parse().unwrap();
        assert_eq!(VersionLabel::next_free(june, taken.iter()).unwrap(), june);
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = framework_id("17-3024.00");
        assert_eq!(a, framework_id("17-3024.00"));
        assert_ne!(a, framework_id("17-3024.01"));
        let v: VersionLabel = "v26.05".parse().unwrap();
        let i1 = item_id("17-3024.00", Section::Technical, "emerging", "Parts");
        assert_eq!(
            i1,
            item_id("17-3024.00", Section::Technical, "emerging", "parts")
        );
        assert_ne!(
            i1,
            item_id("17-3024.00", Section::Technical, "developing", "Parts")
        );
        let s1 = statement_id(version_id("17-3024.00", &v), i1);
        let w: VersionLabel = "v26.06".parse().unwrap();
        assert_ne!(s1, statement_id(version_id("17-3024.00", &w), i1));
    }

    #[test]
    fn levels_parse_per_section() {
        assert_eq!(
            Level::parse(Section::Durable, "applying").unwrap(),
            Level::Durable(DurableLevel::Applying)
        );
        assert!(Level::parse(Section::Technical, "applying").is_err());
        assert_eq!(
            Level::parse(Section::AiUsage, "advanced").unwrap().rank(),
            3
        );
    }
}
