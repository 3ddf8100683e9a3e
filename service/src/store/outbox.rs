//! The `outbox_message` table: email queued by requests, delivered by the worker with retries.
//! A request only inserts a row (no SMTP wait, no timing difference, nothing lost when SMTP is
//! down); the worker claims due rows, sends, and records the outcome.

use sqlx::FromRow;

use super::{Conn, Store};
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

pub async fn enqueue(conn: &mut Conn, message_id: &str, kind: &str, account_id: i64, recipient: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox_message (message_id, kind, account_id, recipient, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(message_id)
    .bind(kind)
    .bind(account_id)
    .bind(recipient)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// Claims the oldest due message for `lease_secs` (so a crashed worker's claim expires and
    /// another picks the message up). One UPDATE … RETURNING: two workers never claim one row.
    pub async fn claim_due_message(&self, now: i64, lease_secs: i64) -> Result<Option<OutboxRow>> {
        Ok(sqlx::query_as(
            "UPDATE outbox_message SET claimed_until = $1, attempts = attempts + 1 WHERE id = ( \
                SELECT id FROM outbox_message WHERE sent_at IS NULL AND dead_at IS NULL \
                AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until <= $2) \
                ORDER BY next_attempt_at, id LIMIT 1) \
             RETURNING id, message_id, kind, account_id, recipient, created_at, attempts",
        )
        .bind(now + lease_secs)
        .bind(now)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn mark_sent(&self, id: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE outbox_message SET sent_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records a failed attempt: retry at `retry_at`, or dead when `dead` is set.
    pub async fn mark_failed(&self, id: i64, error: &str, retry_at: i64, dead: bool, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE outbox_message SET claimed_until = NULL, last_error = $1, next_attempt_at = $2, \
             dead_at = CASE WHEN $3 THEN $4 ELSE NULL END WHERE id = $5",
        )
        .bind(error)
        .bind(retry_at)
        .bind(dead)
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Messages not yet sent nor dead.
    pub async fn pending_message_count(&self) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM outbox_message WHERE sent_at IS NULL AND dead_at IS NULL")
                .fetch_one(self.pool())
                .await?;
        Ok(n)
    }

    /// Every message of a kind for an account, oldest first (tests and the CLI).
    pub async fn messages_for(&self, account_id: i64) -> Result<Vec<OutboxRow>> {
        Ok(sqlx::query_as(
            "SELECT id, message_id, kind, account_id, recipient, created_at, attempts FROM outbox_message \
             WHERE account_id = $1 ORDER BY id",
        )
        .bind(account_id)
        .fetch_all(self.pool())
        .await?)
    }
}
