//! What happens when code panics while serving a request: the panic is
//! logged once, inside the request's span (so the line names the method and
//! path), and the client gets a 500 with the error page instead of a
//! connection closed without an answer. This is a safety net, not a way to
//! handle errors: a panic is a bug to fix where it starts.

use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use std::any::Any;
use tower_http::catch_panic::CatchPanicLayer;

/// Routes every panic through `tracing`, so it lands in the log with the
/// span of the request it happened in (and the backtrace when
/// `RUST_BACKTRACE` asks for one).
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        let message = payload_text(info.payload());
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            tracing::error!(%location, %backtrace, "panicked: {message}");
        } else {
            tracing::error!(%location, "panicked: {message}");
        }
    }));
}

fn payload_text(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Turns a panic inside the layers it wraps into the 500 error page.
pub fn catch_layer() -> CatchPanicLayer<fn(Box<dyn Any + Send>) -> Response> {
    CatchPanicLayer::custom(|_: Box<dyn Any + Send>| error_page())
}

/// One span per request, named by method and path, that log lines written
/// while serving it (a panic's included) carry.
pub fn span_for(req: &Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
}

/// The page a person sees when the server failed on their request.
pub fn error_page() -> Response {
    let html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"/>\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\
        <title>Something went wrong</title><link rel=\"stylesheet\" href=\"/pkg/partner-portal.css\"/></head>\
        <body class=\"min-h-screen bg-slate-50 text-slate-900 antialiased\"><main class=\"mx-auto mt-16 max-w-md px-4 text-center\">\
        <h1 class=\"mb-2 text-2xl font-bold\">Something went wrong</h1>\
        <p class=\"text-slate-600\">The server failed while answering this request; the failure has been logged. \
        Try again, or <a class=\"underline\" href=\"/\">go to the home page</a>.</p>\
        </main></body></html>";
    let mut res = (StatusCode::INTERNAL_SERVER_ERROR, html).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
