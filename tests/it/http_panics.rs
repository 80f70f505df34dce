//! A panic while serving a request never closes the connection silently:
//! the client gets a 500 with the error page (carrying the security headers
//! every page has), and the log names the request's method and path.

use crate::helpers::{Engine, TestApp, HOST};
use crate::on_both;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::routing::get;
use http_body_util::BodyExt;
use partner_portal::server::state::AppState;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

/// Log output kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn boom() -> &'static str {
    panic!("a bug in a handler")
}

async fn a_panicking_handler_answers_500_with_the_error_page(e: Engine) {
    let log = Captured::default();
    let writer = log.clone();
    tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).init();
    partner_portal::server::panics::install_hook();

    let app = TestApp::start(e).await;
    let (_, sessions) = partner_portal::server::store::connect(&app._db.url).await.unwrap();
    let routes = axum::Router::<AppState>::new().route("/boom", get(boom));
    let router = partner_portal::server::with_layers(routes, app.state.clone(), sessions);

    let peer: SocketAddr = "203.0.113.7:40000".parse().unwrap();
    let req = Request::get("/boom?x=1")
        .header(header::HOST, HOST)
        .header(header::ACCEPT, "text/html")
        .extension(ConnectInfo(peer))
        .body(Body::empty())
        .unwrap();
    let res = router.oneshot(req).await.expect("an answer, not a dropped connection");
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY), "the error page carries the security headers");
    let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(body.contains("Something went wrong"), "{body}");
    assert!(!body.contains("a bug in a handler"), "the panic's text stays in the log");

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let line = text.lines().find(|l| l.contains("panicked: a bug in a handler")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("method=GET") && line.contains("path=/boom"), "{line}");
}

on_both!(
    a_panic_in_a_request_answers_500_and_is_logged_with_its_path,
    a_panicking_handler_answers_500_with_the_error_page
);
