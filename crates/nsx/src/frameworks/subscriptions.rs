//! Following a framework published on another CASE server (another NSX included): an
//! editor subscribes a framework of their organization — or a framework still to be made —
//! to a URL that answers a `CFPackage` (`…/CFPackages/{id}`, or NSX's
//! `/exports/frameworks/{code}/case.json`). A scheduled job fetches it every N minutes,
//! with `If-None-Match`/`If-Modified-Since`, a time limit and a size cap, and hands a
//! changed package to the import service, which drafts a new version (or, the first time,
//! makes the framework). An unchanged document writes nothing; every check's outcome or
//! error is recorded on the subscription, where its page shows it.
//!
//! The job acts as the editor who set the subscription up, so the policy applies to it as
//! to them: if they leave the organization, the next check records the refusal.

use std::net::IpAddr;
use std::time::Duration;

use async_trait::async_trait;
use nsx_core::ids::OrganizationId;
use nsx_core::policy::{Action, Resource};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::import_service::{self, Format, ImportOptions, Outcome};
use crate::audit::{self, Change};
use crate::db::{Db, Ts};
use crate::error::{Error, Result};
use crate::jobs::{self, Job, JobError, JobHandler, NewJob};
use crate::service::Caller;
use crate::state::AppState;
use crate::{on_db, on_tx};

/// The kind of background job that checks one subscription.
pub const JOB: &str = "case-subscription";

/// Longest subscription URL.
pub const MAX_URL: usize = 2_000;
/// Checks at most this often…
pub const MIN_EVERY_MINUTES: i64 = 1;
/// …and at least this often (a week).
pub const MAX_EVERY_MINUTES: i64 = 10_080;
/// How often a subscription is checked unless the editor says otherwise.
pub const DEFAULT_EVERY_MINUTES: i64 = 60;

/// How subscriptions fetch (part of the configuration, `[subscriptions]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SubscriptionsConfig {
    /// Seconds a fetch may take from connecting to the last byte.
    pub timeout_secs: u64,
    /// Largest package accepted, in bytes.
    pub max_bytes: u64,
    /// Whether URLs may point at loopback, private or link-local addresses (off by
    /// default, so that editors cannot make the server reach its own network).
    pub allow_private_addresses: bool,
}

impl Default for SubscriptionsConfig {
    fn default() -> Self {
        SubscriptionsConfig {
            timeout_secs: 30,
            max_bytes: 8 * 1024 * 1024,
            allow_private_addresses: false,
        }
    }
}

/// A followed CASE document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Subscription {
    /// Id.
    pub id: Uuid,
    /// The organization that follows it.
    pub organization_id: Uuid,
    /// The framework it drafts into (none until the first successful check made it).
    pub framework: Option<String>,
    /// Where the package is fetched from.
    pub url: String,
    /// Minutes between checks.
    pub every_minutes: i64,
    /// When it was last checked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_checked_at: Option<OffsetDateTime>,
    /// When a check last drafted a version (or made the framework).
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_changed_at: Option<OffsetDateTime>,
    /// What the last check did.
    pub last_outcome: Option<String>,
    /// Why the last check failed, if it did.
    pub last_error: Option<String>,
    /// Checks made.
    pub checks: i64,
    /// When it was set up.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(skip)]
    content_hash: Option<String>,
    #[serde(skip)]
    etag: Option<String>,
    #[serde(skip)]
    last_modified: Option<String>,
    #[serde(skip)]
    created_by: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    organization_id: Uuid,
    framework: Option<String>,
    url: String,
    every_minutes: i64,
    content_hash: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
    last_checked_at: Option<OffsetDateTime>,
    last_changed_at: Option<OffsetDateTime>,
    last_outcome: Option<String>,
    last_error: Option<String>,
    checks: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
}

impl From<Row> for Subscription {
    fn from(r: Row) -> Self {
        Subscription {
            id: r.id,
            organization_id: r.organization_id,
            framework: r.framework,
            url: r.url,
            every_minutes: r.every_minutes,
            last_checked_at: r.last_checked_at,
            last_changed_at: r.last_changed_at,
            last_outcome: r.last_outcome,
            last_error: r.last_error,
            checks: r.checks,
            created_at: r.created_at,
            content_hash: r.content_hash,
            etag: r.etag,
            last_modified: r.last_modified,
            created_by: r.created_by,
        }
    }
}

