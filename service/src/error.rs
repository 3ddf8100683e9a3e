//! Errors of the use cases. Variants are what a caller must tell apart; anything else is
//! `Internal` and is logged with its chain, never shown.

use domain::password::Verdict;

/// Why a reset link cannot be used. Each gets its own page (RB-27).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Malformed, unknown, or altered.
    Invalid,
    Expired,
    Used,
    /// A newer link was sent; only the most recent email works (RB-04).
    Superseded,
    /// The password was changed after this link was sent (RB-02).
    PasswordChanged,
    /// The account is locked or its license does not allow sign-in: a link cannot help.
    AccountBlocked,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Unknown user or wrong password: deliberately one variant (no enumeration).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The identifier cannot be an account name or address (empty, too long, invisible chars).
    #[error("invalid identifier: {0}")]
    InvalidIdentifier(#[from] domain::identifier::IdentifierError),
    #[error("password does not meet the policy")]
    WeakPassword(Box<Verdict>),
    #[error("the two new passwords differ")]
    PasswordsDiffer,
    #[error("the new password equals the current one")]
    SameAsCurrent,
    #[error("current password is wrong")]
    WrongCurrentPassword,
    #[error("reset link rejected: {0:?}")]
    TokenRejected(TokenProblem),
    #[error("not signed in")]
    NotSignedIn,
    /// Too many failed sign-ins from this client address: answered before any account counter.
    #[error("throttled; retry after {retry_after} s")]
    Throttled { retry_after: i64 },
    /// The right password, but the license does not allow sign-in (shown privately).
    #[error("license is {0:?}")]
    LicenseBlocks(domain::license::LicenseState),
    #[error("the one-time password has expired")]
    OneTimePasswordExpired,
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The hashing pool's queue is full: answer 503 with Retry-After; never a failed attempt.
    #[error("busy")]
    Busy,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("migration error")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<domain::hashing::HashError> for Error {
    fn from(e: domain::hashing::HashError) -> Self {
        Error::Internal(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
