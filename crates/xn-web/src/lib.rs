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
pub mod error;
pub mod extract;
pub mod pages;
pub mod render_cli;
pub mod respond;
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

/// The whole application: pages, API, health checks and static assets.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(api::router())
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
        .with_state(state)
}
