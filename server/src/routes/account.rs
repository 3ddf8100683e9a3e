//! `/account` and `/account/password` (change password; also the forced change after a
//! one-time password).

use app::pages::account::{self, AccountView, SessionView};
use app::pages::change_password::{self, ChangePasswordView};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use service::use_cases::{CurrentUser, PasswordChange};
use service::Error;

use super::form;
use super::reset::new_password_errors;
use crate::csrf::CsrfToken;
use crate::web::{self, page_response, see_other};
use crate::AppState;

/// The signed-in user, or the redirect to sign in (keeping where they were going).
async fn require_user(state: &AppState, jar: &CookieJar, here: &str) -> Result<CurrentUser, Response> {
    let settings = state.service.settings();
    let Some(v) = web::session_value(settings, jar) else {
        return Err(see_other(&format!("/login?next={here}")));
    };
    match state.service.current_user(&v).await {
        Ok(Some(u)) => Ok(u),
        Ok(None) => Err((web::clear_session_cookie(settings, jar.clone()), see_other(&format!("/login?next={here}&notice=session-ended"))).into_response()),
        Err(e) => Err(web::internal(&e)),
    }
}

pub async fn show(State(state): State<AppState>, CsrfToken(csrf): CsrfToken, jar: CookieJar, axum::extract::Query(q): axum::extract::Query<AccountQuery>) -> Response {
    let user = match require_user(&state, &jar, "/account").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if user.account.must_change_password {
        return see_other("/account/password");
    }
    let sessions = match state.service.live_sessions(user.account.id).await {
        Ok(s) => s,
        Err(e) => return web::internal(&e),
    };
    let tz = state.service.settings().timezone.clone();
    let when = |t: i64| service::mail::templates::human_time(t, &tz);
    let sessions = sessions
        .into_iter()
        .map(|s| SessionView {
            this_device: s.id == user.session.id,
            device: describe_agent(&s.user_agent),
            address: if s.client_ip.is_empty() { "an unknown address".into() } else { s.client_ip.clone() },
            signed_in: when(s.created_at),
            last_seen: when(s.last_seen_at),
        })
        .collect();
    let notice = match q.notice.as_deref() {
        Some("signed-out-others") => Some("Every other device has been signed out.".to_string()),
        _ => None,
    };
    let a = user.account;
    page_response(
        StatusCode::OK,
        account::page(AccountView { username: a.username, full_name: a.full_name, email: a.email, agency: a.agency, notice, sessions, csrf }),
    )
}

/// "Firefox on Windows" from a User-Agent; the raw string is never shown whole.
fn describe_agent(ua: &str) -> String {
    let browser = ["Edg/", "OPR/", "Firefox/", "Chrome/", "Safari/"]
        .iter()
        .find(|b| ua.contains(*b))
        .map(|b| match *b {
            "Edg/" => "Edge",
            "OPR/" => "Opera",
            "Firefox/" => "Firefox",
            "Chrome/" => "Chrome",
            _ => "Safari",
        })
        .unwrap_or("A browser");
    let os = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS X", "Mac"), ("Linux", "Linux")]
        .iter()
        .find(|(k, _)| ua.contains(k))
        .map(|(_, v)| *v);
    match os {
        Some(os) => format!("{browser} on {os}"),
        None => browser.to_string(),
    }
}

#[derive(Deserialize, Default)]
pub struct AccountQuery {
    notice: Option<String>,
}

pub async fn sign_out_others(State(state): State<AppState>, peer: web::Peer, jar: CookieJar) -> Response {
    let user = match require_user(&state, &jar, "/account").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match state.service.sign_out_others(&user, &peer.ip()).await {
        Ok(_) => see_other("/account?notice=signed-out-others"),
        Err(e) => web::internal(&e),
    }
}

fn change_view(state: &AppState, user: &CurrentUser, csrf: String) -> ChangePasswordView {
    ChangePasswordView {
        username: user.account.username.clone(),
        forced: user.account.must_change_password,
        inputs: user.account.user_inputs(),
        policy: state.service.settings().policy.clone(),
        errors: vec![],
        report: None,
        mismatch: false,
        wrong_current: false,
        typed: None,
        csrf,
    }
}

pub async fn show_change(State(state): State<AppState>, CsrfToken(csrf): CsrfToken, jar: CookieJar) -> Response {
    match require_user(&state, &jar, "/account/password").await {
        Ok(user) => page_response(StatusCode::OK, change_password::page(change_view(&state, &user, csrf))),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn submit_change(
    State(state): State<AppState>,
    peer: web::Peer,
    CsrfToken(csrf): CsrfToken,
    jar: CookieJar,
    parsed: Result<Form<ChangeForm>, FormRejection>,
) -> Response {
    let user = match require_user(&state, &jar, "/account/password").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let f = match form(parsed) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let ip = peer.ip();
    let req = PasswordChange { current: &f.current_password, new: &f.new_password, confirm: &f.confirm_password, client_ip: &ip };
    match state.service.change_password(user.account.id, req).await {
        Ok(()) => {
            // Every session ended with the change, this one included: sign in again.
            let jar = web::clear_session_cookie(state.service.settings(), jar);
            (jar, see_other("/login?notice=password-changed")).into_response()
        }
        Err(Error::Busy) => web::busy(),
        Err(Error::WrongCurrentPassword) => {
            let mut v = change_view(&state, &user, csrf.clone());
            v.errors = vec!["The current password is not right.".into()];
            v.wrong_current = true;
            page_response(StatusCode::UNPROCESSABLE_ENTITY, change_password::page(v))
        }
        Err(e @ (Error::WeakPassword(_) | Error::PasswordsDiffer | Error::SameAsCurrent)) => {
            let mut v = change_view(&state, &user, csrf.clone());
            v.typed = matches!(e, Error::WeakPassword(_)).then(|| f.new_password.clone());
            (v.errors, v.report, v.mismatch) = new_password_errors(e);
            page_response(StatusCode::UNPROCESSABLE_ENTITY, change_password::page(v))
        }
        Err(e) => web::internal(&e),
    }
}
