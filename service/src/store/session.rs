//! The `session` table: server-side sessions behind an opaque cookie (only its hash stored),
//! with an idle and an absolute limit, ended for good by sign-out or a password change.

use sqlx::FromRow;

use super::{q, Conn, Store};
use crate::error::Result;

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub account_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: String,
    pub client_ip: String,
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub account_id: i64,
    pub now: i64,
    pub absolute_secs: i64,
    pub user_agent: &'a str,
    pub client_ip: &'a str,
}

/// Ends every session of the account (password changed, RB-19).
pub async fn revoke_all(conn: &mut Conn<'_>, account_id: i64, now: i64) -> Result<u64> {
    Ok(q!(conn, execute, "UPDATE session SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL", now, account_id)?)
}

/// Inserts a session inside the caller's transaction.
pub async fn insert(conn: &mut Conn<'_>, s: NewSession<'_>) -> Result<i64> {
    let (id,): (i64,) = q!(
        conn,
        one as (i64,),
        "INSERT INTO session (token_hash, account_id, created_at, last_seen_at, expires_at, user_agent, client_ip) \
         VALUES ($1, $2, $3, $3, $4, $5, $6) RETURNING id",
        s.token_hash,
        s.account_id,
        s.now,
        s.now + s.absolute_secs,
        s.user_agent,
        s.client_ip
    )?;
    Ok(id)
}

impl Store {
    /// Finds a live session and marks it seen: one UPDATE … RETURNING, so an idle or revoked
    /// session can never be revived by a racing request.
    pub async fn touch_session(&self, token_hash: &str, now: i64, idle_secs: i64) -> Result<Option<SessionRow>> {
        let mut c = self.acquire().await?;
        Ok(q!(
            &mut c.conn(),
            optional as SessionRow,
            "UPDATE session SET last_seen_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL \
             AND expires_at > $1 AND last_seen_at > $3 \
             RETURNING id, account_id, created_at, last_seen_at, expires_at, user_agent, client_ip",
            now,
            token_hash,
            now - idle_secs
        )?)
    }

    /// Ends every other session of the account (ASVS 3.3.4 "sign out everywhere else").
    pub async fn revoke_other_sessions(&self, account_id: i64, keep_id: i64, now: i64) -> Result<u64> {
        let mut c = self.acquire().await?;
        Ok(q!(
            &mut c.conn(),
            execute,
            "UPDATE session SET revoked_at = $1 WHERE account_id = $2 AND id <> $3 AND revoked_at IS NULL",
            now,
            account_id,
            keep_id
        )?)
    }

    pub async fn revoke_session(&self, token_hash: &str, now: i64) -> Result<()> {
        let mut c = self.acquire().await?;
        q!(&mut c.conn(), execute, "UPDATE session SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL", now, token_hash)?;
        Ok(())
    }

    pub async fn live_sessions(&self, account_id: i64, now: i64, idle_secs: i64) -> Result<Vec<SessionRow>> {
        let mut c = self.acquire().await?;
        Ok(q!(
            &mut c.conn(),
            all as SessionRow,
            "SELECT id, account_id, created_at, last_seen_at, expires_at, user_agent, client_ip FROM session \
             WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3 \
             ORDER BY last_seen_at DESC",
            account_id,
            now,
            now - idle_secs
        )?)
    }
}