const SELECT: &str = "SELECT s.id, s.organization_id, f.code AS framework, s.url, s.every_minutes, s.content_hash, s.etag, s.last_modified,
        s.last_checked_at, s.last_changed_at, s.last_outcome, s.last_error, s.checks, s.created_by, s.created_at
     FROM case_subscriptions s LEFT JOIN frameworks f ON f.id = s.framework_id";

fn schedule_name(id: Uuid) -> String {
    format!("{JOB}:{id}")
}

async fn find_row(db: &Db, id: Uuid) -> Result<Option<Subscription>> {
    let row: Option<Row> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.id = $1")))
        .bind(id)
        .fetch_optional(p)
        .await)?;
    Ok(row.map(Subscription::from))
}

fn owner(s: &Subscription) -> Resource {
    Resource::OwnedBy(Some(OrganizationId(s.organization_id)))
}

/// The subscriptions a caller may see: their organization's (an administrator's: all).
pub async fn list(db: &Db, caller: &Caller) -> Result<Vec<Subscription>> {
    caller.require(Action::CreateFramework, &Resource::Site)?;
    let org = caller
        .principal
        .as_ref()
        .filter(|p| !p.is_admin())
        .and_then(|p| p.organization_id.map(|o| o.0));
    let rows: Vec<Row> = match org {
        Some(o) => on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE s.organization_id = $1 ORDER BY s.created_at, s.id"
        )))
        .bind(o)
        .fetch_all(p)
        .await)?,
        None => on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} ORDER BY s.created_at, s.id"
        )))
        .fetch_all(p)
        .await)?,
    };
    Ok(rows.into_iter().map(Subscription::from).collect())
}

/// One subscription, if the caller may see it.
pub async fn get(db: &Db, caller: &Caller, id: Uuid) -> Result<Subscription> {
    let s = find_row(db, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("subscription {id}")))?;
    caller.require(Action::EditFramework, &owner(&s))?;
    Ok(s)
}

/// What a new subscription is made of.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewSubscription {
    /// The URL of the package (`…/CFPackages/{id}`, or NSX's
    /// `/exports/frameworks/{code}/case.json` for a framework's newest version); an
    /// absolute http(s) URL without credentials, at most 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// The framework of your organization to draft new versions into; when absent the
    /// first check makes a framework from the document.
    pub framework: Option<String>,
    /// Minutes between checks (1 to 10080; default 60).
    #[schema(minimum = 1, maximum = 10080)]
    pub every_minutes: Option<i64>,
    /// The following organization when no framework is named; an editor's own when
    /// absent (administrators may name any).
    pub organization_id: Option<Uuid>,
}

/// Checks a subscription URL: an absolute http(s) URL without credentials.
pub fn check_url(raw: &str) -> Result<url::Url> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(Error::invalid("url", "give the URL of a CASE package"));
    }
    if t.len() > MAX_URL || t.chars().any(char::is_control) {
        return Err(Error::invalid(
            "url",
            format!("must be at most {MAX_URL} characters, without control characters"),
        ));
    }
    let u = url::Url::parse(t)
        .map_err(|e| Error::invalid("url", format!("{t:?} is not a URL ({e})")))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(Error::invalid("url", "must be an http:// or https:// URL"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(Error::invalid(
            "url",
            "must not carry a user name or password",
        ));
    }
    Ok(u)
}

