//! Editorial figures on a release build: publishing a 100-statement version (transaction,
//! audit entry, cache invalidation) against a bare status update in the same run, and how
//! long a job waits before a node picks it up with two nodes polling one database.
//!
//! ```sh
//! cargo bench -p nsx --bench editorial                 # SQLite
//! NSX_BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p nsx --bench editorial
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use nsx::config::Config;
use nsx::db::Db;
use nsx::frameworks::service::{self, NewFramework};
use nsx::import::progress::Silent;
use nsx::jobs::{self, Job, JobError, JobHandler, NewJob, Runner};
use nsx::service::Caller;
use nsx::state::AppState;
use nsx_core::accounts::{OrgKind, Role};
use nsx_core::frameworks::edit::{Edit, Placement};
use nsx_core::frameworks::{Citation, Level, Locator, MasteryLevel, Section, Status};
use sqlx::Connection;
use tokio::sync::Mutex;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name:<58} n={:<4} p50={:>8.2} ms  p99={:>8.2} ms  max={:>8.2} ms",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

async fn database(backend: &str) -> Option<(Db, String)> {
    match backend {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!("nsx-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir).ok()?;
            let url = format!("sqlite://{}", dir.join("bench.db").display());
            let db = Db::connect(&url, 8).await.ok()?;
            Some((db, url))
        }
        _ => {
            let admin = std::env::var("NSX_BENCH_PG_URL").ok()?;
            let name = format!("nsx_bench_{}", std::process::id());
            let mut c = sqlx::PgConnection::connect(&admin).await.ok()?;
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut c)
            .await;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut c)
                .await
                .ok()?;
            let mut u = url::Url::parse(&admin).ok()?;
            u.set_path(&format!("/{name}"));
            let db = Db::connect(u.as_str(), 8).await.ok()?;
            Some((db, u.to_string()))
        }
    }
}

async fn prepare(db: &Db) -> Caller {
    db.migrate().await.expect("migrate");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onet-mini");
    let files = nsx::import::source::ReleaseFiles::open(&fixture).expect("fixture");
    nsx::import::onet::import(db, &files, &Default::default(), &Silent)
        .await
        .expect("import");
    let org = nsx::accounts::store::create_org(db, "Bench Council", OrgKind::StandardsBody, None)
        .await
        .expect("org");
    let user = nsx::accounts::store::create_user(
        db,
        nsx::accounts::store::NewUser {
            email: "bench@example.org".into(),
            display_name: "Bench".into(),
            password_hash: "x".into(),
            roles: vec![Role::Editor],
            organization_id: Some(org.id),
        },
    )
    .await
    .expect("user");
    Caller::user(&user, None)
}

fn hundred_statements() -> Vec<Edit> {
    (0..100)
        .map(|i| Edit::AddStatement {
            placement: Placement {
                section: Section::Technical,
                domain: None,
                level: Level::Mastery(MasteryLevel::ALL[i % 4]),
            },
            subject: format!("Subject {i}"),
            performance: format!(
                "carry out step {i} of the maintenance routine to the plant's standard"
            ),
            position: None,
            citations: vec![Citation {
                source: "onet".into(),
                release: "30.1".into(),
                locator: Locator::Task {
                    task_id: 90001 + (i as i64 % 4),
                },
                text: String::new(),
                value: None,
            }],
        })
        .collect()
}

async fn publishing(backend: &str, db: &Db, caller: &Caller) {
    let (f, v) = service::create(
        db,
        caller,
        NewFramework {
            title: "Bench framework".into(),
            ..Default::default()
        },
    )
    .await
    .expect("create");
    service::edit(db, caller, &f.code, &v.label, hundred_statements())
        .await
        .expect("edit");
    service::transition(db, caller, &f.code, &v.label, Status::InReview)
        .await
        .expect("review");
    service::transition(db, caller, &f.code, &v.label, Status::Published)
        .await
        .expect("publish");
    let mut publish = Vec::new();
    let mut bare = Vec::new();
    for _ in 0..60 {
        let d = service::start_draft(db, caller, &f.code, None)
            .await
            .expect("draft");
        service::transition(db, caller, &f.code, &d.label, Status::InReview)
            .await
            .expect("review");
        let t = Instant::now();
        service::transition(db, caller, &f.code, &d.label, Status::Published)
            .await
            .expect("publish");
        publish.push(t.elapsed().as_secs_f64() * 1000.0);
        // Baseline: the same status change as one bare UPDATE in its own transaction.
        let t = Instant::now();
        let mut tx = db.begin().await.expect("tx");
        nsx::on_tx!(&mut tx, c => sqlx::query("UPDATE framework_versions SET updated_at = updated_at, status = status WHERE id = $1")
            .bind(d.id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .expect("update");
        tx.commit().await.expect("commit");
        bare.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    summary(
        &format!("[{backend}] publish a 100-statement version"),
        publish,
    );
    summary(
        &format!("[{backend}] baseline: bare status UPDATE + commit"),
        bare,
    );
}

#[derive(Default)]
struct Waits {
    ms: Mutex<Vec<f64>>,
}

struct Stamp(Arc<Waits>);

#[async_trait]
impl JobHandler for Stamp {
    async fn run(&self, _state: &AppState, job: &Job) -> Result<(), JobError> {
        let now = time::OffsetDateTime::now_utc();
        let waited = (now - job.run_at).as_seconds_f64() * 1000.0;
        self.0.ms.lock().await.push(waited);
        Ok(())
    }
}

async fn pickup(backend: &str, url: &str, nodes: usize) {
    let waits = Arc::new(Waits::default());
    let mut handles = Vec::new();
    let mut producer = None;
    for _ in 0..nodes {
        let db = Db::connect(url, 4).await.expect("connect");
        let config = Config {
            database_url: url.to_string(),
            ..Config::default()
        };
        let state = nsx::app::state(db.clone(), config).await.expect("state");
        producer.get_or_insert(db);
        let r = Runner::new(state).handler("stamp", Arc::new(Stamp(waits.clone())));
        handles.push(r.spawn());
    }
    let db = producer.expect("a node");
    let n = 200;
    for i in 0..n {
        jobs::enqueue_now(&db, NewJob::now("stamp", serde_json::json!({ "i": i })))
            .await
            .expect("enqueue");
        // Jobs arrive at irregular moments relative to the nodes' polling.
        tokio::time::sleep(Duration::from_millis(17 + (i * 37 % 61) as u64)).await;
    }
    for _ in 0..100 {
        if waits.ms.lock().await.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for h in handles {
        h.abort();
    }
    let ms = waits.ms.lock().await.clone();
    summary(
        &format!("[{backend}] job pickup latency, {nodes} node(s) polling every 250 ms"),
        ms,
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for backend in ["sqlite", "postgres"] {
            let Some((db, url)) = database(backend).await else {
                println!("[{backend}] skipped (set NSX_BENCH_PG_URL for PostgreSQL)");
                continue;
            };
            let caller = prepare(&db).await;
            publishing(backend, &db, &caller).await;
            pickup(backend, &url, 1).await;
            pickup(backend, &url, 2).await;
            db.close().await;
        }
    });
}
