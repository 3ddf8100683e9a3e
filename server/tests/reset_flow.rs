//! The forgot-password and reset flow over HTTP against the real router (issue 2 "Done when",
//! and the public cases RB-01, 02, 04, 06, 07, 08, 14, 15, 16, 18, 19, 27).

mod common;

use common::*;

const NEW_PW: &str = "Quiet-Harbor-41 walrus lantern";
const OTHER_PW: &str = "Other-Value-77 pelican compass";

#[tokio::test]
async fn rb_08_forgot_password_answers_identically_for_existing_and_unknown_accounts() {
    let app = TestApp::start().await;
    let mut seen = Vec::new();
    for id in ["alice", "alice@example.com", "zed", "zed@example.com", "zed@example"] {
        let r = app.post("/forgot-password", &[("identifier", id)]).await;
        let mut headers: Vec<(String, String)> = r
            .headers()
            .iter()
            .filter(|(k, _)| k.as_str() != "date")
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        headers.sort();
        let status = r.status();
        seen.push((id, status, headers, body(r).await));
    }
    for w in seen.windows(2) {
        assert_eq!((w[0].1, &w[0].2, &w[0].3), (w[1].1, &w[1].2, &w[1].3), "{} vs {}", w[0].0, w[1].0);
    }
    assert_eq!(seen[0].1, 303);
    let page = body(app.get("/forgot-password/sent").await).await;
    assert!(page.contains("If an account matches, we sent a link to the email address on file. It expires in 15 minutes."));
    // Two existing requests, different identifiers for one account, inside the cooldown: one email.
    app.service.deliver_due().await.unwrap();
    assert_eq!(app.mail_count().await, 1);
}

#[tokio::test]
async fn an_empty_identifier_gets_a_clear_message() {
    let app = TestApp::start().await;
    let r = app.post("/forgot-password", &[("identifier", "   ")]).await;
    assert_eq!(r.status(), 422);
    assert!(body(r).await.contains("Enter your username or email address"));
}

#[tokio::test]
async fn requests_within_the_cooldown_send_one_email() {
    let app = TestApp::start().await;
    for _ in 0..3 {
        app.post("/forgot-password", &[("identifier", "alice")]).await;
        app.clock.advance(5);
    }
    app.service.deliver_due().await.unwrap();
    assert_eq!(app.mail_count().await, 1);
}

#[tokio::test]
async fn rb_01_reset_link_works_once() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    assert_eq!(app.get(&link).await.status(), 200);
    let r = app.reset(&link, NEW_PW).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/reset-password/done");
    let again = app.reset(&link, OTHER_PW).await;
    assert_eq!(again.status(), 410);
    assert!(body(again).await.contains("This link has already been used"));
    assert!(app.sign_in("alice", NEW_PW).await.is_some());
    assert!(app.sign_in("alice", OTHER_PW).await.is_none());
    assert!(app.sign_in("alice", ALICE_PW).await.is_none(), "old password refused");
}

#[tokio::test]
async fn two_parallel_submits_of_one_link_change_the_password_exactly_once() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    let (a, b) = tokio::join!(app.reset(&link, NEW_PW), app.reset(&link, OTHER_PW));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 410]);
    let winner = if a.status() == 303 { NEW_PW } else { OTHER_PW };
    let loser = if a.status() == 303 { OTHER_PW } else { NEW_PW };
    assert!(app.sign_in("alice", winner).await.is_some());
    assert!(app.sign_in("alice", loser).await.is_none());
}

#[tokio::test]
async fn rb_04_older_link_superseded() {
    let app = TestApp::start().await;
    let first = app.request_link("alice").await;
    app.clock.advance(61);
    let second = app.request_link("alice").await;
    assert_ne!(first, second);
    let r = app.get(&first).await;
    assert_eq!(r.status(), 410);
    assert!(body(r).await.contains("A newer link was sent"));
    assert_eq!(app.reset(&second, NEW_PW).await.status(), 303);
    assert_eq!(app.reset(&first, OTHER_PW).await.status(), 410);
    assert!(app.sign_in("alice", NEW_PW).await.is_some());
}

