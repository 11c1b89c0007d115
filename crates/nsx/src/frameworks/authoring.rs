//! Pages for editors: their organization's workspace, a new framework, a framework's
//! management page (details and versions), and the draft editor. Every form works without
//! JavaScript; a form that fails validation comes back with what was typed and the errors
//! beside it. The rules are the frameworks service's; these handlers translate HTTP.

use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nsx_core::accounts::{FieldError, Role};
use nsx_core::frameworks::edit::{Edit, EditableVersion, Placement};
use nsx_core::frameworks::{
    Citation, DurableDomain, DurableLevel, Level, Locator, MasteryLevel, Section, Status,
    VersionLabel,
};
use nsx_core::ids::OrganizationId;
use nsx_core::policy::{Action, Resource};
use serde::Deserialize;
use uuid::Uuid;

use super::VersionSummary;
use super::editing::{self, Framework};
use super::service::{self, FrameworkDetails, NewFramework};
use super::service::{check_code, parse_label};
use crate::accounts::Viewer;
use crate::error::Error;
use crate::service::Caller;
use crate::state::AppState;
use crate::web::cache_policy::CachePolicy;
use crate::web::error::{PageError, PageForm, PagePath, PageQuery, PageResult};
use crate::web::layout::Chrome;

const HTML: &str = "text/html; charset=utf-8";

/// A signed-in caller of an editor's page; anonymous visitors are sent to sign in.
pub struct EditorCaller(pub Caller, pub Viewer);

impl FromRequestParts<AppState> for EditorCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (caller, viewer) = Caller::from_parts(parts, state)
            .await
            .map_err(|e| PageError(e).into_response())?;
        if viewer.signed_in() {
            Ok(EditorCaller(caller, viewer))
        } else {
            let here = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
            Err(see_other(&format!("/sign-in?next={next}")))
        }
    }
}

fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn html(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, HTML)],
        CachePolicy::private_no_store(),
        body,
    )
        .into_response()
}

fn html_status(status: StatusCode, body: String) -> Response {
    let mut r = html(body);
    *r.status_mut() = status;
    r
}

fn render<T: Template>(t: &T) -> PageResult<String> {
    t.render()
        .map_err(|e| PageError(Error::Internal(format!("template: {e}"))))
}

/// Field errors of a form, shown beside their fields.
#[derive(Debug, Clone, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// The first message for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field || e.field.ends_with(&format!(".{field}")))
            .map(|e| e.message.as_str())
    }

    /// Whether any error is present.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    fn from_error(e: Error) -> Result<Errors, Error> {
        match e {
            Error::Invalid(v) => Ok(Errors(v)),
            Error::Conflict(m) => Ok(Errors(vec![FieldError::new("form", m)])),
            other => Err(other),
        }
    }
}

/// `?done=` messages after a redirect.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    /// What was done.
    #[serde(default)]
    done: Option<String>,
    /// Copy another framework (the new-framework page).
    #[serde(default)]
    copy_of: Option<String>,
}

