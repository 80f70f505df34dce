//! The API's operations, each annotated for the OpenAPI document, and the
//! document assembled from them.

use super::error::*;
use super::wire::*;
use crate::domain::certification::support_tier;
use crate::domain::deals::{products_text, value_text, DealInput};
use crate::domain::format::rfc3339_ms as rfc3339;
use crate::domain::integration::{production_data, Scope};
use crate::error::AppError;
use crate::server::services::integration::{self as svc, AgentForm, ApiCaller, EventForm};
use crate::server::services::webhooks::{self, Who};
use crate::server::services::{deals, leads};
use crate::server::state::AppState;
use crate::server::tenant::RequestMeta;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) type ApiResult<T> = Result<T, ApiError>;

pub(super) fn fail(state: &AppState) -> impl Fn(AppError) -> ApiError + '_ {
    move |e| ApiError::from_app(e, state.clock.now().timestamp_millis())
}

pub(super) fn need(caller: &ApiCaller, scope: Scope) -> ApiResult<()> {
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

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            format!("The body is not the JSON expected: {e}"),
        )
    })
}

pub(super) fn who(caller: &ApiCaller, meta: &RequestMeta) -> Who {
    Who {
        brand_id: caller.brand_id,
        actor_id: caller.user_id,
        label: caller.credential.label(),
        client_ip: meta.client_ip.clone(),
    }
}

// ---- Handlers -------------------------------------------------------------------

/// List the agents of the key's environment.
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents",
    responses((status = 200, body = AgentList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn list_agents(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> ApiResult<Json<AgentList>> {
    need(&caller, Scope::AgentsRead)?;
    let list = svc::list_agents(&state, &caller).await.map_err(fail(&state))?;
    Ok(Json(AgentList { data: list.into_iter().map(Agent::from).collect() }))
}

/// Register an agent. The sandbox holds at most 100 until its weekly reset.
#[utoipa::path(post, path = "/api/v1/agents", tag = "agents", request_body = NewAgentRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: 1 to 255 visible characters", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    responses((status = 201, body = Agent), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn register_agent(
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
pub(super) async fn get_agent(
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
pub(super) async fn get_trust(
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
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: 1 to 255 visible characters", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    responses((status = 200, body = EventsResponse), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn post_events(
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
pub(super) async fn list_webhooks(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> ApiResult<Json<SubscriptionList>> {
    need(&caller, Scope::WebhooksManage)?;
    let list = webhooks::list(&state, caller.org, Some(caller.environment)).await.map_err(fail(&state))?;
    Ok(Json(SubscriptionList { data: list.into_iter().map(Subscription::from).collect() }))
}

/// Subscribe a receiver. Its URL must be a public address. The secret is
/// returned once here (owners can also read it on the portal).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewSubscriptionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: 1 to 255 visible characters", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    responses((status = 201, body = CreatedSubscription), (status = 422, body = ErrorBody)))]
pub(super) async fn create_webhook(
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
        caller.org,
        caller.environment,
        &req.url,
        &req.patterns.iter().map(|p| p.0.as_str()).collect::<Vec<_>>().join(" "),
    )
    .await
    .map_err(fail(&state))?;
    Ok((StatusCode::CREATED, Json(CreatedSubscription { subscription: sub.into(), secret })))
}

/// The subscription, if it is in the key's environment.
pub(super) async fn own_subscription(state: &AppState, caller: &ApiCaller, id: &str) -> ApiResult<()> {
    let s = webhooks::find(state, caller.org, id).await.map_err(fail(state))?;
    if s.environment != caller.environment {
        return Err(ApiError::from_app(AppError::NotFound, 0));
    }
    Ok(())
}

/// Delete a subscription; its pending deliveries are cancelled.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id, whk_…")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Extension(meta): Extension<RequestMeta>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    need(&caller, Scope::WebhooksManage)?;
    own_subscription(&state, &caller, &id).await?;
    webhooks::delete(&state, &who(&caller, &meta), caller.org, &id).await.map_err(fail(&state))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the signing secret; the old one also signs for 24 hours.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id, whk_…")),
    responses((status = 200, body = RotatedSecret), (status = 404, body = ErrorBody)))]
pub(super) async fn rotate_webhook_secret(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Extension(meta): Extension<RequestMeta>,
    Path(id): Path<String>,
) -> ApiResult<Json<RotatedSecret>> {
    need(&caller, Scope::WebhooksManage)?;
    own_subscription(&state, &caller, &id).await?;
    let (secret, until) =
        webhooks::rotate_secret(&state, &who(&caller, &meta), caller.org, &id).await.map_err(fail(&state))?;
    Ok(Json(RotatedSecret { secret, previous_valid_until: rfc3339(until.timestamp_millis()) }))
}

/// Send a `webhook.test` event to this subscription.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id, whk_…")),
    responses((status = 202, body = QueuedDelivery), (status = 404, body = ErrorBody)))]
pub(super) async fn test_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<QueuedDelivery>)> {
    need(&caller, Scope::WebhooksManage)?;
    own_subscription(&state, &caller, &id).await?;
    let delivery_id = webhooks::send_test(&state, caller.org, &id).await.map_err(fail(&state))?;
    Ok((StatusCode::ACCEPTED, Json(QueuedDelivery { delivery_id })))
}

