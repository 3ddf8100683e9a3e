//! Cross-cutting HTTP layers: security headers on every response, same-origin check on every
//! POST, the form body limit, and request tracing that records the route, never the query
//! string (reset tokens travel in it).

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::TraceLayer;

use crate::web::page_response;
use crate::AppState;

/// Largest form body accepted. A login form is well under 1 KiB; 16 KiB leaves room for a
/// 128-character password in any script, twice, percent-encoded. Larger bodies get 413 before
/// any handler, database, zxcvbn or argon2 work (RB-16).
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// Where `scripts/build` puts content-hashed copies of the CSS, scripts and meter.
pub const HASHED_ASSETS: &str = "/assets/";

const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers every response carries. Pages are never cached: they may show who is signed in, and
/// the reset page's URL holds a token (no Referer leaves it either).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = state.service.settings().https();
    let fingerprinted = req.uri().path().starts_with(HASHED_ASSETS);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // `same-origin`: no Referer ever leaves for another site, yet browsers keep sending a real
    // `Origin` on our own form posts (under `no-referrer` they send `Origin: null`). The reset
    // page, whose URL holds the token, gets `no-referrer` (set by its handler).
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if https {
        // Browsers ignore HSTS over plain http; send it only where it means something.
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    let is_html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html || res.status().is_redirection() {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if fingerprinted && matches!(res.status(), StatusCode::OK | StatusCode::NOT_MODIFIED) {
        // A content-hashed name never changes meaning: a phone that has the meter keeps it for
        // a year without asking again (new builds get new names).
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    } else if !res.headers().contains_key(header::CACHE_CONTROL) {
        // Unhashed names (kept for pages cached before a deploy, and for builds without a
        // manifest) may change meaning: caches must revalidate (Last-Modified).
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    // Precompressed files differ by Accept-Encoding: shared caches must key on it.
    if res.headers().contains_key(header::CONTENT_ENCODING) || !is_html {
        res.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// `Host` as compared: lower case, default ports dropped, surrounding space trimmed.
pub fn normalise_host(h: &str) -> String {
    let h = h.trim().to_ascii_lowercase();
    h.strip_suffix(":443").or_else(|| h.strip_suffix(":80")).unwrap_or(&h).to_string()
}

/// The hosts served by default: the public URL's authority and, in local mode, `localhost`,
/// `127.0.0.1` and `[::1]` on the same port.
pub fn default_allowed_hosts(s: &service::Settings) -> Vec<String> {
    let host = s.public_url.host_str().unwrap_or_default();
    let with_port = |h: &str| match s.public_url.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_string(),
    };
    let mut v = vec![normalise_host(&with_port(host))];
    if s.dev {
        for h in ["localhost", "127.0.0.1", "[::1]"] {
            v.push(normalise_host(&with_port(h)));
        }
    }
    v
}

/// Answers 400 to a request for a host we do not serve (Host-header poisoning, RB-07), before
/// any handler runs. Health checks are exempt: load balancers probe by address.
pub async fn known_host(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(normalise_host)
        .or_else(|| req.uri().authority().map(|a| normalise_host(a.as_str())));
    match host {
        Some(h) if state.allowed_hosts.iter().any(|a| *a == h) => next.run(req).await,
        _ => {
            tracing::warn!(host = ?req.headers().get(header::HOST), "refused request for an unknown host");
            page_response(
                StatusCode::BAD_REQUEST,
                app::pages::error::page("Unknown address", "This server does not answer for that address. Use the address your HMIS lead gave you.".into()),
            )
        }
    }
}

/// True when a POST may come from another site: its `Sec-Fetch-Site` says so, or its `Origin`
/// names another origin. A page served with `Referrer-Policy: no-referrer` (the reset page)
/// makes browsers send `Origin: null`; that is accepted only with `Sec-Fetch-Site: same-origin`.
/// Clients that send neither header (curl, the HTTP tests) pass: they are not browsers, so no
/// victim's cookies ride along.
pub fn cross_site(headers: &axum::http::HeaderMap, allowed_origins: &[String]) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = fetch_site {
        if site != "same-origin" && site != "none" {
            return true;
        }
    }
    match headers.get(header::ORIGIN).map(|v| v.as_bytes()) {
        None => false,
        Some(b"null") => fetch_site != Some("same-origin"),
        Some(o) => !allowed_origins.iter().any(|a| a.as_bytes().eq_ignore_ascii_case(o)),
    }
}

/// Refuses a cross-site POST (forged form posts; login CSRF).
pub async fn same_origin_posts(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST {
        // Every host we serve is its own origin (the public URL's scheme, the host as allowed).
        let scheme = state.service.settings().public_url.scheme();
        let origins: Vec<String> = state.allowed_hosts.iter().map(|h| format!("{scheme}://{h}")).collect();
        if cross_site(req.headers(), &origins) {
            tracing::warn!(origin = ?req.headers().get(header::ORIGIN), "refused cross-site POST");
            return page_response(
                StatusCode::FORBIDDEN,
                app::pages::error::page(
                    "This form came from another site",
                    "For your safety, forms can only be sent from this site's own pages. Open the page again from the address you normally use and try once more.".into(),
                ),
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// Request spans with method, matched route and status; never the URI (its query may hold a
/// reset token) nor any header or body.
///
/// 5xx answers are logged at WARN here: the expected ones (503 when the hashing pool is full or
/// the database is restarting) are load, not faults, and real faults are logged at ERROR with
/// their cause by the handler (`web::internal`).
pub fn trace() -> TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    impl Fn(&Request) -> tracing::Span + Clone,
    tower_http::trace::DefaultOnRequest,
    tower_http::trace::DefaultOnResponse,
    tower_http::trace::DefaultOnBodyChunk,
    tower_http::trace::DefaultOnEos,
    tower_http::trace::DefaultOnFailure,
> {
    TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "static".to_owned());
            tracing::info_span!("request", method = %req.method(), route = %route)
        })
        .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::WARN))
}

#[cfg(test)]
mod tests {
    use super::cross_site;
    use axum::http::HeaderMap;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, v.parse().unwrap());
        }
        m
    }

    #[test]
    fn same_origin_browser_posts_pass() {
        let o: &[String] = &["https://app.example.com".to_string(), "https://hmis.local:8443".to_string()];
        assert!(!cross_site(&h(&[("origin", "https://app.example.com"), ("sec-fetch-site", "same-origin")]), o));
        assert!(!cross_site(&h(&[("origin", "null"), ("sec-fetch-site", "same-origin")]), o), "reset page under no-referrer");
        assert!(!cross_site(&h(&[]), o), "non-browser clients");
        assert!(!cross_site(&h(&[("origin", "https://hmis.local:8443"), ("sec-fetch-site", "same-origin")]), o), "another allowed host");
    }

    #[test]
    fn cross_site_posts_are_caught() {
        let o: &[String] = &["https://app.example.com".to_string()];
        assert!(cross_site(&h(&[("origin", "https://evil.example")]), o));
        assert!(cross_site(&h(&[("origin", "null")]), o), "sandboxed frame");
        assert!(cross_site(&h(&[("origin", "null"), ("sec-fetch-site", "cross-site")]), o));
        assert!(cross_site(&h(&[("sec-fetch-site", "same-site")]), o));
    }
}

