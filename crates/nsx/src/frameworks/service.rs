//! The editorial workflow's rules: creating frameworks, editing drafts, moving versions
//! through their statuses. Page handlers, API handlers and the command line all call these
//! functions; each checks its input, asks the policy, does its work in one transaction,
//! writes one audit entry in that transaction and commits.

use nsx_core::codes::OnetSocCode;
use nsx_core::frameworks::edit::{Edit, EditableStatement, EditableVersion, FrameworkCode};
use nsx_core::frameworks::{Citation, Status, VersionLabel, version_id};
use nsx_core::ids::OrganizationId;
use nsx_core::policy::{Action, Resource};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::VersionSummary;
use super::editing::{self, Framework, FrameworkInsert, VersionInsert};
use crate::audit::{self, Change};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::service::Caller;

/// Longest framework title.
pub const MAX_TITLE: usize = 200;
/// Longest framework description.
pub const MAX_DESCRIPTION: usize = 4_000;
/// Most occupations one framework relates to.
pub const MAX_OCCUPATIONS: usize = 50;

/// The cache scope of one framework: a change to it drops that framework's cached pages and
/// CASE packages on every node, and nothing else (the search index holds no framework data).
pub fn cache_scope(code: &str) -> String {
    format!("framework:{code}")
}

fn owner(f: &Framework) -> Resource {
    Resource::OwnedBy(f.organization_id.map(OrganizationId))
}

/// The default name of the exchange's own standards body.
pub const DEFAULT_STANDARDS_BODY: &str = "National Skills Exchange";

const STANDARDS_BODY_KEY: &str = "standards_body_id";

/// The exchange's own standards body, which owns the frameworks drafted from O*NET: the
/// organization recorded in the settings (renamed to `name` if the configuration changed
/// it), or one found or created by that name.
pub async fn standards_body(db: &Db, name: &str) -> Result<Uuid> {
    let mut tx = db.begin().await?;
    let id = standards_body_in(&mut tx, Some(name)).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`standards_body`] inside a transaction; `None` keeps the recorded name (or uses the
/// default for a new one).
pub async fn standards_body_in(tx: &mut Tx, name: Option<&str>) -> Result<Uuid> {
    let recorded: Option<String> = crate::on_tx!(tx, c => sqlx::query_scalar(
        "SELECT value FROM exchange_settings WHERE key = $1"
    )
    .bind(STANDARDS_BODY_KEY)
    .fetch_optional(c)
    .await)?;
    if let Some(id) = recorded.and_then(|s| s.parse::<Uuid>().ok()) {
        let current: Option<String> = crate::on_tx!(tx, c => sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(c)
            .await)?;
        match (current, name) {
            (Some(cur), Some(want)) if cur != want => {
                let taken: i64 = crate::on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM organizations WHERE name = $1")
                    .bind(want)
                    .fetch_one(c)
                    .await)?;
                if taken == 0 {
                    crate::on_tx!(tx, c => sqlx::query("UPDATE organizations SET name = $1 WHERE id = $2")
                        .bind(want)
                        .bind(id)
                        .execute(c)
                        .await
                        .map(|r| r.rows_affected()))?;
                }
                return Ok(id);
            }
            (Some(_), _) => return Ok(id),
            (None, _) => {}
        }
    }
    let name = name.unwrap_or(DEFAULT_STANDARDS_BODY);
    let found: Option<Uuid> = crate::on_tx!(tx, c => sqlx::query_scalar("SELECT id FROM organizations WHERE name = $1")
        .bind(name)
        .fetch_optional(c)
        .await)?;
    let id = match found {
        Some(id) => id,
        None => {
            let id = Uuid::now_v7();
            crate::on_tx!(tx, c => sqlx::query(
                "INSERT INTO organizations (id, name, kind, sector, created_at) VALUES ($1, $2, 'standards_body', NULL, $3)"
            )
            .bind(id)
            .bind(name)
            .bind(OffsetDateTime::now_utc())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            id
        }
    };
    crate::on_tx!(tx, c => sqlx::query(
        "INSERT INTO exchange_settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )
    .bind(STANDARDS_BODY_KEY)
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(id)
}

/// A framework with its versions, as the editorial pages and API show it.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkDetail {
    /// The framework.
    #[serde(flatten)]
    pub framework: Framework,
    /// Its versions, newest label first.
    pub versions: Vec<VersionSummary>,
}

/// A framework and its versions; `NotFound` when there is none.
pub async fn detail(db: &Db, code: &str) -> Result<FrameworkDetail> {
    let framework = editing::find_framework(db, code)
        .await?
        .ok_or_else(|| Error::not_found(format!("framework {code}")))?;
    let versions = super::store::list_versions(db, code).await?;
    Ok(FrameworkDetail {
        framework,
        versions,
    })
}

/// What a new framework is made of.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewFramework {
    /// Code (a slug of 3–64 characters: lower-case letters, digits and single hyphens,
    /// starting with a letter); made from the title when absent.
    #[schema(
        min_length = 3,
        max_length = 64,
        pattern = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
    )]
    pub code: Option<String>,
    /// Title (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// What the framework covers (at most 4,000 characters).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: String,
    /// O*NET-SOC codes of the occupations it relates to (may be empty; at most 50).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub occupations: Vec<String>,
    /// The owning organization; an editor's own when absent (administrators may name any).
    pub organization_id: Option<Uuid>,
    /// Start from a copy of this framework's current version (its code).
    pub copy_of: Option<String>,
    /// The first draft's context paragraph (ignored when copying; at most 10,000
    /// characters).
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub context: String,
}

