//! The SDK (`sdk/`, a workspace member) against the server binary, both
//! engines: init checks the credential and loads the tenant, the trust
//! cache serves fresh and stale scores, the pre-flight check reads it,
//! outcome events go out in batches through rate limits and arrive once,
//! a bad credential is a typed error, and an OAuth token works as a key does.

use crate::binary::{partner_key, Server};
use crate::helpers::{Engine, HOST};
use crate::on_both;
use crate::program::Program;
use partner_portal_sdk::{Client, Config, Error, Outcome};
use std::time::Duration;

fn config(base: &str, credential: &str) -> Config {
    let mut c = Config::new(base, credential);
    c.host = Some(HOST.to_owned());
    c.flush_interval = Duration::from_millis(50);
    c
}

async fn new_agent(base: &str, key: &str, name: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/agents"))
        .header("host", HOST)
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(serde_json::json!({ "name": name }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    v["id"].as_str().unwrap().to_owned()
}

async fn sdk(e: Engine) {
    let mut p = Program::start(e).await;
    let scopes = ["agents_read", "agents_write", "events_write"];
    let key = partner_key(&mut p, "SDK", &scopes).await;
    // A tight rate limit, so the sender meets 429s and must wait them out.
    let server = Server::start_with(&p, &[("APP_API_RATE_PER_SECOND", "2"), ("APP_API_RATE_BURST", "3")]).await;
    let base = server.base.clone();

    // A wrong credential is a typed error at init.
    let bad = Client::init(config(&base, "pk_test_wrong")).await.err();
    assert_eq!(bad, Some(Error::Unauthorized));

    let client = Client::init(config(&base, &key)).await.expect("init");
    let t = client.tenant();
    assert_eq!((t.environment.as_str(), t.credential.as_str()), ("sandbox", "api_key"));
    assert_eq!(t.scopes, vec!["agents:read", "agents:write", "events:write"]);
    assert_eq!(t.sandbox.as_ref().map(|s| s.agent_limit), Some(100));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let agent = new_agent(&base, &key, "SDK agent").await;
    assert!(client.may_proceed(&agent, 500).await.unwrap(), "a new agent starts at 500");
    assert!(!client.may_proceed(&agent, 501).await.unwrap());
    assert!(matches!(client.trust_score("agt_nothing").await, Err(Error::NotFound(_))));

    // 250 failures: three batches, through the rate limit, each counted once.
    for _ in 0..250 {
        client.record(&agent, Outcome::Failure).unwrap();
    }
    let report = client.shutdown().await;
    assert_eq!((report.sent, report.failed), (250, 0), "{report:?}");
    assert!(report.rate_limited > 0, "the sender met the rate limit and waited: {report:?}");
    assert!(client.record(&agent, Outcome::Success).is_err(), "closed after shutdown");

    // A score cached for an hour is served from the cache; a fresh client sees the change.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut long = config(&base, &key);
    long.trust_ttl = Duration::from_secs(3600);
    let cached = Client::init(long).await.unwrap();
    assert_eq!(cached.trust_score(&agent).await.unwrap(), 0, "500 − 250 × 20, floored at 0");
    cached.shutdown().await;

    // Stale while revalidating: the old score at once, the new one next.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut swr = config(&base, &key);
    swr.trust_ttl = Duration::from_millis(1);
    swr.stale_while_revalidate = Duration::from_secs(3600);
    let stale = Client::init(swr).await.unwrap();
    let other = new_agent(&base, &key, "Second agent").await;
    assert_eq!(stale.trust_score(&other).await.unwrap(), 500);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let raw = reqwest::Client::new()
        .post(format!("{base}/api/v1/events"))
        .header("host", HOST)
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(serde_json::json!({ "event_id": "sdk-swr-1", "agent_id": other, "outcome": "success" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(stale.trust_score(&other).await.unwrap(), 500, "stale, served at once");
    let mut seen = 500;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        seen = stale.trust_score(&other).await.unwrap();
        if seen == 505 {
            break;
        }
    }
    assert_eq!(seen, 505, "the background refresh brought the new score");
    stale.shutdown().await;
    drop(server);
}

on_both!(the_sdk_checks_its_key_caches_trust_and_sends_batched_events_through_rate_limits, sdk);
