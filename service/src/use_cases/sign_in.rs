//! sign_in, current_user, sign_out.
//!
//! Every attempt that passes the size and client-throttle checks costs exactly one argon2
//! verification: against the stored hash, or against the dummy when the username is unknown or
//! the account locked (counted apart). Attempts on one account are serialised (a per-account lock
//! in this process; SQLite has one writer process), so under any concurrency at most
//! `max_failures` wrong passwords are checked before the lock (RB-10), and a locked account
//! answers exactly like a wrong password (RB-12).

use domain::hashing::Check;
use domain::identifier;
use domain::license::{LicenseEvent, Refused};
use domain::lockout::{LockEffect, LockEvent};

use super::Service;
use crate::error::{Error, Result};
use crate::mail::notices::Kind;
use crate::store::account::{self, Account};
use crate::store::audit::{self, Event};
use crate::store::session::{self, NewSession, SessionRow};
use crate::store::{Backend, Store, Tx};

pub struct SignIn<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub client_ip: &'a str,
    pub user_agent: &'a str,
}

/// A new session. `cookie_value` is the only copy of the secret; the store holds its hash.
pub struct SignedIn {
    pub cookie_value: domain::token::PlainToken,
    pub must_change_password: bool,
}

/// Who is signed in, for one request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: Account,
    pub session: SessionRow,
}

impl Service {
    pub async fn sign_in(&self, req: SignIn<'_>) -> Result<SignedIn> {
        // Size checks first: nothing oversized reaches the database or argon2 (RB-16). The
        // answer is the generic one: the limits are public, so this reveals no account.
        let folded = identifier::fold(req.username).map_err(|_| Error::InvalidCredentials)?;
        if req.password.is_empty() || req.password.len() > domain::password::byte_ceiling(&self.settings().policy) {
            return Err(Error::InvalidCredentials);
        }
        let s = self.settings();
        let now = self.now();
        // The client throttle comes before any account counter (ASVS 2.2.1: one address must not
        // be able to lock many accounts, nor guess without limit). The attempt takes its place in
        // the count before it is hashed, in one atomic upsert, and gives it back unless it turns
        // out a failure: checking first and counting after let a parallel burst through (200
        // parallel attempts from one address had 128 passwords checked against a limit of 30).
        let window = s.client_failure_window.as_secs() as i64;
        let bucket = format!("sign-in-failures:{}", req.client_ip);
        let counted = !req.client_ip.is_empty();
        let throttled = Error::Throttled { retry_after: Store::window_remaining(now, window) };
        // A read first, so a flood over the limit costs no writes (SQLite has one writer).
        if counted && self.store().rate_hits(&bucket, now, window).await? >= s.client_failure_limit {
            return Err(throttled);
        }
        if counted && self.store().rate_hit(&bucket, now, window).await? > s.client_failure_limit {
            // Lost the race for the last places: left counted (the window is fixed, so this
            // changes nothing for the client).
            return Err(throttled);
        }
        let result = match self.store().account_by_username(&folded).await? {
            None => self.sign_in_unknown(&folded, req.password, now).await,
            Some(a) => self.sign_in_account(a.id, &req, now).await,
        };
        let not_a_failure = matches!(result, Ok(_) | Err(Error::LicenseBlocks(_) | Error::OneTimePasswordExpired | Error::Busy));
        if counted && not_a_failure {
            // The right password (signed in, or a license or one-time-password answer), or never
            // checked (the hashing pool was full): the place is given back. Anything else keeps
            // it, a database error after a wrong password too, so a guess is never left uncounted.
            // A failed give-back must not cost the person their sign-in; it only leaves one
            // extra count in a window that ends by itself.
            if let Err(e) = self.store().rate_unhit(&bucket, now, window).await {
                tracing::warn!(error = %e, "could not give back a sign-in throttle count");
            }
        }
        result
    }