/// The evidence pack of a framework an organization writes itself: no AI-usage figures
/// are attached to it.
pub fn no_evidence() -> nsx_core::frameworks::draft::EvidencePack {
    nsx_core::frameworks::draft::EvidencePack {
        tasks_total: 0,
        tasks_with_evidence: 0,
        tasks_observed: 0,
        usage_share_pct: None,
        usage_tasks: None,
        usage_codes_2010: Vec::new(),
        mean_penetration: None,
        job_exposure: None,
        top_tasks: Vec::new(),
        citations: Vec::new(),
        note: Some("This framework was written by its organization; no AI-usage evidence is attached to it.".into()),
    }
}

fn clean(field: &str, s: &str, max: usize, required: bool) -> Result<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::invalid(field, "must not hold control characters"));
    }
    Ok(t.to_string())
}

/// Checks a list of occupation codes: each well-formed, known to the catalog, no repeats.
pub async fn check_occupations(db: &Db, codes: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for raw in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let code: OnetSocCode = raw.parse().map_err(|e: nsx_core::codes::CodeError| {
            Error::invalid("occupations", e.to_string())
        })?;
        let code = code.as_str().to_string();
        if !out.contains(&code) {
            out.push(code);
        }
    }
    if out.len() > MAX_OCCUPATIONS {
        return Err(Error::invalid(
            "occupations",
            format!("a framework relates to at most {MAX_OCCUPATIONS} occupations"),
        ));
    }
    let known = editing::known_occupations(db, &out).await?;
    if let Some(missing) = out.iter().find(|c| !known.contains(c)) {
        return Err(Error::invalid(
            "occupations",
            format!("{missing} is not an occupation in the catalog"),
        ));
    }
    Ok(out)
}

/// The label a version cut now gets, given the labels a framework already uses.
fn next_label(taken: &[VersionLabel]) -> Result<VersionLabel> {
    VersionLabel::next_free(super::current_label(), taken.iter()).map_err(|e| Error::Conflict(e.0))
}