fn done_message(d: &Option<String>) -> Option<&'static str> {
    Some(match d.as_deref()? {
        "created" => "The framework was created with a first draft.",
        "saved" => "Saved.",
        "details" => "The framework's details were saved.",
        "draft" => "A new draft was started from the current version.",
        "in_review" => "The draft was submitted for review; it cannot be edited while in review.",
        "draft_again" => "The version is a draft again and can be edited.",
        "published" => {
            "Published. The previous published version is now superseded and stays readable at its own address."
        }
        "discarded" => "The draft was discarded.",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Workspace

struct WorkspaceRow {
    framework: Framework,
    current: Option<VersionSummary>,
    draft: Option<VersionSummary>,
}

#[derive(Template)]
#[template(path = "frameworks/workspace.html")]
struct WorkspacePage {
    chrome: Chrome,
    organization: Option<String>,
    is_editor: bool,
    rows: Vec<WorkspaceRow>,
}

/// `GET /workspace`: the frameworks the editor's organization owns.
pub(crate) async fn workspace(
    State(state): State<AppState>,
    EditorCaller(caller, viewer): EditorCaller,
) -> PageResult<Response> {
    let user = viewer.require_user()?;
    let org = user.organization_id;
    let organization = match org {
        Some(o) => {
            crate::on_db!(&state.db, p => sqlx::query_scalar::<_, String>("SELECT name FROM organizations WHERE id = $1")
            .bind(o)
            .fetch_optional(p)
            .await)?
        }
        None => None,
    };
    let mut rows = Vec::new();
    if let Some(o) = org {
        for f in editing::frameworks_of_organization(&state.db, o).await? {
            let versions = super::store::list_versions(&state.db, &f.code).await?;
            let current = super::store::current_of(&versions).cloned();
            let draft = versions
                .iter()
                .find(|v| matches!(v.status, Status::Draft | Status::InReview))
                .cloned();
            rows.push(WorkspaceRow {
                framework: f,
                current,
                draft,
            });
        }
    }
    let page = WorkspacePage {
        chrome: Chrome::new(&viewer),
        organization,
        is_editor: caller.may(Action::CreateFramework, &Resource::Site),
        rows,
    };
    Ok(html(render(&page)?))
}

// ---------------------------------------------------------------------------------------
// New framework

/// The new-framework form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    occupations: String,
    #[serde(default)]
    copy_of: String,
    #[serde(default)]
    context: String,
    /// The owner (administrators choose; editors own with their organization).
    #[serde(default)]
    organization_id: String,
}

#[derive(Template)]
#[template(path = "frameworks/new.html")]
struct NewPage {
    chrome: Chrome,
    form: NewForm,
    errors: Errors,
    organization: Option<String>,
    /// For administrators: every organization, to choose the owner.
    organizations: Vec<(String, String)>,
}

async fn owner_choices(state: &AppState, caller: &Caller) -> PageResult<Vec<(String, String)>> {
    if !caller.principal.as_ref().is_some_and(|p| p.is_admin()) {
        return Ok(Vec::new());
    }
    Ok(crate::accounts::store::list_orgs(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect())
}

fn split_codes(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

async fn org_name(state: &AppState, viewer: &Viewer) -> PageResult<Option<String>> {
    let Some(o) = viewer.user.as_ref().and_then(|u| u.organization_id) else {
        return Ok(None);
    };
    Ok(
        crate::on_db!(&state.db, p => sqlx::query_scalar::<_, String>("SELECT name FROM organizations WHERE id = $1")
        .bind(o)
        .fetch_optional(p)
        .await)?,
    )
}

/// `GET /frameworks/new`.
pub(crate) async fn new_page(
    State(state): State<AppState>,
    EditorCaller(caller, viewer): EditorCaller,
    PageQuery(q): PageQuery<Done>,
) -> PageResult<Response> {
    caller.require(Action::CreateFramework, &Resource::Site)?;
    let page = NewPage {
        chrome: Chrome::new(&viewer),
        form: NewForm {
            copy_of: q.copy_of.unwrap_or_default(),
            ..NewForm::default()
        },
        errors: Errors::default(),
        organization: org_name(&state, &viewer).await?,
        organizations: owner_choices(&state, &caller).await?,
    };
    Ok(html(render(&page)?))
}

/// `POST /frameworks`: creates a framework and opens its first draft.
pub(crate) async fn create(
    State(state): State<AppState>,
    EditorCaller(caller, viewer): EditorCaller,
    PageForm(form): PageForm<NewForm>,
) -> PageResult<Response> {
    let organization_id = match form.organization_id.trim() {
        "" => None,
        s => Some(s.parse::<Uuid>().map_err(|_| {
            Error::invalid("organization_id", "choose an organization from the list")
        })?),
    };
    let new = NewFramework {
        code: Some(form.code.clone()),
        title: form.title.clone(),
        description: form.description.clone(),
        occupations: split_codes(&form.occupations),
        organization_id,
        copy_of: Some(form.copy_of.clone()),
        context: form.context.clone(),
    };
    match service::create(&state.db, &caller, new).await {
        Ok((f, v)) => Ok(see_other(&format!(
            "/frameworks/{}/{}/edit?done=created",
            f.code, v.label
        ))),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let page = NewPage {
                chrome: Chrome::new(&viewer),
                form,
                errors,
                organization: org_name(&state, &viewer).await?,
                organizations: owner_choices(&state, &caller).await?,
            };
            Ok(html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&page)?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Managing one framework

/// The details form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    occupations: String,
}

struct VersionRowView {
    v: VersionSummary,
    actions: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "frameworks/manage.html")]
struct ManagePage {
    chrome: Chrome,
    framework: Framework,
    form: DetailsForm,
    errors: Errors,
    versions: Vec<VersionRowView>,
    has_draft: bool,
    done: Option<&'static str>,
}

fn actions_for(status: Status) -> Vec<(&'static str, &'static str)> {
    match status {
        Status::Draft => vec![("in_review", "Submit for review"), ("discarded", "Discard")],
        Status::InReview => vec![("published", "Publish"), ("draft", "Return to draft")],
        _ => Vec::new(),
    }
}

async fn manage_page_for(
    state: &AppState,
    caller: &Caller,
    viewer: &Viewer,
    code: &str,
    form: Option<DetailsForm>,
    errors: Errors,
    done: Option<&'static str>,
) -> PageResult<ManagePage> {
    check_code(code)?;
    let d = service::detail(&state.db, code).await?;
    caller.require(
        Action::EditFramework,
        &Resource::OwnedBy(d.framework.organization_id.map(OrganizationId)),
    )?;
    let form = form.unwrap_or_else(|| DetailsForm {
        title: d.framework.title.clone(),
        description: d.framework.description.clone(),
        occupations: d.framework.occupations.join(" "),
    });
    let has_draft = d.versions.iter().any(|v| v.status == Status::Draft);
    Ok(ManagePage {
        chrome: Chrome::new(viewer),
        framework: d.framework,
        form,
        errors,
        versions: d
            .versions
            .into_iter()
            .map(|v| VersionRowView {
                actions: actions_for(v.status),
                v,
            })
            .collect(),
        has_draft,
        done,
    })
}

/// `GET /frameworks/{code}/manage`.
pub(crate) async fn manage(
    State(state): State<AppState>,
    EditorCaller(caller, viewer): EditorCaller,
    PagePath(code): PagePath<String>,
    PageQuery(q): PageQuery<Done>,
) -> PageResult<Response> {
    let page = manage_page_for(
        &state,
        &caller,
        &viewer,
        &code,
        None,
        Errors::default(),
        done_message(&q.done),
    )
    .await?;
    Ok(html(render(&page)?))
}

/// `POST /frameworks/{code}/details`.
pub(crate) async fn update_details(
    State(state): State<AppState>,
    EditorCaller(caller, viewer): EditorCaller,
    PagePath(code): PagePath<String>,
    PageForm(form): PageForm<DetailsForm>,
) -> PageResult<Response> {
    check_code(&code)?;
    let d = FrameworkDetails {
        title: form.title.clone(),
        description: form.description.clone(),
        occupations: split_codes(&form.occupations),
    };
    match service::update_details(&state.db, &caller, &code, d).await {
        Ok(_) => Ok(see_other(&format!(
            "/frameworks/{code}/manage?done=details"
        ))),
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let page =
                manage_page_for(&state, &caller, &viewer, &code, Some(form), errors, None).await?;
            Ok(html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&page)?,
            ))
        }
    }
}

