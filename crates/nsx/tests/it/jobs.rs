//! Background jobs across nodes: each job runs once however many nodes poll, a job whose
//! node died is taken over when its lease runs out, schedules enqueue each run once, and
//! the e-mail outbox keeps its messages while the relay is down and sends them when it is
//! back.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use nsx::jobs::{self, Job, JobError, JobHandler, JobStatus, NewJob, Runner};
use nsx::mail::{self, OutgoingEmail};
use nsx::state::AppState;
use serde_json::json;
use tokio::sync::Mutex;

use crate::common::smtp::SmtpSink;
use crate::common::{Data, TestApp};

/// Records which node ran which job, and how often.
#[derive(Default)]
struct Recorder {
    runs: Mutex<HashMap<String, Vec<(String, i64)>>>,
}

struct Record {
    node: String,
    log: Arc<Recorder>,
    delay: Duration,
}

#[async_trait]
impl JobHandler for Record {
    async fn run(&self, _state: &AppState, job: &Job) -> Result<(), JobError> {
        tokio::time::sleep(self.delay).await;
        let key = job.payload["n"].to_string();
        self.log
            .runs
            .lock()
            .await
            .entry(key)
            .or_default()
            .push((self.node.clone(), job.attempts));
        Ok(())
    }
}

fn runner(app: &TestApp, node: &str, log: &Arc<Recorder>, delay: Duration) -> Runner {
    Runner::new(app.state.clone()).handler(
        "record",
        Arc::new(Record {
            node: node.into(),
            log: log.clone(),
            delay,
        }),
    )
}

async fn wait_until_done(app: &TestApp, n: i64) {
    for _ in 0..400 {
        let done: i64 = nsx::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'record' AND status = 'done'"
        ).fetch_one(p).await)
        .unwrap();
        if done >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("jobs did not finish");
}

async fn two_nodes_run_each_job_once(app: TestApp) {
    // A second node: its own pool and state on the same database.
    let second = TestApp::builder()
        .database_url(&app.database_url)
        .data(Data::Empty)
        .start()
        .await;
    let log = Arc::new(Recorder::default());
    for n in 0..120 {
        jobs::enqueue_now(&app.db, NewJob::now("record", json!({ "n": n })))
            .await
            .unwrap();
    }
    let a = runner(&app, "a", &log, Duration::from_millis(20)).spawn();
    let b = runner(&second, "b", &log, Duration::from_millis(20)).spawn();
    wait_until_done(&app, 120).await;
    a.abort();
    b.abort();
    let runs = log.runs.lock().await;
    assert_eq!(runs.len(), 120, "every job ran");
    assert!(
        runs.values().all(|r| r.len() == 1),
        "no job ran twice: {runs:?}"
    );
    let by_a = runs.values().filter(|r| r[0].0 == "a").count();
    assert!(by_a > 0 && by_a < 120, "both nodes took work ({by_a} on a)");
    drop(runs);

    // A schedule ensured by both nodes enqueues each of its runs once.
    jobs::ensure_schedule(
        &app.db,
        "tick",
        "record",
        json!({"n": "tick"}),
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    jobs::ensure_schedule(
        &second.db,
        "tick",
        "record",
        json!({"n": "tick"}),
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    let mut enqueued = 0;
    for _ in 0..12 {
        let (x, y) = tokio::join!(
            jobs::run_due_schedules(&app.db),
            jobs::run_due_schedules(&second.db)
        );
        enqueued += x.unwrap() + y.unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // The test servers' own runners poll the schedules too, so count what the queue holds:
    // one job per run, whoever enqueued it. Both counts come from one statement, so a run
    // a runner adds meanwhile is in both or in neither (a run and its job commit together).
    let (runs, jobs_for_tick): (i64, i64) =
        nsx::on_db!(&app.db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT (SELECT runs FROM job_schedules WHERE name = 'tick'),
                (SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'schedule:tick:%')"
    ).fetch_one(p).await)
        .unwrap();
    assert_eq!(jobs_for_tick, runs, "one job per run of the schedule");
    assert!(enqueued as i64 <= runs);
    assert!(
        // Slow machines stretch the loop; the point is one job per run.
        (2..=10).contains(&runs),
        "about one run a second over three seconds: {runs}"
    );
    second.finish().await;
    app.finish().await;
}

async fn a_dead_nodes_job_is_taken_over(app: TestApp) {
    let log = Arc::new(Recorder::default());
    jobs::enqueue_now(&app.db, NewJob::now("record", json!({"n": "orphan"})))
        .await
        .unwrap();
    // A node claims it with a one-second lease and dies.
    let claimed = jobs::claim(&app.db, "dead-node", Duration::from_secs(1), &["record"])
        .await
        .unwrap()
        .expect("claimed");
    assert_eq!(claimed.status, JobStatus::Running);
    let r = runner(&app, "alive", &log, Duration::ZERO);
    assert_eq!(r.drain().await.unwrap(), 0, "the lease still holds");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        r.drain().await.unwrap(),
        1,
        "taken over once the lease ran out"
    );
    let runs = log.runs.lock().await;
    assert_eq!(runs["\"orphan\""], vec![("alive".to_string(), 2)]);
    // The dead node can no longer finish it.
    assert!(
        !jobs::complete(&app.db, claimed.id, "dead-node")
            .await
            .unwrap()
    );
    drop(runs);
    app.finish().await;
}

async fn outbox_waits_for_the_relay(app: TestApp, port: u16) {
    mail::queue_now(
        &app.db,
        OutgoingEmail {
            to: "reader@example.org".into(),
            subject: "Kept while the relay is down".into(),
            body: "This message waited in the outbox.".into(),
        },
    )
    .await
    .unwrap();
    let runner = nsx::app::job_runner(app.state.clone());
    // The relay is down: the attempt fails and the message stays queued with the error.
    assert_eq!(runner.drain().await.unwrap(), 1);
    let list = jobs::list(&app.db, &jobs::JobFilter::default(), Default::default())
        .await
        .unwrap();
    let job = &list.items[0];
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.attempts, 1);
    assert!(
        job.last_error.as_deref().unwrap_or("").contains("e-mail"),
        "{:?}",
        job.last_error
    );
    // The relay comes back; after the back-off the message goes out, once.
    let sink = SmtpSink::start_on(port).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(runner.drain().await.unwrap(), 1);
    let got = sink.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert!(got[0].text().contains("This message waited in the outbox."));
    let job = jobs::find(&app.db, job.id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Done);
    assert_eq!(runner.drain().await.unwrap(), 0, "nothing is sent twice");
    app.finish().await;
}

async fn outbox_app(pg: bool) -> Option<(TestApp, u16)> {
    let port = SmtpSink::unused_port().await;
    let b = TestApp::builder().data(Data::Empty).config(move |c| {
        c.smtp.url = Some(format!("smtp://127.0.0.1:{port}"));
        c.smtp.from = "NSX <no-reply@nsx.test>".into();
        c.jobs.retry_base_secs = 1;
        c.jobs.enabled = false;
    });
    let b = if pg { b.postgres()? } else { b };
    Some((b.start().await, port))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_waits_for_the_relay_sqlite() {
    let (app, port) = outbox_app(false).await.unwrap();
    outbox_waits_for_the_relay(app, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_waits_for_the_relay_postgres() {
    if let Some((app, port)) = outbox_app(true).await {
        outbox_waits_for_the_relay(app, port).await;
    }
}

on_both_backends!(two_nodes_run_each_job_once, a_dead_nodes_job_is_taken_over);
