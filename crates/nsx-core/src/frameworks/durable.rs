//! The durable-skills mapping table: which O*NET skills, work styles and work activities
//! ground each of the ten durable-skill domains, and the behaviour each one describes.
//!
//! Documented for readers in `docs/durable-skills-mapping.md`; a test keeps the two in step.
//! Elements are matched by name (case-insensitive), because work-style element IDs were
//! renumbered in O*NET 30.0 while names carried over; older names are listed too.

use super::DurableDomain;

/// Version of the mapping table, cited by every durable statement.
pub const MAPPING_VERSION: &str = "2026.1";

/// The O*NET file family an element comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ElementKind {
    /// Skills.txt
    Skill,
    /// Work Styles.txt
    WorkStyle,
    /// Work Activities.txt
    WorkActivity,
}

impl ElementKind {
    /// The `domain` value of the element's rows in `onet_ratings`.
    pub fn onet_domain(self) -> &'static str {
        match self {
            ElementKind::Skill => "skills",
            ElementKind::WorkStyle => "work_styles",
            ElementKind::WorkActivity => "work_activities",
        }
    }
}

/// One row of the mapping table.
#[derive(Debug, Clone, Copy)]
pub struct Mapping {
    /// Domain grounded.
    pub domain: DurableDomain,
    /// O*NET file family.
    pub kind: ElementKind,
    /// O*NET element name.
    pub element: &'static str,
    /// Subject of the statements this element grounds.
    pub subject: &'static str,
    /// The behaviour, verb first, that the level wording builds on.
    pub behaviour: &'static str,
}

const fn m(
    domain: DurableDomain,
    kind: ElementKind,
    element: &'static str,
    subject: &'static str,
    behaviour: &'static str,
) -> Mapping {
    Mapping {
        domain,
        kind,
        element,
        subject,
        behaviour,
    }
}

use DurableDomain as D;
use ElementKind::{Skill as S, WorkActivity as A, WorkStyle as W};

