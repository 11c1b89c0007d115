//! Putting the exchange together: connect, migrate, bootstrap an empty database, build the
//! shared state, serve with graceful shutdown, and keep each node's caches in step with the
//! database when other nodes change it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::accounts::session_store::DbSessionStore;
use crate::config::Config;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::import::progress::Progress;
use crate::mail::Mailer;
use crate::search::Search;
use crate::state::AppState;
use crate::web::PageCache;

/// Installs the TLS crypto provider used for downloads and SMTP (idempotent).
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Connects to the configured database and brings its schema up to date.
pub async fn open_db(config: &Config) -> Result<Db> {
    let db = Db::connect(&config.database_url, config.max_connections).await?;
    db.migrate().await?;
    Ok(db)
}

/// Builds the shared state for a database (search index built, caches empty).
pub async fn state(db: Db, config: Config) -> Result<AppState> {
    install_tls_provider();
    let mailer = Mailer::from_config(&config.smtp)?.map(Arc::new);
    let body = crate::frameworks::service::standards_body(&db, &config.standards_body).await?;
    crate::on_db!(&db, p => sqlx::query(
        "UPDATE frameworks SET organization_id = $1 WHERE organization_id IS NULL AND origin = 'drafted'"
    )
    .bind(body)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    let search = Arc::new(Search::with_models(crate::search::Models::open(
        config.wordnet.as_deref(),
        config.embeddings.as_deref(),
    )));
    search.rebuild(&db).await?;
    let pages = Arc::new(PageCache::new(config.page_cache_bytes));
    pages.reset(db.data_version("catalog").await?);
    let caches = Arc::new(crate::state::Caches::default());
    caches.put(crate::accounts::password::Hashing::new(
        config.password_hashing_slots,
        Duration::from_millis(config.password_wait_ms),
    ));
    Ok(AppState {
        db,
        config: Arc::new(config),
        search,
        mailer,
        pages,
        caches,
    })
}

/// Whether the database holds no O*NET release yet.
pub async fn is_empty(db: &Db) -> Result<bool> {
    let n: i64 = crate::on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM source_releases WHERE source = 'onet'")
        .fetch_one(p)
        .await)?;
    Ok(n == 0)
}

/// Resolves an O*NET source (folder, zip or URL) to a local path, downloading if needed.
pub async fn resolve_onet_source(
    source: &str,
    data_dir: &Path,
    progress: &dyn Progress,
) -> Result<PathBuf> {
    if source.starts_with("http://") || source.starts_with("https://") {
        crate::import::source::download(source, &data_dir.join("downloads"), progress).await
    } else {
        Ok(PathBuf::from(source))
    }
}

/// Imports the configured sources into an empty database (first start): O*NET from
/// `onet` (folder, zip or URL) or, when that is unset or not there, the official download;
/// then whichever optional sources are configured.
pub async fn bootstrap(db: &Db, config: &Config, progress: &dyn Progress) -> Result<()> {
    if !is_empty(db).await? {
        return Ok(());
    }
    let source = match &config.onet {
        Some(s)
            if s.starts_with("http://") || s.starts_with("https://") || Path::new(s).exists() =>
        {
            s.clone()
        }
        Some(s) => {
            tracing::warn!(onet = %s, "NSX_ONET names nothing that exists; downloading the official release instead");
            config.onet_download_url.clone()
        }
        None => config.onet_download_url.clone(),
    };
    progress.message(&format!(
        "the database is empty: importing O*NET from {source}"
    ));
    let path = resolve_onet_source(&source, &config.data_dir, progress).await?;
    let files = crate::import::source::ReleaseFiles::open(&path)?;
    let report = crate::import::onet::import(db, &files, &Default::default(), progress).await?;
    progress.message(&format!(
        "imported O*NET {}: {} rows, {} occupations, {} with enough data for a framework ({:.1} s)",
        report.release,
        report.rows(),
        report.occupations,
        report.framework_ready,
        report.seconds
    ));
    let optional = |p: &Option<PathBuf>| p.clone().filter(|p| p.exists());
    let mut crosswalks = Vec::new();
    crosswalks.extend(optional(&config.crosswalks));
    crosswalks.extend(optional(&config.cip));
    if !crosswalks.is_empty() {
        crate::import::crosswalk::import(db, &crosswalks, false, progress).await?;
    }
    if let Some(dir) = optional(&config.evidence) {
        crate::import::evidence::import(db, &dir, progress).await?;
    }
    if let Some(file) = optional(&config.apprenticeships) {
        crate::import::apprenticeships::import(db, &file, progress).await?;
    }
    let run =
        crate::frameworks::draft_and_store(db, None, &crate::frameworks::current_label(), progress)
            .await?;
    progress.message(&format!(
        "drafted {} frameworks as {} ({} occupations skipped for lack of grounding data)",
        run.drafted,
        run.label,
        run.skipped.len()
    ));
    Ok(())
}