/// `POST /frameworks/{code}/drafts`: a new draft from the current version.
pub(crate) async fn start_draft(
    State(state): State<AppState>,
    EditorCaller(caller, _): EditorCaller,
    PagePath(code): PagePath<String>,
) -> PageResult<Response> {
    check_code(&code)?;
    let v = service::start_draft(&state.db, &caller, &code, None).await?;
    Ok(see_other(&format!(
        "/frameworks/{code}/{}/edit?done=draft",
        v.label
    )))
}

/// The status form.
#[derive(Debug, Deserialize)]
pub struct StatusForm {
    to: String,
}

/// `POST /frameworks/{code}/{version}/status`.
pub(crate) async fn change_status(
    State(state): State<AppState>,
    EditorCaller(caller, _): EditorCaller,
    PagePath((code, version)): PagePath<(String, String)>,
    PageForm(form): PageForm<StatusForm>,
) -> PageResult<Response> {
    check_code(&code)?;
    let label = parse_label(&version)?;
    let to: Status = form
        .to
        .parse()
        .map_err(|e: nsx_core::frameworks::FrameworkError| Error::invalid("to", e.0))?;
    let v = service::transition(&state.db, &caller, &code, &label, to).await?;
    let done = match to {
        Status::Draft => "draft_again",
        other => other.as_str(),
    };
    let _ = v;
    Ok(see_other(&format!("/frameworks/{code}/manage?done={done}")))
}

