//! Importing a framework from an exchange file: a CASE package (NSX's own or another
//! tool's) or the framework CSV NSX exports. Page handlers, the API, the command line and
//! CASE subscriptions all call [`import`] (or [`import_parsed`]).
//!
//! - A file whose framework is not in the exchange yet becomes a new framework owned by the
//!   importer's organization (`CreateFramework`), with a first draft.
//! - A file whose framework is already here (the same CASE document identifier, a version
//!   with that identifier, or for a CSV the same framework code) — or an import `into` a
//!   named framework — becomes a new draft version of it (`EditFramework` on its owner).
//!   When the content equals a version it already has, nothing is written and the report
//!   says so. An import only ever adds a version: published versions and drafts that
//!   editors are working on stay as they are.
//!
//! Each import is one transaction with one audit entry.

use nsx_core::frameworks::case_read::{self, ImportedFramework};
use nsx_core::frameworks::edit::{EditableVersion, FrameworkCode};
use nsx_core::frameworks::{Status, VersionLabel, framework_id, version_id, version_path};
use nsx_core::ids::OrganizationId;
use nsx_core::policy::{Action, Resource};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::VersionSummary;
use super::editing::{self, Framework, FrameworkInsert, VersionInsert};
use super::service::cache_scope;
use crate::audit::{self, Change};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::on_tx;
use crate::service::Caller;

/// What kind of file an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A CASE 1.0/1.1 `CFPackage` (JSON).
    Case,
    /// The framework CSV NSX exports.
    Csv,
}

impl Format {
    /// The framework origin recorded for a new framework.
    fn origin(self) -> &'static str {
        match self {
            Format::Case => "case",
            Format::Csv => "csv",
        }
    }

    /// Guesses the format of a file: JSON starts with `{`.
    pub fn sniff(bytes: &[u8]) -> Format {
        let first = bytes
            .iter()
            .copied()
            .find(|b| !(b.is_ascii_whitespace() || *b == 0xef || *b == 0xbb || *b == 0xbf));
        if first == Some(b'{') {
            Format::Case
        } else {
            Format::Csv
        }
    }
}

/// Where an import goes, besides what the file says.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportOptions {
    /// Draft a new version of this framework (its code) instead of finding the framework
    /// from the file.
    pub into: Option<String>,
    /// Create a new framework with this code (a slug) instead of finding one from the file.
    pub code: Option<String>,
    /// Title of a new framework (default: the file's).
    pub title: Option<String>,
    /// The owning organization of a new framework; an editor's own when absent
    /// (administrators may name any).
    pub organization_id: Option<Uuid>,
}

impl ImportOptions {
    fn clean(mut self) -> Self {
        let tidy = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        self.into = tidy(self.into);
        self.code = tidy(self.code);
        self.title = tidy(self.title);
        self
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new framework with its first draft.
    Created,
    /// A new draft version of a framework already here.
    Drafted,
    /// The file equals a version the framework already has; nothing was written.
    Unchanged,
}

/// The report of an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// What happened.
    pub outcome: Outcome,
    /// The framework's code.
    pub code: String,
    /// Its title.
    pub title: String,
    /// The version written, or (unchanged) the version the file equals.
    #[schema(value_type = String, example = "v26.05")]
    pub label: VersionLabel,
    /// That version's id.
    pub version_id: Uuid,
    /// For a new draft: the version it was compared with and based on.
    #[schema(value_type = Option<String>)]
    pub previous: Option<VersionLabel>,
    /// Statements in the version.
    pub statements: usize,
    /// Citations in the version.
    pub citations: usize,
    /// What the file held that NSX accepted but left out or changed.
    pub warnings: Vec<String>,
    /// The version's page.
    pub url: String,
}

impl ImportReport {
    /// One line for people: what happened.
    pub fn summary(&self) -> String {
        match self.outcome {
            Outcome::Created => format!(
                "Imported a new framework {} ({}) as {}: {} statements, {} citations.",
                self.code, self.title, self.label, self.statements, self.citations
            ),
            Outcome::Drafted => format!(
                "Drafted {} of framework {}{}: {} statements, {} citations.",
                self.label,
                self.code,
                self.previous
                    .map(|p| format!(" (changed since {p})"))
                    .unwrap_or_default(),
                self.statements,
                self.citations
            ),
            Outcome::Unchanged => format!(
                "Unchanged: the file equals {} of framework {}; nothing was written.",
                self.label, self.code
            ),
        }
    }
}

