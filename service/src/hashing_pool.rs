//! The bounded pool that runs argon2: at most `workers` hashes at once (each needs m KiB of
//! memory), at most `queue` requests waiting, and beyond that an immediate `Busy` (503 +
//! Retry-After) that never counts as a failed sign-in and looks the same for every account.
//! This is what keeps memory within budget under a flood of sign-ins (RB-16).
//!
//! The workers are `workers` threads of our own, not tokio's blocking pool: each keeps one
//! argon2 working memory for its whole life (so memory is workers × m, and no sign-in allocates
//! or page-faults 19 MiB), and each runs at a lower CPU priority, so pages, static files and the
//! rest of every sign-in are served first when the hashes keep the cores busy (issue 6).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use domain::hashing::{Check, Cost, Hasher, Memory};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

#[derive(Clone)]
pub struct HashingPool {
    inner: Arc<Inner>,
}

/// One unit of hashing work, run on a pool thread with its kept memory.
type Job = Box<dyn FnOnce(&Hasher, &mut Memory) + Send>;

/// How much lower than the rest of the server the hashing threads run (Linux `nice` steps,
/// added to the server's own).
/// At 10 a thread gets about a tenth of the CPU share of a normal one when both want a core,
/// and all of it when nothing else does, so throughput at saturation is unchanged.
const HASH_THREAD_NICENESS: i32 = 10;

struct Inner {
    dummy: String,
    /// Closing it (when the last pool handle goes) ends the threads. `Sender` is `Sync`: no lock.
    jobs: mpsc::Sender<Job>,
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
        let hasher = Arc::new(Hasher::with_pepper(cost, pepper)?);
        let dummy = hasher.dummy_hash()?;
        let workers = workers.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..workers {
            let (hasher, rx) = (hasher.clone(), rx.clone());
            std::thread::Builder::new()
                .name(format!("hmis-hash-{n}"))
                .spawn(move || hash_thread(&hasher, &rx))
                .map_err(|e| Error::Internal(format!("cannot start a hashing thread: {e}")))?;
        }
        Ok(HashingPool {
            inner: Arc::new(Inner {
                dummy,
                jobs: tx,
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

    /// Runs `f` on a hashing thread once one is free; `Busy` at once when `workers + queue`
    /// requests are already admitted.
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Hasher, &mut Memory) -> R + Send + 'static,
    ) -> Result<R> {
        let admitted = self.inner.admission.clone().try_acquire_owned().map_err(|_| Error::Busy)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |hasher, memory| {
            // The job, not the request, holds the admission slot: a request that is dropped
            // (the client went away) must not free its slot while its job still waits in the
            // queue, or abandoned requests would pile up past `workers + queue`.
            let admitted = admitted;
            // Nobody is waiting for this answer any more: skip the hash, free the slot now.
            if tx.is_closed() {
                return;
            }
            let out = f(hasher, memory);
            // Free the slot before the answer wakes the caller: a caller that goes straight on
            // to its next request must find the slot free (CI once saw Busy there, when this
            // niced thread was descheduled between sending the answer and dropping the permit).
            drop(admitted);
            let _ = tx.send(out);
        });
        self.inner.jobs.send(job).map_err(|_| Error::Internal("hashing pool stopped".into()))?;
        rx.await.map_err(|_| Error::Internal("a hashing job failed".into()))
    }

    /// Verifies against a stored hash, or against the dummy when there is none, so both paths
    /// cost exactly one argon2 verification.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<Check> {
        let inner = self.inner.clone();
        match stored {
            Some(phc) => {
                inner.real_checks.fetch_add(1, Ordering::SeqCst);
                Ok(self.run(move |h, m| h.verify_in(&password, &phc, m)).await??)
            }
            None => {
                inner.dummy_checks.fetch_add(1, Ordering::SeqCst);
                let dummy = inner.dummy.clone();
                self.run(move |h, m| h.verify_in(&password, &dummy, m)).await??;
                Ok(Check::Mismatch)
            }
        }
    }

    /// Hashes an already-normalised password.
    pub async fn hash(&self, normalised: String) -> Result<String> {
        Ok(self.run(move |h, _| h.hash(&normalised)).await??)
    }

    /// (real, dummy) verification counts since start.
    pub fn check_counts(&self) -> (u64, u64) {
        (
            self.inner.real_checks.load(Ordering::SeqCst),
            self.inner.dummy_checks.load(Ordering::SeqCst),
        )
    }
}

/// A pool thread: lowers its own priority, takes its memory, then runs jobs until the pool is
/// dropped. A job that panics loses its answer (the caller gets an error), not the thread.
fn hash_thread(hasher: &Hasher, jobs: &Mutex<mpsc::Receiver<Job>>) {
    lower_own_priority();
    let mut memory = match Memory::for_cost(hasher.cost()) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "hashing thread cannot allocate its memory");
            return;
        }
    };
    loop {
        // Held only while waiting for the next job, never while hashing.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(hasher, &mut memory))).is_err() {
            tracing::error!("a hashing job panicked");
        }
    }
}

