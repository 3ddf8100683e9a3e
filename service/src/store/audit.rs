//! The append-only `audit_event` table. Never holds a password, a token or a full link.

use super::{q, Conn, Store};
use crate::error::Result;

pub struct Event<'a> {
    pub at: i64,
    pub account_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
    pub client_ip: &'a str,
}

pub async fn record(conn: &mut Conn<'_>, e: Event<'_>) -> Result<()> {
    q!(
        conn,
        execute,
        "INSERT INTO audit_event (at, account_id, actor, action, detail, client_ip) VALUES ($1, $2, $3, $4, $5, $6)",
        e.at,
        e.account_id,
        e.actor,
        e.action,
        e.detail,
        e.client_ip
    )?;
    Ok(())
}

impl Store {
    pub async fn audit(&self, e: Event<'_>) -> Result<()> {
        let mut c = self.acquire().await?;
        record(&mut c.conn(), e).await
    }

    /// (action, account_id) of every event, oldest first; for tests and the CLI.
    pub async fn audit_actions(&self) -> Result<Vec<(String, Option<i64>)>> {
        let mut c = self.acquire().await?;
        Ok(q!(&mut c.conn(), all as (String, Option<i64>), "SELECT action, account_id FROM audit_event ORDER BY id")?)
    }
}
