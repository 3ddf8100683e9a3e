//! The `outbox_message` table: email queued by requests, delivered by the worker with retries.
//! A request only inserts a row (no SMTP wait, no timing difference, nothing lost when SMTP is
//! down); the worker claims due rows, sends, and records the outcome. On PostgreSQL several
//! instances share the work: a claim skips rows another instance has locked.

use sqlx::FromRow;

use super::{q, Conn, Store};
use crate::error::Result;

#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: String,
    pub kind: String,
    pub account_id: i64,
    pub recipient: String,
    pub created_at: i64,
    pub attempts: i64,
}

/// What the operator sees of a queued message (never its body: it may hold a link).
#[derive(Debug, Clone, FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub message_id: String,
    pub kind: String,
    pub recipient: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub dead_at: Option<i64>,
    pub last_error: Option<String>,
}

pub async fn enqueue(conn: &mut Conn<'_>, message_id: &str, kind: &str, account_id: i64, recipient: &str, now: i64) -> Result<()> {
    q!(
        conn,
        execute,
        "INSERT INTO outbox_message (message_id, kind, account_id, recipient, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
        message_id,
        kind,
        account_id,
        recipient,
        now
    )?;
    Ok(())
}

const CLAIM_SQLITE: &str = "UPDATE outbox_message SET claimed_until = $1, attempts = attempts + 1 WHERE id = ( \
    SELECT id FROM outbox_message WHERE sent_at IS NULL AND dead_at IS NULL \
    AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until <= $2) \
    ORDER BY next_attempt_at, id LIMIT 1) \
    RETURNING id, message_id, kind, account_id, recipient, created_at, attempts";

// Same claim, but rows locked by another instance's claim are skipped rather than waited for.
const CLAIM_POSTGRES: &str = "UPDATE outbox_message SET claimed_until = $1, attempts = attempts + 1 WHERE id = ( \
    SELECT id FROM outbox_message WHERE sent_at IS NULL AND dead_at IS NULL \
    AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until <= $2) \
    ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
    RETURNING id, message_id, kind, account_id, recipient, created_at, attempts";

impl Store {
    /// Claims the oldest due message for `lease_secs` (so a crashed worker's claim expires and
    /// another picks the message up). One UPDATE … RETURNING: two workers never claim one row.
    pub async fn claim_due_message(&self, now: i64, lease_secs: i64) -> Result<Option<OutboxRow>> {
        let mut c = self.acquire().await?;
        let mut conn = c.conn();
        let sql = match conn {
            Conn::Sqlite(_) => CLAIM_SQLITE,
            Conn::Postgres(_) => CLAIM_POSTGRES,
        };
        Ok(q!(&mut conn, optional as OutboxRow, sql, now + lease_secs, now)?)
    }

    pub async fn mark_sent(&self, id: i64, now: i64) -> Result<()> {
        let mut c = self.acquire().await?;
        q!(&mut c.conn(), execute, "UPDATE outbox_message SET sent_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2", now, id)?;
        Ok(())
    }

    /// Records a failed attempt: retry at `retry_at`, or dead when `dead` is set.
    pub async fn mark_failed(&self, id: i64, error: &str, retry_at: i64, dead: bool, now: i64) -> Result<()> {
        let mut c = self.acquire().await?;
        let dead_at = dead.then_some(now);
        q!(
            &mut c.conn(),
            execute,
            "UPDATE outbox_message SET claimed_until = NULL, last_error = $1, next_attempt_at = $2, dead_at = $3 WHERE id = $4",
            error,
            retry_at,
            dead_at,
            id
        )?;
        Ok(())
    }

    /// Messages for the operator's `mail outbox list`: pending and dead ones (or dead only).
    pub async fn outbox_listing(&self, dead_only: bool) -> Result<Vec<OutboxEntry>> {
        let mut c = self.acquire().await?;
        let sql = if dead_only {
            "SELECT id, message_id, kind, recipient, created_at, attempts, next_attempt_at, dead_at, last_error \
             FROM outbox_message WHERE dead_at IS NOT NULL ORDER BY id"
        } else {
            "SELECT id, message_id, kind, recipient, created_at, attempts, next_attempt_at, dead_at, last_error \
             FROM outbox_message WHERE sent_at IS NULL ORDER BY id"
        };
        Ok(q!(&mut c.conn(), all as OutboxEntry, sql)?)
    }

