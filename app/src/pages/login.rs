//! `/login`: username, password, "Sign in", "Forgot password?".

use leptos::prelude::*;

use crate::components::{CsrfField, ErrorSummary, Notice, PasswordInput, TextInput};
use crate::Document;

#[derive(Debug, Default, Clone)]
pub struct LoginView {
    pub username: String,
    /// Where to go after signing in (already checked to be a same-origin path).
    pub next: Option<String>,
    pub errors: Vec<String>,
    pub notice: Option<String>,
    /// The CSRF token for this page's form.
    pub csrf: String,
}

/// The one message for an unknown username or a wrong password, with the help article's tip.
pub const INVALID_CREDENTIALS: &str = "The username or password is not right. Tip: after one or two failed attempts, use \"Forgot password?\" instead: 3 failed attempts lock the account.";

pub fn page(v: LoginView) -> Document {
    let invalid = !v.errors.is_empty();
    let action = match &v.next {
        Some(n) => format!("/login?next={}", urlencode(n)),
        None => "/login".to_string(),
    };
    Document::new(
        "Sign in",
        view! {
            <h1>"Sign in to HMIS"</h1>
            <Notice text=v.notice />
            <ErrorSummary errors=v.errors />
            <form method="post" action=action class="stack" novalidate=true>
                <CsrfField token=v.csrf />
                <TextInput id="username" name="username" label="Username" autocomplete="username" value=v.username invalid=invalid autofocus=!invalid />
                <PasswordInput id="password" name="password" label="Password" autocomplete="current-password" invalid=invalid autofocus=invalid />
                <button type="submit" class="primary">"Sign in"</button>
            </form>
            <p class="secondary-action"><a href="/forgot-password">"Forgot password?"</a></p>
            <p><a href="/help/sign-in">"Still can't sign in? Why it happens and what to do"</a></p>
        },
    )
}

/// Percent-encodes a path for a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
