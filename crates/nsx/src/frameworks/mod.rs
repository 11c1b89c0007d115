//! Occupation frameworks: drafting a version for every occupation with enough grounding
//! data, storing versions with their statements and citations, linting them, and reading
//! a version back for pages and exports.
//!
//! The model, the drafter and the linter are pure and live in
//! [`nsx_core::frameworks`]; this module puts the database around them.

pub mod api;
pub mod authoring;
pub mod authoring_api;
pub mod case;
pub mod changes;
pub mod diff_api;
pub mod diff_routes;
pub mod editing;
pub mod exports;
pub mod framework_csv;
pub mod import_routes;
pub mod import_service;
pub mod queries;
pub mod resolve;
pub mod routes;
pub mod service;
pub mod store;
pub mod subscription_routes;
pub mod subscriptions;

use std::collections::BTreeMap;

use nsx_core::frameworks::draft::{Draft, EvidencePack, draft};
use nsx_core::frameworks::lint::{Finding, Severity, count_structural_errors, lint_structural};
use nsx_core::frameworks::{
    DurableDomain, Level, MasteryLevel, Section, Source, Statement, Status, VersionLabel,
};
use rayon::prelude::*;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::import::progress::Progress;
pub use store::Skipped;

/// A stored framework version's headline facts.
#[derive(Debug, Clone, Serialize)]
pub struct VersionSummary {
    /// Version id (UUID v5 of code and label).
    pub id: Uuid,
    /// Framework id (UUID v5 of the code).
    pub framework_id: Uuid,
    /// O*NET-SOC code.
    pub code: String,
    /// Version label.
    pub label: VersionLabel,
    /// Status.
    pub status: Status,
    /// Occupation title.
    pub title: String,
    /// Job Zone.
    pub job_zone: Option<i64>,
    /// O*NET release it is grounded in.
    pub onet_release: String,
    /// Stable path of the version.
    pub url: String,
    /// Number of statements.
    pub statement_count: i64,
    /// When the version was drafted.
    pub drafted_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// The organization that owns the framework.
    pub organization_id: Option<Uuid>,
    /// When an editor last changed this version (`None`: as drafted).
    pub edited_at: Option<OffsetDateTime>,
    /// When it was published.
    pub published_at: Option<OffsetDateTime>,
    /// The label it had as a draft, when publishing gave it another.
    pub former_label: Option<String>,
    /// The version it was copied from.
    pub based_on: Option<Uuid>,
}

/// A stored statement: its ids and content.
#[derive(Debug, Clone, Serialize)]
pub struct StatementView {
    /// Row id, unique to this version.
    pub id: Uuid,
    /// Item id, the same for this subject and level in every version.
    pub item_id: Uuid,
    /// Content with citations (each carrying the cited row's text).
    pub statement: Statement,
}

/// A whole framework version as pages and exports use it.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkView {
    /// Headline facts.
    pub version: VersionSummary,
    /// The "context covered" paragraph.
    pub context: String,
    /// Statements in section, domain, level and order sequence.
    pub statements: Vec<StatementView>,
    /// The AI-usage evidence pack.
    pub evidence: EvidencePack,
    /// What could not be grounded, and why.
    pub gaps: Vec<String>,
    /// Sources cited, with licence and attribution.
    pub sources: Vec<Source>,
}

impl FrameworkView {
    /// Technical statements at one mastery level.
    pub fn technical(&self, level: MasteryLevel) -> Vec<&StatementView> {
        self.statements
            .iter()
            .filter(|s| {
                s.statement.section == Section::Technical
                    && s.statement.level == Level::Mastery(level)
            })
            .collect()
    }

    /// AI-usage statements at one mastery level.
    pub fn ai_usage(&self, level: MasteryLevel) -> Vec<&StatementView> {
        self.statements
            .iter()
            .filter(|s| {
                s.statement.section == Section::AiUsage
                    && s.statement.level == Level::Mastery(level)
            })
            .collect()
    }

    /// Durable-skill statements of one domain, all levels.
    pub fn durable(&self, domain: DurableDomain) -> Vec<&StatementView> {
        self.statements
            .iter()
            .filter(|s| s.statement.domain == Some(domain))
            .collect()
    }

    /// The distinct O*NET task IDs the statements cite (the "source anchors").
    pub fn anchored_tasks(&self) -> Vec<(i64, String)> {
        let mut m: BTreeMap<i64, String> = BTreeMap::new();
        for s in &self.statements {
            for c in &s.statement.citations {
                if let nsx_core::frameworks::Locator::Task { task_id } = c.locator {
                    m.entry(task_id).or_insert_with(|| c.text.clone());
                }
            }
        }
        m.into_iter().collect()
    }
}

/// What `nsx draft` did.
#[derive(Debug, Clone, Serialize)]
pub struct DraftRun {
    /// Version label written.
    pub label: VersionLabel,
    /// Occupations drafted.
    pub drafted: usize,
    /// Occupations not drafted, with reasons.
    pub skipped: Vec<Skipped>,
    /// Statements written.
    pub statements: u64,
    /// Citations written.
    pub citations: u64,
    /// Lint errors found in the fresh drafts (should be none).
    pub lint_errors: usize,
    /// Seconds taken.
    pub seconds: f64,
}

impl DraftRun {
    /// Skipped occupations grouped by reason, largest group first.
    pub fn skipped_by_reason(&self) -> Vec<(String, Vec<String>)> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in &self.skipped {
            // Group reasons that differ only by a count.
            let key: String = s
                .reason
                .chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect();
            m.entry(key).or_default().push(s.code.clone());
        }
        let mut v: Vec<_> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        v
    }
}

