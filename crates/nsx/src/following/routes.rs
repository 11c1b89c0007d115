//! Following and invitation pages: the follow box on framework and occupation pages and
//! what its forms lead to, the confirmation link of an anonymous follow, the unsubscribe
//! page every notification e-mail links to (no sign-in; a POST confirms, which is also the
//! RFC 8058 one-click request), one's own follows, and the editors' invitations page of a
//! call. Every form works without JavaScript.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use nsx_core::following::TargetKind;
use serde::Deserialize;

use super::service::{self, Followed};
use super::{Follow, Invitation};
use crate::accounts::Viewer;
use crate::error::Error;
use crate::review::Call;
use crate::service::PageCaller;
use crate::state::AppState;
use crate::web::error::{PageError, PageForm, PagePath};
use crate::web::forms::{FormErrors, render};
use crate::web::layout::Chrome;
use crate::web::multipart;

type PageResult<T> = Result<T, PageError>;

fn chrome(viewer: &Viewer) -> Chrome {
    if viewer.signed_in() {
        Chrome::new(viewer)
    } else {
        Chrome::anonymous()
    }
}

/// The follow box shown on a framework or occupation page (the same for every anonymous
/// visitor, so those pages stay cacheable).
#[derive(Debug, Clone)]
pub struct FollowBox {
    /// `framework` or `occupation`.
    pub kind: &'static str,
    /// The code.
    pub code: String,
    /// Whether the viewer is signed in (one click) or not (an address to confirm).
    pub signed_in: bool,
}

impl FollowBox {
    /// The box for a target.
    pub fn new(kind: TargetKind, code: &str, signed_in: bool) -> Self {
        FollowBox {
            kind: kind.as_str(),
            code: code.to_string(),
            signed_in,
        }
    }
}

/// The follow form.
#[derive(Debug, Default, Deserialize)]
pub struct FollowForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    email: String,
}

#[derive(Template)]
#[template(path = "following/result.html")]
struct ResultPage {
    chrome: Chrome,
    heading: String,
    message: String,
    back: Option<(String, String)>,
    errors: FormErrors,
    retry: Option<FollowBox>,
    email: String,
}

fn back_to(kind: TargetKind, code: &str, title: &str) -> Option<(String, String)> {
    Some((super::target_path(kind, code), format!("Back to {title}")))
}

/// `POST /follow`
pub async fn follow(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PageForm(form): PageForm<FollowForm>,
) -> PageResult<Response> {
    let kind = service::parse_kind(&form.kind)?;
    let title = service::target_title(&state.db, kind, &form.code).await?;
    let account_email = viewer.user.as_ref().map(|u| u.email.clone());
    let result = service::follow(
        &state.db,
        &state.config.public_url(),
        &caller,
        account_email.as_deref(),
        kind,
        &form.code,
        Some(&form.email),
    )
    .await;
    let (status, heading, message, errors, retry) = match result {
        Ok(Followed::Following(f)) => (
            StatusCode::OK,
            format!("You follow {title}"),
            format!(
                "We e-mail {} when a call for input opens on this {}. You can stop at any time from your account's follows or from the link in any of these e-mails.",
                f.email, f.kind
            ),
            FormErrors::default(),
            None,
        ),
        Ok(Followed::ConfirmationSent(address)) => (
            StatusCode::OK,
            "Check your inbox".to_string(),
            format!(
                "We sent a confirmation link to {address}. Follow it to start receiving e-mails about calls for input on {title}; nothing is sent before."
            ),
            FormErrors::default(),
            None,
        ),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Follow {title}"),
            "Enter the address to e-mail when a call for input opens.".to_string(),
            FormErrors::from_error(e)?,
            Some(FollowBox::new(kind, &form.code, viewer.signed_in())),
        ),
    };
    Ok(render(
        status,
        &ResultPage {
            chrome: chrome(&viewer),
            heading,
            message,
            back: back_to(kind, form.code.trim(), &title),
            errors,
            retry,
            email: form.email.clone(),
        },
    ))
}

/// `POST /unfollow`
pub async fn unfollow(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PageForm(form): PageForm<FollowForm>,
) -> PageResult<Response> {
    let user = viewer.require_user()?;
    let kind = service::parse_kind(&form.kind)?;
    let title = service::target_title(&state.db, kind, &form.code).await?;
    let removed = service::unfollow(&state.db, &caller, &user.email, kind, &form.code).await?;
    Ok(render(
        StatusCode::OK,
        &ResultPage {
            chrome: chrome(&viewer),
            heading: if removed {
                format!("You no longer follow {title}")
            } else {
                format!("You were not following {title}")
            },
            message: "No more e-mails about calls for input on it will be sent to you.".into(),
            back: back_to(kind, form.code.trim(), &title),
            errors: FormErrors::default(),
            retry: None,
            email: String::new(),
        },
    ))
}

#[derive(Template)]
#[template(path = "following/confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    heading: String,
    message: String,
    action: String,
    button: String,
}

/// `GET /follow/confirm/{token}`: asks to confirm with a button (a link opened by a mail
/// scanner changes nothing).
pub async fn confirm_page(
    PageCaller(_, viewer): PageCaller,
    PagePath(token): PagePath<String>,
) -> PageResult<Response> {
    Ok(render(
        StatusCode::OK,
        &ConfirmPage {
            chrome: chrome(&viewer),
            heading: "Confirm your follow".into(),
            message: "Confirm that this address may be e-mailed when a call for input opens on what you chose to follow.".into(),
            action: format!("/follow/confirm/{token}"),
            button: "Confirm".into(),
        },
    ))
}

