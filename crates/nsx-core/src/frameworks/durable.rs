//! The durable-skills mapping table: which O*NET skills, work styles and work activities
//! ground each of the ten durable-skill domains, and the behaviour each one describes.
//!
//! Documented for readers in `docs/durable-skills-mapping.md`; a test keeps the two in step.
//! Elements are matched by name (case-insensitive), because work-style element IDs were
//! renumbered in O*NET 30.0 while names carried over; older names are listed too.

use super::DurableDomain;

/// Version of the mapping table, cited by every durable statement.
pub const MAPPING_VERSION: &str = "2026.2";

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

/// Lowest importance (IM, 1–5) at which a skill or work activity grounds a durable
/// statement: "important" (3) on O*NET's scale.
pub const MIN_IMPORTANCE: f64 = 3.0;
/// Lowest work-style impact (WI, −3…3) at which a work style grounds a durable statement:
/// a clearly positive effect on performance, not one near zero.
pub const MIN_IMPACT: f64 = 1.0;
/// The threshold in words, for gaps and documentation.
pub const THRESHOLD_TEXT: &str =
    "importance 3.0 or more on the 1–5 scale, work-style impact 1.0 or more on the −3…3 scale";

/// Whether a rating is high enough for an element to ground a durable statement: at least
/// [`MIN_IMPORTANCE`] on the importance scale or [`MIN_IMPACT`] on the work-style impact
/// scale. Other scales never ground one.
pub fn rated_highly(scale: &str, value: f64) -> bool {
    match scale {
        "IM" => value >= MIN_IMPORTANCE,
        "WI" => value >= MIN_IMPACT,
        _ => false,
    }
}

/// Words of a task that make it the natural work to show a behaviour in ("record" for
/// written records, "train" for developing others), by the mapping row's subject.
pub fn cues(subject: &str) -> &'static [&'static str] {
    match subject {
        "Spoken updates" => &[
            "explain",
            "brief",
            "consult",
            "confer",
            "discuss",
            "advise",
            "inform",
            "present",
            "communicate",
        ],
        "Written records" | "Work documentation" => &[
            "record",
            "document",
            "write",
            "report",
            "log",
            "prepare",
            "documentation",
            "records",
        ],
        "Attentive listening" | "Reading others" => &[
            "interview",
            "consult",
            "confer",
            "listen",
            "customer",
            "patient",
            "client",
            "respond",
        ],
        "Technical reading" => &[
            "read",
            "interpret",
            "review",
            "blueprint",
            "manual",
            "specification",
            "schematic",
            "drawing",
            "order",
        ],
        "Team communication"
        | "Coordinated work"
        | "Working with others"
        | "Preferring teamwork" => &[
            "coordinate",
            "confer",
            "consult",
            "collaborate",
            "assist",
            "team",
            "crew",
            "staff",
        ],
        "Taking the lead" | "Directing people" | "Guiding a team" => &[
            "supervise",
            "direct",
            "lead",
            "coordinate",
            "manage",
            "assign",
            "oversee",
        ],
        "Self-started action"
        | "New ideas"
        | "Creative solutions"
        | "Redesigning the work"
        | "Striving to improve" => &[
            "design",
            "develop",
            "improve",
            "create",
            "devise",
            "modify",
            "identify",
            "recommend",
        ],
        "Showing others how" | "Developing others" => &[
            "train",
            "instruct",
            "teach",
            "demonstrate",
            "coach",
            "mentor",
            "other",
        ],
        "Self-monitoring" | "Attention to detail" | "Honesty" => &[
            "inspect", "verify", "check", "measure", "examine", "test", "record",
        ],
        "Weighing options" | "Decisions" => &[
            "select",
            "determine",
            "evaluate",
            "recommend",
            "decide",
            "choose",
            "plan",
        ],
        "Problem solving" | "Finding causes" | "Persistence" => &[
            "troubleshoot",
            "diagnose",
            "repair",
            "resolve",
            "investigate",
            "test",
            "fault",
            "problem",
        ],
        "How systems behave" | "Analysis" | "Reading the data" => &[
            "analyze",
            "calculate",
            "compute",
            "data",
            "model",
            "system",
            "statistical",
            "evaluate",
        ],
        "Care with risk" => &[
            "safety",
            "hazard",
            "hazardous",
            "inspect",
            "secure",
            "emergency",
            "protective",
        ],
        "Watching the work" | "Situational awareness" => {
            &["monitor", "observe", "operate", "watch", "inspect", "gauge"]
        }
        "Keeping current"
        | "Learning from new information"
        | "Curiosity"
        | "Choosing how to learn" => &[
            "research", "study", "review", "learn", "update", "new", "program",
        ],
        "Composure" | "Working under pressure" | "Working with uncertainty" => &[
            "emergency",
            "respond",
            "repair",
            "troubleshoot",
            "patient",
            "customer",
            "deadline",
        ],
        "Consideration for others" | "Working relationships" | "Sincerity" => &[
            "customer", "patient", "client", "student", "public", "consult", "confer", "assist",
        ],
        _ => &[],
    }
}

