//! CSRF protection for every form post: the signed double-submit cookie pattern (OWASP CSRF
//! Cheat Sheet). Each browser gets a random `hmis_csrf` cookie (HttpOnly, SameSite=Lax,
//! `__Host-` and Secure over https); every form carries `csrf` = HMAC(server key, cookie). A POST
//! whose field does not match its cookie is refused with 403 before any handler runs. Works
//! without JavaScript; no server-side state; the key is shared by all instances.
//!
//! This complements the same-origin check in `layers` (Origin / Sec-Fetch-Site), which older
//! browsers and some privacy tools do not send.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine as _;

use crate::layers::MAX_FORM_BYTES;
use crate::web::{page_response, too_large};
use crate::AppState;

/// The token the current request's forms must carry; handlers put it in every form.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CsrfToken {
    type Rejection = std::convert::Infallible;

    /// The token `protect` computed for this request (empty if the layer is absent, which
    /// makes every form post fail closed).
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<CsrfToken>().cloned().unwrap_or(CsrfToken(String::new())))
    }
}

fn cookie_name(state: &AppState) -> &'static str {
    if state.service.settings().https() {
        "__Host-hmis_csrf"
    } else {
        "hmis_csrf"
    }
}

fn fresh_seed() -> Option<String> {
    let mut b = [0u8; 32];
    getrandom::getrandom(&mut b).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
}

/// A usable seed: 43 characters of base64url (anything else is replaced).
fn valid_seed(v: &str) -> bool {
    v.len() == 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let existing = jar.get(cookie_name(&state)).map(|c| c.value().to_string()).filter(|v| valid_seed(v));
    let (seed, fresh) = match existing {
        Some(s) => (s, false),
        None => match fresh_seed() {
            Some(s) => (s, true),
            None => return crate::web::internal(&service::Error::Internal("CSPRNG unavailable".into())),
        },
    };
    let token = state.service.csrf_token(&seed);
    let (parts, body) = req.into_parts();
    let mut req = if parts.method == Method::POST {
        let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
            Ok(b) => b,
            Err(_) => return too_large(),
        };
        let sent = form_field(&bytes, "csrf");
        let ok = !fresh && sent.as_deref().is_some_and(|s| constant_time_eq(s.as_bytes(), token.as_bytes()));
        if !ok {
            tracing::warn!(path = %parts.uri.path(), had_cookie = !fresh, had_field = sent.is_some(), "refused a form without a valid CSRF token");
            let mut res = page_response(
                StatusCode::FORBIDDEN,
                app::pages::error::page(
                    "This form has expired",
                    "For your safety, forms only work from a page this browser opened here. Go back, reload the page, and try again.".into(),
                ),
            );
            if fresh {
                set_cookie(&state, &mut res, &seed);
            }
            return res;
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        Request::from_parts(parts, body)
    };
    req.extensions_mut().insert(CsrfToken(token));
    let mut res = next.run(req).await;
    // Only pages (which hold forms) and redirects (to pages) give a browser its cookie. Static
    // files never do: they are cached for a year, and a shared cache must neither refuse them
    // for carrying a cookie nor hand one browser's CSRF seed to the next.
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if fresh && (is_page || res.status().is_redirection()) {
        set_cookie(&state, &mut res, &seed);
    }
    res
}

fn set_cookie(state: &AppState, res: &mut Response, seed: &str) {
    let mut c = Cookie::new(cookie_name(state), seed.to_string());
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(state.service.settings().https());
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The first value of `name` in a urlencoded body (None when absent or unreadable).
fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_found_and_compared_in_constant_time() {
        assert_eq!(form_field(b"a=1&csrf=abc%2Bd&b=2", "csrf").as_deref(), Some("abc+d"));
        assert_eq!(form_field(b"a=1", "csrf"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn only_well_formed_seeds_are_kept() {
        assert!(valid_seed(&"A".repeat(43)));
        assert!(!valid_seed("short"));
        assert!(!valid_seed(&"=".repeat(43)));
    }
}
