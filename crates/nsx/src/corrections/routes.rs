//! Correction pages: the "suggest a correction" form behind every link on framework pages
//! (works without JavaScript; a failed submission shows what was typed with each error
//! beside its field), the confirmation, the editors' triage queue with its decisions and
//! CSV export, one suggestion, and a signed-in suggester's own suggestions.
//!
//! None of these pages is cached: each shows one visitor's form or an editor's queue.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use nsx_core::corrections::{CorrectionStatus, Decision, SourceRow, source_name};
use nsx_core::ids::CorrectionId;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::service::{self, Group, QueueFilter, SuggestionInput};
use super::target::{Subject, Target};
use super::{Correction, store, when};
use crate::accounts::Viewer;
use crate::accounts::extract::ClientIp;
use crate::error::Error;
use crate::paging::PageRequest;
use crate::service::PageCaller;
use crate::state::AppState;
use crate::web::cache_policy::CachePolicy;
use crate::web::error::{PageError, PageForm, PagePath, PageQuery};
use crate::web::forms::{FormErrors, render};
use crate::web::layout::Chrome;

/// The session key naming the suggestion this browser just made (for the confirmation).
const SUBMITTED_KEY: &str = "correction_submitted";
/// Groups per queue page.
const QUEUE_PAGE: i64 = 20;
/// Suggestions per "my suggestions" page.
const MINE_PAGE: i64 = 25;

/// An error as a page: anonymous visitors asked to sign in are sent to the sign-in page
/// (and back here after), everything else gets the error page.
fn fail(e: Error, here: &Uri) -> Response {
    match e {
        Error::Unauthorized(_) => {
            let target = here.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let next: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
            Redirect::to(&format!("/sign-in?next={next}")).into_response()
        }
        other => PageError(other).into_response(),
    }
}

fn chrome(viewer: &Viewer) -> Chrome {
    if viewer.signed_in() {
        Chrome::new(viewer)
    } else {
        Chrome::anonymous()
    }
}

/// A source row as pages show it.
pub struct RowView {
    /// `O*NET 30.1`.
    pub source: String,
    /// `Task Statements.txt`.
    pub file: String,
    /// `Task ID` / `Element ID` / `Commodity code` / …
    pub id_label: &'static str,
    /// The identifier.
    pub id: String,
    /// Rating scale, when rated.
    pub scale: Option<String>,
    /// O*NET-SOC code.
    pub occupation: Option<String>,
    /// The value held.
    pub current_value: String,
    /// `task 90001`, for headings.
    pub short: String,
}

