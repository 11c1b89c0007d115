//! Occupations: the SOC structure, Job Zones, and the rule that says whether an
//! occupation has enough source data to ground a skills framework.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The 23 SOC 2018 major groups (code, title).
pub const SOC_MAJOR_GROUPS: &[(&str, &str)] = &[
    ("11", "Management"),
    ("13", "Business and Financial Operations"),
    ("15", "Computer and Mathematical"),
    ("17", "Architecture and Engineering"),
    ("19", "Life, Physical, and Social Science"),
    ("21", "Community and Social Service"),
    ("23", "Legal"),
    ("25", "Educational Instruction and Library"),
    ("27", "Arts, Design, Entertainment, Sports, and Media"),
    ("29", "Healthcare Practitioners and Technical"),
    ("31", "Healthcare Support"),
    ("33", "Protective Service"),
    ("35", "Food Preparation and Serving Related"),
    ("37", "Building and Grounds Cleaning and Maintenance"),
    ("39", "Personal Care and Service"),
    ("41", "Sales and Related"),
    ("43", "Office and Administrative Support"),
    ("45", "Farming, Fishing, and Forestry"),
    ("47", "Construction and Extraction"),
    ("49", "Installation, Maintenance, and Repair"),
    ("51", "Production"),
    ("53", "Transportation and Material Moving"),
    ("55", "Military Specific"),
];

/// The title of a SOC major group ("17" → "Architecture and Engineering").
pub fn major_group_title(code: &str) -> Option<&'static str> {
    SOC_MAJOR_GROUPS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, t)| *t)
}

/// Job Zone short names (1–5), as O*NET groups preparation levels.
pub fn job_zone_label(zone: i64) -> &'static str {
    match zone {
        1 => "Little or no preparation",
        2 => "Some preparation",
        3 => "Medium preparation",
        4 => "Considerable preparation",
        5 => "Extensive preparation",
        _ => "Unknown preparation",
    }
}

/// How much source data an occupation has: the inputs to [`readiness`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SourceCounts {
    /// Task statements in the newest release that has any.
    pub tasks: i64,
    /// Skill, knowledge, ability and work-style elements rated.
    pub rated_elements: i64,
    /// Technology and tool examples.
    pub technologies: i64,
    /// Alternate and reported titles.
    pub titles: i64,
    /// Whether a Job Zone is assigned.
    pub has_job_zone: bool,
}

/// The fewest task statements a framework can be grounded on: four mastery levels need
/// distinct anchors, and fewer tasks leave levels with nothing to cite.
pub const MIN_TASKS_FOR_FRAMEWORK: i64 = 4;

/// Whether an occupation can carry a framework, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "ready", rename_all = "snake_case")]
pub enum Readiness {
    /// Enough authoritative data to draft every section from.
    Ready,
    /// Not enough; the reason says what is missing.
    NotReady {
        /// What is missing, in words.
        reason: String,
    },
}

impl Readiness {
    /// True when a framework can be drafted.
    pub fn is_ready(&self) -> bool {
        matches!(self, Readiness::Ready)
    }
}

/// Decides whether an occupation has enough source data for a framework.
///
/// Technical statements derive from task statements, so tasks are the hard requirement;
/// the Job Zone fixes the preparation level the framework is pitched at.
pub fn readiness(c: &SourceCounts) -> Readiness {
    if c.tasks == 0 {
        return Readiness::NotReady {
            reason: "no task statements in any imported release (O*NET lists it as a catch-all or data-collection-pending title)".into(),
        };
    }
    if c.tasks < MIN_TASKS_FOR_FRAMEWORK {
        return Readiness::NotReady {
            reason: format!(
                "only {} task statement(s); at least {} are needed to ground four mastery levels",
                c.tasks, MIN_TASKS_FOR_FRAMEWORK
            ),
        };
    }
    if !c.has_job_zone {
        return Readiness::NotReady {
            reason: "no Job Zone assigned, so the preparation level is unknown".into(),
        };
    }
    Readiness::Ready
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_groups_are_known() {
        assert_eq!(SOC_MAJOR_GROUPS.len(), 23);
        assert_eq!(
            major_group_title("17"),
            Some("Architecture and Engineering")
        );
        assert_eq!(major_group_title("99"), None);
    }

    #[test]
    fn readiness_needs_tasks_and_a_job_zone() {
        let mut c = SourceCounts {
            tasks: 12,
            has_job_zone: true,
            ..Default::default()
        };
        assert!(readiness(&c).is_ready());
        c.has_job_zone = false;
        assert!(!readiness(&c).is_ready());
        c.has_job_zone = true;
        c.tasks = 2;
        match readiness(&c) {
            Readiness::NotReady { reason } => assert!(reason.contains("only 2")),
            Readiness::Ready => panic!("two tasks are not enough"),
        }
        c.tasks = 0;
        assert!(!readiness(&c).is_ready());
    }
}
