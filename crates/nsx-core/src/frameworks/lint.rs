//! The framework linter: checks that hold for every framework version, drafted or edited.
//!
//! | rule | severity | what it checks |
//! |---|---|---|
//! | `uncited` | error | every statement has at least one citation, each with source, release and text |
//! | `split` | error | subject and performance are both present and the performance starts with a verb (lower case) |
//! | `length` | error | subject 3–80 characters, performance 30–400 characters |
//! | `duplicate` | error | no two statements of a version share subject and performance |
//! | `near-duplicate` | error | no two statements at the same section, domain and level are ≥ 85 % alike by words |
//! | `ladder` | error | a subject appears at most once per level, and on consecutive levels without gaps |
//! | `order` | error | orders within a level run 1, 2, 3… |
//! | `level-empty` | error | each mastery level has technical statements |
//! | `level-thin` | warning | a mastery level has fewer than eight technical statements |
//! | `domain-empty` | warning | a durable-skill domain has no statements (no grounding data) |
//! | `dangling-preposition`, `subject-function-word`, `unbalanced-brackets`, `truncated-name`, `repeated-example`, `clumsy-join`, `stranded-complement`, `verb-in-subject`, `subject-over`, `subject-adverb`, `subject-participle`, `told-subject`, `level-repeat`, `duplicate-stem` | error | the editor's structural rules ([`Editor`]), see [`super::editorial`] |
//! | `spelling`, `grammar` | error | Harper's English spelling and grammar check (needs [`Editor`]), see [`super::grammar`] |
//!
//! [`lint`] runs the form rules; [`lint_structural`] adds the editor's statement rules
//! (with the catalog) as errors and its version-shape rules as warnings, and is what
//! `nsx lint` and `nsx draft` run; [`Editor::lint`] adds Harper's grammar checker as well.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::editorial::{self, Catalog};
use super::grammar::{GrammarChecker, as_sentence};
use super::{DurableDomain, Level, MasteryLevel, Section, Statement};

/// Every rule's name, in the order reports list them.
pub const RULES: &[&str] = &[
    "uncited",
    "split",
    "length",
    "duplicate",
    "near-duplicate",
    "ladder",
    "order",
    "level-empty",
    "level-thin",
    "domain-empty",
    editorial::DANGLING_PREPOSITION,
    editorial::SUBJECT_FUNCTION_WORD,
    editorial::UNBALANCED_BRACKETS,
    editorial::TRUNCATED_NAME,
    editorial::REPEATED_EXAMPLE,
    editorial::CLUMSY_JOIN,
    editorial::STRANDED_COMPLEMENT,
    editorial::VERB_IN_SUBJECT,
    editorial::SUBJECT_OVER,
    editorial::SUBJECT_ADVERB,
    editorial::SUBJECT_PARTICIPLE,
    editorial::TOLD_SUBJECT,
    editorial::LEVEL_REPEAT,
    editorial::DUPLICATE_STEM,
    "spelling",
    "grammar",
];

/// Shortest subject, in characters.
pub const SUBJECT_MIN: usize = 3;
/// Longest subject, in characters.
pub const SUBJECT_MAX: usize = 80;
/// Shortest performance, in characters.
pub const PERFORMANCE_MIN: usize = 30;
/// Longest performance, in characters.
pub const PERFORMANCE_MAX: usize = 400;
/// Word-set similarity at or above which two statements count as near-duplicates.
pub const NEAR_DUPLICATE: f64 = 0.85;
/// Fewest technical statements per level before a warning.
pub const THIN_LEVEL: usize = 8;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look; does not fail `nsx lint`.
    Warning,
    /// Must be fixed; fails `nsx lint`.
    Error,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Where: a statement location (`technical/proficient#3`) or a section.
    pub location: String,
    /// Rule name.
    pub rule: String,
    /// What is wrong.
    pub message: String,
}

fn finding(severity: Severity, location: String, rule: &str, message: String) -> Finding {
    Finding {
        severity,
        location,
        rule: rule.into(),
        message,
    }
}

pub(crate) fn words(s: &str) -> BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// Word-set (Jaccard) similarity of two texts, 0–1.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (words(a), words(b));
    let inter = x.intersection(&y).count();
    let union = x.union(&y).count();
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

