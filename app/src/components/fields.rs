//! Labelled inputs with the right autocomplete hints (RB-24) and, for passwords, a show/hide
//! toggle that `enhance.js` reveals (hidden without JavaScript, where it could not work).

use leptos::prelude::*;
use leptos::tachys::html::attribute::custom::CustomAttribute;

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
    // `autocorrect` is not in Leptos' typed attribute list; add it as a custom attribute.
    let input = view! {
                <input
                type="text"
                id=id
                name=name
                value=value
                autocomplete=autocomplete
                autocapitalize="none"
                spellcheck="false"
                required=true
                autofocus=autofocus
                aria-describedby=described
                aria-invalid=invalid.then_some("true")
            />
    }
    .attr("autocorrect", "off");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {input}
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
    // No maxlength: input is never silently cut; the policy answers "too long".
    let input = view! {
                <input
                    type="password"
                    value=value
                    id=id
                    name=name
                    autocomplete=autocomplete
                    autocapitalize="none"
                    spellcheck="false"
                    required=true
                    autofocus=autofocus
                    aria-describedby=described_by
                    aria-invalid=invalid.then_some("true")
                />
    }
    .attr("autocorrect", "off");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="password-row">
                {input}
                <button type="button" class="toggle" data-toggle-for=id aria-controls=id aria-pressed="false" hidden=true>
                    "Show"
                </button>
            </div>
        </div>
    }
}