    /// Puts dead messages (one, or all) back in the queue, due now. Returns how many.
    pub async fn retry_dead(&self, id: Option<i64>, now: i64) -> Result<u64> {
        let mut c = self.acquire().await?;
        Ok(match id {
            Some(id) => q!(&mut c.conn(), execute, "UPDATE outbox_message SET dead_at = NULL, attempts = 0, next_attempt_at = $1 WHERE id = $2 AND dead_at IS NOT NULL", now, id)?,
            None => q!(&mut c.conn(), execute, "UPDATE outbox_message SET dead_at = NULL, attempts = 0, next_attempt_at = $1 WHERE dead_at IS NOT NULL", now)?,
        })
    }

    /// Messages not yet sent nor dead.
    pub async fn pending_message_count(&self) -> Result<i64> {
        let mut c = self.acquire().await?;
        let (n,): (i64,) = q!(&mut c.conn(), one as (i64,), "SELECT COUNT(*) FROM outbox_message WHERE sent_at IS NULL AND dead_at IS NULL")?;
        Ok(n)
    }

    /// Every message for an account, oldest first (tests and the CLI).
    pub async fn messages_for(&self, account_id: i64) -> Result<Vec<OutboxRow>> {
        let mut c = self.acquire().await?;
        Ok(q!(
            &mut c.conn(),
            all as OutboxRow,
            "SELECT id, message_id, kind, account_id, recipient, created_at, attempts FROM outbox_message \
             WHERE account_id = $1 ORDER BY id",
            account_id
        )?)
    }
}

/// A forgot-password request waiting to be resolved by the worker.
#[derive(Debug, Clone, FromRow)]
pub struct ResetRequestRow {
    pub id: i64,
    pub identifier: String,
    pub client_ip: String,
    pub requested_at: i64,
}

const CLAIM_REQUEST_SQLITE: &str = "UPDATE reset_request SET processed_at = $1 WHERE id = ( \
    SELECT id FROM reset_request WHERE processed_at IS NULL ORDER BY id LIMIT 1) \
    RETURNING id, identifier, client_ip, requested_at";
const CLAIM_REQUEST_POSTGRES: &str = "UPDATE reset_request SET processed_at = $1 WHERE id = ( \
    SELECT id FROM reset_request WHERE processed_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) \
    RETURNING id, identifier, client_ip, requested_at";

impl Store {
    /// Records a forgot-password request: the request path's only database write.
    pub async fn record_reset_request(&self, identifier: &str, client_ip: &str, now: i64) -> Result<()> {
        let mut c = self.acquire().await?;
        q!(
            &mut c.conn(),
            execute,
            "INSERT INTO reset_request (identifier, client_ip, requested_at) VALUES ($1, $2, $3)",
            identifier,
            client_ip,
            now
        )?;
        Ok(())
    }

    /// Takes the oldest unresolved request (each is resolved by exactly one worker).
    pub async fn claim_reset_request(&self, now: i64) -> Result<Option<ResetRequestRow>> {
        let mut c = self.acquire().await?;
        let mut conn = c.conn();
        let sql = match conn {
            Conn::Sqlite(_) => CLAIM_REQUEST_SQLITE,
            Conn::Postgres(_) => CLAIM_REQUEST_POSTGRES,
        };
        Ok(q!(&mut conn, optional as ResetRequestRow, sql, now)?)
    }

    /// Forgets resolved requests older than `before` (they hold identifiers).
    pub async fn prune_reset_requests(&self, before: i64) -> Result<()> {
        let mut c = self.acquire().await?;
        q!(&mut c.conn(), execute, "DELETE FROM reset_request WHERE processed_at IS NOT NULL AND processed_at < $1", before)?;
        Ok(())
    }
}
