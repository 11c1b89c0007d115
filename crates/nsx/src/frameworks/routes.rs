//! Framework pages: the index with filters and statement search, one page per framework
//! version (at a stable URL per version, the bare code showing the newest). Public pages are cached per data version and
//! answered with a strong `ETag` (so `If-None-Match` gets `304 Not Modified`).

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use nsx_core::frameworks::{
    Citation, DurableDomain, Locator, MasteryLevel, Section, Status, VersionLabel,
};
use nsx_core::occupations::{SOC_MAJOR_GROUPS, job_zone_label, major_group_title};
use serde::Deserialize;
use uuid::Uuid;

use super::queries::{self, Anchors, PAGE_SIZE, filter_from};
use super::service::{check_code, parse_label};
use super::{FrameworkView, StatementView, store};
use crate::accounts::Viewer;
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{PageError, PagePath, PageQuery, PageResult};
use crate::web::layout::Chrome;
use crate::web::page_cache::{CachedPage, cached_html};

fn render<T: Template>(t: &T) -> PageResult<String> {
    t.render()
        .map_err(|e| PageError(Error::Internal(format!("template: {e}"))))
}

fn chrome_for(viewer: &Viewer) -> Chrome {
    if viewer.signed_in() {
        Chrome::new(viewer)
    } else {
        Chrome::anonymous()
    }
}

// ---------------------------------------------------------------------------------------
// Index

