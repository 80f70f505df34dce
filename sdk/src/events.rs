//! The event sender: batches of queued outcomes, each batch under one
//! idempotency key so a retry after a lost answer counts once, with
//! exponential backoff on server errors and `Retry-After` on 429.

use crate::{Error, Http, Outcome};
use rand::distributions::{Alphanumeric, DistString};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub(crate) struct Queued {
    pub(crate) event_id: String,
    pub(crate) agent_id: String,
    pub(crate) outcome: Outcome,
}

/// What the sender did, returned by `Client::shutdown`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Events the portal accepted.
    pub sent: u64,
    /// Events given up on (refused, or still failing after every attempt).
    pub failed: u64,
    /// Requests answered 429 and waited out.
    pub rate_limited: u64,
    /// Attempts repeated after a server error or a lost connection.
    pub retried: u64,
}

pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", Alphanumeric.sample_string(&mut rand::rngs::OsRng, 24))
}

#[derive(Deserialize)]
struct Accepted {
    #[allow(dead_code)]
    results: Vec<serde_json::Value>,
}

/// Exponential backoff with full jitter, from 200 ms up to 10 s.
fn backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let cap = 200u64.saturating_mul(1 << attempt.min(6)).min(10_000);
    Duration::from_millis(rand::thread_rng().gen_range(cap / 2..=cap))
}

async fn send_batch(http: &Http, batch: &[Queued], report: &mut FlushReport) {
    let events: Vec<serde_json::Value> = batch
        .iter()
        .map(|e| serde_json::json!({ "event_id": e.event_id, "agent_id": e.agent_id, "outcome": e.outcome.key() }))
        .collect();
    let body = serde_json::json!({ "events": events }).to_string();
    let key = new_id("batch");
    let mut attempt = 0;
    loop {
        let r = http
            .request(reqwest::Method::POST, "/api/v1/events")
            .header("idempotency-key", &key)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone());
        match http.send::<Accepted>(r).await {
            Ok(_) => {
                report.sent += batch.len() as u64;
                return;
            }
            // Waiting out a rate limit is not a failed attempt.
            Err(Error::RateLimited { retry_after_secs }) => {
                report.rate_limited += 1;
                tokio::time::sleep(Duration::from_secs(retry_after_secs)).await;
            }
            Err(e) if e.is_transient() && attempt + 1 < http.config.max_attempts => {
                attempt += 1;
                report.retried += 1;
                tokio::time::sleep(backoff(attempt)).await;
            }
            Err(_) => {
                report.failed += batch.len() as u64;
                return;
            }
        }
    }
}

/// Sends until the queue is closed and empty.
pub(crate) async fn run(http: Arc<Http>, mut rx: mpsc::Receiver<Queued>) -> FlushReport {
    let mut report = FlushReport::default();
    let size = http.config.batch_size.clamp(1, 100);
    loop {
        let Some(first) = rx.recv().await else { return report };
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + http.config.flush_interval;
        while batch.len() < size {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(e)) => batch.push(e),
                // Closed: send what there is, then stop at the next recv.
                Ok(None) | Err(_) => break,
            }
        }
        send_batch(&http, &batch, &mut report).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_under_ten_seconds() {
        for attempt in 0..20 {
            let d = backoff(attempt);
            let cap = 200u64.saturating_mul(1 << attempt.min(6)).min(10_000);
            assert!(d.as_millis() as u64 >= cap / 2 && d.as_millis() as u64 <= cap, "{attempt}: {d:?}");
        }
        assert!(backoff(6) > Duration::from_millis(4_000));
    }
}
