//! Typed settings of the service. The server crate fills them from `HMIS_*` variables (clap, so
//! `hmis-access --help` lists every key with its default); defaults live here, once.
//! Secrets (the SMTP URL may carry a password) are redacted in `Debug`.

use std::path::PathBuf;
use std::time::Duration;

use domain::hashing::Cost;
use domain::license::LicensePolicy;
use domain::lockout::LockoutPolicy;
use domain::password::Policy;
use secrecy::{ExposeSecret, SecretString};

#[derive(Clone)]
pub struct Settings {
    /// Local mode: demo account, local mailbox, `/dev/mailbox`, http public URL allowed.
    pub dev: bool,
    pub database_url: String,
    /// Base of every emailed link. Never taken from request headers (RB-07).
    pub public_url: url::Url,
    /// `smtp://host:port` (plain), `smtp://host?tls=required` (STARTTLS), `smtps://host` (TLS).
    pub smtp_url: Option<SecretString>,
    /// Where emails go as `.eml` files when no SMTP server is configured (local mode only).
    pub mailbox_dir: PathBuf,
    /// `Display Name <address>` of the no-reply sender.
    pub mail_from: String,
    pub reset_link_ttl: Duration,
    /// Requests for the same account within this window send nothing more.
    pub reset_cooldown: Duration,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub policy: Policy,
    pub argon2: Cost,
    /// Secret mixed into every new password hash (argon2's secret input, ASVS 2.4.5), kept
    /// outside the database so a stolen database alone cannot be brute-forced. None = no pepper.
    pub password_pepper: Option<SecretString>,
    /// Parallel argon2 computations; 0 = min(cores, memory budget ÷ m).
    pub hash_workers: usize,
    /// Requests allowed to wait for a hashing worker before the service answers 503.
    pub hash_queue: usize,
    /// Memory the hashing pool may use, in MiB.
    pub hash_memory_mib: usize,
    /// Give up on one SMTP delivery after this long (RB-26).
    pub smtp_timeout: Duration,
    /// How often the outbox worker looks for due messages when idle.
    pub outbox_poll: Duration,
    /// Attempts before a message is marked dead.
    pub outbox_max_attempts: i64,
    /// Lockout after failed sign-ins (HMIS: 3, only an administrator unlocks).
    pub lockout: LockoutPolicy,
    /// License lifecycle periods.
    pub license: LicensePolicy,
    /// Failed sign-ins one client address may make per window before it is throttled (checked
    /// before any account counter, so one address cannot lock many accounts quickly).
    pub client_failure_limit: i64,
    pub client_failure_window: Duration,
    /// Reset emails one account may get per `reset_window` (beyond the cooldown); more requests
    /// get the same answer and send nothing.
    pub reset_account_limit: i64,
    /// Forgot-password requests one client address may make per `reset_window` (then 429).
    pub reset_client_limit: i64,
    pub reset_window: Duration,
    /// How often the server runs the lifecycle job.
    pub lifecycle_interval: Duration,
    /// IANA time zone for dates in emails and pages.
    pub timezone: String,
}

impl Settings {
    /// Defaults for local mode; the server's CLI overrides each from the environment.
    pub fn local_defaults() -> Self {
        Settings {
            dev: true,
            database_url: "sqlite:data/hmis-access.db".into(),
            public_url: url::Url::parse("http://127.0.0.1:3000/").expect("static URL parses"),
            smtp_url: None,
            mailbox_dir: PathBuf::from("data/mailbox"),
            mail_from: "\"Community Services (ServicePoint)\" <no-reply@hmis.invalid>".into(),
            reset_link_ttl: Duration::from_secs(15 * 60),
            reset_cooldown: Duration::from_secs(60),
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            policy: Policy::default(),
            argon2: Cost::default(),
            password_pepper: None,
            hash_workers: 0,
            hash_queue: 64,
            hash_memory_mib: 256,
            smtp_timeout: Duration::from_secs(15),
            outbox_poll: Duration::from_secs(2),
            outbox_max_attempts: 8,
            lockout: LockoutPolicy::default(),
            license: LicensePolicy::default(),
            client_failure_limit: 30,
            client_failure_window: Duration::from_secs(15 * 60),
            reset_account_limit: 3,
            reset_client_limit: 20,
            reset_window: Duration::from_secs(15 * 60),
            lifecycle_interval: Duration::from_secs(3600),
            timezone: "UTC".into(),
        }
    }

    /// The absolute URL for a path under the public URL.
    pub fn link(&self, path_and_query: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}{path_and_query}")
    }

    pub fn smtp_url_exposed(&self) -> Option<&str> {
        self.smtp_url.as_ref().map(|s| s.expose_secret())
    }

    /// True when cookies must be `Secure` (and take the `__Host-` prefix).
    pub fn https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("dev", &self.dev)
            .field("database_url", &redact_url(&self.database_url))
            .field("public_url", &self.public_url.as_str())
            .field("smtp_url", &self.smtp_url.as_ref().map(|s| redact_url(s.expose_secret())))
            .field("mailbox_dir", &self.mailbox_dir)
            .field("mail_from", &self.mail_from)
            .field("reset_link_ttl", &self.reset_link_ttl)
            .field("reset_cooldown", &self.reset_cooldown)
            .field("policy", &self.policy)
            .field("argon2", &self.argon2)
            .field("password_pepper", &self.password_pepper.as_ref().map(|_| "***"))
            .field("hash_workers", &self.hash_workers)
            .field("hash_queue", &self.hash_queue)
            .finish_non_exhaustive()
    }
}

/// True when `name` is a time zone this build knows (IANA names, "UTC").
pub fn known_timezone(name: &str) -> bool {
    jiff::tz::TimeZone::get(name).is_ok()
}

/// Midnight of a `YYYY-MM-DD` date in the time zone `tz`, as unix seconds.
pub fn parse_local_date(date: &str, tz: &str) -> Option<i64> {
    let d: jiff::civil::Date = date.trim().parse().ok()?;
    let zone = jiff::tz::TimeZone::get(tz).ok()?;
    d.to_zoned(zone).ok().map(|z| z.timestamp().as_second())
}

/// Hides the password part of a URL (`smtp://user:secret@host` -> `smtp://user:***@host`).
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<unparsable>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_smtp_password() {
        let mut s = Settings::local_defaults();
        s.smtp_url = Some(SecretString::from("smtp://mailer:hunter2-secret@mail.example:587"));
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("mail.example"));
    }

    #[test]
    fn local_dates_parse_in_the_zone() {
        assert_eq!(parse_local_date("2026-12-03", "UTC"), Some(1_796_256_000));
        assert_eq!(parse_local_date("2026-12-03", "America/New_York"), Some(1_796_256_000 + 5 * 3600));
        assert_eq!(parse_local_date("3/12/2026", "UTC"), None);
    }

    #[test]
    fn links_are_built_from_the_public_url() {
        let mut s = Settings::local_defaults();
        s.public_url = url::Url::parse("https://app.example.com/").unwrap();
        assert_eq!(s.link("/reset-password?token=x"), "https://app.example.com/reset-password?token=x");
    }
}