/// `POST /follow/confirm/{token}`
pub async fn confirm(
    State(state): State<AppState>,
    PageCaller(_, viewer): PageCaller,
    PagePath(token): PagePath<String>,
) -> PageResult<Response> {
    let f: Follow = service::confirm(&state.db, &token).await?;
    let title = service::target_title(&state.db, f.kind, &f.code)
        .await
        .unwrap_or_else(|_| f.code.clone());
    Ok(render(
        StatusCode::OK,
        &ResultPage {
            chrome: chrome(&viewer),
            heading: format!("You follow {title}"),
            message: format!(
                "Confirmed. We e-mail {} when a call for input opens on this {}; every such e-mail has a link to stop.",
                f.email, f.kind
            ),
            back: back_to(f.kind, &f.code, &title),
            errors: FormErrors::default(),
            retry: None,
            email: String::new(),
        },
    ))
}

/// `GET /unsubscribe/{token}`: says what the link stops and asks to confirm.
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    PageCaller(_, viewer): PageCaller,
    PagePath(token): PagePath<String>,
) -> PageResult<Response> {
    let u = service::read_token(&state.db, &token).await?;
    Ok(render(
        StatusCode::OK,
        &ConfirmPage {
            chrome: chrome(&viewer),
            heading: "Unsubscribe".into(),
            message: format!("Stop {}?", service::describe(&u)),
            action: format!("/unsubscribe/{token}"),
            button: "Unsubscribe".into(),
        },
    ))
}

/// `POST /unsubscribe/{token}`: stops the e-mails (also the RFC 8058 one-click request).
pub async fn unsubscribe(
    State(state): State<AppState>,
    PageCaller(_, viewer): PageCaller,
    PagePath(token): PagePath<String>,
) -> PageResult<Response> {
    let u = service::unsubscribe(&state.db, &token).await?;
    Ok(render(
        StatusCode::OK,
        &ResultPage {
            chrome: chrome(&viewer),
            heading: "Unsubscribed".into(),
            message: format!("Done: no more {}.", service::describe(&u)),
            back: None,
            errors: FormErrors::default(),
            retry: None,
            email: String::new(),
        },
    ))
}

#[derive(Template)]
#[template(path = "following/mine.html")]
struct MinePage {
    chrome: Chrome,
    follows: Vec<Follow>,
}

/// `GET /account/follows`
pub async fn mine(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
) -> PageResult<Response> {
    let user = viewer.require_user()?;
    let follows = service::mine(&state.db, &caller, &user.email).await?;
    Ok(render(
        StatusCode::OK,
        &MinePage {
            chrome: chrome(&viewer),
            follows,
        },
    ))
}

// ---------------------------------------------------------------------------------------
// Invitations

#[derive(Template)]
#[template(path = "following/invitations.html")]
struct InvitationsPage {
    chrome: Chrome,
    call: Call,
    link: String,
    invitations: Vec<Invitation>,
    joined: usize,
    notice: Option<String>,
    errors: FormErrors,
    emails: String,
}

async fn invitations_page(
    state: &AppState,
    caller: &crate::service::Caller,
    viewer: &Viewer,
    id: nsx_core::ids::CallId,
    notice: Option<String>,
    errors: FormErrors,
    emails: String,
) -> Result<InvitationsPage, Error> {
    let call = crate::review::service::get(&state.db, id).await?;
    let invitations = service::invitations(&state.db, caller, id).await?;
    Ok(InvitationsPage {
        chrome: chrome(viewer),
        link: format!("{}{}", state.config.public_url(), call.path()),
        call,
        joined: invitations.iter().filter(|i| i.joined_at.is_some()).count(),
        invitations,
        notice,
        errors,
        emails,
    })
}

/// `GET /calls/{id}/invitations`
pub async fn invitations(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = crate::review::service::parse_id(&id)?;
    let page = invitations_page(
        &state,
        &caller,
        &viewer,
        id,
        None,
        FormErrors::default(),
        String::new(),
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /calls/{id}/invitations`: a pasted list (`emails`) and/or a CSV file (`csv`).
pub async fn invite(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult<Response> {
    let id = crate::review::service::parse_id(&id)?;
    let posted = multipart::read(&headers, &body).map_err(|e| Error::invalid("emails", e))?;
    let pasted = posted.text("emails");
    let csv = posted.file("csv").map(|f| f.data.as_slice());
    let outcome = match service::read_invitees(&pasted, csv) {
        Ok(emails) => service::invite(&state, &caller, id, emails).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(done) => {
            let mut notice = format!("{} invited", done.added.len());
            if !done.already.is_empty() {
                notice.push_str(&format!(
                    "; {} had been invited already",
                    done.already.len()
                ));
            }
            if done.emailed > 0 {
                notice.push_str(&format!(
                    "; {} invitation e-mails are on their way",
                    done.emailed
                ));
            } else if !done.added.is_empty() {
                notice.push_str("; they are e-mailed when the call opens");
            }
            notice.push('.');
            let page = invitations_page(
                &state,
                &caller,
                &viewer,
                id,
                Some(notice),
                FormErrors::default(),
                String::new(),
            )
            .await?;
            Ok(render(StatusCode::OK, &page))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let page = invitations_page(&state, &caller, &viewer, id, None, errors, pasted).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
