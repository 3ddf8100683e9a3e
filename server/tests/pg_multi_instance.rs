//! Several stateless instances on one PostgreSQL database (issue 4): two real `hmis-access`
//! processes, a real SMTP server process (maildev), and the database they share. These tests
//! need PostgreSQL (`HMIS_TEST_POSTGRES`, set by the test command's PostgreSQL pass); without it
//! they fail rather than skip. Their names start with `pg_` so the SQLite pass can leave them
//! out explicitly (`-- --skip pg_`).

mod common;

use std::time::{Duration, Instant};

use common::cluster::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_thirty_wrong_sign_ins_over_two_instances_check_the_hash_at_most_three_times() {
    let smtp = free_port();
    let mail_dir = tempfile::tempdir().unwrap();
    let _maildev = start_maildev(smtp, mail_dir.path());
    let c = Cluster::start(smtp).await;
    c.add_user("alice");
    let attempts = (0..30).map(|i| {
        let c = &c;
        async move { c.post(i, "/login", &[("username", "alice"), ("password", &format!("wrong-{i}-guess"))]).await.status().as_u16() }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    // Every check against the stored hash is audited as a failure (there was no success).
    assert_eq!(c.count("SELECT COUNT(*) FROM audit_event WHERE action = 'sign_in_failed'").await, 3);
    assert_eq!(c.count("SELECT COUNT(*) FROM audit_event WHERE action = 'sign_in'").await, 0);
    assert_eq!(c.count("SELECT COUNT(*) FROM account WHERE username = 'alice' AND locked_at IS NOT NULL AND failed_attempts = 3").await, 1);
    let r = c.post(1, "/login", &[("username", "alice"), ("password", PW)]).await;
    assert_eq!(r.status(), 401, "locked on both instances");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_one_link_submitted_to_both_instances_changes_the_password_once() {
    let smtp = free_port();
    let mail_dir = tempfile::tempdir().unwrap();
    let maildev = start_maildev(smtp, mail_dir.path());
    let c = Cluster::start(smtp).await;
    c.add_user("bob");
    assert_eq!(c.post(0, "/forgot-password", &[("identifier", "bob")]).await.status(), 303);
    let start = Instant::now();
    let token = loop {
        let found = emails(&c.http, &maildev.web).await.iter().find_map(|m| {
            let text = m["text"].as_str().unwrap_or("");
            text.split("token=").nth(1).map(|t| t.chars().take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_').collect::<String>())
        });
        if let Some(t) = found {
            break t;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no reset email arrived");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let a = "First-Winner-Option 11 gulls";
    let b = "Second-Winner-Option 22 terns";
    let fa = [("token", token.as_str()), ("new_password", a), ("confirm_password", a)];
    let fb = [("token", token.as_str()), ("new_password", b), ("confirm_password", b)];
    let (ra, rb) = tokio::join!(c.post(0, "/reset-password", &fa), c.post(1, "/reset-password", &fb));
    let mut s = [ra.status().as_u16(), rb.status().as_u16()];
    s.sort();
    assert_eq!(s, [303, 410]);
    assert_eq!(c.count("SELECT COUNT(*) FROM audit_event WHERE action = 'password_reset'").await, 1);
    let winner = if ra.status() == 303 { a } else { b };
    assert_eq!(c.post(1, "/login", &[("username", "bob"), ("password", winner)]).await.status(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_fifty_reset_emails_from_two_instances_arrive_once_each_even_after_smtp_was_down() {
    let smtp = free_port();
    let c = Cluster::start(smtp).await;
    let names: Vec<String> = (0..50).map(|i| format!("user{i:02}")).collect();
    for n in &names {
        c.add_user(n);
    }
    // SMTP is down while half the requests come in: they answer at once all the same.
    for (i, n) in names.iter().enumerate().take(25) {
        let t = Instant::now();
        assert_eq!(c.post(i, "/forgot-password", &[("identifier", n.as_str())]).await.status(), 303);
        assert!(t.elapsed() < Duration::from_secs(5), "forgot-password waited on SMTP: {:?}", t.elapsed());
    }
    let mail_dir = tempfile::tempdir().unwrap();
    let maildev = start_maildev(smtp, mail_dir.path());
    for (i, n) in names.iter().enumerate().skip(25) {
        assert_eq!(c.post(i, "/forgot-password", &[("identifier", n.as_str())]).await.status(), 303);
    }
    // Failed first attempts are retried after their back-off (10 s, then 20 s).
    let start = Instant::now();
    loop {
        let got = emails(&c.http, &maildev.web).await;
        if got.len() >= 50 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(90), "only {} of 50 emails arrived", got.len());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Let any duplicate show up before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = emails(&c.http, &maildev.web).await;
    let mut to: Vec<String> = got.iter().map(addressed_to).collect();
    to.sort();
    let mut expected: Vec<String> = names.iter().map(|n| format!("{n}@example.com")).collect();
    expected.sort();
    assert_eq!(to, expected, "each address exactly once");
    assert_eq!(c.count("SELECT COUNT(*) FROM outbox_message WHERE sent_at IS NULL").await, 0);
}