// ---------------------------------------------------------------------------------------
// The draft editor

/// One of the editor's forms, as typed. `op` says which form it was.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    op: String,
    #[serde(default)]
    item_id: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    performance: String,
    #[serde(default)]
    placement: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    cite_kind: String,
    #[serde(default)]
    cite_ref: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    context: String,
}

/// A placement as a form value: `section:domain:level` (`-` for no domain).
fn placement_value(p: &Placement) -> String {
    format!(
        "{}:{}:{}",
        p.section.as_str(),
        p.domain.map(|d| d.as_str()).unwrap_or("-"),
        p.level.as_str()
    )
}

fn parse_placement(s: &str) -> Result<Placement, FieldError> {
    let bad = || FieldError::new("placement", "choose a level from the list");
    let mut parts = s.split(':');
    let (Some(sec), Some(dom), Some(lvl), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let section: Section = sec.parse().map_err(|_| bad())?;
    let domain = match dom {
        "-" => None,
        d => Some(d.parse::<DurableDomain>().map_err(|_| bad())?),
    };
    let level = Level::parse(section, lvl).map_err(|_| bad())?;
    Ok(Placement {
        section,
        domain,
        level,
    })
}

fn parse_position(s: &str) -> Result<Option<usize>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<usize>().map(Some).map_err(|_| {
        FieldError::new(
            "position",
            "give a whole number (1 is first), or leave it empty for the end",
        )
    })
}

fn parse_item(s: &str) -> Result<Uuid, FieldError> {
    s.trim()
        .parse()
        .map_err(|_| FieldError::new("item_id", "the form names no statement of this draft"))
}

fn form_citation(kind: &str, reference: &str, release: &str) -> Result<Citation, FieldError> {
    let r = reference.trim();
    let locator = match kind {
        "task" => Locator::Task {
            task_id: r.parse().map_err(|_| {
                FieldError::new(
                    "cite_ref",
                    format!("{r:?} is not an O*NET task ID (a whole number)"),
                )
            })?,
        },
        "element" => {
            if r.is_empty() || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
                return Err(FieldError::new(
                    "cite_ref",
                    format!("{r:?} is not an O*NET element ID like 2.A.2.a"),
                ));
            }
            Locator::Element {
                element_id: r.to_string(),
                scale: "IM".into(),
            }
        }
        _ => return Err(FieldError::new("cite_kind", "choose a task or an element")),
    };
    Ok(Citation {
        source: "onet".into(),
        release: release.to_string(),
        locator,
        text: String::new(),
        value: None,
    })
}

impl EditForm {
    fn to_edit(&self, release: &str) -> Result<Edit, FieldError> {
        Ok(match self.op.as_str() {
            "context" => Edit::SetContext {
                context: self.context.clone(),
            },
            "add" => Edit::AddStatement {
                placement: parse_placement(&self.placement)?,
                subject: self.subject.clone(),
                performance: self.performance.clone(),
                position: parse_position(&self.position)?,
                citations: vec![form_citation(&self.cite_kind, &self.cite_ref, release)?],
            },
            "remove" => Edit::RemoveStatement {
                item_id: parse_item(&self.item_id)?,
            },
            "reword" => Edit::Reword {
                item_id: parse_item(&self.item_id)?,
                subject: self.subject.clone(),
                performance: self.performance.clone(),
            },
            "move" => Edit::Move {
                item_id: parse_item(&self.item_id)?,
                placement: parse_placement(&self.placement)?,
                position: parse_position(&self.position)?,
            },
            "cite" => Edit::AddCitation {
                item_id: parse_item(&self.item_id)?,
                citation: form_citation(&self.cite_kind, &self.cite_ref, release)?,
            },
            "uncite" => Edit::RemoveCitation {
                item_id: parse_item(&self.item_id)?,
                number: self
                    .number
                    .trim()
                    .parse()
                    .map_err(|_| FieldError::new("number", "the form names no citation"))?,
            },
            other => {
                return Err(FieldError::new(
                    "op",
                    format!("{other:?} is not an edit this page makes"),
                ));
            }
        })
    }
}

