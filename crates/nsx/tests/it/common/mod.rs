//! The test harness: start the real exchange on a random port against a fresh SQLite file or
//! a fresh PostgreSQL database, optionally loaded with the O*NET fixture.
//!
//! PostgreSQL tests run when `NSX_TEST_PG_URL` names a server (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test gets its own database. With
//! `NSX_REQUIRE_PG=1` (CI) a missing server fails the test instead of skipping it.

#![allow(dead_code)]

pub mod browser;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nsx::config::Config;
use nsx::db::{Backend, Db};
use nsx::import::progress::Silent;
use nsx::state::AppState;
use sqlx::Connection;
use tokio::net::TcpListener;

/// The O*NET fixture written for these tests (official layout, invented content).
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onet-mini")
}

/// The shared real data folder (`../shared/data` from the repository root), if present.
pub fn shared_data() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("NSX_SHARED_DATA") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    p.join("onet")
        .is_dir()
        .then(|| p.canonicalize().unwrap_or(p))
}

/// Where the PostgreSQL tests look when `NSX_TEST_PG_URL` is unset.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The PostgreSQL server tests create their databases on: `NSX_TEST_PG_URL` if set (empty or
/// `off` disables), else the local default if something answers there.
pub fn pg_admin_url() -> Option<String> {
    static URL: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    URL.get_or_init(|| match std::env::var("NSX_TEST_PG_URL") {
        Ok(u) if u.is_empty() || u == "off" => None,
        Ok(u) => Some(u),
        Err(_) => std::net::TcpStream::connect_timeout(
            &"127.0.0.1:5432".parse().expect("address"),
            std::time::Duration::from_millis(300),
        )
        .ok()
        .map(|_| DEFAULT_PG_URL.to_string()),
    })
    .clone()
}

/// Runs each named `async fn(TestApp)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::common::TestApp::builder().start().await;
                    super::$case(app).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(b) = $crate::common::TestApp::builder().postgres() {
                        super::$case(b.start().await).await;
                    }
                }
            }
        )*
    };
}

/// What data a test app starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Data {
    /// Migrated, empty.
    Empty,
    /// The O*NET fixture imported.
    Fixture,
}

/// A change to the configuration made before start.
type ConfigTweak = Box<dyn FnOnce(&mut Config) + Send>;

/// Builds a [`TestApp`].
pub struct Builder {
    backend: Backend,
    pg_admin_url: Option<String>,
    data: Data,
    tweak: Vec<ConfigTweak>,
    database_url: Option<String>,
}

impl Builder {
    /// Switches to PostgreSQL; `None` when no server is available (the test is skipped).
    pub fn postgres(mut self) -> Option<Self> {
        match pg_admin_url() {
            Some(url) => {
                self.backend = Backend::Postgres;
                self.pg_admin_url = Some(url);
                Some(self)
            }
            None => {
                if std::env::var("NSX_REQUIRE_PG").is_ok_and(|v| v == "1") {
                    panic!(
                        "NSX_REQUIRE_PG=1 but no PostgreSQL server is reachable (NSX_TEST_PG_URL or {DEFAULT_PG_URL})"
                    );
                }
                eprintln!(
                    "skipped on PostgreSQL: no server at NSX_TEST_PG_URL or {DEFAULT_PG_URL}"
                );
                None
            }
        }
    }

    /// Chooses the starting data.
    pub fn data(mut self, data: Data) -> Self {
        self.data = data;
        self
    }

    /// Adjusts the configuration before start.
    pub fn config(mut self, f: impl FnOnce(&mut Config) + Send + 'static) -> Self {
        self.tweak.push(Box::new(f));
        self
    }

    /// Uses an existing database instead of a fresh one (two nodes on one database).
    pub fn database_url(mut self, url: &str) -> Self {
        self.database_url = Some(url.to_string());
        self.backend = Backend::of_url(url).expect("database URL");
        self
    }

