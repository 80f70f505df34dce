//! A database outage, as users and probes see it: the PostgreSQL the app
//! talks to goes away behind a TCP proxy this test controls (the shared
//! server itself is never touched). Pages answer a clear 503 within the
//! connection wait, the API its error shape, `/readyz` names the cause,
//! `/healthz` stays up; when the database returns, pages serve again within
//! seconds, without a restart, and sessions survive.

use crate::helpers::{Engine, TestApp, TestDb, PASSWORD};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use partner_portal::domain::role::Role;
use partner_portal::server::store::DbOptions;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A TCP proxy to `upstream` that can be cut (every connection dropped,
/// new ones closed at once) and restored.
pub struct TcpProxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
}

impl TcpProxy {
    pub async fn start(upstream: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (u, l) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !u.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                l.lock().unwrap().push(task.abort_handle());
            }
        });
        TcpProxy { addr, up, links }
    }

    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `url` with its host and port replaced by `addr`.
pub fn through(url: &str, addr: SocketAddr) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_host(Some(&addr.ip().to_string())).unwrap();
    u.set_port(Some(addr.port())).unwrap();
    u.to_string()
}

fn upstream_of(url: &str) -> SocketAddr {
    let u = url::Url::parse(url).unwrap();
    let host = u.host_str().unwrap();
    let host = if host == "localhost" { "127.0.0.1" } else { host };
    format!("{host}:{}", u.port().unwrap_or(5432)).parse().unwrap()
}

/// How long the database stays away (`PP_OUTAGE_SECONDS`, default 3; the
/// reliability suite runs 10).
fn outage() -> Duration {
    Duration::from_secs(std::env::var("PP_OUTAGE_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_fast_says_why_and_recovers_without_a_restart() {
    let db = TestDb::new(Engine::Postgres).await;
    let proxy = TcpProxy::start(upstream_of(&db.url)).await;
    let url = through(&db.url, proxy.addr);
    let options = DbOptions { acquire_timeout: Duration::from_secs(1), ..DbOptions::default() };
    let app = TestApp::start_on(db, &url, &options, |_| {}).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut mgr = app.client();
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    assert_eq!(mgr.get("/manager/partners").await.status, StatusCode::OK);

    proxy.cut();
    let down = Instant::now();
    // A host this instance has not resolved in the last five seconds, so
    // the brand must come from the database (a host just seen is answered
    // from memory, and its sign-in page still renders).
    let mut anyone = app.client_on("fresh.example");
    let page = anyone.get("/login").await;
    let waited = down.elapsed();
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(waited < Duration::from_secs(4), "answered after {waited:?}");
    assert!(page.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(page.body.contains("Briefly unavailable") && page.body.contains("Nothing you sent was changed"));
    assert_eq!(page.headers[header::RETRY_AFTER], "5");
    let api = anyone
        .send(
            Request::get("/api/v1/agents")
                .header(header::AUTHORIZATION, "Bearer pk_test_x")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    let error: serde_json::Value = serde_json::from_str(&api.body).expect("the API's error shape");
    assert_eq!(error["error"]["code"], "unavailable");
    let ready = anyone.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.body.contains("database unreachable"), "{}", ready.body);
    assert_eq!(anyone.get("/healthz").await.status, StatusCode::OK, "liveness does not depend on the database");

    // Light load through the outage: every answer is a clear 503 or a page.
    let until = down + outage();
    while Instant::now() < until {
        let r = anyone.get("/login").await;
        assert!(matches!(r.status, StatusCode::OK | StatusCode::SERVICE_UNAVAILABLE), "{}", r.status);
        assert!(!r.body.is_empty());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    proxy.restore();
    let back = Instant::now();
    loop {
        if anyone.get("/login").await.status == StatusCode::OK {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(5), "not serving 5 s after the database returned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(anyone.get("/readyz").await.status, StatusCode::OK);
    assert_eq!(mgr.get("/manager/partners").await.status, StatusCode::OK, "still signed in");
    println!("first page {:?} after the database returned", back.elapsed());
}