/// Reads a file of the given format.
pub fn parse(format: Format, bytes: &[u8]) -> Result<ImportedFramework> {
    match format {
        Format::Case => {
            let text = std::str::from_utf8(bytes).map_err(|e| {
                Error::invalid(
                    "(package)",
                    format!("not UTF-8 text (byte {} is not)", e.valid_up_to()),
                )
            })?;
            case_read::import(text).map_err(|e| Error::invalid(&e.field, e.message))
        }
        Format::Csv => super::framework_csv::read(bytes),
    }
}

/// Imports a file: parses it, then stores it as [`import_parsed`] does.
pub async fn import(
    db: &Db,
    caller: &Caller,
    format: Format,
    bytes: &[u8],
    options: ImportOptions,
) -> Result<ImportReport> {
    let parsed = parse(format, bytes)?;
    import_parsed(db, caller, format, parsed, options).await
}

/// The framework a file or an option names, if it is here.
enum Target {
    Existing(String),
    New,
}

async fn find_target(
    tx: &mut Tx,
    parsed: &ImportedFramework,
    options: &ImportOptions,
    format: Format,
) -> Result<Target> {
    if let Some(into) = &options.into {
        let f = editing::lock_framework(tx, into).await?.ok_or_else(|| {
            Error::invalid(
                "into",
                format!("there is no framework {into} to import into"),
            )
        })?;
        return Ok(Target::Existing(f.code));
    }
    if options.code.is_some() {
        return Ok(Target::New);
    }
    if let Some(doc) = &parsed.document {
        let by_doc: Option<String> = on_tx!(tx, c => sqlx::query_scalar(
            "SELECT code FROM frameworks WHERE case_document = $1"
        )
        .bind(doc)
        .fetch_optional(c)
        .await)?;
        if let Some(code) = by_doc {
            return Ok(Target::Existing(code));
        }
    }
    if let Some(vid) = parsed.version_id {
        let by_version: Option<String> = on_tx!(tx, c => sqlx::query_scalar(
            "SELECT code FROM framework_versions WHERE id = $1"
        )
        .bind(vid)
        .fetch_optional(c)
        .await)?;
        if let Some(code) = by_version {
            return Ok(Target::Existing(code));
        }
    }
    if format == Format::Csv
        && let Some(code) = &parsed.code_hint
        && editing::lock_framework(tx, code).await?.is_some()
    {
        return Ok(Target::Existing(code.clone()));
    }
    Ok(Target::New)
}

async fn code_taken(tx: &mut Tx, code: &str) -> Result<bool> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM frameworks WHERE code = $1")
        .bind(code)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

/// Whether a code may be used for a new framework of `org`: a slug, or an O*NET-SOC code
/// when the owner is the exchange's own standards body (which owns the drafted frameworks).
fn usable_code(raw: &str, org_is_standards_body: bool) -> Option<FrameworkCode> {
    let code: FrameworkCode = raw.trim().parse().ok()?;
    (!code.is_occupation() || org_is_standards_body).then_some(code)
}

