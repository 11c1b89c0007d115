//! Background jobs: a table of work with leases, so that several nodes sharing one database
//! run each job once, and a job whose node dies is taken over when its lease runs out.
//!
//! - [`enqueue`] adds a job inside the caller's transaction (so the job exists exactly when
//!   the change that asked for it commits; the e-mail outbox relies on this).
//! - [`Runner`] polls for due jobs on every node, claims one at a time with a lease
//!   (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has a single writer), runs its
//!   [`JobHandler`], renews the lease while it runs, and records success, a retry with
//!   exponential back-off, or the final failure.
//! - Schedules ([`ensure_schedule`]) enqueue a job every N seconds; a compare-and-set on the
//!   schedule's next run time makes exactly one node enqueue each run.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::{Notify, Semaphore};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::{Backend, Db, Ts, Tx};
use crate::error::{Error, Result};
use crate::paging::{PageRequest, Paginated};
use crate::state::AppState;
use crate::{on_db, on_tx};

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its time (or for a retry).
    Queued,
    /// Claimed by a node that holds its lease.
    Running,
    /// Finished.
    Done,
    /// Gave up after its last attempt.
    Failed,
}

impl JobStatus {
    /// Every status.
    pub const ALL: [JobStatus; 4] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A job to add.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Which handler runs it.
    pub kind: String,
    /// The handler's input.
    pub payload: Value,
    /// Not before this time.
    pub run_at: OffsetDateTime,
    /// Attempts before it is marked failed.
    pub max_attempts: i64,
    /// When set, a second job with the same key is not added.
    pub dedupe_key: Option<String>,
}

impl NewJob {
    /// A job to run as soon as a node is free.
    pub fn now(kind: &str, payload: Value) -> Self {
        NewJob {
            kind: kind.to_string(),
            payload,
            run_at: OffsetDateTime::now_utc(),
            max_attempts: 8,
            dedupe_key: None,
        }
    }

    /// Runs no earlier than `at`.
    pub fn at(mut self, at: OffsetDateTime) -> Self {
        self.run_at = at;
        self
    }

    /// Gives up after `n` attempts.
    pub fn attempts(mut self, n: i64) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Adds the job only if no job with this key exists.
    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

/// Adds a job inside a transaction; `None` when a job with the same dedupe key exists.
pub async fn enqueue(tx: &mut Tx, job: NewJob) -> Result<Option<Uuid>> {
    let id = Uuid::now_v7();
    let payload = job.payload.to_string();
    let now = Ts::now();
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO jobs (id, kind, payload, status, run_at, attempts, max_attempts, dedupe_key, created_at)
         VALUES ($1, $2, $3, 'queued', $4, 0, $5, $6, $7)
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(id)
    .bind(&job.kind)
    .bind(&payload)
    .bind(Ts(job.run_at))
    .bind(job.max_attempts)
    .bind(&job.dedupe_key)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok((n == 1).then_some(id))
}

/// Adds a job in a transaction of its own.
pub async fn enqueue_now(db: &Db, job: NewJob) -> Result<Option<Uuid>> {
    let mut tx = db.begin().await?;
    let id = enqueue(&mut tx, job).await?;
    tx.commit().await?;
    Ok(id)
}

/// A stored job.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Job {
    /// Id (time-ordered).
    pub id: Uuid,
    /// Which handler runs it.
    pub kind: String,
    /// The handler's input.
    pub payload: Value,
    /// Where it stands.
    pub status: JobStatus,
    /// Not before this time.
    #[serde(with = "time::serde::rfc3339")]
    pub run_at: OffsetDateTime,
    /// Attempts made so far.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// The node holding the lease while it runs.
    pub lease_owner: Option<String>,
    /// When the lease runs out.
    #[serde(with = "time::serde::rfc3339::option")]
    pub lease_until: Option<OffsetDateTime>,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// When it was added.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the last attempt started.
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    /// When it finished or failed for good.
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: Uuid,
    kind: String,
    payload: String,
    status: String,
    run_at: OffsetDateTime,
    attempts: i64,
    max_attempts: i64,
    lease_owner: Option<String>,
    lease_until: Option<OffsetDateTime>,
    last_error: Option<String>,
    created_at: OffsetDateTime,
    started_at: Option<OffsetDateTime>,
    finished_at: Option<OffsetDateTime>,
}

