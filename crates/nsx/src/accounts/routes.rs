//! Account pages: sign up, sign in, sign out, password reset, the account page and admin pages.
//!
//! Every form re-renders itself on error with the entered values kept and each error next
//! to its field (`aria-describedby`), answering 422; rate limits answer 429.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use nsx_core::accounts::{
    FieldError, OrgKind, Role, check_display_name, check_password, normalize_email,
};
use serde::Deserialize;
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use super::password::Hashing;
use super::{Organization, SESSION_USER_KEY, User, Viewer, store};
use crate::error::Error;
use crate::service::{Caller, RequestId};
use crate::state::AppState;
use crate::web::error::{PageError, PageForm, PagePath, PageQuery, PageResult, UncheckedPageForm};
use crate::web::layout::Chrome;

/// How long a password-reset link stays valid.
pub const RESET_VALID_FOR: time::Duration = time::Duration::hours(1);
/// The window (and lock time) for failed sign-ins to one account.
pub const LOCKOUT_WINDOW: time::Duration = time::Duration::minutes(15);
/// Reset e-mails sent to one account per hour at most.
const RESETS_PER_HOUR: i64 = 5;

// ---------------------------------------------------------------------------------------
// Helpers shared by the pages.

/// Field errors of a submitted form, looked up by field name in templates.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    /// The first message for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether a field has an error.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// Whether there is any error.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    fn from_error(e: Error) -> Result<FormErrors, Error> {
        match e {
            Error::Invalid(v) => Ok(FormErrors(v)),
            other => Err(other),
        }
    }
}

/// Renders a template with a status; account pages are never cached.
fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => PageError(Error::Internal(format!("template: {e}"))).into_response(),
    }
}

/// Whether an option is the chosen one (for `<select>` in templates).
pub fn same(a: &str, b: &str) -> bool {
    a == b
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Where a sign-in goes when no (acceptable) `next` was given.
const AFTER_SIGN_IN: &str = "/account";

/// A `next` holding a control character: refused with 400 before anything else happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadNext;

/// The page to go to after signing in: only a path of this site, judged after URL parsing
/// as a browser would resolve it. Anything else (another host, `//host`, `/\\host`, a
/// scheme, a path that normalises to `//…`) falls back to the account page; a control
/// character anywhere is refused outright (a browser would strip or choke on it).
pub fn safe_next(next: Option<&str>) -> Result<String, BadNext> {
    let Some(n) = next.filter(|n| !n.is_empty()) else {
        return Ok(AFTER_SIGN_IN.into());
    };
    if n.chars().any(char::is_control) {
        return Err(BadNext);
    }
    if !n.starts_with('/') || n.starts_with("//") || n.contains('\\') {
        return Ok(AFTER_SIGN_IN.into());
    }
    let Ok(base) = url::Url::parse("http://nsx.invalid/") else {
        return Ok(AFTER_SIGN_IN.into());
    };
    match base.join(n) {
        Ok(u) if u.origin() == base.origin() && !u.path().starts_with("//") => {
            let mut out = u.path().to_string();
            if let Some(q) = u.query() {
                out.push('?');
                out.push_str(q);
            }
            Ok(out)
        }
        _ => Ok(AFTER_SIGN_IN.into()),
    }
}

fn sign_in_redirect(parts: &Parts) -> Response {
    let here = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    see_other(&format!("/sign-in?next={next}"))
}

/// The client's address: the socket's peer, or, when the peer is one of the configured
/// `trusted_proxies`, the address that proxy reports as the client (the right-most entry of
/// `X-Forwarded-For` that is not itself a trusted proxy). Without trusted proxies the header
/// is ignored, so a client cannot choose its own address for the limits.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

/// Works out the client address from the peer and an `X-Forwarded-For` value.
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    if let Some(list) = forwarded_for {
        for hop in list.rsplit(',') {
            match hop.trim().parse::<std::net::IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !trusted.contains(&ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    }
    Some(client)
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientIp(
            client_address(peer, forwarded, &state.config.trusted_proxies).map(|ip| ip.to_string()),
        ))
    }
}

