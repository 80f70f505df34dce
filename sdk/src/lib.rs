//! A client for the Partner Portal API.
//!
//! ```no_run
//! use partner_portal_sdk::{Client, Config, Outcome};
//!
//! # async fn run() -> Result<(), partner_portal_sdk::Error> {
//! let client = Client::init(Config::new("https://partners.example.com", "pk_test_…")).await?;
//! if client.may_proceed("agt_123", 400).await? {
//!     // … the agent does its work …
//!     client.record("agt_123", Outcome::Success)?;
//! }
//! let report = client.shutdown().await;
//! assert_eq!(report.failed, 0);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod events;
mod webhook;

pub use events::FlushReport;
pub use webhook::verify_webhook;

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How the client reaches the portal and how it caches and sends.
#[derive(Debug, Clone)]
pub struct Config {
    /// The portal's address, such as `https://partners.example.com`.
    pub base_url: String,
    /// An API key (`pk_test_…`, `pk_live_…`) or an OAuth access token.
    pub credential: String,
    /// Sent as `Host` when the portal is reached at an address other than
    /// its name (a tunnel, a test); `None` normally.
    pub host: Option<String>,
    /// How long a trust score is used without asking again.
    pub trust_ttl: Duration,
    /// How long after `trust_ttl` a score is still used while a refresh
    /// runs in the background.
    pub stale_while_revalidate: Duration,
    /// Events waiting to be sent; `record` refuses more (`Error::QueueFull`).
    pub queue_capacity: usize,
    /// Events per request (the API takes at most 100).
    pub batch_size: usize,
    /// How long the sender waits to fill a batch.
    pub flush_interval: Duration,
    /// Attempts per batch on server errors and lost connections.
    pub max_attempts: u32,
    /// Per request.
    pub timeout: Duration,
}

impl Config {
    pub fn new(base_url: impl Into<String>, credential: impl Into<String>) -> Self {
        Config {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            credential: credential.into(),
            host: None,
            trust_ttl: Duration::from_secs(60),
            stale_while_revalidate: Duration::from_secs(300),
            queue_capacity: 10_000,
            batch_size: 100,
            flush_interval: Duration::from_millis(500),
            max_attempts: 6,
            timeout: Duration::from_secs(15),
        }
    }
}

/// What went wrong, by the API's error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the credential was refused (401)")]
    Unauthorized,
    #[error("not allowed: {code}: {message}")]
    Forbidden { code: String, message: String },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("rate limited; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("refused: {code}: {message}")]
    Invalid { code: String, message: String },
    #[error("the portal failed ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("could not reach the portal: {0}")]
    Transport(String),
    #[error("the event queue is full")]
    QueueFull,
    #[error("the client was shut down")]
    Closed,
    #[error("the webhook signature does not verify")]
    BadSignature,
}

impl Error {
    /// Worth another attempt later.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::RateLimited { .. } | Error::Server { .. } | Error::Transport(_))
    }
}

/// Who the credential belongs to (`GET /api/v1/me`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Tenant {
    pub organisation: Organisation,
    pub environment: String,
    pub credential: String,
    pub credential_id: String,
    pub scopes: Vec<String>,
    pub certification_state: String,
    pub rate_limit: RateLimit,
    pub sandbox: Option<SandboxUsage>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct SandboxUsage {
    pub agents: i64,
    pub agent_limit: i64,
    pub events_today: i64,
    pub event_limit: i64,
    pub resets_at: String,
}

/// An agent's outcome, as the API counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Timeout,
    PolicyViolation,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Timeout => "timeout",
            Outcome::PolicyViolation => "policy_violation",
        }
    }
}

/// The HTTP side shared by the client and its sender.
pub(crate) struct Http {
    pub(crate) http: reqwest::Client,
    pub(crate) config: Config,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

impl Http {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.config.base_url))
            .bearer_auth(&self.config.credential)
            .timeout(self.config.timeout);
        if let Some(h) = &self.config.host {
            r = r.header(reqwest::header::HOST, h);
        }
        r
    }

    /// Sends and reads a JSON answer, or the error it stands for.
    pub(crate) async fn send<T: serde::de::DeserializeOwned>(&self, r: reqwest::RequestBuilder) -> Result<T, Error> {
        let res = r.send().await.map_err(|e| Error::Transport(e.to_string()))?;
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let text = res.text().await.map_err(|e| Error::Transport(e.to_string()))?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(|e| Error::Server { status, message: e.to_string() });
        }
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(b) => (b.error.code, b.error.message),
            Err(_) => (String::new(), text),
        };
        Err(match status {
            401 => Error::Unauthorized,
            403 => Error::Forbidden { code, message },
            404 => Error::NotFound(message),
            429 => Error::RateLimited { retry_after_secs: retry_after.unwrap_or(1) },
            s if s >= 500 => Error::Server { status: s, message },
            _ => Error::Invalid { code, message },
        })
    }
}

#[derive(Clone, Copy)]
struct Cached {
    score: i64,
    at: Instant,
}

