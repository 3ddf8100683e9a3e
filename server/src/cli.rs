//! The command line: `hmis-access [serve]`, `user add|list`, `password check`, and every setting
//! as an `HMIS_*` environment variable (or flag), listed with its default by `--help`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use domain::hashing::Cost;
use domain::password::Policy;
use secrecy::SecretString;
use service::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "hmis-access",
    version,
    about = "Sign-in and password reset for HMIS users.",
    long_about = "Sign-in and password reset for HMIS users.\n\nEvery setting below can be given as the HMIS_* environment variable shown, or as the flag. \
Run with HMIS_DEV=1 for local mode (SQLite under data/, emails in a local mailbox at /dev/mailbox, a demo account)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Score passwords with the server's policy: one per stdin line, one JSON report per line.
    #[command(subcommand)]
    Password(PasswordCommand),
    /// The license lifecycle job.
    #[command(subcommand)]
    Lifecycle(LifecycleCommand),
    /// Email delivery: test the transport, look at and retry the outbox.
    #[command(subcommand)]
    Mail(MailCommand),
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send one test email now through the configured transport and report the result.
    Test {
        #[arg(long)]
        to: String,
    },
    /// The outbox of queued emails.
    #[command(subcommand)]
    Outbox(OutboxCommand),
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List emails not yet delivered (with --dead: those that gave up after the last attempt).
    List {
        #[arg(long)]
        dead: bool,
    },
    /// Put dead emails back in the queue: one (--id) or all.
    Retry {
        #[arg(long)]
        id: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LifecycleCommand {
    /// Inactivate, expire and delete licenses that are due, and send the warnings (idempotent).
    Run,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin, a one-time password is generated, printed
    /// once, and must be changed at first sign-in.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        full_name: String,
        #[arg(long, default_value = "")]
        agency: String,
        /// Read the password from standard input (first line; nothing else is trimmed).
        #[arg(long)]
        password_stdin: bool,
        /// user, agency_admin or system_admin.
        #[arg(long, default_value = "user")]
        role: String,
    },
    /// List accounts.
    List,
    /// Unlock an account locked after failed sign-ins.
    Unlock(Target),
    /// Email a reset link now (or what applies, if the account cannot use one).
    SendReset(Target),
    /// Set a one-time password (printed once; must be changed at next sign-in; unlocks).
    SetOneTimePassword(Target),
    /// Inactivate a license (leave of absence).
    Inactivate(Target),
    /// Reactivate an inactive license.
    Reactivate(Target),
    /// Record a completed annual recertification.
    Recertify {
        #[command(flatten)]
        target: Target,
        /// Completion date, YYYY-MM-DD (in HMIS_TIMEZONE); today when omitted.
        #[arg(long)]
        completed: Option<String>,
    },
    /// Change the email on file (both addresses are told).
    SetEmail {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        email: String,
    },
    /// Delete a license (kept for audit; the username can be given to a new account).
    Delete(Target),
}

/// The account an administrative command acts on, and who acts.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// The account's username.
    pub username: String,
    /// Act as this administrator (their role is checked); default: the operator (system).
    #[arg(long = "as")]
    pub actor: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Print the policy verdict for each password read from stdin (one per line).
    Check {
        #[arg(long, default_value = "")]
        username: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        full_name: String,
        #[arg(long, default_value = "")]
        agency: String,
    },
}

