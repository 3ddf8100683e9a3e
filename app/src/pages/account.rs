//! `/account`: who you are, "Change password", "Sign out".

use leptos::prelude::*;

use crate::components::{CsrfField, Notice};
use crate::Document;

#[derive(Debug, Clone)]
pub struct AccountView {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub agency: String,
    pub notice: Option<String>,
    pub sessions: Vec<SessionView>,
    /// The CSRF token for this page's forms.
    pub csrf: String,
}

/// One signed-in device, as the account page lists it.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub this_device: bool,
    pub device: String,
    pub address: String,
    pub signed_in: String,
    pub last_seen: String,
}

pub fn page(v: AccountView) -> Document {
    let display = if v.full_name.is_empty() { v.username.clone() } else { v.full_name.clone() };
    Document::new(
        "Your account",
        view! {
            <h1>"Your account"</h1>
            <Notice text=v.notice />
            <p class="whoami">"Signed in as " <strong>{display}</strong> " (" <span id="signed-in-username">{v.username}</span> ")."</p>
            <dl class="facts">
                <dt>"Email on file"</dt><dd>{v.email}</dd>
                <dt>"Agency"</dt><dd>{if v.agency.is_empty() { "—".to_string() } else { v.agency }}</dd>
            </dl>
            <p><a class="button" href="/account/password">"Change password"</a></p>
            <form method="post" action="/logout">
                <CsrfField token=v.csrf.clone() />
                <button type="submit" class="secondary">"Sign out"</button>
            </form>
            <h2>"Where you are signed in"</h2>
            <ul class="sessions">
                {v.sessions.iter().map(|s| view! {
                    <li data-this-device=s.this_device.to_string()>
                        <strong>{if s.this_device { "This device" } else { "Another device" }}</strong>
                        ": " {s.device.clone()} <br />
                        <span class="hint">{format!("from {} · signed in {} · last active {}", s.address, s.signed_in, s.last_seen)}</span>
                    </li>
                }).collect_view()}
            </ul>
            {(v.sessions.len() > 1).then(|| view! {
                <form method="post" action="/account/sessions/sign-out-others">
                    <CsrfField token=v.csrf.clone() />
                    <button type="submit" class="secondary">"Sign out everywhere else"</button>
                </form>
            })}
        },
    )
}
