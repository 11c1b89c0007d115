//! The notification e-mails of calls for input, as background jobs through the outbox.
//!
//! | event | when | to whom |
//! |---|---|---|
//! | `call_opened` | the call opens (or is opened already open) | confirmed followers of the framework and of its occupations, and invitees |
//! | `closing_soon` | 48 hours before the close (at the opening for shorter calls) | reviewers taking part who left statements unanswered |
//! | `dispositions_published` | the editors publish the dispositions ([`notify_dispositions_published`]) | every reviewer taking part |
//!
//! Each job is enqueued once per call and event (a dedupe key), and each e-mail is queued
//! in the same transaction as a row of `notifications_sent` keyed by event and recipient,
//! so a retried job, or the same job on two nodes, never e-mails anyone twice. Every
//! e-mail carries an unsubscribe link (and `List-Unsubscribe`): a follower's stops the
//! follow, an invitee's or reviewer's stops the e-mails about that call.

use nsx_core::following::{
    Reason, Scope, Unsubscribe, merge_recipients, needs_reminder, reminder_at, sign,
};
use nsx_core::ids::CallId;
use nsx_core::review::Phase;
use serde_json::json;

use super::store;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::jobs::{self, JobError, NewJob};
use crate::mail::{self, OutgoingEmail};
use crate::review::Call;
use crate::state::AppState;

/// The kind of background job that sends one notification event.
pub const NOTIFY_JOB: &str = "following.notify";

/// The name of the key that signs unsubscribe links (in `app_secrets`).
pub const SECRET_NAME: &str = "unsubscribe";

/// A notification event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A call opened.
    CallOpened,
    /// A call closes in 48 hours.
    ClosingSoon,
    /// A call's dispositions were published.
    DispositionsPublished,
}

impl Event {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::CallOpened => "call_opened",
            Event::ClosingSoon => "closing_soon",
            Event::DispositionsPublished => "dispositions_published",
        }
    }

    fn parse(s: &str) -> Option<Event> {
        [
            Event::CallOpened,
            Event::ClosingSoon,
            Event::DispositionsPublished,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

/// The key of one event of one call in `notifications_sent`.
pub fn event_key(e: Event, call: CallId) -> String {
    format!("{}:{call}", e.as_str())
}

fn job(e: Event, call: CallId) -> NewJob {
    NewJob::now(NOTIFY_JOB, json!({ "event": e.as_str(), "call": call }))
        .attempts(12)
        .dedupe(format!("notify:{}", event_key(e, call)))
}

/// Enqueues the notifications of a call that has just opened, inside the transaction that
/// opened it: the "call opened" e-mails now and the closing reminder 48 hours before the
/// close. Calling it again for the same call adds nothing.
pub async fn call_opened_in(
    tx: &mut Tx,
    call: CallId,
    opens: time::OffsetDateTime,
    closes: time::OffsetDateTime,
) -> Result<()> {
    jobs::enqueue(tx, job(Event::CallOpened, call)).await?;
    jobs::enqueue(
        tx,
        job(Event::ClosingSoon, call).at(reminder_at(opens, closes)),
    )
    .await?;
    Ok(())
}

/// Tells every reviewer of a call that its dispositions are published: enqueues the job
/// that e-mails them (once per call, however often it is called). Call it when the
/// dispositions are published; [`notify_dispositions_published_in`] does the same inside
/// the publishing transaction.
pub async fn notify_dispositions_published(db: &Db, call: CallId) -> Result<()> {
    let mut tx = db.begin().await?;
    notify_dispositions_published_in(&mut tx, call).await?;
    tx.commit().await
}

/// [`notify_dispositions_published`] inside the caller's transaction.
pub async fn notify_dispositions_published_in(tx: &mut Tx, call: CallId) -> Result<()> {
    jobs::enqueue(tx, job(Event::DispositionsPublished, call)).await?;
    Ok(())
}

/// Signs the unsubscribe link of an address for a scope.
pub fn unsubscribe_url(public_url: &str, secret: &str, email: &str, scope: Scope) -> String {
    let token = sign(
        secret.as_bytes(),
        &Unsubscribe {
            email: email.to_string(),
            scope,
        },
    );
    format!("{public_url}/unsubscribe/{token}")
}

/// What one notification run needs.
struct Ctx<'a> {
    db: &'a Db,
    public_url: String,
    secret: String,
}

impl Ctx<'_> {
    /// Queues one e-mail unless this event already reached this address; true when queued.
    async fn send(
        &self,
        event: &str,
        to: &str,
        subject: &str,
        body: String,
        scope: Scope,
    ) -> Result<bool> {
        let url = unsubscribe_url(&self.public_url, &self.secret, to, scope);
        let body =
            format!("{body}\n\n--\nTo stop these e-mails, open {url}\n(no sign-in needed)\n");
        let mut tx = self.db.begin().await?;
        if !store::claim_notification(&mut tx, event, to).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        match mail::queue_with_unsubscribe(
            &mut tx,
            OutgoingEmail {
                to: to.to_string(),
                subject: subject.to_string(),
                body,
            },
            &url,
        )
        .await
        {
            Ok(()) => {}
            // An address the outbox cannot send to is skipped (and recorded as done).
            Err(Error::Invalid(_)) => {}
            Err(e) => return Err(e),
        }
        tx.commit().await?;
        Ok(true)
    }
}