/// Every setting, with its variable and default. `Settings::local_defaults()` holds the same
/// defaults for library users; a test keeps the two equal.
#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    /// Local mode: demo account, local mailbox at /dev/mailbox, http public URL.
    #[arg(long, env = "HMIS_DEV", default_value_t = false, value_parser = parse_bool, action = clap::ArgAction::Set, global = true)]
    pub dev: bool,
    /// Database URL (SQLite file, created if missing).
    #[arg(long, env = "HMIS_DATABASE_URL", default_value = "sqlite:data/hmis-access.db", global = true)]
    pub database_url: String,
    /// Base URL of every emailed link; required outside local mode (local default http://127.0.0.1:3000).
    #[arg(long, env = "HMIS_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Listen address; falls back to LEPTOS_SITE_ADDR, then 127.0.0.1:3000.
    #[arg(long, env = "HMIS_LISTEN_ADDR", global = true)]
    pub listen_addr: Option<String>,
    /// SMTP server: smtp://host:port (plain), smtp://host:587?tls=required (STARTTLS), smtps://host (TLS). Required outside local mode.
    #[arg(long, env = "HMIS_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,
    /// Folder of the local mailbox (local mode without SMTP).
    #[arg(long, env = "HMIS_MAILBOX_DIR", default_value = "data/mailbox", global = true)]
    pub mailbox_dir: PathBuf,
    /// Sender of every email.
    #[arg(long, env = "HMIS_MAIL_FROM", default_value = "\"Community Services (ServicePoint)\" <no-reply@hmis.invalid>", global = true)]
    pub mail_from: String,
    /// Lifetime of a reset link.
    #[arg(long, env = "HMIS_RESET_LINK_TTL", default_value = "15m", value_parser = humantime::parse_duration, global = true)]
    pub reset_link_ttl: Duration,
    /// Repeated reset requests for one account within this window send nothing more.
    #[arg(long, env = "HMIS_RESET_COOLDOWN", default_value = "60s", value_parser = humantime::parse_duration, global = true)]
    pub reset_cooldown: Duration,
    /// A session ends after this long without a request.
    #[arg(long, env = "HMIS_SESSION_IDLE", default_value = "30m", value_parser = humantime::parse_duration, global = true)]
    pub session_idle: Duration,
    /// A session ends this long after sign-in, whatever happens.
    #[arg(long, env = "HMIS_SESSION_ABSOLUTE", default_value = "12h", value_parser = humantime::parse_duration, global = true)]
    pub session_absolute: Duration,
    /// Fewest characters in a password (after NFC normalisation).
    #[arg(long, env = "HMIS_PASSWORD_MIN_CHARS", default_value_t = 12, global = true)]
    pub password_min_chars: usize,
    /// Most characters in a password; longer input is refused as too long, never cut.
    #[arg(long, env = "HMIS_PASSWORD_MAX_CHARS", default_value_t = 128, global = true)]
    pub password_max_chars: usize,
    /// Lowest acceptable zxcvbn score, 0-4.
    #[arg(long, env = "HMIS_PASSWORD_MIN_SCORE", default_value_t = 3, value_parser = clap::value_parser!(u8).range(0..=4), global = true)]
    pub password_min_score: u8,
    /// argon2id memory cost in KiB.
    #[arg(long, env = "HMIS_ARGON2_M_KIB", default_value_t = 19_456, global = true)]
    pub argon2_m_kib: u32,
    /// argon2id iterations.
    #[arg(long, env = "HMIS_ARGON2_T", default_value_t = 2, global = true)]
    pub argon2_t: u32,
    /// argon2id parallelism.
    #[arg(long, env = "HMIS_ARGON2_P", default_value_t = 1, global = true)]
    pub argon2_p: u32,
    /// Secret (at least 16 characters) mixed into new password hashes, kept outside the database (ASVS 2.4.5); unset = no pepper. Losing it makes peppered hashes unusable.
    #[arg(long, env = "HMIS_PASSWORD_PEPPER", hide_env_values = true, global = true)]
    pub password_pepper: Option<String>,
    /// Parallel hashes; 0 = min(cores, HMIS_HASH_MEMORY_MIB / m).
    #[arg(long, env = "HMIS_HASH_WORKERS", default_value_t = 0, global = true)]
    pub hash_workers: usize,
    /// Sign-ins that may wait for a hashing worker; beyond this the answer is 503 with Retry-After.
    #[arg(long, env = "HMIS_HASH_QUEUE", default_value_t = 64, global = true)]
    pub hash_queue: usize,
    /// Memory budget of the hashing pool, MiB.
    #[arg(long, env = "HMIS_HASH_MEMORY_MIB", default_value_t = 256, global = true)]
    pub hash_memory_mib: usize,
    /// Give up on one SMTP delivery after this long; it is retried with back-off.
    #[arg(long, env = "HMIS_SMTP_TIMEOUT", default_value = "15s", value_parser = humantime::parse_duration, global = true)]
    pub smtp_timeout: Duration,
    /// Delivery attempts before an email is marked dead.
    #[arg(long, env = "HMIS_OUTBOX_MAX_ATTEMPTS", default_value_t = 8, global = true)]
    pub outbox_max_attempts: i64,
    /// Consecutive failed sign-ins that lock an account (HMIS: 3).
    #[arg(long, env = "HMIS_LOCKOUT_THRESHOLD", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100), global = true)]
    pub lockout_threshold: u32,
    /// A lock lifts by itself after this long; unset = only an administrator unlocks (the HMIS rule).
    #[arg(long, env = "HMIS_LOCKOUT_DURATION", value_parser = humantime::parse_duration, global = true)]
    pub lockout_duration: Option<Duration>,
    /// Whether completing a self-service reset also unlocks a locked account.
    #[arg(long, env = "HMIS_RESET_UNLOCKS", default_value_t = false, value_parser = parse_bool, action = clap::ArgAction::Set, global = true)]
    pub reset_unlocks: bool,
    /// Failed sign-ins one client address may make per window before it is throttled (429).
    #[arg(long, env = "HMIS_CLIENT_FAILURE_LIMIT", default_value_t = 30, global = true)]
    pub client_failure_limit: i64,
    /// The window of HMIS_CLIENT_FAILURE_LIMIT.
    #[arg(long, env = "HMIS_CLIENT_FAILURE_WINDOW", default_value = "15m", value_parser = humantime::parse_duration, global = true)]
    pub client_failure_window: Duration,
    /// A license is inactivated after this long without a sign-in (from creation if never used).
    #[arg(long, env = "HMIS_INACTIVITY_PERIOD", default_value = "30days", value_parser = humantime::parse_duration, global = true)]
    pub inactivity_period: Duration,
    /// The inactivity warning email goes out this long before.
    #[arg(long, env = "HMIS_INACTIVITY_WARNING", default_value = "5days", value_parser = humantime::parse_duration, global = true)]
    pub inactivity_warning: Duration,
    /// An inactive license is deleted after this much further time.
    #[arg(long, env = "HMIS_DELETE_AFTER_INACTIVE", default_value = "90days", value_parser = humantime::parse_duration, global = true)]
    pub delete_after_inactive: Duration,
    /// A new license, and a recertification, last this long.
    #[arg(long, env = "HMIS_LICENSE_TERM", default_value = "365days", value_parser = humantime::parse_duration, global = true)]
    pub license_term: Duration,
    /// Expiry warnings, in days before the expiry date (comma-separated).
    #[arg(long, env = "HMIS_EXPIRY_WARNING_DAYS", default_value = "30,7", value_delimiter = ',', global = true)]
    pub expiry_warning_days: Vec<i64>,
    /// A one-time password set by an administrator works this long.
    #[arg(long, env = "HMIS_ONE_TIME_PASSWORD_TTL", default_value = "24h", value_parser = humantime::parse_duration, global = true)]
    pub one_time_password_ttl: Duration,
    /// Reset emails one account may get per HMIS_RESET_WINDOW (beyond the cooldown); more requests get the same answer and send nothing.
    #[arg(long, env = "HMIS_RESET_ACCOUNT_LIMIT", default_value_t = 3, global = true)]
    pub reset_account_limit: i64,
    /// Forgot-password requests one client address may make per HMIS_RESET_WINDOW (then 429 with Retry-After).
    #[arg(long, env = "HMIS_RESET_CLIENT_LIMIT", default_value_t = 20, global = true)]
    pub reset_client_limit: i64,
    /// The window of the two limits above.
    #[arg(long, env = "HMIS_RESET_WINDOW", default_value = "15m", value_parser = humantime::parse_duration, global = true)]
    pub reset_window: Duration,
    /// How often the server runs the lifecycle job.
    #[arg(long, env = "HMIS_LIFECYCLE_INTERVAL", default_value = "1h", value_parser = humantime::parse_duration, global = true)]
    pub lifecycle_interval: Duration,
    /// Time zone of dates and times in emails (IANA name).
    #[arg(long, env = "HMIS_TIMEZONE", default_value = "UTC", global = true)]
    pub timezone: String,
    /// More Host names (name or name:port, comma-separated) to serve besides HMIS_PUBLIC_URL's; other hosts get 400.
    #[arg(long, env = "HMIS_ALLOWED_HOSTS", value_delimiter = ',', global = true)]
    pub allowed_hosts: Vec<String>,
    /// Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed for rate limits and audit; none by default.
    #[arg(long, env = "HMIS_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net, global = true)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Folder of the built site (CSS, JS, the meter wasm).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site", global = true)]
    pub site_root: PathBuf,
    /// Log filter (tracing EnvFilter syntax).
    #[arg(long, env = "HMIS_LOG", default_value = "info", global = true)]
    pub log: String,
}

