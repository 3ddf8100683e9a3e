//! The outbox worker: claims due messages, renders them (issuing the reset token at this moment,
//! so no token is ever stored in clear), sends, and records success or a retry with back-off.

use std::time::{Duration, UNIX_EPOCH};

use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use super::mailbox::{links_in, MailboxEntry};
use super::notices::{self, Kind};
use super::templates;
use crate::error::{Error, Result};
use crate::store::outbox::OutboxRow;
use crate::store::reset_token;
use crate::Service;

/// How long a claimed message stays reserved for one worker (longer than the SMTP timeout).
const LEASE_SECS: i64 = 120;

/// Seconds to wait before attempt `attempts + 1`: 10 s, 20 s, 40 s … capped at one hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exp = attempts.clamp(1, 12) - 1;
    (10i64 << exp).min(3600)
}

impl Service {
    /// Resolves pending forgot-password requests, then delivers every message that is due now;
    /// returns how many were sent.
    pub async fn deliver_due(&self) -> Result<usize> {
        self.resolve_reset_requests().await?;
        let mut sent = 0;
        loop {
            let now = self.now();
            let Some(row) = self.store().claim_due_message(now, LEASE_SECS).await? else {
                return Ok(sent);
            };
            match self.deliver(&row).await {
                Ok(()) => {
                    self.store().mark_sent(row.id, self.now()).await?;
                    sent += 1;
                    tracing::info!(message_id = %row.message_id, kind = %row.kind, "email delivered");
                }
                Err(e) => {
                    let dead = row.attempts >= self.settings().outbox_max_attempts;
                    let retry_at = self.now() + backoff_secs(row.attempts);
                    tracing::warn!(message_id = %row.message_id, attempt = row.attempts, dead, error = %e, "email delivery failed");
                    self.store().mark_failed(row.id, &e.to_string(), retry_at, dead, self.now()).await?;
                    // Stop this round: the transport is probably down; the next round retries.
                    return Ok(sent);
                }
            }
        }
    }

    /// Runs the worker until `shutdown` resolves: wakes on new mail or every poll interval.
    pub async fn run_outbox_worker(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::error!(error = %e, "outbox worker round failed");
            }
            tokio::select! {
                _ = self.outbox_notified() => {}
                _ = tokio::time::sleep(self.settings().outbox_poll) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }

