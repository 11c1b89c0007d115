//! The drafter: a pure, deterministic function from one occupation's source rows to a
//! draft framework version.
//!
//! * Technical statements come from the occupation's most important tasks (importance
//!   ratings where imported, else core before supplemental), with the technology, tools
//!   and knowledge rated for it; each is written at four mastery levels that differ by
//!   autonomy, complexity and influence, and cites the rows it derives from.
//! * Durable-skill statements come from the skills, work styles and work activities the
//!   mapping table ([`super::durable`]) ties to each domain, citing the elements used.
//! * AI-usage statements and the evidence pack come from the AI-usage rows matched to the
//!   occupation's tasks; with none, the draft says so and invents nothing.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::durable::{self, ElementKind};
use super::editorial;
use super::levels;
use super::lint::PERFORMANCE_MAX;
use super::parse::{ParsedTask, capitalize, clean_text, fit, parse_task};
use super::{
    Citation, DurableDomain, DurableLevel, Level, Locator, MasteryLevel, Section, Source,
    Statement, aei_source, mapping_source, onet_source,
};
use crate::evidence::task_key;
use crate::occupations::job_zone_label;

/// Technical statements per mastery level the drafter aims for.
pub const TECHNICAL_PER_LEVEL: usize = 10;
/// Task-derived statements placed before technology and knowledge statements.
pub const LEADING_TASKS: usize = 7;
/// Grounding elements used per durable-skill domain (one statement each per level).
pub const DURABLE_PER_LEVEL: usize = 2;
/// Evidence-backed tasks per level in the AI-usage section (each level slides one task
/// along the observed tasks, most used first).
pub const AI_TASKS: usize = 2;
/// Fewest tasks a framework is drafted from.
pub const MIN_TASKS: usize = 4;

/// Where a task of the occupation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskOrigin {
    /// A task of the release's task list (`Task Statements.txt`).
    #[default]
    Listed,
    /// An emerging task (`Emerging Tasks.txt`): new work reported for the occupation, or,
    /// with `revises`, a newer wording of that listed task; not yet rated.
    Emerging {
        /// The listed task the wording revises.
        revises: Option<i64>,
    },
}

/// One O*NET task of the occupation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskInput {
    /// O*NET task ID. Emerging tasks have none of their own: they are numbered -1, -2, …
    /// in the order they are read, so each stays a task of its own.
    pub task_id: i64,
    /// Task statement.
    pub text: String,
    /// Task type Core (true); Supplemental or untyped (false).
    pub core: bool,
    /// The task's place among the occupation's tasks in the release's task file, which
    /// lists them in O*NET's order of importance (lower first); `None` if unknown.
    #[serde(default)]
    pub position: Option<i64>,
    /// Titles of the Detailed Work Activities the task is linked to, in DWA ID order.
    #[serde(default)]
    pub dwas: Vec<String>,
    /// Mean importance (IM, 1–5) where task ratings are imported.
    pub importance: Option<f64>,
    /// Release of the task row.
    pub release: String,
    /// Release of the importance rating.
    pub rating_release: Option<String>,
    /// Listed or emerging.
    #[serde(default)]
    pub origin: TaskOrigin,
}

/// One rated O*NET element (skill, knowledge, work style, work activity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementInput {
    /// `skills`, `knowledge`, `work_styles`, `work_activities`.
    pub domain: String,
    /// Element ID.
    pub element_id: String,
    /// Element name.
    pub name: String,
    /// Scale of `value`: `IM` (1–5) or `WI` (−3…3).
    pub scale: String,
    /// Rating.
    pub value: f64,
    /// Release of the rating.
    pub release: String,
}

impl ElementInput {
    /// Importance on a 0–1 scale whatever the rating scale.
    pub fn weight(&self) -> f64 {
        match self.scale.as_str() {
            "WI" => (self.value + 3.0) / 6.0,
            _ => (self.value - 1.0) / 4.0,
        }
    }

    /// Whether the rating says the element matters for the occupation.
    pub fn matters(&self) -> bool {
        match self.scale.as_str() {
            "WI" => self.value > 0.0,
            _ => self.value >= 2.5,
        }
    }
}

/// A technology or tool commodity the occupation uses, with its examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommodityInput {
    /// `technology` or `tool`.
    pub table: String,
    /// UNSPSC commodity code.
    pub commodity_code: i64,
    /// Commodity title.
    pub title: String,
    /// Product examples, most telling first (Hot Technology and In Demand, then the
    /// most widely reported).
    pub examples: Vec<String>,
    /// Flagged as a hot technology (or in demand).
    pub hot: bool,
    /// Release.
    pub release: String,
}

/// AI-usage figures matched to one of the occupation's tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskEvidence {
    /// O*NET task ID.
    pub task_id: i64,
    /// Share (%) of all classified conversations about the task.
    pub usage_pct: Option<f64>,
    /// Release of the usage figure.
    pub usage_release: Option<String>,
    /// Task penetration (0–1).
    pub penetration: Option<f64>,
    /// Release of the penetration figure.
    pub penetration_release: Option<String>,
}

/// Observed AI exposure of the occupation's SOC code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobExposure {
    /// 6-digit SOC code.
    pub soc_code: String,
    /// Observed exposure (0–1).
    pub value: f64,
    /// Release.
    pub release: String,
}

/// The occupation's share of classified AI-usage conversations, added up over its current
/// tasks and the O*NET-SOC 2010 task lists it came from (see
/// [`crate::evidence::occupation_usage`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageInput {
    /// Share (%) of all classified conversations.
    pub share_pct: f64,
    /// Distinct task statements that contributed.
    pub tasks: u32,
    /// O*NET-SOC 2010 codes whose task lists contributed.
    pub codes_2010: Vec<String>,
    /// Release of the usage figures.
    pub release: String,
}

/// Everything the drafter reads about one occupation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccupationInputs {
    /// O*NET-SOC code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Job Zone (1–5).
    pub job_zone: Option<i64>,
    /// O*NET release of the occupation.
    pub release: String,
    /// Tasks (any order).
    pub tasks: Vec<TaskInput>,
    /// Rated elements (any order).
    pub elements: Vec<ElementInput>,
    /// Technology and tools (any order).
    pub commodities: Vec<CommodityInput>,
    /// AI-usage evidence per task (any order).
    pub evidence: Vec<TaskEvidence>,
    /// Job exposure, if the evidence covers the SOC code.
    pub exposure: Option<JobExposure>,
    /// The occupation's usage share, if usage evidence is imported.
    #[serde(default)]
    pub usage: Option<UsageInput>,
}

/// One task in the evidence pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EvidenceTask {
    /// O*NET task ID.
    pub task_id: i64,
    /// Task statement.
    pub task: String,
    /// Usage share (%).
    pub usage_pct: Option<f64>,
    /// Penetration (0–1).
    pub penetration: Option<f64>,
}

/// The AI-usage evidence pack of a framework version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EvidencePack {
    /// Tasks of the occupation.
    pub tasks_total: u32,
    /// Tasks with any AI-usage figure.
    pub tasks_with_evidence: u32,
    /// Tasks observed in use (usage share or penetration above zero).
    pub tasks_observed: u32,
    /// The occupation's share (%) of all classified conversations: each task's share,
    /// divided among the occupations that list the task, summed over the occupation's
    /// current tasks and the O*NET-SOC 2010 task lists it came from.
    pub usage_share_pct: Option<f64>,
    /// How many distinct task statements the usage share adds up.
    #[serde(default)]
    pub usage_tasks: Option<u32>,
    /// The O*NET-SOC 2010 codes whose task lists the usage share draws on.
    #[serde(default)]
    pub usage_codes_2010: Vec<String>,
    /// Mean penetration over tasks with a penetration figure.
    pub mean_penetration: Option<f64>,
    /// Observed exposure of the occupation's SOC code.
    pub job_exposure: Option<f64>,
    /// The most-used tasks.
    pub top_tasks: Vec<EvidenceTask>,
    /// What each figure rests on.
    pub citations: Vec<Citation>,
    /// Set when there is no evidence: what is missing.
    pub note: Option<String>,
}

/// A drafted framework version's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Draft {
    /// O*NET-SOC code.
    pub code: String,
    /// Occupation title.
    pub title: String,
    /// Job Zone.
    pub job_zone: Option<i64>,
    /// O*NET release the draft is grounded in.
    pub onet_release: String,
    /// The "context covered" paragraph.
    pub context: String,
    /// All statements, in section, domain, level and order sequence.
    pub statements: Vec<Statement>,
    /// The AI-usage evidence pack.
    pub evidence: EvidencePack,
    /// Sources cited.
    pub sources: Vec<Source>,
    /// What the draft could not ground, and why.
    pub gaps: Vec<String>,
}

impl Draft {
    /// Statements of one section.
    pub fn section(&self, s: Section) -> impl Iterator<Item = &Statement> {
        self.statements.iter().filter(move |x| x.section == s)
    }
}

/// Why an occupation was not drafted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotDrafted(pub String);

// ---------------------------------------------------------------------------------------
// Task text

fn clean(s: &str) -> String {
    clean_text(s)
}

/// Office software (spreadsheets, word processing, e-mail, presentations, office
/// suites): common to most occupations, so no technical subject for a trade that has
/// technology of its own.
pub fn is_office_software(title: &str) -> bool {
    let t = title.to_lowercase();
    [
        "spreadsheet software",
        "word processing software",
        "electronic mail software",
        "presentation software",
        "office suite software",
    ]
    .contains(&t.as_str())
}

