//! The server half of `scripts/bench` (issue 6): the raw argon2 rate with the server's number of
//! hashing threads, sign-ins per second at saturation with `GET /login` latency measured at the
//! same time, and the server's peak memory under 100 simultaneous sign-ins. Prints one JSON object.
//!
//! It talks to a real, already running release server (started by `scripts/bench`) over HTTP,
//! exactly as browsers do: it fetches `/login` once per client for the CSRF cookie and token,
//! then posts the sign-in form. Accounts `<prefix>0..<prefix>N-1` must exist with `--password`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use domain::hashing::{Cost, Hasher, Memory};
use reqwest::header::{HeaderValue, CONTENT_TYPE, COOKIE, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::json;

#[derive(Parser, Clone)]
struct Args {
    #[arg(long)]
    base_url: String,
    /// The server's process id, to read its memory from /proc.
    #[arg(long)]
    server_pid: u32,
    /// Hashing threads: the server's pool size (its start-up log says `hash_workers`).
    #[arg(long)]
    threads: usize,
    #[arg(long, default_value = "bench")]
    prefix: String,
    #[arg(long, default_value_t = 120)]
    users: usize,
    #[arg(long)]
    password: String,
    /// Seconds of each measurement (raw argon2, then sign-ins at saturation).
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Sign-ins in flight during the saturation run (enough to keep every hashing thread busy).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    #[arg(long, default_value_t = 19_456)]
    m_kib: u32,
    #[arg(long, default_value_t = 2)]
    t: u32,
    #[arg(long, default_value_t = 1)]
    p: u32,
}

/// Errors that end the benchmark; it is a tool, so they are reported and the run stops.
#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    #[error("hashing: {0}")]
    Hash(#[from] domain::hashing::HashError),
    #[error("{0}")]
    Other(String),
}

/// A browser-like client with the CSRF cookie and token of one `/login` visit.
struct Visitor {
    http: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl Visitor {
    async fn new(http: &reqwest::Client, base: &str) -> Result<Self, BenchError> {
        let res = http.get(format!("{base}/login")).send().await?;
        let cookie = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        let html = res.text().await?;
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| BenchError::Other("no CSRF field on /login".into()))?
            .to_string();
        Ok(Visitor { http: http.clone(), base: base.to_string(), cookie, csrf })
    }

    /// One sign-in; returns the HTTP status (303 = signed in, 503 = hashing pool full).
    async fn sign_in(&self, username: &str, password: &str) -> Result<u16, BenchError> {
        let body = form_body(&[("username", username), ("password", password), ("csrf", &self.csrf)]);
        let res = self
            .http
            .post(format!("{}/login", self.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(COOKIE, HeaderValue::from_str(&self.cookie).map_err(|e| BenchError::Other(e.to_string()))?)
            .header(ORIGIN, self.base.as_str())
            .body(body)
            .send()
            .await?;
        let status = res.status().as_u16();
        // Read the body so the connection can be reused.
        let _ = res.bytes().await?;
        Ok(status)
    }
}

fn form_body(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted_ms.len() as f64).ceil() as usize;
    sorted_ms[rank.clamp(1, sorted_ms.len()) - 1]
}

/// A field of /proc/<pid>/status in KiB (VmRSS = now, VmHWM = peak since start).
fn proc_kib(pid: u32, field: &str) -> Result<u64, BenchError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| BenchError::Other(format!("cannot read the server's /proc status: {e}")))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field).and_then(|r| r.trim_start_matches(':').trim().trim_end_matches("kB").trim().parse().ok()))
        .ok_or_else(|| BenchError::Other(format!("{field} missing from /proc/{pid}/status")))
}