/// The behaviour of a mapping row tied to a piece of the occupation's work, `{w}` standing
/// for a noun phrase of it ("parts", "patient records"), third person, the work named within
/// the first words so statements open on the occupation's own subject.
fn focus(subject: &str) -> Option<&'static str> {
    Some(match subject {
        "Spoken updates" => "reports on {w} aloud, covering findings and next steps",
        "Written records" => "documents work on {w} clearly enough for others to pick it up",
        "Attentive listening" => {
            "checks instructions on {w} are understood before acting, listening closely to concerns"
        }
        "Technical reading" => "reads documents on {w} and turns them into correct actions",
        "Team communication" => "informs coworkers about {w} in good time",
        "Work documentation" => "records information about {w} so others can rely on it",
        "Taking the lead" => "takes charge of {w} and gives others clear direction",
        "Self-started action" => "tackles problems with {w} without waiting to be asked",
        "Showing others how" => "demonstrates work on {w} to others, step by step",
        "Directing people" => "organizes crews for {w} and keeps them motivated",
        "Developing others" => "coaches colleagues on {w} through feedback and practice",
        "Guiding a team" => "directs work on {w}, keeping the team motivated",
        "Choosing how to learn" => {
            "approaches unfamiliar work on {w} by choosing the way of learning that fits it"
        }
        "Self-monitoring" => "checks own work on {w} while doing it, correcting course",
        "Knowing own limits" => "asks for help with {w} where own knowledge runs out",
        "Weighing options" => {
            "weighs the options for {w}, comparing strengths and weaknesses before choosing one"
        }
        "Problem solving" => "works out problems with {w} by gathering facts and testing solutions",
        "Decisions" => "decides questions about {w} by comparing costs, benefits and risks",
        "How systems behave" => "predicts how {w} will respond when conditions change",
        "Finding causes" => "traces faults in {w} to their cause and decides what to do",
        "Analysis" => "breaks questions about {w} down and answers them by logic",
        "Reading the data" => "analyzes data on {w} to find the facts behind a result",
        "Working with others" => {
            "works with others on {w} pleasantly and helpfully to get the job done"
        }
        "Coordinated work" => "fits own work on {w} around what coworkers are doing",
        "Reading others" => "gauges reactions to {w} and understands why people respond as they do",
        "Preferring teamwork" => "seeks shared work on {w} rather than working alone",
        "Consideration for others" => {
            "considers others' needs during {w}, taking their feelings into account"
        }
        "Working relationships" => "builds working relationships around {w} and keeps them good",
        "Honesty" => "is honest about {w}, including when no one is checking",
        "Reliability" => "finishes assigned work on {w} as promised",
        "Care with risk" => "weighs the risks in {w} and follows safety rules before acting",
        "Sincerity" => "speaks truthfully about {w}, open in dealings with others",
        "New ideas" => "proposes fresh approaches to {w} and other ways of doing the work",
        "Curiosity" => "explores the workings of {w} beyond what the task needs",
        "Creative solutions" => "develops original approaches to {w}",
        "Redesigning the work" => "analyzes requirements for {w} to shape a better way of working",
        "Learning from new information" => {
            "applies new information on {w} to current and future work"
        }
        "Striving to improve" => "raises the bar for {w}, setting demanding goals for own work",
        "Adapting to change" => {
            "adjusts to change in {w}, taking up new methods, tools and conditions readily"
        }
        "Positive outlook" => "meets setbacks with {w} expecting to overcome them",
        "Keeping current" => "keeps knowledge of {w} up to date and puts it to use",
        "Attention to detail" => {
            "attends closely to {w}, completing each step thoroughly and checking every detail"
        }
        "Composure" => "keeps composure during {w}, holding emotions in check when things go wrong",
        "Watching the work" => {
            "keeps watch over {w}, reading gauges and conditions to see that all is working"
        }
        "Situational awareness" => {
            "stays alert around {w} to spot problems in processes, materials and surroundings"
        }
        "Persistence" => "persists with {w} in the face of obstacles",
        "Working under pressure" => "keeps performing well on {w} under pressure and criticism",
        "Working with uncertainty" => {
            "moves work on {w} forward when information is incomplete or unclear"
        }
        "Confidence" => "trusts own ability with {w} and acts decisively on it",
        _ => return None,
    })
}