/// The label a draft cut today gets.
pub fn current_label() -> VersionLabel {
    VersionLabel::for_date(OffsetDateTime::now_utc().date())
}

/// Drafts a version labelled `label` for every framework-ready occupation (`codes` `None`)
/// or for the given codes, and stores them. Drafting runs on all cores.
pub async fn draft_and_store(
    db: &Db,
    codes: Option<&[String]>,
    label: &VersionLabel,
    progress: &dyn Progress,
) -> Result<DraftRun> {
    let started = std::time::Instant::now();
    progress.message("reading grounding data");
    let (inputs, mut skipped) = store::load_inputs(db, codes).await?;
    let catalog = store::catalog(db).await?;
    let read = started.elapsed();
    progress.start("drafting", inputs.len() as u64);
    let results: Vec<(String, std::result::Result<Draft, String>, usize)> =
        tokio::task::spawn_blocking(move || {
            inputs
                .par_iter()
                .map(|inp| match draft(inp) {
                    Ok(d) => {
                        // Errors only: the version-shape rules only ever warn.
                        let errors = count_structural_errors(&d.statements, Some(&catalog));
                        (inp.code.clone(), Ok(d), errors)
                    }
                    Err(e) => (inp.code.clone(), Err(e.0), 0),
                })
                .collect()
        })
        .await
        .map_err(|e| Error::Internal(format!("drafting failed: {e}")))?;
    progress.advance(results.len() as u64);
    let mut drafts = Vec::with_capacity(results.len());
    let mut lint_errors = 0;
    for (code, r, errs) in results {
        match r {
            Ok(d) => {
                lint_errors += errs;
                drafts.push(d);
            }
            Err(reason) => skipped.push(Skipped { code, reason }),
        }
    }
    progress.finish(&format!("{} drafts", drafts.len()));
    let drafted = started.elapsed();
    progress.message("writing drafts");
    let w = store::write_drafts(db, label, &drafts).await?;
    tracing::debug!(
        read_s = read.as_secs_f64(),
        draft_s = (drafted - read).as_secs_f64(),
        write_s = (started.elapsed() - drafted).as_secs_f64(),
        "draft phases"
    );
    skipped.extend(w.kept.iter().cloned());
    skipped.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(DraftRun {
        label: *label,
        drafted: w.written,
        skipped,
        statements: w.statements,
        citations: w.citations,
        lint_errors,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// One linter finding in a stored version.
#[derive(Debug, Clone, Serialize)]
pub struct VersionFinding {
    /// O*NET-SOC code.
    pub code: String,
    /// Version label.
    pub label: VersionLabel,
    /// The finding.
    pub finding: Finding,
}

impl std::fmt::Display for VersionFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{} {} {}: {sev}: {}: {}",
            self.code, self.label, self.finding.location, self.finding.rule, self.finding.message
        )
    }
}

/// Counts per rule (errors and warnings, every rule listed) and the ten frameworks with
/// the most errors, as text for `nsx lint --report`.
pub fn lint_report(findings: &[VersionFinding]) -> String {
    use std::collections::BTreeMap;
    use std::fmt::Write;
    let mut per_rule: BTreeMap<&str, (usize, usize)> = nsx_core::frameworks::lint::RULES
        .iter()
        .map(|r| (*r, (0, 0)))
        .collect();
    let mut per_code: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in findings {
        let e = f.finding.severity == Severity::Error;
        let r = per_rule.entry(f.finding.rule.as_str()).or_default();
        let c = per_code.entry(f.code.as_str()).or_default();
        if e {
            r.0 += 1;
            c.0 += 1;
        } else {
            r.1 += 1;
            c.1 += 1;
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "{:<24} {:>8} {:>8}", "rule", "errors", "warnings");
    for (rule, (e, w)) in &per_rule {
        let _ = writeln!(out, "{rule:<24} {e:>8} {w:>8}");
    }
    let mut worst: Vec<(&str, (usize, usize))> = per_code.into_iter().collect();
    worst.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let _ = writeln!(out, "most findings (errors, warnings):");
    for (code, (e, w)) in worst.iter().take(10) {
        let _ = writeln!(out, "  {code}  {e} error(s), {w} warning(s)");
    }
    out
}

/// Lints the newest version of every framework (or of `codes`); returns the versions
/// checked and the findings.
pub async fn lint_stored(
    db: &Db,
    codes: Option<&[String]>,
) -> Result<(usize, Vec<VersionFinding>)> {
    let versions = store::latest_versions(db, codes).await?;
    let ids: Vec<Uuid> = versions.iter().map(|v| v.id).collect();
    let mut statements = store::statements_of(db, &ids).await?;
    let work: Vec<(VersionSummary, Vec<Statement>)> = versions
        .into_iter()
        .map(|v| {
            let st = statements
                .remove(&v.id)
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.statement)
                .collect();
            (v, st)
        })
        .collect();
    let n = work.len();
    let catalog = store::catalog(db).await?;
    let findings = tokio::task::spawn_blocking(move || {
        work.par_iter()
            .flat_map_iter(|(v, st)| {
                lint_structural(st, Some(&catalog))
                    .into_iter()
                    .map(|f| VersionFinding {
                        code: v.code.clone(),
                        label: v.label,
                        finding: f,
                    })
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| Error::Internal(format!("linting failed: {e}")))?;
    Ok((n, findings))
}
