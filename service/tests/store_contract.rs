//! The storage contract: the atomic primitives every use case relies on, checked under real
//! concurrency on the configured backend. The test command runs this suite twice: on SQLite,
//! and on PostgreSQL with `HMIS_TEST_POSTGRES` set (unreachable PostgreSQL fails, never skips).

use domain::license::License;
use service::store::account::NewAccount;
use service::store::{jobs, outbox, reset_token, Store};

async fn fresh_store(dir: &tempfile::TempDir) -> Store {
    let url = match std::env::var("HMIS_TEST_POSTGRES") {
        Ok(base) if !base.is_empty() => {
            use sqlx::Connection;
            let schema = format!("c_{}_{}", std::process::id(), dir.path().file_name().and_then(|n| n.to_str()).unwrap_or("x").replace(|c: char| !c.is_ascii_alphanumeric(), "").to_lowercase());
            let mut admin = sqlx::PgConnection::connect(&base).await.unwrap_or_else(|e| panic!("PostgreSQL unreachable: {e}"));
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&mut admin).await.expect("schema");
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}options=-c%20search_path%3D{schema}")
        }
        _ => format!("sqlite:{}", dir.path().join("c.db").display()),
    };
    Store::connect(&url).await.expect("store")
}

async fn account(store: &Store, name: &str) -> i64 {
    store
        .insert_account(NewAccount {
            username: name,
            username_folded: name,
            email: "x@example.com",
            email_folded: "x@example.com",
            full_name: "",
            agency: "",
            role: "user",
            password_hash: Some("$argon2id$placeholder"),
            one_time_password_expires_at: None,
            license: License::new(&Default::default(), 1000),
            now: 1000,
        })
        .await
        .expect("insert")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reset_token_is_consumed_exactly_once_under_concurrency() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let id = account(&store, "alice").await;
    let mut tx = store.begin_write().await.unwrap();
    reset_token::issue(&mut tx.conn(), id, "h1", 1000, 900).await.unwrap();
    tx.commit().await.unwrap();
    let attempts = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.begin_write().await.unwrap();
            let won = reset_token::consume(&mut tx.conn(), "h1", 1100).await.unwrap();
            tx.commit().await.unwrap();
            won
        })
    });
    let wins = futures_count(attempts).await;
    assert_eq!(wins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issuing_supersedes_older_tokens_and_expiry_is_respected() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let id = account(&store, "alice").await;
    let mut tx = store.begin_write().await.unwrap();
    reset_token::issue(&mut tx.conn(), id, "old", 1000, 900).await.unwrap();
    reset_token::issue(&mut tx.conn(), id, "new", 1010, 900).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.token_by_hash("old").await.unwrap().unwrap().problem(1020), Some(service::TokenProblem::Superseded));
    assert_eq!(store.token_by_hash("new").await.unwrap().unwrap().problem(1020), None);
    assert_eq!(store.token_by_hash("new").await.unwrap().unwrap().problem(1910), Some(service::TokenProblem::Expired));
    let mut tx = store.begin_write().await.unwrap();
    assert!(!reset_token::consume(&mut tx.conn(), "new", 1910).await.unwrap(), "expired tokens are not consumed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_reset_cooldown_is_taken_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let id = account(&store, "alice").await;
    let tries = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.take_reset_cooldown(id, 2000, 60).await.unwrap() })
    });
    assert_eq!(futures_count(tries).await, 1);
    assert!(store.take_reset_cooldown(id, 2061, 60).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limit_hits_are_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let hits = (0..20).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.rate_hit("ip:1", 5000, 900).await.unwrap() })
    });
    let mut counts = Vec::new();
    for h in hits {
        counts.push(h.await.unwrap());
    }
    counts.sort();
    assert_eq!(counts, (1..=20).collect::<Vec<i64>>());
    assert_eq!(store.rate_hits("ip:1", 5001, 900).await.unwrap(), 20);
}

#[tokio::test]
async fn a_rate_hit_given_back_leaves_the_count_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    store.rate_hit("ip:1", 5000, 900).await.unwrap();
    store.rate_hit("ip:1", 5000, 900).await.unwrap();
    store.rate_unhit("ip:1", 5010, 900).await.unwrap();
    assert_eq!(store.rate_hits("ip:1", 5000, 900).await.unwrap(), 1);
    // Another bucket and another window are not touched; nothing goes below zero.
    store.rate_unhit("ip:2", 5000, 900).await.unwrap();
    store.rate_unhit("ip:1", 5000 + 900, 900).await.unwrap();
    assert_eq!(store.rate_hits("ip:1", 5000, 900).await.unwrap(), 1);
    store.rate_unhit("ip:1", 5000, 900).await.unwrap();
    store.rate_unhit("ip:1", 5000, 900).await.unwrap();
    assert_eq!(store.rate_hits("ip:1", 5000, 900).await.unwrap(), 0);
    assert_eq!(store.rate_hit("ip:1", 5000, 900).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outbox_messages_are_claimed_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let id = account(&store, "alice").await;
    let mut tx = store.begin_write().await.unwrap();
    for i in 0..10 {
        outbox::enqueue(&mut tx.conn(), &format!("<m{i}@x>"), "password_changed", id, "x@example.com", 100).await.unwrap();
    }
    tx.commit().await.unwrap();
    let workers = (0..4).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(row) = store.claim_due_message(200, 120).await.unwrap() {
                got.push(row.message_id);
            }
            got
        })
    });
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 10, "every message claimed exactly once");
    // A claim lapses after its lease: a crashed worker's message is picked up again.
    assert!(store.claim_due_message(321, 120).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lease_has_one_holder_and_a_notice_is_claimed_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let id = account(&store, "alice").await;
    let leases = (0..6).map(|i| {
        let store = store.clone();
        tokio::spawn(async move { store.take_lease("job", &format!("h{i}"), 100, 700).await.unwrap() })
    });
    assert_eq!(futures_count(leases).await, 1);
    assert!(store.take_lease("job", "late", 701, 1300).await.unwrap(), "an expired lease can be taken");
    let mut tx = store.begin_write().await.unwrap();
    assert!(jobs::claim_notice(&mut tx.conn(), id, "inactivity:1", 100).await.unwrap());
    assert!(!jobs::claim_notice(&mut tx.conn(), id, "inactivity:1", 101).await.unwrap());
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_shared_secret_is_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let a = store.secret("k", || Ok("first".into())).await.unwrap();
    let b = store.secret("k", || Ok("second".into())).await.unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("first", "first"));
}

async fn futures_count(handles: impl Iterator<Item = tokio::task::JoinHandle<bool>>) -> usize {
    let mut n = 0;
    for h in handles {
        if h.await.unwrap() {
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn rb_21_a_changed_migration_stops_start_up_with_a_clear_message() {
    // The check is sqlx's own and the same on both backends; shown here on SQLite.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("m.db").display());
    let store = Store::connect(&url).await.unwrap();
    // Simulate a CRLF checkout of an already-applied migration: its checksum no longer matches.
    store.execute_raw("UPDATE _sqlx_migrations SET checksum = X'00' WHERE version = 1").await.unwrap();
    drop(store);
    let err = Store::connect(&url).await.expect_err("start-up must stop");
    let msg = format!("{err}: {}", std::error::Error::source(&err).map(|s| s.to_string()).unwrap_or_default());
    assert!(msg.contains("migration 1") && msg.contains("modified"), "{msg}");
    assert!(msg.contains("LF line endings") && msg.contains("Nothing was changed"), "says what happened and what to do: {msg}");
}
