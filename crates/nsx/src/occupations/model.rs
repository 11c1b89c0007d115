//! What the catalog shows about occupations: the shapes the pages render and the API
//! returns. Every datum carries a [`Citation`] naming its source, release and row.

use serde::Serialize;
use utoipa::ToSchema;

/// Where one datum comes from: a source, its release, and the row within it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = DatumSource)]
pub struct Citation {
    /// Source key: `onet`, `cip` (NCES CIP–SOC crosswalk) or `rapids`.
    pub source: String,
    /// The release or edition the datum was read from, e.g. `30.1`.
    pub release: String,
    /// The row within the release, e.g. `Task 90001` or `Element 2.A.1.a`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
}

impl Citation {
    /// An O*NET citation.
    pub fn onet(release: &str, locator: Option<String>) -> Self {
        Citation {
            source: "onet".into(),
            release: release.to_string(),
            locator,
        }
    }

    /// The source's display name.
    pub fn source_name(&self) -> &'static str {
        source_name(&self.source)
    }

    /// A short human locator: "O*NET 30.1 · Task 90001".
    pub fn label(&self) -> String {
        let head = match self.source.as_str() {
            "cip" => format!("NCES CIP {}–SOC 2018", self.release),
            "rapids" => "RAPIDS".to_string(),
            _ => format!("{} {}", self.source_name(), self.release),
        };
        match &self.locator {
            Some(l) => format!("{head} · {l}"),
            None => head,
        }
    }
}

/// Display name of a source key.
pub fn source_name(source: &str) -> &'static str {
    match source {
        "onet" => "O*NET",
        "onet_supplement" => "O*NET (supplement)",
        "cip" | "crosswalk" => "Crosswalk",
        "rapids" => "RAPIDS",
        "aei" => "Anthropic Economic Index",
        _ => "Other source",
    }
}

/// One occupation as lists show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccupationSummary {
    /// O*NET-SOC code, e.g. `17-3024.00`.
    pub code: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The O*NET release the title and description come from.
    pub release: String,
    /// 6-digit SOC 2018 code.
    pub soc_code: String,
    /// 2-digit SOC major group.
    pub major_group: String,
    /// Title of the major group.
    pub major_group_title: String,
    /// Job Zone (1–5), when assigned.
    pub job_zone: Option<i64>,
    /// Job Zone short label, e.g. "Medium preparation".
    pub job_zone_label: Option<String>,
    /// Task statements in the newest release that has any.
    pub task_count: i64,
    /// Whether the occupation has enough source data for a framework.
    pub framework_ready: bool,
    /// Why not, when not.
    pub readiness_reason: Option<String>,
    /// The occupation's page.
    pub url: String,
}

/// One page of occupations.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccupationList {
    /// How many occupations match the filters in all.
    pub total: i64,
    /// The page size used.
    pub limit: i64,
    /// How many matches were skipped.
    pub offset: i64,
    /// This page.
    pub items: Vec<OccupationSummary>,
}

/// The Job Zone and what it means.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobZone {
    /// 1–5.
    pub zone: i64,
    /// Short label.
    pub label: String,
    /// O*NET's name for the zone.
    pub name: Option<String>,
    /// Experience usually needed.
    pub experience: Option<String>,
    /// Education usually needed.
    pub education: Option<String>,
    /// Job training usually needed.
    pub job_training: Option<String>,
    /// Example occupations.
    pub examples: Option<String>,
    /// Specific vocational preparation range.
    pub svp_range: Option<String>,
    /// Source.
    pub citation: Citation,
}

/// Share of workers reporting one required level of education.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EducationLevel {
    /// O*NET category number.
    pub category: i64,
    /// What the category means, e.g. "Associate's Degree".
    pub description: String,
    /// Percent of respondents.
    pub percent: f64,
    /// Source.
    pub citation: Citation,
}

/// A task statement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    /// O*NET task ID.
    pub task_id: i64,
    /// The statement.
    pub statement: String,
    /// `Core` or `Supplemental`, when rated.
    pub task_type: Option<String>,
    /// Importance (IM scale, 1–5).
    pub importance: Option<f64>,
    /// Relevance (RT scale, percent of incumbents).
    pub relevance: Option<f64>,
    /// Source.
    pub citation: Citation,
}

