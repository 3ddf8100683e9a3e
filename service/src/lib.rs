//! The server-side engine of hmis-access: use cases (verbs), storage and mail.
//!
//! Owns every rule that needs I/O; takes the pure rules from `domain`. Must not depend on axum,
//! leptos or anything about HTTP: the server crate maps requests onto these calls.

pub mod clock;
pub mod config;
pub mod error;
pub mod hashing_pool;
pub mod mail;
pub mod store;
pub mod use_cases;

pub use clock::{Clock, SystemClock, TestClock};
pub use config::Settings;
pub use error::{Error, TokenProblem};
pub use use_cases::Service;
