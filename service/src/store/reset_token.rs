//! The `reset_token` table: hashes of reset links, their lifetime, and why each one ended.
//! One live token per account: issuing supersedes the older ones (RB-04); consuming is one
//! conditional UPDATE in the password-changing transaction (RB-01, Keycloak #37231).

use sqlx::FromRow;

use super::{q, Conn, Store};
use crate::error::{Result, TokenProblem};

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub account_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
}

impl TokenRow {
    /// Whether the token can still set a password at `now`, and if not, why.
    pub fn problem(&self, now: i64) -> Option<TokenProblem> {
        if self.used_at.is_some() {
            return Some(TokenProblem::Used);
        }
        if self.revoked_at.is_some() {
            return Some(match self.revoked_reason.as_deref() {
                Some("superseded") => TokenProblem::Superseded,
                Some("password_changed") => TokenProblem::PasswordChanged,
                _ => TokenProblem::Invalid,
            });
        }
        if now >= self.expires_at {
            return Some(TokenProblem::Expired);
        }
        None
    }
}

/// Stores a new token hash for the account, superseding every live older one.
pub async fn issue(conn: &mut Conn<'_>, account_id: i64, hash: &str, now: i64, ttl_secs: i64) -> Result<()> {
    revoke_live(conn, account_id, now, "superseded").await?;
    q!(
        conn,
        execute,
        "INSERT INTO reset_token (account_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        account_id,
        hash,
        now,
        now + ttl_secs
    )?;
    Ok(())
}

/// Marks the token used if, and only if, it is still live. Returns false when another request
/// got there first (or it expired or was revoked meanwhile).
pub async fn consume(conn: &mut Conn<'_>, hash: &str, now: i64) -> Result<bool> {
    let n = q!(
        conn,
        execute,
        "UPDATE reset_token SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $1",
        now,
        hash
    )?;
    Ok(n == 1)
}

/// Revokes every live token of the account because its password changed (RB-02).
pub async fn revoke_all(conn: &mut Conn<'_>, account_id: i64, now: i64) -> Result<()> {
    revoke_live(conn, account_id, now, "password_changed").await
}

/// Ends every live token of the account, recording why (the link's page explains it, RB-27).
async fn revoke_live(conn: &mut Conn<'_>, account_id: i64, now: i64, reason: &str) -> Result<()> {
    q!(
        conn,
        execute,
        "UPDATE reset_token SET revoked_at = $1, revoked_reason = $2 \
         WHERE account_id = $3 AND used_at IS NULL AND revoked_at IS NULL",
        now,
        reason,
        account_id
    )?;
    Ok(())
}

impl Store {
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>> {
        let mut c = self.acquire().await?;
        Ok(q!(
            &mut c.conn(),
            optional as TokenRow,
            "SELECT id, account_id, created_at, expires_at, used_at, revoked_at, revoked_reason \
             FROM reset_token WHERE token_hash = $1",
            hash
        )?)
    }
}
