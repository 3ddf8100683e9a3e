//! `/forgot-password`: one field ("Username or email") and "Send"; always the same confirmation.

use leptos::prelude::*;

use crate::components::{CsrfField, ErrorSummary, TextInput};
use crate::Document;

#[derive(Debug, Default, Clone)]
pub struct ForgotView {
    pub value: String,
    pub errors: Vec<String>,
    /// The CSRF token for this page's form.
    pub csrf: String,
}

pub fn page(v: ForgotView) -> Document {
    let invalid = !v.errors.is_empty();
    Document::new(
        "Forgot password",
        view! {
            <h1>"Forgot your password?"</h1>
            <p>"Enter your HMIS username, or the email address on file. We will email you a link to choose a new password."</p>
            <ErrorSummary errors=v.errors />
            <form method="post" action="/forgot-password" class="stack" novalidate=true>
                <CsrfField token=v.csrf />
                <TextInput id="identifier" name="identifier" label="Username or email" autocomplete="username" value=v.value invalid=invalid autofocus=true />
                <button type="submit" class="primary">"Send"</button>
            </form>
            <p class="secondary-action"><a href="/login">"Back to sign in"</a></p>
        },
    )
}

/// The confirmation every request gets, whether or not an account matched (RB-08).
pub fn confirmation_text(ttl_minutes: u64) -> String {
    format!(
        "If an account matches, we sent a link to the email address on file. It expires in {ttl_minutes} minutes. Check your Spam/Junk folder if it is not in your inbox."
    )
}

pub fn sent_page(ttl_minutes: u64) -> Document {
    Document::new(
        "Check your email",
        view! {
            <h1>"Check your email"</h1>
            <div class="notice" role="status"><p>{confirmation_text(ttl_minutes)}</p></div>
            <p>"The email comes from Community Services (ServicePoint). Open the link in it to choose a new password."</p>
            <p class="secondary-action"><a href="/login">"Back to sign in"</a></p>
        },
    )
}
