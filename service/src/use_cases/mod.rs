//! The use cases, as verbs on `Service`: sign_in, sign_out, request_reset, check_reset_link,
//! complete_reset, change_password, add_user, … Each takes plain values and returns plain
//! values or a `service::Error`; HTTP, cookies and pages are the server's business.

mod admin;
mod lifecycle;
mod password;
mod reset;
mod sign_in;
mod users;

use std::sync::Arc;

use domain::license::LicenseEffect;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{Mutex, Notify};

pub use admin::Actor;
pub use lifecycle::LifecycleReport;
pub use password::PasswordChange;
pub use reset::ResetLinkInfo;
pub use sign_in::{CurrentUser, SignIn, SignedIn};
pub use users::{AddedUser, NewUser};

use crate::clock::{Clock, SystemClock, UnixTime};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::hashing_pool::{worker_count, HashingPool};
use crate::mail::notices::Kind;
use crate::mail::Mailer;
use crate::store::account::Account;
use crate::store::{audit, outbox, Conn, Store};

/// Number of per-account locks; accounts share a lock only when their ids collide modulo this,
/// which costs a short wait, never correctness.
const STRIPES: usize = 1024;

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
    /// Serialises sign-in attempts per account (and per unknown name).
    stripes: Vec<Mutex<()>>,
    /// Key of the HMAC that names unknown usernames in `unknown_sign_in`.
    name_key: Vec<u8>,
    /// Key of the HMAC that turns a browser's CSRF cookie into its form token.
    csrf_key: Vec<u8>,
}

impl Service {
    /// Opens the database (migrating it), builds the hashing pool and the mail transport.
    pub async fn start(settings: Settings) -> Result<Self> {
        Self::start_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn start_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self> {
        let store = Store::connect(&settings.database_url).await?;
        let workers = worker_count(settings.argon2, settings.hash_memory_mib, settings.hash_workers);
        let pepper = settings.password_pepper.as_ref().map(|p| secrecy::ExposeSecret::expose_secret(p).as_bytes().to_vec());
        let hashing = HashingPool::with_pepper(settings.argon2, pepper, workers, settings.hash_queue)?;
        let mailer = match settings.smtp_url_exposed() {
            Some(url) => Mailer::smtp(url, settings.smtp_timeout)?,
            None if settings.dev => Mailer::mailbox(settings.mailbox_dir.clone()),
            None => {
                return Err(Error::Internal(
                    "HMIS_SMTP_URL is required outside local mode (HMIS_DEV=1)".into(),
                ))
            }
        };
        let name_key = store
            .secret("unknown_name_hmac", || {
                let mut b = [0u8; 32];
                getrandom::getrandom(&mut b).map_err(|e| Error::Internal(format!("CSPRNG: {e}")))?;
                Ok(hex::encode(b))
            })
            .await?
            .into_bytes();
        let csrf_key = store
            .secret("csrf_hmac", || {
                let mut b = [0u8; 32];
                getrandom::getrandom(&mut b).map_err(|e| Error::Internal(format!("CSPRNG: {e}")))?;
                Ok(hex::encode(b))
            })
            .await?
            .into_bytes();
        Ok(Service {
            inner: Arc::new(Inner {
                settings,
                store,
                clock,
                hashing,
                mailer,
                outbox_wake: Notify::new(),
                stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
                name_key,
                csrf_key,
            }),
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

    pub(crate) fn stripe_for_account(&self, id: i64) -> &Mutex<()> {
        &self.inner.stripes[(id.unsigned_abs() as usize) % STRIPES]
    }

    pub(crate) fn stripe_for_key(&self, key: &str) -> &Mutex<()> {
        let n = key.bytes().take(8).fold(0usize, |acc, b| acc.wrapping_mul(31).wrapping_add(b as usize));
        &self.inner.stripes[n % STRIPES]
    }

    /// HMAC-SHA256 of a folded unknown username: counted without storing the name itself.
    pub(crate) fn name_hmac(&self, folded: &str) -> String {
        match Hmac::<Sha256>::new_from_slice(&self.inner.name_key) {
            Ok(mut mac) => {
                mac.update(folded.as_bytes());
                hex::encode(mac.finalize().into_bytes())
            }
            // HMAC accepts keys of any length; kept total rather than unwrap.
            Err(_) => hex::encode(folded.as_bytes()),
        }
    }

    /// The form token for a browser's CSRF cookie value (signed double-submit: only the server
    /// can derive it, so a forged form without the victim's cookie value cannot carry it).
    pub fn csrf_token(&self, cookie_value: &str) -> String {
        match Hmac::<Sha256>::new_from_slice(&self.inner.csrf_key) {
            Ok(mut mac) => {
                mac.update(b"csrf:");
                mac.update(cookie_value.as_bytes());
                hex::encode(mac.finalize().into_bytes())
            }
            Err(_) => String::new(),
        }
    }

    /// Queues an email inside the caller's transaction (call `wake_outbox` after commit).
    pub(crate) async fn enqueue(&self, tx: &mut Conn<'_>, kind: Kind, account_id: i64, to: &str, now: i64) -> Result<()> {
        let message_id = self.new_message_id()?;
        outbox::enqueue(tx, &message_id, &kind.as_str(), account_id, to, now).await
    }

    /// Audits license changes and queues the emails they call for.
    pub(crate) async fn record_license_effects(&self, tx: &mut Conn<'_>, a: &Account, effects: &[LicenseEffect], actor: &str, now: i64) -> Result<()> {
        for fx in effects {
            let (action, mail) = match fx {
                LicenseEffect::Activated => ("license_activated", None),
                LicenseEffect::Inactivated(r) => (
                    match r {
                        domain::license::InactiveReason::NoSignIn => "license_inactivated",
                        domain::license::InactiveReason::LeaveOfAbsence => "license_inactivated_leave",
                    },
                    Some(Kind::LicenseInactivated),
                ),
                LicenseEffect::Expired => ("license_expired", Some(Kind::LicenseExpired)),
                LicenseEffect::Deleted => ("license_deleted", Some(Kind::LicenseDeleted)),
                LicenseEffect::Reactivated => ("license_reactivated", None),
                LicenseEffect::Recertified => ("license_recertified", None),
            };
            audit::record(tx, audit::Event { at: now, account_id: Some(a.id), actor, action, detail: "", client_ip: "" }).await?;
            if let Some(k) = mail {
                self.enqueue(tx, k, a.id, &a.email, now).await?;
            }
        }
        Ok(())
    }

    /// A stable, unique Message-ID for a new outbox row.
    pub(crate) fn new_message_id(&self) -> Result<String> {
        let mut b = [0u8; 16];
        getrandom::getrandom(&mut b).map_err(|e| Error::Internal(format!("CSPRNG: {e}")))?;
        let host = self.settings().public_url.host_str().unwrap_or("hmis-access.invalid").to_string();
        Ok(format!("<{}@{}>", hex::encode(b), host))
    }
}