/// A commodity title in running text: capitalized words lower-cased, acronyms kept
/// ("Computer aided design CAD software" → "computer aided design CAD software").
pub fn title_in_text(title: &str) -> String {
    title
        .split(' ')
        .map(|w| {
            let mut c = w.chars();
            let first_upper = c.next().is_some_and(|f| f.is_uppercase());
            if first_upper && c.all(|x| !x.is_uppercase()) {
                w.to_lowercase()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A commodity's examples worth naming: not a repeat of the commodity title, and not a
/// name that would read as several items in a list ("Bar and chain oil") or close the
/// bracket early; at most `n`.
fn named_examples(c: &CommodityInput, n: usize) -> Vec<String> {
    c.examples
        .iter()
        .filter(|e| {
            !e.trim().eq_ignore_ascii_case(c.title.trim())
                && !editorial::repeats_category(&c.title, e)
                && !e.contains([',', ';', ':', '(', ')', '[', ']'])
                && !e.contains(" and ")
                && !e.contains(" or ")
                // A name with a clause word in it ("Filters for ampoules") reads as a
                // shorter name followed by the sentence.
                && editorial::clause_head(e) == e.trim()
        })
        .take(n)
        .cloned()
        .collect()
}

/// A commodity named the one way the drafter names tools and technology:
/// "commodity (e.g. product, product)", or the commodity alone when no example adds to it.
pub fn commodity_phrase(c: &CommodityInput, n: usize) -> String {
    let ex = named_examples(c, n);
    let title = title_in_text(&c.title);
    if ex.is_empty() {
        title
    } else {
        format!("{title} (e.g. {})", ex.join(", "))
    }
}

/// How a task becomes a technical statement.
#[derive(Debug, Clone)]
struct TaskPlan {
    /// The statement's subject.
    subject: String,
    /// The verb phrase every level builds on, fitted to [`CORE_MAX`].
    core: String,
    /// The task as a verb phrase with its object (for durable statements), fitted to
    /// [`WHOLE_MAX`].
    whole: String,
    /// The mastery level the work belongs to by its nature ([`levels::nature`]).
    nature: MasteryLevel,
}

/// Word-set similarity of two task statements above which the second task is left out
/// (the linter's near-duplicate threshold is 0.85).
pub const NEAR_ALIKE: f64 = 0.8;

/// Longest task-derived verb phrase before the level's wording is added.
pub const CORE_MAX: usize = 170;

/// Longest task phrase a durable statement names.
pub const WHOLE_MAX: usize = 90;

/// The task (or work activity) as a verb phrase with its object, whole adjuncts dropped to
/// fit [`WHOLE_MAX`]; `None` when even the bare phrase is too long or not well formed.
fn whole_phrase(p: &ParsedTask) -> Option<String> {
    // Only a clean parse ends where a phrase ends ("prepare rooms … and ensure" does not).
    if p.verbs.is_empty() || p.object.is_empty() || !p.is_clean() {
        return None;
    }
    fit(p, WHOLE_MAX, |p, n| p.sentence(n)).filter(|s| {
        editorial::unbalanced_brackets(s).is_none()
            && editorial::example_lists(s).is_empty()
            && !cut_off(s)
    })
}

/// True when a phrase stops mid-clause: on a function word or a punctuation mark, or on a
/// lone participle after a comma ("… recipes or menus, taking"), which is where a task's
/// trailing clause was cut.
fn cut_off(phrase: &str) -> bool {
    if editorial::subject_function_word(phrase).is_some_and(|f| f.contains("ends on")) {
        return true;
    }
    match phrase.trim_end().rsplit_once(", ") {
        Some((_, tail)) => !tail.contains(' ') && tail.ends_with("ing"),
        None => false,
    }
}

/// Plans a task's statement: the subject from the task's object when the parse is clean,
/// else from its first Detailed Work Activity whose parse is clean, with the task's own
/// sentence as the performance. `None` when neither gives a well-formed statement whose
/// subject is not `taken` already.
fn plan_task(t: &TaskInput, taken: impl Fn(&str) -> bool) -> Option<TaskPlan> {
    let p = parse_task(&t.text);
    let dwa_parses: Vec<ParsedTask> = t.dwas.iter().map(|d| parse_task(d)).collect();
    let nature = if p.verbs.is_empty() {
        dwa_parses
            .first()
            .map(levels::nature)
            .unwrap_or(MasteryLevel::Emerging)
    } else {
        levels::nature(&p)
    };
    // Else a work activity's title whole: always a short, complete phrase.
    let whole = whole_phrase(&p)
        .or_else(|| dwa_parses.iter().find_map(whole_phrase))
        .or_else(|| t.dwas.first().map(|d| lower_first(&clean(d))))
        .unwrap_or_else(|| lower_first(&clean(&t.text)));
    if p.is_clean()
        && !taken(&p.subject())
        && let Some(core) = fit(&p, CORE_MAX, |p, n| p.performance(n))
    {
        return Some(TaskPlan {
            subject: p.subject(),
            core,
            whole,
            nature,
        });
    }
    for dp in &dwa_parses {
        if !dp.is_clean() || taken(&dp.subject()) {
            continue;
        }
        let own = (!p.verbs.is_empty() && !p.object.is_empty())
            .then(|| fit(&p, CORE_MAX, |p, n| p.sentence(n)))
            .flatten()
            .filter(|s| editorial::unbalanced_brackets(s).is_none());
        if let Some(core) = own.or_else(|| fit(dp, CORE_MAX, |p, n| p.sentence(n))) {
            return Some(TaskPlan {
                subject: dp.subject(),
                core,
                whole,
                nature,
            });
        }
    }
    None
}

/// Plans a statement from one of a task's Detailed Work Activities on its own: more of the
/// occupation's own work for a level its tasks leave short. `None` unless the activity's
/// parse is clean and its subject is not `taken`.
fn plan_dwa(dwa: &str, taken: impl Fn(&str) -> bool) -> Option<TaskPlan> {
    let dp = parse_task(dwa);
    // Without an adjunct the verb phrase is the bare verb ("Reports — write"): too thin.
    if !dp.is_clean() || dp.adjuncts.is_empty() || taken(&dp.subject()) {
        return None;
    }
    let core = fit(&dp, CORE_MAX, |p, n| p.performance(n))?;
    Some(TaskPlan {
        subject: dp.subject(),
        core,
        whole: whole_phrase(&dp)?,
        nature: levels::nature(&dp),
    })
}

/// The verb and object of a task for the AI-usage wording ("plan delivery routes") and
/// the subject it is about, from the task when its parse is clean, else from its DWA.
fn ai_phrase(t: &TaskInput) -> Option<(String, String)> {
    let p = parse_task(&t.text);
    let ok = |p: &ParsedTask| p.is_clean() && p.subject().chars().count() <= 60;
    if ok(&p) {
        return Some((p.subject(), p.sentence(0)));
    }
    t.dwas
        .iter()
        .map(|d| parse_task(d))
        .find(ok)
        .map(|dp| (dp.subject(), dp.sentence(0)))
}

fn tokens(s: &str) -> BTreeSet<String> {
    const STOP: &[&str] = &[
        "and",
        "or",
        "the",
        "a",
        "an",
        "of",
        "to",
        "for",
        "in",
        "on",
        "with",
        "using",
        "such",
        "as",
        "by",
        "from",
        "into",
        "other",
        "software",
        "equipment",
        "tools",
        "tool",
        "systems",
        "system",
        "devices",
        "device",
        "computer",
        "computers",
        "work",
        "data",
        "management",
        "application",
        "applications",
        "office",
        "suite",
        "program",
        "programs",
        "user",
        "base",
        "interface",
        "query",
        "related",
        "materials",
        "products",
        "design",
        "power",
        "part",
        "process",
        "control",
        "test",
        "testing",
        "specification",
        "electronic",
        "electrical",
        "assembly",
        "assemblie",
        "component",
        "hand",
        "machine",
    ];
    s.split(|c: char| !c.is_alphanumeric())
        .map(|w| w.to_lowercase())
        .map(|w| {
            if w.len() > 4 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w
            }
        })
        .filter(|w| w.len() > 2 && !STOP.contains(&w.as_str()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Level wording

/// What the framework rests on, each kind of source credited to the O*NET release it
/// came from ("22 task statements, the technology and tools reported for the occupation,
/// and ratings of work styles from O*NET 30.1; and ratings of skills and knowledge from
/// O*NET 29.3"), releases in the order first named.
fn grounding_clause(inp: &OccupationInputs, ranked: &[&TaskInput]) -> String {
    // Per release: the things drawn from it, and the rated domains.
    let mut groups: Vec<(String, Vec<String>, Vec<&str>)> = Vec::new();
    fn group<'g, 'a>(
        groups: &'g mut Vec<(String, Vec<String>, Vec<&'a str>)>,
        release: &str,
    ) -> &'g mut (String, Vec<String>, Vec<&'a str>) {
        let i = match groups.iter().position(|g| g.0 == release) {
            Some(i) => i,
            None => {
                groups.push((release.to_string(), Vec::new(), Vec::new()));
                groups.len() - 1
            }
        };
        &mut groups[i]
    }
    let task_release = ranked
        .first()
        .map(|t| t.release.as_str())
        .unwrap_or(&inp.release);
    let n = ranked.len();
    let tasks = format!("{n} task statement{}", if n == 1 { "" } else { "s" });
    match ranked.iter().find_map(|t| t.rating_release.as_deref()) {
        Some(r) if r == task_release => group(&mut groups, task_release)
            .1
            .push(format!("{tasks} with their importance ratings")),
        Some(r) => {
            group(&mut groups, task_release).1.push(tasks);
            group(&mut groups, r)
                .1
                .push("task importance ratings".into());
        }
        None => group(&mut groups, task_release).1.push(tasks),
    }
    let mut com: Vec<&str> = inp.commodities.iter().map(|c| c.release.as_str()).collect();
    com.sort();
    com.dedup();
    for r in com {
        group(&mut groups, r)
            .1
            .push("the technology and tools reported for the occupation".into());
    }
    for (domain, what) in [
        ("skills", "skills"),
        ("knowledge", "knowledge"),
        ("work_styles", "work styles"),
        ("work_activities", "work activities"),
    ] {
        let mut releases: Vec<&str> = inp
            .elements
            .iter()
            .filter(|e| e.domain == domain)
            .map(|e| e.release.as_str())
            .collect();
        releases.sort();
        releases.dedup();
        for r in releases {
            group(&mut groups, r).2.push(what);
        }
    }
    let groups: Vec<String> = groups
        .into_iter()
        .map(|(r, mut parts, rated)| {
            if !rated.is_empty() {
                let rated: Vec<String> = rated.iter().map(|s| s.to_string()).collect();
                parts.push(format!("ratings of {}", join_list(&rated)));
            }
            format!("{} from O*NET {r}", join_list(&parts))
        })
        .collect();
    match groups.as_slice() {
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first}; and {}", rest.join("; and ")),
        [] => String::new(),
    }
}

fn join_list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        2 => format!("{} and {}", items[0], items[1]),
        _ => format!(
            "{}, and {}",
            items[..items.len() - 1].join(", "),
            items[items.len() - 1]
        ),
    }
}

/// A task-derived performance at a level, for work of the given nature. `variant` picks
/// among the level's wordings so a level's statements do not all read alike.
fn task_performance(
    level: MasteryLevel,
    nature: MasteryLevel,
    core: &str,
    tool: Option<&CommodityInput>,
    variant: usize,
) -> String {
    // The tool is named whole or not at all: fewer examples, never a cut name.
    let mut clauses: Vec<String> = tool
        .map(|t| {
            (0..=2)
                .rev()
                .map(|n| format!(", working with {}", commodity_phrase(t, n)))
                .filter(|c| c.chars().count() <= TOOL_CLAUSE_MAX)
                .collect()
        })
        .unwrap_or_default();
    clauses.push(String::new());
    let texts: Vec<String> = clauses
        .iter()
        .map(|c| task_level_text(level, nature, &format!("{core}{c}"), variant))
        .collect();
    texts
        .iter()
        .find(|t| t.chars().count() <= PERFORMANCE_MAX)
        .unwrap_or(&texts[texts.len() - 1])
        .clone()
}

/// How a level's demand is written into a task's statement. Work of the level's own
/// nature carries the level in what it is; the wording adds who directs it, how complex
/// the cases are and whom it affects, in one of several forms. Work raised above its
/// nature is written as the level's kind of work about the same task (setting standards
/// for it, training others in it, planning it); work lowered below its nature as a
/// supervised or limited share of it. The task phrase `c` is always followed by a comma
/// or ends the statement, so a qualifier never reads as one more example of a list.
fn task_level_text(level: MasteryLevel, nature: MasteryLevel, c: &str, variant: usize) -> String {
    use MasteryLevel::{Advanced as A, Developing as D, Emerging as E, Proficient as P};
    let relation = level.cmp(&nature);
    let forms: &[&str] = match (level, relation) {
        (E, Ordering::Equal) => &[
            "{c}, keeping to the set procedure under a supervisor's direction",
            "{c}, on routine assignments whose results an experienced colleague checks",
            "follow the established routine to {c}, asking before departing from it",
            "{c}, as a supervised member of the crew, reporting anything out of the ordinary",
            "work through the standard steps to {c}, with each result checked by a supervisor",
        ],
        (E, _) => &[
            "help more experienced colleagues {c}, carrying out the parts assigned",
            "{c}, on simple cases and under an experienced colleague's guidance",
            "take a supervised share of the work to {c}, learning the method step by step",
        ],
        (D, Ordering::Equal) => &[
            "{c}, without supervision, finding and correcting the usual faults",
            "{c}, on own responsibility, adapting the method when the standard one does not fit",
            "work out how to {c}, diagnosing problems on everyday jobs and deciding when to escalate",
            "{c}, independently, modifying the set-up to suit the job and recording the changes",
            "take charge of the work to {c}, checking the result before handing it on",
        ],
        (D, Ordering::Greater) => &[
            "{c}, unsupervised on everyday work, spotting and fixing what goes wrong",
            "plan own work to {c}, adjusting the method to the job in hand",
            "{c}, alone on standard jobs, troubleshooting setbacks before calling for help",
        ],
        (D, _) => &[
            "{c}, on everyday cases, referring unusual ones to a senior colleague",
            "carry out, independently, the assigned parts of the work to {c}",
            "{c}, within set limits, drawing in a senior colleague when the case is complex",
        ],
        (P, Ordering::Equal) => &[
            "{c}, where several systems or unusual conditions interact, choosing and justifying the approach",
            "{c}, on complex, non-routine work, judging the result against its purpose and improving the method",
            "decide, when standard methods fall short, how best to {c}, and answer for the result",
            "{c}, across linked systems, weighing alternatives and explaining the choice to others",
            "judge on unfamiliar work how to {c}, then refine the approach from the results",
        ],
        (P, Ordering::Greater) => &[
            "{c}, in difficult or unusual cases, tracing root causes and improving the method",
            "judge, as conditions change, when and how to {c}, answering for the outcome",
            "improve how the work is done to {c}, testing changes before adopting them",
        ],
        (P, _) => &[
            "{c}, within own area, advising those who decide",
            "contribute expert judgment to the work to {c}, proposing changes with evidence",
        ],
        (A, Ordering::Equal) | (A, Ordering::Less) => &[
            "{c}, deciding the approach for the organization and answering for its results",
            "{c}, for the whole operation, setting the priorities others work to",
            "take the lead to {c}, committing resources and accounting for the outcome",
            "{c}, on the organization's behalf, bringing others' views into each decision",
            "{c}, then review how well the arrangements work and change them where the evidence shows a need",
        ],
        (A, Ordering::Greater) => &[
            "set the standards and methods by which others {c}, and check the work against them",
            "train and mentor colleagues to {c}, judging when each can work alone",
            "plan how and when the organization's teams {c}, allocating people and equipment",
            "decide the procedures by which teams {c}, revising them as the work and the rules change",
        ],
    };
    forms[variant % forms.len()].replace("{c}", c)
}

/// Longest ", working with …" clause in a task statement.
pub const TOOL_CLAUSE_MAX: usize = 110;

fn commodity_performance(level: MasteryLevel, c: &CommodityInput, variant: usize) -> String {
    let title = title_in_text(&c.title);
    let what = (0..=3)
        .rev()
        .map(|n| commodity_phrase(c, n))
        .find(|w| w.chars().count() <= 160)
        .unwrap_or_else(|| title.clone());
    match (level, variant % 2) {
        (MasteryLevel::Emerging, 0) => format!(
            "use {what} for assigned routine tasks under direct supervision, following the site's set-up and safety procedures"
        ),
        (MasteryLevel::Emerging, _) => format!(
            "operate {what} on simple jobs while a senior colleague watches, keeping to written instructions"
        ),
        (MasteryLevel::Developing, 0) => format!(
            "operate {what} with minimal oversight to complete standard work, sorting out common settings problems and errors"
        ),
        (MasteryLevel::Developing, _) => format!(
            "run everyday work on {what} independently and fix the usual faults and set-up mistakes"
        ),
        (MasteryLevel::Proficient, 0) => format!(
            "apply {what} autonomously to non-routine problems, adapting set-ups to the job and judging whether results are sound"
        ),
        (MasteryLevel::Proficient, _) => format!(
            "configure {what} for unusual or complex jobs on own authority and vouch for the quality of what they produce"
        ),
        (MasteryLevel::Advanced, 0) => format!(
            "decide which {title} the organization adopts, set the standards for its use and lead others in applying it well"
        ),
        (MasteryLevel::Advanced, _) => format!(
            "govern the organization's portfolio of {title}, planning upgrades and training so every team can rely on it"
        ),
    }
}

/// A knowledge domain's name as a noun the level wordings can take ("principles of
/// mechanics", "grounded in office administration"): O*NET names two domains with an
/// adjective ("Mechanical", "Administrative"), which reads as a cut phrase there.
pub fn knowledge_noun(name: &str) -> String {
    match name.trim().to_lowercase().as_str() {
        "mechanical" => "mechanics".into(),
        "administrative" => "office administration".into(),
        n => n.replace("english", "English"),
    }
}

fn knowledge_performance(level: MasteryLevel, name: &str, variant: usize) -> String {
    let n = knowledge_noun(name);
    match (level, variant % 2) {
        (MasteryLevel::Emerging, 0) => format!(
            "apply basic principles of {n} to routine tasks under close guidance, asking when a case falls outside them"
        ),
        (MasteryLevel::Emerging, _) => format!(
            "recall core {n} facts and terms while doing supervised work, checking understanding with a mentor"
        ),
        (MasteryLevel::Developing, 0) => format!(
            "apply principles of {n} with minimal oversight to standard problems and explain the reasoning behind choices made"
        ),
        (MasteryLevel::Developing, _) => format!(
            "use working knowledge of {n} independently to interpret everyday situations and pick the usual remedy"
        ),
        (MasteryLevel::Proficient, 0) => format!(
            "bring in-depth knowledge of {n} to non-routine and complex problems on own authority, weighing trade-offs between options"
        ),
        (MasteryLevel::Proficient, _) => format!(
            "draw on expert command of {n} to resolve unfamiliar cases autonomously and advise colleagues who are stuck"
        ),
        (MasteryLevel::Advanced, 0) => format!(
            "define the {n} knowledge the organization's roles require, lead others' development in it and govern how it is applied"
        ),
        (MasteryLevel::Advanced, _) => format!(
            "set organization-wide practice grounded in {n}, sponsoring training and reviewing decisions that depend on it"
        ),
    }
}

fn ai_subject(subject: &str) -> String {
    format!("AI support for {}", lower_first(subject))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if !s.chars().nth(1).is_some_and(|x| x.is_uppercase()) => {
            f.to_lowercase().collect::<String>() + c.as_str()
        }
        Some(f) => f.to_string() + c.as_str(),
        None => String::new(),
    }
}