#[cfg(test)]
mod client_address_tests {
    use super::client_address;

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let client: std::net::IpAddr = "203.0.113.7".parse().unwrap();
        // An untrusted peer cannot claim another address.
        assert_eq!(
            client_address(Some(client), Some("198.51.100.1"), &[proxy]),
            Some(client)
        );
        // Behind the proxy, the right-most untrusted hop is the client.
        assert_eq!(
            client_address(Some(proxy), Some("198.51.100.1, 203.0.113.7"), &[proxy]),
            Some(client)
        );
        assert_eq!(
            client_address(Some(proxy), Some("203.0.113.7, 10.0.0.1"), &[proxy]),
            Some(client)
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(client_address(Some(proxy), None, &[proxy]), Some(proxy));
        assert_eq!(
            client_address(Some(proxy), Some("junk"), &[proxy]),
            Some(proxy)
        );
        // No trusted proxies: the header is ignored.
        assert_eq!(
            client_address(Some(proxy), Some("203.0.113.7"), &[]),
            Some(proxy)
        );
    }
}

/// A signed-in viewer; anonymous visitors are sent to the sign-in page.
pub struct SignedIn(pub User, pub Viewer);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let v = Viewer::from_parts(parts, state)
            .await
            .map_err(|e| PageError(e).into_response())?;
        match v.user.clone() {
            Some(u) => Ok(SignedIn(u, v)),
            None => Err(sign_in_redirect(parts)),
        }
    }
}

/// An administrator; anonymous visitors are sent to sign in, everyone else gets 403.
pub struct AdminViewer(pub User, pub Viewer);

impl FromRequestParts<AppState> for AdminViewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn(u, v) = SignedIn::from_request_parts(parts, state).await?;
        if u.has_role(Role::Admin) {
            Ok(AdminViewer(u, v))
        } else {
            Err(PageError(Error::Forbidden(
                "the administration pages need the Administrator role".into(),
            ))
            .into_response())
        }
    }
}

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

fn kind_options() -> Vec<(&'static str, &'static str)> {
    OrgKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect()
}