/// How far back each poll for changed scopes reads again, so that a change whose
/// transaction committed late (or on a node whose clock lags) is not missed.
const SCOPE_OVERLAP: time::Duration = time::Duration::minutes(5);

/// Keeps this node's caches in step with the database: when the catalog's data version
/// moves (because this or another node imported or re-drafted), the page cache is dropped
/// and the search index rebuilt; when one framework changes (an edit, a publication, an
/// import into it), only that framework's cached pages and packages are dropped. Also
/// sweeps expired sessions.
pub fn spawn_refresher(state: AppState) {
    let every = Duration::from_secs(state.config.refresh_secs.max(1));
    tokio::spawn(async move {
        let mut ticks: u64 = 0;
        // The data version the search index was last built from; a failed rebuild leaves
        // it behind, so the next tick tries again.
        let mut indexed = state.pages.version();
        // Scopes narrower than the catalog (one framework): the counter each was last seen
        // at, and when they were last read. Rows are read again with an overlap, so a
        // transaction that committed after a later one's poll is still seen.
        let mut scopes: std::collections::HashMap<String, i64> = Default::default();
        let mut scopes_read = crate::db::Ts::now();
        loop {
            tokio::time::sleep(every).await;
            ticks += 1;
            let now = crate::db::Ts::now();
            let since = crate::db::Ts(scopes_read.0 - SCOPE_OVERLAP);
            match state.db.scopes_changed_since(since).await {
                Ok(rows) => {
                    for row in &rows {
                        if scopes.get(&row.scope) != Some(&row.version) {
                            tracing::debug!(scope = %row.scope, "scope changed; dropping its pages");
                            state.pages.evict_scope(&row.scope);
                        }
                    }
                    scopes = rows.into_iter().map(|r| (r.scope, r.version)).collect();
                    scopes_read = now;
                }
                Err(e) => tracing::warn!(error = %e, "cannot read changed scopes"),
            }
            match state.db.data_version("catalog").await {
                Ok(v) => {
                    if v != state.pages.version() {
                        tracing::info!(version = v, "catalog changed; dropping cached pages");
                        state.pages.reset(v);
                    }
                    if v != indexed {
                        match state.search.rebuild(&state.db).await {
                            Ok(()) => indexed = v,
                            Err(e) => tracing::error!(
                                error = %e,
                                "search index rebuild failed; retrying at the next check"
                            ),
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot read the data version"),
            }
            if ticks.is_multiple_of(1800)
                && let Err(e) = DbSessionStore::new(state.db.clone()).sweep().await
            {
                tracing::warn!(error = %e, "session sweep failed");
            }
        }
    });
}

/// This node's job runner with every kind of job the exchange runs.
pub fn job_runner(state: AppState) -> crate::jobs::Runner {
    crate::jobs::Runner::new(state)
        .handler(crate::mail::EMAIL_JOB, Arc::new(crate::mail::EmailJob))
        .handler(
            crate::frameworks::subscriptions::JOB,
            Arc::new(crate::frameworks::subscriptions::SubscriptionJob),
        )
        .handler(
            crate::review::ADVANCE_JOB,
            Arc::new(crate::review::service::AdvanceJob),
        )
        .handler(
            crate::following::notify::NOTIFY_JOB,
            Arc::new(crate::following::notify::NotifyJob),
        )
}

/// Runs the web server until Ctrl-C or SIGTERM, then drains in-flight requests.
pub async fn serve(state: AppState) -> Result<()> {
    let addr = state.config.listen;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Config(format!("cannot listen on {addr}: {e}")))?;
    serve_on(listener, state).await
}

/// Serves on an already-bound listener (tests bind port 0).
pub async fn serve_on(listener: TcpListener, state: AppState) -> Result<()> {
    let local = listener.local_addr()?;
    spawn_refresher(state.clone());
    if state.config.jobs.enabled {
        job_runner(state.clone()).spawn();
    }
    let db = state.db.clone();
    let http = state.config.http;
    // Requests in flight at shutdown get as long as a request may take anyway.
    let drain = Duration::from_secs(state.config.request_timeout_secs.max(1) + 5);
    let pages = state.pages.clone();
    let app = crate::routes::router(state);
    tracing::info!("NSX is serving on http://{local}");
    crate::web::listener::serve(listener, app, pages, http, drain, shutdown_signal()).await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