const JOB_COLS: &str = "id, kind, payload, status, run_at, attempts, max_attempts, lease_owner, lease_until, last_error, created_at, started_at, finished_at";

impl TryFrom<JobRow> for Job {
    type Error = Error;
    fn try_from(r: JobRow) -> Result<Job> {
        Ok(Job {
            id: r.id,
            kind: r.kind,
            payload: serde_json::from_str(&r.payload)
                .map_err(|e| Error::Internal(format!("job {}: payload: {e}", r.id)))?,
            status: JobStatus::parse(&r.status)
                .ok_or_else(|| Error::Internal(format!("job {}: status {:?}", r.id, r.status)))?,
            run_at: r.run_at,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            lease_owner: r.lease_owner,
            lease_until: r.lease_until,
            last_error: r.last_error,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }
}

/// Claims the next due job (or one whose lease ran out) of one of `kinds` for `node`,
/// holding it for `lease`. A node only claims the kinds it has handlers for, so nodes of
/// different versions can share one queue.
pub async fn claim(db: &Db, node: &str, lease: Duration, kinds: &[&str]) -> Result<Option<Job>> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let now = OffsetDateTime::now_utc();
    let until = now + lease;
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let kind_list = (0..kinds.len())
        .map(|i| format!("${}", i + 4))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE jobs SET status = 'running', lease_owner = $1, lease_until = $2,
                attempts = attempts + 1, started_at = $3
         WHERE id = (
             SELECT id FROM jobs
             WHERE ((status = 'queued' AND run_at <= $3)
                OR (status = 'running' AND lease_until < $3))
               AND kind IN ({kind_list})
             ORDER BY run_at, id
             LIMIT 1 {lock}
         )
         RETURNING {JOB_COLS}"
    );
    let row: Option<JobRow> = on_db!(db, p => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(node)
            .bind(Ts(until))
            .bind(Ts(now));
        for k in kinds {
            q = q.bind(*k);
        }
        q.fetch_optional(p).await
    })?;
    row.map(Job::try_from).transpose()
}