async fn ctx(state: &AppState) -> Result<Ctx<'_>> {
    Ok(Ctx {
        db: &state.db,
        public_url: state.config.public_url(),
        secret: store::secret(&state.db, SECRET_NAME).await?,
    })
}

fn call_facts(c: &Ctx<'_>, call: &Call) -> String {
    format!(
        "{title}, version {version}{org}\nOpens: {ol} ({ou})\nCloses: {cl} ({cu})\n\nRead the invitation and take part: {url}{path}",
        title = call.framework_title,
        version = call.version_label,
        org = call
            .organization_name
            .as_deref()
            .map(|o| format!(", run by {o}"))
            .unwrap_or_default(),
        ol = call.opens_local(),
        ou = call.opens_utc(),
        cl = call.closes_local(),
        cu = call.closes_utc(),
        url = c.public_url,
        path = call.path(),
    )
}

/// The invitation e-mail of one address to an open call (also used when an editor invites
/// to a call that is already open). True when queued now.
async fn invite_one(c: &Ctx<'_>, call: &Call, to: &str) -> Result<bool> {
    if store::suppressed(c.db, to, &Scope::Call(call.id.0).encode()).await? {
        return Ok(false);
    }
    c.send(
        &event_key(Event::CallOpened, call.id),
        to,
        &format!("Invitation: call for input on {}", call.framework_title),
        format!(
            "You are invited to review a draft and say what should change.\n\n{}",
            call_facts(c, call)
        ),
        Scope::Call(call.id.0),
    )
    .await
}

