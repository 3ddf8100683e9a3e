//! The use cases, as verbs on `Service`: sign_in, sign_out, request_reset, check_reset_link,
//! complete_reset, change_password, add_user, … Each takes plain values and returns plain
//! values or a `service::Error`; HTTP, cookies and pages are the server's business.

mod password;
mod reset;
mod sign_in;
mod users;

use std::sync::Arc;

use tokio::sync::Notify;

pub use password::PasswordChange;
pub use reset::ResetLinkInfo;
pub use sign_in::{CurrentUser, SignIn, SignedIn};
pub use users::{AddedUser, NewUser};

use crate::clock::{Clock, SystemClock, UnixTime};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::hashing_pool::{worker_count, HashingPool};
use crate::mail::Mailer;
use crate::store::Store;

/// Everything a request needs, cheap to clone.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    store: Store,
    clock: Arc<dyn Clock>,
    hashing: HashingPool,
    mailer: Mailer,
    outbox_wake: Notify,
}

impl Service {
    /// Opens the database (migrating it), builds the hashing pool and the mail transport.
    pub async fn start(settings: Settings) -> Result<Self> {
        Self::start_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn start_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self> {
        let store = Store::connect(&settings.database_url).await?;
        let workers = worker_count(settings.argon2, settings.hash_memory_mib, settings.hash_workers);
        let hashing = HashingPool::new(settings.argon2, workers, settings.hash_queue)?;
        let mailer = match settings.smtp_url_exposed() {
            Some(url) => Mailer::smtp(url, settings.smtp_timeout)?,
            None if settings.dev => Mailer::mailbox(settings.mailbox_dir.clone()),
            None => {
                return Err(Error::Internal(
                    "HMIS_SMTP_URL is required outside local mode (HMIS_DEV=1)".into(),
                ))
            }
        };
        Ok(Service {
            inner: Arc::new(Inner { settings, store, clock, hashing, mailer, outbox_wake: Notify::new() }),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
    pub fn hashing(&self) -> &HashingPool {
        &self.inner.hashing
    }
    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }
    pub fn now(&self) -> UnixTime {
        self.inner.clock.now()
    }

    /// Wakes the outbox worker (a message was queued).
    pub(crate) fn wake_outbox(&self) {
        self.inner.outbox_wake.notify_one();
    }

    pub(crate) async fn outbox_notified(&self) {
        self.inner.outbox_wake.notified().await
    }

    /// The password verdict for these user inputs, exactly as the browser meter computes it.
    pub fn evaluate_password(&self, password: &str, inputs: &domain::password::UserInputs) -> domain::password::Verdict {
        domain::password::evaluate(&self.settings().policy, password, inputs)
    }

    /// A stable, unique Message-ID for a new outbox row.
    pub(crate) fn new_message_id(&self) -> Result<String> {
        let mut b = [0u8; 16];
        getrandom::getrandom(&mut b).map_err(|e| Error::Internal(format!("CSPRNG: {e}")))?;
        let host = self.settings().public_url.host_str().unwrap_or("hmis-access.invalid").to_string();
        Ok(format!("<{}@{}>", hex::encode(b), host))
    }
}