/// Who the credential belongs to, its scopes and its limits: the first call
/// an SDK makes, to check its key or token. Needs no scope.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me)))]
pub(super) async fn get_me(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> ApiResult<Json<Me>> {
    use crate::domain::integration::{SANDBOX_EVENTS_PER_DAY, SANDBOX_MAX_AGENTS};
    use crate::server::services::integration::Credential;
    let p = svc::caller_profile(&state, &caller).await.map_err(fail(&state))?;
    let (credential, credential_id) = match &caller.credential {
        Credential::Key(id) => ("api_key", id.to_string()),
        Credential::Client { client_id, .. } => ("oauth_client", client_id.clone()),
        Credential::Portal { user_id } => ("portal", user_id.to_string()),
    };
    Ok(Json(Me {
        organisation: MeOrganisation { id: caller.organisation_id, name: p.organisation },
        environment: caller.environment.key().into(),
        credential: credential.into(),
        credential_id,
        scopes: caller.scopes.iter().map(|s| s.key().to_owned()).collect(),
        certification_state: p.cert_state.key().into(),
        rate_limit: RateLimit { per_second: state.config.api_rate_per_second, burst: state.config.api_rate_burst },
        sandbox: p.sandbox.map(|u| SandboxUsage {
            agents: u.agents,
            agent_limit: SANDBOX_MAX_AGENTS,
            events_today: u.events_today,
            event_limit: SANDBOX_EVENTS_PER_DAY,
            resets_at: rfc3339(u.resets_at_ms),
        }),
    }))
}

/// The partner's certification status.
#[utoipa::path(get, path = "/api/v1/certification", tag = "certification",
    responses((status = 200, body = Certification), (status = 403, body = ErrorBody)))]
pub(super) async fn get_certification(
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

/// A refused deal's field names as the request spells them: the form's
/// `value` is the API's `value_minor`.
fn api_fields(e: AppError) -> AppError {
    match e {
        AppError::Invalid(fields) => {
            AppError::Invalid(
                fields
                    .into_iter()
                    .map(|f| {
                        if f.field == "value" {
                            crate::error::FieldError { field: "value_minor".into(), ..f }
                        } else {
                            f
                        }
                    })
                    .collect(),
            )
        }
        other => other,
    }
}

/// Leads and deals are production data (`integration::production_data`).
fn production_only(caller: &ApiCaller) -> ApiResult<()> {
    production_data(caller.environment, "Leads and deals")
        .map_err(|m| ApiError::new(StatusCode::FORBIDDEN, "production_only", m))
}

/// The partner's leads from the partner directory, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/leads", tag = "marketplace",
    responses((status = 200, body = LeadList), (status = 403, body = ErrorBody)))]
