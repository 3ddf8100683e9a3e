//! What administrators do (the CLI today, a web console later): unlock, send a reset link, set a
//! one-time password, inactivate for a leave of absence, reactivate, record a recertification,
//! change the email on file, delete. Each checks the actor's role first and is audited.
//!
//! Roles: a `system_admin` may act on anyone; an `agency_admin` only on plain users of their own
//! agency (never on another administrator); a `user` on no one. The operator running the CLI
//! without `--as` acts as the system.

use domain::license::{LicenseEvent, Refused};
use domain::lockout::{LockEffect, LockEvent};

use super::users::one_time_password;
use super::Service;
use crate::error::{Error, Result};
use crate::mail::notices::Kind;
use crate::store::account::{self, Account};
use crate::store::audit;

/// Who performs an administrative action.
#[derive(Debug, Clone)]
pub enum Actor {
    /// The operator at the server's command line.
    System,
    /// A named administrator account.
    Admin(String),
}

impl Service {
    /// The target account, if `actor` may act on it; and the actor's name for the audit trail.
    async fn authorize(&self, actor: &Actor, username: &str) -> Result<(Account, String)> {
        let folded = domain::identifier::fold(username)?;
        let target = self
            .store()
            .account_by_username(&folded)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no account with the username {:?}", username.trim())))?;
        let name = match actor {
            Actor::System => "cli".to_string(),
            Actor::Admin(admin) => {
                let a = self
                    .store()
                    .account_by_username(&domain::identifier::fold(admin)?)
                    .await?
                    .ok_or_else(|| Error::Forbidden(format!("{admin:?} is not an account")))?;
                let allowed = match a.role.as_str() {
                    "system_admin" => true,
                    "agency_admin" => target.role == "user" && !a.agency.is_empty() && a.agency == target.agency,
                    _ => false,
                };
                if !allowed {
                    return Err(Error::Forbidden(format!(
                        "{} ({}) may not manage {}",
                        a.username, a.role, target.username
                    )));
                }
                a.username
            }
        };
        Ok((target, name))
    }

    async fn audit_admin(&self, a: &Account, actor: &str, action: &str, detail: &str) -> Result<()> {
        self.store()
            .audit(audit::Event { at: self.now(), account_id: Some(a.id), actor, action, detail, client_ip: "" })
            .await
    }

    /// Unlocks the account; returns false when it was not locked.
    pub async fn admin_unlock(&self, actor: &Actor, username: &str) -> Result<bool> {
        let (a, who) = self.authorize(actor, username).await?;
        let _serial = self.stripe_for_account(a.id).lock().await;
        let now = self.now();
        let (next, fx) = a.lock_state().apply(&self.settings().lockout, LockEvent::AdminUnlock, now);
        let mut tx = self.store().begin_write().await?;
        account::save_lock_state(&mut tx.conn(), a.id, next).await?;
        tx.commit().await?;
        let was_locked = fx.contains(&LockEffect::Unlocked);
        self.audit_admin(&a, &who, "unlocked", if was_locked { "" } else { "was not locked" }).await?;
        Ok(was_locked)
    }

    /// Sends a reset link now (no cooldown), if the account may use one.
    pub async fn admin_send_reset(&self, actor: &Actor, username: &str) -> Result<()> {
        let (a, who) = self.authorize(actor, username).await?;
        let now = self.now();
        let state = a.license_at(&self.settings().license, now).state;
        let kind = Kind::for_blocked_reset(state, self.reset_blocked_by_lock(&a, now)).unwrap_or(Kind::ResetLink);
        let mut tx = self.store().begin_write().await?;
        self.enqueue(&mut tx.conn(), kind, a.id, &a.email, now).await?;
        tx.commit().await?;
        self.wake_outbox();
        self.audit_admin(&a, &who, "reset_sent", &kind.as_str()).await
    }

