//! The partner REST API under `/api/v1`: JSON, authenticated by
//! `Authorization: Bearer <key>`, one error shape, per-key rate limits,
//! idempotency keys on POST, and every request recorded for the partner's
//! traffic view. The OpenAPI document is generated from these handlers'
//! annotations (utoipa), so routes and document cannot drift apart.
//!
//! Bearer keys are not ambient credentials, so these routes are exempt from
//! the browser origin check (`security::check_origin`).

use crate::domain::certification::support_tier;
use crate::domain::format::rfc3339_ms as rfc3339;
use crate::domain::integration::{AgentView, Scope, SubscriptionView};
use crate::error::{AppError, FieldError};
use crate::server::secrets::Secrets;
use crate::server::services::integration::{self as svc, AgentForm, ApiCaller, AuthFailure, EventForm};
use crate::server::services::webhooks::{self, Who};
use crate::server::state::AppState;
use crate::server::store::{ApiRequestRecord, IdempotencyState};
use crate::server::tenant::RequestMeta;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

const MAX_BODY: usize = 1 << 20;

// ---- Wire types ---------------------------------------------------------------

/// An AI agent of the partner's, in the key's environment.
#[derive(Serialize, ToSchema)]
pub struct Agent {
    /// Public id, `agt_…`.
    id: String,
    name: String,
    /// `sandbox` or `production`.
    environment: String,
    external_ref: Option<String>,
    /// Email of the white-label customer it is assigned to.
    customer: Option<String>,
    /// 0 to 1000; new agents start at 500.
    trust_score: i64,
    events: i64,
    created_at: String,
    updated_at: String,
}