/// Creates a framework owned by an organization, with a first draft (empty, or a copy of
/// another framework's current version).
pub async fn create(
    db: &Db,
    caller: &Caller,
    new: NewFramework,
) -> Result<(Framework, VersionSummary)> {
    let org = match (new.organization_id, caller.principal.as_ref()) {
        (Some(o), _) => o,
        (None, Some(p)) => match p.organization_id {
            Some(o) => o.0,
            None if p.is_admin() => {
                return Err(Error::invalid(
                    "organization_id",
                    "choose the organization that will own the framework",
                ));
            }
            None => {
                return Err(Error::Forbidden(
                    "you belong to no organization, so you cannot own a framework; ask an administrator to add you to one".into(),
                ));
            }
        },
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
    let title = clean("title", &new.title, MAX_TITLE, true)?;
    let description = clean("description", &new.description, MAX_DESCRIPTION, false)?;
    let code = match new.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => FrameworkCode::slug(c)?,
        None => FrameworkCode::slug_from_title(&title).ok_or_else(|| {
            Error::invalid(
                "code",
                "choose a code: the title gives none (use lower-case letters, digits and hyphens)",
            )
        })?,
    };
    let occupations = check_occupations(db, &new.occupations).await?;

    // The source of a copy, read before the transaction (it is public and immutable or a
    // draft that may still change; the copy takes what is there now).
    let copy = match new
        .copy_of
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(src) => Some(
            super::store::load_version(db, src, None)
                .await?
                .ok_or_else(|| Error::invalid("copy_of", format!("no framework {src} to copy")))?,
        ),
        None => None,
    };
    let framework_id = nsx_core::frameworks::framework_id(code.as_str());
    let label = super::current_label();
    let vid = version_id(code.as_str(), &label);
    let (content, based_on, origin, job_zone, onet_release, evidence, gaps, source_keys) =
        match &copy {
            Some(v) => {
                let statements = v
                    .statements
                    .iter()
                    .map(|s| EditableStatement {
                        // A copy's items are new items of the new framework, derived from the
                        // originals so that copying the same version twice gives the same ids.
                        item_id: Uuid::new_v5(&framework_id, s.item_id.as_bytes()),
                        statement: s.statement.clone(),
                    })
                    .collect();
                let keys: Vec<(String, String)> = v
                    .sources
                    .iter()
                    .map(|s| (s.key.clone(), s.release.clone()))
                    .collect();
                (
                    EditableVersion {
                        context: v.context.clone(),
                        statements,
                    },
                    Some(v.version.id),
                    "copied",
                    v.version.job_zone,
                    v.version.onet_release.clone(),
                    serde_json::to_string(&v.evidence)
                        .map_err(|e| Error::Internal(e.to_string()))?,
                    serde_json::to_string(&v.gaps).map_err(|e| Error::Internal(e.to_string()))?,
                    serde_json::to_string(&keys).map_err(|e| Error::Internal(e.to_string()))?,
                )
            }
            None => (
                EditableVersion {
                    context: clean(
                        "context",
                        &new.context,
                        nsx_core::frameworks::edit::MAX_CONTEXT,
                        false,
                    )?,
                    statements: Vec::new(),
                },
                None,
                "authored",
                None,
                String::new(),
                serde_json::to_string(&no_evidence())
                    .map_err(|e| Error::Internal(e.to_string()))?,
                "[]".to_string(),
                "[]".to_string(),
            ),
        };
    let mut tx = db.begin().await?;
    editing::insert_framework(
        &mut tx,
        &FrameworkInsert {
            id: framework_id,
            code: code.to_string(),
            title: title.clone(),
            description: description.clone(),
            organization_id: org,
            origin,
        },
    )
    .await?;
    editing::set_occupations(&mut tx, framework_id, &occupations).await?;
    editing::insert_version(
        &mut tx,
        &VersionInsert {
            id: vid,
            framework_id,
            code: code.to_string(),
            label,
            status: Status::Draft,
            title: title.clone(),
            job_zone,
            onet_release,
            evidence,
            gaps,
            source_keys,
            edited_by: caller.user_id().map(|u| u.0),
            based_on,
        },
        &content,
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("framework.create", "framework", code.as_str()).after(json!({
            "code": code.as_str(),
            "title": title,
            "organization_id": org,
            "occupations": occupations,
            "copy_of": new.copy_of,
            "first_version": label.to_string(),
            "statements": content.statements.len(),
        })),
    )
    .await?;
    tx.touch_scope(&cache_scope(code.as_str())).await?;
    tx.commit().await?;
    let framework = editing::find_framework(db, code.as_str())
        .await?
        .ok_or_else(|| Error::Internal("the new framework is missing".into()))?;
    let version = super::store::list_versions(db, code.as_str())
        .await?
        .into_iter()
        .find(|v| v.id == vid)
        .ok_or_else(|| Error::Internal("the new version is missing".into()))?;
    Ok((framework, version))
}