pub(super) async fn list_leads(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> ApiResult<Json<LeadList>> {
    need(&caller, Scope::LeadsRead)?;
    production_only(&caller)?;
    let leads = leads::leads_of(&state, caller.brand_id, caller.organisation_id).await.map_err(fail(&state))?;
    Ok(Json(LeadList { data: leads.into_iter().map(Lead::from).collect() }))
}

/// The partner's registered deals, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/deals", tag = "marketplace",
    responses((status = 200, body = DealList), (status = 403, body = ErrorBody)))]
pub(super) async fn list_deals(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> ApiResult<Json<DealList>> {
    need(&caller, Scope::DealsRead)?;
    production_only(&caller)?;
    let list = deals::deals_of(&state, caller.brand_id, caller.organisation_id).await.map_err(fail(&state))?;
    Ok(Json(DealList { data: list.into_iter().map(Deal::from).collect() }))
}

/// Register a deal. It waits for a partner manager's approval; a customer
/// another partner holds is noted in `conflict_with`.
#[utoipa::path(post, path = "/api/v1/deals", tag = "marketplace", request_body = NewDealRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: 1 to 255 visible characters", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    responses((status = 201, body = Deal), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn register_deal(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Extension(meta): Extension<RequestMeta>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Deal>)> {
    need(&caller, Scope::DealsWrite)?;
    production_only(&caller)?;
    let req: NewDealRequest = parse_json(&body)?;
    let products = products_text(&req.products).map_err(|m| fail(&state)(AppError::field("products", m)))?;
    let input = DealInput {
        value: value_text(req.value_minor, &req.currency),
        company: req.company,
        domain: req.domain,
        contact_name: req.contact_name,
        contact_email: req.contact_email,
        products,
        currency: req.currency,
        close_on: req.close_on,
    };
    let deal = deals::register_as(&state, &who(&caller, &meta), caller.organisation_id, &input)
        .await
        .map_err(|e| fail(&state)(api_fields(e)))?;
    Ok((StatusCode::CREATED, Json(deal.into())))
}

/// A known route asked with a method it does not take.
pub(super) async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This route does not take that method; see /api/v1/openapi.json.",
    )
}

pub(super) async fn unknown_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such API route; see /api/v1/openapi.json.")
}

// ---- The document ---------------------------------------------------------------

/// Marks the operations of `table` deprecated, saying until when and what
/// to use instead.
pub(super) fn mark_deprecated(
    openapi: &mut utoipa::openapi::OpenApi,
    table: &[crate::domain::api_changes::Deprecation],
) {
    for d in table {
        let Some(item) = openapi.paths.paths.get_mut(d.path) else { continue };
        let op = match d.method {
            "GET" => item.get.as_mut(),
            "POST" => item.post.as_mut(),
            "PUT" => item.put.as_mut(),
            "PATCH" => item.patch.as_mut(),
            "DELETE" => item.delete.as_mut(),
            _ => None,
        };
        if let Some(op) = op {
            op.deprecated = Some(utoipa::openapi::Deprecated::True);
            let note =
                format!("Deprecated on {}; answers until at least {}. Instead: {}.", d.announced, d.sunset, d.instead);
            op.description = Some(match op.description.take() {
                Some(text) => format!("{text}\n\n{note}"),
                None => note,
            });
        }
    }
}