impl From<&SourceRow> for RowView {
    fn from(r: &SourceRow) -> Self {
        use nsx_core::frameworks::Locator;
        let id_label = match &r.locator {
            Locator::Task { .. } => "Task ID",
            Locator::EmergingTask { .. } => "Revises task",
            Locator::Element { .. } => "Element ID",
            Locator::Commodity { .. } => "Commodity code",
            Locator::Evidence {
                task_id: Some(_), ..
            } => "Task ID",
            Locator::Evidence { .. } => "SOC code",
            Locator::CaseItem { .. } => "CASE item",
        };
        RowView {
            source: format!("{} {}", source_name(&r.source), r.release),
            file: r.file.clone(),
            id_label,
            id: r.row_id(),
            scale: r.scale().map(str::to_string),
            occupation: r.occupation_code.clone(),
            current_value: r.current_value.clone(),
            short: r.locator.short(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The form

/// `?statement=` or `?anchor=`, with an optional pre-chosen citation.
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    statement: Option<String>,
    #[serde(default)]
    anchor: Option<String>,
    #[serde(default)]
    citation: Option<String>,
}

/// The submitted form.
#[derive(Debug, Default, Deserialize)]
pub struct SuggestForm {
    #[serde(default)]
    statement: Option<String>,
    #[serde(default)]
    anchor: Option<String>,
    #[serde(default)]
    citation: Option<String>,
    #[serde(default)]
    problem: String,
    #[serde(default)]
    proposed_value: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

struct RowChoice {
    index: usize,
    row: RowView,
    checked: bool,
}

#[derive(Template)]
#[template(path = "corrections/new.html")]
struct NewPage {
    chrome: Chrome,
    code: String,
    title: String,
    label: String,
    version_url: String,
    status: String,
    action: String,
    statement: String,
    anchor: String,
    statement_text: Option<String>,
    rows: Vec<RowChoice>,
    problem: String,
    proposed_value: String,
    evidence: String,
    name: String,
    email: String,
    signed_in_as: Option<(String, String)>,
    notice: Option<String>,
    errors: FormErrors,
}

fn new_page(
    viewer: &Viewer,
    s: &Subject,
    form: &SuggestForm,
    chosen: Option<usize>,
    notice: Option<String>,
    errors: FormErrors,
) -> NewPage {
    let (statement, anchor) = match &s.target {
        Target::Statement(id) => (id.to_string(), String::new()),
        Target::Anchor(a) => (String::new(), a.to_string()),
    };
    let single = s.rows.len() == 1;
    NewPage {
        chrome: chrome(viewer),
        code: s.framework.code.clone(),
        title: s.version.title.clone(),
        label: s.version.label.to_string(),
        version_url: s.version.url.clone(),
        status: s.version.status.label().into(),
        action: format!("{}/corrections/new", s.version.url),
        statement,
        anchor,
        statement_text: s.statement_text.clone(),
        rows: s
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| RowChoice {
                index: i,
                row: r.into(),
                checked: single || chosen == Some(i),
            })
            .collect(),
        problem: form.problem.clone(),
        proposed_value: form.proposed_value.clone(),
        evidence: form.evidence.clone(),
        name: form.name.clone(),
        email: form.email.clone(),
        signed_in_as: viewer
            .user
            .as_ref()
            .map(|u| (u.display_name.clone(), u.email.clone())),
        notice,
        errors,
    }
}

fn chosen_index(raw: Option<&str>) -> Option<usize> {
    raw.and_then(|c| c.trim().parse().ok())
}

/// The form behind every "suggest a correction" link.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    PagePath((code, version)): PagePath<(String, String)>,
    PageQuery(q): PageQuery<NewQuery>,
) -> Response {
    let s = match service::subject(
        &state.db,
        &code,
        &version,
        q.statement.as_deref(),
        q.anchor.as_deref(),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return fail(e, &uri),
    };
    let chosen = chosen_index(q.citation.as_deref()).filter(|i| *i < s.rows.len());
    // A single row is offered with its value, ready to be edited into the proposal.
    let form = SuggestForm {
        proposed_value: match (chosen, s.rows.len()) {
            (Some(i), _) => s.rows[i].current_value.clone(),
            (None, 1) => s.rows[0].current_value.clone(),
            _ => String::new(),
        },
        ..Default::default()
    };
    render(
        StatusCode::OK,
        &new_page(&viewer, &s, &form, chosen, None, FormErrors::default()),
    )
}

/// Takes a suggestion; on success sends the browser to the confirmation.
pub(crate) async fn submit(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    session: Session,
    ClientIp(ip): ClientIp,
    OriginalUri(uri): OriginalUri,
    PagePath((code, version)): PagePath<(String, String)>,
    PageForm(form): PageForm<SuggestForm>,
) -> Response {
    let input = SuggestionInput {
        framework: code.clone(),
        version: version.clone(),
        statement: form.statement.clone(),
        citation: form.citation.clone(),
        anchor: form.anchor.clone(),
        problem: form.problem.clone(),
        proposed_value: form.proposed_value.clone(),
        evidence: form.evidence.clone(),
        name: Some(form.name.clone()),
        email: Some(form.email.clone()),
    };
    let result = service::suggest(
        &state.db,
        &state.config.corrections,
        &caller,
        ip.as_deref(),
        input,
    )
    .await;
    let (status, notice, errors) = match result {
        Ok(c) => {
            if let Err(e) = session.insert(SUBMITTED_KEY, c.id.0).await {
                return fail(Error::Internal(format!("session: {e}")), &uri);
            }
            return Redirect::to("/corrections/submitted").into_response();
        }
        Err(Error::Invalid(v)) => (StatusCode::UNPROCESSABLE_ENTITY, None, FormErrors(v)),
        Err(Error::TooManyRequests(m)) => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(m),
            FormErrors::default(),
        ),
        Err(Error::Conflict(m)) => (StatusCode::CONFLICT, Some(m), FormErrors::default()),
        Err(e) => return fail(e, &uri),
    };
    // Show the form again with what was typed.
    let s = match service::subject(
        &state.db,
        &code,
        &version,
        form.statement.as_deref(),
        form.anchor.as_deref(),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return fail(e, &uri),
    };
    let chosen = chosen_index(form.citation.as_deref());
    render(
        status,
        &new_page(&viewer, &s, &form, chosen, notice, errors),
    )
}

#[derive(Template)]
#[template(path = "corrections/submitted.html")]
struct SubmittedPage {
    chrome: Chrome,
    c: Option<CorrectionView>,
    signed_in: bool,
}

/// The confirmation after a suggestion: what was recorded and what happens next.
pub(crate) async fn submitted(
    State(state): State<AppState>,
    viewer: Viewer,
    session: Session,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let id: Option<Uuid> = match session.get(SUBMITTED_KEY).await {
        Ok(id) => id,
        Err(e) => return fail(Error::Internal(format!("session: {e}")), &uri),
    };
    let c = match id {
        Some(id) => match store::find(&state.db, CorrectionId(id)).await {
            Ok(c) => c,
            Err(e) => return fail(e, &uri),
        },
        None => None,
    };
    render(
        StatusCode::OK,
        &SubmittedPage {
            chrome: chrome(&viewer),
            c: c.as_ref().map(CorrectionView::from),
            signed_in: viewer.signed_in(),
        },
    )
}

// ---------------------------------------------------------------------------------------
// Suggestions as pages show them

/// One suggestion as pages show it.
pub struct CorrectionView {
    id: String,
    framework: String,
    framework_title: String,
    version: String,
    version_url: String,
    row: RowView,
    problem: String,
    proposed_value: String,
    evidence: String,
    name: String,
    email: String,
    status: String,
    status_key: &'static str,
    reason: Option<String>,
    created: String,
    triaged: Option<String>,
    open: bool,
}

impl From<&Correction> for CorrectionView {
    fn from(c: &Correction) -> Self {
        CorrectionView {
            id: c.id.to_string(),
            framework: c.framework_code.clone(),
            framework_title: c.framework_title.clone(),
            version: c.version_label.clone().unwrap_or_default(),
            version_url: c.version_url(),
            row: (&c.row).into(),
            problem: c.text.problem.clone(),
            proposed_value: c.text.proposed_value.clone(),
            evidence: c.text.evidence.clone(),
            name: c.suggester.name.clone(),
            email: c.suggester.email.clone(),
            status: c.status.label().into(),
            status_key: c.status.as_str(),
            reason: c.reason.clone(),
            created: when(c.created_at),
            triaged: c.triaged_at.map(when),
            open: c.status == CorrectionStatus::Open,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The queue

/// Queue filters and page.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    framework: Option<String>,
    #[serde(default)]
    page: Option<i64>,
    /// What was just decided (`accepted`, `rejected`, `forwarded`), for the notice.
    #[serde(default)]
    done: Option<String>,
    /// How many suggestions the decision closed.
    #[serde(default)]
    n: Option<i64>,
}

struct GroupView {
    key: String,
    row: RowView,
    proposed_value: String,
    suggesters: i64,
    items: Vec<CorrectionView>,
    open_id: Option<String>,
}

impl From<&Group> for GroupView {
    fn from(g: &Group) -> Self {
        GroupView {
            key: g.change_key.clone(),
            row: (&g.row).into(),
            proposed_value: g.proposed_value.clone(),
            suggesters: g.suggesters,
            items: g.items.iter().map(CorrectionView::from).collect(),
            open_id: g.first_open().map(|c| c.id.to_string()),
        }
    }
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "corrections/queue.html")]
struct QueuePage {
    chrome: Chrome,
    statuses: Vec<Choice>,
    frameworks: Vec<Choice>,
    groups: Vec<GroupView>,
    total: i64,
    here: String,
    csv: String,
    csv_forwarded: String,
    prev: Option<String>,
    next: Option<String>,
    notice: Option<String>,
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

fn done_notice(done: Option<&str>, n: Option<i64>) -> Option<String> {
    let status = done?.parse::<CorrectionStatus>().ok()?;
    let n = n.unwrap_or(1).max(1);
    let what = if n == 1 {
        "1 suggestion".to_string()
    } else {
        format!("{n} suggestions of the same change")
    };
    let verb = match status {
        CorrectionStatus::Open => return None,
        CorrectionStatus::Accepted => "accepted",
        CorrectionStatus::Rejected => "rejected",
        CorrectionStatus::Forwarded => "forwarded to the source's maintainer",
    };
    Some(format!("{what} {verb}; the suggesters are told by e-mail."))
}

/// The triage queue of the editor's organization (every framework for administrators).
pub(crate) async fn queue(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    OriginalUri(uri): OriginalUri,
    PageQuery(q): PageQuery<QueueQuery>,
) -> Response {
    let run = async {
        let filter = QueueFilter::parse(q.status.as_deref(), q.framework.as_deref())?;
        let page = PageRequest::page(q.page.unwrap_or(1), QUEUE_PAGE)?;
        let list = service::queue(&state.db, &caller, &filter, page).await?;
        let org = caller
            .principal
            .as_ref()
            .filter(|p| !p.is_admin())
            .and_then(|p| p.organization_id)
            .map(|o| o.0);
        let frameworks = store::frameworks_with_suggestions(&state.db, org).await?;
        Ok::<_, Error>((filter, list, frameworks))
    };
    let (filter, list, frameworks) = match run.await {
        Ok(x) => x,
        Err(e) => return fail(e, &uri),
    };
    let status = match filter.status {
        Some(s) => s.as_str(),
        None => "all",
    };
    let framework = filter.framework.clone().unwrap_or_default();
    let link = |p: i64| {
        format!(
            "/corrections?{}",
            query_string(&[
                ("status", status),
                ("framework", &framework),
                ("page", &p.to_string())
            ])
        )
    };
    let number = list.page_number();
    let page = QueuePage {
        chrome: Chrome::new(&viewer),
        statuses: CorrectionStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .chain([("all", "Any status")])
            .map(|(v, l)| Choice {
                value: v.into(),
                label: l.into(),
                selected: v == status,
            })
            .collect(),
        frameworks: frameworks
            .into_iter()
            .map(|f| Choice {
                selected: f.code == framework,
                label: format!("{} ({})", f.title, f.code),
                value: f.code,
            })
            .collect(),
        groups: list.items.iter().map(GroupView::from).collect(),
        total: list.total,
        here: link(number),
        csv: format!(
            "/corrections/export.csv?{}",
            query_string(&[("status", status), ("framework", &framework)])
        ),
        csv_forwarded: format!(
            "/corrections/export.csv?{}",
            query_string(&[("status", "forwarded"), ("framework", &framework)])
        ),
        prev: (number > 1).then(|| link(number - 1)),
        next: list.has_more().then(|| link(number + 1)),
        notice: done_notice(q.done.as_deref(), q.n),
    };
    render(StatusCode::OK, &page)
}

/// Queue filters of the export.
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    framework: Option<String>,
}

/// The queue as CSV for the source's maintainer: one row per distinct proposed change.
pub(crate) async fn export(
    State(state): State<AppState>,
    PageCaller(caller, _): PageCaller,
    OriginalUri(uri): OriginalUri,
    PageQuery(q): PageQuery<ExportQuery>,
) -> Response {
    let run = async {
        let filter = QueueFilter::parse(q.status.as_deref(), q.framework.as_deref())?;
        service::export_csv(&state.db, &caller, &filter).await
    };
    match run.await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"nsx-corrections.csv\"",
                ),
            ],
            CachePolicy::no_store(),
            csv,
        )
            .into_response(),
        Err(e) => fail(e, &uri),
    }
}

