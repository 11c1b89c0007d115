//! The pages for getting in: sign up, sign in, sign out and password reset.
//!
//! Every form re-renders itself on error with the entered values kept and each error next
//! to its field (`aria-describedby`), answering 422; rate limits answer 429.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use nsx_core::accounts::{FieldError, Role, check_display_name, check_password, normalize_email};
use serde::Deserialize;
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use super::extract::{AFTER_SIGN_IN, ClientIp, safe_next};
use super::password::Hashing;
use super::service::{Refusal, guarded_check, locked_message, minutes_left};
use super::{SESSION_USER_KEY, Viewer, store};
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{PageForm, PagePath, PageQuery, PageResult, UncheckedPageForm};
use crate::web::forms::{FormErrors, render, see_other};
use crate::web::layout::Chrome;

/// How long a password-reset link stays valid.
pub const RESET_VALID_FOR: time::Duration = time::Duration::hours(1);
/// Reset e-mails sent to one account per hour at most.
const RESETS_PER_HOUR: i64 = 5;

pub(crate) async fn start_session(session: &Session, user: Uuid) -> Result<(), Error> {
    // A new id on every sign-in, so an id planted before sign-in is worthless.
    session
        .cycle_id()
        .await
        .map_err(|e| Error::Internal(format!("session: {e}")))?;
    session
        .insert(SESSION_USER_KEY, user)
        .await
        .map_err(|e| Error::Internal(format!("session: {e}")))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Sign up.

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SignUpForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    role: String,
}

#[derive(Template)]
#[template(path = "accounts/sign_up.html")]
struct SignUpPage {
    chrome: Chrome,
    name: String,
    email: String,
    role: String,
    roles: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
}

fn self_service_roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .iter()
        .filter(|r| r.self_service())
        .map(|r| (r.as_str(), r.label()))
        .collect()
}

pub(crate) async fn sign_up_page(viewer: Viewer) -> Response {
    render(
        StatusCode::OK,
        &SignUpPage {
            chrome: Chrome::new(&viewer),
            name: String::new(),
            email: String::new(),
            role: "reviewer".into(),
            roles: self_service_roles(),
            errors: FormErrors::default(),
        },
    )
}

