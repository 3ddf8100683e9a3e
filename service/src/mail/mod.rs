//! Email: rendering (text + HTML), the transports (SMTP via lettre, or the local mailbox folder),
//! and the outbox worker that delivers queued messages with retries and back-off.

pub mod mailbox;
pub mod notices;
pub mod templates;
pub mod transport;
pub mod worker;

pub use transport::Mailer;
