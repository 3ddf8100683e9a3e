//! Real processes for the multi-instance and fault tests: `hmis-access` instances, a maildev
//! SMTP server, and the shared PostgreSQL database (a fresh schema per cluster).
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PW: &str = "Shared-Instance-Passphrase 53 otters";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub struct Killed(pub Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Maildev {
    pub child: Killed,
    pub smtp: u16,
    pub web: String,
}

pub fn start_maildev(smtp: u16, dir: &std::path::Path) -> Maildev {
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
    let m = Maildev { child: Killed(child), smtp, web: format!("http://127.0.0.1:{web}") };
    wait_until(Duration::from_secs(20), || std::net::TcpStream::connect(("127.0.0.1", smtp)).is_ok() && std::net::TcpStream::connect(("127.0.0.1", web)).is_ok());
    m
}

pub fn wait_until(limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "timed out after {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub db_url: String,
    pub smtp_port: u16,
    pub instances: Vec<(Killed, String)>,
    pub http: reqwest::Client,
    pub extra_env: Vec<(String, String)>,
    pub public: String,
    /// (cookie `name=value`, form token), fetched once from instance 0; valid on every instance
    /// because the CSRF key lives in the shared database.
    pub csrf: tokio::sync::OnceCell<(String, String)>,
}

pub fn hmis_env(cmd: &mut Command, db_url: &str, smtp: u16, public: &str) {
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HMIS_DATABASE_URL", db_url)
        .env("HMIS_PUBLIC_URL", public)
        .env("HMIS_SMTP_URL", format!("smtp://127.0.0.1:{smtp}"))
        .env("HMIS_ARGON2_M_KIB", "256")
        .env("HMIS_ARGON2_T", "1")
        .env("HMIS_CLIENT_FAILURE_LIMIT", "1000")
        .env("HMIS_RESET_CLIENT_LIMIT", "1000")
        .env("HMIS_SMTP_TIMEOUT", "3s")
        .env("HMIS_LOG", "warn");
}

impl Cluster {
    /// Two instances on a fresh schema of the `HMIS_TEST_POSTGRES` database.
    pub async fn start(smtp_port: u16) -> Cluster {
        Self::start_with(smtp_port, 2, &[]).await
    }

    pub async fn start_with(smtp_port: u16, n: usize, extra_env: &[(&str, &str)]) -> Cluster {
        assert!(
            std::env::var("HMIS_TEST_POSTGRES").is_ok_and(|v| !v.is_empty()),
            "the multi-instance tests need PostgreSQL: set HMIS_TEST_POSTGRES (scripts/test does)"
        );
        let dir = tempfile::tempdir().expect("dir");
        let db_url = super::database_url(&dir).await;
        Self::start_on(dir, db_url, smtp_port, n, extra_env).await
    }

    /// `n` instances on the database at `db_url`.
    pub async fn start_on(dir: tempfile::TempDir, db_url: String, smtp_port: u16, n: usize, extra_env: &[(&str, &str)]) -> Cluster {
        let mut c = Cluster {
            dir,
            db_url,
            smtp_port,
            instances: Vec::new(),
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(30)).build().expect("client"),
            extra_env: extra_env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            public: String::new(),
            csrf: tokio::sync::OnceCell::new(),
        };
        let ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
        c.public = format!("http://127.0.0.1:{}", ports[0]);
        let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        c.extra_env.push(("HMIS_ALLOWED_HOSTS".into(), hosts.join(",")));
        for port in ports {
            let inst = c.spawn_instance(port);
            c.instances.push(inst);
        }
        for i in 0..n {
            c.wait_ready(i).await;
        }
        c
    }

    /// Starts one `hmis-access serve` on `port` with the cluster's settings.
    pub fn spawn_instance(&self, port: u16) -> (Killed, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hmis-access"));
        hmis_env(&mut cmd, &self.db_url, self.smtp_port, &self.public);
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd.env("HMIS_LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", self.dir.path())
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd.spawn().expect("instance starts");
        (Killed(child), format!("http://127.0.0.1:{port}"))
    }

    pub async fn wait_ready(&self, i: usize) {
        let url = format!("{}/readyz", self.instances[i].1);
        let start = Instant::now();
        loop {
            if self.http.get(&url).send().await.is_ok_and(|r| r.status() == 200) {
                return;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "instance {url} not ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn cli(&self, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hmis-access"));
        hmis_env(&mut cmd, &self.db_url, self.smtp_port, &self.public);
        let mut child = cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("cli");
        if let Some(mut i) = child.stdin.take() {
            let _ = i.write_all(stdin.as_bytes());
        }
        let out = child.wait_with_output().expect("cli output");
        assert!(out.status.success(), "hmis-access {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn add_user(&self, name: &str) {
        self.cli(&["user", "add", "--username", name, "--email", &format!("{name}@example.com"), "--password-stdin"], &format!("{PW}\n"));
    }

    pub fn base(&self, i: usize) -> &str {
        &self.instances[i % self.instances.len()].1
    }

    pub async fn csrf(&self) -> (String, String) {
        self.csrf
            .get_or_init(|| super::fetch_csrf(&self.http, format!("{}/forgot-password", self.base(0))))
            .await
            .clone()
    }

    pub async fn post(&self, i: usize, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let (cookie, token) = self.csrf().await;
        let mut f: Vec<(&str, &str)> = form.to_vec();
        f.push(("csrf", token.as_str()));
        self.http.post(format!("{}{path}", self.base(i))).header("cookie", cookie).form(&f).send().await.expect("POST")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.db_url).await.expect("db");
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&mut conn).await.expect("count");
        n
    }
}

pub async fn emails(http: &reqwest::Client, web: &str) -> Vec<serde_json::Value> {
    let r = http.get(format!("{web}/api/email")).send().await.expect("maildev");
    serde_json::from_str(&r.text().await.expect("body")).expect("json")
}

pub fn addressed_to(m: &serde_json::Value) -> String {
    m["to"][0]["address"].as_str().unwrap_or("").to_string()
}