/// Extends the lease of a job this node holds; false when the lease was lost.
pub async fn renew(db: &Db, id: Uuid, node: &str, lease: Duration) -> Result<bool> {
    let until = OffsetDateTime::now_utc() + lease;
    let n = on_db!(db, p => sqlx::query(
        "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'running'"
    )
    .bind(Ts(until))
    .bind(id)
    .bind(node)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Marks a job this node holds as done.
pub async fn complete(db: &Db, id: Uuid, node: &str) -> Result<bool> {
    let n = on_db!(db, p => sqlx::query(
        "UPDATE jobs SET status = 'done', finished_at = $1, lease_owner = NULL, lease_until = NULL, last_error = NULL
         WHERE id = $2 AND lease_owner = $3 AND status = 'running'"
    )
    .bind(Ts::now())
    .bind(id)
    .bind(node)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The wait before attempt `attempts + 1`: `base × 2^(attempts−1)`, at most `max`.
pub fn backoff(attempts: i64, base: Duration, max: Duration) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    base.saturating_mul(2u32.saturating_pow(exp)).min(max)
}

/// Records a failed attempt: queued again after a back-off, or failed for good.
pub async fn fail(
    db: &Db,
    job: &Job,
    node: &str,
    error: &str,
    retry: bool,
    cfg: &JobsConfig,
) -> Result<JobStatus> {
    let now = OffsetDateTime::now_utc();
    let give_up = !retry || job.attempts >= job.max_attempts;
    let status = if give_up {
        JobStatus::Failed
    } else {
        JobStatus::Queued
    };
    let next = now
        + backoff(
            job.attempts,
            Duration::from_secs(cfg.retry_base_secs.max(1)),
            Duration::from_secs(cfg.retry_max_secs.max(1)),
        );
    let finished = give_up.then_some(Ts(now));
    on_db!(db, p => sqlx::query(
        "UPDATE jobs SET status = $1, run_at = $2, last_error = $3, lease_owner = NULL,
                lease_until = NULL, finished_at = $4
         WHERE id = $5 AND lease_owner = $6"
    )
    .bind(status.as_str())
    .bind(Ts(next))
    .bind(error)
    .bind(finished)
    .bind(job.id)
    .bind(node)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(status)
}

/// Puts a failed job back in the queue to run now (an administrator's retry).
pub async fn retry(db: &Db, id: Uuid) -> Result<Job> {
    let n = on_db!(db, p => sqlx::query(
        "UPDATE jobs SET status = 'queued', run_at = $1, finished_at = NULL, max_attempts = attempts + 1
         WHERE id = $2 AND status = 'failed'"
    )
    .bind(Ts::now())
    .bind(id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return match find(db, id).await? {
            None => Err(Error::not_found(format!("job {id}"))),
            Some(j) => Err(Error::Conflict(format!(
                "job {id} is {}; only failed jobs can be retried",
                j.status.as_str()
            ))),
        };
    }
    find(db, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("job {id}")))
}

/// One job.
pub async fn find(db: &Db, id: Uuid) -> Result<Option<Job>> {
    let row: Option<JobRow> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {JOB_COLS} FROM jobs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(p)
    .await)?;
    row.map(Job::try_from).transpose()
}

/// Which jobs to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobFilter {
    /// Only jobs in this status (`queued`, `running`, `done`, `failed`).
    pub status: Option<String>,
    /// Only jobs of this kind (e.g. `email`).
    pub kind: Option<String>,
}

/// Jobs, newest first, one page at a time.
pub async fn list(db: &Db, f: &JobFilter, page: PageRequest) -> Result<Paginated<Job>> {
    let status = match f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(
            JobStatus::parse(s)
                .ok_or_else(|| {
                    Error::invalid("status", "expected one of queued, running, done, failed")
                })?
                .as_str(),
        ),
        None => None,
    };
    let kind = f.kind.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let total: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR kind = $2)"
    )
    .bind(status)
    .bind(kind)
    .fetch_one(p)
    .await)?;
    let rows: Vec<JobRow> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {JOB_COLS} FROM jobs WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR kind = $2)
         ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
    )))
    .bind(status)
    .bind(kind)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(p)
    .await)?;
    let items = rows
        .into_iter()
        .map(Job::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Paginated::new(items, total, page))
}

