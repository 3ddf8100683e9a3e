//! add_user, list_users, ensure_demo_account: what the operator CLI and local mode need.

use base64::Engine as _;

use super::Service;
use crate::error::{Error, Result};
use crate::store::account::{Account, NewAccount};
use crate::store::audit::Event;

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub full_name: &'a str,
    pub agency: &'a str,
    /// `None`: generate a one-time password that must be changed at first sign-in.
    pub password: Option<&'a str>,
    /// `user`, `agency_admin` or `system_admin`.
    pub role: &'a str,
}

pub struct AddedUser {
    pub id: i64,
    /// The generated one-time password, shown once.
    pub one_time_password: Option<String>,
}

impl Service {
    pub async fn add_user(&self, u: NewUser<'_>, actor: &str) -> Result<AddedUser> {
        if !ROLES.contains(&u.role) {
            return Err(Error::Conflict(format!("role must be one of {ROLES:?}")));
        }
        let username_folded = domain::identifier::fold(u.username)?;
        if domain::identifier::is_email(&username_folded) {
            return Err(Error::Conflict("a username cannot contain @".into()));
        }
        let email_folded = domain::identifier::fold(u.email)?;
        if u.email.trim().parse::<lettre::Address>().is_err() {
            return Err(Error::Conflict(format!("{:?} is not a valid email address", u.email.trim())));
        }
        if self.store().account_by_username(&username_folded).await?.is_some() {
            return Err(Error::Conflict(format!("the username {:?} is taken", u.username.trim())));
        }
        let inputs = domain::password::UserInputs {
            username: u.username.trim().into(),
            email: u.email.trim().into(),
            full_name: u.full_name.trim().into(),
            agency: u.agency.trim().into(),
        };
        let (password, one_time) = match u.password {
            Some(p) => {
                let v = self.evaluate_password(p, &inputs);
                if !v.acceptable() {
                    return Err(Error::WeakPassword(Box::new(v)));
                }
                (domain::password::normalize(p), None)
            }
            None => {
                let otp = one_time_password()?;
                (otp.clone(), Some(otp))
            }
        };
        let phc = self.hashing().hash(password).await?;
        let now = self.now();
        let license = domain::license::License::new(&self.settings().license, now);
        let otp_until = one_time.as_ref().map(|_| now + self.settings().license.one_time_password_secs);
        let id = self
            .store()
            .insert_account(NewAccount {
                username: u.username.trim(),
                username_folded: &username_folded,
                email: u.email.trim(),
                email_folded: &email_folded,
                full_name: u.full_name.trim(),
                agency: u.agency.trim(),
                role: u.role,
                password_hash: Some(&phc),
                one_time_password_expires_at: otp_until,
                license,
                now,
            })
            .await?;
        self.store()
            .audit(Event { at: now, account_id: Some(id), actor, action: "account_created", detail: "", client_ip: "" })
            .await?;
        Ok(AddedUser { id, one_time_password: one_time })
    }

    pub async fn list_users(&self) -> Result<Vec<Account>> {
        self.store().list_accounts().await
    }

    /// Local mode: creates the demo account on first start. Returns its username when created.
    pub async fn ensure_demo_account(&self) -> Result<Option<String>> {
        if self.store().account_by_username("demo").await?.is_some() {
            return Ok(None);
        }
        self.add_user(
            NewUser {
                username: "demo",
                email: "demo@example.org",
                full_name: "Demo Case Worker",
                agency: "Demo Shelter",
                password: None,
                role: "user",
            },
            "system",
        )
        .await?;
        Ok(Some("demo".into()))
    }
}

/// The roles an account can have.
pub const ROLES: [&str; 3] = ["user", "agency_admin", "system_admin"];

/// 20 characters from the CSPRNG (120 bits), without look-alike-prone symbols.
pub(crate) fn one_time_password() -> Result<String> {
    let mut b = [0u8; 15];
    getrandom::getrandom(&mut b).map_err(|e| Error::Internal(format!("CSPRNG: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
}