impl From<AgentView> for Agent {
    fn from(a: AgentView) -> Self {
        Agent {
            id: a.id,
            name: a.name,
            environment: a.environment.key().into(),
            external_ref: a.external_ref,
            customer: a.customer,
            trust_score: a.trust_score,
            events: a.events,
            created_at: rfc3339(a.created_at_ms),
            updated_at: rfc3339(a.updated_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AgentList {
    data: Vec<Agent>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewAgentRequest {
    /// 1 to 60 characters.
    name: String,
    /// Your own reference: letters, digits and `._:-`, up to 128.
    #[serde(default)]
    external_ref: Option<String>,
    /// Email of one of your white-label customers, to show them this agent.
    #[serde(default)]
    customer: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TrustPoint {
    event_id: String,
    /// `success`, `failure`, `timeout` or `policy_violation`.
    outcome: String,
    score_before: i64,
    score_after: i64,
    at: String,
}

/// An agent's trust score and its latest changes (newest first).
#[derive(Serialize, ToSchema)]
pub struct Trust {
    agent_id: String,
    trust_score: i64,
    history: Vec<TrustPoint>,
}

/// One agent outcome. The score moves by success +5, timeout −10, failure
/// −20, policy violation −100, and stays within 0–1000. Sending the same
/// `event_id` again changes nothing.
#[derive(Deserialize, ToSchema)]
pub struct EventRequest {
    event_id: String,
    agent_id: String,
    outcome: String,
}

/// One event, or up to 100 as `{"events": [...]}`.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EventsRequest {
    Batch { events: Vec<EventRequest> },
    One(EventRequest),
}

#[derive(Serialize, ToSchema)]
pub struct EventOutcome {
    event_id: String,
    agent_id: String,
    /// False when this event id was received before.
    applied: bool,
    trust_score: i64,
}

#[derive(Serialize, ToSchema)]
pub struct EventsResponse {
    results: Vec<EventOutcome>,
}

#[derive(Serialize, ToSchema)]
pub struct Subscription {
    id: String,
    url: String,
    environment: String,
    patterns: Vec<String>,
    active: bool,
    disabled_reason: Option<String>,
    created_at: String,
}

impl From<SubscriptionView> for Subscription {
    fn from(s: SubscriptionView) -> Self {
        Subscription {
            id: s.id,
            url: s.url,
            environment: s.environment.key().into(),
            patterns: s.patterns,
            active: s.active,
            disabled_reason: s.disabled_reason,
            created_at: rfc3339(s.created_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SubscriptionList {
    data: Vec<Subscription>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewSubscriptionRequest {
    /// A public http(s) address.
    url: String,
    /// `*`, a family such as `trust.*`, or event names such as `payout.paid`.
    patterns: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedSubscription {
    subscription: Subscription,
    /// The signing secret (`whsec_…`).
    secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct RotatedSecret {
    secret: String,
    /// Until then, deliveries carry a signature under the old secret too.
    previous_valid_until: String,
}

#[derive(Serialize, ToSchema)]
pub struct QueuedDelivery {
    delivery_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Certification {
    /// registered, development, testing, review, certified, listed,
    /// featured, premier, recertification or suspended.
    state: String,
    since: String,
    certified_at: Option<String>,
    support_tier: String,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    field: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable: unauthorized, insufficient_scope, not_found, invalid_request,
    /// conflict, refused, rate_limited, sandbox_limit_exceeded,
    /// idempotency_key_reused, idempotency_key_in_use, internal.
    code: String,
    message: String,
    fields: Vec<FieldProblem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resets_at: Option<String>,
}

/// Every error has this shape.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

// ---- Errors ---------------------------------------------------------------------

pub struct ApiError {
    status: StatusCode,
    // Boxed: handlers return `Result<_, ApiError>` everywhere.
    detail: Box<ErrorDetail>,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: Box::new(ErrorDetail {
                code: code.into(),
                message: message.into(),
                fields: Vec::new(),
                limit: None,
                resets_at: None,
            }),
            retry_after: None,
        }
    }

    fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Send a valid API key as Authorization: Bearer <key>.")
    }

    fn from_app(e: AppError, now_ms: i64) -> Self {
        match e {
            AppError::Invalid(fields) => {
                let mut err =
                    Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", "Some fields are invalid.");
                err.detail.fields =
                    fields.into_iter().map(|FieldError { field, message }| FieldProblem { field, message }).collect();
                err
            }
            AppError::Unauthenticated => Self::unauthorized(),
            AppError::Forbidden => Self::new(StatusCode::FORBIDDEN, "insufficient_scope", "This key may not do this."),
            AppError::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found", "Not found."),
            AppError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            AppError::Refused(m) => Self::new(StatusCode::BAD_REQUEST, "refused", m),
            AppError::Limit(l) => {
                let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, "sandbox_limit_exceeded", l.to_string());
                err.retry_after = Some(((l.resets_at_ms - now_ms).max(0) as u64).div_ceil(1000).max(1));
                err.detail.limit = Some(l.limit);
                err.detail.resets_at = Some(rfc3339(l.resets_at_ms));
                err
            }
            AppError::Internal | AppError::Transport(_) => {
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side.")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(ErrorBody { error: *self.detail })).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

type ApiResult<T> = Result<T, ApiError>;

fn fail(state: &AppState) -> impl Fn(AppError) -> ApiError + '_ {
    move |e| ApiError::from_app(e, state.clock.now().timestamp_millis())
}

fn need(caller: &ApiCaller, scope: Scope) -> ApiResult<()> {
    if caller.scopes.contains(&scope) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("This key lacks the {} scope.", scope.key()),
        ))
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            format!("The body is not the JSON expected: {e}"),
        )
    })
}

fn who(caller: &ApiCaller, meta: &RequestMeta) -> Who {
    Who {
        brand_id: caller.brand_id,
        actor_id: None,
        label: format!("API key {}", caller.key_id),
        client_ip: meta.client_ip.clone(),
    }
}

// ---- Handlers -------------------------------------------------------------------

/// List the agents of the key's environment.
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents",
    responses((status = 200, body = AgentList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_agents(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> ApiResult<Json<AgentList>> {
    need(&caller, Scope::AgentsRead)?;
    let list = svc::list_agents(&state, &caller).await.map_err(fail(&state))?;
    Ok(Json(AgentList { data: list.into_iter().map(Agent::from).collect() }))
}

/// Register an agent. The sandbox holds at most 100 until its weekly reset.
#[utoipa::path(post, path = "/api/v1/agents", tag = "agents", request_body = NewAgentRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses((status = 201, body = Agent), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn register_agent(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Agent>)> {
    need(&caller, Scope::AgentsWrite)?;
    let req: NewAgentRequest = parse_json(&body)?;
    let form = AgentForm { name: req.name, external_ref: req.external_ref, customer: req.customer };
    let agent = svc::register_agent(&state, &caller, form).await.map_err(fail(&state))?;
    Ok((StatusCode::CREATED, Json(agent.into())))
}

/// One agent.
#[utoipa::path(get, path = "/api/v1/agents/{agent_id}", tag = "agents",
    params(("agent_id" = String, Path, description = "The agent's id, agt_…")),
    responses((status = 200, body = Agent), (status = 404, body = ErrorBody)))]
async fn get_agent(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(agent_id): Path<String>,
) -> ApiResult<Json<Agent>> {
    need(&caller, Scope::AgentsRead)?;
    Ok(Json(svc::agent(&state, &caller, &agent_id).await.map_err(fail(&state))?.into()))
}

/// An agent's trust score (0–1000) and its 50 latest changes.
#[utoipa::path(get, path = "/api/v1/trust/{agent_id}", tag = "trust",
    params(("agent_id" = String, Path, description = "The agent's id, agt_…")),
    responses((status = 200, body = Trust), (status = 404, body = ErrorBody)))]
async fn get_trust(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(agent_id): Path<String>,
) -> ApiResult<Json<Trust>> {
    need(&caller, Scope::AgentsRead)?;
    let (agent, history) = svc::trust(&state, &caller, &agent_id).await.map_err(fail(&state))?;
    Ok(Json(Trust {
        agent_id: agent.id,
        trust_score: agent.trust_score,
        history: history
            .into_iter()
            .map(|h| TrustPoint {
                event_id: h.event_id,
                outcome: h.outcome.key().into(),
                score_before: h.score_before,
                score_after: h.score_after,
                at: rfc3339(h.at_ms),
            })
            .collect(),
    }))
}

/// Report agent outcomes; each moves its agent's trust score. The sandbox
/// takes 10 000 events a day.
#[utoipa::path(post, path = "/api/v1/events", tag = "trust", request_body = EventsRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses((status = 200, body = EventsResponse), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn post_events(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    body: Bytes,
) -> ApiResult<Json<EventsResponse>> {
    need(&caller, Scope::EventsWrite)?;
    let req: EventsRequest = parse_json(&body)?;
    let list = match req {
        EventsRequest::Batch { events } => events,
        EventsRequest::One(e) => vec![e],
    };
    let forms = list
        .into_iter()
        .map(|e| EventForm { event_id: e.event_id, agent_id: e.agent_id, outcome: e.outcome })
        .collect();
    let results = svc::record_events(&state, &caller, forms).await.map_err(fail(&state))?;
    Ok(Json(EventsResponse {
        results: results
            .into_iter()
            .map(|r| EventOutcome {
                event_id: r.event_id,
                agent_id: r.agent_id,
                applied: r.applied,
                trust_score: r.trust_score,
            })
            .collect(),
    }))
}

/// Webhook subscriptions of the key's environment.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = SubscriptionList), (status = 403, body = ErrorBody)))]
async fn list_webhooks(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> ApiResult<Json<SubscriptionList>> {
    need(&caller, Scope::WebhooksManage)?;
    let list = webhooks::list(&state, caller.organisation_id, Some(caller.environment)).await.map_err(fail(&state))?;
    Ok(Json(SubscriptionList { data: list.into_iter().map(Subscription::from).collect() }))
}

/// Subscribe a receiver. Its URL must be a public address. The secret is
/// returned once here (owners can also read it on the portal).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewSubscriptionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses((status = 201, body = CreatedSubscription), (status = 422, body = ErrorBody)))]
async fn create_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Extension(meta): Extension<RequestMeta>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<CreatedSubscription>)> {
    need(&caller, Scope::WebhooksManage)?;
    let req: NewSubscriptionRequest = parse_json(&body)?;
    let (sub, secret) = webhooks::create(
        &state,
        &who(&caller, &meta),
        caller.organisation_id,
        caller.environment,
        &req.url,
        &req.patterns.join(" "),
    )
    .await
    .map_err(fail(&state))?;
    Ok((StatusCode::CREATED, Json(CreatedSubscription { subscription: sub.into(), secret })))
}

/// The subscription, if it is in the key's environment.
async fn own_subscription(state: &AppState, caller: &ApiCaller, id: &str) -> ApiResult<()> {
    let s = webhooks::find(state, caller.organisation_id, id).await.map_err(fail(state))?;
    if s.environment != caller.environment {
        return Err(ApiError::from_app(AppError::NotFound, 0));
    }
    Ok(())
}

/// Delete a subscription; its pending deliveries are cancelled.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id, whk_…")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Extension(meta): Extension<RequestMeta>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    need(&caller, Scope::WebhooksManage)?;
    own_subscription(&state, &caller, &id).await?;
    webhooks::delete(&state, &who(&caller, &meta), caller.organisation_id, &id).await.map_err(fail(&state))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the signing secret; the old one also signs for 24 hours.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id, whk_…")),
    responses((status = 200, body = RotatedSecret), (status = 404, body = ErrorBody)))]
async fn rotate_webhook_secret(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Extension(meta): Extension<RequestMeta>,
    Path(id): Path<String>,
) -> ApiResult<Json<RotatedSecret>> {
    need(&caller, Scope::WebhooksManage)?;
    own_subscription(&state, &caller, &id).await?;
    let (secret, until) = webhooks::rotate_secret(&state, &who(&caller, &meta), caller.organisation_id, &id)
        .await
        .map_err(fail(&state))?;
    Ok(Json(RotatedSecret { secret, previous_valid_until: rfc3339(until.timestamp_millis()) }))
}

/// Send a `webhook.test` event to this subscription.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id, whk_…")),
    responses((status = 202, body = QueuedDelivery), (status = 404, body = ErrorBody)))]