pub(crate) async fn sign_up(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<SignUpForm>,
) -> PageResult<Response> {
    let mut errors = FormErrors::default();
    let name = check_display_name(&form.name)
        .map_err(|e| errors.push(e))
        .ok();
    let email = normalize_email(&form.email)
        .map_err(|e| errors.push(e))
        .ok();
    if let Err(e) = check_password(&form.password, email.as_deref().unwrap_or("")) {
        errors.push(e);
    } else if form.password != form.password_confirm {
        errors.push(FieldError::new(
            "password_confirm",
            "the two passwords differ",
        ));
    }
    let role = match form.role.parse::<Role>() {
        Ok(r) if r.self_service() => Some(r),
        _ if form.role.is_empty() => None,
        _ => {
            errors.push(FieldError::new(
                "role",
                "choose reviewer or candidate; other roles are granted by an administrator",
            ));
            None
        }
    };
    let again = |status: StatusCode, errors: FormErrors| {
        render(
            status,
            &SignUpPage {
                chrome: Chrome::new(&viewer),
                name: form.name.clone(),
                email: form.email.clone(),
                role: form.role.clone(),
                roles: self_service_roles(),
                errors,
            },
        )
    };
    let (Some(name), Some(email), false) = (name, email, errors.any()) else {
        return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, errors));
    };
    // Per client address, across every node (the counter is in the database).
    if let Some(ip) = &ip {
        let limit = i64::from(state.config.sign_ups_per_hour);
        let c = store::claim(
            &state.db,
            store::SIGN_UP_IP_SCOPE,
            ip,
            time::Duration::hours(1),
            None,
        )
        .await?;
        if c.number > limit {
            let mut errors = FormErrors::default();
            errors.push(FieldError::new(
                "email",
                format!(
                    "too many accounts were created from your address: at most {limit} an hour are allowed; try again in {} minutes",
                    minutes_left(c.window_start + time::Duration::hours(1))
                ),
            ));
            return Ok(again(StatusCode::TOO_MANY_REQUESTS, errors));
        }
    }
    // Hashed whether or not the address is taken, so both answers take as long.
    let hash = Hashing::of(&state).hash(form.password.clone()).await?;
    let new = store::NewUser {
        email: email.clone(),
        display_name: name,
        password_hash: hash,
        roles: role.into_iter().collect(),
        organization_id: None,
    };
    let sign_in_link = format!("{}/sign-in", state.config.public_url());
    let mut tx = state.db.begin().await?;
    match store::create_user_in(&mut tx, &new).await {
        Ok(id) => {
            crate::audit::record(
                &mut tx,
                &crate::service::Caller::anonymous(None),
                crate::audit::Change::new("user.sign_up", "user", id)
                    .after(serde_json::json!({ "email": &new.email, "roles": &new.roles })),
            )
            .await?;
            crate::mail::queue(
                &mut tx,
                crate::mail::OutgoingEmail {
                    to: email,
                    subject: "Your NSX account is ready".into(),
                    body: format!(
                        "Hello {},\r\n\r\nYour account on the National Skills Exchange is ready. Sign in\r\nwith this e-mail address and the password you chose:\r\n\r\n{sign_in_link}\r\n\r\nIf you did not create it, reset its password from the sign-in page\r\nand tell us.\r\n",
                        new.display_name
                    ),
                },
            )
            .await?;
            tx.commit().await?;
        }
        Err(Error::Invalid(_)) => {
            // The address is taken. The answer is the one a new account gets; the owner
            // hears of the attempt by e-mail instead of the visitor learning of the account.
            tx.rollback().await?;
            let reset_link = format!("{}/password-reset", state.config.public_url());
            crate::mail::queue_now(
                &state.db,
                crate::mail::OutgoingEmail {
                    to: email,
                    subject: "Someone tried to create an NSX account with your address".into(),
                    body: format!(
                        "Hello,\r\n\r\nSomeone (perhaps you) tried to create an account on the National\r\nSkills Exchange with this e-mail address, which already has one.\r\nNo new account was made. To sign in, go to\r\n\r\n{sign_in_link}\r\n\r\nIf you have forgotten your password, choose a new one at\r\n\r\n{reset_link}\r\n\r\nIf it was not you, you need do nothing.\r\n"
                    ),
                },
            )
            .await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other("/sign-in?signed_up=1"))
}

// ---------------------------------------------------------------------------------------
// Sign in and out.

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SignInQuery {
    next: Option<String>,
    reset: Option<String>,
    signed_up: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    email: String,
    next: String,
    notice: Option<&'static str>,
    problem: Option<String>,
    errors: FormErrors,
}

/// The sign-in page answering a `next` with a control character: 400, nothing else done.
fn bad_next(viewer: &Viewer, email: &str) -> Response {
    render(
        StatusCode::BAD_REQUEST,
        &SignInPage {
            chrome: Chrome::new(viewer),
            email: email.to_string(),
            next: AFTER_SIGN_IN.into(),
            notice: None,
            problem: Some(
                "The page to return to after signing in (next) contains a control character, so the request was refused. Sign in from the form below.".into(),
            ),
            errors: FormErrors::default(),
        },
    )
}

pub(crate) async fn sign_in_page(viewer: Viewer, PageQuery(q): PageQuery<SignInQuery>) -> Response {
    let Ok(next) = safe_next(q.next.as_deref()) else {
        return bad_next(&viewer, "");
    };
    let notice = if q.reset.is_some() {
        Some("Your password has been changed. Sign in with the new one.")
    } else if q.signed_up.is_some() {
        Some(
            "Thank you. We have sent a message to the address you gave. If it was new to us, your account is ready: sign in with it and your password.",
        )
    } else {
        None
    };
    render(
        StatusCode::OK,
        &SignInPage {
            chrome: Chrome::new(&viewer),
            email: String::new(),
            next,
            notice,
            problem: None,
            errors: FormErrors::default(),
        },
    )
}

