//! Disposition pages: the editors' board (every comment with its disposition, bulk
//! duplicates for near-identical comments, the remaining objections, concluding the call,
//! starting and publishing the revision), each reviewer's own comments with what became of
//! them, and the public disposition report (printable, and as CSV). Every form works
//! without JavaScript.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use nsx_core::accounts::FieldError;
use nsx_core::ids::CallId;
use nsx_core::review::dispositions::{Disposition, DispositionInput, Verdict};
use uuid::Uuid;

use super::Call;
use super::dispositions::{self, Board, Comment, MyDispositions, Report, SetDisposition};
use super::service;
use crate::accounts::Viewer;
use crate::error::Error;
use crate::service::{Caller, PageCaller};
use crate::state::AppState;
use crate::web::cache_policy::CachePolicy;
use crate::web::error::{PageError, PageForm, PagePath, PageQuery};
use crate::web::forms::{FormErrors, render};
use crate::web::layout::Chrome;

type PageResult<T> = Result<T, PageError>;

fn chrome(viewer: &Viewer) -> Chrome {
    if viewer.signed_in() {
        Chrome::new(viewer)
    } else {
        Chrome::anonymous()
    }
}

fn disposition_options() -> Vec<(String, String)> {
    Disposition::ALL
        .iter()
        .map(|d| (d.as_str().to_string(), d.label().to_string()))
        .collect()
}

/// `?done=…`
#[derive(Debug, Default, serde::Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// A group of near-identical comments on the board.
pub struct GroupRow {
    /// How many.
    pub count: usize,
    /// The earliest (the original).
    pub original: Uuid,
    /// Its number.
    pub original_number: i64,
    /// The numbers of the others.
    pub numbers: String,
    /// The ids of the others, comma-separated (the bulk form's value).
    pub others: String,
    /// An excerpt of the text.
    pub excerpt: String,
    /// How many of the others are marked duplicates already.
    pub marked: usize,
}

#[derive(Template)]
#[template(path = "review/dispositions.html")]
struct BoardPage {
    chrome: Chrome,
    call: Call,
    board: Board,
    groups: Vec<GroupRow>,
    unresolved: Vec<(Uuid, i64)>,
    objections: Vec<Comment>,
    options: Vec<(String, String)>,
    notice: Option<&'static str>,
    errors: FormErrors,
}