/// What a piece of the occupation's work names, by its head noun: people ("other
/// personnel", "patients"), papers ("bills of lading", "maintenance records"), problems
/// ("road incidents") or a thing worked on ("hydraulic systems"). A behaviour's wording takes only some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkKind {
    /// People the work is done with or for.
    People,
    /// Documents, records and forms.
    Papers,
    /// Problems, faults and incidents.
    Problems,
    /// Equipment, materials, processes and anything else worked on.
    Thing,
}

/// Head nouns that name problems.
const PROBLEMS: &[&str] = &[
    "problem",
    "incident",
    "fault",
    "malfunction",
    "defect",
    "complaint",
    "issue",
    "emergency",
    "emergencies",
    "accident",
    "breakdown",
    "failure",
    "error",
    "discrepancy",
    "discrepancies",
    "dispute",
    "grievance",
    "violation",
    "hazard",
];

/// Head nouns that name people.
const PEOPLE: &[&str] = &[
    "personnel",
    "staff",
    "worker",
    "employee",
    "student",
    "patient",
    "client",
    "customer",
    "coworker",
    "co-worker",
    "colleague",
    "supervisor",
    "manager",
    "member",
    "people",
    "person",
    "individual",
    "family",
    "families",
    "child",
    "children",
    "resident",
    "visitor",
    "user",
    "trainee",
    "apprentice",
    "subordinate",
    "crew",
    "team",
    "physician",
    "doctor",
    "nurse",
    "engineer",
    "technician",
    "official",
    "vendor",
    "supplier",
    "contractor",
    "inmate",
    "offender",
    "passenger",
    "guest",
    "patron",
    "audience",
    "volunteer",
    "driver",
    "operator",
    "athlete",
    "performer",
    "applicant",
    "candidate",
    "participant",
    "public",
    "others",
    "teacher",
    "instructor",
    "parent",
    "consumer",
    "buyer",
    "tenant",
    "owner",
    "pilot",
    "attendant",
    "assistant",
    "aide",
    "helper",
    "laborer",
    "professional",
    "specialist",
    "scientist",
    "architect",
    "designer",
    "agency",
    "department",
    "representative",
    "personnel",
    "administrator",
    "executive",
    "employer",
    "caregiver",
    "victim",
    "suspect",
    "witness",
    "defendant",
    "attorney",
    "lawyer",
    "youth",
    "infant",
    "adult",
    "player",
    "musician",
    "actor",
    "artist",
    "writer",
    "author",
    "editor",
    "reporter",
    "dispatcher",
    "cook",
    "chef",
    "server",
    "mechanic",
    "machinist",
    "electrician",
    "programmer",
    "developer",
    "analyst",
    "investor",
    "donor",
    "sponsor",
    "stakeholder",
    "committee",
    "board",
    "council",
];

