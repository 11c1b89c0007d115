//! Framework pages: the index with filters and statement search, one page per framework
//! version (at a stable URL per version, the bare code showing the newest). Public pages are cached per data version and
//! answered with a strong `ETag` (so `If-None-Match` gets `304 Not Modified`).

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use nsx_core::frameworks::{
    Citation, DurableDomain, DurableLevel, Locator, MasteryLevel, Section, Status, VersionLabel,
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

/// The framework page's query string: its filters.
#[derive(Debug, Default, Deserialize)]
pub struct PageQueryString {
    /// A mastery level (`emerging` … `advanced`; the durable names `applying` and
    /// `exceeding` stand for the third and fourth); empty means every level.
    #[serde(default)]
    level: Option<String>,
    /// A section (`technical`, `ai_usage`, `durable`) or one durable-skill domain
    /// (`communication` …); empty means everything.
    #[serde(default)]
    domain: Option<String>,
}

/// What the domain filter keeps: one section, or one durable-skill domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DomainFilter {
    Section(Section),
    Durable(DurableDomain),
}

impl DomainFilter {
    /// The sections a reader can filter on, with their names.
    const SECTIONS: [(Section, &'static str); 3] = [
        (Section::Technical, "Technical"),
        (Section::AiUsage, "AI usage"),
        (Section::Durable, "Durable skills (all domains)"),
    ];

    fn key(self) -> &'static str {
        match self {
            DomainFilter::Section(s) => s.as_str(),
            DomainFilter::Durable(d) => d.as_str(),
        }
    }

    fn label(self) -> &'static str {
        match self {
            DomainFilter::Section(Section::Durable) => "Durable skills",
            DomainFilter::Section(s) => Self::SECTIONS
                .iter()
                .find(|(x, _)| *x == s)
                .map(|(_, l)| *l)
                .unwrap_or(""),
            DomainFilter::Durable(d) => d.label(),
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        let v = raw.trim().to_ascii_lowercase().replace('-', "_");
        Self::SECTIONS
            .iter()
            .map(|(s, _)| DomainFilter::Section(*s))
            .chain(DurableDomain::ALL.iter().map(|d| DomainFilter::Durable(*d)))
            .find(|d| d.key() == v)
    }
}

/// The filters of a framework page, checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PageFilter {
    level: Option<MasteryLevel>,
    domain: Option<DomainFilter>,
}

/// A query value quoted back in an error message, cut to a readable length.
fn quoted(raw: &str) -> String {
    let s: String = raw.chars().take(40).collect();
    if s.len() < raw.len() {
        format!("{s:?}…")
    } else {
        format!("{s:?}")
    }
}

impl PageFilter {
    fn parse(q: &PageQueryString) -> PageResult<Self> {
        let level = match nonempty(&q.level) {
            None => None,
            Some(raw) => {
                let v = raw.to_ascii_lowercase();
                let found = MasteryLevel::ALL.into_iter().find(|l| l.as_str() == v);
                let alias = DurableLevel::ALL
                    .into_iter()
                    .find(|l| l.as_str() == v)
                    .and_then(|l| MasteryLevel::ALL.get(l as usize).copied());
                Some(found.or(alias).ok_or_else(|| {
                    invalid(
                        "level",
                        format!(
                            "{} is not a level: use emerging, developing, proficient or advanced (or leave it empty for every level)",
                            quoted(raw)
                        ),
                    )
                })?)
            }
        };
        let domain = match nonempty(&q.domain) {
            None => None,
            Some(raw) => Some(DomainFilter::parse(raw).ok_or_else(|| {
                let durable: Vec<&str> = DurableDomain::ALL.iter().map(|d| d.as_str()).collect();
                invalid(
                    "domain",
                    format!(
                        "{} is not a domain: use technical, ai_usage, durable or one of the durable-skill domains ({}), or leave it empty for everything",
                        quoted(raw),
                        durable.join(", ")
                    ),
                )
            })?),
        };
        Ok(PageFilter { level, domain })
    }

    fn is_empty(&self) -> bool {
        self.level.is_none() && self.domain.is_none()
    }

    /// The query string the site's own links write for these filters (empty when none).
    fn query(&self) -> String {
        query_string(&[
            ("level", self.level.map(|l| l.as_str()).unwrap_or("")),
            ("domain", self.domain.map(|d| d.key()).unwrap_or("")),
        ])
    }

    /// Whether statements at this rank (0-based, on either scale) are shown.
    fn shows_rank(&self, rank: u8) -> bool {
        self.level.is_none_or(|l| l.rank() == rank)
    }

