//! Lockout, license states and "why can't I sign in?" over HTTP against the real router
//! (issue 3 "Done when"; public cases RB-10 and RB-12). Time moves with the test clock and
//! the lifecycle job runs as `hmis-access lifecycle run` would; nothing sleeps.

mod common;

use common::*;
use service::use_cases::Actor;

const DAY: i64 = 86_400;

async fn audit_count(app: &TestApp, action: &str) -> usize {
    app.service.store().audit_actions().await.unwrap().iter().filter(|(a, _)| a == action).count()
}

async fn newest_mail(app: &TestApp, to: &str) -> service::mail::mailbox::MailboxEntry {
    app.service.deliver_due().await.unwrap();
    service::mail::mailbox::list(&app.service.settings().mailbox_dir)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.to == to)
        .expect("an email to that address")
}

async fn login_status(app: &TestApp, user: &str, pw: &str) -> (u16, String) {
    let r = app.post("/login", &[("username", user), ("password", pw)]).await;
    (r.status().as_u16(), body(r).await)
}

#[tokio::test]
async fn locks_after_third_failure_and_the_right_password_then_fails() {
    let app = TestApp::start().await;
    for _ in 0..3 {
        assert_eq!(login_status(&app, "alice", "wrong-password-x").await.0, 401);
    }
    assert!(app.sign_in("alice", ALICE_PW).await.is_none(), "locked: the right password does not sign in");
    let mail = newest_mail(&app, "alice@example.com").await;
    assert_eq!(mail.subject, "Your HMIS account is locked");
    app.service.admin_unlock(&Actor::System, "alice").await.unwrap();
    assert!(app.sign_in("alice", ALICE_PW).await.is_some());
}

