//! Pages showing what changed in a framework: the diff of any two versions
//! (`/frameworks/{code}/diff?from=…&to=…`) and the changelog (`/frameworks/{code}/changes`).
//! Both are plain HTML: a GET form picks the versions, insertions and deletions are
//! `<ins>` and `<del>` with their meaning written out for screen readers and print.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use nsx_core::frameworks::diff::{Change, Detail, Kind, Op, Place, Segment};
use nsx_core::frameworks::{Citation, Level, Section, statement_id};
use serde::Deserialize;

use super::VersionSummary;
use super::changes::{self, ChangelogEntry, VersionDiff};
use super::service::check_code;
use crate::accounts::Viewer;
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{PageError, PagePath, PageQuery, PageResult};
use crate::web::layout::Chrome;
use crate::web::page_cache::CachedPage;

fn chrome_for(viewer: &Viewer) -> Chrome {
    if viewer.signed_in() {
        Chrome::new(viewer)
    } else {
        Chrome::anonymous()
    }
}

fn respond<T: Template>(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    t: &T,
) -> PageResult<Response> {
    let html = t
        .render()
        .map_err(|e| PageError(Error::Internal(format!("template: {e}"))))?;
    Ok(CachedPage::html(html, !viewer.signed_in(), state.pages.version()).respond(headers))
}

/// The versions to compare; a missing one takes its default (see
/// [`changes::default_pair`]).
#[derive(Debug, Default, Deserialize)]
pub struct DiffQuery {
    /// The older version's label.
    #[serde(default)]
    from: Option<String>,
    /// The newer version's label.
    #[serde(default)]
    to: Option<String>,
}

// ---------------------------------------------------------------------------------------
// The diff page

struct VersionChoice {
    value: String,
    label: String,
    from: bool,
    to: bool,
}

struct SegmentView {
    op: &'static str,
    text: String,
}

struct ChangeView {
    kind: &'static str,
    kind_key: &'static str,
    anchor: String,
    href: String,
    moved_from: Option<String>,
    moved_to: Option<String>,
    subject: Vec<SegmentView>,
    performance: Vec<SegmentView>,
    cites_added: Vec<String>,
    cites_removed: Vec<String>,
    by_text: bool,
}

struct GroupView {
    heading: String,
    changes: Vec<ChangeView>,
}

struct SectionView {
    key: &'static str,
    heading: &'static str,
    groups: Vec<GroupView>,
}

struct CountView {
    label: &'static str,
    key: &'static str,
    n: usize,
}

#[derive(Template)]
#[template(path = "frameworks/diff.html")]
struct DiffPage {
    chrome: Chrome,
    code: String,
    title: String,
    from: String,
    from_url: String,
    from_status: String,
    to: String,
    to_url: String,
    to_status: String,
    same: bool,
    choices: Vec<VersionChoice>,
    counts: Vec<CountView>,
    citations_changed: usize,
    unchanged: usize,
    any: bool,
    context: Option<Vec<SegmentView>>,
    sections: Vec<SectionView>,
    changes_url: String,
    json_url: String,
}

fn segments(s: &[Segment]) -> Vec<SegmentView> {
    s.iter()
        .map(|x| SegmentView {
            op: match x.op {
                Op::Equal => "equal",
                Op::Insert => "insert",
                Op::Delete => "delete",
            },
            text: x.text.clone(),
        })
        .collect()
}

fn section_name(s: Section) -> &'static str {
    match s {
        Section::Technical => "Technical",
        Section::Durable => "Durable skills",
        Section::AiUsage => "AI usage",
    }
}

/// Where a statement sits, in words: "Technical · Proficient #2".
fn where_of(p: &Place) -> String {
    match p.domain {
        Some(d) => format!(
            "{} · {} · {} #{}",
            section_name(p.section),
            d.label(),
            p.level.label(),
            p.order
        ),
        None => format!(
            "{} · {} #{}",
            section_name(p.section),
            p.level.label(),
            p.order
        ),
    }
}

