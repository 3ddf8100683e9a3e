//! Counters against guessing: fixed-window rate limits (per client address, per account) and
//! the failed-sign-in counters of usernames that do not exist.

use domain::lockout::LockState;

use super::{q, Conn, Store};
use crate::error::Result;

impl Store {
    /// Hits recorded for `bucket` in the window containing `now`.
    pub async fn rate_hits(&self, bucket: &str, now: i64, window_secs: i64) -> Result<i64> {
        let start = now - now.rem_euclid(window_secs.max(1));
        let mut c = self.acquire().await?;
        let row = q!(&mut c.conn(), optional as (i64,), "SELECT hits FROM rate_limit WHERE bucket = $1 AND window_start = $2", bucket, start)?;
        Ok(row.map(|r| r.0).unwrap_or(0))
    }

    /// Records one hit and returns the window's count. One upsert: parallel hits never lose
    /// a count.
    pub async fn rate_hit(&self, bucket: &str, now: i64, window_secs: i64) -> Result<i64> {
        let start = now - now.rem_euclid(window_secs.max(1));
        let mut c = self.acquire().await?;
        let (hits,): (i64,) = q!(
            &mut c.conn(),
            one as (i64,),
            "INSERT INTO rate_limit (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit.hits + 1 RETURNING hits",
            bucket,
            start
        )?;
        Ok(hits)
    }

    /// Takes back one hit recorded by `rate_hit` with the same `now` (never below zero).
    pub async fn rate_unhit(&self, bucket: &str, now: i64, window_secs: i64) -> Result<()> {
        let start = now - now.rem_euclid(window_secs.max(1));
        let mut c = self.acquire().await?;
        q!(&mut c.conn(), execute, "UPDATE rate_limit SET hits = hits - 1 WHERE bucket = $1 AND window_start = $2 AND hits > 0", bucket, start)?;
        Ok(())
    }

    /// Seconds until the window containing `now` ends (for Retry-After).
    pub fn window_remaining(now: i64, window_secs: i64) -> i64 {
        let w = window_secs.max(1);
        w - now.rem_euclid(w)
    }

    pub async fn unknown_lock_state(&self, name_hmac: &str) -> Result<LockState> {
        let mut c = self.acquire().await?;
        let row = q!(&mut c.conn(), optional as (i64, Option<i64>), "SELECT failures, locked_at FROM unknown_sign_in WHERE name_hmac = $1", name_hmac)?;
        Ok(row
            .map(|(f, l)| LockState { failures: u32::try_from(f).unwrap_or(u32::MAX), locked_at: l })
            .unwrap_or_default())
    }

    pub async fn save_unknown_lock_state(&self, name_hmac: &str, s: LockState, now: i64) -> Result<()> {
        let mut c = self.acquire().await?;
        save_unknown_lock_state(&mut c.conn(), name_hmac, s, now).await
    }

    /// Forgets counters older than `before` (run by the lifecycle job).
    pub async fn prune_counters(&self, before: i64) -> Result<()> {
        let mut c = self.acquire().await?;
        q!(&mut c.conn(), execute, "DELETE FROM unknown_sign_in WHERE updated_at < $1", before)?;
        q!(&mut c.conn(), execute, "DELETE FROM rate_limit WHERE window_start < $1", before)?;
        Ok(())
    }
}

/// Stores the failure counter of an unknown username, inside the caller's transaction.
pub async fn save_unknown_lock_state(conn: &mut Conn<'_>, name_hmac: &str, s: LockState, now: i64) -> Result<()> {
    {
        q!(
            conn,
            execute,
            "INSERT INTO unknown_sign_in (name_hmac, failures, locked_at, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name_hmac) DO UPDATE SET failures = $2, locked_at = $3, updated_at = $4",
            name_hmac,
            i64::from(s.failures),
            s.locked_at,
            now
        )?;
    }
    Ok(())
}