/// The client: cheap to share behind an `Arc`.
pub struct Client {
    http: Arc<Http>,
    tenant: Tenant,
    trust: Arc<Mutex<HashMap<String, Cached>>>,
    refreshing: Arc<Mutex<std::collections::HashSet<String>>>,
    queue: Mutex<Option<mpsc::Sender<events::Queued>>>,
    sender: Mutex<Option<tokio::task::JoinHandle<FlushReport>>>,
}

#[derive(Deserialize)]
struct Trust {
    trust_score: i64,
}

impl Client {
    /// Checks the credential and loads the tenant's details and limits, then
    /// starts the event sender.
    pub async fn init(config: Config) -> Result<Client, Error> {
        let http = reqwest::Client::builder().build().map_err(|e| Error::Transport(e.to_string()))?;
        let http = Arc::new(Http { http, config });
        let tenant: Tenant = http.send(http.request(reqwest::Method::GET, "/api/v1/me")).await?;
        let (tx, rx) = mpsc::channel(http.config.queue_capacity.max(1));
        let sender = tokio::spawn(events::run(http.clone(), rx));
        Ok(Client {
            http,
            tenant,
            trust: Arc::default(),
            refreshing: Arc::default(),
            queue: Mutex::new(Some(tx)),
            sender: Mutex::new(Some(sender)),
        })
    }

    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    async fn fetch_trust(http: &Http, agent_id: &str) -> Result<i64, Error> {
        let t: Trust = http.send(http.request(reqwest::Method::GET, &format!("/api/v1/trust/{agent_id}"))).await?;
        Ok(t.trust_score)
    }

    /// An agent's trust score: from the cache while fresh; while stale (up
    /// to `stale_while_revalidate` past its time) the cached score at once
    /// and a refresh in the background; otherwise asked of the portal.
    pub async fn trust_score(&self, agent_id: &str) -> Result<i64, Error> {
        let cfg = &self.http.config;
        let cached = self.trust.lock().map_err(|_| Error::Closed)?.get(agent_id).copied();
        if let Some(c) = cached {
            let age = c.at.elapsed();
            if age < cfg.trust_ttl {
                return Ok(c.score);
            }
            if age < cfg.trust_ttl + cfg.stale_while_revalidate {
                self.refresh_in_background(agent_id);
                return Ok(c.score);
            }
        }
        let score = Self::fetch_trust(&self.http, agent_id).await?;
        self.trust.lock().map_err(|_| Error::Closed)?.insert(agent_id.to_owned(), Cached { score, at: Instant::now() });
        Ok(score)
    }

    fn refresh_in_background(&self, agent_id: &str) {
        // One refresh per agent at a time.
        let Ok(mut busy) = self.refreshing.lock() else { return };
        if !busy.insert(agent_id.to_owned()) {
            return;
        }
        let (http, trust, refreshing, id) =
            (self.http.clone(), self.trust.clone(), self.refreshing.clone(), agent_id.to_owned());
        tokio::spawn(async move {
            if let Ok(score) = Self::fetch_trust(&http, &id).await {
                if let Ok(mut t) = trust.lock() {
                    t.insert(id.clone(), Cached { score, at: Instant::now() });
                }
            }
            if let Ok(mut r) = refreshing.lock() {
                r.remove(&id);
            }
        });
    }

    /// The guide's pre-flight check: whether the agent's trust score is at
    /// least `minimum`.
    pub async fn may_proceed(&self, agent_id: &str, minimum: i64) -> Result<bool, Error> {
        Ok(self.trust_score(agent_id).await? >= minimum)
    }

    /// Queues an outcome without waiting, under a fresh event id.
    pub fn record(&self, agent_id: &str, outcome: Outcome) -> Result<(), Error> {
        self.record_with_id(agent_id, outcome, &events::new_id("evt"))
    }

    /// Queues an outcome under your own event id (sending one id twice
    /// counts once).
    pub fn record_with_id(&self, agent_id: &str, outcome: Outcome, event_id: &str) -> Result<(), Error> {
        let q = self.queue.lock().map_err(|_| Error::Closed)?;
        let tx = q.as_ref().ok_or(Error::Closed)?;
        let e = events::Queued { event_id: event_id.to_owned(), agent_id: agent_id.to_owned(), outcome };
        tx.try_send(e).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => Error::QueueFull,
            mpsc::error::TrySendError::Closed(_) => Error::Closed,
        })?;
        // The agent's score moves with it: the next check asks again.
        if let Ok(mut t) = self.trust.lock() {
            t.remove(agent_id);
        }
        Ok(())
    }

    /// Stops taking events, sends every one still queued, and reports.
    pub async fn shutdown(&self) -> FlushReport {
        if let Ok(mut q) = self.queue.lock() {
            q.take();
        }
        let handle = self.sender.lock().ok().and_then(|mut s| s.take());
        match handle {
            Some(h) => h.await.unwrap_or_default(),
            None => FlushReport::default(),
        }
    }
}