pub(crate) async fn sign_in(
    State(state): State<AppState>,
    viewer: Viewer,
    session: Session,
    ClientIp(ip): ClientIp,
    UncheckedPageForm(form): UncheckedPageForm<SignInForm>,
) -> PageResult<Response> {
    // A bad `next` is refused before anything is counted, checked or started.
    let Ok(next) = safe_next(form.next.as_deref()) else {
        return Ok(bad_next(&viewer, ""));
    };
    let again = |status: StatusCode, problem: Option<String>, errors: FormErrors| {
        render(
            status,
            &SignInPage {
                chrome: Chrome::new(&viewer),
                email: form.email.clone(),
                next: next.clone(),
                notice: None,
                problem,
                errors,
            },
        )
    };
    if let Err(e) = crate::web::input::check_fields([
        ("email", form.email.as_str()),
        ("password", form.password.as_str()),
    ]) {
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            FormErrors::from_error(e)?,
        ));
    }
    let mut errors = FormErrors::default();
    let email = normalize_email(&form.email)
        .map_err(|e| errors.push(e))
        .ok();
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "enter your password"));
    }
    let Some(email) = email.filter(|_| !errors.any()) else {
        return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, None, errors));
    };
    let now = OffsetDateTime::now_utc();
    let cfg = &state.config;
    // Per client address, across every node: the request takes its place in the database
    // counter before anything else is done.
    if let Some(ip) = &ip {
        let c = store::claim(
            &state.db,
            store::SIGN_IN_IP_SCOPE,
            ip,
            time::Duration::minutes(1),
            None,
        )
        .await?;
        if c.number > i64::from(cfg.sign_in_per_minute) {
            return Ok(again(
                StatusCode::TOO_MANY_REQUESTS,
                Some(format!(
                    "Too many sign-in attempts from your address: at most {} a minute are allowed. Wait a minute, then try again.",
                    cfg.sign_in_per_minute
                )),
                FormErrors::default(),
            ));
        }
    }
    let found = store::find_user_by_email(&state.db, &email).await?;
    let (user, stored) = match found {
        Some((u, h)) => (Some(u), Some(h)),
        None => (None, None),
    };
    let (right, number) = match guarded_check(&state, &email, &form.password, stored).await? {
        Ok(r) => r,
        Err(Refusal::Locked(until, max)) => {
            return Ok(again(
                StatusCode::TOO_MANY_REQUESTS,
                Some(locked_message(until, max)),
                FormErrors::default(),
            ));
        }
        Err(Refusal::Busy(m)) => {
            return Ok(again(
                StatusCode::TOO_MANY_REQUESTS,
                Some(m),
                FormErrors::default(),
            ));
        }
    };
    // A disabled account answers exactly as a wrong password does, so the answer never
    // tells a guesser that the password was right.
    let user = user.filter(|u| right && !u.disabled);
    store::record_sign_in(&state.db, &email, ip.as_deref(), user.is_some()).await?;
    let Some(user) = user else {
        // The attempt stays counted (for a disabled account too).
        let msg = if number >= i64::from(cfg.max_failed_sign_ins) {
            "The e-mail address or password is wrong. The account is now locked for 15 minutes."
                .to_string()
        } else {
            "The e-mail address or password is wrong.".to_string()
        };
        let mut errors = FormErrors::default();
        errors.push(FieldError::new("password", msg.clone()));
        return Ok(again(StatusCode::UNAUTHORIZED, Some(msg), errors));
    };
    store::clear(&state.db, store::ACCOUNT_SCOPE, &email).await?;
    start_session(&session, user.id).await?;
    // Now and then, forget attempts too old to matter for any limit.
    if rand::random_range(0..100u32) == 0 {
        let _ = store::prune_sign_ins(&state.db, now - time::Duration::days(1)).await;
    }
    Ok(see_other(&next))
}

pub(crate) async fn sign_out(session: Session) -> PageResult<Response> {
    // Deletes the session row, so the cookie is worthless on every node.
    session
        .flush()
        .await
        .map_err(|e| Error::Internal(format!("session: {e}")))?;
    Ok(see_other("/"))
}

// ---------------------------------------------------------------------------------------
// Password reset.

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ResetRequestForm {
    #[serde(default)]
    email: String,
}

#[derive(Template)]
#[template(path = "accounts/reset_request.html")]
struct ResetRequestPage {
    chrome: Chrome,
    email: String,
    sent: bool,
    errors: FormErrors,
}

pub(crate) async fn reset_request_page(viewer: Viewer) -> Response {
    render(
        StatusCode::OK,
        &ResetRequestPage {
            chrome: Chrome::new(&viewer),
            email: String::new(),
            sent: false,
            errors: FormErrors::default(),
        },
    )
}

