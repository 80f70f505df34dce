//! Cross-cutting protections applied to every response and every
//! state-changing request.

use super::tenant::RequestMeta;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses a state-changing request that a browser did not send from one of
/// our own pages: the `Origin` must name this host, or, where a browser sends
/// no Origin, `Sec-Fetch-Site` must say same-origin. A request with neither
/// is refused too: every browser we support sends one of them.
pub async fn check_origin(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || super::paths::is_api_path(req.uri().path())
        || super::paths::is_oauth_client_path(req.uri().path())
        || super::paths::is_signed_hook_path(req.uri().path())
    {
        return next.run(req).await;
    }
    let host = req.extensions().get::<RequestMeta>().map(|m| m.host.clone()).unwrap_or_default();
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let fetch_site = req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let allowed = match origin {
        Some(o) => origin_matches_host(o, &host),
        None => matches!(fetch_site, Some("same-origin") | Some("none")),
    };
    if allowed {
        next.run(req).await
    } else {
        tracing::warn!(host, origin, fetch_site, "refused a cross-origin request");
        (StatusCode::FORBIDDEN, "This request did not come from this site and was refused.").into_response()
    }
}

/// Cross-origin access for what browser apps call with a bearer token or a
/// PKCE verifier, never a cookie: the partner API and OAuth's client
/// endpoints (a public app in a browser exchanges its code from its own
/// origin). Any origin may call, without credentials, so no page of another
/// site can ride a person's session through it.
pub fn bearer_cors() -> tower_http::cors::CorsLayer {
    use tower_http::cors::{Any, CorsLayer};
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            header::LINK,
            header::WWW_AUTHENTICATE,
            header::HeaderName::from_static("deprecation"),
            header::HeaderName::from_static("sunset"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// `Origin` is `scheme://host[:port]`; it must name exactly the host served.
pub fn origin_matches_host(origin: &str, host: &str) -> bool {
    let Some((_, authority)) = origin.split_once("://") else { return false };
    !host.is_empty() && authority.eq_ignore_ascii_case(host)
}

/// Security headers. The CSP allows scripts only from our origin or with the
/// per-response nonce that the HTML shell also carries; `wasm-unsafe-eval`
/// lets the hydration module compile.
pub async fn headers(secure: bool, dev_reload: Option<u16>, req: Request, next: Next) -> Response {
    let nonce = req.extensions().get::<RequestMeta>().map(|m| m.nonce.clone()).unwrap_or_default();
    // The consent screen's answer is a redirect to the app's own address,
    // which browsers hold to `form-action` too. The address was checked
    // against the app's registered ones (HTTPS, or plain HTTP on loopback)
    // before the page was drawn; the page carries no content of anyone's.
    let form_action = if req.uri().path() == super::paths::CONSENT_PATH {
        "'self' https: http://127.0.0.1:* http://localhost:*"
    } else {
        "'self'"
    };
    let mut res = next.run(req).await;
    let connect = match dev_reload {
        Some(port) => format!("'self' ws://127.0.0.1:{port} ws://localhost:{port}"),
        None => "'self'".to_owned(),
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data:; connect-src {connect}; object-src 'none'; base-uri 'self'; form-action {form_action}; \
         frame-ancestors 'none'"
    );
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if secure {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    // Pages and data show personal details; keep them out of shared caches.
    let dynamic = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"));
    if dynamic && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_must_name_the_same_host_and_port() {
        assert!(origin_matches_host("http://127.0.0.1:3000", "127.0.0.1:3000"));
        assert!(origin_matches_host("https://Portal.example", "portal.example"));
        assert!(!origin_matches_host("http://evil.example", "portal.example"));
        assert!(!origin_matches_host("http://127.0.0.1:3001", "127.0.0.1:3000"));
        assert!(!origin_matches_host("null", "portal.example"));
        assert!(!origin_matches_host("http://portal.example", ""));
    }
}
