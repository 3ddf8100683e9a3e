//! Delivery of one built message: SMTP (lettre, with an overall timeout, RB-26) or the local
//! mailbox folder.

use std::path::PathBuf;
use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::mailbox::{self, MailboxEntry};
use crate::error::{Error, Result};

#[derive(Clone)]
pub enum Mailer {
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, timeout: Duration },
    Mailbox { dir: PathBuf },
}

impl Mailer {
    /// `smtp://host:port` (plain), `smtp://host:587?tls=required` (STARTTLS), `smtps://host` (TLS);
    /// credentials as `smtp://user:pass@host`.
    pub fn smtp(url: &str, timeout: Duration) -> Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| Error::Internal(format!("HMIS_SMTP_URL is not a valid SMTP URL: {e}")))?
            .timeout(Some(timeout))
            .build();
        Ok(Mailer::Smtp { transport, timeout })
    }

    pub fn mailbox(dir: PathBuf) -> Self {
        Mailer::Mailbox { dir }
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp { .. } => "SMTP".into(),
            Mailer::Mailbox { dir } => format!("local mailbox {}", dir.display()),
        }
    }

    /// Sends one message. `summary` feeds the local mailbox listing.
    pub async fn send(&self, message: Message, summary: MailboxEntry) -> Result<()> {
        match self {
            Mailer::Smtp { transport, timeout } => {
                // lettre's own timeout covers single socket operations; a server that accepts and
                // then goes quiet must not hang the worker (lettre #1027).
                match tokio::time::timeout(*timeout, transport.send(message)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => Err(Error::Internal(format!("SMTP: {e}"))),
                    Err(_) => Err(Error::Internal(format!("SMTP: no answer within {timeout:?}"))),
                }
            }
            Mailer::Mailbox { dir } => mailbox::store(dir, &summary, &message.formatted()).await,
        }
    }
}