struct CitationView {
    number: usize,
    short: String,
    text: String,
}

struct StatementEdit {
    key: String,
    subject: String,
    performance: String,
    placement: String,
    citations: Vec<CitationView>,
}

struct LevelGroup {
    id: String,
    heading: String,
    placement: String,
    statements: Vec<StatementEdit>,
}

struct SectionGroup {
    title: &'static str,
    groups: Vec<LevelGroup>,
    placements: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "frameworks/edit.html")]
struct EditPage {
    chrome: Chrome,
    framework: Framework,
    version: VersionSummary,
    editable: bool,
    context: String,
    sections: Vec<SectionGroup>,
    /// The form that failed, to show again with what was typed.
    failed: Option<EditForm>,
    errors: Errors,
    done: Option<&'static str>,
}

impl EditPage {
    /// Whether the failed form is this one (`op`, and the statement or group it concerns).
    fn failed_is(&self, op: &str, key: &str) -> bool {
        self.failed.as_ref().is_some_and(|f| {
            f.op == op
                && (f.item_id == key
                    || f.placement == key
                    || (key.is_empty() && f.item_id.is_empty()))
        })
    }

    /// A field's value: what was typed in the failed form, or the stored value.
    fn typed<'a>(&'a self, op: &str, key: &str, field: &str, stored: &'a str) -> &'a str {
        match &self.failed {
            Some(f) if self.failed_is(op, key) => match field {
                "subject" => &f.subject,
                "performance" => &f.performance,
                "position" => &f.position,
                "cite_ref" => &f.cite_ref,
                "context" => &f.context,
                _ => stored,
            },
            _ => stored,
        }
    }
}

fn placements_of(section: Section) -> Vec<Placement> {
    match section {
        Section::Durable => DurableDomain::ALL
            .into_iter()
            .flat_map(|d| {
                DurableLevel::ALL.into_iter().map(move |l| Placement {
                    section,
                    domain: Some(d),
                    level: Level::Durable(l),
                })
            })
            .collect(),
        _ => MasteryLevel::ALL
            .into_iter()
            .map(|l| Placement {
                section,
                domain: None,
                level: Level::Mastery(l),
            })
            .collect(),
    }
}

fn placement_heading(p: &Placement) -> String {
    match p.domain {
        Some(d) => format!("{} — {}", d.label(), p.level.label()),
        None => p.level.label().to_string(),
    }
}

