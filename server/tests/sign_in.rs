//! Sign-in, sessions and the account pages over HTTP against the real router.

mod common;

use common::*;

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_page_and_one_hash_check_each() {
    let app = TestApp::start().await;
    let (real0, dummy0) = app.service.hashing().check_counts();
    let a = app.post("/login", &[("username", "alice"), ("password", "wrong-password-here")]).await;
    let z = app.post("/login", &[("username", "zzzzz"), ("password", "wrong-password-here")]).await;
    assert_eq!(a.status(), 401);
    assert_eq!(z.status(), 401);
    let (a, z) = (body(a).await, body(z).await);
    // The only difference is the username echoed back into its field.
    assert_eq!(a.replace("alice", "USER"), z.replace("zzzzz", "USER"));
    assert!(a.contains("The username or password is not right"));
    assert_eq!(app.service.hashing().check_counts(), (real0 + 1, dummy0 + 1));
}

#[tokio::test]
async fn sign_in_sets_a_hardened_session_cookie_and_leads_to_the_account() {
    let app = TestApp::start().await;
    let r = app.post("/login", &[("username", "alice"), ("password", ALICE_PW)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account");
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    // https public URL: __Host- prefix and Secure.
    assert!(set.starts_with("__Host-hmis_session="), "{set}");
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(set.contains(attr), "{attr} missing in {set}");
    }
    let cookie = set.split(';').next().unwrap();
    let page = body(app.get_with_cookie("/account", cookie).await).await;
    assert!(page.contains("Signed in as <strong>Alice Smith</strong>"), "{page}");
    assert!(page.contains(r#"href="/account/password""#));
}

#[tokio::test]
async fn next_goes_only_to_same_origin_paths() {
    let app = TestApp::start().await;
    let r = app.post("/login?next=/account/password", &[("username", "alice"), ("password", ALICE_PW)]).await;
    assert_eq!(r.headers()["location"], "/account/password");
    for evil in ["//evil.example", "https://evil.example/x", "/%5Cevil.example"] {
        let r = app.post(&format!("/login?next={evil}"), &[("username", "alice"), ("password", ALICE_PW)]).await;
        assert_eq!(r.headers()["location"], "/account", "{evil}");
    }
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let app = TestApp::start().await;
    let cookie = app.sign_in("alice", ALICE_PW).await.unwrap();
    let r = app.post_with_cookie("/logout", &cookie, &[]).await;
    assert_eq!(r.status(), 303);
    // Replaying the old cookie does not work: the session is revoked, not just forgotten.
    assert_eq!(app.get_with_cookie("/account", &cookie).await.status(), 303);
}

#[tokio::test]
async fn sessions_end_after_the_idle_timeout() {
    let app = TestApp::start().await;
    let cookie = app.sign_in("alice", ALICE_PW).await.unwrap();
    app.clock.advance(29 * 60);
    assert_eq!(app.get_with_cookie("/account", &cookie).await.status(), 200);
    app.clock.advance(31 * 60);
    assert_eq!(app.get_with_cookie("/account", &cookie).await.status(), 303);
}

#[tokio::test]
async fn a_one_time_password_forces_a_change_at_first_sign_in() {
    let app = TestApp::start().await;
    let added = app
        .service
        .add_user(service::use_cases::NewUser { username: "carol", email: "carol@example.com", full_name: "Carol", agency: "", password: None, role: "user" }, "test")
        .await
        .unwrap();
    let otp = added.one_time_password.expect("generated");
    let r = app.post("/login", &[("username", "carol"), ("password", &otp)]).await;
    assert_eq!(r.headers()["location"], "/account/password");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_eq!(app.get_with_cookie("/account", &cookie).await.headers()["location"], "/account/password");
    let page = body(app.get_with_cookie("/account/password", &cookie).await).await;
    assert!(page.contains("You signed in with a one-time password"));
    let new = "Carols-Own-Lighthouse-58 maple";
    let r = app
        .post_with_cookie("/account/password", &cookie, &[("current_password", &otp), ("new_password", new), ("confirm_password", new)])
        .await;
    assert_eq!(r.status(), 303);
    let r = app.post("/login", &[("username", "carol"), ("password", new)]).await;
    assert_eq!(r.headers()["location"], "/account");
}

#[tokio::test]
async fn change_password_refuses_a_wrong_current_password() {
    let app = TestApp::start().await;
    let cookie = app.sign_in("alice", ALICE_PW).await.unwrap();
    let new = "Quiet-Harbor-41 walrus lantern";
    let r = app
        .post_with_cookie("/account/password", &cookie, &[("current_password", "not-it-at-all"), ("new_password", new), ("confirm_password", new)])
        .await;
    assert_eq!(r.status(), 422);
    assert!(body(r).await.contains("The current password is not right"));
    assert!(app.sign_in("alice", ALICE_PW).await.is_some());
}

#[tokio::test]
async fn a_cross_site_form_post_is_refused() {
    let app = TestApp::start().await;
    let (cookie, _) = app.csrf().await;
    let form = app.with_csrf(&[("username", "alice"), ("password", ALICE_PW)]).await;
    let r = app.http.post(app.url("/login")).header("origin", "https://evil.example").header("cookie", &cookie).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = app.http.post(app.url("/login")).header("origin", "https://app.example.com").header("cookie", &cookie).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_before_the_handler() {
    let app = TestApp::start().await;
    let (cookie, token) = app.csrf().await;
    let base = [("username", "alice"), ("password", ALICE_PW)];
    // No cookie, no field: a forged cross-site form.
    let r = app.http.post(app.url("/login")).form(&base).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(body(r).await.contains("This form has expired"));
    // The cookie but a wrong field; the field but no cookie; another browser's cookie.
    let mut wrong = base.to_vec();
    wrong.push(("csrf", "0000"));
    assert_eq!(app.http.post(app.url("/login")).header("cookie", &cookie).form(&wrong).send().await.unwrap().status(), 403);
    let mut right = base.to_vec();
    right.push(("csrf", token.as_str()));
    assert_eq!(app.http.post(app.url("/login")).form(&right).send().await.unwrap().status(), 403);
    let other = format!("{}={}", cookie.split('=').next().unwrap(), "B".repeat(43));
    assert_eq!(app.http.post(app.url("/login")).header("cookie", other).form(&right).send().await.unwrap().status(), 403);
    assert_eq!(app.audit_count("sign_in_failed").await + app.audit_count("sign_in").await, 0, "no handler ran");
    assert_eq!(app.http.post(app.url("/login")).header("cookie", &cookie).form(&right).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn unknown_pages_and_garbled_forms_get_pages_not_raw_errors() {
    let app = TestApp::start().await;
    let r = app.get("/nope").await;
    assert_eq!(r.status(), 404);
    assert!(body(r).await.contains("Page not found"));
    let (cookie, token) = app.csrf().await;
    let r = app
        .http
        .post(app.url("/login"))
        .header("content-type", "text/plain")
        .header("cookie", cookie)
        .body(format!("csrf={token}&username=alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(body(r).await.contains("The form could not be read"));
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let app = TestApp::start().await;
    let r = app.get("/login").await;
    assert!(r.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    let plain = TestApp::start_with(|s| s.public_url = url::Url::parse("http://127.0.0.1:9/").unwrap()).await;
    assert!(plain.get("/login").await.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::start().await;
    assert_eq!(body(app.get("/healthz").await).await, "ok");
    assert_eq!(body(app.get("/readyz").await).await, "ready");
}

#[tokio::test]
async fn dev_mailbox_is_absent_outside_local_mode() {
    let app = TestApp::start_with(|s| {
        s.dev = false;
        s.smtp_url = Some("smtp://127.0.0.1:9".to_string().into());
    })
    .await;
    assert_eq!(app.get("/dev/mailbox").await.status(), 404);
    let dev = TestApp::start().await;
    assert_eq!(dev.get("/dev/mailbox").await.status(), 200);
}

#[tokio::test]
async fn the_account_page_lists_sessions_and_signs_out_everywhere_else() {
    let app = TestApp::start().await;
    let phone = app.sign_in("alice", ALICE_PW).await.unwrap();
    let desk = app.sign_in("alice", ALICE_PW).await.unwrap();
    let page = body(app.get_with_cookie("/account", &desk).await).await;
    assert_eq!(page.matches("<li data-this-device").count(), 2, "{page}");
    assert!(page.contains("This device"));
    assert!(page.contains("Sign out everywhere else"));
    let r = app.post_with_cookie("/account/sessions/sign-out-others", &desk, &[]).await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(app.get_with_cookie("/account", &phone).await.status(), 303, "the other session ended on the server");
    let page = body(app.get_with_cookie(&to, &desk).await).await;
    assert!(page.contains("Every other device has been signed out."));
    assert_eq!(page.matches("<li data-this-device").count(), 1);
}

#[tokio::test]
async fn with_a_pepper_new_hashes_carry_it_and_sign_in_works() {
    let app = TestApp::start_with(|s| s.password_pepper = Some("a-pepper-kept-outside-the-database".to_string().into())).await;
    let a = app.service.store().account_by_username("alice").await.unwrap().unwrap();
    assert!(a.password_hash.unwrap().contains("keyid="), "the hash records the pepper's key id");
    assert!(app.sign_in("alice", ALICE_PW).await.is_some());
    assert!(app.sign_in("bob", "not-bobs-password").await.is_none());
}

#[tokio::test]
async fn framework_errors_and_odd_paths_get_pages_in_the_apps_layout() {
    let app = TestApp::start().await;
    for (method, path, status) in [
        ("GET", "/reset-password?token=a&token=b".to_string(), 400),
        ("GET", "/login?next=/a&next=/b".to_string(), 400),
        ("GET", "/logout".to_string(), 405),
        ("DELETE", "/login".to_string(), 405),
        ("GET", format!("/{}", "a".repeat(256)), 404),
        ("GET", format!("/pkg/{}", "b".repeat(300)), 404),
    ] {
        let r = app.http.request(method.parse().unwrap(), app.url(&path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{method} {}", &path[..path.len().min(40)]);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{method} {path}");
        let page = body(r).await;
        assert!(page.contains("<h1>") && page.contains("Go to sign in"), "{page}");
    }
}