/// The mapping table, in priority order within each domain (earlier rows win ties).
pub const MAPPING: &[Mapping] = &[
    // Communication
    m(
        D::Communication,
        S,
        "Speaking",
        "Spoken updates",
        "explains work status, findings and next steps aloud",
    ),
    m(
        D::Communication,
        S,
        "Writing",
        "Written records",
        "writes clear records, notes and reports of the work done",
    ),
    m(
        D::Communication,
        S,
        "Active Listening",
        "Attentive listening",
        "listens to instructions and concerns, checking what was meant before acting",
    ),
    m(
        D::Communication,
        S,
        "Reading Comprehension",
        "Technical reading",
        "reads work documents and turns them into correct actions",
    ),
    m(
        D::Communication,
        A,
        "Communicating with Supervisors, Peers, or Subordinates",
        "Team communication",
        "passes information to supervisors and co-workers in good time",
    ),
    m(
        D::Communication,
        A,
        "Documenting/Recording Information",
        "Work documentation",
        "records information about the work so others can rely on it",
    ),
    // Leadership
    m(
        D::Leadership,
        W,
        "Leadership Orientation",
        "Taking the lead",
        "takes charge of a piece of work and gives others direction",
    ),
    m(
        D::Leadership,
        W,
        "Leadership",
        "Taking the lead",
        "takes charge of a piece of work and gives others direction",
    ),
    m(
        D::Leadership,
        W,
        "Initiative",
        "Self-started action",
        "takes on responsibilities and problems without waiting to be asked",
    ),
    m(
        D::Leadership,
        S,
        "Instructing",
        "Showing others how",
        "shows others how to carry out a task correctly",
    ),
    m(
        D::Leadership,
        S,
        "Management of Personnel Resources",
        "Directing people",
        "organizes and motivates the people doing the work",
    ),
    m(
        D::Leadership,
        A,
        "Coaching and Developing Others",
        "Developing others",
        "helps colleagues build their skills through feedback and practice",
    ),
    m(
        D::Leadership,
        A,
        "Guiding, Directing, and Motivating Subordinates",
        "Guiding a team",
        "sets direction for others and keeps them motivated",
    ),
    // Metacognition
    m(
        D::Metacognition,
        S,
        "Learning Strategies",
        "Choosing how to learn",
        "picks the way of learning that fits a new task or procedure",
    ),
    m(
        D::Metacognition,
        S,
        "Monitoring",
        "Self-monitoring",
        "checks the quality of own work while doing it and corrects course",
    ),
    m(
        D::Metacognition,
        W,
        "Humility",
        "Knowing own limits",
        "recognizes the limits of own knowledge and asks for help where needed",
    ),
    // Critical Thinking
    m(
        D::CriticalThinking,
        S,
        "Critical Thinking",
        "Weighing options",
        "weighs the strengths and weaknesses of possible approaches before choosing one",
    ),
    m(
        D::CriticalThinking,
        S,
        "Complex Problem Solving",
        "Problem solving",
        "works out what a problem is, gathers facts and tests solutions",
    ),
    m(
        D::CriticalThinking,
        S,
        "Judgment and Decision Making",
        "Decisions",
        "makes decisions by comparing costs, benefits and risks",
    ),
    m(
        D::CriticalThinking,
        S,
        "Systems Analysis",
        "How systems behave",
        "reasons about how a change in conditions will affect a system's results",
    ),
    m(
        D::CriticalThinking,
        S,
        "Troubleshooting",
        "Finding causes",
        "traces the cause of an error or fault and decides what to do about it",
    ),
    m(
        D::CriticalThinking,
        W,
        "Analytical Thinking",
        "Analysis",
        "breaks a question down and uses logic to answer it",
    ),
    m(
        D::CriticalThinking,
        A,
        "Analyzing Data or Information",
        "Reading the data",
        "analyses data to find the facts behind a result",
    ),
    m(
        D::CriticalThinking,
        A,
        "Making Decisions and Solving Problems",
        "Decisions",
        "analyses information and evaluates results to solve problems",
    ),
    // Collaboration
    m(
        D::Collaboration,
        W,
        "Cooperation",
        "Working with others",
        "works with others pleasantly and helpfully to get a shared job done",
    ),
    m(
        D::Collaboration,
        S,
        "Coordination",
        "Coordinated work",
        "adjusts own actions to fit what co-workers are doing",
    ),
    m(
        D::Collaboration,
        S,
        "Social Perceptiveness",
        "Reading others",
        "notices how others react and understands why",
    ),
    m(
        D::Collaboration,
        W,
        "Social Orientation",
        "Preferring teamwork",
        "seeks out work with others rather than alone",
    ),
    m(
        D::Collaboration,
        W,
        "Empathy",
        "Consideration for others",
        "takes others' needs and feelings into account",
    ),
    m(
        D::Collaboration,
        W,
        "Concern for Others",
        "Consideration for others",
        "takes others' needs and feelings into account",
    ),
    m(
        D::Collaboration,
        A,
        "Establishing and Maintaining Interpersonal Relationships",
        "Working relationships",
        "builds and keeps good working relationships",
    ),
    // Character
    m(
        D::Character,
        W,
        "Integrity",
        "Honesty",
        "acts honestly and ethically, including when no one is checking",
    ),
    m(
        D::Character,
        W,
        "Dependability",
        "Reliability",
        "meets commitments and finishes assigned work as promised",
    ),
    m(
        D::Character,
        W,
        "Cautiousness",
        "Care with risk",
        "thinks through risks and follows safety rules before acting",
    ),
    m(
        D::Character,
        W,
        "Sincerity",
        "Sincerity",
        "is open and truthful in dealings with others",
    ),
    // Creativity
    m(
        D::Creativity,
        W,
        "Innovation",
        "New ideas",
        "comes up with new ideas and alternative ways of doing the work",
    ),
    m(
        D::Creativity,
        W,
        "Intellectual Curiosity",
        "Curiosity",
        "looks into how and why things work, beyond what the task needs",
    ),
    m(
        D::Creativity,
        A,
        "Thinking Creatively",
        "Creative solutions",
        "develops original approaches, designs or solutions",
    ),
    m(
        D::Creativity,
        S,
        "Operations Analysis",
        "Redesigning the work",
        "analyses needs and requirements to shape a better way of working",
    ),
    // Growth Mindset
    m(
        D::GrowthMindset,
        S,
        "Active Learning",
        "Learning from new information",
        "takes in new information and uses it in current and future work",
    ),
    m(
        D::GrowthMindset,
        W,
        "Achievement Orientation",
        "Striving to improve",
        "sets demanding goals for own work and keeps raising them",
    ),
    m(
        D::GrowthMindset,
        W,
        "Achievement/Effort",
        "Striving to improve",
        "sets demanding goals for own work and keeps raising them",
    ),
    m(
        D::GrowthMindset,
        W,
        "Adaptability",
        "Adapting to change",
        "adjusts readily to new methods, tools and conditions",
    ),
    m(
        D::GrowthMindset,
        W,
        "Adaptability/Flexibility",
        "Adapting to change",
        "adjusts readily to new methods, tools and conditions",
    ),
    m(
        D::GrowthMindset,
        W,
        "Optimism",
        "Positive outlook",
        "approaches setbacks expecting that they can be overcome",
    ),
    m(
        D::GrowthMindset,
        A,
        "Updating and Using Relevant Knowledge",
        "Keeping current",
        "keeps technical knowledge up to date and puts it to use",
    ),
    // Mindfulness
    m(
        D::Mindfulness,
        W,
        "Attention to Detail",
        "Attention to detail",
        "pays close attention to details and completes each step thoroughly",
    ),
    m(
        D::Mindfulness,
        W,
        "Self-Control",
        "Composure",
        "stays calm and keeps emotions in check when things go wrong",
    ),
    m(
        D::Mindfulness,
        W,
        "Self Control",
        "Composure",
        "stays calm and keeps emotions in check when things go wrong",
    ),
    m(
        D::Mindfulness,
        S,
        "Operations Monitoring",
        "Watching the work",
        "keeps watch over gauges, readings or conditions to see that all is working",
    ),
    m(
        D::Mindfulness,
        A,
        "Monitoring Processes, Materials, or Surroundings",
        "Situational awareness",
        "stays aware of processes, materials and surroundings to spot problems",
    ),
    // Fortitude
    m(
        D::Fortitude,
        W,
        "Perseverance",
        "Persistence",
        "keeps going on hard work in the face of obstacles",
    ),
    m(
        D::Fortitude,
        W,
        "Persistence",
        "Persistence",
        "keeps going on hard work in the face of obstacles",
    ),
    m(
        D::Fortitude,
        W,
        "Stress Tolerance",
        "Working under pressure",
        "keeps performing well under pressure and criticism",
    ),
    m(
        D::Fortitude,
        W,
        "Tolerance for Ambiguity",
        "Working with uncertainty",
        "moves work forward when information is incomplete or unclear",
    ),
    m(
        D::Fortitude,
        W,
        "Self-Confidence",
        "Confidence",
        "trusts own abilities and acts decisively on them",
    ),
];