/// What can change about a framework besides its versions.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FrameworkDetails {
    /// Title (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Description (at most 4,000 characters).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: String,
    /// O*NET-SOC codes of the occupations it relates to (at most 50).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub occupations: Vec<String>,
}

/// Changes a framework's title, description and occupations.
pub async fn update_details(
    db: &Db,
    caller: &Caller,
    code: &str,
    d: FrameworkDetails,
) -> Result<Framework> {
    let title = clean("title", &d.title, MAX_TITLE, true)?;
    let description = clean("description", &d.description, MAX_DESCRIPTION, false)?;
    let occupations = check_occupations(db, &d.occupations).await?;
    let mut tx = db.begin().await?;
    let f = locked(&mut tx, code).await?;
    caller.require(Action::EditFramework, &owner(&f))?;
    editing::update_framework(&mut tx, f.id, &title, &description).await?;
    editing::set_occupations(&mut tx, f.id, &occupations).await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("framework.update", "framework", code)
            .before(json!({"title": f.title, "description": f.description, "occupations": f.occupations}))
            .after(json!({"title": title, "description": description, "occupations": occupations})),
    )
    .await?;
    tx.touch_scope(&cache_scope(code)).await?;
    tx.commit().await?;
    editing::find_framework(db, code)
        .await?
        .ok_or_else(|| Error::not_found(format!("framework {code}")))
}

async fn locked(tx: &mut Tx, code: &str) -> Result<Framework> {
    editing::lock_framework(tx, code)
        .await?
        .ok_or_else(|| Error::not_found(format!("framework {code}")))
}

fn find_version<'a>(
    versions: &'a [VersionSummary],
    label: &VersionLabel,
    code: &str,
) -> Result<&'a VersionSummary> {
    versions
        .iter()
        .find(|v| &v.label == label)
        .ok_or_else(|| Error::not_found(format!("version {label} of framework {code}")))
}

/// Starts a new draft of a framework, copied from its current version (or from `from`).
/// A framework has at most one draft at a time.
pub async fn start_draft(
    db: &Db,
    caller: &Caller,
    code: &str,
    from: Option<&VersionLabel>,
) -> Result<VersionSummary> {
    let mut tx = db.begin().await?;
    let f = locked(&mut tx, code).await?;
    caller.require(Action::EditFramework, &owner(&f))?;
    let versions = editing::versions_in(&mut tx, f.id).await?;
    if let Some(open) = versions.iter().find(|v| v.status == Status::Draft) {
        return Err(Error::Conflict(format!(
            "{} is already a draft of this framework; edit it, or discard it first",
            open.label
        )));
    }
    let source = match from {
        Some(l) => find_version(&versions, l, code)?,
        None => super::store::current_of(&versions)
            .ok_or_else(|| Error::Conflict("the framework has no version to start from".into()))?,
    };
    let taken: Vec<VersionLabel> = versions.iter().map(|v| v.label).collect();
    let label = next_label(&taken)?;
    let context = editing::context_in(&mut tx, source.id).await?;
    let content = editing::content_in(&mut tx, source.id, context).await?;
    let (job_zone, onet_release, evidence, gaps, source_keys) =
        editing::extras_in(&mut tx, source.id).await?;
    let vid = version_id(code, &label);
    editing::insert_version(
        &mut tx,
        &VersionInsert {
            id: vid,
            framework_id: f.id,
            code: code.to_string(),
            label,
            status: Status::Draft,
            title: f.title.clone(),
            job_zone,
            onet_release,
            evidence,
            gaps,
            source_keys,
            edited_by: caller.user_id().map(|u| u.0),
            based_on: Some(source.id),
        },
        &content,
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("framework.draft", "framework_version", format!("{code}/{label}"))
            .after(json!({"label": label.to_string(), "based_on": source.label.to_string(), "statements": content.statements.len()})),
    )
    .await?;
    tx.touch_scope(&cache_scope(code)).await?;
    tx.commit().await?;
    summary(db, code, vid).await
}

async fn summary(db: &Db, code: &str, id: Uuid) -> Result<VersionSummary> {
    super::store::list_versions(db, code)
        .await?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or_else(|| Error::not_found(format!("version {id}")))
}

