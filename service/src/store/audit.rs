//! The append-only `audit_event` table. Never holds a password, a token or a full link.

use super::{Conn, Store};
use crate::error::Result;

pub struct Event<'a> {
    pub at: i64,
    pub account_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
    pub client_ip: &'a str,
}

pub async fn record(conn: &mut Conn, e: Event<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_event (at, account_id, actor, action, detail, client_ip) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(e.at)
    .bind(e.account_id)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.detail)
    .bind(e.client_ip)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    pub async fn audit(&self, e: Event<'_>) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        record(&mut conn, e).await
    }

    /// (action, account_id) of every event, oldest first; for tests and the CLI.
    pub async fn audit_actions(&self) -> Result<Vec<(String, Option<i64>)>> {
        Ok(sqlx::query_as("SELECT action, account_id FROM audit_event ORDER BY id")
            .fetch_all(self.pool())
            .await?)
    }
}