/// Subscribes a framework (or a framework to be made) to a remote package. The first
/// check is due at once.
pub async fn subscribe(db: &Db, caller: &Caller, new: NewSubscription) -> Result<Subscription> {
    let url = check_url(&new.url)?;
    let every = new.every_minutes.unwrap_or(DEFAULT_EVERY_MINUTES);
    if !(MIN_EVERY_MINUTES..=MAX_EVERY_MINUTES).contains(&every) {
        return Err(Error::invalid(
            "every_minutes",
            format!("check every {MIN_EVERY_MINUTES} to {MAX_EVERY_MINUTES} minutes"),
        ));
    }
    let framework = new
        .framework
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let mut tx = db.begin().await?;
    let (org, framework_id) = match framework {
        Some(code) => {
            let f = super::editing::lock_framework(&mut tx, code)
                .await?
                .ok_or_else(|| {
                    Error::invalid("framework", format!("there is no framework {code}"))
                })?;
            caller.require(
                Action::EditFramework,
                &Resource::OwnedBy(f.organization_id.map(OrganizationId)),
            )?;
            let org = f.organization_id.ok_or_else(|| {
                Error::invalid("framework", format!("{code} belongs to no organization"))
            })?;
            (org, Some(f.id))
        }
        None => {
            let org = match (new.organization_id, caller.principal.as_ref()) {
                (Some(o), _) => o,
                (None, Some(p)) => p.organization_id.map(|o| o.0).ok_or_else(|| {
                    Error::Forbidden(
                        "you belong to no organization; ask an administrator to add you to one"
                            .into(),
                    )
                })?,
                (None, None) => {
                    return Err(Error::invalid(
                        "organization_id",
                        "name the following organization",
                    ));
                }
            };
            caller.require(
                Action::CreateFramework,
                &Resource::OwnedBy(Some(OrganizationId(org))),
            )?;
            (org, None)
        }
    };
    let id = Uuid::now_v7();
    let r = on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO case_subscriptions (id, framework_id, organization_id, url, every_minutes, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(id)
    .bind(framework_id)
    .bind(org)
    .bind(url.as_str())
    .bind(every)
    .bind(caller.user_id().map(|u| u.0))
    .bind(Ts::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()));
    match r {
        Ok(_) => {}
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            return Err(Error::invalid(
                "url",
                "your organization already follows this URL",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    jobs::ensure_schedule_in(
        &mut tx,
        &schedule_name(id),
        JOB,
        json!({"subscription": id}),
        Duration::from_secs(u64::try_from(every).unwrap_or(60) * 60),
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("subscription.create", "case_subscription", id).after(json!({
            "url": url.as_str(),
            "framework": framework,
            "organization_id": org,
            "every_minutes": every,
        })),
    )
    .await?;
    tx.commit().await?;
    find_row(db, id)
        .await?
        .ok_or_else(|| Error::Internal("the new subscription is missing".into()))
}

/// Ends a subscription (the framework and its versions stay).
pub async fn unsubscribe(db: &Db, caller: &Caller, id: Uuid) -> Result<()> {
    let s = get(db, caller, id).await?;
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, c => sqlx::query("DELETE FROM case_subscriptions WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(Error::not_found(format!("subscription {id}")));
    }
    jobs::drop_schedule_in(&mut tx, &schedule_name(id)).await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("subscription.delete", "case_subscription", id)
            .before(json!({"url": s.url, "framework": s.framework})),
    )
    .await?;
    tx.commit().await
}

/// Asks for a check now (a background job).
pub async fn check_soon(db: &Db, caller: &Caller, id: Uuid) -> Result<Subscription> {
    let s = get(db, caller, id).await?;
    // One queued check per subscription and minute, however often the button is pressed.
    let minute = OffsetDateTime::now_utc().unix_timestamp() / 60;
    jobs::enqueue_now(
        db,
        NewJob::now(JOB, json!({"subscription": id}))
            .attempts(1)
            .dedupe(format!("{JOB}:now:{id}:{minute}")),
    )
    .await?;
    Ok(s)
}

/// What a fetch brought back.
enum Fetched {
    /// `304 Not Modified`.
    NotModified,
    /// A body, with the validators to send next time.
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                || a.is_multicast()
                || a.is_documentation()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(a) => {
            let s0 = a.segments()[0];
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (s0 & 0xfe00) == 0xfc00
                || (s0 & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped().is_some_and(|v4| private(IpAddr::V4(v4)))
        }
    }
}

/// Fetches a URL: redirects followed by hand (each target checked), addresses checked
/// before connecting, the body read up to the size cap.
async fn fetch(
    cfg: &SubscriptionsConfig,
    agent: &str,
    start: &url::Url,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> std::result::Result<Fetched, String> {
    let timeout = Duration::from_secs(cfg.timeout_secs.max(1));
    let work = async {
        let mut url = start.clone();
        for _ in 0..6 {
            let host = url.host_str().ok_or("the URL names no host")?.to_string();
            let port = url.port_or_known_default().ok_or("the URL names no port")?;
            let addrs: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
                    .await
                    .map_err(|e| format!("cannot find {host}: {e}"))?
                    .collect();
            if addrs.is_empty() {
                return Err(format!("cannot find {host}"));
            }
            if !cfg.allow_private_addresses && addrs.iter().any(|a| private(a.ip())) {
                return Err(format!(
                    "{host} is a private or local address, which subscriptions may not reach"
                ));
            }
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(agent)
                .connect_timeout(timeout)
                .resolve_to_addrs(&host, &addrs)
                .build()
                .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
            let mut req = client
                .get(url.clone())
                .header("accept", "application/json, text/csv;q=0.5");
            if let Some(t) = etag {
                req = req.header("if-none-match", t);
            }
            if let Some(t) = last_modified {
                req = req.header("if-modified-since", t);
            }
            let mut resp = req
                .send()
                .await
                .map_err(|e| format!("fetching {url}: {e}"))?;
            let status = resp.status();
            if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
                let to = resp
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| format!("{url} answered {status} without a Location"))?;
                let next = url
                    .join(to)
                    .map_err(|e| format!("{url} redirects to {to:?}: {e}"))?;
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(format!("{url} redirects to {next}, which is not http(s)"));
                }
                url = next;
                continue;
            }
            if status == reqwest::StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified);
            }
            if !status.is_success() {
                return Err(format!("{url} answered {status}"));
            }
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let (etag, last_modified) = (header("etag"), header("last-modified"));
            if resp.content_length().is_some_and(|n| n > cfg.max_bytes) {
                return Err(format!(
                    "the package is larger than the {} bytes a subscription accepts",
                    cfg.max_bytes
                ));
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| format!("reading {url}: {e}"))?
            {
                bytes.extend_from_slice(&chunk);
                if bytes.len() as u64 > cfg.max_bytes {
                    return Err(format!(
                        "the package is larger than the {} bytes a subscription accepts",
                        cfg.max_bytes
                    ));
                }
            }
            return Ok(Fetched::Body {
                bytes,
                etag,
                last_modified,
            });
        }
        Err(format!("{start} redirects too many times"))
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "{start} did not answer within {} seconds",
            timeout.as_secs()
        )),
    }
}

