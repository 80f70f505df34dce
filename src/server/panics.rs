//! What happens when code panics while serving a request: the panic is
//! logged once, inside the request's span (so the line names the method and
//! path), and the client gets a 500 with the error page instead of a
//! connection closed without an answer. This is a safety net, not a way to
//! handle errors: a panic is a bug to fix where it starts.

use axum::response::Response;
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
    CatchPanicLayer::custom(|_: Box<dyn Any + Send>| super::error_pages::server_error())
}