/// A task reported as new or revised, not yet part of the rated task list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmergingTask {
    /// The statement.
    pub statement: String,
    /// `New` or `Revision`.
    pub category: Option<String>,
    /// The task it revises.
    pub original_task_id: Option<i64>,
    /// Source.
    pub citation: Citation,
}

/// A skill, knowledge area, ability or work style with its ratings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatedElement {
    /// Content-model element ID, e.g. `2.A.1.a`.
    pub element_id: String,
    /// Element name.
    pub name: String,
    /// Importance (IM scale, 1–5).
    pub importance: Option<f64>,
    /// Level (LV scale, 0–7).
    pub level: Option<f64>,
    /// Work-style impact (WI scale, −3 to +3; O*NET 30.1 and later).
    pub impact: Option<f64>,
    /// Work-style distinctiveness rank (DR scale, 0–10).
    pub distinctiveness: Option<f64>,
    /// O*NET marks the level not relevant to this occupation.
    pub not_relevant: bool,
    /// O*NET recommends suppressing a rating (low precision).
    pub suppressed: bool,
    /// Source.
    pub citation: Citation,
}

/// A technology used on the job.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Technology {
    /// Product or example, e.g. "Autodesk AutoCAD".
    pub example: String,
    /// UNSPSC commodity code.
    pub commodity_code: Option<i64>,
    /// UNSPSC commodity title.
    pub commodity_title: Option<String>,
    /// Hot technology (frequently in job postings).
    pub hot: bool,
    /// In demand (frequently in this occupation's postings).
    pub in_demand: bool,
    /// Source.
    pub citation: Citation,
}

/// A tool used on the job.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tool {
    /// Tool example.
    pub example: String,
    /// UNSPSC commodity code.
    pub commodity_code: Option<i64>,
    /// UNSPSC commodity title.
    pub commodity_title: Option<String>,
    /// Source.
    pub citation: Citation,
}

/// Another title the occupation is known by.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlternateTitle {
    /// The title.
    pub title: String,
    /// A short form.
    pub short_title: Option<String>,
    /// O*NET's source codes for the title.
    pub sources: Option<String>,
    /// Source.
    pub citation: Citation,
}

/// A job title reported by workers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportedTitle {
    /// The title.
    pub title: String,
    /// Whether My Next Move shows it.
    pub shown_in_my_next_move: bool,
    /// Source.
    pub citation: Citation,
}

/// An occupation O*NET relates to this one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelatedOccupation {
    /// Its code.
    pub code: String,
    /// Its title, when it is in the catalog.
    pub title: Option<String>,
    /// Relatedness tier, e.g. `Primary-Short`.
    pub tier: Option<String>,
    /// Rank within the tier.
    pub index: Option<i64>,
    /// Source.
    pub citation: Citation,
}

/// An education programme (CIP) that leads to the occupation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CipProgram {
    /// CIP 2020 code.
    pub cip_code: String,
    /// Programme title.
    pub title: String,
    /// Source.
    pub citation: Citation,
}

/// A registered apprenticeship occupation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Apprenticeship {
    /// RAPIDS code.
    pub rapids_code: String,
    /// Title.
    pub title: String,
    /// Source.
    pub citation: Citation,
}

/// An imported source release with its licence and the attribution it requires.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceRelease {
    /// Source key: `onet`, `onet_supplement`, `crosswalk`, `aei`, `rapids`.
    pub source: String,
    /// Source display name.
    pub source_name: String,
    /// Release id, e.g. `30.1`.
    pub id: String,
    /// Title, e.g. "O*NET 30.1 Database".
    pub title: String,
    /// What the release says about itself, e.g. "December 2025 Release".
    pub published: Option<String>,
    /// When it was imported (RFC 3339).
    pub imported_at: String,
    /// Whether this is the newest release of its source (older ones stay citable).
    pub current: bool,
    /// Licence name.
    pub licence: String,
    /// Licence or source home page.
    pub licence_url: Option<String>,
    /// The attribution text to show wherever the data is used.
    pub attribution: String,
}