/// Jobs per status (for the admin page).
pub async fn counts(db: &Db) -> Result<Vec<(JobStatus, i64)>> {
    let rows: Vec<(String, i64)> = on_db!(db, p => sqlx::query_as(
        "SELECT status, COUNT(*) FROM jobs GROUP BY status"
    )
    .fetch_all(p)
    .await)?;
    Ok(JobStatus::ALL
        .into_iter()
        .map(|s| {
            let n = rows
                .iter()
                .find(|(name, _)| name == s.as_str())
                .map(|r| r.1)
                .unwrap_or(0);
            (s, n)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Schedules

/// Makes sure a schedule exists: `kind` with `payload` every `every`. The first run is due
/// at once; an existing schedule keeps its next run time and takes the new period.
pub async fn ensure_schedule(
    db: &Db,
    name: &str,
    kind: &str,
    payload: Value,
    every: Duration,
) -> Result<()> {
    let mut tx = db.begin().await?;
    ensure_schedule_in(&mut tx, name, kind, payload, every).await?;
    tx.commit().await
}

/// [`ensure_schedule`] inside the caller's transaction (so a schedule exists exactly when
/// the thing it serves does).
pub async fn ensure_schedule_in(
    tx: &mut Tx,
    name: &str,
    kind: &str,
    payload: Value,
    every: Duration,
) -> Result<()> {
    let secs = i64::try_from(every.as_secs().max(1)).unwrap_or(i64::MAX);
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO job_schedules (name, kind, payload, every_secs, next_run_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, payload = excluded.payload,
             every_secs = excluded.every_secs"
    )
    .bind(name)
    .bind(kind)
    .bind(payload.to_string())
    .bind(secs)
    .bind(Ts::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Removes a schedule (jobs it already enqueued stay).
pub async fn drop_schedule(db: &Db, name: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    drop_schedule_in(&mut tx, name).await?;
    tx.commit().await
}

/// [`drop_schedule`] inside the caller's transaction.
pub async fn drop_schedule_in(tx: &mut Tx, name: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM job_schedules WHERE name = $1")
        .bind(name)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    name: String,
    kind: String,
    payload: String,
    every_secs: i64,
    runs: i64,
}

/// Enqueues one job for every schedule that is due. Each due run is taken by exactly one
/// node: the schedule's run counter moves by compare-and-set in the same transaction that
/// adds the job. Returns how many jobs this node enqueued.
pub async fn run_due_schedules(db: &Db) -> Result<usize> {
    let now = OffsetDateTime::now_utc();
    let due: Vec<ScheduleRow> = on_db!(db, p => sqlx::query_as(
        "SELECT name, kind, payload, every_secs, runs FROM job_schedules WHERE next_run_at <= $1"
    )
    .bind(Ts(now))
    .fetch_all(p)
    .await)?;
    let mut enqueued = 0;
    for s in due {
        let next = now + time::Duration::seconds(s.every_secs.max(1));
        let mut tx = db.begin().await?;
        let moved = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE job_schedules SET next_run_at = $1, last_run_at = $2, runs = runs + 1
             WHERE name = $3 AND runs = $4",
        )
        .bind(Ts(next))
        .bind(Ts(now))
        .bind(&s.name)
        .bind(s.runs)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if moved != 1 {
            tx.rollback().await?;
            continue;
        }
        let payload: Value = serde_json::from_str(&s.payload).unwrap_or(Value::Null);
        let job =
            NewJob::now(&s.kind, payload).dedupe(format!("schedule:{}:{}", s.name, s.runs + 1));
        if enqueue(&mut tx, job).await?.is_some() {
            enqueued += 1;
        }
        tx.commit().await?;
    }
    Ok(enqueued)
}

// ---------------------------------------------------------------------------------------
// Running

/// Why a job's attempt failed.
#[derive(Debug)]
pub enum JobError {
    /// Worth trying again later (a relay down, a server not answering).
    Retry(String),
    /// Will never work (bad payload, the thing it concerns is gone).
    Fatal(String),
}

impl From<Error> for JobError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(_) | Error::NotFound(_) | Error::Forbidden(_) | Error::Conflict(_) => {
                JobError::Fatal(e.to_string())
            }
            other => JobError::Retry(other.to_string()),
        }
    }
}

/// What runs one kind of job.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Runs one attempt.
    async fn run(&self, state: &AppState, job: &Job) -> std::result::Result<(), JobError>;
}

/// How the runner behaves (part of the configuration).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct JobsConfig {
    /// Whether this node runs background jobs at all.
    pub enabled: bool,
    /// How often an idle node looks for due jobs, in milliseconds.
    pub poll_ms: u64,
    /// How long a claimed job is held before another node may take it over, in seconds
    /// (renewed while the job runs).
    pub lease_secs: u64,
    /// Jobs one node runs at once.
    pub workers: usize,
    /// First retry delay in seconds; doubles with each attempt.
    pub retry_base_secs: u64,
    /// Longest retry delay in seconds.
    pub retry_max_secs: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            enabled: true,
            poll_ms: 250,
            lease_secs: 60,
            workers: 2,
            retry_base_secs: 30,
            retry_max_secs: 3600,
        }
    }
}

/// The job runner of one node.
#[derive(Clone)]
pub struct Runner {
    state: AppState,
    node: Arc<str>,
    handlers: Arc<HashMap<String, Arc<dyn JobHandler>>>,
    wake: Arc<Notify>,
}