fn ai_performance(level: MasteryLevel, task: &str, variant: usize) -> String {
    match (level, variant % 2) {
        (MasteryLevel::Emerging, 0) => format!(
            "uses an approved AI tool to look up procedures and references while learning to {task}, checking every answer against official documents before acting"
        ),
        (MasteryLevel::Emerging, _) => format!(
            "asks a supervisor before relying on any AI suggestion about how to {task}, and notes where the tool was wrong"
        ),
        (MasteryLevel::Developing, 0) => format!(
            "uses AI tools to draft, summarize or check routine parts of the work to {task}, verifying the output against measurements and specifications"
        ),
        (MasteryLevel::Developing, _) => format!(
            "hands repetitive write-ups linked to the duty to {task} to an AI assistant, then corrects and signs off the result personally"
        ),
        (MasteryLevel::Proficient, 0) => format!(
            "decides which parts of the work to {task} can be handed to AI tools, evaluates their output critically and keeps responsibility for the result"
        ),
        (MasteryLevel::Proficient, _) => format!(
            "combines AI analysis with own expertise when asked to {task} in unusual cases, testing the tool's reasoning before accepting it"
        ),
        (MasteryLevel::Advanced, 0) => format!(
            "sets the rules for when and how the team uses AI in the work to {task}, measures its effect on quality and time, and fixes where human review is required"
        ),
        (MasteryLevel::Advanced, _) => format!(
            "evaluates competing AI products for the duty to {task}, weighing measured benefits against risks, and decides on adoption and safeguards"
        ),
    }
}

/// The opening and closing phrases ([`editorial::stems_of`]) a version's statements use so
/// far, so the drafter can pick a wording whose phrases at most [`editorial::STEM_MAX_SHARED`]
/// statements share (`duplicate-stem`).
#[derive(Debug, Default)]
struct Stems(std::collections::BTreeMap<String, usize>);

