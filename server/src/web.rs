//! Small HTTP helpers shared by handlers: page responses, the session cookie, the client
//! address, safe redirects, and the mapping of `service::Error` to what a person sees.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::OnceLock;

use app::{AssetUrls, Document};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use service::Settings;

/// Where pages load the stylesheet and scripts from. Set once at start-up from the build's
/// `assets.json` (content-hashed names, cached for a year); until then, and in tests that build
/// a router without a site, the logical paths. Process-wide on purpose: it describes the files
/// of the one site folder this process serves, and every page (39 call sites, most without
/// state) needs it.
static ASSET_URLS: OnceLock<AssetUrls> = OnceLock::new();

/// Reads `<site_root>/assets.json` and checks that every hashed file it names is there.
/// `Ok(None)`: no manifest (a build without fingerprinting); pages then use the logical paths.
pub fn read_asset_manifest(site_root: &Path) -> Result<Option<AssetUrls>, String> {
    let path = site_root.join("assets.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let (urls, named) =
        AssetUrls::read_manifest(&text).map_err(|e| format!("{} is not a usable asset manifest: {e}", path.display()))?;
    // Every file it names, not only those pages link: the worker and the wasm are named inside
    // the scripts, and a missing one would only show as a meter that never loads.
    for url in &named {
        let file = site_root.join(url.trim_start_matches('/'));
        if !file.is_file() {
            return Err(format!("{} names {url}, but {} is missing: rebuild the site (scripts/build)", path.display(), file.display()));
        }
    }
    Ok(Some(urls))
}

/// Makes pages use the hashed asset URLs of `site_root`'s manifest, if it has one. Returns what
/// pages will use. Call before serving; a second call changes nothing.
pub fn install_asset_manifest(site_root: &Path) -> Result<&'static AssetUrls, String> {
    let urls = read_asset_manifest(site_root)?.unwrap_or_default();
    Ok(ASSET_URLS.get_or_init(|| urls))
}

fn asset_urls() -> &'static AssetUrls {
    ASSET_URLS.get_or_init(AssetUrls::default)
}

/// A rendered page with a status.
pub fn page_response(status: StatusCode, doc: Document) -> Response {
    (status, Html(doc.render_with(asset_urls()))).into_response()
}

/// 303 See Other: the browser GETs the target (post/redirect/get).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Name of the session cookie: `__Host-` prefixed (and `Secure`) when served over https.
pub fn session_cookie_name(settings: &Settings) -> &'static str {
    if settings.https() {
        "__Host-hmis_session"
    } else {
        "hmis_session"
    }
}

pub fn session_cookie(settings: &Settings, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(session_cookie_name(settings), value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(settings.https());
    c
}

pub fn clear_session_cookie(settings: &Settings, jar: CookieJar) -> CookieJar {
    let mut c = session_cookie(settings, String::new());
    c.make_removal();
    jar.add(c)
}

pub fn session_value(settings: &Settings, jar: &CookieJar) -> Option<String> {
    jar.get(session_cookie_name(settings)).map(|c| c.value().to_string())
}

/// Who is on the other end: the connection's peer and, when that peer is a trusted proxy
/// (HMIS_TRUSTED_PROXIES), the client it names in `X-Forwarded-For`. Without trusted proxies the
/// header is ignored: anyone can write it. Tests that call the router directly have no peer.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    pub direct: Option<SocketAddr>,
    pub client: Option<std::net::IpAddr>,
}

impl axum::extract::FromRequestParts<crate::AppState> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &crate::AppState) -> Result<Self, Self::Rejection> {
        let direct = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(a)| *a);
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
        Ok(Peer { direct, client: direct.map(|a| client_ip_behind(a.ip(), &forwarded, &state.trusted_proxies)) })
    }
}

/// The client address: walk `X-Forwarded-For` from the right while the hop is a trusted proxy;
/// the first untrusted address is the client. Garbage entries stop the walk at the last trusted
/// hop, so a forged header never yields an address the proxies did not see.
pub fn client_ip_behind(peer: std::net::IpAddr, xff: &str, trusted: &[ipnet::IpNet]) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in xff.split(',').map(str::trim).filter(|h| !h.is_empty()).rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