/// What a check did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The server said nothing changed (`304`), or sent the same bytes.
    Unchanged(String),
    /// A framework was made or a version drafted.
    Changed(String),
    /// The check failed; the error is recorded.
    Failed(String),
}

struct Record<'a> {
    outcome: &'a str,
    error: Option<&'a str>,
    changed: bool,
    hash: Option<&'a str>,
    etag: Option<&'a str>,
    last_modified: Option<&'a str>,
    framework_id: Option<Uuid>,
}

async fn record(db: &Db, id: Uuid, r: Record<'_>) -> Result<()> {
    let now = Ts::now();
    on_db!(db, p => sqlx::query(
        "UPDATE case_subscriptions SET last_checked_at = $1, last_outcome = $2, last_error = $3,
             last_changed_at = CASE WHEN $4 THEN $1 ELSE last_changed_at END,
             content_hash = COALESCE($5, content_hash), etag = COALESCE($6, etag),
             last_modified = COALESCE($7, last_modified),
             framework_id = COALESCE($8, framework_id), checks = checks + 1
         WHERE id = $9"
    )
    .bind(now)
    .bind(r.outcome)
    .bind(r.error)
    .bind(r.changed)
    .bind(r.hash)
    .bind(r.etag)
    .bind(r.last_modified)
    .bind(r.framework_id)
    .bind(id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Checks one subscription now: fetch, compare, import when changed, record the outcome
/// (or the error) on the subscription. `None` when the subscription no longer exists.
pub async fn check(state: &AppState, id: Uuid) -> Result<Option<Checked>> {
    let Some(s) = find_row(&state.db, id).await? else {
        return Ok(None);
    };
    let db = &state.db;
    let fail = |message: String| async move {
        record(
            db,
            id,
            Record {
                outcome: "error",
                error: Some(&message),
                changed: false,
                hash: None,
                etag: None,
                last_modified: None,
                framework_id: None,
            },
        )
        .await?;
        tracing::warn!(subscription = %id, error = %message, "CASE subscription check failed");
        Ok::<_, Error>(Some(Checked::Failed(message)))
    };
    // The job acts as the editor who set the subscription up.
    let user = match s.created_by {
        Some(u) => crate::accounts::store::find_user(db, u).await?,
        None => None,
    };
    let Some(user) = user.filter(|u| !u.disabled) else {
        return fail(
            "the editor who set this subscription up no longer has an active account; remove it and subscribe again".into(),
        )
        .await;
    };
    let mut caller = Caller::user(&user, None);
    caller.actor = format!("{} (subscription)", user.email);
    let url = match check_url(&s.url) {
        Ok(u) => u,
        Err(e) => return fail(e.to_string()).await,
    };
    let agent = format!(
        "NSX/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        state.config.public_url()
    );
    let fetched = fetch(
        &state.config.subscriptions,
        &agent,
        &url,
        s.etag.as_deref(),
        s.last_modified.as_deref(),
    )
    .await;
    let (bytes, etag, last_modified) = match fetched {
        Err(e) => return fail(e).await,
        Ok(Fetched::NotModified) => {
            let outcome = "not modified since the last check".to_string();
            record(
                db,
                id,
                Record {
                    outcome: &outcome,
                    error: None,
                    changed: false,
                    hash: None,
                    etag: None,
                    last_modified: None,
                    framework_id: None,
                },
            )
            .await?;
            return Ok(Some(Checked::Unchanged(outcome)));
        }
        Ok(Fetched::Body {
            bytes,
            etag,
            last_modified,
        }) => (bytes, etag, last_modified),
    };
    let hash = hex::encode(Sha256::digest(&bytes));
    if s.content_hash.as_deref() == Some(hash.as_str()) && s.framework.is_some() {
        let outcome = "unchanged since the last check".to_string();
        record(
            db,
            id,
            Record {
                outcome: &outcome,
                error: None,
                changed: false,
                hash: Some(&hash),
                etag: etag.as_deref(),
                last_modified: last_modified.as_deref(),
                framework_id: None,
            },
        )
        .await?;
        return Ok(Some(Checked::Unchanged(outcome)));
    }
    let format = Format::sniff(&bytes);
    let parsed = match import_service::parse(format, &bytes) {
        Ok(p) => p,
        Err(e) => return fail(format!("the package cannot be imported: {e}")).await,
    };
    let options = ImportOptions {
        into: s.framework.clone(),
        organization_id: s.framework.is_none().then_some(s.organization_id),
        ..ImportOptions::default()
    };
    let report = match import_service::import_parsed(db, &caller, format, parsed, options).await {
        Ok(r) => r,
        Err(e @ (Error::Db(_) | Error::Internal(_) | Error::Io(_))) => return Err(e),
        Err(e) => return fail(e.to_string()).await,
    };
    let changed = report.outcome != Outcome::Unchanged;
    let outcome = report.summary();
    record(
        db,
        id,
        Record {
            outcome: &outcome,
            error: None,
            changed,
            hash: Some(&hash),
            etag: etag.as_deref(),
            last_modified: last_modified.as_deref(),
            framework_id: Some(nsx_core::frameworks::framework_id(&report.code)),
        },
    )
    .await?;
    tracing::info!(subscription = %id, outcome = %outcome, "CASE subscription checked");
    Ok(Some(if changed {
        Checked::Changed(outcome)
    } else {
        Checked::Unchanged(outcome)
    }))
}

/// The background job that checks a subscription.
pub struct SubscriptionJob;

#[async_trait]
impl JobHandler for SubscriptionJob {
    async fn run(&self, state: &AppState, job: &Job) -> std::result::Result<(), JobError> {
        let id: Uuid = job
            .payload
            .get("subscription")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| JobError::Fatal("the job names no subscription".into()))?;
        // Failures of the remote side are recorded on the subscription and tried again at
        // the next scheduled check; only this exchange's own failures retry the job.
        check(state, id).await.map(|_| ()).map_err(JobError::from)
    }
}