impl Stems {
    /// The phrases of a performance that count: those not in its cited `sources`.
    fn keys(performance: &str, sources: &[&str]) -> Vec<String> {
        editorial::stems_of(performance)
            .map(|(o, c)| {
                [("o", o), ("c", c)]
                    .into_iter()
                    .filter(|(_, p)| !sources.iter().any(|s| editorial::phrase_in(p, s)))
                    .map(|(k, p)| format!("{k} {p}"))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn fits(&self, performance: &str, sources: &[&str]) -> bool {
        Self::keys(performance, sources)
            .iter()
            .all(|k| self.0.get(k).copied().unwrap_or(0) < editorial::STEM_MAX_SHARED)
    }

    fn add(&mut self, performance: &str, sources: &[&str]) {
        for k in Self::keys(performance, sources) {
            *self.0.entry(k).or_default() += 1;
        }
    }
}

/// A subject of the AI-usage section: an observed task (by its place among them), or the
/// AI practice first written at a level (by the level's index) across the observed tasks.
#[derive(Debug, Clone, Copy)]
enum AiItem {
    Task(usize),
    Practice(usize),
}

/// The AI practice an occupation with few observed tasks takes up at the levels its tasks
/// do not reach, over the observed tasks' phrases (most used first): checking output
/// (first at Developing), choosing what to hand to a tool (Proficient), the team's rules
/// (Advanced). Returns the subject and the performance at `level`. Each wording names the
/// work in a phrase of its own closed by a comma (first, or after the wording's opening
/// words), never inside a clause and never last, so the task phrases do not break up the
/// sentence and no two wordings open or close alike, nor close like a statement ending on
/// the same task.
fn ai_practice(kind: usize, level: MasteryLevel, tasks: &[&str]) -> (&'static str, String) {
    let a = tasks.first().copied().unwrap_or("carry out the core tasks");
    let work = match tasks.get(1) {
        Some(b) if *b != a => format!("the work to {a} and to {b}"),
        _ => format!("the work to {a}"),
    };
    let first = level as usize == kind;
    match kind {
        0 | 1 => (
            "Checking AI output",
            if first {
                format!(
                    "before using any draft or answer an AI tool gives in {work}, checks it against records, measurements and specifications"
                )
            } else {
                format!(
                    "in {work}, spots AI output that looks plausible but is wrong, traces why the tool fails there and warns colleagues of the pattern"
                )
            },
        ),
        2 => (
            "Steps handed to AI",
            if first {
                format!(
                    "for {work}, decides which steps an AI tool may draft and which stay with a person, and answers for the combined result"
                )
            } else {
                format!(
                    "reviews which steps the team hands to AI tools in {work}, and takes them back where quality or safety suffers"
                )
            },
        ),
        _ => (
            "The team's rules for AI use",
            format!(
                "sets when and how the team may use AI in {work}, fixes where a person must review the result, and measures the effect on quality and time"
            ),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// The drafter

fn cmp_f64_desc(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// How [`rank_tasks`] ordered an occupation's tasks, in words for the context paragraph.
pub fn ranking_used(tasks: &[TaskInput]) -> String {
    let listed = if tasks.iter().any(|t| t.importance.is_some()) {
        "Tasks are ranked by their rated importance (O*NET Task Ratings)."
    } else if tasks.iter().any(|t| t.position.is_some()) {
        "No task importance ratings are imported, so tasks are ranked core before supplemental, each in the order the O*NET release lists them."
    } else {
        "No task importance ratings or task order are imported, so tasks are ranked core before supplemental, then by task ID."
    };
    let new = tasks
        .iter()
        .filter(|t| t.origin == TaskOrigin::Emerging { revises: None })
        .count();
    let revised = tasks
        .iter()
        .filter(|t| matches!(t.origin, TaskOrigin::Emerging { revises: Some(_) }))
        .count();
    let mut s = listed.to_string();
    if new > 0 {
        s.push_str(&format!(
            " {new} emerging task{} (new work O*NET has collected for the occupation but not yet rated) follow{} the core tasks.",
            if new == 1 { "" } else { "s" },
            if new == 1 { "s" } else { "" },
        ));
    }
    if revised > 0 {
        s.push_str(&format!(
            " {revised} emerging revision{} of a listed task take{} that task's place.",
            if revised == 1 { "" } else { "s" },
            if revised == 1 { "s" } else { "" },
        ));
    }
    s
}

/// Tasks in drafting order: rated importance (highest first) where imported, else core
/// before supplemental, each in the release's own order of tasks; ties by task ID. An
/// emerging task that revises a listed task ranks just before it (its newer wording is
/// planned first, so the older one drops out when the two read alike); a new emerging
/// task ranks after the core tasks and before the supplemental ones.
pub fn rank_tasks(tasks: &[TaskInput]) -> Vec<&TaskInput> {
    // (importance, tier, position, before-the-task-it-revises) of each task.
    let key = |t: &TaskInput| -> (Option<f64>, u8, Option<i64>, u8) {
        let listed_tier = |t: &TaskInput| if t.core { 0 } else { 2 };
        match t.origin {
            TaskOrigin::Listed => (t.importance, listed_tier(t), t.position, 1),
            TaskOrigin::Emerging { revises } => match revises.and_then(|id| {
                tasks
                    .iter()
                    .find(|o| o.task_id == id && o.origin == TaskOrigin::Listed)
            }) {
                Some(o) => (o.importance, listed_tier(o), o.position, 0),
                None => (None, 1, t.position, 1),
            },
        }
    };
    let mut v: Vec<&TaskInput> = tasks.iter().collect();
    v.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        cmp_f64_desc(ka.0, kb.0)
            .then(ka.1.cmp(&kb.1))
            .then(match (ka.2, kb.2) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            .then(ka.3.cmp(&kb.3))
            .then(a.task_id.cmp(&b.task_id))
    });
    v.dedup_by_key(|t| t.task_id);
    v
}

fn task_citation(t: &TaskInput) -> Citation {
    let locator = match t.origin {
        TaskOrigin::Listed => Locator::Task { task_id: t.task_id },
        TaskOrigin::Emerging { revises } => Locator::EmergingTask { revises },
    };
    Citation {
        source: "onet".into(),
        release: t
            .rating_release
            .clone()
            .unwrap_or_else(|| t.release.clone()),
        locator,
        text: clean(&t.text),
        value: t.importance,
    }
}

/// A task's citation and, for an emerging revision, the listed task it rewords.
fn task_citations(t: &TaskInput, tasks: &[TaskInput]) -> Vec<Citation> {
    let mut v = vec![task_citation(t)];
    if let TaskOrigin::Emerging { revises: Some(id) } = t.origin
        && let Some(o) = tasks
            .iter()
            .find(|o| o.task_id == id && o.origin == TaskOrigin::Listed)
    {
        v.push(task_citation(o));
    }
    v
}

fn element_citation(e: &ElementInput) -> Citation {
    Citation {
        source: "onet".into(),
        release: e.release.clone(),
        locator: Locator::Element {
            element_id: e.element_id.clone(),
            scale: e.scale.clone(),
        },
        text: e.name.clone(),
        value: Some(e.value),
    }
}

fn commodity_citation(c: &CommodityInput) -> Citation {
    Citation {
        source: "onet".into(),
        release: c.release.clone(),
        locator: Locator::Commodity {
            commodity_code: c.commodity_code,
            table: c.table.clone(),
        },
        text: if c.examples.is_empty() {
            c.title.clone()
        } else {
            format!("{} ({})", c.title, c.examples.join(", "))
        },
        value: None,
    }
}

enum Grounding<'a> {
    Task(&'a TaskInput, TaskPlan),
    Commodity(&'a CommodityInput, usize),
    Knowledge(&'a ElementInput, usize),
}

/// Word-set (Jaccard) similarity of two word sets.
fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        1.0
    } else {
        a.intersection(b).count() as f64 / union as f64
    }
}

/// A grounding and the run of levels it is written at.
struct Placed<'a> {
    grounding: Grounding<'a>,
    /// The level where it is the level's own work.
    home: usize,
    /// Lowest and highest level it is written at (a ladder never skips a level).
    lo: usize,
    hi: usize,
    /// Drafting order: tasks by rank, then work activities, then technology and knowledge.
    rank: usize,
}

impl Placed<'_> {
    fn spans(&self, level: MasteryLevel) -> bool {
        (self.lo..=self.hi).contains(&(level as usize))
    }

    /// Where a statement stands within its level: the level's own work (0), technology and
    /// knowledge (1), work carried on from a neighbouring level (2).
    fn order_class(&self, level: MasteryLevel) -> u8 {
        match &self.grounding {
            Grounding::Task(..) if self.home == level as usize => 0,
            Grounding::Task(..) => 2,
            _ => 1,
        }
    }
}

/// The levels technology and knowledge statements are written at: the first technology
/// at Emerging and Developing, the first knowledge domain at Developing and Proficient, the
/// second technology at Proficient and Advanced, the second knowledge domain at Advanced.
const EXTRA_SPANS: [(usize, usize); 4] = [(0, 1), (1, 2), (2, 3), (3, 3)];

/// Gives each level of the technical section mostly its own work.
///
/// Each planned task or work activity (`plans`, tasks first in drafting order, then the
/// tasks' work activities) goes to the level of its nature. Each level has room for
/// [`TECHNICAL_PER_LEVEL`] statements less its technology and knowledge, and at most an
/// even share of the occupation's work. A level with more than its room passes its
/// lowest-ranked work up to the next level while some level above is short, then down
/// while some level below is short; what still does not fit is left out. Technology and
/// knowledge take the spans of [`EXTRA_SPANS`]. A level still short of
/// [`TECHNICAL_PER_LEVEL`] continues the best-ranked work of the level below it (or the
/// level above's down), which then climbs a ladder over both levels, but only while at most
/// half of each level's subjects are the level below's; Emerging, with no level below,
/// takes work down from the level above only up to [`super::lint::THIN_LEVEL`] statements.
fn place<'a>(
    plans: Vec<(&'a TaskInput, TaskPlan)>,
    com_g: Vec<Grounding<'a>>,
    know_g: Vec<Grounding<'a>>,
) -> Vec<Placed<'a>> {
    const N: usize = 4;
    let n_plans = plans.len();
    let mut extras: Vec<Placed<'a>> = Vec::new();
    let mut com = com_g.into_iter();
    let mut know = know_g.into_iter();
    for (i, g) in [com.next(), know.next(), com.next(), know.next()]
        .into_iter()
        .enumerate()
    {
        if let Some(g) = g {
            let (lo, hi) = EXTRA_SPANS[i];
            extras.push(Placed {
                grounding: g,
                home: lo,
                lo,
                hi,
                rank: n_plans + i,
            });
        }
    }
    let mut room = [TECHNICAL_PER_LEVEL; N];
    for e in &extras {
        for r in room.iter_mut().take(e.hi + 1).skip(e.lo) {
            *r = r.saturating_sub(1);
        }
    }
    // With less work than the levels have room for, each level's room is an even share of
    // it, so the surplus of one level's nature moves to a level short of its own work
    // instead of that level repeating the one below.
    let share = n_plans.div_ceil(N).max(1);
    for r in room.iter_mut() {
        *r = (*r).min(share);
    }
    // Own work per level, by rank: tasks before work activities.
    let mut own: [Vec<(usize, &'a TaskInput, TaskPlan)>; N] = Default::default();
    for (rank, (t, plan)) in plans.into_iter().enumerate() {
        let l = plan.nature as usize;
        own[l].push((rank, t, plan));
    }
    let over = |own: &[Vec<(usize, &TaskInput, TaskPlan)>; N], l: usize| own[l].len() > room[l];
    let deficit = |own: &[Vec<(usize, &TaskInput, TaskPlan)>; N], l: usize| own[l].len() < room[l];
    for l in 0..N - 1 {
        while over(&own, l) && (l + 1..N).any(|k| deficit(&own, k)) {
            let x = own[l].pop().expect("over room");
            let at = own[l + 1].partition_point(|y| y.0 < x.0);
            own[l + 1].insert(at, x);
        }
    }
    for l in (1..N).rev() {
        while over(&own, l) && (0..l).any(|k| deficit(&own, k)) {
            let x = own[l].pop().expect("over room");
            let at = own[l - 1].partition_point(|y| y.0 < x.0);
            own[l - 1].insert(at, x);
        }
    }
    let mut placed: Vec<Placed<'a>> = Vec::new();
    for (l, items) in own.into_iter().enumerate() {
        for (rank, t, plan) in items.into_iter().take(room[l]) {
            placed.push(Placed {
                grounding: Grounding::Task(t, plan),
                home: l,
                lo: l,
                hi: l,
                rank,
            });
        }
    }
    placed.extend(extras);
    // Fill short levels by carrying work on from the neighbouring level, as long as each
    // level keeps at least half of its subjects its own (what `level-repeat` asks): a
    // level short of work stays short rather than repeat the level below. A level never
    // stays empty.
    let count =
        |placed: &[Placed<'a>], l: usize| placed.iter().filter(|p| p.lo <= l && l <= p.hi).count();
    // Subjects at `l` that the level below has too.
    let repeats =
        |placed: &[Placed<'a>], l: usize| placed.iter().filter(|p| p.lo < l && l <= p.hi).count();
    for l in (1..N).chain([0]) {
        // Emerging borrows from above only to stay out of `level-thin`: each borrowed
        // subject is one the level above no longer has to itself.
        let target = if l == 0 {
            super::lint::THIN_LEVEL
        } else {
            TECHNICAL_PER_LEVEL
        };
        while count(&placed, l) < target {
            let empty = count(&placed, l) == 0;
            // Carried up, the work repeats at `l`; carried down, at `l + 1`.
            let up_ok = l > 0 && (empty || (repeats(&placed, l) + 1) * 2 <= count(&placed, l) + 1);
            let down_ok =
                l + 1 < N && (empty || (repeats(&placed, l + 1) + 1) * 2 <= count(&placed, l + 1));
            let next = |placed: &mut Vec<Placed<'a>>, up: bool| {
                placed
                    .iter_mut()
                    .filter(|p| matches!(p.grounding, Grounding::Task(..)))
                    .filter(|p| if up { p.hi + 1 == l } else { p.lo == l + 1 })
                    // The neighbouring level's own work before work it carries on, so
                    // one task does not climb every level.
                    .min_by_key(|p| {
                        let neighbour = if up { l - 1 } else { l + 1 };
                        (p.home != neighbour, p.rank)
                    })
                    .map(|p| if up { p.hi = l } else { p.lo = l })
            };
            if (up_ok && next(&mut placed, true).is_some())
                || (down_ok && next(&mut placed, false).is_some())
            {
                continue;
            }
            break;
        }
    }
    placed
}

/// Most technology or tool statements per level.
pub const MAX_COMMODITY: usize = 2;
/// Most knowledge statements per level.
pub const MAX_KNOWLEDGE: usize = 2;

/// Best-matching tool or technology for a task (shared non-generic words), if any.
fn tool_for<'a>(
    task: &str,
    commodities: &[(BTreeSet<String>, &'a CommodityInput)],
) -> Option<&'a CommodityInput> {
    let tt = tokens(task);
    commodities
        .iter()
        .map(|(ct, c)| (tt.intersection(ct).count(), *c))
        .filter(|(n, _)| *n > 0)
        .max_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.commodity_code.cmp(&a.1.commodity_code))
                .then(b.1.table.cmp(&a.1.table))
        })
        .map(|(_, c)| c)
}

/// Drafts a framework version for one occupation.
pub fn draft(inp: &OccupationInputs) -> Result<Draft, NotDrafted> {
    let ranked = rank_tasks(&inp.tasks);
    if ranked.len() < MIN_TASKS {
        return Err(NotDrafted(format!(
            "only {} task statement(s); at least {MIN_TASKS} are needed",
            ranked.len()
        )));
    }
    let mut gaps = Vec::new();

    // Commodities: hot first, then most examples, then code.
    // Office software only when the occupation has no technology or tools of its own.
    let trade_specific = inp
        .commodities
        .iter()
        .any(|c| !is_office_software(&c.title));
    let mut commodities: Vec<&CommodityInput> = inp
        .commodities
        .iter()
        .filter(|c| !(trade_specific && is_office_software(&c.title)))
        .collect();
    commodities.sort_by(|a, b| {
        b.hot
            .cmp(&a.hot)
            .then(b.examples.len().cmp(&a.examples.len()))
            .then(a.table.cmp(&b.table))
            .then(a.commodity_code.cmp(&b.commodity_code))
    });
    let mut knowledge: Vec<&ElementInput> = inp
        .elements
        .iter()
        .filter(|e| e.domain == "knowledge" && e.scale == "IM" && e.matters())
        .collect();
    knowledge.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then(a.element_id.cmp(&b.element_id))
    });
    if knowledge.is_empty() {
        gaps.push("No knowledge ratings are imported for this occupation, so no statement draws on a knowledge domain.".to_string());
    }
    if inp.commodities.is_empty() {
        gaps.push("No technology or tool entries are imported for this occupation.".to_string());
    }
    if inp.tasks.iter().all(|t| t.importance.is_none()) {
        gaps.push(ranking_used(&inp.tasks));
    }

    // Technical groundings: the occupation's tasks, then their work activities, each
    // planned once with its own subject; two tasks worded nearly alike are one.
    let mut seen_subjects = BTreeSet::new();
    let mut plans: Vec<(&TaskInput, TaskPlan)> = Vec::new();
    let mut plan_words: Vec<BTreeSet<String>> = Vec::new();
    let mut core_words: Vec<BTreeSet<String>> = Vec::new();
    let mut whole_words: Vec<BTreeSet<String>> = Vec::new();
    let mut keep = |plan: &TaskPlan, seen: &mut BTreeSet<String>| -> bool {
        let w = super::lint::words(&format!("{} {}", plan.subject, plan.core));
        // Two plans whose verb phrases are alike read alike at a level whatever their
        // subjects ("Mechanical equipment" and "Mechanical systems" — "test to ensure
        // proper functioning").
        let c = super::lint::words(&plan.core);
        // Nor may two plans name the same work whole (two tasks falling back on one work
        // activity's title).
        let h = super::lint::words(&plan.whole);
        if plan_words.iter().any(|p| jaccard(p, &w) >= NEAR_ALIKE)
            || core_words.iter().any(|p| jaccard(p, &c) >= NEAR_ALIKE)
            || whole_words.iter().any(|p| jaccard(p, &h) >= NEAR_ALIKE)
            || !seen.insert(task_key(&plan.subject))
        {
            return false;
        }
        plan_words.push(w);
        core_words.push(c);
        whole_words.push(h);
        true
    };
    for t in &ranked {
        if let Some(plan) = plan_task(t, |s| seen_subjects.contains(&task_key(s)))
            && keep(&plan, &mut seen_subjects)
        {
            plans.push((*t, plan));
        }
    }
    for t in &ranked {
        for d in &t.dwas {
            if let Some(plan) = plan_dwa(d, |s| seen_subjects.contains(&task_key(s)))
                && keep(&plan, &mut seen_subjects)
            {
                plans.push((*t, plan));
            }
        }
    }
    let mut com_g: Vec<Grounding> = Vec::new();
    for c in &commodities {
        if com_g.len() < MAX_COMMODITY
            && c.title.chars().count() <= super::lint::SUBJECT_MAX
            && seen_subjects.insert(task_key(&c.title))
        {
            com_g.push(Grounding::Commodity(c, com_g.len()));
        }
    }
    let mut know_g: Vec<Grounding> = Vec::new();
    for k in &knowledge {
        if know_g.len() < MAX_KNOWLEDGE
            && seen_subjects.insert(task_key(&format!("{} knowledge", k.name)))
        {
            know_g.push(Grounding::Knowledge(k, know_g.len()));
        }
    }
    let mut placed = place(plans, com_g, know_g);
    placed.sort_by_key(|p| p.rank);

    // Each tool or technology sharpens at most one task statement.
    let mut used_tools = BTreeSet::new();
    let com_tokens: Vec<(BTreeSet<String>, &CommodityInput)> = inp
        .commodities
        .iter()
        .map(|c| {
            let mut t = tokens(&c.title);
            for e in &c.examples {
                t.extend(tokens(e));
            }
            (t, c)
        })
        .collect();
    let tools: Vec<Option<&CommodityInput>> = placed
        .iter()
        .map(|p| match &p.grounding {
            Grounding::Task(t, plan)
                if p.spans(MasteryLevel::Developing) || p.spans(MasteryLevel::Proficient) =>
            {
                tool_for(&t.text, &com_tokens)
                    .filter(|_| editorial::example_lists(&plan.core).is_empty())
                    .filter(|c| used_tools.insert((c.table.clone(), c.commodity_code)))
            }
            _ => None,
        })
        .collect();
    let mut statements = Vec::new();
    let mut stems = Stems::default();
    for level in MasteryLevel::ALL {
        let mut here: Vec<(usize, &Placed)> = placed
            .iter()
            .enumerate()
            .filter(|(_, p)| p.spans(level))
            .collect();
        // The level's own work first, then technology and knowledge, then work carried on
        // from a neighbouring level; each in drafting order.
        here.sort_by_key(|(_, p)| (p.order_class(level), p.rank));
        let mut level_words: Vec<BTreeSet<String>> = Vec::new();
        for (i, (pi, p)) in here.iter().enumerate() {
            let (subject, performance, citations) = match &p.grounding {
                Grounding::Task(t, plan) => {
                    let tool = tools[*pi].filter(|_| {
                        matches!(level, MasteryLevel::Developing | MasteryLevel::Proficient)
                    });
                    // A wording that opens on the subject's own word ("Work — work
                    // through …") reads as a repeat: take the next one.
                    let subject_lc = plan.subject.to_lowercase();
                    // Above or below its nature the task is named whole ("train and mentor
                    // colleagues to follow safety procedures for …"), where the short form
                    // would leave the verb without its object.
                    let core = if level != plan.nature
                        && plan.whole.chars().count() <= CORE_MAX
                        && editorial::example_lists(&plan.whole).is_empty()
                    {
                        &plan.whole
                    } else {
                        &plan.core
                    };
                    // Nor one that would read nearly like a statement already at the level.
                    // Nor one whose stock opening or closing two statements of the version
                    // have already: then the level's own wording for work of its nature.
                    let perf = (i..i + 5)
                        .map(|v| task_performance(level, plan.nature, core, tool, v))
                        .chain((i..i + 5).map(|v| task_performance(level, level, core, tool, v)))
                        .find(|p| {
                            if p.to_lowercase().starts_with(&subject_lc)
                                || !stems.fits(p, &[&t.text])
                            {
                                return false;
                            }
                            let w = super::lint::words(&format!("{} {p}", plan.subject));
                            level_words.iter().all(|t| jaccard(t, &w) < NEAR_ALIKE)
                        })
                        .unwrap_or_else(|| task_performance(level, plan.nature, core, tool, i));
                    stems.add(&perf, &[&t.text]);
                    let mut cites = task_citations(t, &inp.tasks);
                    if let Some(c) = tool {
                        cites.push(commodity_citation(c));
                    }
                    (plan.subject.clone(), perf, cites)
                }
                Grounding::Commodity(c, v) => (
                    capitalize(&c.title),
                    commodity_performance(level, c, *v),
                    vec![commodity_citation(c)],
                ),
                Grounding::Knowledge(k, v) => (
                    format!("{} knowledge", k.name),
                    knowledge_performance(level, &k.name, *v),
                    vec![element_citation(k)],
                ),
            };
            level_words.push(super::lint::words(&format!("{subject} {performance}")));
            statements.push(Statement {
                section: Section::Technical,
                domain: None,
                level: Level::Mastery(level),
                order: i as u32 + 1,
                subject,
                performance,
                citations,
            });
        }
    }

    // The occupation's work, for durable statements and the context paragraph: the
    // planned tasks and work activities, in drafting order.
    let work: Vec<(&TaskInput, &TaskPlan)> = placed
        .iter()
        .filter_map(|p| match &p.grounding {
            Grounding::Task(t, plan) => Some((*t, plan)),
            _ => None,
        })
        .collect();
    let contexts: Vec<String> = work.iter().map(|(_, p)| lower_first(&p.subject)).collect();

    // Durable-skill statements: elements the occupation rates highly, each behaviour tied
    // to the occupation's own work.
    let mut turn = 0usize;
    for domain in DurableDomain::ALL {
        let mut grounded: Vec<(&ElementInput, &durable::Mapping)> = inp
            .elements
            .iter()
            .filter(|e| durable::rated_highly(&e.scale, e.value))
            .filter_map(|e| {
                let kind = match e.domain.as_str() {
                    "skills" => ElementKind::Skill,
                    "work_styles" => ElementKind::WorkStyle,
                    "work_activities" => ElementKind::WorkActivity,
                    _ => return None,
                };
                durable::lookup(kind, &e.name)
                    .filter(|m| m.domain == domain)
                    .map(|m| (e, m))
            })
            .collect();
        grounded.sort_by(|a, b| {
            b.0.weight()
                .total_cmp(&a.0.weight())
                .then(a.0.element_id.cmp(&b.0.element_id))
                .then(a.0.domain.cmp(&b.0.domain))
        });
        let mut used_subjects = BTreeSet::new();
        grounded.retain(|(_, m)| used_subjects.insert(m.subject));
        grounded.truncate(DURABLE_PER_LEVEL);
        if grounded.is_empty() {
            gaps.push(format!(
                "{}: none of the O*NET skills, work styles or work activities mapped to this domain is rated highly enough for this occupation in the imported releases ({}), so the domain has no statements.",
                domain.label(),
                durable::THRESHOLD_TEXT
            ));
            continue;
        }
        let mut domain_statements = Vec::new();
        for (i, (e, m)) in grounded.iter().enumerate() {
            turn += 1;
            let cues = durable::cues(m.subject);
            // Only work the behaviour's wording can take: not "works with others on other
            // personnel", nor "weighs the options for bills of lading".
            let fitting: Vec<usize> = (0..work.len())
                .filter(|&k| durable::takes(m.subject, durable::work_kind(&work[k].1.subject)))
                .collect();
            let cued: Vec<usize> = fitting
                .iter()
                .copied()
                .filter(|&k| {
                    let t = work[k].0.text.to_lowercase();
                    let w = super::lint::words(&t);
                    cues.iter()
                        .any(|c| w.contains(*c) || w.contains(&format!("{c}s")))
                })
                .collect();
            for (l, level) in DurableLevel::ALL.into_iter().enumerate() {
                let (performance, cites) = if work.is_empty() {
                    (
                        durable::statement(m, level, None, turn + l),
                        vec![element_citation(e)],
                    )
                } else {
                    let pool = if cued.is_empty() { &fitting } else { &cued };
                    let focus = (!pool.is_empty()).then(|| pool[(turn + l) % pool.len()]);
                    let start = (turn * 3 + l * 5 + 1) % work.len();
                    // The task the statement ends on: the next in turn whose wording no
                    // two statements of the version end or open on already.
                    let write = |k: usize| {
                        let op = work[k].1;
                        match focus {
                            Some(f) => durable::statement(
                                m,
                                level,
                                Some((&lower_first(&work[f].1.subject), &op.whole)),
                                turn + l,
                            ),
                            // No piece of the work suits the wording: the behaviour in its
                            // own words, still ending on one of the occupation's tasks.
                            None => durable::behaviour_statement(m, level, &op.whole, turn + l),
                        }
                    };
                    let candidates = (0..work.len().min(16))
                        .map(|j| (start + j) % work.len())
                        .filter(|&k| Some(k) != focus || work.len() == 1);
                    let sources = |k: usize| {
                        let mut v = vec![work[k].0.text.as_str()];
                        if let Some(f) = focus {
                            v.push(work[f].0.text.as_str());
                        }
                        v
                    };
                    let (other, performance) = candidates
                        .clone()
                        .map(|k| (k, write(k)))
                        .find(|(k, p)| stems.fits(p, &sources(*k)))
                        .or_else(|| candidates.clone().next().map(|k| (k, write(k))))
                        .unwrap_or_else(|| (start, write(start)));
                    stems.add(&performance, &sources(other));
                    let ot = work[other].0;
                    match focus {
                        Some(f) => {
                            let ft = work[f].0;
                            let mut cites = vec![element_citation(e), task_citation(ft)];
                            if ot.task_id != ft.task_id {
                                cites.push(task_citation(ot));
                            }
                            (performance, cites)
                        }
                        None => (performance, vec![element_citation(e), task_citation(ot)]),
                    }
                };
                domain_statements.push(Statement {
                    section: Section::Durable,
                    domain: Some(domain),
                    level: Level::Durable(level),
                    order: i as u32 + 1,
                    subject: m.subject.to_string(),
                    performance,
                    citations: cites,
                });
            }
        }
        domain_statements.sort_by_key(|s| (s.level, s.order));
        statements.extend(domain_statements);
    }

    // AI usage and the evidence pack.
    let by_id = |id: i64| ranked.iter().find(|t| t.task_id == id).copied();
    let mut ev: Vec<&TaskEvidence> = inp
        .evidence
        .iter()
        .filter(|e| by_id(e.task_id).is_some())
        .collect();
    ev.sort_by(|a, b| {
        cmp_f64_desc(a.usage_pct, b.usage_pct)
            .then(cmp_f64_desc(a.penetration, b.penetration))
            .then(a.task_id.cmp(&b.task_id))
    });
    ev.dedup_by_key(|e| e.task_id);
    let observed: Vec<&&TaskEvidence> = ev
        .iter()
        .filter(|e| e.usage_pct.unwrap_or(0.0) > 0.0 || e.penetration.unwrap_or(0.0) > 0.0)
        .collect();
    let evidence_cites = |e: &TaskEvidence, t: &TaskInput| {
        let mut c = Vec::new();
        if let (Some(p), Some(r)) = (e.usage_pct, &e.usage_release) {
            c.push(Citation {
                source: "aei".into(),
                release: r.clone(),
                locator: Locator::Evidence {
                    measure: "task_usage".into(),
                    task_id: Some(e.task_id),
                    soc_code: None,
                },
                text: format!(
                    "{p:.4}% of classified conversations map to: {}",
                    clean(&t.text)
                ),
                value: Some(p),
            });
        }
        if let (Some(p), Some(r)) = (e.penetration, &e.penetration_release) {
            c.push(Citation {
                source: "aei".into(),
                release: r.clone(),
                locator: Locator::Evidence {
                    measure: "task_penetration".into(),
                    task_id: Some(e.task_id),
                    soc_code: None,
                },
                text: if p > 0.0 {
                    format!("task penetration {p:.3}: {}", clean(&t.text))
                } else {
                    format!("task penetration not observed: {}", clean(&t.text))
                },
                value: Some(p),
            });
        }
        c
    };
    let ai_tasks: Vec<(&TaskInput, &TaskEvidence, (String, String))> = observed
        .iter()
        .filter_map(|e| by_id(e.task_id).map(|t| (t, **e)))
        .filter_map(|(t, e)| ai_phrase(t).map(|p| (t, e, p)))
        .filter({
            let mut seen = BTreeSet::new();
            move |(_, _, (subject, _))| seen.insert(task_key(subject))
        })
        .take(AI_TASKS + MasteryLevel::ALL.len() - 1)
        .collect();
    // Each level takes the next window of the observed tasks (most used first), so with
    // enough evidence every level names a task the level below does not; a task stays on
    // consecutive levels. With two to four observed tasks the windows run out before the
    // top level: the levels above take the occupation's AI practice across those tasks
    // (checking output, choosing what to hand over, setting the team's rules), each first
    // at the level whose work it is. One observed task is the same subject at every level.
    let n_ai = ai_tasks.len();
    let mut ai_items: Vec<AiItem> = (0..n_ai).map(AiItem::Task).collect();
    if (AI_TASKS..AI_TASKS + MasteryLevel::ALL.len() - 1).contains(&n_ai) {
        ai_items.extend((n_ai - 1..MasteryLevel::ALL.len()).map(AiItem::Practice));
    }
    let ai_phrases: Vec<&str> = ai_tasks.iter().map(|(_, _, (_, p))| p.as_str()).collect();
    for (li, level) in MasteryLevel::ALL.into_iter().enumerate() {
        let start = li.min(ai_items.len().saturating_sub(AI_TASKS));
        for (i, item) in ai_items.iter().skip(start).take(AI_TASKS).enumerate() {
            let (subject, performance, citations) = match *item {
                AiItem::Task(k) => {
                    let (t, e, (subject, task_phrase)) = &ai_tasks[k];
                    let mut cites = evidence_cites(e, t);
                    cites.push(task_citation(t));
                    (
                        ai_subject(subject),
                        ai_performance(level, task_phrase, start + i),
                        cites,
                    )
                }
                AiItem::Practice(kind) => {
                    let (subject, performance) = ai_practice(kind, level, &ai_phrases);
                    let mut cites = Vec::new();
                    for (t, e, _) in ai_tasks.iter().take(AI_TASKS) {
                        cites.extend(evidence_cites(e, t));
                        cites.push(task_citation(t));
                    }
                    (subject.to_string(), performance, cites)
                }
            };
            statements.push(Statement {
                section: Section::AiUsage,
                domain: None,
                level: Level::Mastery(level),
                order: i as u32 + 1,
                subject,
                performance,
                citations,
            });
        }
    }
    let mut pack_cites: Vec<Citation> = Vec::new();
    for e in &ev {
        if let Some(t) = by_id(e.task_id) {
            pack_cites.extend(evidence_cites(e, t));
        }
    }
    if let Some(x) = &inp.exposure {
        pack_cites.push(Citation {
            source: "aei".into(),
            release: x.release.clone(),
            locator: Locator::Evidence {
                measure: "job_exposure".into(),
                task_id: None,
                soc_code: Some(x.soc_code.clone()),
            },
            text: if x.value > 0.0 {
                format!("observed exposure of SOC {} is {:.3}", x.soc_code, x.value)
            } else {
                format!("no observed exposure for SOC {}", x.soc_code)
            },
            value: Some(x.value),
        });
    }
    if let Some(u) = &inp.usage {
        pack_cites.push(Citation {
            source: "aei".into(),
            release: u.release.clone(),
            locator: Locator::Evidence {
                measure: "occupation_usage".into(),
                task_id: None,
                soc_code: Some(inp.code.clone()),
            },
            text: format!(
                "{:.4}% of classified conversations fall to this occupation's tasks ({} task statement{}{})",
                u.share_pct,
                u.tasks,
                if u.tasks == 1 { "" } else { "s" },
                if u.codes_2010.is_empty() {
                    String::new()
                } else {
                    format!(", through O*NET-SOC 2010 {}", u.codes_2010.join(", "))
                }
            ),
            value: Some(u.share_pct),
        });
    }
    let usage: Vec<f64> = ev.iter().filter_map(|e| e.usage_pct).collect();
    let pens: Vec<f64> = ev.iter().filter_map(|e| e.penetration).collect();
    let note = if ev.is_empty() && inp.exposure.is_none() {
        Some("No AI-usage evidence is imported for this occupation's tasks, so no AI-usage statements are drafted.".to_string())
    } else if ai_tasks.is_empty() {
        Some("AI-usage data covers this occupation, but none of its current tasks was observed in use, so no AI-usage statements are drafted.".to_string())
    } else {
        None
    };
    if let Some(n) = &note {
        gaps.push(n.clone());
    }
    let evidence = EvidencePack {
        tasks_total: ranked.len() as u32,
        tasks_with_evidence: ev.len() as u32,
        tasks_observed: observed.len() as u32,
        usage_share_pct: match &inp.usage {
            Some(u) => Some(u.share_pct),
            None => (!usage.is_empty()).then(|| usage.iter().sum()),
        },
        usage_tasks: inp.usage.as_ref().map(|u| u.tasks),
        usage_codes_2010: inp
            .usage
            .as_ref()
            .map(|u| u.codes_2010.clone())
            .unwrap_or_default(),
        mean_penetration: (!pens.is_empty()).then(|| pens.iter().sum::<f64>() / pens.len() as f64),
        job_exposure: inp.exposure.as_ref().map(|x| x.value),
        top_tasks: ev
            .iter()
            .take(5)
            .filter_map(|e| {
                by_id(e.task_id).map(|t| EvidenceTask {
                    task_id: t.task_id,
                    task: clean(&t.text),
                    usage_pct: e.usage_pct,
                    penetration: e.penetration,
                })
            })
            .collect(),
        citations: pack_cites,
        note,
    };

    // Context covered.
    let covered: Vec<String> = contexts.iter().take(4).cloned().collect();
    let zone = inp
        .job_zone
        .map(|z| format!("Job Zone {z} ({})", job_zone_label(z).to_lowercase()))
        .unwrap_or_else(|| "an unassigned Job Zone".into());
    let context = format!(
        "This framework sets out what {} do at four levels of mastery, centred on {}. It is pitched at {zone} and grounded in {}. {}",
        inp.title,
        join_list(&covered),
        grounding_clause(inp, &ranked),
        ranking_used(&inp.tasks)
    );

    // Sources actually cited.
    let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
    for c in statements
        .iter()
        .flat_map(|s| s.citations.iter())
        .chain(evidence.citations.iter())
    {
        keys.insert((c.source.clone(), c.release.clone()));
    }
    let mut sources: Vec<Source> = keys
        .into_iter()
        .map(|(k, r)| {
            if k == "aei" {
                aei_source(&r)
            } else {
                onet_source(&r)
            }
        })
        .collect();
    if statements.iter().any(|s| s.section == Section::Durable) {
        sources.push(mapping_source());
    }

    Ok(Draft {
        code: inp.code.clone(),
        title: inp.title.clone(),
        job_zone: inp.job_zone,
        onet_release: inp.release.clone(),
        context,
        statements,
        evidence,
        sources,
        gaps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn tasks_rank_by_importance_then_core() {
        let t = |id, core, imp: Option<f64>| TaskInput {
            task_id: id,
            text: format!("Do thing {id}"),
            core,
            position: None,
            dwas: Vec::new(),
            importance: imp,
            release: "30.1".into(),
            rating_release: None,
            origin: TaskOrigin::Listed,
        };
        let v = [t(3, true, None), t(1, false, None), t(2, true, None)];
        let ids: Vec<i64> = rank_tasks(&v).iter().map(|t| t.task_id).collect();
        assert_eq!(ids, [2, 3, 1]);
        let v = [
            t(3, true, Some(3.0)),
            t(1, false, Some(4.5)),
            t(2, true, None),
        ];
        let ids: Vec<i64> = rank_tasks(&v).iter().map(|t| t.task_id).collect();
        assert_eq!(ids, [1, 3, 2]);
    }

    fn task(id: i64, text: &str, core: bool, position: i64, dwas: &[&str]) -> TaskInput {
        TaskInput {
            task_id: id,
            text: text.into(),
            core,
            position: Some(position),
            dwas: dwas.iter().map(|d| d.to_string()).collect(),
            importance: None,
            release: "30.1".into(),
            rating_release: None,
            origin: TaskOrigin::Listed,
        }
    }

    #[test]
    fn without_ratings_tasks_keep_the_release_order_core_first() {
        let v = [
            task(10, "Do a.", true, 5, &[]),
            task(5, "Do b.", false, 2, &[]),
            task(30, "Do c.", true, 3, &[]),
            task(1, "Do d.", false, 9, &[]),
        ];
        let ids: Vec<i64> = rank_tasks(&v).iter().map(|t| t.task_id).collect();
        assert_eq!(ids, [30, 10, 5, 1]);
        assert!(ranking_used(&v).contains("order the O*NET release lists them"));
    }

    fn emerging(id: i64, text: &str, revises: Option<i64>) -> TaskInput {
        TaskInput {
            core: false,
            position: None,
            origin: TaskOrigin::Emerging { revises },
            ..task(id, text, false, 0, &[])
        }
    }

    #[test]
    fn emerging_tasks_rank_after_core_work_and_revisions_before_the_task_they_reword() {
        let v = [
            task(10, "Do a.", true, 5, &[]),
            task(5, "Do b.", false, 2, &[]),
            task(30, "Do c.", true, 3, &[]),
            emerging(-1, "Do new work.", None),
            emerging(-2, "Do c better.", Some(30)),
            emerging(-3, "Do b better.", Some(5)),
        ];
        let ids: Vec<i64> = rank_tasks(&v).iter().map(|t| t.task_id).collect();
        assert_eq!(ids, [-2, 30, 10, -1, -3, 5]);
        let said = ranking_used(&v);
        assert!(said.contains("1 emerging task (new work"), "{said}");
        assert!(
            said.contains("2 emerging revisions of a listed task take"),
            "{said}"
        );
        // A revision cites itself and the task it rewords; new work cites itself.
        let c = task_citations(&v[4], &v);
        assert_eq!(
            c.iter().map(|c| c.locator.short()).collect::<Vec<_>>(),
            ["emerging-task revises 30", "task 30"]
        );
        assert_eq!(c[0].text, "Do c better");
        let c = task_citations(&v[3], &v);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].locator, Locator::EmergingTask { revises: None });
    }

    #[test]
    fn an_emerging_task_of_leading_work_gives_the_top_level_its_own_subject() {
        let mut inp = signal_maintainers(Vec::new());
        inp.tasks.push(emerging(
            -1,
            "Mentor apprentice maintainers on interlocking tests.",
            None,
        ));
        let d = draft(&inp).unwrap();
        let s = d
            .statements
            .iter()
            .find(|s| {
                s.citations
                    .iter()
                    .any(|c| c.locator == Locator::EmergingTask { revises: None })
            })
            .expect("the emerging task is drafted");
        assert_eq!(s.level, Level::Mastery(MasteryLevel::Advanced), "{s:?}");
        assert!(d.context.contains("emerging task"), "{}", d.context);
    }

    #[test]
    fn an_unclean_task_takes_its_subject_from_its_work_activity() {
        let t = task(
            1,
            "Operate vehicles such as forklifts or loaders to move stock.",
            true,
            1,
            &["Operate material handling equipment."],
        );
        let plan = plan_task(&t, |_| false).unwrap();
        assert_eq!(plan.subject, "Material handling equipment");
        assert_eq!(
            plan.core,
            "operate vehicles such as forklifts or loaders to move stock"
        );
        // No clean work activity: no statement rather than a broken one.
        let t = task(2, "Operate vehicles such as forklifts.", true, 1, &[]);
        assert!(plan_task(&t, |_| false).is_none());
        // A clean task keeps its own object.
        let t = task(3, "Consult with machinists to check fits.", true, 1, &[]);
        let plan = plan_task(&t, |_| false).unwrap();
        assert_eq!(plan.subject, "Machinists");
        assert_eq!(plan.core, "consult with machinists to check fits");
    }

    #[test]
    fn tools_are_named_as_commodity_then_examples() {
        let c = CommodityInput {
            table: "tool".into(),
            commodity_code: 1,
            title: "Tape measures".into(),
            examples: vec![
                "Measuring tapes".into(),
                "Laser distance meters".into(),
                "Folding rules".into(),
            ],
            hot: false,
            release: "30.1".into(),
        };
        assert_eq!(
            commodity_phrase(&c, 2),
            "tape measures (e.g. Laser distance meters, Folding rules)"
        );
        let perf = task_performance(
            MasteryLevel::Developing,
            MasteryLevel::Developing,
            "check lengths",
            Some(&c),
            0,
        );
        assert!(perf.contains("working with tape measures (e.g. Laser distance meters"));
        assert!(!perf.contains("such as"));
        assert_eq!(
            title_in_text("Computer aided design CAD software"),
            "computer aided design CAD software"
        );
    }

    #[test]
    fn office_software_is_no_technical_subject_when_the_trade_has_its_own() {
        let com = |code, title: &str, ex: &str| CommodityInput {
            table: "technology".into(),
            commodity_code: code,
            title: title.into(),
            examples: vec![ex.into()],
            hot: true,
            release: "30.1".into(),
        };
        let inp = OccupationInputs {
            code: "47-2111.00".into(),
            title: "Electricians".into(),
            job_zone: Some(3),
            release: "30.1".into(),
            tasks: (0..6)
                .map(|i| {
                    task(
                        i,
                        &format!("Inspect panel number {i} for faults."),
                        true,
                        i,
                        &[],
                    )
                })
                .collect(),
            elements: Vec::new(),
            commodities: vec![
                com(1, "Spreadsheet software", "Microsoft Excel"),
                com(2, "Analytical or scientific software", "Load calculators"),
            ],
            evidence: Vec::new(),
            exposure: None,
            usage: None,
        };
        let d = draft(&inp).unwrap();
        assert!(
            d.statements
                .iter()
                .all(|s| s.subject != "Spreadsheet software")
        );
        assert!(
            d.statements
                .iter()
                .any(|s| s.subject == "Analytical or scientific software")
        );
        assert!(d.context.contains("order the O*NET release lists them"));
    }

    #[test]
    fn the_context_credits_each_source_to_its_own_release() {
        let el = |domain: &str, id: &str, scale: &str, value: f64, release: &str| ElementInput {
            domain: domain.into(),
            element_id: id.into(),
            name: id.into(),
            scale: scale.into(),
            value,
            release: release.into(),
        };
        let inp = OccupationInputs {
            code: "47-2111.00".into(),
            title: "Electricians".into(),
            job_zone: Some(3),
            release: "30.1".into(),
            tasks: (0..6)
                .map(|i| {
                    task(
                        i,
                        &format!("Inspect panel number {i} for faults."),
                        true,
                        i,
                        &[],
                    )
                })
                .collect(),
            elements: vec![
                el("skills", "2.A.1.a", "IM", 4.0, "29.3"),
                el("knowledge", "2.C.1.a", "IM", 4.0, "29.3"),
                el("work_styles", "1.D.1.a", "WI", 2.0, "30.1"),
            ],
            commodities: Vec::new(),
            evidence: Vec::new(),
            exposure: None,
            usage: Some(UsageInput {
                share_pct: 1.25,
                tasks: 4,
                codes_2010: vec!["47-2111.00".into()],
                release: "2025-02-10".into(),
            }),
        };
        let d = draft(&inp).unwrap();
        assert!(
            d.context.contains(
                "grounded in 6 task statements and ratings of work styles from O*NET 30.1; and ratings of skills and knowledge from O*NET 29.3."
            ),
            "{}",
            d.context
        );
        assert!(
            !d.context
                .contains("skills, knowledge and work styles from O*NET 30.1")
        );
        // The occupation's usage share is the gathered figure, and it is cited.
        assert_eq!(d.evidence.usage_share_pct, Some(1.25));
        assert_eq!(d.evidence.usage_tasks, Some(4));
        assert_eq!(d.evidence.usage_codes_2010, vec!["47-2111.00"]);
        assert!(d.evidence.citations.iter().any(|c| matches!(
            &c.locator,
            Locator::Evidence { measure, .. } if measure == "occupation_usage"
        )
            && c.text.contains("through O*NET-SOC 2010 47-2111.00")));
    }

    /// A made-up occupation whose tasks are of every kind (eight routine, six of each other
    /// kind), listed interleaved.
    fn signal_maintainers(elements: Vec<ElementInput>) -> OccupationInputs {
        let routine = [
            "Inspect signal cabinets for loose wiring.",
            "Record meter readings in the shift log.",
            "Clean relay contacts with approved solvents.",
            "Load replacement cables onto service trucks.",
            "Operate track inspection carts along assigned routes.",
            "Measure insulation resistance on cable runs.",
            "Sweep ballast from point rodding.",
            "Carry portable generators to remote huts.",
        ];
        let fixing = [
            "Repair damaged crossing gates.",
            "Calibrate track circuit receivers to rated settings.",
            "Program interlocking controllers for new routes.",
            "Troubleshoot faulty level crossing alarms.",
            "Replace worn point machine motors.",
            "Install lightning arresters on signal masts.",
        ];
        let design = [
            "Design cabling layouts for new junctions.",
            "Evaluate failure trends across the signal network.",
            "Analyze power supply loads to size backup batteries.",
            "Develop test plans for upgraded interlockings.",
            "Select detection equipment for harsh climates.",
            "Review contractor drawings for signal upgrades.",
        ];
        let lead = [
            "Train new maintainers to test track circuits.",
            "Supervise overnight maintenance crews.",
            "Establish inspection intervals for signal assets.",
            "Plan annual renewal programs for the district.",
            "Develop safety policies for track access.",
            "Coordinate possession schedules with operations staff.",
        ];
        let mut tasks = Vec::new();
        for i in 0..8 {
            for (k, list) in [&routine[..], &fixing, &design, &lead].iter().enumerate() {
                if let Some(text) = list.get((i + k) % 8) {
                    let n = tasks.len() as i64;
                    tasks.push(task(100 + n, text, true, n, &[]));
                }
            }
        }
        OccupationInputs {
            code: "49-9097.00".into(),
            title: "Signal and Track Switch Repairers".into(),
            job_zone: Some(3),
            release: "30.1".into(),
            tasks,
            elements,
            commodities: Vec::new(),
            evidence: Vec::new(),
            exposure: None,
            usage: None,
        }
    }

    fn subjects_at(d: &Draft, level: MasteryLevel) -> Vec<String> {
        d.statements
            .iter()
            .filter(|s| s.section == Section::Technical && s.level == Level::Mastery(level))
            .map(|s| s.subject.clone())
            .collect()
    }

    #[test]
    fn each_level_has_mostly_its_own_work() {
        let d = draft(&signal_maintainers(Vec::new())).unwrap();
        let mut lower: BTreeSet<String> = BTreeSet::new();
        for level in MasteryLevel::ALL {
            let here = subjects_at(&d, level);
            assert!(here.len() >= 8, "{level:?}: {here:?}");
            let own = here.iter().filter(|s| !lower.contains(*s)).count();
            assert!(
                own * 10 >= here.len() * 6,
                "{level:?}: {own} own of {here:?}"
            );
            lower.extend(here);
        }
        // The levels' work is of their kind: supervising and policy at Advanced, routine
        // inspection at Emerging, and not the other way round.
        let at = |subject: &str| -> Vec<MasteryLevel> {
            d.statements
                .iter()
                .filter(|s| s.section == Section::Technical && s.subject == subject)
                .filter_map(|s| match s.level {
                    Level::Mastery(l) => Some(l),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(at("Overnight maintenance crews"), [MasteryLevel::Advanced]);
        assert_eq!(at("Safety policies"), [MasteryLevel::Advanced]);
        assert!(at("Signal cabinets").contains(&MasteryLevel::Emerging));
        assert!(!at("Signal cabinets").contains(&MasteryLevel::Advanced));
        assert!(at("Cabling layouts").contains(&MasteryLevel::Proficient));
        assert!(!at("Cabling layouts").contains(&MasteryLevel::Emerging));
        // The structural lint finds no level repeating the one below, and no errors.
        let findings = crate::frameworks::lint::lint_structural(&d.statements, None);
        assert!(
            findings.iter().all(|f| f.rule != editorial::LEVEL_REPEAT),
            "{findings:?}"
        );
        assert!(
            !crate::frameworks::lint::has_errors(&findings),
            "{findings:?}"
        );
    }

    #[test]
    fn ai_practice_wordings_never_open_or_close_alike() {
        use MasteryLevel::*;
        let tasks = ["monitor pipeline pressure", "write inspection reports"];
        let all: Vec<String> = [
            (1, Developing),
            (1, Proficient),
            (2, Proficient),
            (2, Advanced),
            (3, Advanced),
        ]
        .into_iter()
        .map(|(kind, level)| ai_practice(kind, level, &tasks).1)
        .collect();
        let stem = |s: &str, from_end: bool| {
            let mut w: Vec<&str> = s.split_whitespace().collect();
            if from_end {
                w.reverse();
            }
            w.into_iter().take(5).collect::<Vec<_>>().join(" ")
        };
        for from_end in [false, true] {
            let stems: BTreeSet<String> = all.iter().map(|s| stem(s, from_end)).collect();
            assert_eq!(stems.len(), all.len(), "{all:#?}");
        }
        assert!(all.iter().all(|s| {
            s.contains("the work to monitor pipeline pressure and to write inspection reports")
        }));
        // None closes on the task, where statements ending on the same task would match it.
        assert!(
            all.iter().all(|s| !s.ends_with("inspection reports")),
            "{all:#?}"
        );
        // The work is a phrase of its own, closed by a comma, not a wedge inside a clause.
        assert!(
            all.iter().all(|s| s.contains("inspection reports, ")),
            "{all:#?}"
        );
    }

    #[test]
    fn routine_work_raised_to_the_top_level_is_written_as_leading_it() {
        let mut inp = signal_maintainers(Vec::new());
        inp.tasks.retain(|t| {
            [
                "Inspect", "Record", "Clean", "Load", "Operate", "Measure", "Sweep", "Carry",
            ]
            .iter()
            .any(|v| t.text.starts_with(v))
        });
        let d = draft(&inp).unwrap();
        for s in d
            .statements
            .iter()
            .filter(|s| s.level == Level::Mastery(MasteryLevel::Advanced))
            .filter(|s| s.section == Section::Technical)
        {
            assert!(
                [
                    "set the standards",
                    "train and mentor",
                    "plan how",
                    "decide the procedures"
                ]
                .iter()
                .any(|w| s.performance.starts_with(w)),
                "{}",
                s.performance
            );
        }
    }

    fn rating(domain: &str, id: &str, name: &str, scale: &str, value: f64) -> ElementInput {
        ElementInput {
            domain: domain.into(),
            element_id: id.into(),
            name: name.into(),
            scale: scale.into(),
            value,
            release: "30.1".into(),
        }
    }

    #[test]
    fn durable_statements_cite_only_highly_rated_elements_and_name_the_work() {
        let els = vec![
            rating("skills", "2.A.1.c", "Writing", "IM", 2.9),
            rating("skills", "2.A.1.d", "Speaking", "IM", 3.6),
            rating("skills", "2.A.2.a", "Critical Thinking", "IM", 3.2),
            rating("work_styles", "1.D.1.b", "Initiative", "WI", 1.8),
            rating("work_styles", "1.D.3.c", "Humility", "WI", 0.12),
            rating("work_styles", "1.D.2.a", "Attention to Detail", "WI", 2.4),
        ];
        let d = draft(&signal_maintainers(els)).unwrap();
        let durable: Vec<&Statement> = d.section(Section::Durable).collect();
        assert!(!durable.is_empty());
        let cited: BTreeSet<&str> = durable
            .iter()
            .flat_map(|s| s.citations.iter())
            .filter(|c| matches!(c.locator, Locator::Element { .. }))
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(
            cited,
            BTreeSet::from([
                "Speaking",
                "Critical Thinking",
                "Initiative",
                "Attention to Detail"
            ])
        );
        for s in &durable {
            // Every statement names a task of the occupation and cites it.
            let tasks: Vec<&Citation> = s
                .citations
                .iter()
                .filter(|c| matches!(c.locator, Locator::Task { .. }))
                .collect();
            assert!(!tasks.is_empty(), "{}", s.performance);
            // No level asks for a prompt, least of all for starting unasked.
            for w in ["prompt", "when asked", "told to", "reminded"] {
                assert!(!s.performance.contains(w), "{}", s.performance);
            }
        }
        // Statements of one subject open on different work at different levels.
        let openings: BTreeSet<String> = durable
            .iter()
            .filter(|s| s.subject == "Self-started action")
            .filter_map(|s| editorial::stems_of(&s.performance).map(|x| x.0))
            .collect();
        assert!(openings.len() >= 3, "{openings:?}");
        assert!(
            d.gaps
                .iter()
                .any(|g| g.starts_with("Metacognition") && g.contains("rated highly enough"))
        );
    }

    #[test]
    fn a_phrase_cut_mid_clause_is_not_used_whole() {
        assert!(cut_off("plan and develop recipes or menus, taking"));
        assert!(cut_off("inspect supplies and"));
        assert!(!cut_off("plan and develop recipes or menus"));
        assert!(!cut_off("secure cargo for transport, checking the load"));
        let p = parse_task(
            "Work with kitchen staff to plan menus and dishes, taking into account such matters as the season and the number of expected guests.",
        );
        if let Some(w) = whole_phrase(&p) {
            assert!(!cut_off(&w), "{w}");
        }
    }

    #[test]
    fn every_level_wording_reads_as_english() {
        use crate::frameworks::grammar::{GrammarChecker, as_sentence};
        let checker = GrammarChecker::new(["Inspect signal cabinets for loose wiring."]);
        let mut session = checker.session();
        let mut bad = Vec::new();
        for m in durable::MAPPING {
            let mut openings: BTreeMap<String, usize> = BTreeMap::new();
            for level in DurableLevel::ALL {
                for v in 0..3 {
                    let p = durable::statement(
                        m,
                        level,
                        Some((
                            "signal cabinets",
                            "inspect signal cabinets for loose wiring",
                        )),
                        v,
                    );
                    let issues = session.check_sentence(&as_sentence(&p, true));
                    if !issues.is_empty() {
                        bad.push(format!("{p}: {issues:?}"));
                    }
                    // The behaviour or the work is named within the opening words.
                    let (o, _) = editorial::stems_of(&p).expect("long enough");
                    let opening_words: BTreeSet<&str> = durable::openings()
                        .iter()
                        .flat_map(|x| x.split_whitespace())
                        .collect();
                    assert!(
                        o.split(' ').any(|w| !opening_words.contains(w)),
                        "the opening of {p:?} names neither the behaviour nor the work"
                    );
                    *openings.entry(o).or_default() += 1;
                }
            }
            // A behaviour's four levels (in any one wording) do not all open alike: at
            // most two share an opening, which `duplicate-stem` allows.
            assert!(
                openings.values().all(|&n| n <= 2 * 3),
                "{}: {openings:?}",
                m.subject
            );
            assert!(openings.len() >= 3, "{}: {openings:?}", m.subject);
        }
        for level in MasteryLevel::ALL {
            for nature in MasteryLevel::ALL {
                for v in 0..5 {
                    let p = task_level_text(
                        level,
                        nature,
                        "inspect signal cabinets for loose wiring",
                        v,
                    );
                    let issues = session.check_sentence(&as_sentence(&p, false));
                    if !issues.is_empty() {
                        bad.push(format!("{p}: {issues:?}"));
                    }
                }
            }
        }
        assert!(bad.is_empty(), "{bad:#?}");
    }

    mod props {
        use super::super::*;
        use crate::frameworks::lint::{Severity, lint};
        use proptest::prelude::*;

        const VERBS: &[&str] = &[
            "Inspect",
            "Install or repair",
            "Calibrate",
            "Set up and run",
            "Record",
            "Design",
            "Test, adjust, or replace",
        ];
        const NOUNS: &[&str] = &[
            "valves",
            "pumps",
            "wiring harnesses",
            "control panels",
            "patient charts",
            "lathes",
            "sensors",
            "conveyor belts",
            "hydraulic lines",
            "circuit boards",
            "budgets",
            "schedules",
        ];
        const TAILS: &[&str] = &[
            "",
            " using hand tools",
            " to meet specifications",
            " for faults before shipment",
            " in line with safety rules",
        ];

        fn task() -> impl Strategy<Value = (usize, usize, usize, bool, Option<u8>)> {
            (
                0..VERBS.len(),
                0..NOUNS.len(),
                0..TAILS.len(),
                any::<bool>(),
                proptest::option::of(10u8..50),
            )
        }

        fn inputs() -> impl Strategy<Value = OccupationInputs> {
            (
                proptest::collection::vec(task(), 4..14),
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(|(ts, styles, ev)| {
                    let tasks: Vec<TaskInput> = ts
                        .iter()
                        .enumerate()
                        .map(|(i, (v, n, t, core, imp))| TaskInput {
                            task_id: 1000 + i as i64,
                            text: format!("{} {} no. {i}{}.", VERBS[*v], NOUNS[*n], TAILS[*t]),
                            core: *core,
                            position: Some(i as i64 + 2),
                            dwas: Vec::new(),
                            importance: imp.map(|x| x as f64 / 10.0),
                            release: "30.1".into(),
                            rating_release: imp.map(|_| "30.1".into()),
                            origin: TaskOrigin::Listed,
                        })
                        .collect();
                    let mut elements = vec![ElementInput {
                        domain: "knowledge".into(),
                        element_id: "2.C.3.e".into(),
                        name: "Mechanical".into(),
                        scale: "IM".into(),
                        value: 4.2,
                        release: "29.3".into(),
                    }];
                    if styles {
                        for (id, name, v) in [
                            ("1.D.1.c", "Persistence", 1.5),
                            ("1.D.2.b", "Stress Tolerance", 0.4),
                            ("1.D.3.a", "Attention to Detail", 2.0),
                        ] {
                            elements.push(ElementInput {
                                domain: "work_styles".into(),
                                element_id: id.into(),
                                name: name.into(),
                                scale: "WI".into(),
                                value: v,
                                release: "30.1".into(),
                            });
                        }
                        elements.push(ElementInput {
                            domain: "skills".into(),
                            element_id: "2.A.2.a".into(),
                            name: "Critical Thinking".into(),
                            scale: "IM".into(),
                            value: 3.9,
                            release: "29.3".into(),
                        });
                    }
                    let evidence = if ev {
                        tasks
                            .iter()
                            .take(3)
                            .map(|t| TaskEvidence {
                                task_id: t.task_id,
                                usage_pct: Some(0.5),
                                usage_release: Some("2025-02-10".into()),
                                penetration: None,
                                penetration_release: None,
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    OccupationInputs {
                        code: "47-2111.00".into(),
                        title: "Electricians".into(),
                        job_zone: Some(3),
                        release: "30.1".into(),
                        tasks,
                        elements,
                        commodities: vec![CommodityInput {
                            table: "tool".into(),
                            commodity_code: 41113302,
                            title: "Voltage testers".into(),
                            examples: vec!["Multimeters".into()],
                            hot: false,
                            release: "30.1".into(),
                        }],
                        evidence,
                        exposure: None,
                        usage: None,
                    }
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn drafting_is_deterministic_and_order_independent(inp in inputs()) {
                let a = draft(&inp).unwrap();
                let mut shuffled = inp.clone();
                shuffled.tasks.reverse();
                shuffled.elements.reverse();
                prop_assert_eq!(&a, &draft(&inp).unwrap());
                prop_assert_eq!(&a, &draft(&shuffled).unwrap());
            }

            #[test]
            fn drafts_are_cited_and_ladders_rise(inp in inputs()) {
                let d = draft(&inp).unwrap();
                prop_assert!(d.statements.iter().all(|s| !s.citations.is_empty()));
                let findings = lint(&d.statements);
                let bad: Vec<_> = findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error && matches!(f.rule.as_str(), "uncited" | "ladder" | "order" | "split" | "level-empty" | "duplicate"))
                    .collect();
                prop_assert!(bad.is_empty(), "{:?}", bad);
                if inp.evidence.is_empty() {
                    prop_assert!(d.evidence.note.is_some());
                    prop_assert!(d.statements.iter().all(|s| s.section != Section::AiUsage));
                }
            }
        }
    }
}