/// The code of a new framework: the one asked for (which must be free), else the file's
/// when usable and free, else one made from the title, numbered until free.
async fn choose_code(
    tx: &mut Tx,
    parsed: &ImportedFramework,
    options: &ImportOptions,
    title: &str,
    org_is_standards_body: bool,
) -> Result<FrameworkCode> {
    if let Some(raw) = &options.code {
        let code: FrameworkCode = raw.parse().map_err(Error::from)?;
        if code.is_occupation() && !org_is_standards_body {
            return Err(Error::invalid(
                "code",
                "O*NET-SOC codes name the frameworks the exchange drafts; choose a name like industrial-maintenance",
            ));
        }
        if code_taken(tx, code.as_str()).await? {
            return Err(Error::invalid(
                "code",
                format!("a framework with the code {code} exists already"),
            ));
        }
        return Ok(code);
    }
    if let Some(code) = parsed
        .code_hint
        .as_deref()
        .and_then(|h| usable_code(h, org_is_standards_body))
        && !code_taken(tx, code.as_str()).await?
    {
        return Ok(code);
    }
    let base = FrameworkCode::slug_from_title(title)
        .or_else(|| {
            parsed.document.as_deref().and_then(|d| {
                let hex: String = d
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(8)
                    .collect();
                FrameworkCode::slug(&format!("case-{}", hex.to_ascii_lowercase())).ok()
            })
        })
        .or_else(|| FrameworkCode::slug("imported-framework").ok())
        .ok_or_else(|| Error::invalid("code", "choose a code for the new framework"))?;
    if !code_taken(tx, base.as_str()).await? {
        return Ok(base);
    }
    for n in 2..1000 {
        let suffix = format!("-{n}");
        let mut stem = base.as_str().to_string();
        stem.truncate(64 - suffix.len());
        let candidate = format!("{}{suffix}", stem.trim_end_matches('-'));
        if let Ok(code) = FrameworkCode::slug(&candidate)
            && !code_taken(tx, code.as_str()).await?
        {
            return Ok(code);
        }
    }
    Err(Error::invalid(
        "code",
        format!(
            "every code made from {:?} is taken; choose one",
            base.as_str()
        ),
    ))
}

fn citations_of(c: &EditableVersion) -> usize {
    c.statements
        .iter()
        .map(|s| s.statement.citations.len())
        .sum()
}

async fn write_sources(tx: &mut Tx, parsed: &ImportedFramework) -> Result<()> {
    for s in &parsed.sources {
        // A file may describe the document it came from; it never rewrites the records of
        // sources the exchange keeps itself (O*NET, the evidence).
        let update = if s.key == case_read::CASE_SOURCE {
            "DO UPDATE SET name = excluded.name, publisher = excluded.publisher, url = excluded.url, licence = excluded.licence, attribution = excluded.attribution"
        } else {
            "DO NOTHING"
        };
        on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO sources (source_key, release, name, publisher, url, licence, attribution) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (source_key, release) {update}"
        )))
        .bind(&s.key).bind(&s.release).bind(&s.name).bind(&s.publisher).bind(&s.url).bind(&s.licence).bind(&s.attribution)
        .execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// The version columns an imported version carries besides its content.