#[tokio::test]
async fn rb_10_twenty_parallel_wrong_passwords_check_the_hash_three_times() {
    let app = TestApp::start().await;
    let (real0, dummy0) = app.service.hashing().check_counts();
    let attempts = (0..20).map(|i| {
        let app = &app;
        async move { app.post("/login", &[("username", "alice"), ("password", &format!("wrong-{i}-password"))]).await.status().as_u16() }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let (real, dummy) = app.service.hashing().check_counts();
    assert_eq!(real - real0, 3, "exactly 3 checks against the stored hash");
    assert_eq!(dummy - dummy0, 17, "the rest cost a dummy verification");
    let a = app.service.store().account_by_username("alice").await.unwrap().unwrap();
    assert_eq!(a.failed_attempts, 3);
    assert!(a.locked_at.is_some());
}

#[tokio::test]
async fn rb_10_the_right_password_among_parallel_failures_wins_only_before_the_third() {
    let app = TestApp::start().await;
    let mut futs = Vec::new();
    for i in 0..21 {
        let pw = if i == 10 { ALICE_PW.to_string() } else { format!("wrong-{i}-password") };
        let app = &app;
        futs.push(async move { app.post("/login", &[("username", "alice"), ("password", pw.as_str())]).await.status().as_u16() });
    }
    let statuses = futures::future::join_all(futs).await;
    let succeeded = statuses.iter().filter(|s| **s == 303).count();
    assert!(succeeded <= 1);
    // Replay the audit trail: a success only ever follows fewer than 3 consecutive failures,
    // and at most 3 failures are ever checked in a row.
    let mut streak = 0;
    for (action, _) in app.service.store().audit_actions().await.unwrap() {
        match action.as_str() {
            "sign_in_failed" => {
                streak += 1;
                assert!(streak <= 3, "more than 3 failures checked before the lock");
            }
            "sign_in" => {
                assert!(streak < 3, "signed in after the third failure");
                streak = 0;
            }
            _ => {}
        }
    }
    assert_eq!(streak, 3, "locked at the end");
    assert_eq!(audit_count(&app, "sign_in").await, succeeded);
}

#[tokio::test]
async fn rb_10_five_parallel_right_sign_ins_all_succeed() {
    let app = TestApp::start().await;
    let futs = (0..5).map(|_| async { app.post("/login", &[("username", "bob"), ("password", BOB_PW)]).await.status().as_u16() });
    let statuses = futures::future::join_all(futs).await;
    assert_eq!(statuses, vec![303; 5]);
    assert_eq!(audit_count(&app, "sign_in_failed").await, 0);
}

#[tokio::test]
async fn username_variants_share_one_counter() {
    let app = TestApp::start().await;
    for u in ["alice", "ALICE", " Alice "] {
        assert_eq!(login_status(&app, u, "wrong-password-x").await.0, 401);
    }
    assert!(app.sign_in("alice", ALICE_PW).await.is_none(), "three variants locked one account");
}

#[tokio::test]
async fn rb_12_a_locked_account_and_an_unknown_username_look_the_same() {
    let app = TestApp::start().await;
    for _ in 0..3 {
        login_status(&app, "alice", "wrong-password-x").await;
    }
    let (s1, wrong) = login_status(&app, "alice", "wrong-password-y").await;
    let (s2, right) = login_status(&app, "alice", ALICE_PW).await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(wrong, right, "wrong and right password on a locked account: same page");
    let mut zed = String::new();
    for _ in 0..4 {
        let (s, b) = login_status(&app, "zzzzz", "wrong-password-y").await;
        assert_eq!(s, 401);
        zed = b;
    }
    assert_eq!(wrong.replace("alice", "USER"), zed.replace("zzzzz", "USER"));
    // The unknown name was counted (by HMAC, not by name).
    let key_rows = (app.service.store().count_raw("SELECT COUNT(*) FROM unknown_sign_in").await.unwrap(),);
    assert_eq!(key_rows.0, 1);
}

#[tokio::test]
async fn forgot_password_tells_each_state_privately_and_never_sends_a_working_link() {
    let app = TestApp::start().await;
    for u in ["carol", "dave", "erin"] {
        app.service
            .add_user(service::use_cases::NewUser { username: u, email: &format!("{u}@example.com"), full_name: "", agency: "A", password: Some("Long-Enough-Passphrase 42 kites"), role: "user" }, "test")
            .await
            .unwrap();
    }
    // alice locked, carol inactive (leave), dave expired, erin deleted.
    for _ in 0..3 {
        login_status(&app, "alice", "wrong-password-x").await;
    }
    app.service.admin_inactivate(&Actor::System, "carol").await.unwrap();
    app.service.store().execute_raw("UPDATE account SET expires_at = 1 WHERE username = 'dave'").await.unwrap();
    app.service.admin_delete(&Actor::System, "erin").await.unwrap();
    app.service.deliver_due().await.unwrap();
    let before = app.mail_count().await;
    let mut replies = Vec::new();
    for u in ["alice", "carol", "dave", "erin", "zed"] {
        let r = app.post("/forgot-password", &[("identifier", u)]).await;
        replies.push((r.status(), r.headers().get("location").cloned()));
    }
    assert!(replies.windows(2).all(|w| w[0] == w[1]), "same answer whatever the state: {replies:?}");
    app.service.deliver_due().await.unwrap();
    let mails = service::mail::mailbox::list(&app.service.settings().mailbox_dir).await.unwrap();
    assert_eq!(mails.len(), before + 4, "one email per real account, none for zed");
    let expect = [
        ("alice@example.com", "locked after 3 unsuccessful"),
        ("carol@example.com", "inactivated for a leave of absence"),
        ("dave@example.com", "license expired on"),
        ("erin@example.com", "was deleted"),
    ];
    for (to, says) in expect {
        let m = mails.iter().find(|m| m.to == to && m.subject == "About your HMIS password reset request").unwrap_or_else(|| panic!("no state email to {to}"));
        assert!(m.text.contains(says), "{to}: {}", m.text);
        assert!(!m.text.contains("reset-password?token="), "{to} got a link");
    }
}

#[tokio::test]
async fn a_link_sent_while_active_stops_working_when_the_license_is_inactivated() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    app.service.admin_inactivate(&Actor::System, "alice").await.unwrap();
    let r = app.get(&link).await;
    assert_eq!(r.status(), 410);
}

#[tokio::test]
async fn thirty_one_days_without_sign_in_inactivates_with_a_warning_first() {
    let app = TestApp::start().await;
    assert!(app.sign_in("alice", ALICE_PW).await.is_some());
    app.clock.advance(25 * DAY + 60);
    let r = app.service.run_lifecycle().await.unwrap();
    assert_eq!(r.notices, 2, "alice's warning and bob's (never signed in)");
    let again = app.service.run_lifecycle().await.unwrap();
    assert_eq!((again.transitions, again.notices), (0, 0), "idempotent: no warning twice");
    let warn = newest_mail(&app, "alice@example.com").await;
    assert!(warn.subject.starts_with("Sign in to the HMIS before"), "{}", warn.subject);
    app.clock.advance(6 * DAY);
    let r = app.service.run_lifecycle().await.unwrap();
    assert_eq!(r.transitions, 2);
    let m = newest_mail(&app, "alice@example.com").await;
    assert_eq!(m.subject, "Your HMIS license is now inactive");
    let (s, page) = login_status(&app, "alice", ALICE_PW).await;
    assert_eq!(s, 403);
    assert!(page.contains("Your HMIS license is inactive"));
    assert!(page.contains("Reactivate License"));
    let (s, page) = login_status(&app, "alice", "wrong-password-x").await;
    assert_eq!(s, 401, "a wrong password learns nothing");
    assert!(!page.contains("inactive"));
    app.service.admin_reactivate(&Actor::System, "alice").await.unwrap();
    assert!(app.sign_in("alice", ALICE_PW).await.is_some(), "reactivation restores sign-in");
}

#[tokio::test]
async fn recertification_restores_an_expired_license() {
    let app = TestApp::start().await;
    // Keep alice active all year, then let the license expire.
    for _ in 0..13 {
        app.clock.advance(28 * DAY);
        assert!(app.sign_in("alice", ALICE_PW).await.is_some());
    }
    app.clock.advance(2 * DAY);
    app.service.run_lifecycle().await.unwrap();
    let (s, page) = login_status(&app, "alice", ALICE_PW).await;
    assert_eq!(s, 403, "{page}");
    assert!(page.contains("Your HMIS license has expired"));
    let m = newest_mail(&app, "alice@example.com").await;
    assert_eq!(m.subject, "Your HMIS license has expired");
    let now = app.clock_now();
    app.service.admin_recertify(&Actor::System, "alice", now).await.unwrap();
    assert!(app.sign_in("alice", ALICE_PW).await.is_some());
}

#[tokio::test]
async fn expiry_warnings_come_thirty_and_seven_days_ahead() {
    let app = TestApp::start().await;
    let subjects_to = |app: &TestApp| {
        let dir = app.service.settings().mailbox_dir.clone();
        async move {
            service::mail::mailbox::list(&dir).await.unwrap().into_iter().filter(|m| m.to == "alice@example.com").map(|m| m.subject).collect::<Vec<_>>()
        }
    };
    for _ in 0..12 {
        app.clock.advance(28 * DAY);
        app.sign_in("alice", ALICE_PW).await.unwrap();
    }
    // Day 336: 29 days before expiry.
    app.service.run_lifecycle().await.unwrap();
    app.service.deliver_due().await.unwrap();
    assert!(subjects_to(&app).await.iter().any(|s| s.contains("(30 days)")));
    app.clock.advance(23 * DAY);
    app.sign_in("alice", ALICE_PW).await.unwrap();
    app.service.run_lifecycle().await.unwrap();
    app.service.run_lifecycle().await.unwrap();
    app.service.deliver_due().await.unwrap();
    let s = subjects_to(&app).await;
    assert_eq!(s.iter().filter(|s| s.contains("(7 days)")).count(), 1, "{s:?}");
    assert_eq!(s.iter().filter(|s| s.contains("(30 days)")).count(), 1, "{s:?}");
}

#[tokio::test]
async fn ninety_days_inactive_deletes_the_license_and_frees_the_username() {
    let app = TestApp::start().await;
    app.clock.advance(121 * DAY);
    app.service.run_lifecycle().await.unwrap();
    assert!(app.service.store().account_by_username("bob").await.unwrap().is_none());
    app.service
        .add_user(service::use_cases::NewUser { username: "bob", email: "bob2@example.com", full_name: "", agency: "", password: Some("New-Bobs-Passphrase 88 dunes"), role: "user" }, "test")
        .await
        .expect("the username can be given to a new account");
}

#[tokio::test]
async fn the_client_throttle_answers_before_account_counters() {
    let app = TestApp::start_with(|s| s.client_failure_limit = 4).await;
    for u in ["u1", "u2", "u3", "u4"] {
        assert_eq!(login_status(&app, u, "wrong-password-x").await.0, 401);
    }
    let r = app.post("/login", &[("username", "alice"), ("password", "wrong-password-x")]).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let a = app.service.store().account_by_username("alice").await.unwrap().unwrap();
    assert_eq!(a.failed_attempts, 0, "alice's counter untouched");
    app.clock.advance(15 * 60);
    assert!(app.sign_in("alice", ALICE_PW).await.is_some());
}

/// A parallel burst from one address gets no more passwords checked than the limit: each
/// attempt takes its place in the count before it is hashed (it used to be checked first and
/// counted after, and 200 parallel attempts had 128 checked against a limit of 30).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_parallel_burst_from_one_address_gets_only_the_limit_checked() {
    let app = TestApp::start_with(|s| s.client_failure_limit = 5).await;
    app.csrf().await;
    let names: Vec<String> = (0..40).map(|i| format!("nobody{i}")).collect();
    let burst = names.iter().map(|u| login_status(&app, u, "wrong-password-x"));
    let mut statuses: Vec<u16> = futures::future::join_all(burst).await.into_iter().map(|(s, _)| s).collect();
    statuses.sort_unstable();
    assert_eq!(statuses.iter().filter(|&&s| s == 401).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|&&s| s == 429).count(), 35, "{statuses:?}");
    assert_eq!(app.audit_count("sign_in_unknown").await, 5, "exactly the limit was checked");
}