fn sections_of(content: &EditableVersion) -> Vec<SectionGroup> {
    let mut out = Vec::new();
    for (section, title) in [
        (Section::Technical, "Technical statements"),
        (Section::Durable, "Durable skills"),
        (Section::AiUsage, "AI usage"),
    ] {
        let places = placements_of(section);
        let placements = places
            .iter()
            .map(|p| (placement_value(p), placement_heading(p)))
            .collect();
        let groups = places
            .iter()
            .map(|p| LevelGroup {
                id: placement_value(p).replace(':', "-"),
                heading: placement_heading(p),
                placement: placement_value(p),
                statements: content
                    .statements
                    .iter()
                    .filter(|s| {
                        s.statement.section == p.section
                            && s.statement.domain == p.domain
                            && s.statement.level == p.level
                    })
                    .map(|s| StatementEdit {
                        key: s.item_id.to_string(),
                        subject: s.statement.subject.clone(),
                        performance: s.statement.performance.clone(),
                        placement: placement_value(p),
                        citations: s
                            .statement
                            .citations
                            .iter()
                            .enumerate()
                            .map(|(i, c)| CitationView {
                                number: i + 1,
                                short: c.locator.short(),
                                text: c.text.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        out.push(SectionGroup {
            title,
            groups,
            placements,
        });
    }
    out
}

async fn edit_page_for(
    state: &AppState,
    (caller, viewer): (&Caller, &Viewer),
    code: &str,
    label: &VersionLabel,
    failed: Option<EditForm>,
    errors: Errors,
    done: Option<&'static str>,
) -> PageResult<EditPage> {
    let framework = editing::find_framework(&state.db, code)
        .await?
        .ok_or_else(|| Error::not_found(format!("framework {code}")))?;
    caller.require(
        Action::EditFramework,
        &Resource::OwnedBy(framework.organization_id.map(OrganizationId)),
    )?;
    let (version, content) = service::content(&state.db, code, label).await?;
    Ok(EditPage {
        chrome: Chrome::new(viewer),
        editable: version.status == Status::Draft,
        context: content.context.clone(),
        sections: sections_of(&content),
        framework,
        version,
        failed,
        errors,
        done,
    })
}

/// `GET /frameworks/{code}/{version}/edit`.
pub(crate) async fn edit_page(
    State(state): State<AppState>,
    EditorCaller(caller, viewer): EditorCaller,
    PagePath((code, version)): PagePath<(String, String)>,
    PageQuery(q): PageQuery<Done>,
) -> PageResult<Response> {
    check_code(&code)?;
    let label = parse_label(&version)?;
    let page = edit_page_for(
        &state,
        (&caller, &viewer),
        &code,
        &label,
        None,
        Errors::default(),
        done_message(&q.done),
    )
    .await?;
    Ok(html(render(&page)?))
}

/// The O*NET release new citations of a version point at: the version's own, or the
/// newest imported.
async fn citation_release(state: &AppState, v: &VersionSummary) -> PageResult<String> {
    if !v.onet_release.is_empty() {
        return Ok(v.onet_release.clone());
    }
    let newest: Option<String> = crate::on_db!(&state.db, p => sqlx::query_scalar(
        "SELECT id FROM source_releases WHERE source = 'onet' ORDER BY seq DESC LIMIT 1"
    )
    .fetch_optional(p)
    .await)?;
    Ok(newest.unwrap_or_default())
}

/// `POST /frameworks/{code}/{version}/edit`: applies the one edit the form describes.
pub(crate) async fn edit_submit(
    State(state): State<AppState>,
    EditorCaller(caller, viewer): EditorCaller,
    PagePath((code, version)): PagePath<(String, String)>,
    PageForm(form): PageForm<EditForm>,
) -> PageResult<Response> {
    check_code(&code)?;
    let label = parse_label(&version)?;
    let versions = super::store::list_versions(&state.db, &code).await?;
    let v = versions
        .iter()
        .find(|v| v.label == label)
        .ok_or_else(|| Error::not_found(format!("version {label} of framework {code}")))?;
    let release = citation_release(&state, v).await?;
    let result = match form.to_edit(&release) {
        Ok(edit) => service::edit(&state.db, &caller, &code, &label, vec![edit])
            .await
            .map(|o| o.added.first().copied()),
        Err(fe) => Err(Error::Invalid(vec![fe])),
    };
    match result {
        Ok(added) => {
            let anchor = match added {
                Some(id) => format!("#s-{id}"),
                None if !form.item_id.is_empty() && form.op != "remove" => {
                    format!("#s-{}", form.item_id.trim())
                }
                None => String::new(),
            };
            Ok(see_other(&format!(
                "/frameworks/{code}/{label}/edit?done=saved{anchor}"
            )))
        }
        Err(e) => {
            let errors = Errors::from_error(e)?;
            let page = edit_page_for(
                &state,
                (&caller, &viewer),
                &code,
                &label,
                Some(form),
                errors,
                None,
            )
            .await?;
            Ok(html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&page)?,
            ))
        }
    }
}

/// Whether a viewer holds the editor role (for links in the page frame).
pub fn is_editor(viewer: &Viewer) -> bool {
    viewer
        .user
        .as_ref()
        .is_some_and(|u| u.has_role(Role::Editor) || u.has_role(Role::Admin))
}
