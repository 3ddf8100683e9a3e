//! `/reset-password?token=…`: the new-password form, the pages for links that cannot be used,
//! and the "password changed" page.

use domain::password::{Policy, Report, UserInputs};
use leptos::prelude::*;

use crate::components::{CsrfField, ErrorSummary, NewPasswordFields};
use crate::Document;

/// Why a link cannot be used; mirrors `service::TokenProblem` (the app does not depend on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    Invalid,
    Expired,
    Used,
    Superseded,
    PasswordChanged,
    AccountBlocked,
}

impl LinkProblem {
    pub fn heading(self) -> &'static str {
        match self {
            LinkProblem::Invalid => "This link is not valid",
            LinkProblem::Expired => "This link has expired",
            LinkProblem::Used => "This link has already been used",
            LinkProblem::Superseded => "A newer link was sent",
            LinkProblem::PasswordChanged => "This link is no longer valid",
            LinkProblem::AccountBlocked => "This link can no longer be used",
        }
    }

    pub fn explanation(self, ttl_minutes: u64) -> String {
        match self {
            LinkProblem::Invalid => "The link may be incomplete: some email programs break long links across lines. Copy the whole link from the email, or ask for a new one.".into(),
            LinkProblem::Expired => format!("Reset links work for {ttl_minutes} minutes. Ask for a new one: it takes a minute."),
            LinkProblem::Used => "Each link works once, and this one was already used to set a password. If that was not you, ask for a new link and tell your Agency Administrator.".into(),
            LinkProblem::Superseded => "You asked for another reset email after this one. Only the most recent email works: use the link in it, or ask for a new one.".into(),
            LinkProblem::PasswordChanged => "The password was changed after this link was sent, so the link was cancelled. If that was not you, ask for a new link and tell your Agency Administrator.".into(),
            LinkProblem::AccountBlocked => "The account cannot be reset by email right now. Ask for a new link: we will email the address on file with what to do instead.".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResetFormView {
    pub token: String,
    pub username: String,
    pub inputs: UserInputs,
    pub policy: Policy,
    pub errors: Vec<String>,
    pub report: Option<Report>,
    pub mismatch: bool,
    /// A refused weak new password, shown again so the person can adjust it.
    pub typed: Option<String>,
    /// The CSRF token for this page's form.
    pub csrf: String,
}

pub fn form_page(v: ResetFormView) -> Document {
    let invalid = !v.errors.is_empty() && !v.mismatch;
    Document::new(
        "Choose a new password",
        view! {
            <h1>"Choose a new password"</h1>
            <p>"For the username " <strong>{v.username.clone()}</strong> ". Type it twice."</p>
            <ErrorSummary errors=v.errors />
            <form method="post" action="/reset-password" class="stack" novalidate=true>
                <CsrfField token=v.csrf />
                <input type="hidden" name="token" value=v.token />
                // Lets password managers update the right entry (RB-24).
                <input type="text" name="username" value=v.username autocomplete="username" class="visually-hidden" tabindex="-1" aria-hidden="true" readonly=true />
                <NewPasswordFields inputs=v.inputs policy=v.policy report=v.report invalid=invalid mismatch=v.mismatch autofocus=true typed=v.typed.unwrap_or_default() />
                <button type="submit" class="primary">"Save new password"</button>
            </form>
        },
    )
    .with_meter()
}

pub fn problem_page(problem: LinkProblem, ttl_minutes: u64) -> Document {
    Document::new(
        problem.heading(),
        view! {
            <h1>{problem.heading()}</h1>
            <p data-link-problem=format!("{problem:?}")>{problem.explanation(ttl_minutes)}</p>
            <p><a class="button primary" href="/forgot-password">"Send me a new link"</a></p>
            <p class="secondary-action"><a href="/login">"Back to sign in"</a></p>
        },
    )
}

pub const DONE_TEXT: &str = "Password changed. Sign in with your new password.";

pub fn done_page() -> Document {
    Document::new(
        "Password changed",
        view! {
            <h1>"Password changed"</h1>
            <div class="notice" role="status"><p>{DONE_TEXT}</p></div>
            <p>"Every device that was signed in with the old password has been signed out. We also sent you an email about this change."</p>
            <p><a class="button primary" href="/login">"Sign in"</a></p>
        },
    )
}