/// An address or a network: `10.0.0.5` means `10.0.0.5/32`.
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{s:?} is not an IP address or CIDR network"))
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!("expected 1/0, true/false, yes/no or on/off, got {other:?}")),
    }
}

/// Why the settings cannot be used; start-up stops with this message.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("HMIS_PUBLIC_URL is required outside local mode (set HMIS_DEV=1 for local mode)")]
    PublicUrlMissing,
    #[error("HMIS_SMTP_URL is required outside local mode (set HMIS_DEV=1 for local mode)")]
    SmtpMissing,
    #[error("HMIS_PUBLIC_URL {0:?} is not an absolute http(s) URL")]
    PublicUrlInvalid(String),
    #[error("HMIS_PUBLIC_URL must be https unless it is a loopback address (got {0:?})")]
    PublicUrlNotHttps(String),
    #[error("invalid setting: {0}")]
    Invalid(String),
}

impl SettingsArgs {
    pub fn to_settings(&self) -> Result<Settings, SettingsError> {
        let public_url = match (&self.public_url, self.dev) {
            (Some(u), _) => u.clone(),
            (None, true) => "http://127.0.0.1:3000/".into(),
            (None, false) => return Err(SettingsError::PublicUrlMissing),
        };
        let parsed = url::Url::parse(&public_url).map_err(|_| SettingsError::PublicUrlInvalid(public_url.clone()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(SettingsError::PublicUrlInvalid(public_url));
        }
        if parsed.scheme() == "http" && !is_loopback_host(parsed.host_str().unwrap_or_default()) {
            return Err(SettingsError::PublicUrlNotHttps(public_url));
        }
        if self.smtp_url.is_none() && !self.dev {
            return Err(SettingsError::SmtpMissing);
        }
        if self.password_min_chars == 0 || self.password_min_chars > self.password_max_chars {
            return Err(SettingsError::Invalid("HMIS_PASSWORD_MIN_CHARS must be between 1 and HMIS_PASSWORD_MAX_CHARS".into()));
        }
        if self.password_pepper.as_ref().is_some_and(|p| p.len() < 16) {
            return Err(SettingsError::Invalid("HMIS_PASSWORD_PEPPER must be at least 16 characters".into()));
        }
        if !service::config::known_timezone(&self.timezone) {
            return Err(SettingsError::Invalid(format!("HMIS_TIMEZONE {:?} is not a known time zone", self.timezone)));
        }
        if self.password_max_chars > 1024 {
            return Err(SettingsError::Invalid("HMIS_PASSWORD_MAX_CHARS is at most 1024".into()));
        }
        Ok(Settings {
            dev: self.dev,
            database_url: self.database_url.clone(),
            public_url: parsed,
            smtp_url: self.smtp_url.clone().map(SecretString::from),
            mailbox_dir: self.mailbox_dir.clone(),
            mail_from: self.mail_from.clone(),
            reset_link_ttl: self.reset_link_ttl,
            reset_cooldown: self.reset_cooldown,
            session_idle: self.session_idle,
            session_absolute: self.session_absolute,
            policy: Policy {
                min_chars: self.password_min_chars,
                max_chars: self.password_max_chars,
                min_score: self.password_min_score,
                ..Policy::default()
            },
            argon2: Cost { m_kib: self.argon2_m_kib, t: self.argon2_t, p: self.argon2_p },
            password_pepper: self.password_pepper.clone().map(SecretString::from),
            hash_workers: self.hash_workers,
            hash_queue: self.hash_queue,
            hash_memory_mib: self.hash_memory_mib,
            smtp_timeout: self.smtp_timeout,
            outbox_poll: Duration::from_secs(2),
            outbox_max_attempts: self.outbox_max_attempts,
            lockout: domain::lockout::LockoutPolicy {
                max_failures: self.lockout_threshold,
                duration_secs: self.lockout_duration.map(|d| d.as_secs() as i64),
                reset_unlocks: self.reset_unlocks,
            },
            license: domain::license::LicensePolicy {
                inactivity_secs: self.inactivity_period.as_secs() as i64,
                inactivity_warning_secs: self.inactivity_warning.as_secs() as i64,
                delete_after_inactive_secs: self.delete_after_inactive.as_secs() as i64,
                term_secs: self.license_term.as_secs() as i64,
                expiry_warning_days: {
                    let mut d = self.expiry_warning_days.clone();
                    d.sort_unstable_by(|a, b| b.cmp(a));
                    d
                },
                one_time_password_secs: self.one_time_password_ttl.as_secs() as i64,
            },
            client_failure_limit: self.client_failure_limit,
            client_failure_window: self.client_failure_window,
            reset_account_limit: self.reset_account_limit,
            reset_client_limit: self.reset_client_limit,
            reset_window: self.reset_window,
            lifecycle_interval: self.lifecycle_interval,
            timezone: self.timezone.clone(),
        })
    }

    /// HMIS_LISTEN_ADDR, else LEPTOS_SITE_ADDR, else 127.0.0.1:3000.
    pub fn listen_addr(&self) -> String {
        self.listen_addr
            .clone()
            .or_else(|| std::env::var("LEPTOS_SITE_ADDR").ok().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| "127.0.0.1:3000".into())
    }
}

pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost" || h.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("hmis-access").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn local_mode_defaults_match_the_library_defaults() {
        let s = parse(&["--dev", "true"]).settings.to_settings().unwrap();
        let d = Settings::local_defaults();
        assert_eq!(s.database_url, d.database_url);
        assert_eq!(s.public_url, d.public_url);
        assert_eq!(s.mailbox_dir, d.mailbox_dir);
        assert_eq!(s.mail_from, d.mail_from);
        assert_eq!(s.reset_link_ttl, d.reset_link_ttl);
        assert_eq!(s.reset_cooldown, d.reset_cooldown);
        assert_eq!(s.session_idle, d.session_idle);
        assert_eq!(s.session_absolute, d.session_absolute);
        assert_eq!(s.policy, d.policy);
        assert_eq!(s.argon2, d.argon2);
        assert_eq!((s.hash_workers, s.hash_queue, s.hash_memory_mib), (d.hash_workers, d.hash_queue, d.hash_memory_mib));
        assert_eq!(s.lockout, d.lockout);
        assert_eq!(s.license, d.license);
        assert_eq!((s.client_failure_limit, s.client_failure_window), (d.client_failure_limit, d.client_failure_window));
        assert_eq!((s.lifecycle_interval, &s.timezone), (d.lifecycle_interval, &d.timezone));
        assert_eq!((s.reset_account_limit, s.reset_client_limit, s.reset_window), (d.reset_account_limit, d.reset_client_limit, d.reset_window));
    }

    #[test]
    fn normal_mode_requires_public_url_and_smtp() {
        let e = parse(&[]).settings.to_settings().unwrap_err();
        assert!(matches!(e, SettingsError::PublicUrlMissing));
        let e = parse(&["--public-url", "https://app.example.com"]).settings.to_settings().unwrap_err();
        assert!(matches!(e, SettingsError::SmtpMissing));
        assert!(parse(&["--public-url", "https://app.example.com", "--smtp-url", "smtp://m:25"]).settings.to_settings().is_ok());
    }

    #[test]
    fn trusted_proxies_take_addresses_and_networks() {
        let c = parse(&["--trusted-proxies", "10.0.0.5,192.168.0.0/16"]);
        assert_eq!(c.settings.trusted_proxies.len(), 2);
        assert!(Cli::try_parse_from(["hmis-access", "--trusted-proxies", "nope"]).is_err());
    }

    #[test]
    fn plain_http_public_url_only_for_loopback() {
        let e = parse(&["--public-url", "http://app.example.com", "--smtp-url", "smtp://m:25"]).settings.to_settings().unwrap_err();
        assert!(matches!(e, SettingsError::PublicUrlNotHttps(_)));
        assert!(parse(&["--public-url", "http://127.0.0.1:8080", "--smtp-url", "smtp://m:25"]).settings.to_settings().is_ok());
    }

    #[test]
    fn help_lists_every_hmis_variable() {
        let help = Cli::command().render_long_help().to_string();
        for var in ["HMIS_DEV", "HMIS_DATABASE_URL", "HMIS_PUBLIC_URL", "HMIS_LISTEN_ADDR", "HMIS_SMTP_URL", "HMIS_RESET_LINK_TTL", "HMIS_ARGON2_M_KIB", "HMIS_HASH_QUEUE"] {
            assert!(help.contains(var), "--help lacks {var}");
        }
    }
}
