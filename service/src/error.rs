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