// ---------------------------------------------------------------------------------------
// One suggestion, and a decision on it

#[derive(Template)]
#[template(path = "corrections/show.html")]
struct ShowPage {
    chrome: Chrome,
    c: CorrectionView,
    same: Vec<CorrectionView>,
    suggesters: usize,
    may_triage: bool,
    decision: String,
    reason: String,
    back: String,
    notice: Option<String>,
    errors: FormErrors,
}

fn parse_id(raw: &str) -> Result<CorrectionId, Error> {
    raw.parse::<CorrectionId>()
        .map_err(|_| Error::invalid("id", format!("{raw:?} is not a correction id")))
}

async fn show_page(
    state: &AppState,
    caller: &crate::service::Caller,
    viewer: &Viewer,
    id: &str,
    form: &TriageForm,
    notice: Option<String>,
    errors: FormErrors,
) -> Result<ShowPage, Error> {
    let c = service::get(&state.db, caller, parse_id(id)?).await?;
    let may = service::may_triage(caller, &c);
    // Editors see who else proposed the same change; an author sees only their own.
    let same: Vec<Correction> = if may {
        store::same_change(&state.db, &c.change_key, c.organization_id)
            .await?
            .into_iter()
            .filter(|o| o.id != c.id)
            .collect()
    } else {
        Vec::new()
    };
    let mut people: Vec<&str> = same.iter().map(|o| o.suggester.email.as_str()).collect();
    people.push(&c.suggester.email);
    people.sort_unstable();
    people.dedup();
    Ok(ShowPage {
        chrome: Chrome::new(viewer),
        suggesters: people.len(),
        same: same.iter().map(CorrectionView::from).collect(),
        may_triage: may,
        c: CorrectionView::from(&c),
        decision: form.decision.clone(),
        reason: form.reason.clone(),
        back: safe_back(form.back.as_deref()),
        notice,
        errors,
    })
}