/// Everything the catalog holds about one occupation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccupationDetail {
    /// Headline facts.
    #[serde(flatten)]
    pub summary: OccupationSummary,
    /// Source of the title and description.
    pub citation: Citation,
    /// Job Zone with its meaning.
    pub job_zone_detail: Option<JobZone>,
    /// Required level of education, as shares of respondents.
    pub education: Vec<EducationLevel>,
    /// Task statements (core first, then by importance).
    pub tasks: Vec<Task>,
    /// New and revised tasks not yet rated.
    pub emerging_tasks: Vec<EmergingTask>,
    /// Skills (by importance).
    pub skills: Vec<RatedElement>,
    /// Knowledge areas (by importance).
    pub knowledge: Vec<RatedElement>,
    /// Abilities (by importance).
    pub abilities: Vec<RatedElement>,
    /// Work styles (by impact or importance).
    pub work_styles: Vec<RatedElement>,
    /// Technology (hot technologies first).
    pub technology: Vec<Technology>,
    /// Tools.
    pub tools: Vec<Tool>,
    /// Alternate titles.
    pub alternate_titles: Vec<AlternateTitle>,
    /// Titles reported by workers.
    pub reported_titles: Vec<ReportedTitle>,
    /// Related occupations.
    pub related: Vec<RelatedOccupation>,
    /// CIP education programmes.
    pub cip_programs: Vec<CipProgram>,
    /// Registered apprenticeships.
    pub apprenticeships: Vec<Apprenticeship>,
    /// Older O*NET releases that also list this occupation (shown: the newest).
    pub older_releases: Vec<String>,
    /// The source releases the data above was read from.
    pub sources: Vec<SourceRelease>,
}

/// Headline counts for the home page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogStats {
    /// Occupations in the catalog.
    pub occupations: i64,
    /// Of those, how many have enough source data for a framework.
    pub framework_ready: i64,
    /// O*NET releases loaded (full releases and supplements).
    pub onet_releases: i64,
}

/// One facet value with how many occupations have it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Facet {
    /// Value (major group code or Job Zone).
    pub value: String,
    /// Label.
    pub label: String,
    /// Occupations with the value.
    pub count: i64,
}

/// A rating for display: two decimals, or a dash when absent.
pub fn rating_text(v: Option<f64>) -> String {
    match v {
        Some(v) => format!("{v:.2}"),
        None => "—".into(),
    }
}

impl RatedElement {
    /// Importance for display.
    pub fn importance_text(&self) -> String {
        rating_text(self.importance)
    }
    /// Level for display.
    pub fn level_text(&self) -> String {
        rating_text(self.level)
    }
    /// Impact for display.
    pub fn impact_text(&self) -> String {
        rating_text(self.impact)
    }
    /// Distinctiveness rank for display.
    pub fn distinctiveness_text(&self) -> String {
        match self.distinctiveness {
            Some(v) => format!("{v:.0}"),
            None => "—".into(),
        }
    }
}

impl Task {
    /// Importance for display.
    pub fn importance_text(&self) -> String {
        rating_text(self.importance)
    }
    /// Relevance for display (percent).
    pub fn relevance_text(&self) -> String {
        match self.relevance {
            Some(v) => format!("{v:.0}%"),
            None => "—".into(),
        }
    }
    /// Whether O*NET marks the task core.
    pub fn is_core(&self) -> bool {
        self.task_type.as_deref() == Some("Core")
    }
}

impl EducationLevel {
    /// Percent for display.
    pub fn percent_text(&self) -> String {
        format!("{:.0}%", self.percent)
    }
}

impl OccupationSummary {
    /// Job Zone for display.
    pub fn job_zone_text(&self) -> String {
        match (self.job_zone, &self.job_zone_label) {
            (Some(z), Some(l)) => format!("{z} · {l}"),
            (Some(z), None) => z.to_string(),
            _ => "Not assigned".into(),
        }
    }
}
