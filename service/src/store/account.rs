//! The `account` table: who can sign in, with which password hash.

use domain::license::{InactiveReason, License, LicenseState};
use domain::lockout::LockState;
use sqlx::FromRow;

use super::{q, Conn, Store};
use crate::error::Result;

#[derive(Debug, Clone, FromRow)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub username_folded: String,
    pub email: String,
    pub full_name: String,
    pub agency: String,
    pub role: String,
    #[sqlx(default)]
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub one_time_password_expires_at: Option<i64>,
    pub failed_attempts: i64,
    pub locked_at: Option<i64>,
    pub status: String,
    pub activity_at: i64,
    pub expires_at: i64,
    pub inactive_since: Option<i64>,
    pub inactive_reason: Option<String>,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
    pub deleted_at: Option<i64>,
}

impl Account {
    /// The license part, for `domain::license`. An unknown stored state reads as deleted, the
    /// safe side: it never signs in.
    pub fn license(&self) -> License {
        License {
            state: LicenseState::parse(&self.status).unwrap_or(LicenseState::Deleted),
            created_at: self.created_at,
            activity_at: self.activity_at,
            expires_at: self.expires_at,
            inactive_since: self.inactive_since,
            inactive_reason: self.inactive_reason.as_deref().and_then(InactiveReason::parse),
        }
    }

    /// The license as it stands at `now`: the passage of time applied even if the lifecycle job
    /// has not run yet (so nothing depends on when the job last ran).
    pub fn license_at(&self, policy: &domain::license::LicensePolicy, now: i64) -> License {
        let l = self.license();
        l.apply(policy, domain::license::LicenseEvent::Tick, now).map(|(t, _)| t).unwrap_or(l)
    }

    /// The lockout part, for `domain::lockout`.
    pub fn lock_state(&self) -> LockState {
        LockState { failures: u32::try_from(self.failed_attempts).unwrap_or(u32::MAX), locked_at: self.locked_at }
    }

    pub fn display_name(&self) -> &str {
        if self.full_name.is_empty() { &self.username } else { &self.full_name }
    }

    pub fn user_inputs(&self) -> domain::password::UserInputs {
        domain::password::UserInputs {
            username: self.username.clone(),
            email: self.email.clone(),
            full_name: self.full_name.clone(),
            agency: self.agency.clone(),
        }
    }
}

const COLUMNS: &str = "id, username, username_folded, email, full_name, agency, role, password_hash, \
    must_change_password, one_time_password_expires_at, failed_attempts, locked_at, status, activity_at, \
    expires_at, inactive_since, inactive_reason, created_at, last_sign_in_at, deleted_at";

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub username_folded: &'a str,
    pub email: &'a str,
    pub email_folded: &'a str,
    pub full_name: &'a str,
    pub agency: &'a str,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
    /// Until when a generated one-time password works (`None`: the password is the user's own).
    pub one_time_password_expires_at: Option<i64>,
    pub license: License,
    pub now: i64,
}

impl Store {
    pub async fn insert_account(&self, a: NewAccount<'_>) -> Result<i64> {
        let mut c = self.acquire().await?;
        let (id,): (i64,) = q!(
            &mut c.conn(),
            one as (i64,),
            "INSERT INTO account (username, username_folded, email, email_folded, full_name, agency, role, \
             password_hash, must_change_password, one_time_password_expires_at, created_at, password_changed_at, \
             status, activity_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14) RETURNING id",
            a.username,
            a.username_folded,
            a.email,
            a.email_folded,
            a.full_name,
            a.agency,
            a.role,
            a.password_hash,
            a.one_time_password_expires_at.is_some(),
            a.one_time_password_expires_at,
            a.now,
            a.license.state.as_str(),
            a.license.activity_at,
            a.license.expires_at,
        )?;
        Ok(id)
    }

    pub async fn account_by_username(&self, folded: &str) -> Result<Option<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM account WHERE username_folded = $1 AND deleted_at IS NULL");
        let mut c = self.acquire().await?;
        Ok(q!(&mut c.conn(), optional as Account, sqlx::AssertSqlSafe(sql), folded)?)
    }

    /// Every live account with this email on file (an email may be shared by several accounts).
    pub async fn accounts_by_email(&self, folded: &str) -> Result<Vec<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM account WHERE email_folded = $1 AND deleted_at IS NULL ORDER BY id");
        let mut c = self.acquire().await?;
        Ok(q!(&mut c.conn(), all as Account, sqlx::AssertSqlSafe(sql), folded)?)
    }

    pub async fn account_by_id(&self, id: i64) -> Result<Option<Account>> {
        let mut c = self.acquire().await?;
        account_by_id(&mut c.conn(), id).await
    }

    pub async fn list_accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM account WHERE deleted_at IS NULL ORDER BY username_folded");
        let mut c = self.acquire().await?;
        Ok(q!(&mut c.conn(), all as Account, sqlx::AssertSqlSafe(sql))?)
    }

    pub async fn count_accounts(&self) -> Result<i64> {
        let mut c = self.acquire().await?;
        let (n,): (i64,) = q!(&mut c.conn(), one as (i64,), "SELECT COUNT(*) FROM account WHERE deleted_at IS NULL")?;
        Ok(n)
    }

    /// Takes the forgot-password cooldown for an account: true when no request was recorded in
    /// the last `cooldown_secs`. One statement, so two parallel requests cannot both win.
    pub async fn take_reset_cooldown(&self, account_id: i64, now: i64, cooldown_secs: i64) -> Result<bool> {
        let mut c = self.acquire().await?;
        let n = q!(
            &mut c.conn(),
            execute,
            "UPDATE account SET last_reset_requested_at = $1 WHERE id = $2 AND \
             (last_reset_requested_at IS NULL OR last_reset_requested_at <= $3)",
            now,
            account_id,
            now - cooldown_secs
        )?;
        Ok(n == 1)
    }

    /// The most recently deleted account that had this username (for the "your license was
    /// deleted" email).
    pub async fn deleted_account_by_username(&self, folded: &str) -> Result<Option<Account>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM account WHERE username_folded = $1 AND deleted_at IS NOT NULL ORDER BY deleted_at DESC LIMIT 1"
        );
        let mut c = self.acquire().await?;
        Ok(q!(&mut c.conn(), optional as Account, sqlx::AssertSqlSafe(sql), folded)?)
    }

    /// Every account the lifecycle job looks at (not deleted).
    pub async fn accounts_for_lifecycle(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM account WHERE deleted_at IS NULL ORDER BY id");
        let mut c = self.acquire().await?;
        Ok(q!(&mut c.conn(), all as Account, sqlx::AssertSqlSafe(sql))?)
    }
}