    fn shows_section(&self, s: Section) -> bool {
        match self.domain {
            None => true,
            Some(DomainFilter::Section(x)) => x == s,
            Some(DomainFilter::Durable(_)) => s == Section::Durable,
        }
    }

    fn shows_domain(&self, d: DurableDomain) -> bool {
        match self.domain {
            None | Some(DomainFilter::Section(Section::Durable)) => true,
            Some(DomainFilter::Durable(x)) => x == d,
            Some(DomainFilter::Section(_)) => false,
        }
    }

    /// The active filter in words ("Advanced (durable skills: Exceeding) statements in
    /// Technical").
    fn describe(&self) -> String {
        let level = match self.level {
            None => "statements at every level".to_string(),
            Some(l) => {
                let durable = DurableLevel::ALL[usize::from(l.rank())];
                if self.domain.is_some_and(|d| {
                    matches!(
                        d,
                        DomainFilter::Durable(_) | DomainFilter::Section(Section::Durable)
                    )
                }) {
                    format!("{} statements", durable.label())
                } else if self.domain.is_some() {
                    format!("{} statements", l.label())
                } else {
                    format!(
                        "{} statements ({} in durable skills)",
                        l.label(),
                        durable.label()
                    )
                }
            }
        };
        match self.domain {
            None => format!("{level} in every domain"),
            Some(d) => format!("{level} in {}", d.label()),
        }
    }
}

/// A citation chip: a small link to the cited row.
struct Chip {
    href: String,
    text: String,
    aria: String,
}

struct StatementRow {
    id: Uuid,
    /// Its number in the list it is shown in (the same filtered or not).
    num: usize,
    /// How the page refers to it: the list's name and the number ("Developing 3").
    reference: String,
    /// 0-based rank of its level.
    rank: u8,
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
    /// Its number among the ten domains.
    number: usize,
    key: &'static str,
    label: &'static str,
    /// Statements in the domain, all levels (the count in the heading).
    total: usize,
    statements: Vec<StatementRow>,
}

/// A link from a matrix cell to a statement below.
struct CellLink {
    id: Uuid,
    num: usize,
    aria: String,
}

/// One subject of the level matrix: its statements at each shown level.
struct MatrixRow {
    subject: String,
    cells: Vec<Vec<CellLink>>,
}

/// A group of matrix rows (a section or a durable-skill domain).
struct MatrixGroup {
    label: &'static str,
    rows: Vec<MatrixRow>,
}

/// The level matrix of one scale: subjects down, levels across.
struct Matrix {
    caption: &'static str,
    columns: Vec<&'static str>,
    groups: Vec<MatrixGroup>,
}

impl Matrix {
    fn new(caption: &'static str, columns: Vec<&'static str>) -> Self {
        Matrix {
            caption,
            columns,
            groups: Vec::new(),
        }
    }

    /// Adds a group of statements, each placed in the column of its rank among `ranks`
    /// (the ranks shown), on the row of its subject.
    fn group<'a>(
        &mut self,
        label: &'static str,
        ranks: &[u8],
        statements: impl IntoIterator<Item = &'a StatementRow>,
    ) {
        let mut rows: Vec<MatrixRow> = Vec::new();
        for s in statements {
            let Some(col) = ranks.iter().position(|r| *r == s.rank) else {
                continue;
            };
            let i = match rows.iter().position(|r| r.subject == s.subject) {
                Some(i) => i,
                None => {
                    rows.push(MatrixRow {
                        subject: s.subject.clone(),
                        cells: ranks.iter().map(|_| Vec::new()).collect(),
                    });
                    rows.len() - 1
                }
            };
            rows[i].cells[col].push(CellLink {
                id: s.id,
                num: s.num,
                aria: format!("{}: {}", s.subject, s.reference),
            });
        }
        if !rows.is_empty() {
            self.groups.push(MatrixGroup { label, rows });
        }
    }
}

