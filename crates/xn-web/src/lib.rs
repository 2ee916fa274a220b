//! The web layer of xiaoneng: server-rendered pages, the JSON API and the binary's commands.
//!
//! A handler reads: extract (actor, input) → one `xn_service` call → render. Authentication,
//! CSRF, paging and error rendering live in the extractors and helpers of this crate, written
//! once; no rule lives in a handler. Pages are in `pages/<area>.rs` (a folder `pages/<area>/`
//! once an area outgrows one file), the API in `api/<area>.rs`.

use std::sync::{Arc, Mutex};

use axum::Router;
use chrono::{DateTime, Utc};
use xn_service::Services;

pub mod api;
pub mod calendar_cli;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod downloads;
pub mod efficiency_scan;
pub mod error;
pub mod extract;
pub mod input;
pub mod metrics;
pub mod outbound;
pub mod pages;
pub mod render_cli;
pub mod respond;
pub mod scheduled_backup;
pub mod stopping;
pub mod timers;

/// Where the current time comes from. Only [`Clock::System`] reads the system clock; tests
/// use [`Clock::Manual`] and move time by hand.
#[derive(Clone)]
pub enum Clock {
    /// The machine's clock.
    System,
    /// A clock that stands still until moved.
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            #[expect(
                clippy::disallowed_methods,
                reason = "the one place the system clock is read"
            )]
            Clock::System => Utc::now(),
            Clock::Manual(t) => *t.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: chrono::Duration) {
        if let Clock::Manual(t) = self {
            let mut g = t.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *g += by;
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub services: Services,
    /// The clock.
    pub clock: Clock,
    /// Whether cookies get the `Secure` flag (served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
}

/// Whether a request reached us over TLS: directly, or through a proxy that says so
/// (`X-Forwarded-Proto: https`). A client that lies here only makes its own cookies `Secure`.
fn over_tls(req: &axum::extract::Request) -> bool {
    req.uri().scheme_str() == Some("https")
        || req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// Over TLS (or with `secure_cookies` set) every cookie an answer sets is `Secure` and the
/// answer carries HSTS, so a browser that once came over HTTPS never falls back to HTTP.
async fn tls_hardening(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let tls = state.secure_cookies || over_tls(&req);
    let mut res = next.run(req).await;
    if tls {
        let headers = res.headers_mut();
        let cookies: Vec<axum::http::HeaderValue> = headers
            .get_all(axum::http::header::SET_COOKIE)
            .iter()
            .map(|v| match v.to_str() {
                Ok(text) if !text.to_ascii_lowercase().contains("; secure") => {
                    axum::http::HeaderValue::from_str(&format!("{text}; Secure"))
                        .unwrap_or_else(|_| v.clone())
                }
                _ => v.clone(),
            })
            .collect();
        headers.remove(axum::http::header::SET_COOKIE);
        for c in cookies {
            headers.append(axum::http::header::SET_COOKIE, c);
        }
        headers.insert(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

/// A request's path as the access log shows it: a one-time reset link's secret is its path,
/// so it is cut off.
fn loggable_path(path: &str) -> &str {
    match path.strip_prefix("/password-reset/") {
        Some(rest) if !rest.is_empty() => "/password-reset/…",
        _ => path,
    }
}

/// The HTTP access log: one line per request at `info` (target `xn_web::access`) with the
/// method, the path without its query (a query may carry a secret or a search) and without a
/// reset link's secret, the client's address, the status and the time taken.
fn access_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        target: "xn_web::access",
        "http",
        method = %req.method(),
        path = %loggable_path(req.uri().path()),
        client = %client,
        request_id = %request_id,
    )
}

const REQUEST_ID: &str = "x-request-id";

/// Gives each request an id: the proxy's `X-Request-Id` when it is a short plain token, else a
/// fresh one. It is a field of the request's log span, so every log line written while the
/// request is served carries it, and it is sent back on the answer, so a person's report of a
/// failure can be found in the log.
async fn request_id(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let given = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
        .map(str::to_owned);
    let id = given.unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()));
    let Ok(value) = axum::http::HeaderValue::from_str(&id) else {
        return next.run(req).await;
    };
    req.headers_mut().insert(REQUEST_ID, value.clone());
    let mut res = next.run(req).await;
    res.headers_mut().insert(REQUEST_ID, value);
    res
}

fn access_line(
    res: &axum::http::Response<axum::body::Body>,
    latency: std::time::Duration,
    _span: &tracing::Span,
) {
    tracing::info!(
        target: "xn_web::access",
        status = res.status().as_u16(),
        ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        "answered"
    );
}

/// Adds the access log (see [`access_span`]) around every route.
fn with_access_log(router: Router<AppState>) -> Router<AppState> {
    router
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(access_span)
                .on_request(())
                .on_response(access_line),
        )
        .layer(axum::middleware::from_fn(request_id))
}

/// The whole application: pages, API, health checks and static assets.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .merge(pages::router())
        .merge(api::router())
        .route_layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            downloads::record_downloads,
        ))
        .layer(axum::middleware::from_fn(input::clean_request))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            tls_hardening,
        ))
        .layer(axum::middleware::from_fn(error::explain_rejections))
        .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024))
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::X_FRAME_OPTIONS,
            axum::http::HeaderValue::from_static("DENY"),
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            axum::http::HeaderValue::from_static("nosniff"),
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::REFERRER_POLICY,
            axum::http::HeaderValue::from_static("same-origin"),
        ))
;
    with_access_log(routes).with_state(state)
}