/// Checks a version's statements; findings come in statement order.
pub fn lint(statements: &[Statement]) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in statements {
        let loc = s.location();
        if s.citations.is_empty() {
            out.push(finding(
                Severity::Error,
                loc.clone(),
                "uncited",
                "the statement has no citation".into(),
            ));
        }
        for c in &s.citations {
            if c.source.trim().is_empty() || c.release.trim().is_empty() || c.text.trim().is_empty()
            {
                out.push(finding(
                    Severity::Error,
                    loc.clone(),
                    "uncited",
                    format!(
                        "citation {} lacks a source, release or cited text",
                        c.locator.short()
                    ),
                ));
            }
        }
        let subj = s.subject.trim();
        let perf = s.performance.trim();
        if subj.is_empty() || perf.is_empty() {
            out.push(finding(
                Severity::Error,
                loc.clone(),
                "split",
                "subject or performance is missing".into(),
            ));
        } else if !perf.chars().next().is_some_and(|c| c.is_lowercase()) {
            out.push(finding(
                Severity::Error,
                loc.clone(),
                "split",
                "the performance must start with its verb in lower case".into(),
            ));
        } else if perf.to_lowercase().starts_with(&subj.to_lowercase()) {
            out.push(finding(
                Severity::Error,
                loc.clone(),
                "split",
                "the performance repeats the subject instead of continuing it".into(),
            ));
        }
        let (sl, pl) = (subj.chars().count(), perf.chars().count());
        if !(SUBJECT_MIN..=SUBJECT_MAX).contains(&sl) {
            out.push(finding(
                Severity::Error,
                loc.clone(),
                "length",
                format!("subject is {sl} characters (allowed {SUBJECT_MIN}–{SUBJECT_MAX})"),
            ));
        }
        if !(PERFORMANCE_MIN..=PERFORMANCE_MAX).contains(&pl) {
            out.push(finding(
                Severity::Error,
                loc.clone(),
                "length",
                format!(
                    "performance is {pl} characters (allowed {PERFORMANCE_MIN}–{PERFORMANCE_MAX})"
                ),
            ));
        }
    }

    // Duplicates across the version; near-duplicates within one level of one section/domain.
    let mut exact: BTreeMap<(String, String), String> = BTreeMap::new();
    for s in statements {
        let key = (
            s.subject.trim().to_lowercase(),
            s.performance.trim().to_lowercase(),
        );
        if let Some(first) = exact.get(&key) {
            out.push(finding(
                Severity::Error,
                s.location(),
                "duplicate",
                format!("same subject and performance as {first}"),
            ));
        } else {
            exact.insert(key, s.location());
        }
    }
    type GroupKey = (Section, Option<DurableDomain>, Level);
    let mut groups: BTreeMap<GroupKey, Vec<&Statement>> = BTreeMap::new();
    for s in statements {
        groups
            .entry((s.section, s.domain, s.level))
            .or_default()
            .push(s);
    }
    for g in groups.values() {
        for (i, a) in g.iter().enumerate() {
            for b in &g[i + 1..] {
                let sim = similarity(&a.full_text(), &b.full_text());
                if sim >= NEAR_DUPLICATE {
                    out.push(finding(
                        Severity::Error,
                        b.location(),
                        "near-duplicate",
                        format!("{:.0}% alike to {}", sim * 100.0, a.location()),
                    ));
                }
            }
        }
        // Orders run 1..n.
        let mut orders: Vec<u32> = g.iter().map(|s| s.order).collect();
        orders.sort_unstable();
        if orders.iter().enumerate().any(|(i, o)| *o != i as u32 + 1) {
            out.push(finding(
                Severity::Error,
                g[0].location(),
                "order",
                format!(
                    "orders within the level are {orders:?}, expected 1…{}",
                    orders.len()
                ),
            ));
        }
    }

    // Ladders: per section/domain, each subject once per level, on consecutive levels.
    let mut ladders: BTreeMap<(Section, Option<DurableDomain>, String), Vec<&Statement>> =
        BTreeMap::new();
    for s in statements {
        ladders
            .entry((s.section, s.domain, s.subject.trim().to_lowercase()))
            .or_default()
            .push(s);
    }
    for steps in ladders.values() {
        let mut ranks: Vec<u8> = steps.iter().map(|s| s.level.rank()).collect();
        ranks.sort_unstable();
        for w in ranks.windows(2) {
            if w[0] == w[1] {
                out.push(finding(
                    Severity::Error,
                    steps[0].location(),
                    "ladder",
                    format!("subject {:?} appears twice at one level", steps[0].subject),
                ));
            } else if w[1] != w[0] + 1 {
                out.push(finding(
                    Severity::Error,
                    steps[0].location(),
                    "ladder",
                    format!(
                        "subject {:?} skips a level between its steps",
                        steps[0].subject
                    ),
                ));
            }
        }
        // A rung may not say the same as the one below it.
        let mut by_rank: Vec<&&Statement> = steps.iter().collect();
        by_rank.sort_by_key(|s| s.level.rank());
        for w in by_rank.windows(2) {
            if w[0]
                .performance
                .trim()
                .eq_ignore_ascii_case(w[1].performance.trim())
            {
                out.push(finding(
                    Severity::Error,
                    w[1].location(),
                    "ladder",
                    format!("does not rise above {}", w[0].location()),
                ));
            }
        }
    }

    // Levels and domains have their statements.
    for level in MasteryLevel::ALL {
        let n = statements
            .iter()
            .filter(|s| s.section == Section::Technical && s.level == Level::Mastery(level))
            .count();
        let loc = format!("technical/{}", level.as_str());
        if n == 0 {
            out.push(finding(
                Severity::Error,
                loc,
                "level-empty",
                "the level has no technical statements".into(),
            ));
        } else if n < THIN_LEVEL {
            out.push(finding(
                Severity::Warning,
                loc,
                "level-thin",
                format!("only {n} technical statements (aim for about ten)"),
            ));
        }
    }
    for d in DurableDomain::ALL {
        if !statements.iter().any(|s| s.domain == Some(d)) {
            out.push(finding(
                Severity::Warning,
                format!("durable/{}", d.as_str()),
                "domain-empty",
                "no statements: no grounding data for this domain".into(),
            ));
        }
    }
    out
}