    /// Creates the database, imports the data and starts the server. With `NSX_TEST_LOG`
    /// set (e.g. `nsx=debug`), the server's logs go to the test output.
    pub async fn start(self) -> TestApp {
        if let Ok(filter) = std::env::var("NSX_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut pg_database = None;
        let url = match (&self.database_url, self.backend) {
            (Some(u), _) => u.clone(),
            (None, Backend::Sqlite) => format!("sqlite://{}", dir.path().join("nsx.db").display()),
            (None, Backend::Postgres) => {
                let admin = self.pg_admin_url.clone().expect("admin url");
                let name = format!(
                    "nsx_test_{}_{}",
                    time::OffsetDateTime::now_utc().unix_timestamp(),
                    uuid::Uuid::new_v4().simple()
                );
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("connect to PostgreSQL");
                drop_stale_databases(&mut conn).await;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                conn.close().await.ok();
                pg_database = Some((admin.clone(), name.clone()));
                replace_db_name(&admin, &name)
            }
        };
        let mut config = Config {
            database_url: url.clone(),
            data_dir: dir.path().to_path_buf(),
            bootstrap: false,
            refresh_secs: 1,
            max_connections: 5,
            // Search's lexical database: none unless NSX_TEST_WORDNET names one, so results
            // do not depend on what the machine has installed (.ci/run runs the search
            // tests both ways).
            wordnet: Some(std::env::var("NSX_TEST_WORDNET").unwrap_or_else(|_| "off".into())),
            // Word embeddings likewise: none unless NSX_TEST_EMBEDDINGS names a table.
            embeddings: Some(std::env::var("NSX_TEST_EMBEDDINGS").unwrap_or_else(|_| "off".into())),
            ..Config::default()
        };
        for t in self.tweak {
            t(&mut config);
        }
        let db = Db::connect(&config.database_url, config.max_connections)
            .await
            .expect("connect");
        db.migrate().await.expect("migrate");
        if self.data == Data::Fixture && self.database_url.is_none() {
            let files = nsx::import::source::ReleaseFiles::open(&fixture_dir()).expect("fixture");
            nsx::import::onet::import(&db, &files, &Default::default(), &Silent)
                .await
                .expect("fixture import");
        }
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.listen = addr;
        let state = nsx::app::state(db.clone(), config).await.expect("state");
        let server_state = state.clone();
        let server = tokio::spawn(async move {
            nsx::app::serve_on(listener, server_state)
                .await
                .expect("server");
        });
        TestApp {
            url: format!("http://{addr}"),
            db,
            state,
            database_url: url,
            server: Arc::new(server),
            _dir: Arc::new(dir),
            pg_database,
        }
    }
}

fn replace_db_name(admin: &str, name: &str) -> String {
    let mut u = url::Url::parse(admin).expect("NSX_TEST_PG_URL is a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// Drops test databases left behind by runs more than two hours old.
async fn drop_stale_databases(conn: &mut sqlx::PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'nsx_test_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for n in names {
        let ts: i64 = n
            .trim_start_matches("nsx_test_")
            .split('_')
            .next()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        if now - ts > 7200 {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {n} WITH (FORCE)"
            )))
            .execute(&mut *conn)
            .await;
        }
    }
}

/// A running exchange.
#[derive(Clone)]
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Direct database access for assertions.
    pub db: Db,
    /// The server's shared state.
    pub state: AppState,
    /// The database URL (to start a second node on it).
    pub database_url: String,
    server: Arc<tokio::task::JoinHandle<()>>,
    _dir: Arc<tempfile::TempDir>,
    pg_database: Option<(String, String)>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if Arc::strong_count(&self.server) == 1 {
            self.server.abort();
        }
    }
}

impl TestApp {
    /// A builder: SQLite, fixture data.
    pub fn builder() -> Builder {
        Builder {
            backend: Backend::Sqlite,
            pg_admin_url: None,
            data: Data::Fixture,
            tweak: Vec::new(),
            database_url: None,
        }
    }

    /// Which backend this app runs on.
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// A client that keeps cookies (one per simulated browser) and does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Absolute URL for a path.
    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// GET a path with a fresh client; returns status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self.client().get(self.at(path)).send().await.expect("GET");
        let s = r.status().as_u16();
        (s, r.text().await.unwrap_or_default())
    }

    /// GET a path and parse JSON.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.client().get(self.at(path)).send().await.expect("GET");
        let s = r.status().as_u16();
        let v = r.json().await.unwrap_or(serde_json::Value::Null);
        (s, v)
    }

    /// The router alone, for `tower::ServiceExt::oneshot` tests.
    pub fn router(&self) -> axum::Router {
        nsx::routes::router(self.state.clone())
    }

    /// Stops the server and drops a PostgreSQL test database.
    pub async fn finish(self) {
        self.server.abort();
        self.db.close().await;
        if let Some((admin, name)) = &self.pg_database
            && let Ok(mut conn) = sqlx::PgConnection::connect(admin).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }
}
