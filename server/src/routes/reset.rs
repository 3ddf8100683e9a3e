//! `/forgot-password`, `/reset-password` and their confirmation pages.

use app::pages::forgot::{self, ForgotView};
use app::pages::reset::{self, LinkProblem, ResetFormView};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::password::Report;
use serde::Deserialize;
use service::{Error, TokenProblem};

use super::form;
use crate::csrf::CsrfToken;
use crate::web::{self, page_response, see_other};
use crate::AppState;

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    identifier: String,
}

fn ttl_minutes(state: &AppState) -> u64 {
    state.service.settings().reset_link_ttl.as_secs() / 60
}

pub async fn show_forgot(CsrfToken(csrf): CsrfToken) -> Response {
    page_response(StatusCode::OK, forgot::page(ForgotView { csrf, ..Default::default() }))
}

pub async fn submit_forgot(
    State(state): State<AppState>,
    peer: web::Peer,
    CsrfToken(csrf): CsrfToken,
    parsed: Result<Form<ForgotForm>, FormRejection>,
) -> Response {
    let f = match form(parsed) {
        Ok(f) => f,
        Err(r) => return r,
    };
    match state.service.request_reset(&f.identifier, &peer.ip()).await {
        // The same redirect whether or not an account matched (RB-08).
        Ok(()) => see_other("/forgot-password/sent"),
        Err(Error::Throttled { retry_after }) => web::throttled(retry_after),
        Err(Error::InvalidIdentifier(e)) => page_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            forgot::page(ForgotView {
                value: if f.identifier.len() > 1024 { String::new() } else { f.identifier },
                errors: vec![capitalise(&e.to_string())],
                csrf,
            }),
        ),
        Err(e) => web::internal(&e),
    }
}

pub async fn forgot_sent(State(state): State<AppState>) -> Response {
    page_response(StatusCode::OK, forgot::sent_page(ttl_minutes(&state)))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn link_problem(p: TokenProblem) -> LinkProblem {
    match p {
        TokenProblem::Invalid => LinkProblem::Invalid,
        TokenProblem::Expired => LinkProblem::Expired,
        TokenProblem::Used => LinkProblem::Used,
        TokenProblem::Superseded => LinkProblem::Superseded,
        TokenProblem::PasswordChanged => LinkProblem::PasswordChanged,
        TokenProblem::AccountBlocked => LinkProblem::AccountBlocked,
    }
}

fn problem_response(state: &AppState, p: TokenProblem) -> Response {
    // 400 for a link that never was valid; 410 Gone for one that was and no longer is.
    let status = if p == TokenProblem::Invalid { StatusCode::BAD_REQUEST } else { StatusCode::GONE };
    page_response(status, reset::problem_page(link_problem(p), ttl_minutes(state)))
}

/// GET (and HEAD) only show the form: mail scanners open links (RB-06). The page's URL holds
/// the token, so it never leaves in a Referer.
pub async fn show_reset(state: State<AppState>, csrf: CsrfToken, q: Query<TokenQuery>) -> Response {
    let mut res = show_reset_page(state, csrf, q).await;
    res.headers_mut().insert(axum::http::header::REFERRER_POLICY, axum::http::HeaderValue::from_static("no-referrer"));
    res
}

async fn show_reset_page(State(state): State<AppState>, CsrfToken(csrf): CsrfToken, Query(q): Query<TokenQuery>) -> Response {
    match state.service.check_reset_link(&q.token).await {
        Ok(info) => page_response(StatusCode::OK, reset::form_page(form_view(&state, &q.token, info, csrf))),
        Err(Error::TokenRejected(p)) => problem_response(&state, p),
        Err(e) => web::internal(&e),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn submit_reset(
    State(state): State<AppState>,
    peer: web::Peer,
    CsrfToken(csrf): CsrfToken,
    jar: axum_extra::extract::cookie::CookieJar,
    parsed: Result<Form<ResetForm>, FormRejection>,
) -> Response {
    let f = match form(parsed) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let ip = peer.ip();
    match state.service.complete_reset(&f.token, &f.new_password, &f.confirm_password, &ip).await {
        Ok(()) => {
            // Whoever was signed in in this browser (maybe someone else, RB-19) is signed out:
            // the browser is never left signed in as a mix of two people.
            let settings = state.service.settings();
            if let Some(v) = web::session_value(settings, &jar) {
                if let Err(e) = state.service.sign_out(&v).await {
                    return web::internal(&e);
                }
            }
            (web::clear_session_cookie(settings, jar), see_other("/reset-password/done")).into_response()
        }
        Err(Error::TokenRejected(p)) => problem_response(&state, p),
        Err(Error::Busy) => web::busy(),
        Err(e @ (Error::WeakPassword(_) | Error::PasswordsDiffer | Error::SameAsCurrent)) => {
            // Show the form again, on the same link, with the server's verdict.
            let info = match state.service.check_reset_link(&f.token).await {
                Ok(i) => i,
                Err(Error::TokenRejected(p)) => return problem_response(&state, p),
                Err(e) => return web::internal(&e),
            };
            let mut v = form_view(&state, &f.token, info, csrf);
            v.typed = matches!(e, Error::WeakPassword(_)).then(|| f.new_password.clone());
            (v.errors, v.report, v.mismatch) = new_password_errors(e);
            page_response(StatusCode::UNPROCESSABLE_ENTITY, reset::form_page(v))
        }
        Err(e) => web::internal(&e),
    }
}

/// The reset form for a live link, with nothing refused yet.
fn form_view(state: &AppState, token: &str, info: service::use_cases::ResetLinkInfo, csrf: String) -> ResetFormView {
    ResetFormView {
        token: token.trim().to_string(),
        username: info.username,
        inputs: info.user_inputs,
        policy: state.service.settings().policy.clone(),
        errors: vec![],
        report: None,
        mismatch: false,
        typed: None,
        csrf,
    }
}

/// The messages, verdict and mismatch flag a refused new password shows; shared with the
/// change-password page so both say the same.
pub(crate) fn new_password_errors(e: Error) -> (Vec<String>, Option<Report>, bool) {
    match e {
        Error::WeakPassword(v) => {
            let report = Report::from(*v);
            (report.problems.clone(), Some(report), false)
        }
        Error::PasswordsDiffer => (vec!["The two new passwords are not the same. Type the new password again in both fields.".into()], None, true),
        Error::SameAsCurrent => (vec!["The new password is the same as the current one. Choose a different password.".into()], None, false),
        other => (vec![other.to_string()], None, false),
    }
}

pub async fn reset_done() -> Response {
    page_response(StatusCode::OK, reset::done_page())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + ".",
        None => String::new(),
    }
}