/// Head nouns that name papers.
const PAPERS: &[&str] = &[
    "record",
    "report",
    "document",
    "documentation",
    "form",
    "log",
    "logbook",
    "bill",
    "lading",
    "invoice",
    "file",
    "chart",
    "paperwork",
    "manifest",
    "correspondence",
    "letter",
    "memo",
    "memoranda",
    "receipt",
    "note",
    "minutes",
    "contract",
    "permit",
    "license",
    "licence",
    "certificate",
    "ticket",
    "voucher",
    "claim",
    "statement",
    "ledger",
    "journal",
    "register",
    "transcript",
    "proposal",
    "summary",
    "summaries",
    "brochure",
    "newsletter",
    "article",
    "manual",
    "handbook",
    "specification",
    "order",
    "requisition",
    "warrant",
    "citation",
    "prescription",
    "questionnaire",
    "survey",
    "paper",
    "slip",
    "card",
    "label",
    "sign",
    "notice",
];

fn singular(w: &str) -> &str {
    if let Some(s) = w.strip_suffix("ies").filter(|s| s.len() > 2) {
        // "families" is listed whole; "summaries" too.
        return s;
    }
    if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
        &w[..w.len() - 1]
    } else {
        w
    }
}

/// What a work noun phrase names, by its head noun (the last word before a bracket or a
/// "of …" complement: "bills of lading" → "bills").
pub fn work_kind(work: &str) -> WorkKind {
    let w = work.to_lowercase();
    let w = w.split(['(', ',']).next().unwrap_or("");
    let w = w.split(" of ").next().unwrap_or(w);
    let head = w
        .split_whitespace()
        .last()
        .map(|h| h.trim_matches(|c: char| !c.is_alphanumeric() && c != '-'))
        .unwrap_or("");
    if PEOPLE.contains(&head) || PEOPLE.contains(&singular(head)) {
        WorkKind::People
    } else if PAPERS.contains(&head) || PAPERS.contains(&singular(head)) {
        WorkKind::Papers
    } else if PROBLEMS.contains(&head) || PROBLEMS.contains(&singular(head)) {
        WorkKind::Problems
    } else {
        WorkKind::Thing
    }
}

/// Whether a mapping row's wording (by its subject) reads well around work of a kind:
/// "works with others on {w}" takes equipment or records but not people ("works with
/// others on other personnel"); "weighs the options for {w}" takes neither people nor
/// papers ("weighs the options for bills of lading").
pub fn takes(subject: &str, kind: WorkKind) -> bool {
    const NOT_PEOPLE: &[&str] = &[
        "Attentive listening",
        "Technical reading",
        "Showing others how",
        "Directing people",
        "Developing others",
        "Guiding a team",
        "Choosing how to learn",
        "Self-monitoring",
        "Weighing options",
        "Finding causes",
        "Working with others",
        "Coordinated work",
        "Preferring teamwork",
        "Consideration for others",
        "Reliability",
        "Care with risk",
        "New ideas",
        "Curiosity",
        "Creative solutions",
        "Redesigning the work",
        "Adapting to change",
        "Keeping current",
        "Composure",
        "Watching the work",
        "Working under pressure",
        "Working with uncertainty",
        "Striving to improve",
        "Persistence",
    ];
    const NOT_PAPERS: &[&str] = &[
        "Technical reading",
        "Directing people",
        "Weighing options",
        "Finding causes",
        "How systems behave",
        "Curiosity",
        "Watching the work",
        "Situational awareness",
        "Care with risk",
        "Guiding a team",
    ];
    // "traces faults in mechanical problems", "tackles problems with road incidents".
    const NOT_PROBLEMS: &[&str] = &[
        "Finding causes",
        "Problem solving",
        "Self-started action",
        "Positive outlook",
        "Watching the work",
        "Curiosity",
        "How systems behave",
        "Persistence",
    ];
    match kind {
        WorkKind::People => !NOT_PEOPLE.contains(&subject),
        WorkKind::Problems => !NOT_PROBLEMS.contains(&subject),
        WorkKind::Papers => !NOT_PAPERS.contains(&subject),
        WorkKind::Thing => true,
    }
}

