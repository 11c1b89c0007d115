//! Occupation search: a tantivy index derived from the database (never the source of truth),
//! rebuilt when the catalog's data version changes. See `docs/search.md`.

pub mod api;
pub mod embeddings;
pub mod eval;
pub mod index;
pub mod neighbours;
pub mod routes;
pub mod semantic;

use std::sync::{Arc, RwLock};

pub use index::{Hit, Ranked, Reason, ReasonKind, SearchIndex, Suggestion, TitleKind};

pub use embeddings::Embeddings;
pub use semantic::Lexicon;

use crate::db::{Backend, Db};
use crate::error::{Error, Result};

/// The live index, swapped atomically when rebuilt.
pub struct Search {
    current: RwLock<Arc<SearchIndex>>,
    building: tokio::sync::Mutex<()>,
    models: Models,
}

impl Default for Search {
    fn default() -> Self {
        Self::with_models(Models::default())
    }
}

/// The optional resources of search's semantic layer, loaded once and shared by every
/// index built.
#[derive(Debug, Clone, Default)]
pub struct Models {
    /// A lexical database (WordNet).
    pub lexicon: Option<Arc<Lexicon>>,
    /// A word-vector table (`scripts/add-embeddings`).
    pub embeddings: Option<Arc<Embeddings>>,
}

impl Models {
    /// Opens what the configuration names (`wordnet`, `embeddings`); see [`open_lexicon`]
    /// and [`open_embeddings`].
    pub fn open(wordnet: Option<&str>, embeddings: Option<&str>) -> Models {
        Models {
            lexicon: open_lexicon(wordnet),
            embeddings: open_embeddings(embeddings),
        }
    }

    /// A one-line account of what is in use, for the CLI.
    pub fn describe(&self) -> String {
        format!(
            "lexical database: {}; word embeddings: {}",
            if self.lexicon.is_some() {
                "in use"
            } else {
                "none"
            },
            match &self.embeddings {
                Some(e) => format!("{} entries of {} values", e.len(), e.dim()),
                None => "none".into(),
            }
        )
    }
}

/// Where `scripts/add-embeddings` puts the word-vector table by default, and where NSX
/// looks for one when none is configured.
pub const DEFAULT_EMBEDDINGS: &str = "nsx-data/embeddings";

/// Opens the word-vector table the configuration names (`embeddings`): unset means
/// [`DEFAULT_EMBEDDINGS`] when it exists, `off` means none. A table that is named but cannot
/// be read is a warning, not a failure: search goes on without it.
pub fn open_embeddings(setting: Option<&str>) -> Option<Arc<Embeddings>> {
    open_optional(
        setting,
        Optional {
            what: "word embeddings",
            key: "embeddings",
            default: DEFAULT_EMBEDDINGS,
            marker: "vectors.safetensors",
            absent: "search ranks without them (scripts/add-embeddings adds them)",
        },
        |dir| Embeddings::load(dir).map_err(|e| e.to_string()),
        |dir, e| {
            tracing::info!(
                path = %dir.display(),
                entries = e.len(),
                dim = e.dim(),
                mb = e.memory_bytes() / (1024 * 1024),
                "word embeddings loaded for search"
            )
        },
    )
}

/// Where Debian's `wordnet-base` package puts the WordNet database.
pub const DEBIAN_WORDNET: &str = "/usr/share/wordnet";

/// Opens the lexical database the configuration names (`wordnet`): unset means Debian's
/// when it is installed, `off` means none. A database that is named but cannot be read is
/// a warning, not a failure: search goes on without it.
pub fn open_lexicon(setting: Option<&str>) -> Option<Arc<Lexicon>> {
    open_optional(
        setting,
        Optional {
            what: "lexical database",
            key: "wordnet",
            default: DEBIAN_WORDNET,
            marker: "index.noun",
            absent: "search's semantic layer uses the catalog alone (apt-get install wordnet-base adds it)",
        },
        |dir| Lexicon::load(dir).map_err(|e| e.to_string()),
        |dir, lx| {
            tracing::info!(
                path = %dir.display(),
                lemmas = lx.len(),
                mb = lx.memory_bytes() / (1024 * 1024),
                "lexical database loaded for search"
            )
        },
    )
}

/// An optional resource of the semantic layer, as the configuration knows it.
struct Optional {
    /// What it is, for the log.
    what: &'static str,
    /// Its configuration key.
    key: &'static str,
    /// Where it is looked for when the key is unset.
    default: &'static str,
    /// A file whose presence at the default place means it is there.
    marker: &'static str,
    /// What search does without it, for the log.
    absent: &'static str,
}

/// Opens an optional resource: `off` (or empty) means none; unset means its default place,
/// when something is there; a named place that cannot be read is a warning.
fn open_optional<T>(
    setting: Option<&str>,
    o: Optional,
    load: impl FnOnce(&std::path::Path) -> std::result::Result<T, String>,
    loaded: impl FnOnce(&std::path::Path, &T),
) -> Option<Arc<T>> {
    let (dir, named) = match setting.map(str::trim) {
        Some("off") | Some("") => return None,
        Some(p) => (std::path::PathBuf::from(p), true),
        None => (std::path::PathBuf::from(o.default), false),
    };
    if !named && !dir.join(o.marker).exists() {
        tracing::info!("no {} at {}; {}", o.what, o.default, o.absent);
        return None;
    }
    match load(&dir) {
        Ok(t) => {
            loaded(&dir, &t);
            Some(Arc::new(t))
        }
        Err(e) => {
            tracing::warn!(
                "{} not used, search goes on without it: {e} (set {} = \"off\" to silence this)",
                o.what,
                o.key
            );
            None
        }
    }
}

