//! Pure rules of hmis-access: how identifiers are folded, what a good password is, what a reset
//! token looks like, and (behind `server`) how passwords are hashed.
//!
//! Must not depend on I/O, a clock, tokio, axum, leptos, sqlx or lettre: this crate is compiled
//! both into the server and into the browser's strength-meter module, and the two must agree.

pub mod identifier;
pub mod license;
pub mod lockout;
pub mod password;
pub mod token;

#[cfg(feature = "server")]
pub mod hashing;