async fn test_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<QueuedDelivery>)> {
    need(&caller, Scope::WebhooksManage)?;
    own_subscription(&state, &caller, &id).await?;
    let delivery_id = webhooks::send_test(&state, caller.organisation_id, &id).await.map_err(fail(&state))?;
    Ok((StatusCode::ACCEPTED, Json(QueuedDelivery { delivery_id })))
}

/// The partner's certification status.
#[utoipa::path(get, path = "/api/v1/certification", tag = "certification",
    responses((status = 200, body = Certification), (status = 403, body = ErrorBody)))]
async fn get_certification(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> ApiResult<Json<Certification>> {
    need(&caller, Scope::CertificationRead)?;
    let rec = state
        .store
        .certification(caller.brand_id, caller.organisation_id)
        .await
        .map_err(|e| fail(&state)(crate::server::context::store_error(e)))?
        .ok_or_else(|| ApiError::from_app(AppError::NotFound, 0))?;
    Ok(Json(Certification {
        state: rec.state.key().into(),
        since: rfc3339(rec.state_since_ms),
        certified_at: rec.certified_at_ms.map(rfc3339),
        support_tier: support_tier(rec.state).label().into(),
    }))
}

async fn unknown_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such API route; see /api/v1/openapi.json.")
}

// ---- The document ---------------------------------------------------------------

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // utoipa copies the crate's (empty) license; OpenAPI 3.1 needs a
        // licence to name an identifier or URL, so none is stated.
        openapi.info.license = None;
        openapi.components.get_or_insert_with(Default::default).add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("pk_test_… or pk_live_…").build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Partner Portal API",
        version = "1",
        description = "Agents, trust scores, outcome events, webhook subscriptions and certification status. \
                       Authenticate with `Authorization: Bearer <key>`; sandbox keys start `pk_test_`, production \
                       keys `pk_live_`. Errors share one shape with a stable `code`. Each key has a rate limit (by \
                       default 50 requests a second, bursts of 100); beyond it the answer is 429 with `Retry-After`. POST requests \
                       accept an `Idempotency-Key` header: a retry with the same key and body gets the first answer."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