fn roles_text(u: &User) -> String {
    if u.roles.is_empty() {
        "none".into()
    } else {
        u.roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
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

fn minutes_left(until: OffsetDateTime) -> i64 {
    let secs = (until - OffsetDateTime::now_utc()).whole_seconds().max(0);
    (secs + 59) / 60
}

/// Why a password check was not made.
pub enum Refusal {
    /// The account is locked until the moment given, after this many failures.
    Locked(OffsetDateTime, u32),
    /// The server had no free turn to hash within the wait.
    Busy(String),
}

/// Checks a password for an account under the account's lock, which holds under
/// concurrency and across nodes: the attempt takes its place in the database counter
/// (one atomic statement) *before* Argon2 runs, so of any number of attempts arriving
/// together at most `max_failed_sign_ins` are checked; the rest are refused unchecked.
/// `stored` is `None` for an unknown account (a dummy check keeps the timing alike).
/// Returns whether the password is right and how many attempts the window now holds; the
/// caller clears the count (`store::clear`) when the attempt really succeeds.
pub async fn guarded_check(
    state: &AppState,
    email: &str,
    password: &str,
    stored: Option<String>,
) -> Result<Result<(bool, i64), Refusal>, Error> {
    let max = state.config.max_failed_sign_ins;
    let claim = store::claim(
        &state.db,
        store::ACCOUNT_SCOPE,
        email,
        LOCKOUT_WINDOW,
        Some(i64::from(max)),
    )
    .await?;
    if claim.number > i64::from(max) {
        return Ok(Err(Refusal::Locked(
            claim.window_start + LOCKOUT_WINDOW,
            max,
        )));
    }
    let hashing = Hashing::of(state);
    let checked = match stored {
        Some(hash) => hashing.verify(password.to_string(), hash).await,
        None => hashing
            .burn_time(password.to_string())
            .await
            .map(|()| false),
    };
    match checked {
        Ok(right) => Ok(Ok((right, claim.number))),
        Err(Error::TooManyRequests(m)) => {
            // Nothing was checked: give the place back.
            store::release(&state.db, store::ACCOUNT_SCOPE, email).await?;
            Ok(Err(Refusal::Busy(m)))
        }
        Err(e) => Err(e),
    }
}

fn locked_message(until: OffsetDateTime, max: u32) -> String {
    format!(
        "This account is locked after {max} failed sign-ins. Try again in {} minutes, or reset your password.",
        minutes_left(until)
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

// ---------------------------------------------------------------------------------------
// The account page.

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AccountQuery {
    welcome: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    chrome: Chrome,
    user: User,
    roles: String,
    organization: Option<Organization>,
    tokens: Vec<TokenView>,
    new_token: Option<String>,
    notice: Option<&'static str>,
    name: String,
    token_name: String,
    errors: FormErrors,
}

/// An API token as the account page lists it.
struct TokenView {
    id: Uuid,
    name: String,
    prefix: String,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

impl AccountPage {
    async fn load(state: &AppState, viewer: &Viewer, user: &User) -> Result<AccountPage, Error> {
        let organization = match user.organization_id {
            Some(o) => store::find_org(&state.db, o).await?,
            None => None,
        };
        Ok(AccountPage {
            chrome: Chrome::new(viewer),
            user: user.clone(),
            roles: roles_text(user),
            organization,
            tokens: store::list_tokens(&state.db, user.id)
                .await?
                .into_iter()
                .map(|t| TokenView {
                    id: t.id,
                    name: t.name,
                    prefix: t.prefix,
                    created: when(&t.created_at),
                    last_used: t.last_used_at.as_ref().map(when),
                    revoked: t.revoked_at.as_ref().map(when),
                })
                .collect(),
            new_token: None,
            notice: None,
            name: user.display_name.clone(),
            token_name: String::new(),
            errors: FormErrors::default(),
        })
    }
}

fn when(t: &OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

pub(crate) async fn account_page(
    State(state): State<AppState>,
    SignedIn(user, viewer): SignedIn,
    PageQuery(q): PageQuery<AccountQuery>,
) -> PageResult<Response> {
    let mut page = AccountPage::load(&state, &viewer, &user).await?;
    page.notice = if q.welcome.is_some() {
        Some("Welcome! Your account is ready.")
    } else {
        match q.done.as_deref() {
            Some("password") => Some("Your password has been changed."),
            Some("profile") => Some("Your name has been saved."),
            Some("revoked") => Some("The token has been revoked; it no longer works."),
            _ => None,
        }
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProfileForm {
    #[serde(default)]
    name: String,
}

pub(crate) async fn account_profile(
    State(state): State<AppState>,
    SignedIn(user, viewer): SignedIn,
    PageForm(form): PageForm<ProfileForm>,
) -> PageResult<Response> {
    match check_display_name(&form.name) {
        Ok(name) => {
            store::set_display_name(&state.db, user.id, &name).await?;
            Ok(see_other("/account?done=profile"))
        }
        Err(e) => {
            let mut page = AccountPage::load(&state, &viewer, &user).await?;
            page.name = form.name;
            page.errors = FormErrors(vec![e]);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

pub(crate) async fn account_password(
    State(state): State<AppState>,
    SignedIn(user, viewer): SignedIn,
    session: Session,
    PageForm(form): PageForm<PasswordForm>,
) -> PageResult<Response> {
    let mut errors = FormErrors::default();
    if let Err(e) =
        confirm_password(&state, &user, &form.current_password, "current_password").await
    {
        errors.0.extend(FormErrors::from_error(e)?.0);
    }
    if let Err(e) = check_password(&form.new_password, &user.email) {
        errors.push(FieldError::new("new_password", e.message));
    } else if form.new_password != form.new_password_confirm {
        errors.push(FieldError::new(
            "new_password_confirm",
            "the two passwords differ",
        ));
    }
    if errors.any() {
        let mut page = AccountPage::load(&state, &viewer, &user).await?;
        page.errors = errors;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let hash = Hashing::of(&state).hash(form.new_password).await?;
    // Other sessions (other browsers, perhaps someone else's) end and every API token is
    // revoked, in the same transaction; this session stays.
    store::change_password(&state.db, user.id, &hash, session.id()).await?;
    Ok(see_other("/account?done=password"))
}

/// Re-confirms a signed-in user's password (before a password change or a new API token),
/// under the same lock as sign-in, so a borrowed session cannot guess it faster. A wrong
/// password is a field error on `field`; a lock or a busy server is 429.
pub async fn confirm_password(
    state: &AppState,
    user: &User,
    password: &str,
    field: &str,
) -> Result<(), Error> {
    if password.is_empty() {
        return Err(Error::invalid(field, "enter your current password"));
    }
    let stored = store::password_hash_of(&state.db, user.id)
        .await?
        .ok_or_else(|| Error::not_found("the account"))?;
    match guarded_check(state, &user.email, password, Some(stored)).await? {
        Ok((true, _)) => {
            store::clear(&state.db, store::ACCOUNT_SCOPE, &user.email).await?;
            Ok(())
        }
        Ok((false, _)) => Err(Error::invalid(field, "this is not your current password")),
        Err(Refusal::Locked(until, max)) => Err(Error::TooManyRequests(locked_message(until, max))),
        Err(Refusal::Busy(m)) => Err(Error::TooManyRequests(m)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    token_name: String,
    #[serde(default)]
    token_password: String,
}

/// Checks an API token's name: 1–100 characters.
pub fn check_token_name(name: &str, field: &str) -> Result<String, FieldError> {
    let t = name.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "name the token (1 to 100 characters), e.g. the system that will use it",
        ));
    }
    Ok(t.to_string())
}

pub(crate) async fn account_token_create(
    State(state): State<AppState>,
    SignedIn(user, viewer): SignedIn,
    PageForm(form): PageForm<TokenForm>,
) -> PageResult<Response> {
    let result = match check_token_name(&form.token_name, "token_name") {
        Ok(name) => match confirm_password(&state, &user, &form.token_password, "token_password")
            .await
        {
            Ok(()) => {
                store::create_token_limited(&state.db, user.id, &name, state.config.max_api_tokens)
                    .await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e.into()),
    };
    match result {
        Ok((_, secret)) => {
            let mut page = AccountPage::load(&state, &viewer, &user).await?;
            page.new_token = Some(secret);
            Ok(render(StatusCode::CREATED, &page))
        }
        Err(Error::Conflict(m)) => {
            let mut page = AccountPage::load(&state, &viewer, &user).await?;
            page.token_name = form.token_name;
            page.errors = FormErrors(vec![FieldError::new("token_name", m)]);
            Ok(render(StatusCode::CONFLICT, &page))
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let mut page = AccountPage::load(&state, &viewer, &user).await?;
            page.token_name = form.token_name;
            page.errors = errors;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub(crate) async fn account_token_revoke(
    State(state): State<AppState>,
    SignedIn(user, _): SignedIn,
    PagePath(id): PagePath<Uuid>,
) -> PageResult<Response> {
    store::revoke_token(&state.db, user.id, id).await?;
    Ok(see_other("/account?done=revoked"))
}

// ---------------------------------------------------------------------------------------
// Administration.

#[derive(Template)]
#[template(path = "accounts/admin.html")]
struct AdminHome {
    chrome: Chrome,
    users: i64,
    admins: i64,
    organizations: i64,
}

pub(crate) async fn admin_home(
    State(state): State<AppState>,
    AdminViewer(_, viewer): AdminViewer,
) -> PageResult<Response> {
    Ok(render(
        StatusCode::OK,
        &AdminHome {
            chrome: Chrome::new(&viewer),
            users: store::count_users(&state.db).await?,
            admins: store::count_with_role(&state.db, Role::Admin).await?,
            organizations: store::count_orgs(&state.db).await?,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<u32>,
}

/// One row of the user table.
struct UserRow {
    user: User,
    roles: String,
    organization: String,
}

#[derive(Template)]
#[template(path = "accounts/admin_users.html")]
struct AdminUsers {
    chrome: Chrome,
    q: String,
    rows: Vec<UserRow>,
    page: u32,
    more: bool,
}

const USERS_PER_PAGE: i64 = 50;

pub(crate) async fn admin_users(
    State(state): State<AppState>,
    AdminViewer(_, viewer): AdminViewer,
    PageQuery(query): PageQuery<UsersQuery>,
) -> PageResult<Response> {
    let page = query.page.unwrap_or(1).max(1);
    let offset = i64::from(page - 1) * USERS_PER_PAGE;
    let mut users = store::search_users(&state.db, &query.q, USERS_PER_PAGE + 1, offset).await?;
    let more = users.len() as i64 > USERS_PER_PAGE;
    users.truncate(USERS_PER_PAGE as usize);
    let orgs = store::list_orgs(&state.db).await?;
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            roles: roles_text(&u),
            organization: u
                .organization_id
                .and_then(|o| orgs.iter().find(|x| x.id == o))
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            user: u,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AdminUsers {
            chrome: Chrome::new(&viewer),
            q: query.q,
            rows,
            page,
            more,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AdminUserQuery {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/admin_user.html")]
struct AdminUserPage {
    chrome: Chrome,
    user: User,
    is_self: bool,
    roles: Vec<(&'static str, &'static str, bool)>,
    organizations: Vec<Organization>,
    notice: Option<&'static str>,
}

pub(crate) async fn admin_user(
    State(state): State<AppState>,
    AdminViewer(me, viewer): AdminViewer,
    PagePath(id): PagePath<Uuid>,
    PageQuery(q): PageQuery<AdminUserQuery>,
) -> PageResult<Response> {
    let user = store::find_user(&state.db, id)
        .await?
        .ok_or_else(|| Error::not_found("the user"))?;
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.label(), user.has_role(*r)))
        .collect();
    let notice = match q.done.as_deref() {
        Some("roles") => Some("Roles saved."),
        Some("status") => Some("Account status saved."),
        Some("organization") => Some("Organization saved."),
        _ => None,
    };
    Ok(render(
        StatusCode::OK,
        &AdminUserPage {
            chrome: Chrome::new(&viewer),
            is_self: me.id == user.id,
            user,
            roles,
            organizations: store::list_orgs(&state.db).await?,
            notice,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    action: String,
}

pub(crate) async fn admin_user_roles(
    State(state): State<AppState>,
    AdminViewer(me, _): AdminViewer,
    RequestId(rid): RequestId,
    PagePath(id): PagePath<Uuid>,
    PageForm(form): PageForm<RoleForm>,
) -> PageResult<Response> {
    let caller = Caller::user(&me, rid);
    let role: Role = form
        .role
        .parse()
        .map_err(|e: nsx_core::accounts::UnknownName| Error::invalid("role", e.to_string()))?;
    let grant = match form.action.as_str() {
        "grant" => true,
        "revoke" => false,
        _ => return Err(Error::invalid("action", "choose grant or revoke").into()),
    };
    let (add, remove): (&[Role], &[Role]) = if grant {
        (&[role], &[])
    } else {
        (&[], &[role])
    };
    super::service::change_roles(&state.db, &caller, id, add, remove).await?;
    Ok(see_other(&format!("/admin/users/{id}?done=roles")))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct StatusForm {
    #[serde(default)]
    action: String,
}

pub(crate) async fn admin_user_status(
    State(state): State<AppState>,
    AdminViewer(me, _): AdminViewer,
    RequestId(rid): RequestId,
    PagePath(id): PagePath<Uuid>,
    PageForm(form): PageForm<StatusForm>,
) -> PageResult<Response> {
    let caller = Caller::user(&me, rid);
    let disabled = match form.action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(Error::invalid("action", "choose disable or enable").into()),
    };
    super::service::set_disabled(&state.db, &caller, id, disabled).await?;
    Ok(see_other(&format!("/admin/users/{id}?done=status")))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct UserOrgForm {
    #[serde(default)]
    organization_id: String,
}

pub(crate) async fn admin_user_org(
    State(state): State<AppState>,
    AdminViewer(me, _): AdminViewer,
    RequestId(rid): RequestId,
    PagePath(id): PagePath<Uuid>,
    PageForm(form): PageForm<UserOrgForm>,
) -> PageResult<Response> {
    let caller = Caller::user(&me, rid);
    let org = match form.organization_id.trim() {
        "" => None,
        s => Some(
            s.parse::<Uuid>()
                .map_err(|_| Error::invalid("organization_id", "choose an organization"))?,
        ),
    };
    super::service::set_organization(&state.db, &caller, id, org).await?;
    Ok(see_other(&format!("/admin/users/{id}?done=organization")))
}

#[derive(Debug, Default, Deserialize, Clone)]
pub(crate) struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sector: String,
}

impl OrgForm {
    fn input(&self) -> super::service::OrganizationInput {
        super::service::OrganizationInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            sector: Some(self.sector.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/admin_orgs.html")]
struct AdminOrgs {
    chrome: Chrome,
    organizations: Vec<Organization>,
    kinds: Vec<(&'static str, &'static str)>,
    form_name: String,
    form_kind: String,
    form_sector: String,
    notice: Option<&'static str>,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

pub(crate) async fn admin_orgs(
    State(state): State<AppState>,
    AdminViewer(_, viewer): AdminViewer,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult<Response> {
    Ok(render(
        StatusCode::OK,
        &AdminOrgs {
            chrome: Chrome::new(&viewer),
            organizations: store::list_orgs(&state.db).await?,
            kinds: kind_options(),
            form_name: String::new(),
            form_kind: String::new(),
            form_sector: String::new(),
            notice: (q.done.as_deref() == Some("created")).then_some("Organization created."),
            errors: FormErrors::default(),
        },
    ))
}

pub(crate) async fn admin_org_create(
    State(state): State<AppState>,
    AdminViewer(me, viewer): AdminViewer,
    RequestId(rid): RequestId,
    PageForm(form): PageForm<OrgForm>,
) -> PageResult<Response> {
    let caller = Caller::user(&me, rid);
    let result = super::service::create_organization(&state.db, &caller, &form.input()).await;
    match result {
        Ok(_) => Ok(see_other("/admin/organizations?done=created")),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AdminOrgs {
                    chrome: Chrome::new(&viewer),
                    organizations: store::list_orgs(&state.db).await?,
                    kinds: kind_options(),
                    form_name: form.name,
                    form_kind: form.kind,
                    form_sector: form.sector,
                    notice: None,
                    errors,
                },
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/admin_org.html")]
struct AdminOrgPage {
    chrome: Chrome,
    org: Organization,
    kinds: Vec<(&'static str, &'static str)>,
    form_name: String,
    form_kind: String,
    form_sector: String,
    notice: Option<&'static str>,
    errors: FormErrors,
}

pub(crate) async fn admin_org(
    State(state): State<AppState>,
    AdminViewer(_, viewer): AdminViewer,
    PagePath(id): PagePath<Uuid>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult<Response> {
    let org = store::find_org(&state.db, id)
        .await?
        .ok_or_else(|| Error::not_found("the organization"))?;
    Ok(render(
        StatusCode::OK,
        &AdminOrgPage {
            chrome: Chrome::new(&viewer),
            form_name: org.name.clone(),
            form_kind: org.kind.as_str().to_string(),
            form_sector: org.sector.clone().unwrap_or_default(),
            org,
            kinds: kind_options(),
            notice: (q.done.as_deref() == Some("saved")).then_some("Organization saved."),
            errors: FormErrors::default(),
        },
    ))
}

pub(crate) async fn admin_org_update(
    State(state): State<AppState>,
    AdminViewer(me, viewer): AdminViewer,
    RequestId(rid): RequestId,
    PagePath(id): PagePath<Uuid>,
    PageForm(form): PageForm<OrgForm>,
) -> PageResult<Response> {
    let caller = Caller::user(&me, rid);
    let org = store::find_org(&state.db, id)
        .await?
        .ok_or_else(|| Error::not_found("the organization"))?;
    let result = super::service::update_organization(&state.db, &caller, id, &form.input()).await;
    match result {
        Ok(_) => Ok(see_other(&format!("/admin/organizations/{id}?done=saved"))),
        Err(e) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AdminOrgPage {
                chrome: Chrome::new(&viewer),
                org,
                kinds: kind_options(),
                form_name: form.name,
                form_kind: form.kind,
                form_sector: form.sector,
                notice: None,
                errors: FormErrors::from_error(e)?,
            },
        )),
    }
}