#[cfg(target_os = "linux")]
fn lower_own_priority() {
    // On Linux the nice value belongs to the thread (setpriority(2), "BUGS"), so this lowers
    // only the calling hashing thread. SAFETY: a plain system call; no memory is shared.
    let rc = unsafe { libc::nice(HASH_THREAD_NICENESS) };
    if rc == -1 {
        // -1 is also a valid new value in theory; ours never is (0 + 10 or more).
        tracing::warn!(error = %std::io::Error::last_os_error(), "cannot lower the hashing thread's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_own_priority() {}

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

    /// This thread's `nice` value: field 19 of /proc/thread-self/stat, counted after the
    /// thread name in parentheses.
    #[cfg(target_os = "linux")]
    fn own_niceness() -> Option<i64> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        stat.rsplit_once(')')?.1.split_whitespace().nth(16)?.parse().ok()
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_below_the_rest_of_the_server() {
        let base = own_niceness().unwrap();
        let pool = HashingPool::new(Cost { m_kib: 256, t: 1, p: 1 }, 2, 0).unwrap();
        // Jobs run on the pool's threads: each reports the thread it ran on and its niceness.
        for _ in 0..4 {
            let (name, nice) = pool
                .run(|_, _| (std::thread::current().name().map(str::to_string), own_niceness()))
                .await
                .unwrap();
            assert!(name.as_deref().is_some_and(|n| n.starts_with("hmis-hash-")), "{name:?}");
            assert_eq!(nice, Some((base + i64::from(HASH_THREAD_NICENESS)).min(19)));
        }
        assert_eq!(own_niceness(), Some(base), "only the hashing threads are lowered");
    }

    #[tokio::test]
    async fn the_pool_serves_many_jobs_on_its_own_threads_and_stops_with_it() {
        let pool = HashingPool::new(Cost { m_kib: 256, t: 1, p: 1 }, 2, 64).unwrap();
        let phc = pool.hash("Quiet-Harbor-41".into()).await.unwrap();
        // 40 verifications in flight at once over 2 threads (queue 64: none is refused).
        let mut set = tokio::task::JoinSet::new();
        for i in 0..40 {
            let (pool, phc) = (pool.clone(), phc.clone());
            set.spawn(async move { (i, pool.verify(if i % 2 == 0 { "Quiet-Harbor-41" } else { "wrong" }.into(), Some(phc)).await) });
        }
        while let Some(done) = set.join_next().await {
            let (i, r) = done.unwrap();
            assert_eq!(matches!(r.unwrap(), Check::Match { .. }), i % 2 == 0, "job {i}");
        }
        assert_eq!(pool.check_counts(), (40, 0));
    }

    #[tokio::test]
    async fn a_dropped_request_still_holds_its_slot_while_its_job_waits() {
        let pool = HashingPool::new(Cost { m_kib: 8192, t: 4, p: 1 }, 1, 1).unwrap();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let blocker = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move |_, _| {
                    let _ = started_tx.send(());
                    let _ = release_rx.recv();
                })
                .await
            })
        };
        tokio::task::spawn_blocking(move || started_rx.recv()).await.unwrap().unwrap();
        // Takes the one queue slot, then its caller goes away before the job runs.
        let waiting = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.hash("queued-then-dropped".into()).await })
        };
        while pool.inner.admission.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        waiting.abort();
        let _ = waiting.await;
        // Its job is still queued, so its slot is still taken: the next request is refused at
        // once (were it admitted, it would wait behind the blocker: the timeout says so).
        let next = tokio::time::timeout(std::time::Duration::from_secs(2), pool.hash("one-too-many".into())).await;
        assert!(matches!(next, Ok(Err(Error::Busy))), "expected an immediate Busy, got {next:?}");
        release_tx.send(()).unwrap();
        assert!(blocker.await.unwrap().is_ok());
        // The abandoned job is skipped (no one waits for it), and its slot comes back.
        let mut ok = false;
        for _ in 0..200 {
            if pool.hash("after-the-queue-drains".into()).await.is_ok() {
                ok = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(ok, "the pool serves again once the abandoned job is skipped");
    }

    #[test]
    fn worker_count_respects_memory_budget() {
        let c = Cost { m_kib: 19_456, t: 2, p: 1 };
        assert_eq!(worker_count(c, 19, 0), 1);
        assert!(worker_count(c, 10_000, 0) >= 1);
        assert_eq!(worker_count(c, 10, 3), 3);
    }
}
