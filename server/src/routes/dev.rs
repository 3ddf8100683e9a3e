//! `/dev/mailbox`: local mode only, loopback clients only. Lists the local mailbox.

use app::pages::mailbox::{self as mailbox_page, MailView};
use axum::extract::{State};
use axum::http::StatusCode;
use axum::response::Response;
use service::mail::mailbox;

use crate::web::{self, page_response};
use crate::AppState;

pub async fn mailbox(State(state): State<AppState>, peer: web::Peer) -> Response {
    let settings = state.service.settings();
    let loopback = peer.is_loopback();
    if !settings.dev || !loopback {
        return super::not_found(State(state.clone())).await;
    }
    match mailbox::list(&settings.mailbox_dir).await {
        Ok(entries) => page_response(
            StatusCode::OK,
            mailbox_page::page(
                entries
                    .into_iter()
                    .map(|e| MailView {
                        to: e.to,
                        subject: e.subject,
                        date: service::mail::templates::human_time(e.date, &settings.timezone),
                        text: e.text,
                        links: e.links,
                    })
                    .collect(),
            ),
        ),
        Err(e) => web::internal(&e),
    }
}
