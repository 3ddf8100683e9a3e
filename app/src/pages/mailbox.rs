//! `/dev/mailbox` (local mode, loopback only): the emails the local mailbox holds, with their
//! links clickable, so the reset flow can be tried without an SMTP server.

use leptos::prelude::*;

use crate::Document;

#[derive(Debug, Clone)]
pub struct MailView {
    pub to: String,
    pub subject: String,
    pub date: String,
    pub text: String,
    pub links: Vec<String>,
}

pub fn page(mails: Vec<MailView>) -> Document {
    let empty = mails.is_empty();
    Document::new(
        "Local mailbox",
        view! {
            <h1>"Local mailbox"</h1>
            <p class="hint">"Local mode only: emails are written here instead of being sent. Newest first."</p>
            {empty.then(|| view! { <p>"No email yet. Try " <a href="/forgot-password">"Forgot password?"</a> " with the username " <code>"demo"</code> "."</p> })}
            <ol class="mailbox">
                {mails
                    .into_iter()
                    .map(|m| {
                        view! {
                            <li class="mail">
                                <h2>{m.subject}</h2>
                                <p class="hint">"To " {m.to} " · " {m.date}</p>
                                <ul class="links">
                                    {m.links.into_iter().map(|l| view! { <li><a href=l.clone()>{l.clone()}</a></li> }).collect_view()}
                                </ul>
                                <details><summary>"Full text"</summary><pre>{m.text}</pre></details>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        },
    )
}
