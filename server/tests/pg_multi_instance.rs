//! Several stateless instances on one PostgreSQL database (issue 4): two real `hmis-access`
//! processes, a real SMTP server process (maildev), and the database they share. These tests
//! need PostgreSQL (`HMIS_TEST_POSTGRES`, set by the test command's PostgreSQL pass); without it
//! they fail rather than skip. Their names start with `pg_` so the SQLite pass can leave them
//! out explicitly (`-- --skip pg_`).

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PW: &str = "Shared-Instance-Passphrase 53 otters";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Maildev {
    _child: Killed,
    smtp: u16,
    web: String,
}

fn start_maildev(smtp: u16, dir: &std::path::Path) -> Maildev {
    let bin = repo_root().join("end2end/node_modules/.bin/maildev");
    assert!(bin.exists(), "{} is missing: scripts/test installs it (npm ci in end2end)", bin.display());
    let web = free_port();
    let child = Command::new(bin)
        .args(["--smtp", &smtp.to_string(), "--web", &web.to_string(), "--ip", "127.0.0.1", "--web-ip", "127.0.0.1"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("maildev starts");
    let m = Maildev { _child: Killed(child), smtp, web: format!("http://127.0.0.1:{web}") };
    wait_until(Duration::from_secs(20), || std::net::TcpStream::connect(("127.0.0.1", smtp)).is_ok() && std::net::TcpStream::connect(("127.0.0.1", web)).is_ok());
    m
}

fn wait_until(limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "timed out after {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Cluster {
    dir: tempfile::TempDir,
    db_url: String,
    smtp_port: u16,
    instances: Vec<(Killed, String)>,
    http: reqwest::Client,
}

fn hmis_env(cmd: &mut Command, db_url: &str, smtp: u16, public: &str) {
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HMIS_DATABASE_URL", db_url)
        .env("HMIS_PUBLIC_URL", public)
        .env("HMIS_SMTP_URL", format!("smtp://127.0.0.1:{smtp}"))
        .env("HMIS_ARGON2_M_KIB", "256")
        .env("HMIS_ARGON2_T", "1")
        .env("HMIS_CLIENT_FAILURE_LIMIT", "1000")
        .env("HMIS_SMTP_TIMEOUT", "3s")
        .env("HMIS_LOG", "warn");
}

impl Cluster {
    async fn start(smtp_port: u16) -> Cluster {
        assert!(
            std::env::var("HMIS_TEST_POSTGRES").is_ok_and(|v| !v.is_empty()),
            "the multi-instance tests need PostgreSQL: set HMIS_TEST_POSTGRES (scripts/test does)"
        );
        let dir = tempfile::tempdir().expect("dir");
        let db_url = common::database_url(&dir).await;
        let mut c = Cluster { dir, db_url, smtp_port, instances: Vec::new(), http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client") };
        let ports = [free_port(), free_port()];
        let public = format!("http://127.0.0.1:{}", ports[0]);
        for port in ports {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_hmis-access"));
            hmis_env(&mut cmd, &c.db_url, smtp_port, &public);
            cmd.env("HMIS_LISTEN_ADDR", format!("127.0.0.1:{port}"))
                .env("LEPTOS_SITE_ROOT", c.dir.path())
                .arg("serve")
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let child = cmd.spawn().expect("instance starts");
            let base = format!("http://127.0.0.1:{port}");
            c.instances.push((Killed(child), base.clone()));
        }
        for (_, base) in &c.instances {
            let url = format!("{base}/readyz");
            let start = Instant::now();
            loop {
                if c.http.get(&url).send().await.is_ok_and(|r| r.status() == 200) {
                    break;
                }
                assert!(start.elapsed() < Duration::from_secs(30), "instance {base} not ready");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        c
    }

    fn cli(&self, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hmis-access"));
        hmis_env(&mut cmd, &self.db_url, self.smtp_port, &self.instances[0].1);
        let mut child = cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("cli");
        if let Some(mut i) = child.stdin.take() {
            let _ = i.write_all(stdin.as_bytes());
        }
        let out = child.wait_with_output().expect("cli output");
        assert!(out.status.success(), "hmis-access {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn add_user(&self, name: &str) {
        self.cli(&["user", "add", "--username", name, "--email", &format!("{name}@example.com"), "--password-stdin"], &format!("{PW}\n"));
    }

    fn base(&self, i: usize) -> &str {
        &self.instances[i % self.instances.len()].1
    }

    async fn post(&self, i: usize, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base(i))).form(form).send().await.expect("POST")
    }

    async fn count(&self, sql: &str) -> i64 {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await.expect("db");
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&mut conn).await.expect("count");
        n
    }
}

async fn emails(http: &reqwest::Client, web: &str) -> Vec<serde_json::Value> {
    let r = http.get(format!("{web}/api/email")).send().await.expect("maildev");
    serde_json::from_str(&r.text().await.expect("body")).expect("json")
}

fn addressed_to(m: &serde_json::Value) -> String {
    m["to"][0]["address"].as_str().unwrap_or("").to_string()
}

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