#[tokio::test]
async fn rb_27_expired_link_is_explained_and_refused() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    app.clock.advance(15 * 60);
    let r = app.get(&link).await;
    assert_eq!(r.status(), 410);
    let page = body(r).await;
    assert!(page.contains("This link has expired"));
    assert!(page.contains(r#"href="/forgot-password""#), "offers a new link");
    assert_eq!(app.reset(&link, NEW_PW).await.status(), 410);
    assert!(app.sign_in("alice", ALICE_PW).await.is_some(), "password unchanged");
}

#[tokio::test]
async fn rb_27_random_and_altered_tokens_are_not_valid() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    let mut altered = link.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    for path in ["/reset-password?token=garbage", "/reset-password", altered.as_str(), "/reset-password?token=%00%ff"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 400, "{path}");
        let page = body(r).await;
        assert!(page.contains("This link is not valid"), "{path}");
        assert!(!page.contains("alice"), "never reveals the account");
    }
    assert_eq!(app.get(&link).await.status(), 200, "the real link still works");
}

#[tokio::test]
async fn rb_06_head_and_get_do_not_consume_the_link() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    let head = app.http.head(app.url(&link)).header("user-agent", "HeadlessScanner/1.0").send().await.unwrap();
    assert_eq!(head.status(), 200);
    for _ in 0..2 {
        let r = app.http.get(app.url(&link)).header("user-agent", "Mozilla/5.0 (LinkPreview)").send().await.unwrap();
        assert_eq!(r.status(), 200);
        let page = body(r).await;
        assert!(page.contains("Choose a new password"));
        assert_eq!(page.matches(r#"autocomplete="new-password""#).count(), 2, "RB-24");
    }
    assert_eq!(app.reset(&link, NEW_PW).await.status(), 303);
}

#[tokio::test]
async fn reset_page_is_not_cached_and_sends_no_referrer() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    let r = app.get(&link).await;
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn rb_07_a_request_for_another_host_is_refused_before_the_handler() {
    let app = TestApp::start().await;
    for host in ["evil.example", "app.example.com:evil.example", "app.example.com.evil.example"] {
        let (cookie, _) = app.csrf().await;
        let form = app.with_csrf(&[("identifier", "alice")]).await;
        let r = app.http.post(app.url("/forgot-password")).header("host", host).header("cookie", cookie).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 400, "{host}");
    }
    assert_eq!(app.service.store().pending_message_count().await.unwrap(), 0, "nothing was queued");
    // The public host itself (any case, default port) is served; health checks answer any host.
    let r = app.http.get(app.url("/login")).header("host", "APP.example.com:443").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app.http.get(app.url("/healthz")).header("host", "10.1.2.3:8080").send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn rb_07_forwarded_host_headers_never_change_the_emailed_link() {
    let app = TestApp::start().await;
    for (name, value) in [("x-forwarded-host", "evil.example"), ("forwarded", "host=evil.example"), ("x-forwarded-proto", "http")] {
        let (cookie, _) = app.csrf().await;
        let form = app.with_csrf(&[("identifier", "alice")]).await;
        let r = app.http.post(app.url("/forgot-password")).header(name, value).header("cookie", cookie).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 303, "{name}");
        app.service.deliver_due().await.unwrap();
        app.clock.advance(61);
    }
    let mails = service::mail::mailbox::list(&app.service.settings().mailbox_dir).await.unwrap();
    assert_eq!(mails.len(), 3);
    for m in mails {
        assert!(!m.text.contains("evil"), "{}", m.text);
        assert!(m.links.iter().all(|l| l.starts_with("https://app.example.com/")));
    }
}

#[tokio::test]
async fn rb_16_a_megabyte_password_or_username_is_refused_before_any_hashing() {
    let app = TestApp::start().await;
    let big = "a".repeat(1 << 20);
    let before = app.service.hashing().check_counts();
    for form in [
        vec![("username", "alice"), ("password", big.as_str())],
        vec![("username", big.as_str()), ("password", "x")],
    ] {
        let r = app.post("/login", &form).await;
        assert_eq!(r.status(), 413);
        assert!(body(r).await.contains("That was too long"));
    }
    let r = app.post("/forgot-password", &[("identifier", big.as_str())]).await;
    assert_eq!(r.status(), 413);
    let link = app.request_link("alice").await;
    let r = app.reset(&link, &big).await;
    assert_eq!(r.status(), 413);
    assert_eq!(app.service.hashing().check_counts(), before, "argon2 never ran");
    // Within the body limit but over the policy's 128 characters: "too long", never scored.
    let long = "correct horse ".repeat(300);
    let r = app.reset(&link, &long[..4000]).await;
    assert_eq!(r.status(), 422);
    let page = body(r).await;
    assert!(page.contains("Too long: use at most 128 characters"));
    assert!(!page.contains("Time to guess"), "not scored");
    assert_eq!(app.service.hashing().check_counts(), before);
    assert_eq!(app.get(&link).await.status(), 200, "link still live");
}