/// Fills in each new citation's cited text from the catalog (an editor names the row; the
/// exchange quotes it), refusing rows the catalog does not hold.
pub async fn resolve_citations(db: &Db, edits: &mut [Edit]) -> Result<()> {
    for e in edits.iter_mut() {
        let cites: Vec<&mut Citation> = match e {
            Edit::AddStatement { citations, .. } => citations.iter_mut().collect(),
            Edit::AddCitation { citation, .. } => vec![citation],
            _ => Vec::new(),
        };
        for c in cites {
            match editing::cited_text(db, &c.source, &c.release, &c.locator).await? {
                Some(text) => c.text = text,
                None if c.source == "onet" => {
                    return Err(Error::invalid(
                        "citation",
                        format!(
                            "O*NET {} holds no {}; cite a row of an imported release",
                            c.release,
                            c.locator.short()
                        ),
                    ));
                }
                None if c.text.trim().is_empty() => {
                    return Err(Error::invalid(
                        "citation.text",
                        "say what the cited source states",
                    ));
                }
                None => {}
            }
        }
    }
    Ok(())
}

/// What an edit did, for the caller.
#[derive(Debug, Clone, Serialize)]
pub struct EditOutcome {
    /// The version after the edit.
    pub version: VersionSummary,
    /// Item ids of statements the edit added, in order.
    pub added: Vec<Uuid>,
}

/// Applies edits to a draft, all or nothing.
pub async fn edit(
    db: &Db,
    caller: &Caller,
    code: &str,
    label: &VersionLabel,
    mut edits: Vec<Edit>,
) -> Result<EditOutcome> {
    if edits.is_empty() {
        return Err(Error::invalid("edits", "send at least one edit"));
    }
    resolve_citations(db, &mut edits).await?;
    let mut tx = db.begin().await?;
    let f = locked(&mut tx, code).await?;
    caller.require(Action::EditFramework, &owner(&f))?;
    let versions = editing::versions_in(&mut tx, f.id).await?;
    let v = find_version(&versions, label, code)?;
    match v.status {
        Status::Draft => {}
        Status::InReview => {
            return Err(Error::Conflict(format!(
                "{label} is in review and cannot be edited until the review ends"
            )));
        }
        s => {
            return Err(Error::Conflict(format!(
                "{label} is {} and never changes; start a new draft to revise it",
                s.label().to_lowercase()
            )));
        }
    }
    let context = editing::context_in(&mut tx, v.id).await?;
    let mut content = editing::content_in(&mut tx, v.id, context).await?;
    let before_count = content.statements.len();
    let mut added = Vec::new();
    for (i, e) in edits.iter().enumerate() {
        let item = Uuid::now_v7();
        content
            .apply(e, || item)
            .map_err(|fe| Error::invalid(&format!("edits[{i}].{}", fe.field), fe.message))?;
        if matches!(e, Edit::AddStatement { .. }) {
            added.push(item);
        }
    }
    editing::replace_content(&mut tx, v.id, &content, caller.user_id().map(|u| u.0)).await?;
    audit::record(
        &mut tx,
        caller,
        Change::new(
            "framework.edit",
            "framework_version",
            format!("{code}/{label}"),
        )
        .before(json!({"statements": before_count}))
        .after(json!({
            "statements": content.statements.len(),
            "edits": edits.iter().map(Edit::describe).collect::<Vec<_>>(),
        })),
    )
    .await?;
    tx.touch_scope(&cache_scope(code)).await?;
    tx.commit().await?;
    Ok(EditOutcome {
        version: summary(db, code, v.id).await?,
        added,
    })
}

/// Moves a version to another status: submit a draft for review (or take it back),
/// publish a reviewed draft, or discard a draft. Publishing gives the version the next
/// free label of the month it is published in (keeping its own when it was cut that
/// month) and supersedes the version published before it.
pub async fn transition(
    db: &Db,
    caller: &Caller,
    code: &str,
    label: &VersionLabel,
    to: Status,
) -> Result<VersionSummary> {
    let mut tx = db.begin().await?;
    let (id, _) = transition_in(&mut tx, caller, code, label, to).await?;
    tx.commit().await?;
    summary(db, code, id).await
}