/// Right passwords do not use up the limit: only failures stay counted.
#[tokio::test]
async fn sign_ins_do_not_count_against_the_client_limit() {
    let app = TestApp::start_with(|s| s.client_failure_limit = 2).await;
    for _ in 0..5 {
        assert!(app.sign_in("alice", ALICE_PW).await.is_some());
    }
    assert_eq!(login_status(&app, "u1", "wrong-password-x").await.0, 401);
    assert_eq!(login_status(&app, "u2", "wrong-password-x").await.0, 401);
    assert_eq!(login_status(&app, "u3", "wrong-password-x").await.0, 429);
}

#[tokio::test]
async fn a_timed_lock_lifts_by_itself_when_configured() {
    let app = TestApp::start_with(|s| s.lockout.duration_secs = Some(900)).await;
    for _ in 0..3 {
        login_status(&app, "alice", "wrong-password-x").await;
    }
    assert!(app.sign_in("alice", ALICE_PW).await.is_none());
    app.clock.advance(900);
    assert!(app.sign_in("alice", ALICE_PW).await.is_some());
}

#[tokio::test]
async fn a_completed_reset_unlocks_only_when_configured() {
    let app = TestApp::start().await;
    for _ in 0..3 {
        login_status(&app, "alice", "wrong-password-x").await;
    }
    app.post("/forgot-password", &[("identifier", "alice")]).await;
    let m = newest_mail(&app, "alice@example.com").await;
    assert!(!m.text.contains("token="), "HMIS default: no link for a locked account");

    let app = TestApp::start_with(|s| s.lockout.reset_unlocks = true).await;
    for _ in 0..3 {
        login_status(&app, "alice", "wrong-password-x").await;
    }
    let link = app.request_link("alice").await;
    assert_eq!(app.reset(&link, "Quiet-Harbor-41 walrus lantern").await.status(), 303);
    assert!(app.sign_in("alice", "Quiet-Harbor-41 walrus lantern").await.is_some());
}

