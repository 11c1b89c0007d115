//! Password hashing with Argon2id, run off the async threads.
//!
//! Each Argon2 run takes about 19 MB and a core for tens of milliseconds, so the web
//! handlers go through a [`Hashing`] limiter: at most one run per core at a time; a request
//! that cannot get a turn within a short wait is answered 429 instead of queueing memory.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::{Error, Result};

/// Hashes a password to a PHC string (`$argon2id$v=19$…`).
pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
    })
    .await?
}

/// Checks a password against a stored PHC string.
pub async fn verify(password: String, stored: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| Error::Internal(format!("stored password hash is unreadable: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await?
}

/// A hash of nothing, verified against when the account does not exist so that timing
/// does not reveal which e-mail addresses are registered.
pub async fn burn_time(password: String) {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5v5xGQ4P3yDgE5eEMmDq3r7F8bMS6qhHn6zDq6L7K5E";
    let _ = verify(password, DUMMY.to_string()).await;
}

/// Bounds concurrent password hashing on one node and counts the passwords it checked.
#[derive(Debug)]
pub struct Hashing {
    slots: tokio::sync::Semaphore,
    size: usize,
    wait: Duration,
    checked: AtomicU64,
}

impl Hashing {
    /// A limiter with `slots` concurrent runs (0 = one per core) and the longest wait for a
    /// turn.
    pub fn new(slots: usize, wait: Duration) -> Hashing {
        let size = if slots == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            slots
        };
        Hashing {
            slots: tokio::sync::Semaphore::new(size),
            size,
            wait,
            checked: AtomicU64::new(0),
        }
    }

    /// This node's limiter (configured at start: `password_hashing_slots`, `password_wait_ms`).
    pub fn of(state: &crate::state::AppState) -> std::sync::Arc<Hashing> {
        state.caches.get::<Hashing>()
    }

    /// How many runs may go at once.
    pub fn slots(&self) -> usize {
        self.size
    }

    /// How many passwords this node has checked against a stored hash (sign-in, the dummy
    /// check for unknown accounts, re-confirmation), since it started.
    pub fn checked(&self) -> u64 {
        self.checked.load(Ordering::Relaxed)
    }

    async fn turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        match tokio::time::timeout(self.wait, self.slots.acquire()).await {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(_)) => Err(Error::Internal("the password limiter is closed".into())),
            Err(_) => Err(Error::TooManyRequests(
                "The server is busy checking other passwords. Wait a few seconds, then try again."
                    .into(),
            )),
        }
    }

    /// [`hash`] when a turn is free; `TooManyRequests` when none comes within the wait.
    pub async fn hash(&self, password: String) -> Result<String> {
        let _turn = self.turn().await?;
        hash(password).await
    }

    /// [`verify`] when a turn is free; `TooManyRequests` when none comes within the wait.
    pub async fn verify(&self, password: String, stored: String) -> Result<bool> {
        let _turn = self.turn().await?;
        self.checked.fetch_add(1, Ordering::Relaxed);
        verify(password, stored).await
    }

    /// [`burn_time`] under the same limit as a real check.
    pub async fn burn_time(&self, password: String) -> Result<()> {
        let _turn = self.turn().await?;
        self.checked.fetch_add(1, Ordering::Relaxed);
        burn_time(password).await;
        Ok(())
    }
}

impl Default for Hashing {
    fn default() -> Self {
        Hashing::new(0, Duration::from_secs(3))
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify() {
        let h = super::hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            super::verify("correct horse battery".into(), h.clone())
                .await
                .unwrap()
        );
        assert!(!super::verify("wrong".into(), h).await.unwrap());
    }

    #[tokio::test]
    async fn the_limiter_bounds_and_counts() {
        let h = super::Hashing::new(1, std::time::Duration::from_millis(50));
        assert_eq!(h.slots(), 1);
        let stored = super::hash("correct horse battery".into()).await.unwrap();
        // While the only turn is held, another check waits, then gives up with a 429.
        let held = h.turn().await.unwrap();
        let e = h.verify("x".into(), stored.clone()).await.unwrap_err();
        assert!(matches!(e, crate::error::Error::TooManyRequests(_)), "{e}");
        assert_eq!(h.checked(), 0, "a refused check is not counted");
        drop(held);
        assert!(
            h.verify("correct horse battery".into(), stored)
                .await
                .unwrap()
        );
        assert_eq!(h.checked(), 1);
        assert!(super::Hashing::new(0, std::time::Duration::ZERO).slots() >= 1);
    }
}
