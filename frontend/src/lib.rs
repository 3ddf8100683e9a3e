//! The strength-meter module: `domain`'s password policy with zxcvbn, exported to JavaScript.
//! It runs in a Web Worker (`public/js/meter-worker.js`) on pages that choose a new password, so
//! scoring never blocks typing and the sign-in page never downloads it.
//!
//! Must not depend on anything server-side (argon2, sqlx, lettre, tokio): it is the same policy
//! code the server runs, compiled for the browser, so both give the same verdict.

use domain::password::{evaluate as evaluate_policy, Policy, Report, UserInputs};
use wasm_bindgen::prelude::wasm_bindgen;

/// Scores `password` for the person described by `inputs_json` under `policy_json` (both as the
/// server rendered them into the page) and returns a `domain::password::Report` as JSON.
/// Malformed JSON falls back to defaults rather than failing: the server re-checks anyway.
#[wasm_bindgen]
pub fn evaluate(password: &str, inputs_json: &str, policy_json: &str) -> String {
    report_json(password, inputs_json, policy_json)
}

/// Native twin of `evaluate`, for tests.
pub fn report_json(password: &str, inputs_json: &str, policy_json: &str) -> String {
    let inputs: UserInputs = serde_json::from_str(inputs_json).unwrap_or_default();
    let policy: Policy = serde_json::from_str(policy_json).unwrap_or_default();
    let report = Report::from(evaluate_policy(&policy, password, &inputs));
    serde_json::to_string(&report).unwrap_or_else(|_| "{}".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_round_trips_through_json() {
        let json = report_json("password1234", r#"{"username":"alice","email":"","full_name":"","agency":""}"#, "{}");
        let r: Report = serde_json::from_str(&json).unwrap();
        assert!(!r.acceptable);
        assert_eq!(r.problems[0], "Too easy to guess.");
    }

    #[test]
    fn bad_json_falls_back_to_the_default_policy() {
        let r: Report = serde_json::from_str(&report_json("x", "nope", "nope")).unwrap();
        assert!(r.verdict.too_short);
        assert_eq!(r.verdict.min_chars, Policy::default().min_chars);
    }
}
