//! What an operator sees: log lines (text, or JSON with `APP_LOG_FORMAT=json`),
//! a request id on every response and on every log line written while
//! serving it, one span per request, and Prometheus metrics on a separate
//! address (`APP_METRICS_ADDR`), so they are never public.

use super::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::time::Instant;

/// The request header (and response header) that carries the request id.
pub const REQUEST_ID: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: String;
}

/// Text for people at a terminal, JSON for a log pipeline.
pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().flatten_event(true).with_current_span(true).with_span_list(false).init();
    } else {
        builder.init();
    }
}

/// Keeps a request id from a proxy only if it is a plain token (letters,
/// digits, `-`, `_`, `.`, at most 64): anything else is dropped and a fresh
/// one made, so a client cannot write what it likes into the logs.
pub async fn drop_malformed_request_id(mut req: Request, next: Next) -> Response {
    let malformed = req.headers().get(REQUEST_ID).is_some_and(|v| {
        let b = v.as_bytes();
        b.is_empty() || b.len() > 64 || !b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    });
    if malformed {
        req.headers_mut().remove(REQUEST_ID);
    }
    next.run(req).await
}

/// The id of the request being served on this task, for error pages.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(|id| id.clone()).ok()
}

fn request_id_of(req: &Request) -> String {
    req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// One span per request: its id, method and path. Every line logged while
/// serving it carries them.
pub fn span_for(req: &Request) -> tracing::Span {
    tracing::info_span!("request", id = %request_id_of(req), method = %req.method(), path = %req.uri().path())
}

/// Runs the request with its id in scope (for the error pages) and records
/// its count and latency by route and status; logs one line per request
/// with the status and the time taken.
pub async fn track(req: Request, next: Next) -> Response {
    let id = request_id_of(&req);
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "other".into());
    let method = req.method().to_string();
    let started = Instant::now();
    let res = CURRENT.scope(id, next.run(req)).await;
    let elapsed = started.elapsed();
    let status = res.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    tracing::info!(status = res.status().as_u16(), latency_ms = elapsed.as_millis() as u64, "served");
    res
}

/// Installs the process-wide metrics recorder; `None` if one is installed
/// already (tests that build several apps in one process).
pub fn install_recorder() -> Option<PrometheusHandle> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("http_request_duration_seconds".into()),
            &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
        )
        .ok()?
        .install_recorder()
        .ok()
}

/// `/metrics`: what the recorder holds, plus what is read from the database
/// and the pool at the moment of the scrape (backlogs and their age, pool
/// use), so the figures are the same whichever instance is asked.
pub fn metrics_router(state: AppState, handle: PrometheusHandle) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(move |State(state): State<AppState>| {
                let handle = handle.clone();
                async move {
                    sample(&state).await;
                    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
                }
            }),
        )
        .with_state(state)
}

async fn sample(state: &AppState) {
    let now = state.clock.now();
    let (size, idle) = state.store.pool_use();
    metrics::gauge!("db_pool_connections").set(size as f64);
    metrics::gauge!("db_pool_connections_idle").set(idle as f64);
    match state.store.backlogs(now).await {
        Ok(b) => {
            metrics::gauge!("outbox_backlog").set(b.outbox as f64);
            metrics::gauge!("outbox_oldest_age_seconds").set(b.outbox_oldest_secs as f64);
            metrics::gauge!("outbox_failed").set(b.outbox_failed as f64);
            metrics::gauge!("webhook_backlog").set(b.webhooks as f64);
            metrics::gauge!("webhook_oldest_age_seconds").set(b.webhooks_oldest_secs as f64);
            metrics::gauge!("database_up").set(1.0);
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: backlogs unreadable");
            metrics::gauge!("database_up").set(0.0);
        }
    }
}