fn build() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_agents, register_agent))
        .routes(routes!(get_agent))
        .routes(routes!(get_trust))
        .routes(routes!(post_events))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(rotate_webhook_secret))
        .routes(routes!(test_webhook))
        .routes(routes!(get_certification))
        .split_for_parts()
}

/// The OpenAPI 3 document, built once.
pub fn openapi_json() -> String {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| build().1.to_pretty_json().unwrap_or_default()).clone()
}

// ---- The gate: authentication, rate limit, idempotency, request log -------------

/// An in-memory rate limit per key of type `K` (per instance).
pub struct Limiter<K: std::hash::Hash + Eq + Clone>(DefaultKeyedRateLimiter<K>);

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    pub fn new(per_second: u32, burst: u32) -> Self {
        let per = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(per);
        Limiter(RateLimiter::keyed(Quota::per_second(per).allow_burst(burst)))
    }

    /// `Err(seconds to wait)` when `key` is over its rate.
    fn check(&self, key: &K) -> Result<(), u64> {
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
    keys: Limiter<i64>,
    failures: Limiter<String>,
}

fn idempotency_key(req: &Request) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else { return Ok(None) };
    match v.to_str() {
        Ok(s) if !s.is_empty() && s.len() <= 255 => Ok(Some(s.to_owned())),
        _ => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "Idempotency-Key must be 1 to 255 visible characters.",
        )),
    }
}

