//! A real hmis-access server for HTTP tests: the real router on a free loopback port, a fresh
//! SQLite file, the local mailbox in a temp folder, cheap argon2, and a test clock.
#![allow(dead_code)]

pub mod cluster;

use std::net::SocketAddr;
use std::sync::Arc;

use domain::hashing::Cost;
use server::AppState;
use service::mail::mailbox;
use service::use_cases::NewUser;
use service::{Service, Settings, TestClock};

pub const PUBLIC_URL: &str = "https://app.example.com/";
pub const ALICE_PW: &str = "Original-Lantern-73 quietly";
pub const BOB_PW: &str = "Bobs-Original-Kettle-19 tide";

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub service: Service,
    pub clock: TestClock,
    pub dir: tempfile::TempDir,
    /// (cookie `name=value`, form token) of this test's "browser", fetched once.
    csrf: tokio::sync::OnceCell<(String, String)>,
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut s = Settings::local_defaults();
        s.database_url = database_url(&dir).await;
        s.mailbox_dir = dir.path().join("mailbox");
        s.public_url = url::Url::parse(PUBLIC_URL).expect("url");
        s.argon2 = Cost { m_kib: 256, t: 1, p: 1 };
        s.hash_workers = 4;
        tweak(&mut s);
        let clock = TestClock::at(1_800_000_000);
        let service = Service::start_with_clock(s, Arc::new(clock.clone())).await.expect("service starts");
        for (u, e, n, a, p) in [
            ("alice", "alice@example.com", "Alice Smith", "Harbor Shelter", ALICE_PW),
            ("bob", "bob@example.com", "Bob Jones", "Harbor Shelter", BOB_PW),
        ] {
            service
                .add_user(NewUser { username: u, email: e, full_name: n, agency: a, password: Some(p), role: "user" }, "test")
                .await
                .expect("user added");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = AppState::new(service.clone(), dir.path().join("site")).allow_host(&addr.to_string());
        let app = server::router(state).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp { base: format!("http://{addr}"), http, service, clock, dir, csrf: tokio::sync::OnceCell::new() }
    }

    pub async fn audit_count(&self, action: &str) -> usize {
        self.service.store().audit_actions().await.expect("audit").iter().filter(|(a, _)| a == action).count()
    }

    pub fn clock_now(&self) -> i64 {
        use service::Clock;
        self.clock.now()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    /// The CSRF cookie and token, as a browser gets them by opening any page.
    pub async fn csrf(&self) -> (String, String) {
        self.csrf
            .get_or_init(|| fetch_csrf(&self.http, self.url("/forgot-password")))
            .await
            .clone()
    }

    /// `form` plus the CSRF field.
    pub async fn with_csrf(&self, form: &[(&str, &str)]) -> Vec<(String, String)> {
        let (_, token) = self.csrf().await;
        let mut f: Vec<(String, String)> = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        f.push(("csrf".into(), token));
        f
    }

    /// A POST as the test's browser sends it: with the CSRF cookie and field.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.post_raw(path, None, form).await
    }

    pub async fn post_with_cookie(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.post_raw(path, Some(cookie), form).await
    }

    async fn post_raw(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> reqwest::Response {
        let (csrf_cookie, _) = self.csrf().await;
        let cookies = match cookie {
            Some(c) => format!("{c}; {csrf_cookie}"),
            None => csrf_cookie,
        };
        let body = self.with_csrf(form).await;
        self.http.post(self.url(path)).header("cookie", cookies).form(&body).send().await.expect("POST")
    }

    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> reqwest::Response {
        self.http.get(self.url(path)).header("cookie", cookie).send().await.expect("GET")
    }

    /// Asks for a reset and delivers the queued email; returns the path of the link in it.
    pub async fn request_link(&self, identifier: &str) -> String {
        let r = self.post("/forgot-password", &[("identifier", identifier)]).await;
        assert_eq!(r.status(), 303);
        self.service.deliver_due().await.expect("delivery");
        self.newest_link().await
    }

    /// Path and query of the newest reset link in the mailbox.
    pub async fn newest_link(&self) -> String {
        let mails = mailbox::list(&self.service.settings().mailbox_dir).await.expect("mailbox");
        let link = mails
            .iter()
            .flat_map(|m| m.links.iter())
            .find(|l| l.contains("/reset-password?token="))
            .expect("a reset link in the mailbox")
            .clone();
        link.strip_prefix(PUBLIC_URL.trim_end_matches('/')).expect("link built from the public URL").to_string()
    }

    pub async fn mail_count(&self) -> usize {
        mailbox::list(&self.service.settings().mailbox_dir).await.expect("mailbox").len()
    }

    pub async fn subjects(&self) -> Vec<String> {
        mailbox::list(&self.service.settings().mailbox_dir).await.expect("mailbox").into_iter().map(|m| m.subject).collect()
    }

    /// Signs in and returns the `name=value` of the session cookie.
    pub async fn sign_in(&self, username: &str, password: &str) -> Option<String> {
        let r = self.post("/login", &[("username", username), ("password", password)]).await;
        if r.status() != 303 {
            return None;
        }
        let set = r.headers().get("set-cookie")?.to_str().ok()?.to_string();
        Some(set.split(';').next()?.to_string())
    }

    pub async fn reset(&self, link: &str, pw: &str) -> reqwest::Response {
        let token = token_of(link);
        self.post("/reset-password", &[("token", &token), ("new_password", pw), ("confirm_password", pw)]).await
    }
}

/// A fresh, empty database for one test: a SQLite file in the test's folder, or, when
/// `HMIS_TEST_POSTGRES` names a PostgreSQL database (the test command sets it for its second
/// pass), a new schema in that database. An unreachable PostgreSQL fails the test: it is never
/// skipped silently.
pub async fn database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("HMIS_TEST_POSTGRES") {
        Ok(base) if !base.is_empty() => {
            use sqlx::Connection;
            let mut b = [0u8; 8];
            getrandom_fill(&mut b);
            let schema = format!("t_{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>());
            let mut admin = sqlx::PgConnection::connect(&base)
                .await
                .unwrap_or_else(|e| panic!("HMIS_TEST_POSTGRES is set but PostgreSQL is unreachable: {e}"));
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&mut admin).await.expect("create schema");
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}options=-c%20search_path%3D{schema}")
        }
        _ => format!("sqlite:{}", dir.path().join("test.db").display()),
    }
}

fn getrandom_fill(b: &mut [u8]) {
    // The std hasher is randomly keyed per process; mixing in time and a counter is plenty for
    // unique schema names.
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(N.fetch_add(1, Ordering::SeqCst));
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    let v = h.finish().to_le_bytes();
    for (i, x) in b.iter_mut().enumerate() {
        *x = v[i % 8];
    }
}

/// The CSRF cookie (`name=value`) and form token a browser gets by opening `page_url`.
pub async fn fetch_csrf(http: &reqwest::Client, page_url: String) -> (String, String) {
    let r = http.get(page_url).send().await.expect("GET");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("hmis_csrf="))
        .and_then(|v| v.split(';').next())
        .expect("a CSRF cookie")
        .to_string();
    let page = r.text().await.expect("page");
    let token = page.split(r#"name="csrf" value=""#).nth(1).and_then(|t| t.split('"').next()).expect("a CSRF field").to_string();
    (cookie, token)
}

pub fn token_of(link: &str) -> String {
    link.split("token=").nth(1).expect("token in link").to_string()
}

pub async fn body(r: reqwest::Response) -> String {
    r.text().await.expect("body")
}