/// A suggestion with its outcome, for its author and the editors who triage it.
pub(crate) async fn show(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    OriginalUri(uri): OriginalUri,
    PagePath(id): PagePath<String>,
) -> Response {
    match show_page(
        &state,
        &caller,
        &viewer,
        &id,
        &TriageForm::default(),
        None,
        FormErrors::default(),
    )
    .await
    {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => fail(e, &uri),
    }
}

/// A decision as submitted.
#[derive(Debug, Default, Deserialize)]
pub struct TriageForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    /// Where to go after (a queue address).
    #[serde(default)]
    back: Option<String>,
}

/// Only queue addresses are followed after a decision.
fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(b)
            if (b == "/corrections" || b.starts_with("/corrections?"))
                && !b.contains("//")
                && !b.contains('\\') =>
        {
            b.to_string()
        }
        _ => "/corrections".to_string(),
    }
}

/// Records a decision and returns to the queue; a refused one shows the suggestion with
/// the error beside the field and what was typed.
pub(crate) async fn triage(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    OriginalUri(uri): OriginalUri,
    PagePath(id): PagePath<String>,
    PageForm(form): PageForm<TriageForm>,
) -> Response {
    let cid = match parse_id(&id) {
        Ok(c) => c,
        Err(e) => return fail(e, &uri),
    };
    let result = service::triage(
        &state.db,
        &state.config.public_url(),
        &caller,
        cid,
        &form.decision,
        &form.reason,
    )
    .await;
    let (status, notice, errors) = match result {
        Ok(out) => {
            let back = safe_back(form.back.as_deref());
            let sep = if back.contains('?') { '&' } else { '?' };
            let to = format!(
                "{back}{sep}done={}&n={}",
                out.status.as_str(),
                out.ids.len()
            );
            return Redirect::to(&to).into_response();
        }
        Err(Error::Invalid(v)) => (StatusCode::UNPROCESSABLE_ENTITY, None, FormErrors(v)),
        Err(Error::Conflict(m)) => (StatusCode::CONFLICT, Some(m), FormErrors::default()),
        Err(e) => return fail(e, &uri),
    };
    match show_page(&state, &caller, &viewer, &id, &form, notice, errors).await {
        Ok(p) => render(status, &p),
        Err(e) => fail(e, &uri),
    }
}