pub(crate) async fn reset_request(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(form): PageForm<ResetRequestForm>,
) -> PageResult<Response> {
    let email = match normalize_email(&form.email) {
        Ok(e) => e,
        Err(e) => {
            return Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ResetRequestPage {
                    chrome: Chrome::new(&viewer),
                    email: form.email.clone(),
                    sent: false,
                    errors: FormErrors(vec![e]),
                },
            ));
        }
    };
    if let Some((user, _)) = store::find_user_by_email(&state.db, &email).await?
        && !user.disabled
    {
        let since = OffsetDateTime::now_utc() - time::Duration::hours(1);
        if store::count_password_resets_since(&state.db, user.id, since).await? < RESETS_PER_HOUR {
            // The reset and the e-mail carrying it are stored together; the outbox sends it
            // (whichever node runs the job), so the answer takes as long whether or not the
            // account exists, and a relay outage delays the message instead of losing it.
            let mut tx = state.db.begin().await?;
            let token = store::create_password_reset_in(&mut tx, user.id, RESET_VALID_FOR).await?;
            let link = format!("{}/password-reset/{token}", state.config.public_url());
            let body = format!(
                "Hello {},\r\n\r\nSomeone (we hope you) asked to reset the password of your\r\nNational Skills Exchange account. Open this link within an hour\r\nto choose a new password:\r\n\r\n{link}\r\n\r\nThe link works once. If you did not ask, ignore this message;\r\nyour password stays as it is.\r\n",
                user.display_name
            );
            crate::mail::queue(
                &mut tx,
                crate::mail::OutgoingEmail {
                    to: user.email.clone(),
                    subject: "Reset your NSX password".into(),
                    body,
                },
            )
            .await?;
            tx.commit().await?;
        }
    }
    Ok(render(
        StatusCode::OK,
        &ResetRequestPage {
            chrome: Chrome::new(&viewer),
            email: String::new(),
            sent: true,
            errors: FormErrors::default(),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
struct ResetPage {
    chrome: Chrome,
    token: String,
    valid: bool,
    errors: FormErrors,
}

pub(crate) async fn reset_page(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(token): PagePath<String>,
) -> PageResult<Response> {
    let valid = store::peek_password_reset(&state.db, &token)
        .await?
        .is_some();
    Ok(render(
        if valid {
            StatusCode::OK
        } else {
            StatusCode::GONE
        },
        &ResetPage {
            chrome: Chrome::new(&viewer),
            token,
            valid,
            errors: FormErrors::default(),
        },
    ))
}

pub(crate) async fn reset_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    PagePath(token): PagePath<String>,
    PageForm(form): PageForm<ResetForm>,
) -> PageResult<Response> {
    let Some(user_id) = store::peek_password_reset(&state.db, &token).await? else {
        return Ok(render(
            StatusCode::GONE,
            &ResetPage {
                chrome: Chrome::new(&viewer),
                token,
                valid: false,
                errors: FormErrors::default(),
            },
        ));
    };
    let user = store::find_user(&state.db, user_id)
        .await?
        .ok_or_else(|| Error::not_found("the account"))?;
    let mut errors = FormErrors::default();
    if let Err(e) = check_password(&form.password, &user.email) {
        errors.push(e);
    } else if form.password != form.password_confirm {
        errors.push(FieldError::new(
            "password_confirm",
            "the two passwords differ",
        ));
    }
    if errors.any() {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetPage {
                chrome: Chrome::new(&viewer),
                token,
                valid: true,
                errors,
            },
        ));
    }
    let hash = Hashing::of(&state).hash(form.password.clone()).await?;
    // One transaction: the token is used (atomically: a second use, here or on another node,
    // finds it spent), the password replaced, every API token revoked, every session ended
    // and any sign-in lock lifted (control of the mailbox is proven).
    if store::reset_password(&state.db, &token, &hash)
        .await?
        .is_none()
    {
        return Ok(render(
            StatusCode::GONE,
            &ResetPage {
                chrome: Chrome::new(&viewer),
                token,
                valid: false,
                errors: FormErrors::default(),
            },
        ));
    }
    store::record_sign_in(&state.db, &user.email, ip.as_deref(), true).await?;
    Ok(see_other("/sign-in?reset=done"))
}
