//! Storage: sqlx on SQLite (the embedded default) or PostgreSQL (production, several instances).
//!
//! One set of SQL text for both where they agree (`$n` placeholders, i64 unix seconds, TEXT,
//! booleans, `ON CONFLICT`, `RETURNING`); the few statements that differ are written twice,
//! side by side. No `AnyPool` (its type gaps are known): a small enum per handle and the `q!`
//! macro run the same query on whichever backend is configured. Every state change that must be
//! atomic is one statement or one transaction.
//!
//! Must not depend on the clock (times are passed in) or on HTTP.

pub mod account;
pub mod audit;
pub mod jobs;
pub mod outbox;
pub mod reset_token;
pub mod session;
pub mod throttle;

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::error::{Error, Result};

/// Runs one query on whichever backend `$conn` (a `&mut Conn`) holds.
///
/// `q!(conn, execute, SQL, binds…)` returns rows affected; `q!(conn, one|optional|all as T, SQL,
/// binds…)` decodes rows into `T` (a tuple or a `FromRow` type valid for both backends).
macro_rules! q {
    ($conn:expr, execute, $sql:expr $(, $b:expr)* $(,)?) => {
        match $conn {
            $crate::store::Conn::Sqlite(c) => sqlx::query($sql)$(.bind($b))*.execute(&mut **c).await.map(|r| r.rows_affected()),
            $crate::store::Conn::Postgres(c) => sqlx::query($sql)$(.bind($b))*.execute(&mut **c).await.map(|r| r.rows_affected()),
        }
    };
    ($conn:expr, one as $t:ty, $sql:expr $(, $b:expr)* $(,)?) => {
        match $conn {
            $crate::store::Conn::Sqlite(c) => sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_one(&mut **c).await,
            $crate::store::Conn::Postgres(c) => sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_one(&mut **c).await,
        }
    };
    ($conn:expr, optional as $t:ty, $sql:expr $(, $b:expr)* $(,)?) => {
        match $conn {
            $crate::store::Conn::Sqlite(c) => sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_optional(&mut **c).await,
            $crate::store::Conn::Postgres(c) => sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_optional(&mut **c).await,
        }
    };
    ($conn:expr, all as $t:ty, $sql:expr $(, $b:expr)* $(,)?) => {
        match $conn {
            $crate::store::Conn::Sqlite(c) => sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_all(&mut **c).await,
            $crate::store::Conn::Postgres(c) => sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_all(&mut **c).await,
        }
    };
}
pub(crate) use q;

/// Adds what to do to sqlx's "migration N was previously applied but has been modified": the
/// database was made by another build (or the migration files lost their LF line endings).
fn explain_migration_error(e: sqlx::migrate::MigrateError) -> Error {
    match e {
        sqlx::migrate::MigrateError::VersionMismatch(v) => Error::Internal(format!(
            "migration {v} was previously applied but has been modified: this database was created by a \
             different build of hmis-access, or service/migrations lost their LF line endings (RB-21). \
             Nothing was changed. In local mode, move data/ aside to start fresh"
        )),
        other => Error::Migrate(other),
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// One connection of either backend, borrowed for a few statements.
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

/// A write transaction on either backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(&mut **t),
            Tx::Postgres(t) => Conn::Postgres(&mut **t),
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
}

/// A pooled connection of either backend.
pub enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Pooled {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(c) => Conn::Sqlite(&mut **c),
            Pooled::Postgres(c) => Conn::Postgres(&mut **c),
        }
    }
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database handle every use case shares.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