/// The whole editor: every rule of [`lint`], plus the catalog-aware `truncated-name` and
/// `repeated-example` checks and Harper's spelling and grammar check. Build it once (it
/// holds the catalog and the dictionary) and share it across threads.
#[derive(Debug, Clone)]
pub struct Editor {
    catalog: Catalog,
    grammar: GrammarChecker,
}

impl Editor {
    /// An editor that knows the release's product and commodity names (`catalog`) and
    /// accepts the words of `vocabulary` (the release's texts) as correctly spelled.
    pub fn new<'a>(catalog: Catalog, vocabulary: impl IntoIterator<Item = &'a str>) -> Self {
        Editor {
            catalog,
            grammar: GrammarChecker::new(vocabulary),
        }
    }

    /// Checks a version's statements.
    pub fn lint(&self, statements: &[Statement]) -> Vec<Finding> {
        let mut out = lint(statements);
        for s in statements {
            editorial::check_statement(s, Some(&self.catalog), &mut out);
        }
        editorial::check_levels(statements, &mut out);
        editorial::check_stems(statements, &mut out);
        let mut session = self.grammar.session();
        for s in statements {
            let loc = s.location();
            let third_person = s.section == Section::Durable
                && s.performance
                    .split_whitespace()
                    .next()
                    .is_some_and(|w| w.ends_with('s') && !w.ends_with("ss"));
            let mut issues = session.check_spelling(&format!("{}.", s.subject.trim()));
            issues.extend(session.check_sentence(&as_sentence(&s.performance, third_person)));
            for i in issues {
                out.push(finding(
                    Severity::Error,
                    loc.clone(),
                    i.rule,
                    format!("{:?}: {} ({})", i.text, i.message, i.harper_rule),
                ));
            }
        }
        out
    }
}

/// What `nsx lint` and `nsx draft` enforce: every rule of [`lint`], plus the editor's
/// statement rules (`dangling-preposition`, `subject-function-word`,
/// `unbalanced-brackets`, `truncated-name` against `catalog`, `repeated-example`,
/// `clumsy-join`) as errors. The rules that judge a whole version's shape (`level-repeat`,
/// `duplicate-stem`) are reported as warnings: the drafter's levels still share their
/// subjects and closing phrases by design, which the level redesign is to change.
pub fn lint_structural(statements: &[Statement], catalog: Option<&Catalog>) -> Vec<Finding> {
    let mut out = lint(statements);
    for s in statements {
        editorial::check_statement(s, catalog, &mut out);
    }
    let mut advisory = Vec::new();
    editorial::check_levels(statements, &mut advisory);
    editorial::check_stems(statements, &mut advisory);
    out.extend(advisory.into_iter().map(|mut f| {
        f.severity = Severity::Warning;
        f
    }));
    out
}