fn extras(parsed: &ImportedFramework) -> Result<(String, String, String, String)> {
    // The sources the file describes and the ones its statements cite.
    let mut keys: Vec<(String, String)> = parsed
        .sources
        .iter()
        .map(|s| (s.key.clone(), s.release.clone()))
        .collect();
    for s in &parsed.content.statements {
        for c in &s.statement.citations {
            let k = (c.source.clone(), c.release.clone());
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    keys.sort();
    keys.dedup();
    let onet_release = keys
        .iter()
        .find(|k| k.0 == "onet")
        .map(|k| k.1.clone())
        .unwrap_or_default();
    let evidence = json!({
        "tasks_total": 0,
        "tasks_with_evidence": 0,
        "tasks_observed": 0,
        "usage_share_pct": null,
        "mean_penetration": null,
        "job_exposure": null,
        "top_tasks": [],
        "citations": [],
        "note": "Imported; no AI-usage evidence pack.",
    });
    Ok((
        onet_release,
        to_json(&evidence)?,
        to_json(&Vec::<String>::new())?,
        to_json(&keys)?,
    ))
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}

fn owner(f: &Framework) -> Resource {
    Resource::OwnedBy(f.organization_id.map(OrganizationId))
}

/// Stores a file already read. See the module documentation for what happens when.
pub async fn import_parsed(
    db: &Db,
    caller: &Caller,
    format: Format,
    mut parsed: ImportedFramework,
    options: ImportOptions,
) -> Result<ImportReport> {
    let options = options.clean();
    if let Some(t) = &options.title {
        parsed.title = case_read::clean_text(t);
    }
    if parsed.title.chars().count() > super::service::MAX_TITLE {
        let cut: String = parsed
            .title
            .chars()
            .take(super::service::MAX_TITLE - 1)
            .collect();
        parsed.warnings.push(format!(
            "the title is longer than {} characters and was cut",
            super::service::MAX_TITLE
        ));
        parsed.title = format!("{}…", cut.trim_end());
    }
    parsed.content.check().map_err(Error::from)?;
    let known = editing::known_occupations(db, &parsed.occupations).await?;
    let mut tx = db.begin().await?;
    let result = match find_target(&mut tx, &parsed, &options, format).await? {
        Target::Existing(code) => draft_into(&mut tx, caller, &code, &parsed, format).await,
        Target::New => create(&mut tx, caller, &parsed, &options, format, &known).await,
    };
    match result {
        Ok(report) if report.outcome == Outcome::Unchanged => {
            tx.rollback().await?;
            Ok(report)
        }
        Ok(report) => {
            tx.touch_scope(&cache_scope(&report.code)).await?;
            tx.commit().await?;
            Ok(report)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

async fn create(
    tx: &mut Tx,
    caller: &Caller,
    parsed: &ImportedFramework,
    options: &ImportOptions,
    format: Format,
    occupations: &[String],
) -> Result<ImportReport> {
    let org = match (options.organization_id, caller.principal.as_ref()) {
        (Some(o), _) => o,
        (None, Some(p)) => p.organization_id.map(|o| o.0).ok_or_else(|| {
            Error::Forbidden(
                "you belong to no organization, so you cannot own a framework; ask an administrator to add you to one"
                    .into(),
            )
        })?,
        (None, None) => {
            return Err(Error::invalid(
                "organization_id",
                "name the owning organization",
            ));
        }
    };
    caller.require(
        Action::CreateFramework,
        &Resource::OwnedBy(Some(OrganizationId(org))),
    )?;
    if parsed.title.trim().is_empty() {
        return Err(Error::invalid(
            "title",
            "name the new framework (the file gives no title)",
        ));
    }
    let body = super::service::standards_body_in(tx, None).await?;
    let code = choose_code(tx, parsed, options, &parsed.title, org == body).await?;
    let fid = framework_id(code.as_str());
    editing::insert_framework(
        tx,
        &FrameworkInsert {
            id: fid,
            code: code.to_string(),
            title: parsed.title.clone(),
            description: parsed.description.clone(),
            organization_id: org,
            origin: format.origin(),
        },
    )
    .await?;
    editing::set_occupations(tx, fid, occupations).await?;
    // The document this framework follows (unless asked for a second framework from it).
    if options.code.is_none()
        && let Some(doc) = &parsed.document
    {
        let r = on_tx!(tx, c => sqlx::query("UPDATE frameworks SET case_document = $1 WHERE id = $2")
            .bind(doc)
            .bind(fid)
            .execute(c)
            .await
            .map(|r| r.rows_affected()));
        match r {
            Ok(_) => {}
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                return Err(Error::Conflict(format!(
                    "the CASE document {doc} was imported at the same moment by another request; import again to draft a new version of it"
                )));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let label = parsed.label.unwrap_or_else(super::current_label);
    // A CASE document keeps its identifier as the version id when that is free.
    let vid = match parsed.version_id {
        Some(id) => {
            let used: i64 = on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM framework_versions WHERE id = $1")
                .bind(id)
                .fetch_one(c)
                .await)?;
            if used == 0 {
                id
            } else {
                version_id(code.as_str(), &label)
            }
        }
        None => version_id(code.as_str(), &label),
    };
    write_sources(tx, parsed).await?;
    let (onet_release, evidence, gaps, source_keys) = extras(parsed)?;
    editing::insert_version(
        tx,
        &VersionInsert {
            id: vid,
            framework_id: fid,
            code: code.to_string(),
            label,
            status: Status::Draft,
            title: parsed.title.clone(),
            job_zone: None,
            onet_release,
            evidence,
            gaps,
            source_keys,
            edited_by: caller.user_id().map(|u| u.0),
            based_on: None,
        },
        &parsed.content,
    )
    .await?;
    let report = ImportReport {
        outcome: Outcome::Created,
        code: code.to_string(),
        title: parsed.title.clone(),
        label,
        version_id: vid,
        previous: None,
        statements: parsed.content.statements.len(),
        citations: citations_of(&parsed.content),
        warnings: parsed.warnings.clone(),
        url: version_path(code.as_str(), &label),
    };
    audit::record(
        tx,
        caller,
        Change::new(
            "framework.import",
            "framework_version",
            format!("{code}/{label}"),
        )
        .after(json!({
            "outcome": "created",
            "format": format,
            "organization_id": org,
            "document": parsed.document,
            "title": parsed.title,
            "statements": report.statements,
            "citations": report.citations,
        })),
    )
    .await?;
    Ok(report)
}

async fn draft_into(
    tx: &mut Tx,
    caller: &Caller,
    code: &str,
    parsed: &ImportedFramework,
    format: Format,
) -> Result<ImportReport> {
    let f = editing::lock_framework(tx, code)
        .await?
        .ok_or_else(|| Error::not_found(format!("framework {code}")))?;
    caller.require(Action::EditFramework, &owner(&f)).map_err(|e| match e {
        Error::Forbidden(_) => Error::Forbidden(format!(
            "this file is framework {code} of {}, which you may not edit; import it with another code to make a framework of your own",
            f.organization_name.as_deref().unwrap_or("another organization")
        )),
        other => other,
    })?;
    let versions: Vec<VersionSummary> = editing::versions_in(tx, f.id).await?;
    let live: Vec<&VersionSummary> = versions
        .iter()
        .filter(|v| v.status != Status::Discarded)
        .collect();
    let mut content = parsed.content.clone();
    // A CSV carries no context paragraph (and may carry no title): the newest version's
    // stay.
    let newest = live.first().copied();
    let title = match (parsed.title.is_empty(), newest) {
        (true, Some(n)) => n.title.clone(),
        (true, None) => f.title.clone(),
        (false, _) => parsed.title.clone(),
    };
    if format == Format::Csv
        && let Some(n) = newest
    {
        content.context = editing::context_in(tx, n.id).await?;
    }
    for v in &live {
        let context = editing::context_in(tx, v.id).await?;
        let existing = editing::content_in(tx, v.id, context).await?;
        if existing == content && v.title == title {
            return Ok(ImportReport {
                outcome: Outcome::Unchanged,
                code: code.to_string(),
                title: v.title.clone(),
                label: v.label,
                version_id: v.id,
                previous: None,
                statements: existing.statements.len(),
                citations: citations_of(&existing),
                warnings: parsed.warnings.clone(),
                url: version_path(code, &v.label),
            });
        }
    }
    let taken: Vec<VersionLabel> = versions.iter().map(|v| v.label).collect();
    let label = VersionLabel::next_free(super::current_label(), taken.iter())
        .map_err(|e| Error::Conflict(e.0))?;
    let vid = version_id(code, &label);
    write_sources(tx, parsed).await?;
    let (onet_release, evidence, gaps, source_keys) = extras(parsed)?;
    editing::insert_version(
        tx,
        &VersionInsert {
            id: vid,
            framework_id: f.id,
            code: code.to_string(),
            label,
            status: Status::Draft,
            title: title.clone(),
            job_zone: None,
            onet_release,
            evidence,
            gaps,
            source_keys,
            edited_by: caller.user_id().map(|u| u.0),
            based_on: newest.map(|n| n.id),
        },
        &content,
    )
    .await?;
    let report = ImportReport {
        outcome: Outcome::Drafted,
        code: code.to_string(),
        title: title.clone(),
        label,
        version_id: vid,
        previous: newest.map(|n| n.label),
        statements: content.statements.len(),
        citations: citations_of(&content),
        warnings: parsed.warnings.clone(),
        url: version_path(code, &label),
    };
    audit::record(
        tx,
        caller,
        Change::new(
            "framework.import",
            "framework_version",
            format!("{code}/{label}"),
        )
        .before(json!({"label": report.previous.map(|l| l.to_string())}))
        .after(json!({
            "outcome": "drafted",
            "format": format,
            "document": parsed.document,
            "title": title,
            "statements": report.statements,
            "citations": report.citations,
        })),
    )
    .await?;
    Ok(report)
}