fn group_heading(p: &Place) -> String {
    let level = match p.level {
        Level::Mastery(m) => format!("{} — {}", m.label(), m.role()),
        Level::Durable(d) => d.label().to_string(),
    };
    match p.domain {
        Some(d) => format!("{} · {level}", d.label()),
        None => level,
    }
}

fn citation_text(c: &Citation) -> String {
    format!(
        "{} {} {}: {}",
        c.source,
        c.release,
        c.locator.short().replace('_', " "),
        c.text
    )
}

fn change_view(c: &Change, from: &VersionSummary, to: &VersionSummary) -> Option<ChangeView> {
    let place = c.place()?;
    let detail: &Detail = c.detail.as_ref()?;
    // Removed statements link into the older version, the rest into the newer one.
    let (version, p) = match (&c.after, &c.before) {
        (Some(a), _) => (to, a),
        (None, Some(b)) => (from, b),
        (None, None) => return None,
    };
    let sid = statement_id(version.id, p.item_id);
    let moved = matches!(c.kind, Kind::Moved | Kind::MovedAndReworded);
    Some(ChangeView {
        kind: c.kind.label(),
        kind_key: c.kind.as_str(),
        anchor: format!("c-{}-{}", c.kind.as_str(), place.item_id.simple()),
        href: format!("{}#s-{sid}", version.url),
        moved_from: c.before.as_ref().filter(|_| moved).map(where_of),
        moved_to: c.after.as_ref().filter(|_| moved).map(where_of),
        subject: segments(&detail.subject),
        performance: segments(&detail.performance),
        cites_added: if c.kind == Kind::Added {
            Vec::new()
        } else {
            detail.citations_added().map(citation_text).collect()
        },
        cites_removed: if c.kind == Kind::Removed {
            Vec::new()
        } else {
            detail.citations_removed().map(citation_text).collect()
        },
        by_text: c.pairing == Some(nsx_core::frameworks::diff::Pairing::SimilarText),
    })
}

/// The changes grouped as the framework page orders its sections: technical, AI usage,
/// durable skills; within each, by domain and level, in the diff's order.
fn sections_of(d: &VersionDiff) -> Vec<SectionView> {
    let order = [
        (Section::Technical, "technical", "Technical statements"),
        (Section::AiUsage, "ai-usage", "AI usage"),
        (Section::Durable, "durable", "Durable skills"),
    ];
    order
        .iter()
        .filter_map(|(section, key, heading)| {
            let mut groups: Vec<(Place, GroupView)> = Vec::new();
            for c in d.diff.changes.iter().filter(|c| c.is_change()) {
                let Some(p) = c.place() else { continue };
                if p.section != *section {
                    continue;
                }
                let Some(view) = change_view(c, &d.from, &d.to) else {
                    continue;
                };
                match groups.iter_mut().find(|(g, _)| g.group() == p.group()) {
                    Some((_, g)) => g.changes.push(view),
                    None => groups.push((
                        *p,
                        GroupView {
                            heading: group_heading(p),
                            changes: vec![view],
                        },
                    )),
                }
            }
            if groups.is_empty() {
                return None;
            }
            groups.sort_by_key(|(p, _)| (p.domain, p.level));
            Some(SectionView {
                key,
                heading,
                groups: groups.into_iter().map(|(_, g)| g).collect(),
            })
        })
        .collect()
}