#[tokio::test]
async fn agency_admins_manage_only_their_agency_users() {
    let app = TestApp::start().await;
    let add = |u: &'static str, agency: &'static str, role: &'static str| {
        let svc = app.service.clone();
        async move {
            svc.add_user(service::use_cases::NewUser { username: u, email: &format!("{u}@example.com"), full_name: "", agency, password: Some("Admin-Passphrase 77 harbor kites"), role }, "test").await.unwrap();
        }
    };
    add("aa", "Harbor Shelter", "agency_admin").await;
    add("other", "Elm House", "user").await;
    add("aa2", "Harbor Shelter", "agency_admin").await;
    for _ in 0..3 {
        login_status(&app, "alice", "wrong-password-x").await;
    }
    let aa = Actor::Admin("aa".into());
    app.service.admin_unlock(&aa, "alice").await.expect("same agency user");
    assert!(matches!(app.service.admin_unlock(&aa, "other").await, Err(service::Error::Forbidden(_))));
    assert!(matches!(app.service.admin_delete(&aa, "aa2").await, Err(service::Error::Forbidden(_))));
    assert!(matches!(app.service.admin_unlock(&Actor::Admin("bob".into()), "alice").await, Err(service::Error::Forbidden(_))));
    assert!(app.sign_in("alice", ALICE_PW).await.is_some());
}