impl Search {
    /// A search whose indexes read `models` too.
    pub fn with_models(models: Models) -> Self {
        Search {
            current: RwLock::new(Arc::new(SearchIndex::empty())),
            building: tokio::sync::Mutex::new(()),
            models,
        }
    }

    /// Whether a lexical database is in use.
    pub fn has_lexicon(&self) -> bool {
        self.models.lexicon.is_some()
    }

    /// Whether word embeddings are in use.
    pub fn has_embeddings(&self) -> bool {
        self.models.embeddings.is_some()
    }

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
        let index = build_from_db_with(db, self.models.clone()).await?;
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
    build_from_db_with(db, Models::default()).await
}

/// [`build_from_db`] with the semantic layer's optional resources.
pub async fn build_from_db_with(db: &Db, models: Models) -> Result<SearchIndex> {
    let version = db.data_version("catalog").await?;
    let src = load(db).await?;
    tokio::task::spawn_blocking(move || SearchIndex::build_with(src, version, models))
        .await
        .map_err(|e| Error::Internal(format!("search index build: {e}")))?
}

/// One occupation's list of values, gathered by the database into a JSON array: the four
/// large reads below return about a thousand rows instead of about a hundred thousand, and
/// each row handed over by the driver costs far more than parsing its share of the JSON.
/// `item` is the JSON expression for one value and `order` what the values are sorted by
/// within the list, each as (SQLite, PostgreSQL); text sorts byte by byte on both, so every
/// node, on either backend, builds the same index.
async fn per_occupation<T: serde::de::DeserializeOwned>(
    db: &Db,
    table: &str,
    item: (&str, &str),
    order: (&str, &str),
) -> Result<Vec<(String, T)>> {
    let list = match db.backend() {
        Backend::Sqlite => format!("json_group_array({} ORDER BY {})", item.0, order.0),
        Backend::Postgres => format!("json_agg({} ORDER BY {})::text", item.1, order.1),
    };
    // Table and expressions come from the fixed calls in `load`, never from input.
    let sql = format!(
        "SELECT x.code, {list} FROM {table} x
         JOIN occupations o ON o.code = x.code AND o.release = x.release
         GROUP BY x.code ORDER BY x.code"
    );
    let rows: Vec<(String, String)> =
        crate::on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await)?;
    let mut out = Vec::new();
    for (code, json) in rows {
        let items: Vec<T> = serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("{table} list of {code}: {e}")))?;
        out.extend(items.into_iter().map(|v| (code.clone(), v)));
    }
    Ok(out)
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
        .map_err(Error::from)
    };
    let alternate_titles = async {
        let rows: Vec<(String, (String, Option<String>))> = per_occupation(
            db,
            "onet_alternate_titles",
            (
                "json_array(x.title, x.short_title)",
                "json_build_array(x.title, x.short_title)",
            ),
            (
                "x.title, x.short_title",
                r#"x.title COLLATE "C", x.short_title COLLATE "C" NULLS FIRST"#,
            ),
        )
        .await?;
        Ok::<_, Error>(rows.into_iter().map(|(c, (t, s))| (c, t, s)).collect())
    };
    let reported_titles = per_occupation(
        db,
        "onet_reported_titles",
        ("x.title", "x.title"),
        ("x.title", r#"x.title COLLATE "C""#),
    );
    let apprenticeships = async {
        crate::on_db!(db, p => sqlx::query_as("SELECT code, title FROM apprenticeships ORDER BY rapids_code")
        .fetch_all(p)
        .await)
    .map_err(Error::from)
    };
    let tasks = per_occupation(
        db,
        "onet_tasks",
        ("x.task", "x.task"),
        ("x.task_id", "x.task_id"),
    );
    let technology = per_occupation(
        db,
        "onet_technology_skills",
        ("x.example", "x.example"),
        ("x.example", r#"x.example COLLATE "C""#),
    );
    let dwas = per_occupation(
        db,
        "(SELECT DISTINCT t.code, t.release, d.dwa_title FROM onet_task_dwas t
          JOIN onet_dwas d ON d.dwa_id = t.dwa_id AND d.release = t.release)",
        ("x.dwa_title", "x.dwa_title"),
        ("x.dwa_title", r#"x.dwa_title COLLATE "C""#),
    );
    let cip = async {
        crate::on_db!(db, p => sqlx::query_as(
        "SELECT cs.cip_code, COALESCE(cp.title, cs.cip_title, ''), cs.soc_code FROM cip_soc cs
         LEFT JOIN cip_programs cp ON cp.edition = cs.edition AND cp.code = cs.cip_code
         ORDER BY cs.cip_code, cs.soc_code"
    )
    .fetch_all(p)
    .await)
        .map_err(Error::from)
    };
    let old_codes = async {
        crate::on_db!(db, p => sqlx::query_as(
        "SELECT from_code, from_title, to_code FROM code_crosswalks
         WHERE kind = 'onet2010_onet2019' AND from_code <> to_code ORDER BY from_code, to_code"
    )
    .fetch_all(p)
    .await)
        .map_err(Error::from)
    };
    let (
        occupations,
        alternate_titles,
        reported_titles,
        apprenticeships,
        tasks,
        technology,
        dwas,
        cip,
        old_codes,
    ) = tokio::try_join!(
        occupations,
        alternate_titles,
        reported_titles,
        apprenticeships,
        tasks,
        technology,
        dwas,
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
        dwas,
        cip,
        old_codes,
    })
}