/// Index query string.
#[derive(Debug, Default, Deserialize)]
pub struct IndexQuery {
    /// SOC major group.
    #[serde(default)]
    group: Option<String>,
    /// Job Zone (empty means any).
    #[serde(default)]
    zone: Option<String>,
    /// Status name (empty means any).
    #[serde(default)]
    status: Option<String>,
    /// Statement search.
    #[serde(default)]
    q: Option<String>,
    /// 1-based page.
    #[serde(default)]
    page: Option<usize>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct IndexRow {
    code: String,
    title: String,
    url: String,
    label: String,
    status: String,
    status_key: &'static str,
    job_zone: String,
    statements: i64,
    hits: Vec<String>,
}

#[derive(Template)]
#[template(path = "frameworks/index.html")]
struct IndexPage {
    chrome: Chrome,
    groups: Vec<Choice>,
    zones: Vec<Choice>,
    statuses: Vec<Choice>,
    q: String,
    rows: Vec<IndexRow>,
    total: usize,
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
    filtered: bool,
}

/// A filter value from the query string: empty means "any".
fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn invalid(field: &str, msg: String) -> PageError {
    PageError(Error::Invalid(vec![nsx_core::accounts::FieldError::new(
        field, msg,
    )]))
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

pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PageQuery(qs): PageQuery<IndexQuery>,
) -> PageResult<Response> {
    let mut f = filter_from(
        nonempty(&qs.group),
        nonempty(&qs.zone),
        nonempty(&qs.status),
        nonempty(&qs.q),
    )
    .map_err(|(field, msg)| invalid(&field, msg))?;
    let page = qs.page.unwrap_or(1).max(1);
    f.offset = (page - 1)
        .checked_mul(PAGE_SIZE)
        .filter(|o| *o <= crate::paging::MAX_OFFSET as usize)
        .ok_or_else(|| invalid("page", "is past the end of any list".into()))?;
    let result = queries::index(&state.db, &f).await?;
    let q = nonempty(&qs.q).unwrap_or("").to_string();
    let mut hits = if q.is_empty() {
        Default::default()
    } else {
        let ids: Vec<Uuid> = result.items.iter().map(|v| v.id).collect();
        store::statements_of(&state.db, &ids).await?
    };
    let rows = result
        .items
        .iter()
        .map(|v| IndexRow {
            code: v.code.clone(),
            title: v.title.clone(),
            url: v.url.clone(),
            label: v.label.to_string(),
            status: v.status.label().to_string(),
            status_key: v.status.as_str(),
            job_zone: v.job_zone.map(|z| z.to_string()).unwrap_or_default(),
            statements: v.statement_count,
            hits: hits
                .remove(&v.id)
                .map(|st| {
                    queries::matching_statements(&st, &q)
                        .into_iter()
                        .take(3)
                        .map(|s| s.statement.full_text())
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let pages = result.total.div_ceil(PAGE_SIZE).max(1);
    let group = f.group.clone().unwrap_or_default();
    let zone = f.job_zone.map(|z| z.to_string()).unwrap_or_default();
    let status = f.status.map(|s| s.as_str()).unwrap_or("").to_string();
    let link = |p: usize| {
        let ps = p.to_string();
        format!(
            "/frameworks?{}",
            query_string(&[
                ("group", &group),
                ("zone", &zone),
                ("status", &status),
                ("q", &q),
                ("page", &ps),
            ])
        )
    };
    let prev = (page > 1).then(|| link(page - 1));
    let next = (page < pages).then(|| link(page + 1));
    let t = IndexPage {
        chrome: chrome_for(&viewer),
        groups: SOC_MAJOR_GROUPS
            .iter()
            .map(|(c, t)| Choice {
                value: c.to_string(),
                label: format!("{c} {t}"),
                selected: group == *c,
            })
            .collect(),
        zones: (1..=5)
            .map(|z: i64| Choice {
                value: z.to_string(),
                label: format!("{z} · {}", job_zone_label(z)),
                selected: f.job_zone == Some(z),
            })
            .collect(),
        statuses: Status::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: s.label().into(),
                selected: f.status == Some(*s),
            })
            .collect(),
        filtered: f.group.is_some() || f.job_zone.is_some() || f.status.is_some() || !q.is_empty(),
        q,
        rows,
        total: result.total,
        page,
        pages,
        prev,
        next,
    };
    let html = render(&t)?;
    Ok(CachedPage::html(html, !viewer.signed_in(), state.pages.version()).respond(&headers))
}

// ---------------------------------------------------------------------------------------
// One framework version

/// A citation chip: a small link to the cited row.
struct Chip {
    href: String,
    text: String,
    aria: String,
}

struct StatementRow {
    id: Uuid,
    level: String,
    subject: String,
    performance: String,
    chips: Vec<Chip>,
    correction: String,
    /// A drafted suggestion of how to work, not an observation (the AI-usage statements).
    suggested: bool,
}

struct LevelBlock {
    key: &'static str,
    label: &'static str,
    role: &'static str,
    statements: Vec<StatementRow>,
}

struct DomainBlock {
    key: &'static str,
    label: &'static str,
    statements: Vec<StatementRow>,
}

struct EvidenceRow {
    anchor: String,
    source: String,
    text: String,
    href: String,
}

struct Figure {
    label: &'static str,
    value: String,
    /// What the figure means, in words.
    means: String,
}

struct TaskRow {
    task_id: i64,
    text: String,
    href: String,
    usage: String,
    penetration: String,
}

struct OtherVersion {
    label: String,
    url: String,
    status: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "frameworks/page.html")]
struct FrameworkPage {
    chrome: Chrome,
    code: String,
    title: String,
    label: String,
    status: String,
    status_key: &'static str,
    job_zone: String,
    onet_release: String,
    group: String,
    canonical: String,
    occupation_url: String,
    context: String,
    mastery: Vec<LevelBlock>,
    ai: Vec<LevelBlock>,
    ai_count: usize,
    has_evidence: bool,
    figures: Vec<Figure>,
    top_tasks: Vec<TaskRow>,
    evidence_rows: Vec<EvidenceRow>,
    evidence_note: Option<String>,
    durable: Vec<DomainBlock>,
    /// What the durable statements rest on, in words ("work styles and skills").
    durable_grounds: String,
    anchors: Anchors,
    anchor_count: usize,
    anchor_correction: String,
    gaps: Vec<String>,
    sources: Vec<nsx_core::frameworks::Source>,
    versions: Vec<OtherVersion>,
    call: Option<crate::review::Banner>,
    /// The consultation this version is the published revision of: (report, summary).
    consultation: Option<(String, String)>,
    follow: crate::following::routes::FollowBox,
}

fn source_name(key: &str) -> &str {
    match key {
        "onet" => "O*NET",
        "aei" => "Anthropic Economic Index",
        "nsx-durable-map" => "NSX durable-skills mapping",
        other => other,
    }
}

/// The chip of one citation: where it links and what it is called.
fn chip(occ: &str, evidence: &[Citation], c: &Citation) -> Chip {
    let src = format!("{} {}", source_name(&c.source), c.release);
    let (href, what) = match &c.locator {
        Locator::Task { task_id } => (format!("{occ}#task-{task_id}"), format!("task {task_id}")),
        Locator::Element { element_id, .. } => (
            format!("{occ}#element-{element_id}"),
            format!("element {element_id}"),
        ),
        Locator::Commodity {
            commodity_code,
            table,
        } => (
            format!("{occ}#technology"),
            format!("{table} {commodity_code}"),
        ),
        Locator::Evidence { .. } => {
            let href = match evidence.iter().position(|e| e.locator == c.locator) {
                Some(i) => format!("#evidence-{}", i + 1),
                None => "#evidence".to_string(),
            };
            (href, c.locator.short().replace('_', " "))
        }
        // Only web addresses become links (an imported URI may be anything).
        Locator::CaseItem { uri } if uri.starts_with("https://") || uri.starts_with("http://") => {
            (uri.clone(), "CASE item".to_string())
        }
        Locator::CaseItem { .. } => ("#sources".to_string(), "CASE item".to_string()),
    };
    Chip {
        aria: format!("Source: {src} {what}"),
        text: what,
        href,
    }
}

fn rows(v: &FrameworkView, occ: &str, items: &[&StatementView]) -> Vec<StatementRow> {
    items
        .iter()
        .map(|s| StatementRow {
            id: s.id,
            level: s.statement.level.label().to_string(),
            subject: s.statement.subject.clone(),
            performance: s.statement.performance.clone(),
            chips: s
                .statement
                .citations
                .iter()
                .map(|c| chip(occ, &v.evidence.citations, c))
                .collect(),
            correction: format!("{}/corrections/new?statement={}", v.version.url, s.id),
            suggested: s.statement.section == Section::AiUsage,
        })
        .collect()
}

fn pct(x: f64) -> String {
    format!("{x:.2}%")
}

/// An evidence figure: "not observed" for zero (the evidence's zeros mean no usage was
/// seen), else the number as `show` writes it.
fn observed(x: f64, show: impl Fn(f64) -> String) -> String {
    if x > 0.0 {
        show(x)
    } else {
        "not observed".into()
    }
}

pub(crate) async fn build_page(
    state: &AppState,
    chrome: Chrome,
    v: FrameworkView,
) -> PageResult<String> {
    let code = v.version.code.clone();
    let occ = format!("/occupations/{code}");
    let cited: Vec<i64> = v.anchored_tasks().into_iter().map(|(t, _)| t).collect();
    let anchors = queries::anchors(&state.db, &code, &v.version.onet_release, &cited).await?;
    let versions = store::list_versions(&state.db, &code).await?;
    let mastery = MasteryLevel::ALL
        .iter()
        .map(|l| LevelBlock {
            key: l.as_str(),
            label: l.label(),
            role: l.role(),
            statements: rows(&v, &occ, &v.technical(*l)),
        })
        .collect();
    let ai: Vec<LevelBlock> = MasteryLevel::ALL
        .iter()
        .map(|l| LevelBlock {
            key: l.as_str(),
            label: l.label(),
            role: l.role(),
            statements: rows(&v, &occ, &v.ai_usage(*l)),
        })
        .collect();
    let ai_count = ai.iter().map(|b| b.statements.len()).sum();
    let kinds = nsx_core::frameworks::durable::cited_kinds(
        v.statements
            .iter()
            .filter(|s| s.statement.section == Section::Durable)
            .flat_map(|s| s.statement.citations.iter()),
    );
    let durable_grounds = match kinds.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let durable = DurableDomain::ALL
        .iter()
        .map(|d| DomainBlock {
            key: d.as_str(),
            label: d.label(),
            statements: rows(&v, &occ, &v.durable(*d)),
        })
        .collect();
    let e = &v.evidence;
    let mut figures = vec![
        Figure {
            label: "Tasks of the occupation",
            value: e.tasks_total.to_string(),
            means: "Task statements this framework draws on.".into(),
        },
        Figure {
            label: "Tasks with AI-usage figures",
            value: e.tasks_with_evidence.to_string(),
            means: "Of those, tasks the evidence files name (by their wording now or in the O*NET task list the evidence used).".into(),
        },
        Figure {
            label: "Tasks observed in use",
            value: e.tasks_observed.to_string(),
            means: "Of those, tasks with a usage share or a penetration above zero.".into(),
        },
    ];
    if let Some(x) = e.usage_share_pct {
        let via = if e.usage_codes_2010.is_empty() {
            String::new()
        } else {
            format!(
                ", counted over the O*NET-SOC 2010 {} {} the evidence is keyed by",
                if e.usage_codes_2010.len() == 1 {
                    "code"
                } else {
                    "codes"
                },
                e.usage_codes_2010.join(", ")
            )
        };
        figures.push(Figure {
            label: "Share of classified conversations",
            value: observed(x, pct),
            means: format!(
                "Out of every 100 Claude.ai conversations the index assigned to an O*NET task, how many were about this occupation's {}tasks{via}; a task that several occupations list is shared out equally among them.",
                e.usage_tasks.map(|n| format!("{n} ")).unwrap_or_default()
            ),
        });
    }
    if let Some(x) = e.mean_penetration {
        figures.push(Figure {
            label: "Mean task penetration",
            value: observed(x, |x| format!("{x:.3}")),
            means: "Penetration runs from 0 to 1 per task: how far observed AI usage reaches into the task; this is its average over the occupation's tasks. \u{201c}Not observed\u{201d} means no usage was seen, not that AI cannot help.".into(),
        });
    }
    if let Some(x) = e.job_exposure {
        figures.push(Figure {
            label: "Observed occupation exposure",
            value: observed(x, |x| format!("{x:.3}")),
            means: "Exposure runs from 0 to 1 for the occupation's SOC code: how much of the work a language model could speed up is actually seen in AI usage.".into(),
        });
    }
    let top_tasks = e
        .top_tasks
        .iter()
        .map(|t| TaskRow {
            task_id: t.task_id,
            text: t.task.clone(),
            href: format!("{occ}#task-{}", t.task_id),
            usage: t
                .usage_pct
                .map(|x| observed(x, pct))
                .unwrap_or_else(|| "—".into()),
            penetration: t
                .penetration
                .map(|p| observed(p, |p| format!("{p:.3}")))
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    let evidence_rows = e
        .citations
        .iter()
        .enumerate()
        .map(|(i, c)| EvidenceRow {
            anchor: format!("evidence-{}", i + 1),
            source: format!("{} {}", source_name(&c.source), c.release),
            text: c.text.clone(),
            href: match &c.locator {
                Locator::Evidence {
                    task_id: Some(t), ..
                } => format!("{occ}#task-{t}"),
                _ => occ.clone(),
            },
        })
        .collect();
    let evidence_note = if e.tasks_with_evidence == 0 && e.job_exposure.is_none() {
        Some(e.note.clone().unwrap_or_else(|| {
            "No AI-usage evidence covers this occupation in the current sources.".into()
        }))
    } else {
        e.note.clone()
    };
    let has_evidence = e.tasks_with_evidence > 0 || e.job_exposure.is_some();
    let label = v.version.label.to_string();
    let call = crate::review::service::current_call(&state.db, v.version.framework_id)
        .await?
        .map(|c| crate::review::Banner::of(&c));
    let consultation = crate::review::dispositions::consultation_of(&state.db, v.version.id)
        .await?
        .map(|(id, s)| (format!("/calls/{id}/report"), s.describe()));
    let follow = crate::following::routes::FollowBox::new(
        nsx_core::following::TargetKind::Framework,
        &code,
        chrome.viewer.is_some(),
    );
    let page = FrameworkPage {
        call,
        consultation,
        follow,
        chrome,
        title: v.version.title.clone(),
        label: label.clone(),
        status: v.version.status.label().into(),
        status_key: v.version.status.as_str(),
        job_zone: v
            .version
            .job_zone
            .map(|z| format!("{z} · {}", job_zone_label(z)))
            .unwrap_or_else(|| "not assigned".into()),
        onet_release: v.version.onet_release.clone(),
        group: code
            .get(..2)
            .and_then(major_group_title)
            .unwrap_or("")
            .to_string(),
        canonical: v.version.url.clone(),
        occupation_url: occ,
        context: v.context.clone(),
        mastery,
        ai,
        ai_count,
        has_evidence,
        figures,
        top_tasks,
        evidence_rows,
        evidence_note,
        durable,
        durable_grounds,
        anchor_count: anchors.count(),
        anchors,
        anchor_correction: format!("{}/corrections/new?anchor=", v.version.url),
        gaps: v.gaps.clone(),
        // Versions drafted before the mapping page existed stored a relative link to it.
        sources: v
            .sources
            .iter()
            .cloned()
            .map(|mut s| {
                if s.key == "nsx-durable-map" {
                    s.url = nsx_core::frameworks::MAPPING_PAGE.into();
                }
                s
            })
            .collect(),
        versions: versions
            .iter()
            .map(|o| OtherVersion {
                current: o.label == v.version.label,
                label: o.label.to_string(),
                url: o.url.clone(),
                status: o.status.label().into(),
            })
            .collect(),
        code,
    };
    render(&page)
}

pub(crate) async fn show(
    state: AppState,
    viewer: Viewer,
    headers: HeaderMap,
    code: String,
    label: Option<VersionLabel>,
) -> PageResult<Response> {
    check_code(&code)?;
    let key = match &label {
        Some(l) => format!("/frameworks/{code}/{l}"),
        None => format!("/frameworks/{code}"),
    };
    let chrome = chrome_for(&viewer);
    let st = state.clone();
    let scope = super::service::cache_scope(&code);
    cached_html(
        &state.pages,
        &headers,
        key,
        Some(scope),
        !viewer.signed_in(),
        || async move {
            let v = store::load_version(&st.db, &code, label.as_ref())
                .await?
                .ok_or_else(|| {
                    Error::NotFound(match label {
                        Some(l) => format!("version {l} of the framework for {code}"),
                        None => format!("a framework for {code}"),
                    })
                })?;
            build_page(&st, chrome, v).await
        },
    )
    .await
}

pub(crate) async fn latest(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath(code): PagePath<String>,
) -> PageResult<Response> {
    let chrome = chrome_for(&viewer);
    match show(state.clone(), viewer, headers, code.clone(), None).await {
        Err(PageError(Error::NotFound(what))) => {
            no_framework(&state, chrome, &code, Error::NotFound(what)).await
        }
        other => other,
    }
}

#[derive(Template)]
#[template(path = "frameworks/missing.html")]
struct MissingPage {
    chrome: Chrome,
    code: String,
    title: String,
    occupation_url: String,
    reason: String,
}

/// The answer for a code with no framework: a real occupation gets a page saying why it has
/// none (still with a 404 status); anything else is the plain not-found error.
async fn no_framework(
    state: &AppState,
    chrome: Chrome,
    code: &str,
    not_found: Error,
) -> PageResult<Response> {
    let Ok(onet) = code.parse::<nsx_core::codes::OnetSocCode>() else {
        return Err(PageError(not_found));
    };
    let Some(occ) = crate::occupations::store::find(&state.db, &onet).await? else {
        return Err(PageError(not_found));
    };
    let reason = match (occ.framework_ready, occ.readiness_reason) {
        (false, Some(r)) => format!("The imported source data cannot ground one: {r}."),
        (false, None) => "The imported source data is not enough to ground one.".to_string(),
        (true, _) => {
            "The imported source data is enough to ground one, but none has been drafted yet."
                .to_string()
        }
    };
    let html = MissingPage {
        chrome,
        code: occ.code.clone(),
        title: occ.title,
        occupation_url: format!("/occupations/{}", occ.code),
        reason,
    }
    .render()
    .map_err(|e| PageError(Error::Internal(format!("template: {e}"))))?;
    Ok((
        axum::http::StatusCode::NOT_FOUND,
        axum::response::Html(html),
    )
        .into_response())
}

pub(crate) async fn version(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath((code, version)): PagePath<(String, String)>,
) -> PageResult<Response> {
    let label = parse_label(&version)?;
    let chrome = chrome_for(&viewer);
    match show(state.clone(), viewer, headers, code.clone(), Some(label)).await {
        Err(PageError(Error::NotFound(what))) => {
            no_version(&state, chrome, &code, label, Error::NotFound(what)).await
        }
        other => other,
    }
}

#[derive(Template)]
#[template(path = "frameworks/missing_version.html")]
struct MissingVersionPage {
    chrome: Chrome,
    code: String,
    title: String,
    requested: String,
    versions: Vec<OtherVersion>,
}

/// The answer for a version that does not exist: when the framework has other versions, a
/// 404 page that lists them; otherwise what [`no_framework`] says.
async fn no_version(
    state: &AppState,
    chrome: Chrome,
    code: &str,
    requested: VersionLabel,
    not_found: Error,
) -> PageResult<Response> {
    let versions = store::list_versions(&state.db, code).await?;
    let Some(newest) = versions.first() else {
        return no_framework(state, chrome, code, not_found).await;
    };
    let html = MissingVersionPage {
        chrome,
        code: code.to_string(),
        title: newest.title.clone(),
        requested: requested.to_string(),
        versions: versions
            .iter()
            .map(|o| OtherVersion {
                current: false,
                label: o.label.to_string(),
                url: o.url.clone(),
                status: o.status.label().into(),
            })
            .collect(),
    }
    .render()
    .map_err(|e| PageError(Error::Internal(format!("template: {e}"))))?;
    Ok((
        axum::http::StatusCode::NOT_FOUND,
        axum::response::Html(html),
    )
        .into_response())
}
