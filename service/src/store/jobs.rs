//! What the lifecycle job needs from storage: a lease so one instance runs it at a time, the
//! record of warnings already sent, and the shared server secret.

use super::{q, Conn, Store};
use crate::error::{Error, Result};

impl Store {
    /// Takes the lease `name` for `holder` until `until`, if it is free or expired. True when
    /// taken. One statement each: two instances can never both win.
    pub async fn take_lease(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
        let mut c = self.acquire().await?;
        q!(&mut c.conn(), execute, "INSERT INTO job_lock (name, holder, until) VALUES ($1, '', 0) ON CONFLICT (name) DO NOTHING", name)?;
        let n = q!(&mut c.conn(), execute, "UPDATE job_lock SET holder = $1, until = $2 WHERE name = $3 AND until <= $4", holder, until, name, now)?;
        Ok(n == 1)
    }

    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let mut c = self.acquire().await?;
        q!(&mut c.conn(), execute, "UPDATE job_lock SET until = 0 WHERE name = $1 AND holder = $2", name, holder)?;
        Ok(())
    }

    /// The shared secret `name`, created with `make` the first time. Every instance reads the
    /// same value (the first writer wins).
    pub async fn secret(&self, name: &str, make: impl FnOnce() -> Result<String>) -> Result<String> {
        let fresh = make()?;
        let mut c = self.acquire().await?;
        q!(&mut c.conn(), execute, "INSERT INTO server_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", name, &fresh)?;
        let (v,): (String,) = q!(&mut c.conn(), one as (String,), "SELECT value FROM server_secret WHERE name = $1", name)?;
        if v.is_empty() {
            return Err(Error::Internal(format!("server secret {name} is empty")));
        }
        Ok(v)
    }
}

/// Records that the notice `period_key` was sent to the account; false when it already was.
pub async fn claim_notice(conn: &mut Conn<'_>, account_id: i64, period_key: &str, now: i64) -> Result<bool> {
    let n = q!(
        conn,
        execute,
        "INSERT INTO lifecycle_notice (account_id, period_key, sent_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, period_key) DO NOTHING",
        account_id,
        period_key,
        now
    )?;
    Ok(n == 1)
}