/// One account by id, inside the caller's transaction or connection.
pub async fn account_by_id(conn: &mut Conn<'_>, id: i64) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM account WHERE id = $1");
    Ok(q!(conn, optional as Account, sqlx::AssertSqlSafe(sql), id)?)
}

/// One account by id, locked for the rest of the transaction (PostgreSQL `FOR UPDATE`): attempts
/// on one account from several instances are serialised by this row lock. On SQLite there is one
/// writer process and the caller holds the in-process per-account lock instead.
pub async fn account_by_id_for_update(conn: &mut Conn<'_>, id: i64) -> Result<Option<Account>> {
    match conn {
        Conn::Sqlite(_) => account_by_id(conn, id).await,
        Conn::Postgres(_) => {
            let sql = format!("SELECT {COLUMNS} FROM account WHERE id = $1 FOR UPDATE");
            Ok(q!(conn, optional as Account, sqlx::AssertSqlSafe(sql), id)?)
        }
    }
}

/// Sets a new password hash inside a transaction; the caller revokes tokens and sessions in the
/// same transaction (RB-02, RB-19).
pub async fn set_password(conn: &mut Conn<'_>, account_id: i64, phc: &str, must_change: bool, now: i64) -> Result<()> {
    q!(
        conn,
        execute,
        "UPDATE account SET password_hash = $1, must_change_password = $2, password_changed_at = $3, \
         one_time_password_expires_at = NULL WHERE id = $4",
        phc,
        must_change,
        now,
        account_id
    )?;
    Ok(())
}

/// Stores the lockout part of an account.
pub async fn save_lock_state(conn: &mut Conn<'_>, account_id: i64, lock: LockState) -> Result<()> {
    q!(
        conn,
        execute,
        "UPDATE account SET failed_attempts = $1, locked_at = $2 WHERE id = $3",
        i64::from(lock.failures),
        lock.locked_at,
        account_id
    )?;
    Ok(())
}

/// Stores the license part of an account if its state is still `expected` (so two job runs or
/// an administrator and the job never overwrite each other's change). True when stored.
pub async fn save_license(conn: &mut Conn<'_>, account_id: i64, expected: LicenseState, l: &License, now: i64) -> Result<bool> {
    let deleted_at = (l.state == LicenseState::Deleted).then_some(now);
    let n = q!(
        conn,
        execute,
        "UPDATE account SET status = $1, activity_at = $2, expires_at = $3, inactive_since = $4, \
         inactive_reason = $5, deleted_at = COALESCE(deleted_at, $6) WHERE id = $7 AND status = $8",
        l.state.as_str(),
        l.activity_at,
        l.expires_at,
        l.inactive_since,
        l.inactive_reason.map(|r| r.as_str()),
        deleted_at,
        account_id,
        expected.as_str()
    )?;
    Ok(n == 1)
}

/// Records a successful sign-in: last sign-in time and, if the hash was upgraded, the new one.
pub async fn record_sign_in(conn: &mut Conn<'_>, account_id: i64, now: i64, new_hash: Option<&str>) -> Result<()> {
    q!(
        conn,
        execute,
        "UPDATE account SET last_sign_in_at = $1, password_hash = COALESCE($2, password_hash) WHERE id = $3",
        now,
        new_hash,
        account_id
    )?;
    Ok(())
}

/// Changes the email on file.
pub async fn set_email(conn: &mut Conn<'_>, account_id: i64, email: &str, folded: &str) -> Result<()> {
    q!(conn, execute, "UPDATE account SET email = $1, email_folded = $2 WHERE id = $3", email, folded, account_id)?;
    Ok(())
}

/// Sets or clears the one-time-password flag with its expiry.
pub async fn set_one_time_expiry(conn: &mut Conn<'_>, account_id: i64, until: Option<i64>) -> Result<()> {
    q!(
        conn,
        execute,
        "UPDATE account SET must_change_password = $1, one_time_password_expires_at = $2 WHERE id = $3",
        until.is_some(),
        until,
        account_id
    )?;
    Ok(())
}