/// The wording of a mapping row's behaviour around a piece of work, split where the work
/// goes: `("works with others on ", " pleasantly and helpfully to get the job done")`.
pub fn frame(subject: &str) -> Option<(&'static str, &'static str)> {
    focus(subject).and_then(|f| f.split_once("{w}"))
}

/// How each durable level is written into the statement: an opening that takes the
/// behaviour in its base form ("learns to ", "coaches colleagues to "), empty where the
/// behaviour opens the statement itself, and a closing, `{t}` standing for one of the
/// occupation's tasks as a verb phrase. Emerging and Advanced open on their own words, so a
/// behaviour's four levels do not all open alike. No level's wording says the behaviour
/// waits for a prompt, so none contradicts a behaviour that starts unasked; the support a
/// level has (a mentor, a supervisor's feedback) is about how it learns, not who starts the
/// work.
pub const LEVEL_FORMS: [&[(&str, &str)]; 4] = [
    &[
        (
            "learns to ",
            ", guided by an experienced colleague, in routine work to {t}",
        ),
        (
            "learns to ",
            ", with a mentor's feedback, on assigned jobs to {t}",
        ),
        (
            "is learning to ",
            ", checking afterward with a supervisor how it went, in assigned work to {t}",
        ),
    ],
    &[
        ("", ", as a matter of course, in day-to-day work to {t}"),
        (
            "",
            ", adjusting to the people and situation, in everyday work to {t}",
        ),
        (
            "",
            ", without needing reminders, whenever the job is to {t}",
        ),
    ],
    &[
        (
            "",
            ", including under pressure or in unfamiliar situations, when the work is to {t}",
        ),
        (
            "",
            ", and helps peers do the same, on demanding jobs to {t}",
        ),
        (
            "",
            ", reliably in hard cases, for instance when required to {t}",
        ),
    ],
    &[
        (
            "coaches colleagues to ",
            ", shaping how the team works to {t}",
        ),
        ("helps colleagues ", ", setting the example in work to {t}"),
        (
            "leads others to ",
            ", reviewing team practice in the work to {t}",
        ),
    ],
];

/// Verbs of the behaviours that follow "and" or a comma in a coordinated verb phrase
/// ("builds and keeps", "gathers facts and tests solutions"); words there that are not
/// in this list are nouns ("findings and next steps").
const LATER_VERBS: &[&str] = &[
    "turns",
    "gives",
    "motivates",
    "keeps",
    "corrects",
    "asks",
    "gathers",
    "tests",
    "decides",
    "uses",
    "evaluates",
    "understands",
    "finishes",
    "follows",
    "puts",
    "completes",
    "acts",
    "answers",
];

fn base(verb: &str) -> String {
    match verb {
        "is" => "be".into(),
        "has" => "have".into(),
        "does" => "do".into(),
        v if v.ends_with("ies") => format!("{}y", &v[..v.len() - 3]),
        v if v.ends_with("ches") || v.ends_with("shes") || v.ends_with("sses") => {
            v[..v.len() - 2].to_string()
        }
        v => v.strip_suffix('s').unwrap_or(v).to_string(),
    }
}

/// A behaviour written in the third person ("builds and keeps good working
/// relationships") in its base form ("build and keep good working relationships"), for an
/// opening that takes an infinitive.
pub fn base_form(behaviour: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut prev = "";
    for (i, w) in behaviour.split(' ').enumerate() {
        let verb = i == 0 || ((prev == "and" || prev.ends_with(',')) && LATER_VERBS.contains(&w));
        out.push(if verb { base(w) } else { w.to_string() });
        prev = w;
    }
    out.join(" ")
}