    async fn deliver(&self, row: &OutboxRow) -> Result<()> {
        let s = self.settings();
        let account = self
            .store()
            .account_by_id(row.account_id)
            .await?
            .ok_or_else(|| Error::Internal("account of queued message is gone".into()))?;
        let now = self.now();
        let tz = s.timezone.as_str();
        let sender_name = sender_display_name(&s.mail_from);
        let forgot_url = s.link("/forgot-password");
        let name = account.display_name().to_string();
        let mut kind = Kind::parse(&row.kind).ok_or_else(|| Error::Internal(format!("unknown message kind {:?}", row.kind)))?;
        if kind == Kind::ResetLink {
            // The state may have changed since the request: never send a working link to an
            // account that cannot use it; send what applies instead.
            let locked = self.reset_blocked_by_lock(&account, now);
            if let Some(k) = Kind::for_blocked_reset(account.license_at(&s.license, now).state, locked) {
                kind = k;
            }
        }
        let rendered = match kind {
            Kind::ResetLink => {
                let token = domain::token::issue().map_err(|e| Error::Internal(format!("CSPRNG: {e}")))?;
                let ttl = s.reset_link_ttl.as_secs() as i64;
                let mut tx = self.store().begin_write().await?;
                reset_token::issue(&mut tx.conn(), account.id, token.hash().as_str(), now, ttl).await?;
                tx.commit().await?;
                let link = s.link(&format!("/reset-password?token={}", token.expose()));
                templates::reset_link(&templates::ResetLink {
                    name: &name,
                    username: &account.username,
                    link: &link,
                    forgot_url: &forgot_url,
                    ttl_minutes: ttl / 60,
                    now,
                    expires_at: now + ttl,
                    sender_name: &sender_name,
                    tz,
                })?
            }
            Kind::PasswordChanged => templates::password_changed(&templates::PasswordChanged {
                name: &name,
                username: &account.username,
                forgot_url: &forgot_url,
                changed_at: row.created_at,
                sender_name: &sender_name,
                tz,
            })?,
            other => {
                let n = notices::compose(other, &account, s, row.created_at)
                    .ok_or_else(|| Error::Internal(format!("no text for {other:?}")))?;
                templates::notice(&name, &sender_name, &n)?
            }
        };
        let from: Mailbox = s
            .mail_from
            .parse()
            .map_err(|e| Error::Internal(format!("HMIS_MAIL_FROM is not a valid mailbox: {e}")))?;
        let to: Mailbox = row
            .recipient
            .parse()
            .map_err(|e| Error::Internal(format!("recipient address is not valid: {e}")))?;
        let message = Message::builder()
            .message_id(Some(row.message_id.clone()))
            .from(from)
            .to(to)
            .subject(rendered.subject.clone())
            .date(UNIX_EPOCH + Duration::from_secs(now.max(0) as u64))
            .multipart(MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html))
            .map_err(|e| Error::Internal(format!("building email: {e}")))?;
        let summary = MailboxEntry {
            file: format!("{now}-{}", row.id),
            message_id: row.message_id.clone(),
            to: row.recipient.clone(),
            subject: rendered.subject,
            date: now,
            links: links_in(&rendered.text),
            text: rendered.text,
        };
        self.mailer().send(message, summary).await
    }
}

impl Service {
    /// Sends one test email now through the configured transport (the operator's
    /// `hmis-access mail test --to`), bypassing the outbox so the error comes back at once.
    pub async fn send_test_email(&self, to: &str) -> Result<()> {
        let s = self.settings();
        let now = self.now();
        let from: Mailbox = s.mail_from.parse().map_err(|e| Error::Internal(format!("HMIS_MAIL_FROM is not a valid mailbox: {e}")))?;
        let to_box: Mailbox = to.parse().map_err(|e| Error::Internal(format!("{to:?} is not a valid address: {e}")))?;
        let subject = format!("hmis-access test email ({})", templates::human_time(now, &s.timezone));
        let text = format!("This is a test email from hmis-access at {}. If you can read it, email delivery works.", s.public_url);
        let message_id = self.new_message_id()?;
        let message = Message::builder()
            .message_id(Some(message_id.clone()))
            .from(from)
            .to(to_box)
            .subject(subject.clone())
            .date(UNIX_EPOCH + Duration::from_secs(now.max(0) as u64))
            .multipart(MultiPart::alternative_plain_html(text.clone(), format!("<p>{text}</p>")))
            .map_err(|e| Error::Internal(format!("building email: {e}")))?;
        let summary = MailboxEntry { file: format!("{now}-test"), message_id, to: to.into(), subject, date: now, links: vec![], text };
        self.mailer().send(message, summary).await
    }
}

/// "Community Services (ServicePoint)" from `Community Services (ServicePoint) <no-reply@…>`.
fn sender_display_name(from: &str) -> String {
    match from.parse::<Mailbox>() {
        Ok(m) => m.name.unwrap_or_else(|| m.email.to_string()),
        Err(_) => from.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_secs(1), 10);
        assert_eq!(backoff_secs(2), 20);
        assert_eq!(backoff_secs(3), 40);
        assert_eq!(backoff_secs(50), 3600);
    }

    #[test]
    fn display_name_is_taken_from_the_sender() {
        assert_eq!(
            sender_display_name("\"Community Services (ServicePoint)\" <no-reply@example.org>"),
            "Community Services (ServicePoint)"
        );
    }
}
