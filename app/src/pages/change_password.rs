//! `/account/password`: change password while signed in; also the forced change after a
//! one-time password.

use domain::password::{Policy, Report, UserInputs};
use leptos::prelude::*;

use crate::components::{CsrfField, ErrorSummary, NewPasswordFields, PasswordInput};
use crate::Document;

#[derive(Debug, Clone)]
pub struct ChangePasswordView {
    pub username: String,
    pub forced: bool,
    pub inputs: UserInputs,
    pub policy: Policy,
    pub errors: Vec<String>,
    pub report: Option<Report>,
    pub mismatch: bool,
    /// A refused weak new password, shown again so the person can adjust it.
    pub typed: Option<String>,
    pub wrong_current: bool,
    /// The CSRF token for this page's form.
    pub csrf: String,
}

pub fn page(v: ChangePasswordView) -> Document {
    let (title, intro) = if v.forced {
        ("Choose your own password", "You signed in with a one-time password. Choose your own password before you continue.")
    } else {
        ("Change password", "Enter your current password, then the new one twice. Every device signed in to your account will be signed out.")
    };
    let invalid_new = !v.errors.is_empty() && !v.mismatch && !v.wrong_current;
    Document::new(
        title,
        view! {
            <h1>{title}</h1>
            <p>{intro}</p>
            <ErrorSummary errors=v.errors />
            <form method="post" action="/account/password" class="stack" novalidate=true>
                <CsrfField token=v.csrf.clone() />
                <input type="text" name="username" value=v.username autocomplete="username" class="visually-hidden" tabindex="-1" aria-hidden="true" readonly=true />
                <PasswordInput id="current-password" name="current_password" label=if v.forced { "One-time password" } else { "Current password" } autocomplete="current-password" invalid=v.wrong_current autofocus=true />
                <NewPasswordFields inputs=v.inputs policy=v.policy report=v.report invalid=invalid_new mismatch=v.mismatch typed=v.typed.unwrap_or_default() />
                <button type="submit" class="primary">"Save new password"</button>
            </form>
            {(!v.forced).then(|| view! { <p class="secondary-action"><a href="/account">"Cancel"</a></p> })}
        },
    )
    .with_meter()
}
