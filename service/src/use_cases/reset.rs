//! request_reset, check_reset_link, complete_reset: the forgot-password flow.
//!
//! request_reset always answers the same and only queues work (RB-08, Keycloak #26625); the
//! token is issued by the outbox worker when it sends. Opening a link never changes anything
//! (RB-06); only the POST that sets the password consumes it, in the same transaction (RB-01).

use domain::identifier;

use super::Service;
use crate::error::{Error, Result, TokenProblem};
use crate::store::reset_token;

/// What the reset form needs to know about a live link.
#[derive(Debug, Clone)]
pub struct ResetLinkInfo {
    pub account_id: i64,
    pub username: String,
    pub user_inputs: domain::password::UserInputs,
    pub expires_at: i64,
}

impl Service {
    /// Queues a reset email for every account the identifier names (a username, or an email on
    /// file, which may be shared). Returns Ok whether or not any account matched; only a
    /// syntactically impossible identifier is an error.
    pub async fn request_reset(&self, identifier_raw: &str, client_ip: &str) -> Result<()> {
        let folded = identifier::fold(identifier_raw)?;
        let accounts = if identifier::is_email(&folded) {
            self.store().accounts_by_email(&folded).await?
        } else {
            self.store().account_by_username(&folded).await?.into_iter().collect()
        };
        let now = self.now();
        let cooldown = self.settings().reset_cooldown.as_secs() as i64;
        let mut queued = false;
        for account in accounts {
            if account.status != "active" {
                continue;
            }
            // Within the cooldown: same answer, nothing sent (RB-04).
            if !self.store().take_reset_cooldown(account.id, now, cooldown).await? {
                continue;
            }
            let message_id = self.new_message_id()?;
            let mut tx = self.store().begin_write().await?;
            crate::store::outbox::enqueue(&mut tx, &message_id, "reset_link", account.id, &account.email, now).await?;
            crate::store::audit::record(
                &mut tx,
                crate::store::audit::Event { at: now, account_id: Some(account.id), actor: "self", action: "reset_requested", detail: "", client_ip },
            )
            .await?;
            tx.commit().await?;
            queued = true;
        }
        if queued {
            self.wake_outbox();
        }
        Ok(())
    }

    /// Tells whether a link can still set a password, without changing anything.
    pub async fn check_reset_link(&self, presented: &str) -> Result<ResetLinkInfo> {
        let hash = domain::token::parse(presented).map_err(|_| Error::TokenRejected(TokenProblem::Invalid))?;
        let row = self
            .store()
            .token_by_hash(hash.as_str())
            .await?
            .ok_or(Error::TokenRejected(TokenProblem::Invalid))?;
        if let Some(problem) = row.problem(self.now()) {
            return Err(Error::TokenRejected(problem));
        }
        let account = self
            .store()
            .account_by_id(row.account_id)
            .await?
            .filter(|a| a.status == "active")
            .ok_or(Error::TokenRejected(TokenProblem::Invalid))?;
        Ok(ResetLinkInfo {
            account_id: account.id,
            username: account.username.clone(),
            user_inputs: account.user_inputs(),
            expires_at: row.expires_at,
        })
    }

    /// Sets the password through a reset link. The link is consumed in the same transaction that
    /// changes the hash; of two parallel submits exactly one wins.
    pub async fn complete_reset(&self, presented: &str, new: &str, confirm: &str, client_ip: &str) -> Result<()> {
        let info = self.check_reset_link(presented).await?;
        let account = self
            .store()
            .account_by_id(info.account_id)
            .await?
            .ok_or(Error::TokenRejected(TokenProblem::Invalid))?;
        let normalised = self.acceptable_new_password(&account, new, confirm).await?;
        let phc = self.hashing().hash(normalised).await?;
        let hash = domain::token::parse(presented).map_err(|_| Error::TokenRejected(TokenProblem::Invalid))?;
        let now = self.now();
        let mut tx = self.store().begin_write().await?;
        if !reset_token::consume(&mut tx, hash.as_str(), now).await? {
            tx.rollback().await?;
            // Someone else used it meanwhile (or it just expired): say which.
            let problem = match self.store().token_by_hash(hash.as_str()).await? {
                Some(row) => row.problem(now).unwrap_or(TokenProblem::Used),
                None => TokenProblem::Invalid,
            };
            return Err(Error::TokenRejected(problem));
        }
        self.store_new_password(&mut tx, &account, &phc, false, "self", "password_reset", client_ip, now).await?;
        tx.commit().await?;
        self.wake_outbox();
        Ok(())
    }
}
