//! sign_in, current_user, sign_out: one argon2 verification per attempt whatever the account
//! (unknown usernames verify against the dummy hash), sessions stored hashed.

use domain::hashing::Check;
use domain::identifier;

use super::Service;
use crate::error::{Error, Result};
use crate::store::account::Account;
use crate::store::audit::Event;
use crate::store::session::{NewSession, SessionRow};

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
        if req.password.is_empty()
            || req.password.len() > domain::password::byte_ceiling(&self.settings().policy)
        {
            return Err(Error::InvalidCredentials);
        }
        let account = self.store().account_by_username(&folded).await?;
        let stored = account.as_ref().and_then(|a| a.password_hash.clone());
        // Exactly one verification: against the stored hash, or the dummy when there is none.
        let check = self.hashing().verify(req.password.to_string(), stored).await?;
        let now = self.now();
        let (account, rehash) = match (account, check) {
            (Some(a), Check::Match { rehash }) if a.status == "active" => (a, rehash),
            (Some(a), _) => {
                self.store().record_failed_sign_in(a.id).await?;
                self.store()
                    .audit(Event { at: now, account_id: Some(a.id), actor: "self", action: "sign_in_failed", detail: "", client_ip: req.client_ip })
                    .await?;
                return Err(Error::InvalidCredentials);
            }
            (None, _) => return Err(Error::InvalidCredentials),
        };
        let new_hash = if rehash {
            Some(self.hashing().hash(domain::password::normalize(req.password)).await?)
        } else {
            None
        };
        self.store().record_sign_in(account.id, now, new_hash.as_deref()).await?;
        let token = domain::token::issue().map_err(|e| Error::Internal(format!("CSPRNG: {e}")))?;
        self.store()
            .create_session(NewSession {
                token_hash: token.hash().as_str(),
                account_id: account.id,
                now,
                absolute_secs: self.settings().session_absolute.as_secs() as i64,
                user_agent: &truncate(req.user_agent, 200),
                client_ip: req.client_ip,
            })
            .await?;
        self.store()
            .audit(Event { at: now, account_id: Some(account.id), actor: "self", action: "sign_in", detail: "", client_ip: req.client_ip })
            .await?;
        Ok(SignedIn { cookie_value: token, must_change_password: account.must_change_password })
    }

    /// The signed-in user for a session cookie value, if the session is live.
    pub async fn current_user(&self, cookie_value: &str) -> Result<Option<CurrentUser>> {
        let Ok(hash) = domain::token::parse(cookie_value) else { return Ok(None) };
        let idle = self.settings().session_idle.as_secs() as i64;
        let Some(session) = self.store().touch_session(hash.as_str(), self.now(), idle).await? else {
            return Ok(None);
        };
        match self.store().account_by_id(session.account_id).await? {
            Some(account) if account.status == "active" => Ok(Some(CurrentUser { account, session })),
            _ => Ok(None),
        }
    }

    pub async fn sign_out(&self, cookie_value: &str) -> Result<()> {
        if let Ok(hash) = domain::token::parse(cookie_value) {
            self.store().revoke_session(hash.as_str(), self.now()).await?;
        }
        Ok(())
    }

    pub async fn live_sessions(&self, account_id: i64) -> Result<Vec<SessionRow>> {
        let idle = self.settings().session_idle.as_secs() as i64;
        self.store().live_sessions(account_id, self.now(), idle).await
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}