#[tokio::test]
async fn rb_18_weak_and_personal_passwords_are_refused_by_the_server() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    for pw in ["password1", "password1234", "AliceSmithExample", "alice@example.com"] {
        let r = app.reset(&link, pw).await;
        assert_eq!(r.status(), 422, "{pw}");
        let page = body(r).await;
        assert!(page.contains("There is a problem"), "{pw}");
        assert!(page.contains("Too short") || page.contains("Too easy to guess"), "{pw}");
        // What was typed comes back, so the person can adjust it (RB-18).
        assert!(page.contains(&format!(r#"value="{}""#, pw.replace('&', "&amp;"))), "{pw} not kept");
    }
    // The two entries must match.
    let token = token_of(&link);
    let r = app.post("/reset-password", &[("token", &token), ("new_password", NEW_PW), ("confirm_password", OTHER_PW)]).await;
    assert_eq!(r.status(), 422);
    assert!(body(r).await.contains("The two new passwords are not the same"));
    // Not the current password.
    let r = app.reset(&link, ALICE_PW).await;
    assert_eq!(r.status(), 422);
    let page = body(r).await;
    assert!(page.contains("same as the current one"));
    assert!(!page.contains(ALICE_PW), "a real password is never written into a page");
    assert_eq!(app.reset(&link, NEW_PW).await.status(), 303);
}

#[tokio::test]
async fn rb_14_nfc_and_nfd_spellings_sign_in_alike() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    let nfc = "V\u{e9}lo-du-matin-12 pelican";
    let nfd = "Ve\u{301}lo-du-matin-12 pelican";
    assert_eq!(app.reset(&link, nfc).await.status(), 303);
    assert!(app.sign_in("alice", nfd).await.is_some());
    assert!(app.sign_in("alice", nfc).await.is_some());
}

#[tokio::test]
async fn rb_15_spaces_are_kept_and_usernames_are_trimmed() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    let spaced = "  quiet  harbor walrus lantern  ";
    assert_eq!(app.reset(&link, spaced).await.status(), 303);
    assert!(app.sign_in("alice", spaced).await.is_some());
    assert!(app.sign_in("alice", spaced.trim()).await.is_none());
    assert!(app.sign_in(" ALICE ", spaced).await.is_some());
}

#[tokio::test]
async fn rb_19_a_reset_ends_every_session_of_the_account() {
    let app = TestApp::start().await;
    let cookie = app.sign_in("alice", ALICE_PW).await.expect("signed in");
    assert_eq!(app.get_with_cookie("/account", &cookie).await.status(), 200);
    let link = app.request_link("alice").await;
    assert_eq!(app.reset(&link, NEW_PW).await.status(), 303);
    let r = app.get_with_cookie("/account", &cookie).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login"));
}

