//! The server binary itself, started on a test program's database, for
//! what only a real process shows: concurrency, signals, logs, metrics.

use crate::helpers::{temp_path, SECRET_KEY};
use crate::program::Program;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The server binary on the program's database, on a free loopback port.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:port`
    pub base: String,
    log: PathBuf,
}

impl Server {
    pub async fn start(p: &Program) -> Server {
        Self::start_with(p, &[]).await
    }

    /// With more settings, which win over the defaults here.
    pub async fn start_with(p: &Program, env: &[(&str, &str)]) -> Server {
        let log = temp_path("server").with_extension("log");
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_partner-portal"))
            .env("DATABASE_URL", &p.app._db.url)
            .env("APP_PUBLIC_URL", &p.app.state.config.public_url)
            .env("APP_DNS_RESOLVER", p.dns.addr.to_string())
            .env("APP_OUTBOX_DIR", temp_path("server-outbox"))
            .env("APP_SECRET_KEY", SECRET_KEY)
            .env("APP_MAIL_TRANSPORT", "files")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_OUTPUT_NAME", "partner-portal")
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("RUST_LOG", "info,sqlx=warn")
            .env("NO_COLOR", "1")
            .env_remove("APP_CONFIG")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("the server binary starts");
        let mut server = Server { child, base: String::new(), log };
        server.base = server.wait_for_address("listening on ").await;
        server
    }

    /// The `http://…` address the log names after `what`, once it does.
    pub async fn wait_for_address(&mut self, what: &str) -> String {
        let started = Instant::now();
        loop {
            let text = self.log_text();
            if let Some(i) = text.find(&format!("{what}http://")) {
                let rest = &text[i + what.len()..];
                let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
                return rest[..end].trim_end_matches("/metrics").to_owned();
            } else if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited with {status}:\n{text}");
            } else if started.elapsed() > Duration::from_secs(60) {
                panic!("the server did not log {what:?} within 60 s:\n{text}");
            } else {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A webhook receiver on loopback for the server binary to deliver to: its
/// URL and every `webhook-id` it was sent, repeats included.
pub async fn webhook_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            post(|State(seen): State<Arc<Mutex<Vec<String>>>>, headers: HeaderMap| async move {
                if let Some(id) = headers.get("webhook-id").and_then(|v| v.to_str().ok()) {
                    seen.lock().unwrap().push(id.to_owned());
                }
                "ok"
            }),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// A new sandbox key of partner A holding `scopes` (the form's field names).
pub async fn partner_key(p: &mut Program, name: &str, scopes: &[&str]) -> String {
    partner_key_in(p, "sandbox", name, scopes).await
}

/// A new key of partner A in `environment` holding `scopes`.
pub async fn partner_key_in(p: &mut Program, environment: &str, name: &str, scopes: &[&str]) -> String {
    use leptos::server_fn::ServerFn;
    use partner_portal::api::integration::{CreateApiKey, DeveloperView, GetDeveloper};
    let mut form = vec![("name", name), ("environment", environment)];
    form.extend(scopes.iter().map(|s| (*s, "on")));
    assert_eq!(p.a.call(CreateApiKey::PATH, &form).await.status, axum::http::StatusCode::OK);
    let v: DeveloperView = serde_json::from_str(&p.a.call(GetDeveloper::PATH, &[]).await.body).unwrap();
    v.new_key.expect("the new key is shown once").1
}

/// Subscribes `hook` to trust-score events through the API at `base`.
pub async fn subscribe(http: &reqwest::Client, base: &str, key: &str, hook: &str) {
    let sub = http
        .post(format!("{base}/api/v1/webhooks"))
        .header("host", "portal.test")
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(serde_json::json!({ "url": hook, "patterns": ["trust.*"] }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(sub.status(), 201, "{}", sub.text().await.unwrap());
}

/// An HTTP client for the binary: no proxy, redirects left to the caller.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).timeout(timeout).build().unwrap()
}
