//! The bounded pool that runs argon2: at most `workers` hashes at once (each needs m KiB of
//! memory), at most `queue` requests waiting, and beyond that an immediate `Busy` (503 +
//! Retry-After) that never counts as a failed sign-in and looks the same for every account.
//! This is what keeps memory within budget under a flood of sign-ins (RB-16).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use domain::hashing::{Check, Cost, Hasher};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

#[derive(Clone)]
pub struct HashingPool {
    inner: Arc<Inner>,
}

struct Inner {
    hasher: Hasher,
    dummy: String,
    workers: Arc<Semaphore>,
    admission: Arc<Semaphore>,
    worker_count: usize,
    /// Verifications against real stored hashes; tests count them.
    real_checks: AtomicU64,
    /// Verifications against the dummy hash (unknown accounts).
    dummy_checks: AtomicU64,
}

/// Parallel hashes that fit: min(cores, memory budget ÷ m), at least one.
pub fn worker_count(cost: Cost, memory_mib: usize, requested: usize) -> usize {
    if requested > 0 {
        return requested;
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let per_hash_mib = (cost.m_kib as usize).div_ceil(1024).max(1);
    cores.min(memory_mib / per_hash_mib).max(1)
}

impl HashingPool {
    pub fn new(cost: Cost, workers: usize, queue: usize) -> Result<Self> {
        Self::with_pepper(cost, None, workers, queue)
    }

    pub fn with_pepper(cost: Cost, pepper: Option<Vec<u8>>, workers: usize, queue: usize) -> Result<Self> {
        let hasher = Hasher::with_pepper(cost, pepper)?;
        let dummy = hasher.dummy_hash()?;
        Ok(HashingPool {
            inner: Arc::new(Inner {
                hasher,
                dummy,
                workers: Arc::new(Semaphore::new(workers)),
                admission: Arc::new(Semaphore::new(workers + queue)),
                worker_count: workers,
                real_checks: AtomicU64::new(0),
                dummy_checks: AtomicU64::new(0),
            }),
        })
    }

    pub fn workers(&self) -> usize {
        self.inner.worker_count
    }

    /// Runs `f` with the hasher on a blocking thread once a worker is free.
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Hasher) -> R + Send + 'static,
    ) -> Result<R> {
        let _admitted = self.inner.admission.clone().try_acquire_owned().map_err(|_| Error::Busy)?;
        let _worker = self
            .inner
            .workers
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::Internal("hashing pool closed".into()))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner.hasher))
            .await
            .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))
    }

    /// Verifies against a stored hash, or against the dummy when there is none, so both paths
    /// cost exactly one argon2 verification.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<Check> {
        let inner = self.inner.clone();
        match stored {
            Some(phc) => {
                inner.real_checks.fetch_add(1, Ordering::SeqCst);
                Ok(self.run(move |h| h.verify(&password, &phc)).await??)
            }
            None => {
                inner.dummy_checks.fetch_add(1, Ordering::SeqCst);
                let dummy = inner.dummy.clone();
                self.run(move |h| h.verify(&password, &dummy)).await??;
                Ok(Check::Mismatch)
            }
        }
    }

    /// Hashes an already-normalised password.
    pub async fn hash(&self, normalised: String) -> Result<String> {
        Ok(self.run(move |h| h.hash(&normalised)).await??)
    }

    /// (real, dummy) verification counts since start.
    pub fn check_counts(&self) -> (u64, u64) {
        (
            self.inner.real_checks.load(Ordering::SeqCst),
            self.inner.dummy_checks.load(Ordering::SeqCst),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn queue_overflow_answers_busy_instead_of_waiting() {
        let pool = HashingPool::new(Cost { m_kib: 8192, t: 3, p: 1 }, 1, 0).unwrap();
        let p2 = pool.clone();
        let first = tokio::spawn(async move { p2.hash("a-long-password-here".into()).await });
        // Let the first call take the only admission slot (current-thread runtime: it runs
        // until it awaits the blocking hash, holding the slot).
        while pool.inner.admission.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let saw_busy = matches!(pool.hash("another-password".into()).await, Err(Error::Busy));
        assert!(first.await.unwrap().is_ok());
        assert!(saw_busy, "a full pool must refuse at once");
    }

    #[tokio::test]
    async fn unknown_accounts_cost_one_dummy_verification() {
        let pool = HashingPool::new(Cost { m_kib: 256, t: 1, p: 1 }, 2, 4).unwrap();
        assert_eq!(pool.verify("x".into(), None).await.unwrap(), Check::Mismatch);
        assert_eq!(pool.check_counts(), (0, 1));
    }

    #[test]
    fn worker_count_respects_memory_budget() {
        let c = Cost { m_kib: 19_456, t: 2, p: 1 };
        assert_eq!(worker_count(c, 19, 0), 1);
        assert!(worker_count(c, 10_000, 0) >= 1);
        assert_eq!(worker_count(c, 10, 3), 3);
    }
}