/// `GET /frameworks/{code}/diff?from=…&to=…`: what changed between two versions.
pub(crate) async fn diff_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath(code): PagePath<String>,
    PageQuery(q): PageQuery<DiffQuery>,
) -> PageResult<Response> {
    check_code(&code)?;
    let (from, to) = changes::labels_of(q.from.as_deref(), q.to.as_deref())?;
    let d = changes::diff_versions(&state.db, &code, from, to).await?;
    let k = d.diff.counts;
    let t = DiffPage {
        chrome: chrome_for(&viewer),
        title: d.to.title.clone(),
        from: d.from.label.to_string(),
        from_url: d.from.url.clone(),
        from_status: d.from.status.label().into(),
        to: d.to.label.to_string(),
        to_url: d.to.url.clone(),
        to_status: d.to.status.label().into(),
        same: d.from.label == d.to.label,
        choices: d
            .versions
            .iter()
            .map(|v| VersionChoice {
                value: v.label.to_string(),
                label: format!("{} ({})", v.label, v.status.label().to_lowercase()),
                from: v.label == d.from.label,
                to: v.label == d.to.label,
            })
            .collect(),
        counts: Kind::ALL
            .iter()
            .filter(|k| **k != Kind::Unchanged)
            .map(|kind| CountView {
                label: kind.label(),
                key: kind.as_str(),
                n: k.of(*kind),
            })
            .collect(),
        citations_changed: k.citations_changed,
        unchanged: k.unchanged,
        any: k.any(),
        context: d.diff.context.as_deref().map(segments),
        sections: sections_of(&d),
        changes_url: changes::changes_path(&code),
        json_url: format!(
            "/api/v1/frameworks/{code}/diff?from={}&to={}",
            d.from.label, d.to.label
        ),
        code,
    };
    respond(&state, &viewer, &headers, &t)
}

// ---------------------------------------------------------------------------------------
// The changelog page

struct EntryView {
    label: String,
    url: String,
    status: String,
    status_key: &'static str,
    drafted: String,
    updated: String,
    published: Option<String>,
    statements: i64,
    previous: Option<String>,
    diff_url: Option<String>,
    counts: Vec<CountView>,
    citations_changed: usize,
    context_changed: bool,
    any: bool,
}

#[derive(Template)]
#[template(path = "frameworks/changes.html")]
struct ChangesPage {
    chrome: Chrome,
    code: String,
    title: String,
    latest_url: String,
    entries: Vec<EntryView>,
    json_url: String,
}

fn day(t: time::OffsetDateTime) -> String {
    let d = t.date();
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn entry_view(code: &str, e: &ChangelogEntry) -> EntryView {
    let v = &e.version;
    let (counts, citations_changed, context_changed, any) = match &e.counts {
        Some(k) => (
            Kind::ALL
                .iter()
                .filter(|x| **x != Kind::Unchanged)
                .map(|kind| CountView {
                    label: kind.label(),
                    key: kind.as_str(),
                    n: k.of(*kind),
                })
                .collect(),
            k.citations_changed,
            k.context_changed,
            k.any(),
        ),
        None => (Vec::new(), 0, false, false),
    };
    EntryView {
        label: v.label.to_string(),
        url: v.url.clone(),
        status: v.status.label().into(),
        status_key: v.status.as_str(),
        drafted: day(v.drafted_at),
        updated: day(v.updated_at),
        published: v.published_at.map(day),
        statements: v.statement_count,
        previous: e.previous.map(|p| p.to_string()),
        diff_url: e.previous.map(|p| changes::diff_path(code, &p, &v.label)),
        counts,
        citations_changed,
        context_changed,
        any,
    }
}

/// `GET /frameworks/{code}/changes`: every version, newest first, with its changes.
pub(crate) async fn changes_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath(code): PagePath<String>,
) -> PageResult<Response> {
    check_code(&code)?;
    let log = changes::changelog(&state.db, &code).await?;
    let newest = &log
        .first()
        .ok_or_else(|| Error::NotFound(format!("a framework for {code}")))?
        .version;
    let t = ChangesPage {
        chrome: chrome_for(&viewer),
        title: newest.title.clone(),
        latest_url: format!("/frameworks/{code}"),
        entries: log.iter().map(|e| entry_view(&code, e)).collect(),
        json_url: format!("/api/v1/frameworks/{code}/changes"),
        code,
    };
    respond(&state, &viewer, &headers, &t)
}
