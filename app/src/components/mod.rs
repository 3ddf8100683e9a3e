//! Building blocks shared by the pages.

mod fields;
mod messages;
mod new_password;

pub use fields::{PasswordInput, TextInput};
pub use messages::{CsrfField, ErrorSummary, Notice};
pub use new_password::NewPasswordFields;