    /// Unknown usernames are counted like real ones (keyed by an HMAC of the folded name) and
    /// cost the same one verification.
    async fn sign_in_unknown(&self, folded: &str, password: &str, now: i64) -> Result<SignedIn> {
        let key = self.name_hmac(folded);
        let _serial = self.stripe_for_key(&key).lock().await;
        let state = self.store().unknown_lock_state(&key).await?;
        self.hashing().verify(password.to_string(), None).await?;
        let next = if state.is_locked(&self.settings().lockout, now) {
            state
        } else {
            state.apply(&self.settings().lockout, LockEvent::Failure, now).0
        };
        // The same writes as a wrong password on a real account (a counter and an audit row, in
        // one transaction), so the time taken does not tell the two apart.
        let mut tx = self.store().begin_write().await?;
        crate::store::throttle::save_unknown_lock_state(&mut tx.conn(), &key, next, now).await?;
        let short = &key[..key.len().min(16)];
        audit::record(&mut tx.conn(), Event { at: now, account_id: None, actor: "self", action: "sign_in_unknown", detail: short, client_ip: "" }).await?;
        tx.commit().await?;
        Err(Error::InvalidCredentials)
    }

    async fn sign_in_account(&self, id: i64, req: &SignIn<'_>, now: i64) -> Result<SignedIn> {
        let s = self.settings();
        // Serialise attempts on this account: in this process always; across instances on
        // PostgreSQL by holding the account row `FOR UPDATE` until the attempt is recorded. (On
        // SQLite there is one writer process, and holding a write transaction through argon2
        // would stall every other write.)
        let _serial = self.stripe_for_account(id).lock().await;
        let mut held: Option<Tx> = None;
        // Read again under the lock: the state another attempt just wrote is the one that counts.
        let a = match self.store().backend() {
            Backend::Sqlite => self.store().account_by_id(id).await?,
            Backend::Postgres => {
                let mut tx = self.store().begin_write().await?;
                let a = account::account_by_id_for_update(&mut tx.conn(), id).await?;
                held = Some(tx);
                a
            }
        }
        .ok_or(Error::InvalidCredentials)?;
        let lock = a.lock_state();
        if lock.is_locked(&s.lockout, now) {
            // Same cost and answer as a wrong password; the hash is not consulted (RB-12). The
            // same writes too (the counter row and an audit row), so timing tells nothing.
            self.hashing().verify(req.password.to_string(), None).await?;
            let mut tx = match held.take() {
                Some(tx) => tx,
                None => self.store().begin_write().await?,
            };
            account::save_lock_state(&mut tx.conn(), a.id, lock).await?;
            audit::record(&mut tx.conn(), Event { at: now, account_id: Some(a.id), actor: "self", action: "sign_in_refused_locked", detail: "", client_ip: req.client_ip }).await?;
            tx.commit().await?;
            return Err(Error::InvalidCredentials);
        }
        match self.hashing().verify(req.password.to_string(), a.password_hash.clone()).await? {
            Check::Mismatch => {
                let (next, effects) = lock.apply(&s.lockout, LockEvent::Failure, now);
                let mut tx = match held.take() {
                    Some(tx) => tx,
                    None => self.store().begin_write().await?,
                };
                account::save_lock_state(&mut tx.conn(), a.id, next).await?;
                audit::record(&mut tx.conn(), Event { at: now, account_id: Some(a.id), actor: "self", action: "sign_in_failed", detail: "", client_ip: req.client_ip }).await?;
                let locked = effects.contains(&LockEffect::Locked);
                if locked {
                    audit::record(&mut tx.conn(), Event { at: now, account_id: Some(a.id), actor: "system", action: "locked", detail: "", client_ip: req.client_ip }).await?;
                    self.enqueue(&mut tx.conn(), Kind::AccountLocked, a.id, &a.email, now).await?;
                }
                tx.commit().await?;
                if locked {
                    self.wake_outbox();
                }
                Err(Error::InvalidCredentials)
            }
            Check::Match { rehash } => self.sign_in_with_right_password(a, req, rehash, now, held).await,
        }
    }

