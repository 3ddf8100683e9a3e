//! Error pages in the app's own layout: never a raw error string, status code or stack.

use leptos::prelude::*;

use crate::Document;

pub fn page(heading: &'static str, text: String) -> Document {
    Document::new(
        heading,
        view! {
            <h1>{heading}</h1>
            <p>{text}</p>
            <p class="secondary-action"><a href="/login">"Go to sign in"</a></p>
        },
    )
}
