//! Email delivery faults: a silent SMTP server never holds up a request (RB-26), and failed
//! deliveries are kept and retried with back-off, never lost.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// A TCP listener that accepts connections and never says anything (no SMTP greeting).
async fn silent_smtp() -> (u16, tokio::task::JoinHandle<()>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let h = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s); // keep the socket open and silent
        }
    });
    (port, h)
}

#[tokio::test]
async fn rb_26_a_silent_smtp_server_never_delays_the_answer_and_the_mail_is_retried() {
    let (port, _h) = silent_smtp().await;
    let app = TestApp::start_with(|s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        s.smtp_timeout = Duration::from_millis(800);
    })
    .await;
    for id in ["alice", "bob", "zed", "alice@example.com"] {
        let t = Instant::now();
        let r = app.post("/forgot-password", &[("identifier", id)]).await;
        assert_eq!(r.status(), 303);
        // Recorded, not asserted tightly: the request only queues (no SMTP wait).
        eprintln!("forgot-password for {id}: {:?}", t.elapsed());
    }
    let t = Instant::now();
    let sent = app.service.deliver_due().await.unwrap();
    assert_eq!(sent, 0);
    assert!(t.elapsed() < Duration::from_secs(10), "the send timeout bounds the worker: {:?}", t.elapsed());
    // Nothing lost: both queued messages are still pending, to be retried later.
    assert_eq!(app.service.store().pending_message_count().await.unwrap(), 2);
    // Not due again until the back-off has passed.
    assert_eq!(app.service.deliver_due().await.unwrap(), 0);
}

#[tokio::test]
async fn queued_mail_is_delivered_once_the_transport_works_again() {
    let app = TestApp::start().await;
    app.post("/forgot-password", &[("identifier", "alice")]).await;
    app.post("/forgot-password", &[("identifier", "bob")]).await;
    // The worker first turns the two requests into two queued emails.
    assert_eq!(app.service.resolve_reset_requests().await.unwrap(), 2);
    assert_eq!(app.service.store().pending_message_count().await.unwrap(), 2);
    // Make the mailbox unwritable: delivery fails and the messages stay queued.
    let mailbox = app.service.settings().mailbox_dir.clone();
    std::fs::write(&mailbox, b"not a folder").unwrap();
    assert_eq!(app.service.deliver_due().await.unwrap(), 0);
    assert_eq!(app.service.store().pending_message_count().await.unwrap(), 2);
    std::fs::remove_file(&mailbox).unwrap();
    app.clock.advance(3600);
    assert_eq!(app.service.deliver_due().await.unwrap(), 2);
    assert_eq!(app.mail_count().await, 2);
    assert_eq!(app.service.store().pending_message_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_message_that_keeps_failing_goes_dead_and_the_operator_can_retry_it() {
    let app = TestApp::start_with(|s| s.outbox_max_attempts = 2).await;
    let mailbox = app.service.settings().mailbox_dir.clone();
    std::fs::write(&mailbox, b"not a folder").unwrap();
    app.post("/forgot-password", &[("identifier", "alice")]).await;
    for _ in 0..2 {
        assert_eq!(app.service.deliver_due().await.unwrap(), 0);
        app.clock.advance(3600);
    }
    let dead = app.service.store().outbox_listing(true).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].last_error.as_deref().unwrap_or("").contains("mailbox"));
    assert_eq!(app.service.store().pending_message_count().await.unwrap(), 0);
    std::fs::remove_file(&mailbox).unwrap();
    assert_eq!(app.service.store().retry_dead(None, app.clock_now()).await.unwrap(), 1);
    assert_eq!(app.service.deliver_due().await.unwrap(), 1);
    assert_eq!(app.mail_count().await, 1);
}
