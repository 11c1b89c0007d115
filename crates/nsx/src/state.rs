//! The state every request handler and background task shares: the database, the
//! configuration, the search index, outgoing mail and the caches. It sits below every
//! domain module and imports none of them: caches a domain owns live in [`Caches`], keyed
//! by their type, so this module need not know them.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::config::Config;
use crate::db::Db;
use crate::mail::Mailer;
use crate::search::Search;
use crate::web::PageCache;

/// Everything a request handler may need. Cheap to clone; no state lives only in one
/// process except caches that are safe to lose.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Configuration.
    pub config: Arc<Config>,
    /// The search index (derived from the database; rebuilt when the data changes).
    pub search: Arc<Search>,
    /// Outgoing e-mail, when configured.
    pub mailer: Option<Arc<Mailer>>,
    /// Rendered-page cache (safe to lose).
    pub pages: Arc<PageCache>,
    /// Caches owned by domain modules, one per type (safe to lose).
    pub caches: Arc<Caches>,
}

/// Caches that domain modules keep in the shared state, one value per type, created on first
/// use. Everything held here is derived data that is safe to lose.
#[derive(Default)]
pub struct Caches {
    values: RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Caches {
    /// The cache of type `T`, created with `T::default()` the first time it is asked for.
    pub fn get<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let key = TypeId::of::<T>();
        if let Some(v) = self.values.read().ok().and_then(|m| m.get(&key).cloned())
            && let Ok(t) = v.downcast::<T>()
        {
            return t;
        }
        let mut m = match self.values.write() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        let v = m
            .entry(key)
            .or_insert_with(|| Arc::new(T::default()) as Arc<dyn Any + Send + Sync>)
            .clone();
        v.downcast::<T>().unwrap_or_else(|_| Arc::new(T::default()))
    }
}

impl Caches {
    /// Sets the value of type `T` (one configured at start rather than by default).
    pub fn put<T: Send + Sync + 'static>(&self, value: T) {
        let mut m = match self.values.write() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        m.insert(TypeId::of::<T>(), Arc::new(value));
    }
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.values.read().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("Caches").field("kinds", &n).finish()
    }
}
