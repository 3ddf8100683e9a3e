//! `/account`: who you are, "Change password", "Sign out".

use leptos::prelude::*;

use crate::components::Notice;
use crate::Document;

#[derive(Debug, Clone)]
pub struct AccountView {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub agency: String,
    pub notice: Option<String>,
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
                <button type="submit" class="secondary">"Sign out"</button>
            </form>
        },
    )
}
