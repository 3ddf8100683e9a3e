//! `/`, `/login` and `/logout`.

use app::pages::login::{self, LoginView};
use app::pages::signin_blocked::{self, Blocked};
use domain::license::LicenseState;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use service::use_cases::SignIn;
use service::Error;

use super::form;
use crate::csrf::CsrfToken;
use crate::web::{self, page_response, see_other};
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    /// A notice to show: `password-changed`, `signed-out`, `session-ended`.
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn notice_text(key: Option<&str>) -> Option<String> {
    match key? {
        "password-changed" => Some(app::pages::reset::DONE_TEXT.into()),
        "signed-out" => Some("You have signed out.".into()),
        "session-ended" => Some("Your session ended. Please sign in again.".into()),
        _ => None,
    }
}

pub async fn home(State(state): State<AppState>, jar: CookieJar) -> Response {
    match signed_in(&state, &jar).await {
        Ok(true) => see_other("/account"),
        Ok(false) => see_other("/login"),
        Err(r) => r,
    }
}

async fn signed_in(state: &AppState, jar: &CookieJar) -> Result<bool, Response> {
    let Some(v) = web::session_value(state.service.settings(), jar) else { return Ok(false) };
    state.service.current_user(&v).await.map(|u| u.is_some()).map_err(|e| web::internal(&e))
}

pub async fn show(State(state): State<AppState>, CsrfToken(csrf): CsrfToken, jar: CookieJar, Query(q): Query<LoginQuery>) -> Response {
    match signed_in(&state, &jar).await {
        Ok(true) => return see_other(&web::safe_next(q.next.as_deref()).unwrap_or_else(|| "/account".into())),
        Ok(false) => {}
        Err(r) => return r,
    }
    page_response(
        StatusCode::OK,
        login::page(LoginView {
            next: web::safe_next(q.next.as_deref()),
            notice: notice_text(q.notice.as_deref()),
            csrf,
            ..Default::default()
        }),
    )
}

pub async fn submit(
    State(state): State<AppState>,
    peer: web::Peer,
    CsrfToken(csrf): CsrfToken,
    headers: HeaderMap,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
    parsed: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let f = match form(parsed) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let next = web::safe_next(q.next.as_deref());
    if f.username.trim().is_empty() || f.password.is_empty() {
        // Nothing to check: say what is missing; this is not an attempt and counts for nothing.
        return page_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            login::page(LoginView { username: keep_typed(&f.username), next, errors: vec!["Enter your username and your password.".into()], notice: None, csrf }),
        );
    }
    let ip = peer.ip();
    let ua = web::user_agent(&headers);
    let result = state
        .service
        .sign_in(SignIn { username: &f.username, password: &f.password, client_ip: &ip, user_agent: &ua })
        .await;
    match result {
        Ok(signed) => {
            // A fresh session id at every sign-in; any older cookie in this browser is replaced.
            let settings = state.service.settings();
            let jar = jar.add(web::session_cookie(settings, signed.cookie_value.expose().to_string()));
            let to = if signed.must_change_password { "/account/password".to_string() } else { next.unwrap_or_else(|| "/account".into()) };
            (jar, see_other(&to)).into_response()
        }
        Err(Error::InvalidCredentials) => page_response(
            StatusCode::UNAUTHORIZED,
            login::page(LoginView {
                username: keep_typed(&f.username),
                next,
                errors: vec![login::INVALID_CREDENTIALS.into()],
                notice: None,
                csrf,
            }),
        ),
        Err(Error::Busy) => web::busy(),
        Err(Error::Throttled { retry_after }) => web::throttled(retry_after),
        Err(Error::LicenseBlocks(state)) => {
            let why = match state {
                LicenseState::Expired => Blocked::Expired,
                LicenseState::Inactive => Blocked::Inactive,
                // Deleted accounts are not found by username, so they never get here; be safe.
                _ => {
                    return page_response(
                        StatusCode::UNAUTHORIZED,
                        login::page(LoginView { username: keep_typed(&f.username), next, errors: vec![login::INVALID_CREDENTIALS.into()], notice: None, csrf }),
                    )
                }
            };
            page_response(StatusCode::FORBIDDEN, signin_blocked::page(why))
        }
        Err(Error::OneTimePasswordExpired) => page_response(StatusCode::FORBIDDEN, signin_blocked::page(Blocked::OneTimePasswordExpired)),
        Err(e) => web::internal(&e),
    }
}

pub async fn help(State(state): State<AppState>) -> Response {
    page_response(StatusCode::OK, app::pages::help::page(state.service.settings().lockout.max_failures))
}

/// What to put back in the username field: the person's own text, unless it is absurdly long.
fn keep_typed(s: &str) -> String {
    if s.len() > domain::identifier::MAX_IDENTIFIER_BYTES * 4 { String::new() } else { s.to_string() }
}

pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Response {
    let settings = state.service.settings();
    if let Some(v) = web::session_value(settings, &jar) {
        if let Err(e) = state.service.sign_out(&v).await {
            return web::internal(&e);
        }
    }
    let jar = web::clear_session_cookie(settings, jar);
    (jar, see_other("/login?notice=signed-out")).into_response()
}