impl Peer {
    pub fn ip(&self) -> String {
        self.client.map(|a| a.to_string()).unwrap_or_default()
    }
    pub fn is_loopback(&self) -> bool {
        self.client.is_some_and(|a| a.is_loopback())
    }
}

pub fn user_agent(headers: &HeaderMap) -> String {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// Accepts `next` only as a same-origin absolute path: `/account`, not `//evil`, `/\evil` or
/// `https://evil`.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let n = next?.trim();
    let ok = n.starts_with('/')
        && !n.starts_with("//")
        && !n.contains('\\')
        && !n.chars().any(|c| c.is_control())
        && n.len() <= 512;
    ok.then(|| n.to_string())
}

/// 429 with Retry-After: too many attempts from this client address (same for every account).
pub fn throttled(retry_after_secs: i64) -> Response {
    let mut res = page_response(
        StatusCode::TOO_MANY_REQUESTS,
        app::pages::signin_blocked::throttled_page((retry_after_secs + 59) / 60),
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// 503 with Retry-After: the hashing pool is full. Same for every account; not a failed attempt.
pub fn busy() -> Response {
    let mut res = page_response(
        StatusCode::SERVICE_UNAVAILABLE,
        app::pages::error::page(
            "Too many people are signing in right now",
            "Please wait a few seconds and try again. Nothing was counted against your account.".into(),
        ),
    );
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    res
}

/// The page for failures the person cannot fix; the cause goes to the log with its chain. A
/// database that cannot be reached (restarting, failing over) is a 503 with Retry-After: the
/// request can simply be repeated in a moment.
pub fn internal(e: &(dyn std::error::Error + 'static)) -> Response {
    if let Some(service::Error::Database(db)) = e.downcast_ref::<service::Error>() {
        if database_unavailable(db) {
            tracing::error!(error = %db, "database unavailable");
            let mut res = page_response(
                StatusCode::SERVICE_UNAVAILABLE,
                app::pages::error::page("The service is briefly unavailable", "Please try again in a few seconds. Nothing you entered was saved.".into()),
            );
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return res;
        }
    }
    let mut chain = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        src = s.source();
    }
    tracing::error!(error = %chain, "request failed");
    page_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        app::pages::error::page("Something went wrong", "Please try again in a moment. If it keeps happening, contact the HMIS help desk.".into()),
    )
}

/// True for errors that mean "the database is not reachable right now" rather than a bug:
/// connection failures, pool timeouts, and PostgreSQL's admin-shutdown (57P*) and
/// connection-exception (08*) codes.
fn database_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
        _ => false,
    }
}

/// 413 for a form too large to be real (RB-16); also used for oversized single fields.
pub fn too_large() -> Response {
    page_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        app::pages::error::page(
            "That was too long",
            "What you entered is far longer than any username or password can be. Please check it and try again.".into(),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        let stranger: std::net::IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(client_ip_behind(stranger, "1.2.3.4", &trusted), stranger, "untrusted peer: header ignored");
        assert_eq!(client_ip_behind(proxy, "198.51.100.7", &trusted).to_string(), "198.51.100.7");
        assert_eq!(client_ip_behind(proxy, "6.6.6.6, 198.51.100.7, 10.0.0.9", &trusted).to_string(), "198.51.100.7", "right-most untrusted hop");
        assert_eq!(client_ip_behind(proxy, "nonsense", &trusted), proxy);
        assert_eq!(client_ip_behind(proxy, "", &[]), proxy);
    }

    #[test]
    fn next_accepts_only_same_origin_paths() {
        assert_eq!(safe_next(Some("/account")), Some("/account".into()));
        for bad in ["//evil.example", "https://evil.example", "/\\evil.example", "account", "/a\nb"] {
            assert_eq!(safe_next(Some(bad)), None, "{bad}");
        }
    }
}
