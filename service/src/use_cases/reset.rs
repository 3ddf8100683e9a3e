//! request_reset, check_reset_link, complete_reset: the forgot-password flow.
//!
//! request_reset always answers the same and only queues work (RB-08, Keycloak #26625): a reset
//! link for an account that may use one, otherwise a private email saying what applies (locked,
//! expired, inactive, deleted). The token is issued by the outbox worker when it sends. Opening
//! a link never changes anything (RB-06); only the POST that sets the password consumes it, in
//! the same transaction (RB-01).

use domain::identifier;

use super::Service;
use crate::error::{Error, Result, TokenProblem};
use crate::mail::notices::Kind;
use crate::store::account::Account;
use crate::store::{audit, reset_token};

/// What the reset form needs to know about a live link.
#[derive(Debug, Clone)]
pub struct ResetLinkInfo {
    pub account_id: i64,
    pub username: String,
    pub user_inputs: domain::password::UserInputs,
    pub expires_at: i64,
}

impl Service {
    /// True when the account's lock hides everything else for a reset (a lock unless completing
    /// a reset is configured to unlock).
    pub(crate) fn reset_blocked_by_lock(&self, a: &Account, now: i64) -> bool {
        let s = self.settings();
        a.lock_state().is_locked(&s.lockout, now) && !s.lockout.reset_unlocks
    }

    /// Answers a forgot-password request. The request path does the same work whatever the
    /// identifier names: a client throttle and one insert (RB-08: same answer, same time). The
    /// outbox worker then resolves it (`resolve_reset_requests`). Only a syntactically impossible
    /// identifier is an error.
    pub async fn request_reset(&self, identifier_raw: &str, client_ip: &str) -> Result<()> {
        let folded = identifier::fold(identifier_raw)?;
        let s = self.settings();
        let now = self.now();
        let window = s.reset_window.as_secs() as i64;
        if !client_ip.is_empty() {
            // Per client address: a flood from one address gets 429.
            let bucket = format!("reset-client:{client_ip}");
            if self.store().rate_hit(&bucket, now, window).await? > s.reset_client_limit {
                return Err(Error::Throttled { retry_after: crate::store::Store::window_remaining(now, window) });
            }
        }
        self.store().record_reset_request(&folded, client_ip, now).await?;
        self.wake_outbox();
        Ok(())
    }

    /// Resolves every recorded forgot-password request: queues an email for every account the
    /// identifier names (a username, or an email on file, which may be shared): a reset link, or
    /// what applies (locked, expired, inactive, deleted). Returns how many emails were queued.
    pub async fn resolve_reset_requests(&self) -> Result<usize> {
        let mut queued = 0;
        while let Some(req) = self.store().claim_reset_request(self.now()).await? {
            queued += self.resolve_reset_request(&req.identifier, &req.client_ip, req.requested_at).await?;
        }
        Ok(queued)
    }

    async fn resolve_reset_request(&self, folded: &str, client_ip: &str, at: i64) -> Result<usize> {
        let s = self.settings();
        let window = s.reset_window.as_secs() as i64;
        let mut accounts = if identifier::is_email(folded) {
            self.store().accounts_by_email(folded).await?
        } else {
            self.store().account_by_username(folded).await?.into_iter().collect()
        };
        if accounts.is_empty() && !identifier::is_email(folded) {
            // A deleted license still gets told, at its old address, what to do.
            accounts.extend(self.store().deleted_account_by_username(folded).await?);
        }
        let cooldown = s.reset_cooldown.as_secs() as i64;
        let mut queued = 0;
        for account in accounts {
            // Within the cooldown: nothing more is sent (RB-04).
            if !self.store().take_reset_cooldown(account.id, at, cooldown).await? {
                continue;
            }
            // At most N emails per account per window.
            if self.store().rate_hit(&format!("reset-account:{}", account.id), at, window).await? > s.reset_account_limit {
                continue;
            }
            let locked = self.reset_blocked_by_lock(&account, at);
            let state = account.license_at(&s.license, at).state;
            let kind = Kind::for_blocked_reset(state, locked).unwrap_or(Kind::ResetLink);
            let mut tx = self.store().begin_write().await?;
            self.enqueue(&mut tx.conn(), kind, account.id, &account.email, at).await?;
            let detail = kind.as_str();
            audit::record(&mut tx.conn(), audit::Event { at, account_id: Some(account.id), actor: "self", action: "reset_requested", detail: &detail, client_ip }).await?;
            tx.commit().await?;
            queued += 1;
        }
        Ok(queued)
    }

    /// Tells whether a link can still set a password, without changing anything.
    pub async fn check_reset_link(&self, presented: &str) -> Result<ResetLinkInfo> {
        let (row, account) = self.live_link(presented).await?;
        Ok(ResetLinkInfo {
            account_id: account.id,
            username: account.username.clone(),
            user_inputs: account.user_inputs(),
            expires_at: row.expires_at,
        })
    }

    /// The token row and account of a link that can still set a password, or why it cannot.
    async fn live_link(&self, presented: &str) -> Result<(reset_token::TokenRow, Account)> {
        let hash = domain::token::parse(presented).map_err(|_| Error::TokenRejected(TokenProblem::Invalid))?;
        let row = self.store().token_by_hash(hash.as_str()).await?.ok_or(Error::TokenRejected(TokenProblem::Invalid))?;
        let now = self.now();
        if let Some(problem) = row.problem(now) {
            return Err(Error::TokenRejected(problem));
        }
        let account = self.store().account_by_id(row.account_id).await?.ok_or(Error::TokenRejected(TokenProblem::Invalid))?;
        if !account.license_at(&self.settings().license, now).can_sign_in() || self.reset_blocked_by_lock(&account, now) {
            return Err(Error::TokenRejected(TokenProblem::AccountBlocked));
        }
        Ok((row, account))
    }

    /// Sets the password through a reset link. The link is consumed in the same transaction that
    /// changes the hash; of two parallel submits exactly one wins.
    pub async fn complete_reset(&self, presented: &str, new: &str, confirm: &str, client_ip: &str) -> Result<()> {
        let (_, account) = self.live_link(presented).await?;
        let normalised = self.acceptable_new_password(&account, new, confirm).await?;
        let phc = self.hashing().hash(normalised).await?;
        let hash = domain::token::parse(presented).map_err(|_| Error::TokenRejected(TokenProblem::Invalid))?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        if !reset_token::consume(&mut tx.conn(), hash.as_str(), now).await? {
            tx.rollback().await?;
            // Someone else used it meanwhile (or it just expired): say which.
            let problem = match self.store().token_by_hash(hash.as_str()).await? {
                Some(row) => row.problem(now).unwrap_or(TokenProblem::Used),
                None => TokenProblem::Invalid,
            };
            return Err(Error::TokenRejected(problem));
        }
        self.store_new_password(&mut tx.conn(), &account, &phc, None, "self", "password_reset", client_ip, now).await?;
        tx.commit().await?;
        self.wake_outbox();
        Ok(())
    }
}