/// E-mails the invitation to addresses just invited to a call that is open now; returns
/// how many were queued.
pub async fn invite_now(state: &AppState, call: &Call, emails: &[String]) -> Result<usize> {
    if call.phase_now() != Phase::Open {
        return Ok(0);
    }
    let c = ctx(state).await?;
    let mut n = 0;
    for e in emails {
        if invite_one(&c, call, e).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Sends the "call opened" e-mails of a call; returns how many were queued now.
pub async fn send_call_opened(state: &AppState, id: CallId) -> Result<usize> {
    let call = crate::review::service::get(&state.db, id).await?;
    if call.phase_now() == Phase::Closed {
        return Ok(0);
    }
    let c = ctx(state).await?;
    let mut candidates = Vec::new();
    for e in store::invitees(&state.db, id).await? {
        candidates.push((e, Reason::Invited, String::new()));
    }
    for (e, code) in store::confirmed_followers(
        &state.db,
        nsx_core::following::TargetKind::Framework,
        std::slice::from_ref(&call.framework_code),
    )
    .await?
    {
        candidates.push((e, Reason::FollowsFramework, code));
    }
    for (e, code) in store::confirmed_followers(
        &state.db,
        nsx_core::following::TargetKind::Occupation,
        &call.occupations,
    )
    .await?
    {
        candidates.push((e, Reason::FollowsOccupation, code));
    }
    let mut n = 0;
    for (to, reason, code) in merge_recipients(candidates) {
        let sent = match reason {
            Reason::Invited => invite_one(&c, &call, &to).await?,
            Reason::FollowsFramework | Reason::FollowsOccupation => {
                let kind = if reason == Reason::FollowsFramework {
                    nsx_core::following::TargetKind::Framework
                } else {
                    nsx_core::following::TargetKind::Occupation
                };
                let what = if reason == Reason::FollowsFramework {
                    format!("the framework {}", call.framework_title)
                } else {
                    format!("the occupation {code}")
                };
                c.send(
                    &event_key(Event::CallOpened, id),
                    &to,
                    &format!("Call for input open: {}", call.framework_title),
                    format!(
                        "A call for input is open on {what}, which you follow.\n\n{}",
                        call_facts(&c, &call)
                    ),
                    Scope::Follow(kind, code.clone()),
                )
                .await?
            }
        };
        if sent {
            n += 1;
        }
    }
    Ok(n)
}

/// Sends the closing reminders of a call; returns how many were queued now.
pub async fn send_closing_soon(state: &AppState, id: CallId) -> Result<usize> {
    let call = crate::review::service::get(&state.db, id).await?;
    if call.phase_now() != Phase::Open {
        return Ok(0);
    }
    let total = crate::review::service::statements(&state.db, &call)
        .await?
        .len();
    let c = ctx(state).await?;
    let scope = Scope::Call(id.0);
    let mut n = 0;
    for (to, answered) in store::reviewers_with_answers(&state.db, id).await? {
        let answered = usize::try_from(answered).unwrap_or(0);
        if !needs_reminder(answered, total)
            || store::suppressed(&state.db, &to, &scope.encode()).await?
        {
            continue;
        }
        if c.send(
            &event_key(Event::ClosingSoon, id),
            &to,
            &format!("Closing soon: call for input on {}", call.framework_title),
            format!(
                "The call for input you joined closes on {} ({}). You have answered {answered} of {total} statements; your answers stay editable until the close.\n\nContinue: {}{}/respond",
                call.closes_local(),
                call.closes_utc(),
                c.public_url,
                call.path()
            ),
            scope.clone(),
        )
        .await?
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Sends the "dispositions published" e-mails of a call; returns how many were queued now.
pub async fn send_dispositions_published(state: &AppState, id: CallId) -> Result<usize> {
    let call = crate::review::service::get(&state.db, id).await?;
    let c = ctx(state).await?;
    let scope = Scope::Call(id.0);
    let mut n = 0;
    for to in store::reviewers(&state.db, id).await? {
        if store::suppressed(&state.db, &to, &scope.encode()).await? {
            continue;
        }
        if c.send(
            &event_key(Event::DispositionsPublished, id),
            &to,
            &format!("Dispositions published: {}", call.framework_title),
            format!(
                "The editors of {} have published what became of every comment made in the call for input you took part in, with their reasons.\n\nSee what became of yours: {}{}",
                call.framework_title,
                c.public_url,
                call.path()
            ),
            scope.clone(),
        )
        .await?
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Runs the notification jobs (`{"event": "call_opened", "call": id}`).
pub struct NotifyJob;

#[async_trait::async_trait]
impl crate::jobs::JobHandler for NotifyJob {
    async fn run(
        &self,
        state: &AppState,
        job: &crate::jobs::Job,
    ) -> std::result::Result<(), JobError> {
        let event = job
            .payload
            .get("event")
            .and_then(|v| v.as_str())
            .and_then(Event::parse)
            .ok_or_else(|| JobError::Fatal(format!("not a notification: {}", job.payload)))?;
        let id = job
            .payload
            .get("call")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<CallId>().ok())
            .ok_or_else(|| JobError::Fatal(format!("no call in {}", job.payload)))?;
        let n = match event {
            Event::CallOpened => send_call_opened(state, id).await?,
            Event::ClosingSoon => send_closing_soon(state, id).await?,
            Event::DispositionsPublished => send_dispositions_published(state, id).await?,
        };
        tracing::info!(call = %id, event = event.as_str(), emails = n, "notifications queued");
        Ok(())
    }
}
