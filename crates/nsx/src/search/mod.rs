//! Occupation search: a tantivy index derived from the database (never the source of truth),
//! rebuilt when the catalog's data version changes. See `docs/search.md`.

pub mod api;
pub mod index;
pub mod routes;

use std::sync::{Arc, RwLock};

pub use index::{Hit, Ranked, Reason, ReasonKind, SearchIndex, Suggestion, TitleKind};

use crate::db::Db;
use crate::error::{Error, Result};

/// The live index, swapped atomically when rebuilt.
pub struct Search {
    current: RwLock<Arc<SearchIndex>>,
    building: tokio::sync::Mutex<()>,
}

impl Default for Search {
    fn default() -> Self {
        Search {
            current: RwLock::new(Arc::new(SearchIndex::empty())),
            building: tokio::sync::Mutex::new(()),
        }
    }
}

impl Search {
    /// The index in use now.
    pub fn current(&self) -> Arc<SearchIndex> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Rebuilds the index from the database and swaps it in (searches keep using the old
    /// index until the new one is ready). Concurrent calls build once each, in turn.
    pub async fn rebuild(&self, db: &Db) -> Result<()> {
        let _one_at_a_time = self.building.lock().await;
        let index = build_from_db(db).await?;
        tracing::info!(
            version = index.version(),
            occupations = index.occupation_count(),
            docs = index.doc_count(),
            ms = index.build_time().as_millis() as u64,
            "search index built"
        );
        self.replace(index);
        Ok(())
    }

    /// Replaces the index in use.
    pub fn replace(&self, index: SearchIndex) {
        let mut g = match self.current.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *g = Arc::new(index);
    }
}

/// Reads everything the index is built from and builds it (off the async threads).
pub async fn build_from_db(db: &Db) -> Result<SearchIndex> {
    let version = db.data_version("catalog").await?;
    let src = load(db).await?;
    tokio::task::spawn_blocking(move || SearchIndex::build(src, version))
        .await
        .map_err(|e| Error::Internal(format!("search index build: {e}")))?
}

/// Reads the catalog rows the index is derived from (current release of each occupation).
pub async fn load(db: &Db) -> Result<index::Source> {
    // The reads are independent: run them at once, each on a connection of its own.
    let occupations = async {
        crate::on_db!(db, p => sqlx::query_as(
        "SELECT code, title, description, job_zone, soc_code FROM occupations ORDER BY code"
    )
    .fetch_all(p)
    .await)
    };
    let alternate_titles = async {
        crate::on_db!(db, p => sqlx::query_as(
        "SELECT a.code, a.title, a.short_title FROM onet_alternate_titles a
         JOIN occupations o ON o.code = a.code AND o.release = a.release"
    )
    .fetch_all(p)
    .await)
    };
    let reported_titles = async {
        crate::on_db!(db, p => sqlx::query_as(
        "SELECT r.code, r.title FROM onet_reported_titles r
         JOIN occupations o ON o.code = r.code AND o.release = r.release"
    )
    .fetch_all(p)
    .await)
    };
    let apprenticeships = async {
        crate::on_db!(db, p => sqlx::query_as("SELECT code, title FROM apprenticeships ORDER BY rapids_code")
        .fetch_all(p)
        .await)
    };
    let tasks = async {
        crate::on_db!(db, p => sqlx::query_as(
        "SELECT t.code, t.task FROM onet_tasks t
         JOIN occupations o ON o.code = t.code AND o.release = t.release
         ORDER BY t.code, t.task_id"
    )
    .fetch_all(p)
    .await)
    };
    let technology = async {
        crate::on_db!(db, p => sqlx::query_as(
        "SELECT t.code, t.example FROM onet_technology_skills t
         JOIN occupations o ON o.code = t.code AND o.release = t.release
         ORDER BY t.code, t.example"
    )
    .fetch_all(p)
    .await)
    };
    let cip = async {
        crate::on_db!(db, p => sqlx::query_as(
        "SELECT cs.cip_code, COALESCE(cp.title, cs.cip_title, ''), cs.soc_code FROM cip_soc cs
         LEFT JOIN cip_programs cp ON cp.edition = cs.edition AND cp.code = cs.cip_code
         ORDER BY cs.cip_code, cs.soc_code"
    )
    .fetch_all(p)
    .await)
    };
    let old_codes = async {
        crate::on_db!(db, p => sqlx::query_as(
        "SELECT from_code, from_title, to_code FROM code_crosswalks
         WHERE kind = 'onet2010_onet2019' AND from_code <> to_code ORDER BY from_code, to_code"
    )
    .fetch_all(p)
    .await)
    };
    let (
        occupations,
        alternate_titles,
        reported_titles,
        apprenticeships,
        tasks,
        technology,
        cip,
        old_codes,
    ) = tokio::try_join!(
        occupations,
        alternate_titles,
        reported_titles,
        apprenticeships,
        tasks,
        technology,
        cip,
        old_codes,
    )?;
    Ok(index::Source {
        occupations,
        alternate_titles,
        reported_titles,
        apprenticeships,
        tasks,
        technology,
        cip,
        old_codes,
    })
}
