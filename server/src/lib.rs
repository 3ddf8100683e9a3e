//! The hmis-access web server: the axum router, its layers, and the handlers that turn HTTP
//! requests into `service` use cases and `app` pages.
//!
//! Must not hold business rules: a handler parses input, calls one use case, and maps the
//! result to a page, a redirect or a status. Rules live in `service` and `domain`.

pub mod cli;
pub mod csrf;
pub mod layers;
pub mod routes;
pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use service::Service;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub site_root: PathBuf,
    /// Proxies whose `X-Forwarded-For` is believed (HMIS_TRUSTED_PROXIES); empty = none.
    pub trusted_proxies: std::sync::Arc<Vec<ipnet::IpNet>>,
    /// `Host` values served: the public URL's, HMIS_ALLOWED_HOSTS, and in local mode the
    /// loopback names on the same port. Anything else gets 400 (RB-07).
    pub allowed_hosts: std::sync::Arc<Vec<String>>,
}

impl AppState {
    pub fn new(service: Service, site_root: PathBuf) -> Self {
        let allowed_hosts = std::sync::Arc::new(layers::default_allowed_hosts(service.settings()));
        AppState { service, site_root, trusted_proxies: std::sync::Arc::new(Vec::new()), allowed_hosts }
    }

    /// Also serves requests for `host` (`name` or `name:port`).
    pub fn allow_host(mut self, host: &str) -> Self {
        let mut v = (*self.allowed_hosts).clone();
        v.push(layers::normalise_host(host));
        self.allowed_hosts = std::sync::Arc::new(v);
        self
    }

    pub fn trust_proxies(mut self, nets: Vec<ipnet::IpNet>) -> Self {
        self.trusted_proxies = std::sync::Arc::new(nets);
        self
    }
}

/// The whole application: routes, static files, layers.
pub fn router(state: AppState) -> Router {
    let static_files = tower_http::services::ServeDir::new(&state.site_root)
        .precompressed_br()
        .precompressed_gzip();
    routes::routes(state.clone())
        .fallback_service(static_files.not_found_service(axum::routing::any(routes::not_found).with_state(state.clone())))
        .layer(axum::middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(axum::middleware::from_fn_with_state(state.clone(), layers::same_origin_posts))
        .layer(axum::middleware::from_fn_with_state(state.clone(), layers::known_host))
        .layer(axum::middleware::from_fn(layers::friendly_errors))
        .layer(axum::middleware::from_fn(layers::sane_paths))
        .layer(axum::middleware::from_fn_with_state(state.clone(), layers::security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(layers::MAX_FORM_BYTES))
        .layer(layers::trace())
}

/// Serves until SIGINT/SIGTERM, then finishes in-flight requests and stops the outbox worker.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker_service = state.service.clone();
    let lifecycle_service = state.service.clone();
    let lifecycle_rx = stop_rx.clone();
    let worker = tokio::spawn(async move { worker_service.run_outbox_worker(stop_rx).await });
    let lifecycle = tokio::spawn(async move { lifecycle_service.run_lifecycle_schedule(lifecycle_rx).await });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // No Nagle: a file's body goes out in a write after its headers, and with Nagle on that
    // small second write waited for the client's delayed ACK (about 40 ms on Linux). That was
    // the ~48 ms p99 of static files in the benchmark while pages, one write each, took 4 ms.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = lifecycle.await;
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