// ---------------------------------------------------------------------------------------
// My suggestions

/// Page number of "my suggestions".
#[derive(Debug, Default, Deserialize)]
pub struct MineQuery {
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "corrections/mine.html")]
struct MinePage {
    chrome: Chrome,
    items: Vec<CorrectionView>,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

/// A signed-in suggester's own suggestions and their outcomes.
pub(crate) async fn mine(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    OriginalUri(uri): OriginalUri,
    PageQuery(q): PageQuery<MineQuery>,
) -> Response {
    let run = async {
        let page = PageRequest::page(q.page.unwrap_or(1), MINE_PAGE)?;
        service::mine(&state.db, &caller, page).await
    };
    let list = match run.await {
        Ok(l) => l,
        Err(e) => return fail(e, &uri),
    };
    let n = list.page_number();
    let link = |p: i64| format!("/account/corrections?page={p}");
    render(
        StatusCode::OK,
        &MinePage {
            chrome: Chrome::new(&viewer),
            items: list.items.iter().map(CorrectionView::from).collect(),
            total: list.total,
            prev: (n > 1).then(|| link(n - 1)),
            next: list.has_more().then(|| link(n + 1)),
        },
    )
}

/// The decisions an editor can take, for the form.
pub fn decisions() -> Vec<(&'static str, &'static str)> {
    Decision::ALL
        .iter()
        .map(|d| {
            (
                d.as_str(),
                match d {
                    Decision::Accept => "Accept: the source row is wrong as described",
                    Decision::Reject => "Reject: the row is right (say why)",
                    Decision::Forward => "Forward to the source's maintainer to decide",
                },
            )
        })
        .collect()
}