/// How many errors [`lint_structural`] would report, without running the version-shape
/// rules (`level-repeat`, `duplicate-stem`): they only ever warn, and comparing every
/// statement with every other is the costly part. What `nsx draft` counts per framework.
pub fn count_structural_errors(statements: &[Statement], catalog: Option<&Catalog>) -> usize {
    let mut out = lint(statements);
    for s in statements {
        editorial::check_statement(s, catalog, &mut out);
    }
    out.iter().filter(|f| f.severity == Severity::Error).count()
}

/// Whether any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::super::{Citation, Locator};
    use super::*;

    fn st(level: MasteryLevel, order: u32, subject: &str, perf: &str) -> Statement {
        Statement {
            section: Section::Technical,
            domain: None,
            level: Level::Mastery(level),
            order,
            subject: subject.into(),
            performance: perf.into(),
            citations: vec![Citation {
                source: "onet".into(),
                release: "30.1".into(),
                locator: Locator::Task { task_id: 1 },
                text: "Task one.".into(),
                value: None,
            }],
        }
    }

    fn rules(f: &[Finding]) -> Vec<&str> {
        f.iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.rule.as_str())
            .collect()
    }

    #[test]
    fn uncited_and_unsplit_statements_are_errors() {
        let mut s = st(
            MasteryLevel::Emerging,
            1,
            "Parts",
            "inspect for surface flaws under supervision on the line",
        );
        s.citations.clear();
        assert!(rules(&lint(&[s])).contains(&"uncited"));
        let s = st(
            MasteryLevel::Emerging,
            1,
            "Parts",
            "Inspect for surface flaws under supervision on the line",
        );
        assert!(rules(&lint(&[s])).contains(&"split"));
        let s = st(
            MasteryLevel::Emerging,
            1,
            "",
            "inspect for surface flaws under supervision on the line",
        );
        assert!(rules(&lint(&[s])).contains(&"split"));
        let s = st(MasteryLevel::Emerging, 1, "Parts", "inspect");
        assert!(rules(&lint(&[s])).contains(&"length"));
    }

    #[test]
    fn duplicates_and_near_duplicates_are_errors() {
        let a = st(
            MasteryLevel::Emerging,
            1,
            "Parts",
            "inspect parts for surface flaws under direct supervision on the line",
        );
        let b = st(
            MasteryLevel::Emerging,
            2,
            "Parts ",
            "inspect parts for surface flaws under direct supervision on the line",
        );
        assert!(rules(&lint(&[a.clone(), b])).contains(&"duplicate"));
        let c = st(
            MasteryLevel::Emerging,
            2,
            "Parts",
            "inspect parts for surface flaws under direct supervision on the line today",
        );
        assert!(rules(&lint(&[a, c])).contains(&"near-duplicate"));
    }

    #[test]
    fn ladders_must_not_skip_or_repeat_levels() {
        let a = st(
            MasteryLevel::Emerging,
            1,
            "Parts",
            "inspect parts for surface flaws under direct supervision",
        );
        let c = st(
            MasteryLevel::Proficient,
            1,
            "Parts",
            "inspect parts autonomously across non-routine cases of every kind",
        );
        assert!(rules(&lint(&[a.clone(), c])).contains(&"ladder"));
        let b = st(
            MasteryLevel::Developing,
            1,
            "Parts",
            "inspect parts for surface flaws under direct supervision",
        );
        assert!(rules(&lint(&[a, b])).contains(&"ladder"));
    }

    #[test]
    fn empty_levels_are_errors_and_thin_levels_warnings() {
        let f = lint(&[st(
            MasteryLevel::Emerging,
            1,
            "Parts",
            "inspect parts for surface flaws under direct supervision",
        )]);
        assert!(rules(&f).contains(&"level-empty"));
        assert!(
            f.iter()
                .any(|f| f.rule == "level-thin" && f.severity == Severity::Warning)
        );
        assert!(similarity("a b c", "a b c") > 0.99);
        assert!(similarity("a b", "c d") < 0.01);
    }

    #[test]
    fn the_error_count_matches_the_full_structural_lint() {
        let v = [
            st(
                MasteryLevel::Emerging,
                1,
                "Parts",
                "inspect for surface flaws under supervision on the line",
            ),
            st(
                MasteryLevel::Developing,
                1,
                "Parts",
                "inspect for surface flaws under supervision on the line",
            ),
            st(
                MasteryLevel::Emerging,
                2,
                "Machinists",
                "consult with to ensure that parts fit",
            ),
        ];
        let full = lint_structural(&v, None);
        assert!(full.iter().any(|f| f.severity == Severity::Warning));
        let errors = full
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        assert!(errors > 0);
        assert_eq!(count_structural_errors(&v, None), errors);
    }
}
