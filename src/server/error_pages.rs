//! The pages the server answers with when it cannot render the app: a panic
//! (500) or an unreachable database (503). They are plain HTML with the
//! site's stylesheet, so they show even when nothing else works.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A small complete page: `title` as heading, `message` below, a way home.
pub fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"/>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/partner-portal.css\"/></head>\
         <body class=\"min-h-screen bg-slate-50 text-slate-900 antialiased\">\
         <main class=\"mx-auto mt-16 max-w-md px-4 text-center\">\
         <h1 class=\"mb-2 text-2xl font-bold\">{title}</h1><p class=\"text-slate-600\">{message} \
         <a class=\"underline\" href=\"/\">Go to the home page</a>.</p></main></body></html>"
    );
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The server failed on this request (a panic); the failure is logged
/// under the request id the page shows, for whoever reports it.
pub fn server_error() -> Response {
    let reference = match super::observe::current_request_id().filter(|id| !id.is_empty()) {
        Some(id) => format!(" Quote reference <code>{}</code> if you report it.", escape(&id)),
        None => String::new(),
    };
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        &format!(
            "The server failed while answering this request; the failure has been logged.{reference} Try again, or:"
        ),
    )
}

/// Request ids are plain tokens already; escaping keeps the page safe if
/// that ever changes.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Seconds a client is asked to wait while the database is unreachable.
pub const RETRY_AFTER_SECS: u64 = 5;

/// The database cannot be reached: a page for people, the API's error shape
/// for API clients. Nothing was changed, and saying so matters more than
/// anything else here.
pub fn unavailable(api: bool) -> Response {
    let mut res = if api {
        let body = serde_json::json!({ "error": {
            "code": "unavailable",
            "message": "The portal is briefly unavailable. Nothing was changed; retry after the time in Retry-After.",
            "fields": [],
        }});
        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
    } else {
        page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Briefly unavailable",
            "The portal cannot reach its database at the moment. Nothing you sent was changed. \
             Try again in a few seconds, or:",
        )
    };
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    res
}