#[tokio::test]
async fn an_administrator_one_time_password_unlocks_and_expires_after_a_day() {
    let app = TestApp::start().await;
    for _ in 0..3 {
        login_status(&app, "alice", "wrong-password-x").await;
    }
    let otp = app.service.admin_set_one_time_password(&Actor::System, "alice").await.unwrap();
    let r = app.post("/login", &[("username", "alice"), ("password", &otp)]).await;
    assert_eq!(r.headers()["location"], "/account/password");
    app.clock.advance(DAY);
    let (s, page) = login_status(&app, "alice", &otp).await;
    assert_eq!(s, 403);
    assert!(page.contains("Your one-time password has expired"));
}

#[tokio::test]
async fn changing_the_email_tells_the_old_and_the_new_address() {
    let app = TestApp::start().await;
    let old_link = app.request_link("alice").await;
    app.service.admin_set_email(&Actor::System, "alice", "alice.new@example.org").await.unwrap();
    app.service.deliver_due().await.unwrap();
    let mails = service::mail::mailbox::list(&app.service.settings().mailbox_dir).await.unwrap();
    let old = mails.iter().find(|m| m.to == "alice@example.com" && m.subject.contains("was changed")).expect("old address told");
    assert!(old.text.contains("a***@example.org"));
    assert!(mails.iter().any(|m| m.to == "alice.new@example.org"), "new address told");
    assert_eq!(app.get(&old_link).await.status(), 410, "links sent to the old address stop working");
}

#[tokio::test]
async fn the_help_page_explains_the_five_reasons_and_is_linked_from_sign_in() {
    let app = TestApp::start().await;
    assert!(body(app.get("/login").await).await.contains(r#"href="/help/sign-in""#));
    let page = body(app.get("/help/sign-in").await).await;
    for reason in ["not been created yet", "locked after 3", "license expired", "inactivated", "deleted"] {
        assert!(page.contains(reason), "{reason}");
    }
}

#[tokio::test]
async fn wrong_current_passwords_on_the_change_form_count_toward_the_lockout() {
    let app = TestApp::start().await;
    let cookie = app.sign_in("alice", ALICE_PW).await.unwrap();
    let new = "Quiet-Harbor-41 walrus lantern";
    for i in 0..3 {
        let r = app
            .post_with_cookie("/account/password", &cookie, &[("current_password", &format!("guess-{i}-wrong")), ("new_password", new), ("confirm_password", new)])
            .await;
        assert!(r.status() == 422 || r.status() == 303, "{}", r.status());
    }
    assert_eq!(audit_count(&app, "change_password_wrong_current").await, 3);
    assert_eq!(app.get_with_cookie("/account", &cookie).await.status(), 303, "locked: the session no longer works");
    assert!(app.sign_in("alice", ALICE_PW).await.is_none(), "locked after 3 guesses");
    let m = newest_mail(&app, "alice@example.com").await;
    assert_eq!(m.subject, "Your HMIS account is locked");
}