fn excerpt(s: &str) -> String {
    let t: String = s.chars().take(120).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

async fn board_page(
    state: &AppState,
    caller: &Caller,
    viewer: &Viewer,
    id: CallId,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> Result<BoardPage, Error> {
    let (call, board) = dispositions::board(&state.db, caller, id).await?;
    let by_id: std::collections::HashMap<Uuid, &Comment> =
        board.comments.iter().map(|c| (c.id, c)).collect();
    let groups = board
        .groups
        .iter()
        .filter_map(|g| {
            let first = by_id.get(g.first()?)?;
            let rest: Vec<&&Comment> = g[1..].iter().filter_map(|i| by_id.get(i)).collect();
            Some(GroupRow {
                count: g.len(),
                original: first.id,
                original_number: first.number,
                numbers: rest
                    .iter()
                    .map(|c| format!("#{}", c.number))
                    .collect::<Vec<_>>()
                    .join(", "),
                others: rest
                    .iter()
                    .map(|c| c.id.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                excerpt: excerpt(&first.text),
                marked: rest
                    .iter()
                    .filter(|c| c.disposition == Some(Disposition::Duplicate))
                    .count(),
            })
        })
        .collect();
    let unresolved = board
        .comments
        .iter()
        .filter(|c| c.disposition.is_none())
        .map(|c| (c.id, c.number))
        .collect();
    let objections = board
        .comments
        .iter()
        .filter(|c| c.verdict == Some(Verdict::Object))
        .cloned()
        .collect();
    Ok(BoardPage {
        chrome: chrome(viewer),
        call,
        groups,
        unresolved,
        objections,
        board,
        options: disposition_options(),
        notice,
        errors,
    })
}

fn notice_of(done: Option<&str>) -> Option<&'static str> {
    match done {
        Some("saved") => Some("Disposition saved."),
        Some("bulk") => Some("The group's comments are marked duplicates of its first comment."),
        Some("concluded") => Some(
            "The call is concluded: its dispositions are published, and reviewers can now read and answer them.",
        ),
        Some("revision") => Some(
            "The revised draft is started from the reviewed version. Edit it, then publish it here.",
        ),
        Some("published") => Some("The revision is published with the consultation's summary."),
        _ => None,
    }
}

/// `GET /calls/{id}/dispositions`
pub async fn board(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let page = board_page(
        &state,
        &caller,
        &viewer,
        id,
        notice_of(q.done.as_deref()),
        FormErrors::default(),
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

fn field<'a>(pairs: &'a [(String, String)], k: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn uuid_field(pairs: &[(String, String)], k: &str) -> Result<Option<Uuid>, Error> {
    match field(pairs, k).trim() {
        "" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|_| Error::invalid(k, "is not a comment of this call")),
    }
}

/// `POST /calls/{id}/dispositions`: one comment's disposition (`part=one`), or a group's
/// comments marked duplicates of its first (`part=bulk`).
pub async fn set(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let db = &state.db;
    let result: Result<&str, Error> = async {
        match field(&pairs, "part") {
            "bulk" => {
                let original = uuid_field(&pairs, "original")?
                    .ok_or_else(|| Error::invalid("original", "name the original comment"))?;
                let others = field(&pairs, "others")
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| {
                        s.trim()
                            .parse::<Uuid>()
                            .map_err(|_| Error::invalid("others", "is not a comment of this call"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                dispositions::mark_duplicates(db, &caller, id, original, &others).await?;
                Ok("bulk")
            }
            _ => {
                let comment = uuid_field(&pairs, "comment")?
                    .ok_or_else(|| Error::invalid("comment", "name the comment"))?;
                // The page names the original by its number.
                let duplicate_of =
                    match field(&pairs, "duplicate_of").trim().trim_start_matches('#') {
                        "" => None,
                        n => {
                            let n: i64 = n.parse().map_err(|_| {
                                Error::invalid(
                                    "dispositions[0].duplicate_of",
                                    "enter the number of the original comment",
                                )
                            })?;
                            let (_, b) = dispositions::board(db, &caller, id).await?;
                            Some(
                                b.comments
                                    .iter()
                                    .find(|c| c.number == n)
                                    .map(|c| c.id)
                                    .ok_or_else(|| {
                                        Error::invalid(
                                            "dispositions[0].duplicate_of",
                                            format!("the call has no comment #{n}"),
                                        )
                                    })?,
                            )
                        }
                    };
                dispositions::set_dispositions(
                    db,
                    &caller,
                    id,
                    vec![SetDisposition {
                        comment_id: comment,
                        input: DispositionInput {
                            disposition: field(&pairs, "disposition").to_string(),
                            reason: field(&pairs, "reason").to_string(),
                            duplicate_of,
                        },
                        motivated_item: uuid_field(&pairs, "motivated_item")?,
                    }],
                )
                .await?;
                Ok("saved")
            }
        }
    }
    .await;
    match result {
        Ok(done) => {
            let anchor = match uuid_field(&pairs, "comment") {
                Ok(Some(c)) => format!("#c-{c}"),
                _ => String::new(),
            };
            Ok(
                Redirect::to(&format!("/calls/{id}/dispositions?done={done}{anchor}"))
                    .into_response(),
            )
        }
        Err(e) => {
            let mut errors = FormErrors::from_error(e)?;
            if let Ok(Some(_)) = uuid_field(&pairs, "comment") {
                errors.push(FieldError::new(
                    "comment",
                    "the disposition above was not saved",
                ));
            }
            let page = board_page(&state, &caller, &viewer, id, None, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

async fn step(
    state: &AppState,
    caller: &Caller,
    viewer: &Viewer,
    id: CallId,
    done: &str,
    r: Result<(), Error>,
) -> PageResult<Response> {
    match r {
        Ok(()) => {
            Ok(Redirect::to(&format!("/calls/{id}/dispositions?done={done}")).into_response())
        }
        Err(Error::Conflict(m)) => {
            let errors = FormErrors(vec![FieldError::new("step", m)]);
            let page = board_page(state, caller, viewer, id, None, errors).await?;
            Ok(render(StatusCode::CONFLICT, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /calls/{id}/conclude`
pub async fn conclude(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let r = dispositions::conclude(&state.db, &caller, id)
        .await
        .map(|_| ());
    step(&state, &caller, &viewer, id, "concluded", r).await
}

/// `POST /calls/{id}/revise`: starts the revised draft from the reviewed version.
pub async fn revise(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let r = dispositions::start_revision(&state.db, &caller, id)
        .await
        .map(|_| ());
    step(&state, &caller, &viewer, id, "revision", r).await
}

/// `POST /calls/{id}/publish`: publishes the revision.
pub async fn publish(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let r = dispositions::publish_revision(&state.db, &caller, id)
        .await
        .map(|_| ());
    step(&state, &caller, &viewer, id, "published", r).await
}

// ---------------------------------------------------------------------------------------
// A reviewer's own comments

#[derive(Template)]
#[template(path = "review/my_comments.html")]
struct MinePage {
    chrome: Chrome,
    call: Call,
    mine: MyDispositions,
    notice: Option<&'static str>,
    errors: FormErrors,
}

/// `GET /calls/{id}/my-comments`
pub async fn mine(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let (call, mine) = dispositions::mine(&state.db, &caller, id).await?;
    let notice = (q.done.as_deref() == Some("answered")).then_some("Your answer is saved.");
    Ok(render(
        StatusCode::OK,
        &MinePage {
            chrome: chrome(&viewer),
            call,
            mine,
            notice,
            errors: FormErrors::default(),
        },
    ))
}

/// `POST /calls/{id}/my-comments`: the reviewer accepts the response to a comment, or
/// maintains an objection.
pub async fn answer(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let r = async {
        let comment = uuid_field(&pairs, "comment")?
            .ok_or_else(|| Error::invalid("comment", "name the comment"))?;
        dispositions::give_verdict(
            &state.db,
            &caller,
            id,
            dispositions::VerdictInput {
                comment_id: comment,
                verdict: field(&pairs, "verdict").to_string(),
                note: field(&pairs, "note").to_string(),
            },
        )
        .await
    }
    .await;
    match r {
        Ok(()) => {
            Ok(Redirect::to(&format!("/calls/{id}/my-comments?done=answered")).into_response())
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let (call, mine) = dispositions::mine(&state.db, &caller, id).await?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &MinePage {
                    chrome: chrome(&viewer),
                    call,
                    mine,
                    notice: None,
                    errors,
                },
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// The public report

#[derive(Template)]
#[template(path = "review/report.html")]
struct ReportPage {
    chrome: Chrome,
    call: Call,
    report: Report,
    counts: Vec<(String, u32)>,
}

/// `GET /calls/{id}/report`
pub async fn report(
    State(state): State<AppState>,
    PageCaller(_, viewer): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let (call, report) = dispositions::report(&state.db, id).await?;
    let counts = Disposition::ALL
        .iter()
        .map(|d| {
            (
                d.label().to_string(),
                report.by_disposition.get(d.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ReportPage {
            chrome: chrome(&viewer),
            call,
            report,
            counts,
        },
    ))
}

/// `GET /calls/{id}/report.csv`
pub async fn report_csv(
    State(state): State<AppState>,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let csv = dispositions::report_csv(&state.db, id).await?;
    let mut r = (CachePolicy::no_store(), csv).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"call-{id}-dispositions.csv\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}