/// The mapping rows of one domain, in priority order.
pub fn rows(domain: DurableDomain) -> impl Iterator<Item = &'static Mapping> {
    MAPPING.iter().filter(move |r| r.domain == domain)
}

/// The mapping row for an element name of a kind, if the element grounds a domain.
pub fn lookup(kind: ElementKind, element_name: &str) -> Option<&'static Mapping> {
    MAPPING
        .iter()
        .find(|r| r.kind == kind && r.element.eq_ignore_ascii_case(element_name.trim()))
}

/// The kinds of rated O*NET element that `citations` point at, in words and in a fixed
/// order ("work styles", "skills", "work activities"), so a page says only what its
/// durable statements actually rest on.
pub fn cited_kinds<'a>(
    citations: impl IntoIterator<Item = &'a super::Citation>,
) -> Vec<&'static str> {
    const KINDS: [(&str, &str); 5] = [
        ("1.D", "work styles"),
        ("2.A", "skills"),
        ("2.C", "knowledge"),
        ("4.A", "work activities"),
        ("1.A", "abilities"),
    ];
    let mut seen = [false; KINDS.len()];
    for c in citations {
        if let super::Locator::Element { element_id, .. } = &c.locator {
            let id = if element_id.starts_with("1.C") {
                "1.D"
            } else if element_id.starts_with("2.B") {
                "2.A"
            } else {
                element_id.as_str()
            };
            if let Some(i) = KINDS.iter().position(|(p, _)| id.starts_with(p)) {
                seen[i] = true;
            }
        }
    }
    KINDS
        .iter()
        .zip(seen)
        .filter(|(_, s)| *s)
        .map(|((_, k), _)| *k)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_has_grounding_rows() {
        for d in DurableDomain::ALL {
            assert!(rows(d).count() >= 3, "{d:?} has too few mapping rows");
        }
    }

    #[test]
    fn required_groundings_are_present() {
        let has = |d, e: &str| rows(d).any(|r| r.element == e);
        assert!(has(DurableDomain::CriticalThinking, "Critical Thinking"));
        assert!(has(
            DurableDomain::CriticalThinking,
            "Complex Problem Solving"
        ));
        assert!(has(DurableDomain::Fortitude, "Persistence"));
        assert!(has(DurableDomain::Fortitude, "Stress Tolerance"));
        assert!(lookup(ElementKind::WorkStyle, "stress tolerance").is_some());
        assert!(lookup(ElementKind::Skill, "Stress Tolerance").is_none());
    }

    #[test]
    fn no_element_maps_twice_within_its_kind() {
        for (i, a) in MAPPING.iter().enumerate() {
            for b in &MAPPING[i + 1..] {
                assert!(
                    !(a.kind == b.kind && a.element.eq_ignore_ascii_case(b.element)),
                    "{} is mapped twice",
                    a.element
                );
            }
        }
    }

    #[test]
    fn the_documentation_lists_every_row() {
        let doc = include_str!("../../../../docs/durable-skills-mapping.md");
        for r in MAPPING {
            let line = format!("| {} |", r.element);
            assert!(
                doc.lines()
                    .any(|l| l.starts_with(&line) && l.contains(r.behaviour)),
                "docs/durable-skills-mapping.md lacks {}",
                r.element
            );
        }
        assert!(doc.contains(MAPPING_VERSION));
    }

    #[test]
    fn cited_kinds_name_only_what_is_cited() {
        let el = |id: &str| super::super::Citation {
            source: "onet".into(),
            release: "30.1".into(),
            locator: super::super::Locator::Element {
                element_id: id.into(),
                scale: "IM".into(),
            },
            text: "x".into(),
            value: Some(1.0),
        };
        let c = [el("2.B.1.a"), el("1.D.1.a"), el("2.A.2.b")];
        assert_eq!(cited_kinds(&c), vec!["work styles", "skills"]);
        assert!(cited_kinds(&[]).is_empty());
    }
}