impl Runner {
    /// A runner for this node with no handlers yet.
    pub fn new(state: AppState) -> Self {
        let node = format!(
            "{}:{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into()),
            std::process::id(),
            &Uuid::now_v7().simple().to_string()[24..]
        );
        Runner {
            state,
            node: node.into(),
            handlers: Arc::new(HashMap::new()),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Registers the handler of a kind of job.
    pub fn handler(mut self, kind: &str, h: Arc<dyn JobHandler>) -> Self {
        Arc::make_mut(&mut self.handlers).insert(kind.to_string(), h);
        self
    }

    /// This node's name in leases.
    pub fn node(&self) -> &str {
        &self.node
    }

    fn kinds(&self) -> Vec<&str> {
        self.handlers.keys().map(String::as_str).collect()
    }

    /// Wakes the runner at once (after this node enqueued something).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs due schedules and due jobs until there are none, then returns how many jobs
    /// ran (tests and the command line drive the runner this way).
    pub async fn drain(&self) -> Result<usize> {
        run_due_schedules(&self.state.db).await?;
        let mut n = 0;
        let lease = Duration::from_secs(self.state.config.jobs.lease_secs.max(1));
        while let Some(job) = claim(&self.state.db, &self.node, lease, &self.kinds()).await? {
            self.run_one(job).await;
            n += 1;
        }
        Ok(n)
    }

    /// Starts polling in the background; returns at once.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move { self.run_forever().await })
    }

    async fn run_forever(self) {
        let cfg = self.state.config.jobs.clone();
        let poll = Duration::from_millis(cfg.poll_ms.max(10));
        let lease = Duration::from_secs(cfg.lease_secs.max(1));
        let slots = Arc::new(Semaphore::new(cfg.workers.max(1)));
        tracing::info!(node = %self.node, "background jobs: polling every {poll:?}");
        loop {
            if let Err(e) = run_due_schedules(&self.state.db).await {
                tracing::warn!(error = %e, "background jobs: schedules could not be read");
            }
            // Claim while there are free slots and due jobs.
            loop {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    return;
                };
                match claim(&self.state.db, &self.node, lease, &self.kinds()).await {
                    Ok(Some(job)) => {
                        let me = self.clone();
                        tokio::spawn(async move {
                            me.run_one(job).await;
                            drop(permit);
                        });
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "background jobs: claim failed");
                        break;
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = self.wake.notified() => {}
            }
        }
    }

    async fn run_one(&self, job: Job) {
        let cfg = &self.state.config.jobs;
        let lease = Duration::from_secs(cfg.lease_secs.max(1));
        let db = self.state.db.clone();
        let Some(handler) = self.handlers.get(&job.kind).cloned() else {
            let msg = format!("no handler for jobs of kind {:?} on this node", job.kind);
            tracing::error!(job = %job.id, "{msg}");
            let _ = fail(&db, &job, &self.node, &msg, false, cfg).await;
            return;
        };
        // Keep the lease while the handler runs.
        let renewer = {
            let db = db.clone();
            let node = self.node.clone();
            let id = job.id;
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(lease / 3).await;
                    match renew(&db, id, &node, lease).await {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => tracing::warn!(job = %id, error = %e, "lease renewal failed"),
                    }
                }
            })
        };
        let started = std::time::Instant::now();
        let outcome = handler.run(&self.state, &job).await;
        renewer.abort();
        match outcome {
            Ok(()) => match complete(&db, job.id, &self.node).await {
                Ok(true) => tracing::info!(job = %job.id, kind = %job.kind,
                    ms = started.elapsed().as_millis() as u64, "job done"),
                Ok(false) => tracing::warn!(job = %job.id, "job finished after its lease was lost"),
                Err(e) => tracing::error!(job = %job.id, error = %e, "cannot mark the job done"),
            },
            Err(err) => {
                let (msg, retry) = match err {
                    JobError::Retry(m) => (m, true),
                    JobError::Fatal(m) => (m, false),
                };
                match fail(&db, &job, &self.node, &msg, retry, cfg).await {
                    Ok(s) => {
                        tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts,
                        status = s.as_str(), error = %msg, "job attempt failed")
                    }
                    Err(e) => {
                        tracing::error!(job = %job.id, error = %e, "cannot record the job's failure")
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_the_ceiling() {
        let base = Duration::from_secs(30);
        let max = Duration::from_secs(3600);
        assert_eq!(backoff(1, base, max), Duration::from_secs(30));
        assert_eq!(backoff(2, base, max), Duration::from_secs(60));
        assert_eq!(backoff(4, base, max), Duration::from_secs(240));
        assert_eq!(backoff(40, base, max), max);
        assert_eq!(backoff(0, base, max), Duration::from_secs(30));
    }
}
