//! The OAuth 2.0 endpoints outside the Leptos app: server metadata
//! (RFC 8414) and the JWKS, the token endpoint, revocation (RFC 7009),
//! introspection (RFC 7662), and the consent form's answer. The consent
//! screen itself is a page (`/oauth/authorize`); its form posts here as a
//! plain HTML form, the same with or without JavaScript, since the answer
//! is a redirect to another site.

use super::api_v1::Limiter;
use super::context::Ctx;
use super::services::oauth::{self as svc, basic_credentials, OAuthFailure, Presented};
use super::state::AppState;
use super::tenant::RequestMeta;
use crate::error::AppError;
use crate::views::oauth::AuthorizeRequest;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Json, Router};
use std::collections::HashMap;
use std::sync::Arc;

/// Token requests are a few short fields.
const MAX_FORM: usize = 16 * 1024;

/// The endpoints' limits, per instance: failed client authentications per
/// address (each costs a hash and a lookup, so guessing secrets is slowed
/// as guessing API keys is), and token requests per client id (each client
/// credentials token is a stored grant).
struct Failures {
    per_address: Limiter<String>,
    tokens_per_client: Limiter<String>,
}

/// Token requests a client may make: ten a second, bursts of twenty. A
/// client keeps its token for its ten minutes; this only stops a loop.
const TOKENS_PER_SECOND: u32 = 10;
const TOKEN_BURST: u32 = 20;

pub fn routes(state: &AppState) -> Router<AppState> {
    let failures = Arc::new(Failures {
        per_address: Limiter::new(state.config.api_auth_failures_per_second, state.config.api_auth_failures_burst),
        tokens_per_client: Limiter::new(TOKENS_PER_SECOND, TOKEN_BURST),
    });
    // What apps call (browser apps too, hence CORS); the consent form's
    // answer is the portal's own, cookie-authenticated, and gets none.
    let for_apps = Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .route("/oauth/introspect", post(introspect))
        .layer(super::security::bearer_cors());
    Router::new()
        .merge(for_apps)
        .route("/oauth/authorize", post(decide))
        .layer(DefaultBodyLimit::max(MAX_FORM))
        .layer(Extension(failures))
}

async fn metadata(State(state): State<AppState>, Extension(meta): Extension<RequestMeta>) -> Response {
    let doc = svc::metadata(&state, &meta);
    ([(header::CACHE_CONTROL, "public, max-age=3600")], Json(doc)).into_response()
}

async fn jwks(State(state): State<AppState>) -> Response {
    match svc::jwks(&state).await {
        // Short: a rotated key must reach verifiers before it signs much.
        Ok(set) => ([(header::CACHE_CONTROL, "public, max-age=300")], Json(set)).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "JWKS");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// RFC 6749 §5.1: token answers are never cached.
fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

fn failure(f: OAuthFailure, basic: bool) -> Response {
    let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::json!({ "error": f.error, "error_description": f.description });
    let mut res = (status, Json(body)).into_response();
    // §5.2: a client that authenticated with Basic is challenged the same way.
    if status == StatusCode::UNAUTHORIZED && basic {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"oauth\""));
    }
    no_store(res)
}

/// The request's credentials and fields; `Err` answers at once (too many
/// failures from this address).
fn presented(headers: &HeaderMap, form: HashMap<String, String>) -> Presented {
    let basic = basic_credentials(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()));
    Presented { basic, form }
}

/// Runs an endpoint, counting failed client authentications per address.
async fn guarded<T>(
    failures: &Failures,
    meta: &RequestMeta,
    p: Presented,
    run: impl AsyncFnOnce(Presented) -> Result<T, OAuthFailure>,
    ok: impl FnOnce(T) -> Response,
) -> Response {
    let basic = p.basic.is_some();
    match run(p).await {
        Ok(v) => no_store(ok(v)),
        Err(f) if f.error == "invalid_client" => match failures.per_address.check(&meta.client_ip) {
            Err(secs) => slow_down(secs, "Too many failed attempts"),
            Ok(()) => failure(f, basic),
        },
        Err(f) => failure(f, basic),
    }
}

/// 429 with `Retry-After`, in the endpoints' error shape.
fn slow_down(secs: u64, what: &str) -> Response {
    let f = OAuthFailure { error: "slow_down", description: format!("{what}; try again in {secs} s."), status: 429 };
    let mut res = failure(f, false);
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res
}

async fn token(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(failures): Extension<Arc<Failures>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let p = presented(&headers, form);
    let client_id = p.basic.as_ref().map(|(id, _)| id.clone()).or_else(|| p.form.get("client_id").cloned());
    if let Some(Err(secs)) = client_id.map(|id| failures.tokens_per_client.check(&id)) {
        return slow_down(secs, "Too many token requests for this client");
    }
    guarded(&failures, &meta, p, async |p| svc::token(&state, &meta, p).await, |body| Json(body).into_response()).await
}

async fn revoke(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(failures): Extension<Arc<Failures>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let p = presented(&headers, form);
    guarded(&failures, &meta, p, async |p| svc::revoke(&state, &meta, p).await, |()| StatusCode::OK.into_response())
        .await
}

async fn introspect(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(failures): Extension<Arc<Failures>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let p = presented(&headers, form);
    guarded(&failures, &meta, p, async |p| svc::introspect(&state, &meta, p).await, |body| Json(body).into_response())
        .await
}

/// The consent page's address for a request, to go back to.
pub fn consent_path(r: &AuthorizeRequest) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(r.fields()).finish();
    format!("/oauth/authorize?{q}")
}

async fn decide(ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    let req = AuthorizeRequest::from_fields(|k| form.get(k).cloned().unwrap_or_default());
    let allow = form.get("decision").map(String::as_str) == Some("allow");
    match svc::decide(&ctx, req.clone(), allow).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(AppError::Unauthenticated) => {
            let next: String = url::form_urlencoded::byte_serialize(consent_path(&req).as_bytes()).collect();
            Redirect::to(&format!("/login?next={next}")).into_response()
        }
        // The page says why (a refusal, or a request it cannot answer).
        Err(AppError::Conflict(_)) => Redirect::to(&consent_path(&req)).into_response(),
        Err(e) => (e.status(), [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], e.to_string()).into_response(),
    }
}
