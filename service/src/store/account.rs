//! The `account` table: who can sign in, with which password hash.

use sqlx::FromRow;

use super::{Conn, Store};
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
    pub status: String,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
}

impl Account {
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
                       must_change_password, status, created_at, last_sign_in_at";

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub username_folded: &'a str,
    pub email: &'a str,
    pub email_folded: &'a str,
    pub full_name: &'a str,
    pub agency: &'a str,
    pub password_hash: Option<&'a str>,
    pub must_change_password: bool,
    pub now: i64,
}

impl Store {
    pub async fn insert_account(&self, a: NewAccount<'_>) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO account (username, username_folded, email, email_folded, full_name, agency, \
             password_hash, must_change_password, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(a.username)
        .bind(a.username_folded)
        .bind(a.email)
        .bind(a.email_folded)
        .bind(a.full_name)
        .bind(a.agency)
        .bind(a.password_hash)
        .bind(a.must_change_password)
        .bind(a.now)
        .fetch_one(self.pool())
        .await?;
        Ok(id)
    }

    pub async fn account_by_username(&self, folded: &str) -> Result<Option<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM account WHERE username_folded = $1 AND deleted_at IS NULL");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(folded).fetch_optional(self.pool()).await?)
    }

    /// Every live account with this email on file (an email may be shared by several accounts).
    pub async fn accounts_by_email(&self, folded: &str) -> Result<Vec<Account>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM account WHERE email_folded = $1 AND deleted_at IS NULL ORDER BY id"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(folded).fetch_all(self.pool()).await?)
    }

    pub async fn account_by_id(&self, id: i64) -> Result<Option<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM account WHERE id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?)
    }

    pub async fn list_accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM account WHERE deleted_at IS NULL ORDER BY username_folded");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?)
    }

    pub async fn count_accounts(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM account WHERE deleted_at IS NULL")
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }

    /// Takes the forgot-password cooldown for an account: true when no request was recorded in
    /// the last `cooldown_secs`. One statement, so two parallel requests cannot both win.
    pub async fn take_reset_cooldown(&self, account_id: i64, now: i64, cooldown_secs: i64) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE account SET last_reset_requested_at = $1 WHERE id = $2 AND \
             (last_reset_requested_at IS NULL OR last_reset_requested_at <= $3)",
        )
        .bind(now)
        .bind(account_id)
        .bind(now - cooldown_secs)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records a successful sign-in (and an upgraded hash, if any).
    pub async fn record_sign_in(&self, account_id: i64, now: i64, new_hash: Option<&str>) -> Result<()> {
        sqlx::query(
            "UPDATE account SET last_sign_in_at = $1, failed_attempts = 0, \
             password_hash = COALESCE($2, password_hash) WHERE id = $3",
        )
        .bind(now)
        .bind(new_hash)
        .bind(account_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn record_failed_sign_in(&self, account_id: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "UPDATE account SET failed_attempts = failed_attempts + 1 WHERE id = $1 RETURNING failed_attempts",
        )
        .bind(account_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }
}

/// Sets a new password hash inside a transaction; the caller revokes tokens and sessions in the
/// same transaction (RB-02, RB-19).
pub async fn set_password(conn: &mut Conn, account_id: i64, phc: &str, must_change: bool, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE account SET password_hash = $1, must_change_password = $2, password_changed_at = $3, \
         failed_attempts = 0 WHERE id = $4",
    )
    .bind(phc)
    .bind(must_change)
    .bind(now)
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(())
}