/// Answers 429 for a limiter that said no.
fn rate_limited(secs: u64) -> Response {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("Too many requests; try again in {secs} s."),
    );
    e.retry_after = Some(secs);
    e.into_response()
}

async fn gate(
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
    let caller = match svc::authenticate(&state, meta.brand.id, auth.as_deref()).await {
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
    if let Err(secs) = limits.keys.check(&caller.key_id) {
        return rate_limited(secs);
    }
    svc::key_used(&state, &caller).await;
    let res = run(&state, &caller, req, next).await;
    let record = ApiRequestRecord {
        organisation_id: caller.organisation_id,
        environment: caller.environment,
        key_id: Some(caller.key_id),
        method: method.to_string(),
        route,
        status: res.status().as_u16(),
        latency_us: started.elapsed().as_micros() as i64,
        at: state.clock.now(),
    };
    if let Err(e) = state.store.record_api_request(record).await {
        tracing::warn!(error = %e, "API request log");
    }
    res
}

/// Runs the request, answering a repeated idempotency key from the store.
async fn run(state: &AppState, caller: &ApiCaller, mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(caller.clone());
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let key = match idempotency_key(&req) {
        Ok(Some(k)) => k,
        Ok(None) => return next.run(req).await,
        Err(e) => return e.into_response(),
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request", "The body is over 1 MiB.")
            .into_response();
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(parts.uri.path().as_bytes());
    hasher.update(&bytes);
    let hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let (org, env) = (caller.organisation_id, caller.environment);
    let now = state.clock.now();
    match state.store.begin_idempotent(org, env, &key, &hash, now).await {
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
    let res = next.run(Request::from_parts(parts, Body::from(bytes))).await;
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

/// `/api/v1/…` routes behind the gate, and the public OpenAPI document.
pub fn routes(state: &AppState) -> Router<AppState> {
    let limits = Arc::new(Limits {
        keys: Limiter::new(state.config.api_rate_per_second, state.config.api_rate_burst),
        failures: Limiter::new(5, 20),
    });
    let (api, _) = build();
    let api = api
        .route("/api/v1/{*rest}", axum::routing::any(unknown_route))
        // A panic in a handler answers in the API's error shape (and the gate
        // still records the call); the app-wide catcher would send a page.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side.")
                .into_response()
        }))
        .layer(axum::middleware::from_fn_with_state(state.clone(), gate))
        .layer(Extension(limits));
    Router::new()
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(|| async { ([(header::CONTENT_TYPE, "application/json")], openapi_json()) }),
        )
        .merge(api)
}

/// Whether a path belongs to the bearer-authenticated API (no cookies, so
/// no origin check).
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/v1/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_route_with_its_methods() {
        let doc: serde_json::Value = serde_json::from_str(&openapi_json()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        for (path, method) in [
            ("/api/v1/agents", "get"),
            ("/api/v1/agents", "post"),
            ("/api/v1/agents/{agent_id}", "get"),
            ("/api/v1/trust/{agent_id}", "get"),
            ("/api/v1/events", "post"),
            ("/api/v1/webhooks", "get"),
            ("/api/v1/webhooks", "post"),
            ("/api/v1/webhooks/{id}", "delete"),
            ("/api/v1/webhooks/{id}/rotate-secret", "post"),
            ("/api/v1/webhooks/{id}/test", "post"),
            ("/api/v1/certification", "get"),
        ] {
            assert!(paths[path][method].is_object(), "{method} {path} documented");
        }
        assert_eq!(paths.len(), 9);
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    }

    #[test]
    fn over_the_burst_a_key_waits_and_others_do_not() {
        let l = Limiter::new(1, 2);
        assert!(l.check(&1).is_ok() && l.check(&1).is_ok());
        assert_eq!(l.check(&1), Err(1));
        assert!(l.check(&2).is_ok());
    }

    #[test]
    fn only_api_paths_skip_the_origin_check() {
        assert!(is_api_path("/api/v1/agents"));
        assert!(!is_api_path("/api/get_branding"));
        assert!(!is_api_path("/api/v1"));
    }
}
