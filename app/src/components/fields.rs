//! Labelled inputs with the right autocomplete hints (RB-24) and, for passwords, a show/hide
//! toggle that `enhance.js` reveals (hidden without JavaScript, where it could not work).

use leptos::prelude::*;
use leptos::tachys::html::attribute::custom::CustomAttribute;

/// The one `<input>` both fields use: never auto-capitalised, corrected or spell-checked (the
/// server folds identifiers and never alters passwords), and no `maxlength` (input is never
/// silently cut; the policy answers "too long").
#[allow(clippy::too_many_arguments)]
fn input(
    kind: &'static str,
    id: &'static str,
    name: &'static str,
    value: Option<String>,
    autocomplete: &'static str,
    autofocus: bool,
    described_by: Option<String>,
    invalid: bool,
) -> impl IntoView {
    // `autocorrect` is not in Leptos' typed attribute list; add it as a custom attribute.
    view! {
        <input
            type=kind
            id=id
            name=name
            value=value
            autocomplete=autocomplete
            autocapitalize="none"
            spellcheck="false"
            required=true
            autofocus=autofocus
            aria-describedby=described_by
            aria-invalid=invalid.then_some("true")
        />
    }
    .attr("autocorrect", "off")
}

#[component]
pub fn TextInput(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    #[prop(default = String::new())] value: String,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] invalid: bool,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let described = hint.map(|_| hint_id.clone());
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {input("text", id, name, Some(value), autocomplete, autofocus, described, invalid)}
        </div>
    }
}

#[component]
pub fn PasswordInput(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] described_by: Option<&'static str>,
    #[prop(optional)] invalid: bool,
    #[prop(optional)] autofocus: bool,
    /// Put back only a refused *new* password (never a current one), so nothing typed is lost.
    #[prop(optional)] value: Option<String>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="password-row">
                {input("password", id, name, value, autocomplete, autofocus, described_by.map(String::from), invalid)}
                <button type="button" class="toggle" data-toggle-for=id aria-controls=id aria-pressed="false" hidden=true>
                    "Show"
                </button>
            </div>
        </div>
    }
}