    async fn sign_in_with_right_password(&self, a: Account, req: &SignIn<'_>, rehash: bool, now: i64, mut held: Option<Tx>) -> Result<SignedIn> {
        let s = self.settings();
        let store = self.store().clone();
        let mut begin = move || {
            let held = held.take();
            let store = store.clone();
            async move {
                match held {
                    Some(tx) => Ok(tx),
                    None => store.begin_write().await,
                }
            }
        };
        let (cleared, _) = a.lock_state().apply(&s.lockout, LockEvent::Success, now);
        if a.must_change_password && a.one_time_password_expires_at.is_some_and(|t| now >= t) {
            let mut tx = begin().await?;
            account::save_lock_state(&mut tx.conn(), a.id, cleared).await?;
            tx.commit().await?;
            return Err(Error::OneTimePasswordExpired);
        }
        let license = a.license();
        let (next, effects) = match license.apply(&s.license, LicenseEvent::SignedIn, now) {
            Ok(r) => r,
            Err(Refused::NotAllowed(state)) => {
                // The right password: the person may learn the state (privately, on the page).
                let (ticked, fx) = license.apply(&s.license, LicenseEvent::Tick, now).unwrap_or((license, vec![]));
                let mut tx = begin().await?;
                account::save_lock_state(&mut tx.conn(), a.id, cleared).await?;
                if ticked != license && account::save_license(&mut tx.conn(), a.id, license.state, &ticked, now).await? {
                    self.record_license_effects(&mut tx.conn(), &a, &fx, "system", now).await?;
                }
                tx.commit().await?;
                self.wake_outbox();
                return Err(Error::LicenseBlocks(state));
            }
        };
        let new_hash = if rehash { Some(self.hashing().hash(domain::password::normalize(req.password)).await?) } else { None };
        let token = domain::token::issue().map_err(|e| Error::Internal(format!("CSPRNG: {e}")))?;
        let mut tx = begin().await?;
        account::save_lock_state(&mut tx.conn(), a.id, cleared).await?;
        account::save_license(&mut tx.conn(), a.id, license.state, &next, now).await?;
        self.record_license_effects(&mut tx.conn(), &a, &effects, "self", now).await?;
        account::record_sign_in(&mut tx.conn(), a.id, now, new_hash.as_deref()).await?;
        session::insert(
            &mut tx.conn(),
            NewSession {
                token_hash: token.hash().as_str(),
                account_id: a.id,
                now,
                absolute_secs: s.session_absolute.as_secs() as i64,
                user_agent: &truncate(req.user_agent, 200),
                client_ip: req.client_ip,
            },
        )
        .await?;
        audit::record(&mut tx.conn(), Event { at: now, account_id: Some(a.id), actor: "self", action: "sign_in", detail: "", client_ip: req.client_ip }).await?;
        tx.commit().await?;
        Ok(SignedIn { cookie_value: token, must_change_password: a.must_change_password })
    }

    /// The signed-in user for a session cookie value, if the session is live and the account
    /// may still sign in.
    pub async fn current_user(&self, cookie_value: &str) -> Result<Option<CurrentUser>> {
        let Ok(hash) = domain::token::parse(cookie_value) else { return Ok(None) };
        let idle = self.settings().session_idle.as_secs() as i64;
        let now = self.now();
        let Some(session) = self.store().touch_session(hash.as_str(), now, idle).await? else {
            return Ok(None);
        };
        match self.store().account_by_id(session.account_id).await? {
            Some(account)
                if account.license_at(&self.settings().license, now).can_sign_in()
                    && !account.lock_state().is_locked(&self.settings().lockout, now) =>
            {
                Ok(Some(CurrentUser { account, session }))
            }
            _ => Ok(None),
        }
    }

    pub async fn sign_out(&self, cookie_value: &str) -> Result<()> {
        if let Ok(hash) = domain::token::parse(cookie_value) {
            self.store().revoke_session(hash.as_str(), self.now()).await?;
        }
        Ok(())
    }

    /// Ends every session of the user but the one making the request; returns how many.
    pub async fn sign_out_others(&self, user: &CurrentUser, client_ip: &str) -> Result<u64> {
        let now = self.now();
        let n = self.store().revoke_other_sessions(user.account.id, user.session.id, now).await?;
        self.store()
            .audit(Event { at: now, account_id: Some(user.account.id), actor: "self", action: "signed_out_elsewhere", detail: &n.to_string(), client_ip })
            .await?;
        Ok(n)
    }

    pub async fn live_sessions(&self, account_id: i64) -> Result<Vec<SessionRow>> {
        let idle = self.settings().session_idle.as_secs() as i64;
        self.store().live_sessions(account_id, self.now(), idle).await
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}
