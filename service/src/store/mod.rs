//! Storage: sqlx on SQLite (the embedded default). Runtime-checked queries with `FromRow`,
//! portable SQL (`$n` placeholders, i64 unix seconds), and every state change that must be
//! atomic done as one statement or one transaction.
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

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::error::{Error, Result};

pub type Db = sqlx::Sqlite;
pub type Conn = sqlx::SqliteConnection;

/// The database handle every use case shares.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl Store {
    /// Opens (creating if missing) the database at `url` and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        if !url.starts_with("sqlite:") {
            return Err(Error::Internal(format!(
                "unsupported database URL scheme in {:?}: this build supports sqlite: URLs",
                crate::config::redact_url(url)
            )));
        }
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
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok(Store { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts a write transaction. On SQLite this is `BEGIN IMMEDIATE`, which takes the write lock
    /// at once: a deferred transaction that read first could fail with SQLITE_BUSY when it tries
    /// to write under concurrency instead of waiting for `busy_timeout`.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Db>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}
