//! Faults on PostgreSQL (issue 4): a server killed with SIGKILL in the middle of a burst of
//! resets leaves no half-done state, and a database restart during traffic gives clean 503s and
//! then recovers without restarting the app. The restart uses a private PostgreSQL cluster made
//! for the test on a free port (never the shared server). Names start with `pg_` (see
//! pg_multi_instance.rs).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::cluster::*;

fn token_in(m: &serde_json::Value) -> Option<String> {
    let text = m["text"].as_str()?;
    let t: String = text.split("token=").nth(1)?.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    Some(t)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_a_server_killed_mid_burst_leaves_no_half_done_reset() {
    let smtp = free_port();
    let mail_dir = tempfile::tempdir().unwrap();
    let maildev = start_maildev(smtp, mail_dir.path());
    // A heavier hash so the burst is still in flight when the process dies.
    let mut c = Cluster::start_with(smtp, 2, &[("HMIS_ARGON2_T", "40")]).await;
    let names: Vec<String> = (0..16).map(|i| format!("k{i:02}")).collect();
    for n in &names {
        c.add_user(n);
        assert_eq!(c.post(1, "/forgot-password", &[("identifier", n.as_str())]).await.status(), 303);
    }
    let start = Instant::now();
    let tokens: Vec<(String, String)> = loop {
        let got = emails(&c.http, &maildev.web).await;
        let found: Vec<(String, String)> = got.iter().filter_map(|m| Some((addressed_to(m), token_in(m)?))).collect();
        if found.len() >= names.len() {
            break found;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "only {} links arrived", found.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // The burst goes to instance 0, which is killed while it runs.
    let base = c.base(0).to_string();
    let http = c.http.clone();
    let (cookie, csrf) = c.csrf().await;
    let burst: Vec<_> = tokens
        .iter()
        .map(|(_, t)| {
            let (http, base, t, cookie, csrf) = (http.clone(), base.clone(), t.clone(), cookie.clone(), csrf.clone());
            tokio::spawn(async move {
                let pw = "Burst-Reset-Passphrase 31 pelicans";
                http.post(format!("{base}/reset-password"))
                    .header("cookie", cookie)
                    .form(&[("token", t.as_str()), ("new_password", pw), ("confirm_password", pw), ("csrf", csrf.as_str())])
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(120)).await;
    let _ = c.instances[0].0 .0.kill(); // SIGKILL
    let _ = c.instances[0].0 .0.wait();
    let mut finished = 0;
    for b in burst {
        if let Ok(Ok(303)) = b.await {
            finished += 1;
        }
    }
    eprintln!("{finished} of {} resets completed before the kill", tokens.len());
    // No consumed link without the password change it belongs to, and no change without its
    // notification: each is one transaction.
    assert_eq!(
        c.count("SELECT COUNT(*) FROM reset_token t JOIN account a ON a.id = t.account_id WHERE t.used_at IS NOT NULL AND (a.password_changed_at IS DISTINCT FROM t.used_at)").await,
        0
    );
    assert_eq!(
        c.count("SELECT COUNT(*) FROM reset_token t WHERE t.used_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox_message o WHERE o.account_id = t.account_id AND o.kind = 'password_changed' AND o.created_at = t.used_at)").await,
        0
    );
    let used = c.count("SELECT COUNT(*) FROM reset_token WHERE used_at IS NOT NULL").await;
    assert!(used >= finished, "every answered reset is stored");
    // Restart the killed instance: links not consumed still work; every account can sign in.
    let port: u16 = base.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
    c.instances[0] = c.spawn_instance(port);
    c.wait_ready(0).await;
    let pw = "Burst-Reset-Passphrase 31 pelicans";
    for (_, t) in &tokens {
        let r = c.post(0, "/reset-password", &[("token", t.as_str()), ("new_password", pw), ("confirm_password", pw)]).await;
        assert!(r.status() == 303 || r.status() == 410, "{}", r.status());
    }
    assert_eq!(c.count("SELECT COUNT(*) FROM reset_token WHERE used_at IS NOT NULL").await, tokens.len() as i64);
    for n in &names {
        assert_eq!(c.post(1, "/login", &[("username", n.as_str()), ("password", pw)]).await.status(), 303, "{n}");
    }
}

/// A private PostgreSQL cluster in a temporary folder, run as the `postgres` user (PostgreSQL
/// refuses to run as root).
struct PrivatePg {
    dir: tempfile::TempDir,
    port: u16,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

fn as_postgres(args: &[&str]) -> std::process::Output {
    let out = Command::new("runuser").args(["-u", "postgres", "--"]).args(args).output().expect("runuser");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

impl PrivatePg {
    fn start() -> PrivatePg {
        let dir = tempfile::tempdir().expect("dir");
        let status = Command::new("chown").args(["-R", "postgres", &dir.path().display().to_string()]).status().expect("chown");
        assert!(status.success());
        let data = dir.path().join("data");
        as_postgres(&[&format!("{PG_BIN}/initdb"), "-D", &data.display().to_string(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        let pg = PrivatePg { dir, port: free_port() };
        pg.ctl("start");
        pg
    }

    fn ctl(&self, what: &str) {
        let data = self.dir.path().join("data").display().to_string();
        let log = self.dir.path().join("pg.log").display().to_string();
        let opts = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.dir.path().display());
        match what {
            "start" => as_postgres(&[&format!("{PG_BIN}/pg_ctl"), "-D", &data, "-o", &opts, "-l", &log, "-w", "start"]),
            _ => as_postgres(&[&format!("{PG_BIN}/pg_ctl"), "-D", &data, "-m", "fast", "-w", "stop"]),
        };
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        let _ = Command::new("runuser").args(["-u", "postgres", "--", &format!("{PG_BIN}/pg_ctl"), "-D", &data, "-m", "immediate", "stop"]).output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_a_database_restart_gives_clean_errors_then_recovers_without_restarting_the_app() {
    let pg = PrivatePg::start();
    let smtp = free_port();
    let c = Cluster::start_on(tempfile::tempdir().unwrap(), pg.url(), smtp, 1, &[]).await;
    c.add_user("alice");
    assert_eq!(c.post(0, "/login", &[("username", "alice"), ("password", PW)]).await.status(), 303);

    pg.ctl("stop");
    let t = Instant::now();
    let r = c.post(0, "/login", &[("username", "alice"), ("password", PW)]).await;
    assert_eq!(r.status(), 503, "a clean error while the database is down");
    assert!(r.headers().get("retry-after").is_some());
    assert!(r.text().await.unwrap().contains("briefly unavailable"));
    eprintln!("answer while the database was down took {:?}", t.elapsed());
    assert_eq!(c.http.get(format!("{}/readyz", c.base(0))).send().await.unwrap().status(), 503);
    assert_eq!(c.http.get(format!("{}/healthz", c.base(0))).send().await.unwrap().status(), 200, "the process itself is up");

    pg.ctl("start");
    let start = Instant::now();
    loop {
        let s = c.post(0, "/login", &[("username", "alice"), ("password", PW)]).await.status();
        if s == 303 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no recovery: {s}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(c.http.get(format!("{}/readyz", c.base(0))).send().await.unwrap().status(), 200);
    eprintln!("recovered {:?} after the database came back", start.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_sigterm_finishes_the_request_in_flight_then_exits_cleanly() {
    let smtp = free_port();
    // A slow hash keeps the sign-in in flight when SIGTERM arrives.
    let mut c = Cluster::start_with(smtp, 1, &[("HMIS_ARGON2_T", "4000")]).await;
    c.add_user("alice");
    let base = c.base(0).to_string();
    let http = c.http.clone();
    let (cookie, csrf) = c.csrf().await;
    let in_flight = tokio::spawn(async move {
        http.post(format!("{base}/login"))
            .header("cookie", cookie)
            .form(&[("username", "alice"), ("password", PW), ("csrf", csrf.as_str())])
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let pid = c.instances[0].0 .0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let t = Instant::now();
    let answered = in_flight.await.expect("task");
    eprintln!("the request finished {:?} after SIGTERM", t.elapsed());
    assert_eq!(answered.ok(), Some(303), "the request in flight was finished, not dropped");
    let status = c.instances[0].0 .0.wait().expect("exit status");
    assert!(status.success(), "clean exit after SIGTERM: {status:?}");
}