    /// Sets a generated one-time password (valid 24 hours by default, to be changed at next
    /// sign-in), unlocking the account. Returns it: shown once, never stored in clear.
    pub async fn admin_set_one_time_password(&self, actor: &Actor, username: &str) -> Result<String> {
        let (a, who) = self.authorize(actor, username).await?;
        if !a.license_at(&self.settings().license, self.now()).can_sign_in() {
            return Err(Error::Conflict(format!("the license is {}; reactivate it first", a.status)));
        }
        let otp = one_time_password()?;
        let phc = self.hashing().hash(otp.clone()).await?;
        let _serial = self.stripe_for_account(a.id).lock().await;
        let now = self.now();
        let until = now + self.settings().license.one_time_password_secs;
        let mut tx = self.store().begin_write().await?;
        let (unlocked, _) = a.lock_state().apply(&self.settings().lockout, LockEvent::AdminUnlock, now);
        account::save_lock_state(&mut tx.conn(), a.id, unlocked).await?;
        let fresh = Account { failed_attempts: 0, locked_at: None, ..a.clone() };
        self.store_new_password(&mut tx.conn(), &fresh, &phc, Some(until), &who, "one_time_password_set", "", now).await?;
        tx.commit().await?;
        self.wake_outbox();
        Ok(otp)
    }

    /// Applies a license event on an administrator's behalf.
    async fn admin_license(&self, actor: &Actor, username: &str, event: LicenseEvent, action: &str) -> Result<Account> {
        let (a, who) = self.authorize(actor, username).await?;
        let now = self.now();
        let before = a.license();
        // Bring the license up to date first, so the event applies to today's state.
        let (current, tick_fx) = before.apply(&self.settings().license, LicenseEvent::Tick, now).unwrap_or((before, vec![]));
        let (next, fx) = current.apply(&self.settings().license, event, now).map_err(|Refused::NotAllowed(s)| {
            Error::Conflict(format!("a license that is {} cannot be {action}", s.as_str()))
        })?;
        let mut tx = self.store().begin_write().await?;
        if !account::save_license(&mut tx.conn(), a.id, before.state, &next, now).await? {
            return Err(Error::Conflict("the account changed meanwhile; try again".into()));
        }
        self.record_license_effects(&mut tx.conn(), &a, &tick_fx, "system", now).await?;
        self.record_license_effects(&mut tx.conn(), &a, &fx, &who, now).await?;
        audit::record(&mut tx.conn(), audit::Event { at: now, account_id: Some(a.id), actor: &who, action, detail: "", client_ip: "" }).await?;
        if matches!(event, LicenseEvent::Inactivate | LicenseEvent::Delete) {
            crate::store::session::revoke_all(&mut tx.conn(), a.id, now).await?;
            crate::store::reset_token::revoke_all(&mut tx.conn(), a.id, now).await?;
        }
        tx.commit().await?;
        self.wake_outbox();
        Ok(a)
    }

    pub async fn admin_inactivate(&self, actor: &Actor, username: &str) -> Result<()> {
        self.admin_license(actor, username, LicenseEvent::Inactivate, "inactivated").await.map(|_| ())
    }

    pub async fn admin_reactivate(&self, actor: &Actor, username: &str) -> Result<()> {
        self.admin_license(actor, username, LicenseEvent::Reactivate, "reactivated").await.map(|_| ())
    }

    pub async fn admin_recertify(&self, actor: &Actor, username: &str, completed_at: i64) -> Result<()> {
        self.admin_license(actor, username, LicenseEvent::Recertified { completed_at }, "recertified").await.map(|_| ())
    }

    pub async fn admin_delete(&self, actor: &Actor, username: &str) -> Result<()> {
        self.admin_license(actor, username, LicenseEvent::Delete, "deleted").await.map(|_| ())
    }

    /// Changes the email on file and tells both the old and the new address.
    pub async fn admin_set_email(&self, actor: &Actor, username: &str, email: &str) -> Result<()> {
        let (a, who) = self.authorize(actor, username).await?;
        let email = email.trim();
        if email.parse::<lettre::Address>().is_err() {
            return Err(Error::Conflict(format!("{email:?} is not a valid email address")));
        }
        let folded = domain::identifier::fold(email)?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        account::set_email(&mut tx.conn(), a.id, email, &folded).await?;
        // Links sent to the old address stop working.
        crate::store::reset_token::revoke_all(&mut tx.conn(), a.id, now).await?;
        self.enqueue(&mut tx.conn(), Kind::EmailChangedOld, a.id, &a.email, now).await?;
        self.enqueue(&mut tx.conn(), Kind::EmailChangedNew, a.id, email, now).await?;
        audit::record(&mut tx.conn(), audit::Event { at: now, account_id: Some(a.id), actor: &who, action: "email_changed", detail: "", client_ip: "" }).await?;
        tx.commit().await?;
        self.wake_outbox();
        Ok(())
    }
}