#[tokio::test]
async fn rb_02_changing_the_password_revokes_earlier_links() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    let cookie = app.sign_in("alice", ALICE_PW).await.expect("signed in");
    let r = app
        .post_with_cookie("/account/password", &cookie, &[("current_password", ALICE_PW), ("new_password", NEW_PW), ("confirm_password", NEW_PW)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?notice=password-changed");
    let r = app.get(&link).await;
    assert_eq!(r.status(), 410);
    assert!(body(r).await.contains("This link is no longer valid"));
    assert_eq!(app.reset(&link, OTHER_PW).await.status(), 410);
    assert!(app.sign_in("alice", NEW_PW).await.is_some());
    assert_eq!(app.get_with_cookie("/account", &cookie).await.status(), 303, "session ended by the change");
}

#[tokio::test]
async fn every_password_change_sends_a_notification_email() {
    let app = TestApp::start().await;
    let link = app.request_link("alice").await;
    assert_eq!(app.reset(&link, NEW_PW).await.status(), 303);
    app.service.deliver_due().await.unwrap();
    let subjects = app.subjects().await;
    assert!(subjects.iter().any(|s| s.starts_with("Your HMIS password was changed")), "{subjects:?}");
}

#[tokio::test]
async fn an_email_shared_by_two_accounts_gets_one_message_per_account() {
    let app = TestApp::start().await;
    app.service
        .add_user(service::use_cases::NewUser { username: "alice2", email: "Alice@Example.com", full_name: "", agency: "", password: None, role: "user" }, "test")
        .await
        .unwrap();
    app.post("/forgot-password", &[("identifier", "ALICE@example.com")]).await;
    app.service.deliver_due().await.unwrap();
    let mails = service::mail::mailbox::list(&app.service.settings().mailbox_dir).await.unwrap();
    assert_eq!(mails.len(), 2);
    let mut names: Vec<bool> = mails.iter().map(|m| m.text.contains("\"alice2\"")).collect();
    names.sort();
    assert_eq!(names, [false, true]);
}

#[tokio::test]
async fn at_most_three_reset_emails_per_account_per_fifteen_minutes() {
    let app = TestApp::start().await;
    let mut replies = Vec::new();
    for _ in 0..5 {
        let r = app.post("/forgot-password", &[("identifier", "alice")]).await;
        replies.push((r.status(), r.headers().get("location").cloned()));
        app.service.deliver_due().await.unwrap();
        app.clock.advance(61);
    }
    assert!(replies.windows(2).all(|w| w[0] == w[1]), "same answer every time");
    assert_eq!(app.mail_count().await, 3);
    app.clock.advance(15 * 60);
    app.post("/forgot-password", &[("identifier", "alice")]).await;
    app.service.deliver_due().await.unwrap();
    assert_eq!(app.mail_count().await, 4, "a new window allows more");
}

#[tokio::test]
async fn one_client_address_flooding_forgot_password_gets_429_with_retry_after() {
    let app = TestApp::start_with(|s| s.reset_client_limit = 5).await;
    for i in 0..5 {
        let r = app.post("/forgot-password", &[("identifier", &format!("nobody{i}"))]).await;
        assert_eq!(r.status(), 303);
    }
    let r = app.post("/forgot-password", &[("identifier", "alice")]).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    assert!(body(r).await.contains("Too many attempts"));
    app.service.deliver_due().await.unwrap();
    assert_eq!(app.mail_count().await, 0, "nothing sent for the throttled request");
}

#[tokio::test]
async fn rb_19_a_reset_completed_in_someone_elses_browser_signs_that_person_out() {
    let app = TestApp::start().await;
    let bob = app.sign_in("bob", BOB_PW).await.expect("bob signed in");
    let link = app.request_link("alice").await;
    let token = token_of(&link);
    let r = app
        .post_with_cookie("/reset-password", &bob, &[("token", &token), ("new_password", NEW_PW), ("confirm_password", NEW_PW)])
        .await;
    assert_eq!(r.status(), 303);
    let cleared = r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).any(|v| v.contains("hmis_session=") && v.contains("Max-Age=0"));
    assert!(cleared, "the session cookie is cleared");
    assert_eq!(app.get_with_cookie("/account", &bob).await.status(), 303, "bob's session ended on the server");
    assert!(app.sign_in("alice", NEW_PW).await.is_some());
}

#[tokio::test]
async fn rb_16_a_flood_of_parallel_sign_ins_gets_no_500_and_a_real_user_still_gets_in() {
    let app = TestApp::start_with(|s| {
        s.argon2 = domain::hashing::Cost { m_kib: 4096, t: 2, p: 1 };
        s.hash_workers = 2;
        s.hash_queue = 16;
        s.client_failure_limit = 100_000;
    })
    .await;
    let flood = (0..100).map(|i| {
        let app = &app;
        async move {
            let user = if i % 2 == 0 { format!("ghost{i}") } else { "alice".to_string() };
            app.post("/login", &[("username", user.as_str()), ("password", "wrong-guess-in-flood")]).await.status().as_u16()
        }
    });
    let statuses = futures::future::join_all(flood).await;
    assert!(statuses.iter().all(|s| *s == 401 || *s == 503), "{statuses:?}");
    let busy = statuses.iter().filter(|s| **s == 503).count();
    eprintln!("{busy} of 100 answered 503 (pool full), the rest 401");
    // A real user gets in right after, retrying on 503 as the page says.
    let start = std::time::Instant::now();
    loop {
        if app.sign_in("bob", BOB_PW).await.is_some() {
            break;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "bob could not sign in");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    eprintln!("bob signed in {:?} after the flood", start.elapsed());
}