/// [`transition`] inside the caller's transaction (for changes that move a version as one
/// step of several, such as publishing the revision of a call for input); returns the
/// version's id and its label after the move.
pub async fn transition_in(
    tx: &mut Tx,
    caller: &Caller,
    code: &str,
    label: &VersionLabel,
    to: Status,
) -> Result<(Uuid, VersionLabel)> {
    let f = locked(tx, code).await?;
    caller.require(Action::PublishFramework, &owner(&f))?;
    let versions = editing::versions_in(tx, f.id).await?;
    let v = find_version(&versions, label, code)?.clone();
    if let Some(call) = crate::review::store::active_call_of_version(tx, v.id).await? {
        return Err(Error::Conflict(format!(
            "{label} is under review in a call for input (/calls/{call}); its status cannot change until the call closes"
        )));
    }
    if !v.status.can_become(to) {
        let hint = match (v.status, to) {
            (Status::Draft, Status::Published) => " (submit it for review first)",
            (Status::Published | Status::Superseded, _) => " (published versions never change)",
            (_, Status::Superseded) => " (a version is superseded by publishing a newer one)",
            _ => "",
        };
        return Err(Error::Conflict(format!(
            "{label} is {} and cannot become {}{hint}",
            v.status.label().to_lowercase(),
            to.label().to_lowercase()
        )));
    }
    let mut new_label = v.label;
    let mut former = None;
    let mut superseded = None;
    if to == Status::Published {
        let month = super::current_label();
        if !v.label.same_month(&month) {
            let taken: Vec<VersionLabel> = versions
                .iter()
                .filter(|x| x.id != v.id)
                .map(|x| x.label)
                .collect();
            new_label = next_label(&taken)?;
            former = Some(v.label);
        }
        if let Some(prev) = versions
            .iter()
            .find(|x| x.status == Status::Published && x.id != v.id)
        {
            editing::set_status(
                tx,
                prev.id,
                Status::Published,
                Status::Superseded,
                &prev.label,
                None,
                code,
            )
            .await?;
            superseded = Some(prev.label);
        }
    }
    editing::set_status(tx, v.id, v.status, to, &new_label, former.as_ref(), code).await?;
    audit::record(
        tx,
        caller,
        Change::new(
            match to {
                Status::Published => "framework.publish",
                Status::Discarded => "framework.discard",
                Status::InReview => "framework.submit",
                _ => "framework.status",
            },
            "framework_version",
            format!("{code}/{new_label}"),
        )
        .before(json!({"status": v.status.as_str(), "label": v.label.to_string()}))
        .after(json!({
            "status": to.as_str(),
            "label": new_label.to_string(),
            "superseded": superseded.map(|l| l.to_string()),
        })),
    )
    .await?;
    tx.touch_scope(&cache_scope(code)).await?;
    Ok((v.id, new_label))
}

/// The editable content of a version (for edit forms and exports).
pub async fn content(
    db: &Db,
    code: &str,
    label: &VersionLabel,
) -> Result<(VersionSummary, EditableVersion)> {
    let view = super::store::load_version(db, code, Some(label))
        .await?
        .ok_or_else(|| Error::not_found(format!("version {label} of framework {code}")))?;
    let content = EditableVersion {
        context: view.context.clone(),
        statements: view
            .statements
            .iter()
            .map(|s| EditableStatement {
                item_id: s.item_id,
                statement: s.statement.clone(),
            })
            .collect(),
    };
    Ok((view.version, content))
}

/// Checks a framework code's shape: an O*NET-SOC code (`17-3024.00`) or an
/// organization's slug (`industrial-maintenance`).
pub fn check_code(code: &str) -> Result<(), Error> {
    code.parse::<nsx_core::frameworks::edit::FrameworkCode>()
        .map(|_| ())
        .map_err(|_| {
            Error::Invalid(vec![nsx_core::accounts::FieldError::new(
                "code",
                format!("{code:?} is not a framework code (an O*NET-SOC code like 17-3024.00, or a name like industrial-maintenance)"),
            )])
        })
}

/// Reads a version label from a path segment.
pub fn parse_label(s: &str) -> Result<VersionLabel, Error> {
    s.parse()
        .map_err(|e: nsx_core::frameworks::FrameworkError| {
            Error::Invalid(vec![nsx_core::accounts::FieldError::new("version", e.0)])
        })
}
