//! The routes: one module per screen family. Route names are kebab-case.

mod account;
mod dev;
mod health;
mod reset;
mod sign_in;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::web::{page_response, too_large};
use crate::AppState;

pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/", get(sign_in::home))
        .route("/login", get(sign_in::show).post(sign_in::submit))
        .route("/logout", post(sign_in::logout))
        .route("/help/sign-in", get(sign_in::help))
        .route("/forgot-password", get(reset::show_forgot).post(reset::submit_forgot))
        .route("/forgot-password/sent", get(reset::forgot_sent))
        .route("/reset-password", get(reset::show_reset).post(reset::submit_reset))
        .route("/reset-password/done", get(reset::reset_done))
        .route("/account", get(account::show))
        .route("/account/password", get(account::show_change).post(account::submit_change))
        .route("/account/sessions/sign-out-others", post(account::sign_out_others))
        .route("/dev/mailbox", get(dev::mailbox))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(state)
}

pub async fn not_found(State(_): State<AppState>) -> Response {
    page_response(
        StatusCode::NOT_FOUND,
        app::pages::error::page("Page not found", "There is nothing at this address. Check the link, or start from the sign-in page.".into()),
    )
}

/// Unwraps a parsed form, or answers: 413 for an oversized body, 400 for an unreadable one.
pub(crate) fn form<T>(parsed: Result<Form<T>, FormRejection>) -> Result<T, Response> {
    match parsed {
        Ok(Form(v)) => Ok(v),
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
        Err(r) => {
            tracing::info!(rejection = %r.body_text(), "unreadable form");
            Err(page_response(
                StatusCode::BAD_REQUEST,
                app::pages::error::page(
                    "The form could not be read",
                    "Something was missing or garbled in what the browser sent. Please go back, reload the page and try again.".into(),
                ),
            )
            .into_response())
        }
    }
}