/// sqlx's migration lock does nothing on SQLite (PostgreSQL takes an advisory lock), so two
/// processes opening a new database at once (the server starting while an operator runs a CLI
/// command) could both apply migration 1, and one would fail with "table account already
/// exists". An exclusive lock on `<database>.migrate-lock` makes them take turns; the second
/// then finds nothing to do. Held until the returned file is dropped. None for in-memory.
async fn sqlite_migration_lock(db: &std::path::Path) -> Result<Option<std::fs::File>> {
    if db.as_os_str().is_empty() || db.as_os_str() == ":memory:" {
        return Ok(None);
    }
    let mut name = db.as_os_str().to_owned();
    name.push(".migrate-lock");
    let path = std::path::PathBuf::from(name);
    let locked = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
        file.lock()?; // blocks while another process migrates
        Ok(file)
    })
    .await
    .map_err(|e| Error::Internal(format!("waiting for the migration lock: {e}")))?;
    locked
        .map(Some)
        .map_err(|e| Error::Internal(format!("cannot lock {}.migrate-lock: {e}", db.display())))
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens the database at `url` (a SQLite file is created if missing) and applies pending
    /// migrations. A migration whose file changed since it ran stops start-up with sqlx's message
    /// naming its version (RB-21); nothing is edited behind the operator's back.
    pub async fn connect(url: &str) -> Result<Self> {
        match Backend::of_url(url) {
            Some(Backend::Sqlite) => Self::connect_sqlite(url).await,
            Some(Backend::Postgres) => Self::connect_postgres(url).await,
            None => Err(Error::Internal(format!(
                "unsupported database URL {:?}: use sqlite:PATH or postgres://…",
                crate::config::redact_url(url)
            ))),
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(parent) = opts.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    Error::Internal(format!("cannot create database folder {}: {e}", parent.display()))
                })?;
            }
        }
        let lock = sqlite_migration_lock(opts.get_filename()).await?;
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
        SQLITE_MIGRATIONS.run(&pool).await.map_err(explain_migration_error)?;
        drop(lock);
        Ok(Store { pool: Pool::Sqlite(pool) })
    }

    async fn connect_postgres(url: &str) -> Result<Self> {
        let opts = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // Fail fast when the database is down: requests get a clean error, not a hang.
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await?;
        POSTGRES_MIGRATIONS.run(&pool).await.map_err(explain_migration_error)?;
        Ok(Store { pool: Pool::Postgres(pool) })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A connection from the pool.
    pub async fn acquire(&self) -> Result<Pooled> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Pooled::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => Pooled::Postgres(p.acquire().await?),
        })
    }

    /// Starts a write transaction. On SQLite this is `BEGIN IMMEDIATE`, which takes the write lock
    /// at once: a deferred transaction that read first could fail with SQLITE_BUSY when it tries
    /// to write under concurrency instead of waiting for `busy_timeout`.
    pub async fn begin_write(&self) -> Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        match self.acquire().await {
            Ok(mut c) => q!(&mut c.conn(), execute, "SELECT 1").is_ok(),
            Err(_) => false,
        }
    }

    /// Runs `sql` (a test helper: backdating rows, counting). Not for request paths.
    pub async fn execute_raw(&self, sql: &'static str) -> Result<u64> {
        let mut c = self.acquire().await?;
        Ok(q!(&mut c.conn(), execute, sql)?)
    }

    /// `SELECT COUNT(*)`-style helper for tests.
    pub async fn count_raw(&self, sql: &'static str) -> Result<i64> {
        let mut c = self.acquire().await?;
        let (n,): (i64,) = q!(&mut c.conn(), one as (i64,), sql)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two processes opening one new database at once (the server starting while an operator
    /// runs `user add`, or `scripts/bench` adding accounts two at a time) must both succeed.
    /// Stores in one process stand in for them: each has its own pool and connections.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn stores_opening_one_new_sqlite_file_at_once_all_migrate_it() {
        for round in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite:{}", dir.path().join("race.db").display());
            let opens: Vec<_> = (0..6).map(|_| tokio::spawn(Store::connect_owned(url.clone()))).collect();
            for (i, open) in opens.into_iter().enumerate() {
                if let Err(e) = open.await.unwrap() {
                    panic!("round {round}, store {i}: {e}");
                }
            }
        }
    }

    impl Store {
        async fn connect_owned(url: String) -> Result<Store> {
            Store::connect(&url).await
        }
    }
}
