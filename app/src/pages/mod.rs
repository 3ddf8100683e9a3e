//! One module per screen. Each exposes a `*View` (the data the server passes in) and a function
//! returning the `Document` for it.

pub mod account;
pub mod change_password;
pub mod error;
pub mod forgot;
pub mod help;
pub mod login;
pub mod mailbox;
pub mod reset;
pub mod signin_blocked;