/// Raw argon2: `threads` OS threads verifying the same password as fast as they can, each in
/// its own reused working memory (argon2 at its best: no allocation, no page faults).
fn raw_argon2_rate(args: &Args) -> Result<f64, BenchError> {
    let hasher = Arc::new(Hasher::new(Cost { m_kib: args.m_kib, t: args.t, p: args.p })?);
    let phc = Arc::new(hasher.hash(&args.password)?);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..args.threads)
        .map(|_| {
            let (hasher, phc, stop, done, pw) = (hasher.clone(), phc.clone(), stop.clone(), done.clone(), args.password.clone());
            std::thread::spawn(move || -> Result<(), domain::hashing::HashError> {
                let mut memory = Memory::for_cost(hasher.cost())?;
                while !stop.load(Ordering::Relaxed) {
                    if hasher.verify_in(&pw, &phc, &mut memory).is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(args.seconds));
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().map_err(|_| BenchError::Other("a hashing thread panicked".into()))??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

/// Sign-ins at saturation, with a prober timing `GET /login` every 10 ms meanwhile.
async fn saturation(args: &Args, http: &reqwest::Client) -> Result<serde_json::Value, BenchError> {
    let stop = Arc::new(AtomicBool::new(false));
    let counted = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let busy = Arc::new(AtomicU64::new(0));
    let other = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for c in 0..args.concurrency {
        let visitor = Visitor::new(http, &args.base_url).await?;
        let (stop, counted, ok, busy, other) = (stop.clone(), counted.clone(), ok.clone(), busy.clone(), other.clone());
        let (prefix, users, password, concurrency) = (args.prefix.clone(), args.users, args.password.clone(), args.concurrency);
        tasks.push(tokio::spawn(async move {
            // Each client walks its own slice of the accounts, so no two sign in to one at once.
            let mut i = c;
            while !stop.load(Ordering::Relaxed) {
                let status = visitor.sign_in(&format!("{prefix}{}", i % users), &password).await;
                if counted.load(Ordering::Relaxed) {
                    match status {
                        Ok(303) => ok.fetch_add(1, Ordering::Relaxed),
                        Ok(503) => busy.fetch_add(1, Ordering::Relaxed),
                        _ => other.fetch_add(1, Ordering::Relaxed),
                    };
                }
                i += concurrency;
            }
        }));
    }
    // Warm-up: let the pool fill before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    counted.store(true, Ordering::Relaxed);
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut static_latencies = Vec::new();
    let deadline = started + Duration::from_secs(args.seconds);
    while Instant::now() < deadline {
        let t = Instant::now();
        let res = http.get(format!("{}/login", args.base_url)).send().await?;
        let status = res.status();
        let _ = res.bytes().await?;
        if status.is_success() {
            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let t = Instant::now();
        let res = http.get(format!("{}/favicon.ico", args.base_url)).send().await?;
        let _ = res.bytes().await?;
        static_latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    counted.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    latencies.sort_by(f64::total_cmp);
    static_latencies.sort_by(f64::total_cmp);
    let signed_in = ok.load(Ordering::Relaxed);
    Ok(json!({
        "seconds": elapsed,
        "concurrency": args.concurrency,
        "signed_in": signed_in,
        "busy_503": busy.load(Ordering::Relaxed),
        "other": other.load(Ordering::Relaxed),
        "sign_ins_per_s": signed_in as f64 / elapsed,
        "login_samples": latencies.len(),
        "login_p50_ms": percentile(&latencies, 50.0),
        "login_p99_ms": percentile(&latencies, 99.0),
        "login_max_ms": latencies.last().copied().unwrap_or(f64::NAN),
        "static_p50_ms": percentile(&static_latencies, 50.0),
        "static_p99_ms": percentile(&static_latencies, 99.0),
    }))
}

/// 100 sign-ins sent at once (each its own account), memory sampled every 5 ms meanwhile.
async fn burst_memory(args: &Args, http: &reqwest::Client) -> Result<serde_json::Value, BenchError> {
    const BURST: usize = 100;
    if args.users < BURST {
        return Err(BenchError::Other(format!("the memory burst needs {BURST} accounts")));
    }
    let mut visitors = Vec::new();
    for _ in 0..BURST {
        visitors.push(Visitor::new(http, &args.base_url).await?);
    }
    let rss_before = proc_kib(args.server_pid, "VmRSS")?;
    let hwm_before = proc_kib(args.server_pid, "VmHWM")?;
    let sampling = Arc::new(AtomicBool::new(true));
    let pid = args.server_pid;
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while sampling.load(Ordering::Relaxed) {
                if let Ok(kib) = proc_kib(pid, "VmRSS") {
                    peak = peak.max(kib);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        })
    };
    let started = Instant::now();
    let gate = Arc::new(tokio::sync::Barrier::new(BURST));
    let mut tasks = Vec::new();
    for (i, v) in visitors.into_iter().enumerate() {
        let (gate, user, pw) = (gate.clone(), format!("{}{i}", args.prefix), args.password.clone());
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            let t = Instant::now();
            let status = v.sign_in(&user, &pw).await;
            (status.ok(), t.elapsed().as_secs_f64() * 1000.0)
        }));
    }
    let (mut ok, mut busy, mut other) = (0, 0, 0);
    let mut busy_ms: Vec<f64> = Vec::new();
    let mut ok_ms: Vec<f64> = Vec::new();
    for t in tasks {
        match t.await.map_err(|e| BenchError::Other(e.to_string()))? {
            (Some(303), ms) => {
                ok += 1;
                ok_ms.push(ms)
            }
            (Some(503), ms) => {
                busy += 1;
                busy_ms.push(ms)
            }
            _ => other += 1,
        }
    }
    let wall = started.elapsed().as_secs_f64();
    sampling.store(false, Ordering::Relaxed);
    let sampled_peak = sampler.await.map_err(|e| BenchError::Other(e.to_string()))?;
    let hwm_after = proc_kib(args.server_pid, "VmHWM")?;
    busy_ms.sort_by(f64::total_cmp);
    ok_ms.sort_by(f64::total_cmp);
    Ok(json!({
        "burst": BURST,
        "signed_in": ok,
        "busy_503": busy,
        "other": other,
        "wall_s": wall,
        "busy_p50_ms": percentile(&busy_ms, 50.0),
        "busy_max_ms": busy_ms.last().copied().unwrap_or(f64::NAN),
        "signed_in_max_ms": ok_ms.last().copied().unwrap_or(f64::NAN),
        "rss_before_kib": rss_before,
        "hwm_before_kib": hwm_before,
        "sampled_peak_rss_kib": sampled_peak,
        "hwm_after_kib": hwm_after,
    }))
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("bench_load: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), BenchError> {
    let args = Args::parse();
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .pool_max_idle_per_host(256)
        .build()?;
    // A few sign-ins first, so the memory baseline is a warm server (pages, pool, database).
    let warm = Visitor::new(&http, &args.base_url).await?;
    for i in 0..args.threads.max(2) {
        let status = warm.sign_in(&format!("{}{}", args.prefix, args.users - 1 - i), &args.password).await?;
        if status != 303 {
            return Err(BenchError::Other(format!("warm-up sign-in answered {status}, not 303: are the accounts there?")));
        }
    }
    let memory = burst_memory(&args, &http).await?;
    let raw = {
        let a = args.clone();
        tokio::task::spawn_blocking(move || raw_argon2_rate(&a)).await.map_err(|e| BenchError::Other(e.to_string()))??
    };
    let sat = saturation(&args, &http).await?;
    let rate = sat["sign_ins_per_s"].as_f64().unwrap_or(0.0);
    let out = json!({
        "threads": args.threads,
        "argon2": { "m_kib": args.m_kib, "t": args.t, "p": args.p },
        "raw_argon2_per_s": raw,
        "saturation": sat,
        "ratio": rate / raw,
        "memory": memory,
    });
    println!("{out}");
    Ok(())
}