pub(super) struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // utoipa copies the crate's (empty) license; OpenAPI 3.1 needs a
        // licence to name an identifier or URL, so none is stated.
        openapi.info.license = None;
        // The version and the policy come from the changelog, so the two
        // cannot disagree.
        openapi.info.version = crate::domain::api_changes::current().to_owned();
        if let Some(d) = openapi.info.description.as_mut() {
            d.push(' ');
            d.push_str(crate::domain::api_changes::POLICY);
        }
        // The webhook catalogue: every event a subscription can receive.
        // OpenAPI 3.1 has no place for event payloads sent to the
        // subscriber's own URL that utoipa fills, so an extension lists them.
        let events: Vec<serde_json::Value> = crate::domain::integration::EVENT_TYPES
            .iter()
            .map(|t| serde_json::json!({ "type": t, "description": crate::domain::integration::event_description(t) }))
            .collect();
        let mut extensions = utoipa::openapi::extensions::Extensions::default();
        extensions.insert("x-webhook-events".into(), serde_json::Value::Array(events));
        openapi.extensions.get_or_insert_with(Default::default).merge(extensions);
        openapi.components.get_or_insert_with(Default::default).add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("an API key (pk_test_…, pk_live_…) or an OAuth access token (JWT)")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Partner Portal API",
        version = "1.0.0",
        description = "Agents, trust scores, outcome events, webhook subscriptions, certification status, leads \
                       and deal registration. \
                       Authenticate with `Authorization: Bearer <key>`; sandbox keys start `pk_test_`, production \
                       keys `pk_live_`. Errors share one shape with a stable `code`. Each key has a rate limit (by \
                       default 50 requests a second, bursts of 100); beyond it the answer is 429 with `Retry-After`. POST requests \
                       accept an `Idempotency-Key` header: a retry with the same key and body gets the first answer. \
                       An OAuth 2.0 access token (see /.well-known/oauth-authorization-server) is taken wherever a \
                       key is. Versions: see the changelog on Developers → API changelog."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub(super) struct ApiDoc;

pub(super) fn build() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_agents, register_agent))
        .routes(routes!(get_agent))
        .routes(routes!(get_trust))
        .routes(routes!(post_events))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(rotate_webhook_secret))
        .routes(routes!(test_webhook))
        .routes(routes!(get_certification))
        .routes(routes!(get_me))
        .routes(routes!(list_leads))
        .routes(routes!(list_deals, register_deal))
        .split_for_parts();
    let mut doc = doc;
    add_common_errors(&mut doc);
    // After the routes: the document has their operations only now.
    mark_deprecated(&mut doc, crate::domain::api_changes::DEPRECATIONS);
    (router, doc)
}

/// Every answer an operation can give, in the document: the gate's (401,
/// 429, 503 while the database is away, 500), a body's (413, 422), an
/// Idempotency-Key's (409, 422) and a path's (404), each in the one error
/// shape, beside what the operation itself declares.
fn add_common_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |text: &str| {
        ResponseBuilder::new()
            .description(text)
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_param = path.contains('{');
        for (op, is_post) in [(&mut item.get, false), (&mut item.post, true), (&mut item.delete, false)] {
            let Some(op) = op.as_mut() else { continue };
            let mut add = |status: &str, text: &str| {
                op.responses.responses.entry(status.to_owned()).or_insert_with(|| error(text).into());
            };
            add("401", "No valid API key (code `unauthorized`).");
            add("403", "The key lacks the scope this needs (code `insufficient_scope`).");
            add("429", "Over the key's rate limit or a sandbox limit (`rate_limited`, `sandbox_limit_exceeded`); see Retry-After.");
            add("500", "Something went wrong on our side (code `internal`).");
            add("503", "Briefly unavailable (code `unavailable`); nothing was changed; see Retry-After.");
            if has_param {
                add("404", "No such resource for this key (code `not_found`).");
            }
            if is_post {
                add("400", "Refused by a rule of the program (code `refused`).");
                add("409", "A request with this Idempotency-Key is still running (code `idempotency_key_in_use`).");
                add("413", "The body is over 1 MiB (code `payload_too_large`).");
                add(
                    "422",
                    "Invalid fields, or an Idempotency-Key used with another body (`invalid_request`, \
                     `idempotency_key_reused`).",
                );
            }
        }
    }
}
