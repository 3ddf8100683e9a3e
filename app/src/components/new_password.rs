//! The "new password twice" block: both inputs, the strength meter (filled by the meter worker),
//! the policy rules with a tick each, and the "passwords match" line.
//!
//! Without JavaScript the rules are listed plainly and the server's verdict after a refused
//! submit fills the same elements; with it, `enhance.js` updates them on every keystroke from
//! the meter module, which runs the same `domain` policy as the server.

use domain::password::{Policy, Report, UserInputs};
use leptos::prelude::*;

use super::PasswordInput;

#[component]
pub fn NewPasswordFields(
    /// Who the password is for: zxcvbn user inputs, the same on both sides (RB-18).
    inputs: UserInputs,
    policy: Policy,
    /// The server's verdict on the last refused submit, if any.
    report: Option<Report>,
    #[prop(optional)] invalid: bool,
    #[prop(optional)] mismatch: bool,
    #[prop(optional)] autofocus: bool,
    /// The refused new password, put back into its field (RB-18: nothing typed is lost).
    #[prop(optional)] typed: Option<String>,
) -> impl IntoView {
    let inputs_json = serde_json::to_string(&inputs).unwrap_or_else(|_| "{}".into());
    let policy_json = serde_json::to_string(&policy).unwrap_or_else(|_| "{}".into());
    // What `domain` answers for any input over its byte ceiling, so a long paste is answered
    // "too long" at once, before the meter module has arrived (it is the same for every input).
    let over_ceiling_json = serde_json::to_string(&serde_json::json!({
        "bytes": domain::password::byte_ceiling(&policy),
        "report": domain::password::over_ceiling_report(&policy),
    }))
    .unwrap_or_else(|_| "null".into());
    let checks = report.as_ref().map(|r| r.checks.clone()).unwrap_or_else(|| {
        vec![
            (domain::password::Rule::MinLength, format!("At least {} characters", policy.min_chars)),
            (domain::password::Rule::MaxLength, format!("At most {} characters", policy.max_chars)),
            (domain::password::Rule::Strength, format!("Hard to guess (strength {} of 4 or better)", policy.min_score)),
        ]
        .into_iter()
        .map(|(rule, label)| domain::password::RuleCheck { rule, met: false, label })
        .collect()
    });
    let scored = report.is_some();
    let score = report.as_ref().and_then(|r| r.verdict.score).unwrap_or(0);
    let label = report.as_ref().map(|r| r.label.clone()).unwrap_or_default();
    let crack = report.as_ref().and_then(|r| r.verdict.crack_time.clone());
    let warning = report.as_ref().and_then(|r| r.verdict.warning.clone());
    let suggestions = report.as_ref().map(|r| r.verdict.suggestions.clone()).unwrap_or_default();
    view! {
        <div class="new-password" data-new-password="" data-user-inputs=inputs_json data-policy=policy_json data-over-ceiling=over_ceiling_json>
            <PasswordInput
                id="new-password"
                name="new_password"
                label="New password"
                autocomplete="new-password"
                described_by="password-rules strength"
                invalid=invalid
                autofocus=autofocus
                value=typed.unwrap_or_default()
            />
            <div id="strength" class="strength" aria-live="polite" data-score=score.to_string() hidden=!scored>
                <div class="strength-bar" aria-hidden="true">
                    <span></span><span></span><span></span><span></span>
                </div>
                <p class="strength-label">
                    "Strength: " <strong id="strength-label">{label}</strong>
                    " (" <span id="strength-score">{score}</span> " of 4)"
                </p>
                <p id="strength-crack" class="hint">{crack.map(|c| format!("Time to guess: {c}"))}</p>
                <p id="strength-warning" class="warning">{warning}</p>
                <ul id="strength-suggestions" class="suggestions">
                    {suggestions.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                </ul>
            </div>
            <ul id="password-rules" class="rules" aria-label="Password rules">
                {checks
                    .into_iter()
                    .map(|c| {
                        let rule = format!("{:?}", c.rule);
                        let state = if !scored { "pending" } else if c.met { "met" } else { "unmet" };
                        let sr = if !scored { "" } else if c.met { " (done)" } else { " (not yet)" };
                        view! {
                            <li data-rule=rule data-state=state>
                                <span class="tick" aria-hidden="true"></span>
                                <span class="rule-label">{c.label}</span>
                                <span class="sr-only rule-state">{sr}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <PasswordInput
                id="confirm-password"
                name="confirm_password"
                label="Type the new password again"
                autocomplete="new-password"
                described_by="match-status"
                invalid=mismatch
            />
            <p id="match-status" class="match" aria-live="polite" data-state=if mismatch { "unmet" } else { "pending" }>
                {mismatch.then_some("The two passwords are not the same.")}
            </p>
        </div>
    }
}