/// A choice of a filter list.
struct FilterChoice {
    value: &'static str,
    label: String,
    selected: bool,
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
    /// The page's own address without a query (the filter form's target).
    base: String,
    /// Whether a filter is active, and what it shows in words.
    filtered: bool,
    filter_note: String,
    level_choices: Vec<FilterChoice>,
    section_choices: Vec<FilterChoice>,
    domain_choices: Vec<FilterChoice>,
    show_technical: bool,
    show_ai: bool,
    matrices: Vec<Matrix>,
    mastery: Vec<LevelBlock>,
    ai: Vec<LevelBlock>,
    ai_count: usize,
    ai_shown: usize,
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
        Locator::EmergingTask { revises } => (
            format!("{occ}#emerging-tasks"),
            match revises {
                Some(id) => format!("emerging task (revises task {id})"),
                None => "emerging task".to_string(),
            },
        ),
        // The element's name is the short reference a reader (and a printout) needs.
        Locator::Element { element_id, .. } => (
            format!("{occ}#element-{element_id}"),
            if c.text.trim().is_empty() {
                format!("element {element_id}")
            } else {
                c.text.clone()
            },
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

/// The rows of one list of statements, numbered from 1 and referred to as `list` and the
/// number.
fn rows(v: &FrameworkView, occ: &str, list: &str, items: &[&StatementView]) -> Vec<StatementRow> {
    items
        .iter()
        .enumerate()
        .map(|(i, s)| StatementRow {
            id: s.id,
            num: i + 1,
            reference: format!("{list} {}", i + 1),
            rank: s.statement.level.rank(),
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

/// The level blocks of a section on the mastery scale (technical or AI usage), those the
/// filter shows.
fn level_blocks(
    v: &FrameworkView,
    occ: &str,
    filter: &PageFilter,
    section: Section,
) -> Vec<LevelBlock> {
    MasteryLevel::ALL
        .iter()
        .filter(|l| filter.shows_rank(l.rank()))
        .map(|l| {
            let (list, items) = if section == Section::AiUsage {
                (format!("AI usage, {}", l.label()), v.ai_usage(*l))
            } else {
                (l.label().to_string(), v.technical(*l))
            };
            LevelBlock {
                key: l.as_str(),
                label: l.label(),
                role: l.role(),
                statements: rows(v, occ, &list, &items),
            }
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

async fn build_page(
    state: &AppState,
    chrome: Chrome,
    v: FrameworkView,
    base: String,
    filter: PageFilter,
) -> PageResult<String> {
    let code = v.version.code.clone();
    let occ = format!("/occupations/{code}");
    let cited: Vec<i64> = v.anchored_tasks().into_iter().map(|(t, _)| t).collect();
    let anchors = queries::anchors(&state.db, &code, &v.version.onet_release, &cited).await?;
    let versions = store::list_versions(&state.db, &code).await?;
    // The ranks (0-based, the same on both scales) the filter shows.
    let ranks: Vec<u8> = MasteryLevel::ALL
        .iter()
        .map(|l| l.rank())
        .filter(|r| filter.shows_rank(*r))
        .collect();
    let show_technical = filter.shows_section(Section::Technical);
    let show_ai = filter.shows_section(Section::AiUsage);
    let show_durable = filter.shows_section(Section::Durable);
    let mastery = if show_technical {
        level_blocks(&v, &occ, &filter, Section::Technical)
    } else {
        Vec::new()
    };
    let ai = if show_ai {
        level_blocks(&v, &occ, &filter, Section::AiUsage)
    } else {
        Vec::new()
    };
    let ai_count = MasteryLevel::ALL.iter().map(|l| v.ai_usage(*l).len()).sum();
    let ai_shown = ai.iter().map(|b| b.statements.len()).sum();
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
    let durable: Vec<DomainBlock> = DurableDomain::ALL
        .iter()
        .enumerate()
        .filter(|(_, d)| show_durable && filter.shows_domain(**d))
        .map(|(i, d)| {
            let mut statements = rows(&v, &occ, d.label(), &v.durable(*d));
            let total = statements.len();
            statements.retain(|s| filter.shows_rank(s.rank));
            DomainBlock {
                number: i + 1,
                key: d.as_str(),
                label: d.label(),
                total,
                statements,
            }
        })
        .collect();
    let mut matrices = Vec::new();
    if show_technical || show_ai {
        let mut m = Matrix::new(
            "Technical and AI-usage statements by subject and mastery level",
            ranks
                .iter()
                .map(|r| MasteryLevel::ALL[usize::from(*r)].label())
                .collect(),
        );
        m.group(
            "Technical",
            &ranks,
            mastery.iter().flat_map(|b| &b.statements),
        );
        m.group(
            "AI usage (suggested practice)",
            &ranks,
            ai.iter().flat_map(|b| &b.statements),
        );
        matrices.push(m);
    }
    if show_durable {
        let mut m = Matrix::new(
            "Durable-skill statements by subject and level",
            ranks
                .iter()
                .map(|r| DurableLevel::ALL[usize::from(*r)].label())
                .collect(),
        );
        for d in &durable {
            m.group(d.label, &ranks, &d.statements);
        }
        matrices.push(m);
    }
    let choice = |value: &'static str, label: String, selected: bool| FilterChoice {
        value,
        label,
        selected,
    };
    let level_choices = MasteryLevel::ALL
        .iter()
        .map(|l| {
            choice(
                l.as_str(),
                format!(
                    "{} (durable skills: {})",
                    l.label(),
                    DurableLevel::ALL[usize::from(l.rank())].label()
                ),
                filter.level == Some(*l),
            )
        })
        .collect();
    let section_choices = DomainFilter::SECTIONS
        .iter()
        .map(|(s, label)| {
            let d = DomainFilter::Section(*s);
            choice(d.key(), label.to_string(), filter.domain == Some(d))
        })
        .collect();
    let domain_choices = DurableDomain::ALL
        .iter()
        .map(|x| {
            let d = DomainFilter::Durable(*x);
            choice(d.key(), x.label().to_string(), filter.domain == Some(d))
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
        base,
        filtered: !filter.is_empty(),
        filter_note: filter.describe(),
        level_choices,
        section_choices,
        domain_choices,
        show_technical,
        show_ai,
        matrices,
        mastery,
        ai,
        ai_count,
        ai_shown,
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
    qs: PageQueryString,
) -> PageResult<Response> {
    check_code(&code)?;
    let filter = PageFilter::parse(&qs)?;
    let base = match &label {
        Some(l) => format!("/frameworks/{code}/{l}"),
        None => format!("/frameworks/{code}"),
    };
    // Each filter has its own cached copy under its canonical address; the unfiltered page
    // keeps the bare path, so filters never push it out of the fast path.
    let key = if filter.is_empty() {
        base.clone()
    } else {
        format!("{base}?{}", filter.query())
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
            build_page(&st, chrome, v, base, filter).await
        },
    )
    .await
}

pub(crate) async fn latest(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath(code): PagePath<String>,
    PageQuery(qs): PageQuery<PageQueryString>,
) -> PageResult<Response> {
    let chrome = chrome_for(&viewer);
    match show(state.clone(), viewer, headers, code.clone(), None, qs).await {
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
    PageQuery(qs): PageQuery<PageQueryString>,
) -> PageResult<Response> {
    let label = parse_label(&version)?;
    let chrome = chrome_for(&viewer);
    match show(
        state.clone(),
        viewer,
        headers,
        code.clone(),
        Some(label),
        qs,
    )
    .await
    {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(level: &str, domain: &str) -> PageResult<PageFilter> {
        PageFilter::parse(&PageQueryString {
            level: Some(level.into()),
            domain: Some(domain.into()),
        })
    }

    #[test]
    fn page_filters_read_names_and_aliases() {
        let f = parse("", " ").unwrap();
        assert!(f.is_empty() && f.query().is_empty());
        let f = parse("Advanced", "technical").unwrap();
        assert_eq!(f.query(), "level=advanced&domain=technical");
        assert_eq!(f.describe(), "Advanced statements in Technical");
        assert!(f.shows_rank(3) && !f.shows_rank(0));
        assert!(f.shows_section(Section::Technical) && !f.shows_section(Section::Durable));
        let f = parse("exceeding", "critical-thinking").unwrap();
        assert_eq!(f.level, Some(MasteryLevel::Advanced));
        assert_eq!(f.query(), "level=advanced&domain=critical_thinking");
        assert_eq!(f.describe(), "Exceeding statements in Critical Thinking");
        assert!(f.shows_section(Section::Durable) && !f.shows_section(Section::AiUsage));
        assert!(f.shows_domain(DurableDomain::CriticalThinking));
        assert!(!f.shows_domain(DurableDomain::Communication));
        let f = parse("proficient", "").unwrap();
        assert_eq!(
            f.describe(),
            "Proficient statements (Applying in durable skills) in every domain"
        );
        let f = parse("", "AI_usage").unwrap();
        assert_eq!(f.query(), "domain=ai_usage");
    }

    #[test]
    fn unknown_filter_values_name_their_parameter() {
        for (level, domain, field) in [
            ("expert", "", "level"),
            ("", "cooking", "domain"),
            ("advanced", "durable_skills", "domain"),
        ] {
            match parse(level, domain) {
                Err(PageError(Error::Invalid(errs))) => {
                    assert_eq!(errs.len(), 1);
                    assert_eq!(errs[0].field, field);
                }
                other => panic!("{level} {domain}: {other:?}"),
            }
        }
        let long = "é".repeat(500);
        let Err(PageError(Error::Invalid(errs))) = parse(&long, "") else {
            panic!("long value accepted");
        };
        assert!(errs[0].message.len() < 300, "{}", errs[0].message);
    }
}
