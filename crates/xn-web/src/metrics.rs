//! `/metrics`: the server's figures in the Prometheus (OpenMetrics) text format, for operators.
//! Requests by route and status with their latency are counted as they are answered; the
//! database pool, the SQLite writer, how late timers and messages are and what was sent are
//! read at each scrape. Off unless `metrics_token` is configured; then only a request with
//! `Authorization: Bearer <metrics_token>` is answered.

use std::sync::LazyLock;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Message {
    channel: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Connections {
    state: String,
}

fn latency_buckets() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The figures of this process.
struct Metrics {
    registry: Registry,
    requests: Family<Answered, Counter>,
    latency: Family<Route, Histogram, fn() -> Histogram>,
    pool: Family<Connections, Gauge>,
    writer_queued: Gauge,
    writer_jobs: Counter,
    writer_busy: Counter<f64, AtomicU64>,
    timer_lag: Family<Kind, Gauge<f64, AtomicU64>>,
    message_lag: Gauge<f64, AtomicU64>,
    messages: Family<Message, Gauge>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("xiaoneng");
    let requests = Family::<Answered, Counter>::default();
    registry.register(
        "http_requests",
        "HTTP requests answered, by route and status",
        requests.clone(),
    );
    let latency = Family::<Route, Histogram, fn() -> Histogram>::new_with_constructor(
        latency_buckets as fn() -> Histogram,
    );
    registry.register(
        "http_request_duration_seconds",
        "Time to answer an HTTP request, by route",
        latency.clone(),
    );
    let pool = Family::<Connections, Gauge>::default();
    registry.register(
        "db_connections",
        "Database pool connections, idle and in use",
        pool.clone(),
    );
    let writer_queued = Gauge::default();
    registry.register(
        "writer_queue_depth",
        "Write transactions waiting for the SQLite writer thread",
        writer_queued.clone(),
    );
    let writer_jobs = Counter::default();
    registry.register(
        "writer_transactions",
        "Write transactions the SQLite writer ran",
        writer_jobs.clone(),
    );
    let writer_busy = Counter::<f64, AtomicU64>::default();
    registry.register(
        "writer_busy_seconds",
        "Time the SQLite writer spent in write transactions, commits included",
        writer_busy.clone(),
    );
    let timer_lag = Family::<Kind, Gauge<f64, AtomicU64>>::default();
    registry.register(
        "timer_lag_seconds",
        "How late the oldest due timer of each kind is",
        timer_lag.clone(),
    );
    let message_lag = Gauge::<f64, AtomicU64>::default();
    registry.register(
        "message_lag_seconds",
        "How late the oldest due mail or robot message is",
        message_lag.clone(),
    );
    let messages = Family::<Message, Gauge>::default();
    registry.register(
        "messages",
        "Mail and robot messages by channel and status (sent, pending, failed)",
        messages.clone(),
    );
    Metrics {
        registry,
        requests,
        latency,
        pool,
        writer_queued,
        writer_jobs,
        writer_busy,
        timer_lag,
        message_lag,
        messages,
    }
});

/// Counts a request and its time under its route's template (`/cases/{id}`, never the path
/// itself, so that the figures stay few).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let m = &*METRICS;
    m.latency
        .get_or_create(&Route {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    m.requests
        .get_or_create(&Answered {
            method,
            route,
            status: res.status().as_u16(),
        })
        .inc();
    res
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// `GET /metrics`.
pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state
        .services
        .settings()
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return (
            StatusCode::NOT_FOUND,
            "未启用运行指标（metrics_token 未设置）",
        )
            .into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as digests: the time taken says nothing of how much of the token was right.
    if digest(given) != digest(expected) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "需要运行指标令牌",
        )
            .into_response();
    }
    let figures = match state.services.run_figures(state.clock.now()).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "reading the run figures failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "运行指标读取失败").into_response();
        }
    };
    let m = &*METRICS;
    let idle = i64::try_from(figures.pool_idle).unwrap_or(i64::MAX);
    m.pool
        .get_or_create(&Connections {
            state: "idle".into(),
        })
        .set(idle);
    m.pool
        .get_or_create(&Connections {
            state: "in_use".into(),
        })
        .set(i64::from(figures.pool_open) - idle);
    m.writer_queued
        .set(i64::try_from(figures.writer.queued).unwrap_or(i64::MAX));
    m.writer_jobs
        .inner()
        .store(figures.writer.jobs, std::sync::atomic::Ordering::Relaxed);
    #[expect(clippy::cast_precision_loss, reason = "a figure in seconds")]
    let busy = figures.writer.busy_micros as f64 / 1e6;
    m.writer_busy
        .inner()
        .store(busy.to_bits(), std::sync::atomic::Ordering::Relaxed);
    for kind in xn_domain::flow::TimerKind::all() {
        m.timer_lag
            .get_or_create(&Kind {
                kind: kind.code().to_owned(),
            })
            .set(0.0);
    }
    for (kind, lag) in &figures.timer_lag {
        m.timer_lag
            .get_or_create(&Kind { kind: kind.clone() })
            .set(*lag);
    }
    m.message_lag.set(figures.message_lag);
    for (channel, status, n) in &figures.messages {
        m.messages
            .get_or_create(&Message {
                channel: channel.clone(),
                status: status.clone(),
            })
            .set(*n);
    }
    let mut body = String::new();
    if let Err(e) = encode(&mut body, &m.registry) {
        tracing::error!(error = %e, "encoding the run figures failed");
        return (StatusCode::INTERNAL_SERVER_ERROR, "运行指标读取失败").into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
