//! Messages at the top of a form: an error summary (announced, focusable) and a notice.

use leptos::prelude::*;

/// The errors of the last submit, announced by screen readers. Renders nothing when empty.
#[component]
pub fn ErrorSummary(errors: Vec<String>) -> impl IntoView {
    (!errors.is_empty()).then(|| {
        view! {
            <div class="error-summary" role="alert" id="form-errors" tabindex="-1">
                <h2>"There is a problem"</h2>
                <ul>{errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
            </div>
        }
    })
}

/// A neutral or success message (e.g. "Password changed").
#[component]
pub fn Notice(text: Option<String>) -> impl IntoView {
    text.map(|t| view! { <div class="notice" role="status">{t}</div> })
}

/// The hidden CSRF token every form carries (checked by the server before any handler).
#[component]
pub fn CsrfField(token: String) -> impl IntoView {
    view! { <input type="hidden" name="csrf" value=token /> }
}
