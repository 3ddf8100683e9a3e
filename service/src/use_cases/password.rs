//! change_password and the one path every password change takes: policy check, hash, then in
//! one transaction revoke reset links and sessions, queue the notification, audit (RB-02, RB-19).

use domain::hashing::Check;

use super::Service;
use crate::error::{Error, Result};
use domain::lockout::{LockEffect, LockEvent};

use crate::mail::notices::Kind;
use crate::store::account::{self, Account};
use crate::store::{audit, reset_token, session, Conn};

pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
    pub client_ip: &'a str,
}

impl Service {
    /// Changes the password of a signed-in user (also the forced change after a one-time
    /// password). Ends every session, including this one: the user signs in again.
    pub async fn change_password(&self, account_id: i64, req: PasswordChange<'_>) -> Result<()> {
        let account = self.store().account_by_id(account_id).await?.ok_or(Error::NotSignedIn)?;
        if req.current.len() > domain::password::byte_ceiling(&self.settings().policy) {
            return Err(Error::WrongCurrentPassword);
        }
        let _serial = self.stripe_for_account(account_id).lock().await;
        match self.hashing().verify(req.current.to_string(), account.password_hash.clone()).await? {
            Check::Match { .. } => {}
            Check::Mismatch => {
                // A wrong current password is a guess like any other: it counts toward the
                // lockout and is audited (someone at an unattended, signed-in PC cannot guess
                // freely).
                self.record_wrong_password(&account, req.client_ip, "change_password_wrong_current").await?;
                return Err(Error::WrongCurrentPassword);
            }
        }
        let normalised = self.acceptable_new_password(&account, req.new, req.confirm).await?;
        let phc = self.hashing().hash(normalised).await?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        self.store_new_password(&mut tx.conn(), &account, &phc, None, "self", "password_changed", req.client_ip, now).await?;
        tx.commit().await?;
        self.wake_outbox();
        Ok(())
    }

    /// Counts a wrong password against the account's lockout, audits it, and tells the owner
    /// if this locked the account. The caller holds the account's lock.
    pub(crate) async fn record_wrong_password(&self, account: &Account, client_ip: &str, action: &str) -> Result<bool> {
        let now = self.now();
        let fresh = self.store().account_by_id(account.id).await?.unwrap_or_else(|| account.clone());
        let (next, effects) = fresh.lock_state().apply(&self.settings().lockout, LockEvent::Failure, now);
        let locked = effects.contains(&LockEffect::Locked);
        let mut tx = self.store().begin_write().await?;
        account::save_lock_state(&mut tx.conn(), account.id, next).await?;
        audit::record(&mut tx.conn(), audit::Event { at: now, account_id: Some(account.id), actor: "self", action, detail: "", client_ip }).await?;
        if locked {
            audit::record(&mut tx.conn(), audit::Event { at: now, account_id: Some(account.id), actor: "system", action: "locked", detail: "", client_ip }).await?;
            self.enqueue(&mut tx.conn(), Kind::AccountLocked, account.id, &account.email, now).await?;
        }
        tx.commit().await?;
        if locked {
            self.wake_outbox();
        }
        Ok(locked)
    }

    /// Checks a new password: both entries equal, the policy (length before anything else),
    /// and not the current password. Returns its NFC form, ready to hash.
    pub(crate) async fn acceptable_new_password(&self, account: &Account, new: &str, confirm: &str) -> Result<String> {
        let verdict = self.evaluate_password(new, &account.user_inputs());
        // The policy first: a password that must be replaced anyway is reported before a typo
        // in the second field, so nobody is refused twice for the same attempt.
        if !verdict.acceptable() {
            return Err(Error::WeakPassword(Box::new(verdict)));
        }
        if domain::password::normalize(new) != domain::password::normalize(confirm) {
            return Err(Error::PasswordsDiffer);
        }
        if let Some(current) = account.password_hash.clone() {
            if let Check::Match { .. } = self.hashing().verify(new.to_string(), Some(current)).await? {
                return Err(Error::SameAsCurrent);
            }
        }
        Ok(domain::password::normalize(new))
    }

    /// Stores a new hash and does everything a password change implies, inside `tx`: reset
    /// links and sessions revoked, the lockout rule for a completed reset applied, the owner
    /// notified, the change audited. `one_time_until` marks a one-time password (set by an
    /// administrator) that must be changed at next sign-in and works until then.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store_new_password(
        &self,
        tx: &mut Conn<'_>,
        account: &Account,
        phc: &str,
        one_time_until: Option<i64>,
        actor: &str,
        action: &str,
        client_ip: &str,
        now: i64,
    ) -> Result<()> {
        account::set_password(tx, account.id, phc, one_time_until.is_some(), now).await?;
        account::set_one_time_expiry(tx, account.id, one_time_until).await?;
        let (lock, effects) = account.lock_state().apply(&self.settings().lockout, LockEvent::ResetCompleted, now);
        account::save_lock_state(tx, account.id, lock).await?;
        if effects.contains(&LockEffect::Unlocked) {
            audit::record(tx, audit::Event { at: now, account_id: Some(account.id), actor, action: "unlocked", detail: action, client_ip }).await?;
        }
        reset_token::revoke_all(tx, account.id, now).await?;
        session::revoke_all(tx, account.id, now).await?;
        self.enqueue(tx, Kind::PasswordChanged, account.id, &account.email, now).await?;
        audit::record(tx, audit::Event { at: now, account_id: Some(account.id), actor, action, detail: "", client_ip }).await?;
        Ok(())
    }
}