/// Paths no file or route can have: over 2,048 bytes, or a segment over 255 bytes (the
/// filesystem's limit; the static file service would answer 500 and log an error).
pub async fn sane_paths(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.len() > 2048 || path.split('/').any(|seg| seg.len() > 255) {
        return page_response(
            StatusCode::NOT_FOUND,
            app::pages::error::page("Page not found", "There is nothing at this address. Check the link, or start from the sign-in page.".into()),
        );
    }
    next.run(req).await
}

/// Every error a person can meet is a page in the app's layout: framework rejections (a
/// duplicated query field, a wrong method, an oversized URI) come back as plain text or an empty
/// body otherwise. Health checks keep their plain answers.
pub async fn friendly_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let status = res.status();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_html || path == "/healthz" || path == "/readyz" {
        return res;
    }
    let (heading, text): (&'static str, &str) = match status {
        StatusCode::NOT_FOUND => ("Page not found", "There is nothing at this address. Check the link, or start from the sign-in page."),
        StatusCode::METHOD_NOT_ALLOWED => ("That does not work here", "This address cannot be used that way. To sign out, use the Sign out button on your account page."),
        StatusCode::PAYLOAD_TOO_LARGE => ("That was too long", "What you entered is far longer than any username or password can be. Please check it and try again."),
        StatusCode::URI_TOO_LONG => ("That address is too long", "Check the link, or start from the sign-in page."),
        s if s.is_client_error() => ("The request could not be read", "Something in the address or the form was missing or garbled. Please go back, reload the page and try again."),
        _ => ("Something went wrong", "Please try again in a moment. If it keeps happening, contact the HMIS help desk."),
    };
    let mut pretty = page_response(status, app::pages::error::page(heading, text.to_string()));
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = res.headers().get(&name) {
            pretty.headers_mut().insert(name, v.clone());
        }
    }
    pretty
}
