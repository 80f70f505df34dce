//! The partner REST API under `/api/v1`: JSON, authenticated by
//! `Authorization: Bearer <key>`, one error shape, per-key rate limits,
//! idempotency keys on POST, and every request recorded for the partner's
//! traffic view. The OpenAPI document is generated from these handlers'
//! annotations (utoipa), so routes and document cannot drift apart.
//!
//! Bearer keys are not ambient credentials, so these routes are exempt from
//! the browser origin check (`security::check_origin`).

mod error;
mod gate;
mod handlers;
mod wire;

use crate::server::state::AppState;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Router};
use error::ApiError;
pub use gate::Limiter;
use gate::{gate, Limits};
use handlers::{build, unknown_route, wrong_method};
use std::sync::{Arc, OnceLock};

/// The OpenAPI 3 document, built once.
pub fn openapi_json() -> String {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| build().1.to_pretty_json().unwrap_or_default()).clone()
}

pub fn routes(state: &AppState) -> Router<AppState> {
    let limits = Arc::new(Limits {
        keys: Limiter::new(state.config.api_rate_per_second, state.config.api_rate_burst),
        failures: Limiter::new(state.config.api_auth_failures_per_second, state.config.api_auth_failures_burst),
    });
    let (api, _) = build();
    let api = api
        .route("/api/graphql", axum::routing::post(graphql))
        .route("/api/v1/{*rest}", axum::routing::any(unknown_route))
        .method_not_allowed_fallback(wrong_method)
        // A panic in a handler answers in the API's error shape (and the gate
        // still records the call); the app-wide catcher would send a page.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side.")
                .into_response()
        }))
        .layer(axum::middleware::from_fn_with_state(state.clone(), deprecation_notice))
        .layer(axum::middleware::from_fn_with_state(state.clone(), gate))
        .layer(Extension(limits))
        // Outside the gate: a browser's preflight carries no credential.
        .layer(super::security::bearer_cors());
    Router::new()
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(|| async { ([(header::CONTENT_TYPE, "application/json")], openapi_json()) }),
        )
        .route(
            "/api/graphql/schema.graphql",
            axum::routing::get(|| async {
                ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], super::graphql::sdl())
            }),
        )
        .merge(api)
}

/// `POST /api/graphql`: a GraphQL request as JSON, run for the caller the
/// gate authenticated. A body that is not a GraphQL request is refused in
/// the API's error shape; everything after answers in GraphQL's.
async fn graphql(
    axum::extract::State(state): axum::extract::State<AppState>,
    Extension(caller): Extension<crate::server::services::integration::ApiCaller>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("The body is not a GraphQL request ({{\"query\": …}}): {e}"),
            )
            .into_response()
        }
    };
    let response = super::graphql::schema().execute(request.data(state).data(caller)).await;
    axum::Json(response).into_response()
}

/// Marks the answers of operations in `DEPRECATIONS` (see `announce`),
/// linking to the changelog on the caller's own brand.
async fn deprecation_notice(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let changelog = req
        .extensions()
        .get::<crate::server::tenant::RequestMeta>()
        .map(|m| format!("{}/developers/changelog", crate::server::context::brand_url(&state, m)));
    announce(crate::domain::api_changes::DEPRECATIONS, changelog.unwrap_or_default(), req, next).await
}

/// Adds `Deprecation`, `Sunset` and `Link` to the answer when the matched
/// route is in `table`; the operation itself runs as ever.
async fn announce(
    table: &'static [crate::domain::api_changes::Deprecation],
    changelog: String,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use crate::domain::api_changes::{deprecation, headers};
    let route = req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned());
    let found = route.and_then(|r| deprecation(table, req.method().as_str(), &r).copied());
    let mut res = next.run(req).await;
    for (name, value) in found.and_then(|d| headers(&d, &changelog)).into_iter().flatten() {
        if let Ok(v) = header::HeaderValue::from_str(&value) {
            res.headers_mut().insert(name, v);
        }
    }
    res
}

pub use super::paths::is_api_path;

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
            ("/api/v1/leads", "get"),
            ("/api/v1/deals", "get"),
            ("/api/v1/deals", "post"),
            ("/api/v1/me", "get"),
        ] {
            assert!(paths[path][method].is_object(), "{method} {path} documented");
        }
        assert_eq!(paths.len(), 12);
        assert_eq!(doc["info"]["version"], crate::domain::api_changes::current());
        assert!(doc["info"]["description"].as_str().unwrap().contains("six months"));
        let events = doc["x-webhook-events"].as_array().unwrap();
        assert_eq!(events.len(), crate::domain::integration::EVENT_TYPES.len());
        assert!(events.iter().any(|e| e["type"] == "deal.won" && e["description"].as_str().unwrap().contains("won")));
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    }

    #[tokio::test]
    async fn a_deprecated_operation_answers_with_its_notice_and_others_without() {
        use crate::domain::api_changes::Deprecation;
        use tower::ServiceExt;
        static TABLE: [Deprecation; 1] = [Deprecation {
            method: "GET",
            path: "/api/v1/old/{id}",
            announced: "2027-01-15",
            sunset: "2027-07-15",
            instead: "GET /api/v1/new/{id}",
        }];
        let app = Router::new()
            .route("/api/v1/old/{id}", axum::routing::get(|| async { "old" }).post(|| async { "posted" }))
            .route("/api/v1/new/{id}", axum::routing::get(|| async { "new" }))
            .layer(axum::middleware::from_fn(|req, next| {
                announce(&TABLE, "https://p.example/developers/changelog".into(), req, next)
            }));
        let call = |method: &str, uri: &str| {
            let req = axum::http::Request::builder().method(method).uri(uri).body(axum::body::Body::empty()).unwrap();
            app.clone().oneshot(req)
        };
        let old = call("GET", "/api/v1/old/agt_1").await.unwrap();
        assert_eq!(old.status(), StatusCode::OK);
        assert_eq!(old.headers()["deprecation"], "@1799971200");
        assert_eq!(old.headers()["sunset"], "Thu, 15 Jul 2027 00:00:00 GMT");
        assert!(old.headers()["link"].to_str().unwrap().starts_with("<https://p.example/developers/changelog>"));
        for (method, uri) in [("POST", "/api/v1/old/agt_1"), ("GET", "/api/v1/new/agt_1")] {
            let res = call(method, uri).await.unwrap();
            assert!(res.headers().get("deprecation").is_none() && res.headers().get("sunset").is_none(), "{uri}");
        }
    }

    #[test]
    fn the_document_marks_deprecated_operations() {
        use crate::domain::api_changes::Deprecation;
        let (_, mut doc) = build();
        let table = [Deprecation {
            method: "GET",
            path: "/api/v1/trust/{agent_id}",
            announced: "2027-01-15",
            sunset: "2027-07-15",
            instead: "something else",
        }];
        handlers::mark_deprecated(&mut doc, &table);
        let json: serde_json::Value = serde_json::from_str(&doc.to_json().unwrap()).unwrap();
        let op = &json["paths"]["/api/v1/trust/{agent_id}"]["get"];
        assert_eq!(op["deprecated"], true);
        assert!(op["description"].as_str().unwrap().contains("2027-07-15"), "{op}");
        assert!(json["paths"]["/api/v1/agents"]["get"].get("deprecated").is_none());
        // The served document marks what `DEPRECATIONS` holds: nothing yet.
        assert!(!openapi_json().contains("\"deprecated\": true"));
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