/// A behaviour after a level's opening: as written without one, else in its base form,
/// others' work named as theirs ("coaches colleagues to check their own work").
pub fn opened(opening: &str, behaviour: &str) -> String {
    if opening.is_empty() {
        return behaviour.to_string();
    }
    let b = base_form(behaviour);
    let b = if opening.starts_with("learns") || opening.starts_with("is learning") {
        b
    } else {
        b.split(' ')
            .map(|w| if w == "own" { "their own" } else { w })
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("{opening}{b}")
}

/// The openings the level forms use, the empty one first.
pub fn openings() -> Vec<&'static str> {
    let mut v: Vec<&str> = LEVEL_FORMS
        .iter()
        .flat_map(|f| f.iter().map(|x| x.0))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The frames of a mapping row's wording as statements open it at any level: the
/// wording split where the work goes, after each level opening.
pub fn frames(subject: &str) -> Vec<(String, String)> {
    let Some(f) = focus(subject) else {
        return Vec::new();
    };
    openings()
        .into_iter()
        .filter_map(|o| {
            let full = opened(o, f);
            full.split_once("{w}")
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .collect()
}

/// A durable statement's performance: the row's behaviour tied to a piece of the
/// occupation's work (`work`: a noun phrase for the behaviour and a task as a verb phrase
/// for the level), written at `level`; `variant` picks among the level's wordings. Without
/// work to name, the behaviour alone with the level's wording.
pub fn statement(
    m: &Mapping,
    level: super::DurableLevel,
    work: Option<(&str, &str)>,
    variant: usize,
) -> String {
    let forms = LEVEL_FORMS[level as usize];
    let (opening, close) = forms[variant % forms.len()];
    match (work, focus(m.subject)) {
        (Some((w, t)), Some(f)) => format!(
            "{}{}",
            opened(opening, f).replace("{w}", w),
            close.replace("{t}", t)
        ),
        (Some((_, t)), None) => format!(
            "{}{}",
            opened(opening, m.behaviour),
            close.replace("{t}", t)
        ),
        (None, _) => format!(
            "{}{}",
            opened(opening, m.behaviour),
            close.replace("{t}", "carry out the occupation's core tasks")
        ),
    }
}

/// A durable statement's performance without a piece of work to name: the row's
/// behaviour in its own words, written at `level` around one of the occupation's tasks
/// (`task`, a verb phrase).
pub fn behaviour_statement(
    m: &Mapping,
    level: super::DurableLevel,
    task: &str,
    variant: usize,
) -> String {
    let forms = LEVEL_FORMS[level as usize];
    let (opening, close) = forms[variant % forms.len()];
    format!(
        "{}{}",
        opened(opening, m.behaviour),
        close.replace("{t}", task)
    )
}

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
    fn work_is_sorted_by_its_head_noun_and_wordings_take_only_what_fits() {
        assert_eq!(work_kind("other personnel"), WorkKind::People);
        assert_eq!(work_kind("Healthcare professionals"), WorkKind::People);
        assert_eq!(work_kind("bills of lading"), WorkKind::Papers);
        assert_eq!(work_kind("maintenance records"), WorkKind::Papers);
        assert_eq!(
            work_kind("mechanical problems and road incidents"),
            WorkKind::Problems
        );
        assert_eq!(work_kind("hydraulic systems"), WorkKind::Thing);
        assert_eq!(work_kind("loads (e.g. pallets)"), WorkKind::Thing);
        assert!(!takes("Working with others", WorkKind::People));
        assert!(takes("Working with others", WorkKind::Papers));
        assert!(!takes("Weighing options", WorkKind::Papers));
        assert!(!takes("Finding causes", WorkKind::Problems));
        assert!(takes("Spoken updates", WorkKind::People));
        // Every wording takes a thing worked on.
        for m in MAPPING {
            assert!(takes(m.subject, WorkKind::Thing));
        }
        // Every wording has exactly one place for the work.
        for m in MAPPING {
            if let Some((before, after)) = frame(m.subject) {
                assert!(!before.contains("{w}") && !after.contains("{w}"));
            }
        }
    }

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
