//! What the lifecycle job needs from storage: a lease so one instance runs it at a time, the
//! record of warnings already sent, and the shared server secret.

use super::{Conn, Store};
use crate::error::{Error, Result};

impl Store {
    /// Takes the lease `name` for `holder` until `until`, if it is free or expired. True when
    /// taken. One statement each: two instances can never both win.
    pub async fn take_lease(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
        sqlx::query("INSERT INTO job_lock (name, holder, until) VALUES ($1, '', 0) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .execute(self.pool())
            .await?;
        let r = sqlx::query("UPDATE job_lock SET holder = $1, until = $2 WHERE name = $3 AND until <= $4")
            .bind(holder)
            .bind(until)
            .bind(name)
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        sqlx::query("UPDATE job_lock SET until = 0 WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The shared secret `name`, created with `make` the first time. Every instance reads the
    /// same value (the first writer wins).
    pub async fn secret(&self, name: &str, make: impl FnOnce() -> Result<String>) -> Result<String> {
        let fresh = make()?;
        sqlx::query("INSERT INTO server_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(&fresh)
            .execute(self.pool())
            .await?;
        let (v,): (String,) = sqlx::query_as("SELECT value FROM server_secret WHERE name = $1")
            .bind(name)
            .fetch_one(self.pool())
            .await?;
        if v.is_empty() {
            return Err(Error::Internal(format!("server secret {name} is empty")));
        }
        Ok(v)
    }
}

/// Records that the notice `period_key` was sent to the account; false when it already was.
pub async fn claim_notice(conn: &mut Conn, account_id: i64, period_key: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO lifecycle_notice (account_id, period_key, sent_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, period_key) DO NOTHING",
    )
    .bind(account_id)
    .bind(period_key)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}
