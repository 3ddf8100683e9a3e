//! The pages render to complete HTML with the accessibility and autofill hints they promise.

use app::pages::{forgot, login, reset};
use domain::password::{Policy, UserInputs};

#[test]
fn login_page_has_autofill_hints_and_no_wasm() {
    let html = login::page(login::LoginView::default()).render();
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\">"), "{html}");
    for needle in [
        r#"autocomplete="username""#,
        r#"autocomplete="current-password""#,
        r#"autocapitalize="none""#,
        r#"autocorrect="off""#,
        r#"spellcheck="false""#,
        r#"href="/forgot-password""#,
        r#"<label for="username">"#,
    ] {
        assert!(html.contains(needle), "missing {needle} in {html}");
    }
    assert!(!html.contains("meter.js"), "the sign-in page must not load the meter");
    assert!(!html.contains("maxlength"));
}

#[test]
fn login_errors_are_escaped_and_announced() {
    let html = login::page(login::LoginView {
        username: "<script>alert(1)</script>".into(),
        errors: vec![login::INVALID_CREDENTIALS.into()],
        ..Default::default()
    })
    .render();
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains(r#"role="alert""#));
}

#[test]
fn reset_form_loads_the_meter_and_never_prefills_passwords() {
    let html = reset::form_page(reset::ResetFormView {
        token: "T".repeat(43),
        username: "alice".into(),
        inputs: UserInputs { username: "alice".into(), ..Default::default() },
        policy: Policy::default(),
        errors: vec![],
        report: None,
        mismatch: false,
        typed: None,
        csrf: "tok".into(),
    })
    .render();
    assert!(html.contains("meter.js"));
    assert_eq!(html.matches(r#"autocomplete="new-password""#).count(), 2);
    assert!(html.contains(r#"autocomplete="username""#));
    assert!(html.contains("data-user-inputs"));
    assert!(!html.contains("maxlength"));
}

#[test]
fn forgot_confirmation_is_the_documented_sentence() {
    assert_eq!(
        forgot::confirmation_text(15),
        "If an account matches, we sent a link to the email address on file. It expires in 15 minutes. Check your Spam/Junk folder if it is not in your inbox."
    );
}
