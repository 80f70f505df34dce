//! The gate every API call passes: bearer authentication, the per-key rate
//! limit, idempotency keys, and the request log.

use super::error::*;
use crate::error::AppError;
use crate::server::secrets::Secrets;
use crate::server::services::integration::{self as svc, ApiCaller, AuthFailure, Credential};
use crate::server::state::AppState;
use crate::server::store::{ApiRequestRecord, IdempotencyState, OrgRef};
use crate::server::tenant::RequestMeta;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Instant;

/// The largest request body the API reads.
const MAX_BODY: usize = 1 << 20;

/// An in-memory rate limit per key of type `K` (per instance).
pub struct Limiter<K: std::hash::Hash + Eq + Clone>(DefaultKeyedRateLimiter<K>);

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    pub fn new(per_second: u32, burst: u32) -> Self {
        let per = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(per);
        Limiter(RateLimiter::keyed(Quota::per_second(per).allow_burst(burst)))
    }

    /// `Err(seconds to wait)` when `key` is over its rate.
    pub(crate) fn check(&self, key: &K) -> Result<(), u64> {
        // Forget idle keys now and then so the map does not only grow.
        if self.0.len() > 10_000 {
            self.0.retain_recent();
        }
        self.0.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        })
    }
}

/// The API's limits: per key, and per client address for failed
/// authentication.
pub struct Limits {
    pub(super) keys: Limiter<Credential>,
    pub(super) failures: Limiter<String>,
}

pub(super) fn idempotency_key(req: &Request) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else { return Ok(None) };
    match v.to_str() {
        // As documented: printable ASCII without spaces (`^[!-~]+$`).
        Ok(s) if !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_graphic()) => Ok(Some(s.to_owned())),
        _ => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "Idempotency-Key must be 1 to 255 visible characters, without spaces.",
        )),
    }
}

fn too_large() -> Response {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The body is over 1 MiB.").into_response()
}

/// Answers 429 for a limiter that said no.
pub(super) fn rate_limited(secs: u64) -> Response {
    metrics::counter!("api_rate_limited_total").increment(1);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("Too many requests; try again in {secs} s."),
    );
    e.retry_after = Some(secs);
    e.into_response()
}

pub(super) async fn gate(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<Limits>>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let Some(meta) = req.extensions().get::<RequestMeta>().cloned() else {
        return ApiError::unauthorized().into_response();
    };
    let auth = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // An API key, or else an OAuth access token, with the same checks after.
    let caller = match svc::bearer(auth.as_deref()) {
        Some(t) if !svc::is_api_key(t) => {
            crate::server::services::oauth::authenticate_access(&state, &meta, t).await.ok_or(AuthFailure::Invalid)
        }
        _ => svc::authenticate(&state, meta.brand.id, auth.as_deref()).await,
    };
    let caller = match caller {
        Ok(c) => c,
        Err(AuthFailure::Missing | AuthFailure::Invalid) => {
            // Guessing keys costs a hash and a lookup each: limited per address.
            if let Err(secs) = limits.failures.check(&meta.client_ip) {
                return rate_limited(secs);
            }
            return ApiError::unauthorized().into_response();
        }
    };
    let method = req.method().clone();
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".to_owned());
    // Refused before any database work, and not logged: a flood of them
    // must not become a flood of writes.
    if let Err(secs) = limits.keys.check(&caller.credential) {
        return rate_limited(secs);
    }
    svc::key_used(&state, &caller).await;
    let res = run(&state, &caller, req, next).await;
    let record = ApiRequestRecord {
        organisation_id: caller.organisation_id,
        environment: caller.environment,
        key_id: match caller.credential {
            Credential::Key(id) => Some(id),
            Credential::Client { .. } | Credential::Portal { .. } => None,
        },
        method: method.to_string(),
        route,
        status: res.status().as_u16(),
        latency_us: started.elapsed().as_micros() as i64,
        at: state.clock.now(),
    };
    if state.traffic.push(record) {
        let state = state.clone();
        tokio::spawn(async move { state.traffic.write_waiting(&*state.store).await });
    }
    res
}

/// Runs the request, answering a repeated idempotency key from the store.
pub(super) async fn run(state: &AppState, caller: &ApiCaller, mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(caller.clone());
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    // One body limit for every POST, answered in the error shape.
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return too_large();
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    let key = match idempotency_key(&req) {
        Ok(Some(k)) => k,
        Ok(None) => return next.run(req).await,
        Err(e) => return e.into_response(),
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return too_large();
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(parts.uri.path().as_bytes());
    hasher.update(&bytes);
    let hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let (org, env) = (caller.org, caller.environment);
    let now = state.clock.now();
    // Requests end (answered or cut off by the time limit) well within this;
    // a key left "in progress" longer belongs to a process that died.
    let abandoned_after = chrono::Duration::seconds(state.config.request_timeout_seconds as i64 + 5);
    match state.store.begin_idempotent(org, env, &key, &hash, now, abandoned_after).await {
        Err(e) => {
            tracing::error!(error = %e, "idempotency key");
            return ApiError::from_app(AppError::Internal, 0).into_response();
        }
        Ok(IdempotencyState::Replay { status, body }) => {
            let Some(body) = Secrets::of(&state.config).open(&body) else {
                return ApiError::from_app(AppError::Internal, 0).into_response();
            };
            let mut res = Response::new(Body::from(body));
            *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            return res;
        }
        Ok(IdempotencyState::Mismatch) => {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was used with a different request.",
            )
            .into_response()
        }
        Ok(IdempotencyState::InProgress) => {
            return ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still running; retry shortly.",
            )
            .into_response()
        }
        Ok(IdempotencyState::New) => {}
    }
    // If the request is dropped before it answers (the client went away, the
    // time limit cut it off), the key is handed back so a retry runs.
    let mut pending = PendingKey { state: state.clone(), org, env, key: key.clone(), answered: false };
    let res = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    pending.answered = true;
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    // Server errors, rate limits and conflicts are not kept: the client's
    // retry runs again. Answers can hold secrets (a new webhook's), so they
    // are stored sealed.
    let keep = !parts.status.is_server_error()
        && !matches!(parts.status, StatusCode::TOO_MANY_REQUESTS | StatusCode::CONFLICT);
    let answer =
        keep.then(|| (parts.status.as_u16(), Secrets::of(&state.config).seal(&String::from_utf8_lossy(&bytes))));
    if let Err(e) = state.store.finish_idempotent(org, env, &key, answer).await {
        tracing::error!(error = %e, "idempotency key");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// An idempotency key taken by a request that has not answered yet.
struct PendingKey {
    state: AppState,
    org: OrgRef,
    env: crate::domain::integration::Environment,
    key: String,
    answered: bool,
}

impl Drop for PendingKey {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        let (state, org, env, key) = (self.state.clone(), self.org, self.env, std::mem::take(&mut self.key));
        tokio::spawn(async move {
            if let Err(e) = state.store.finish_idempotent(org, env, &key, None).await {
                tracing::warn!(error = %e, "could not release an idempotency key");
            }
        });
    }
}
