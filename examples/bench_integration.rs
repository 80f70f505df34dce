//! Agent outcome events and trust reads, on SQLite and (with
//! `BENCH_POSTGRES_URL`, a role allowed to create databases) PostgreSQL.
//!
//! Two figures, each a ratio within one run:
//! - events a second sent in batches of 100 over events a second sent one
//!   per request (what batching buys an integration);
//! - an agent's trust read after 20 000 events over the same read after
//!   100 (about 1: the read does not scan the agent's history).
//!
//! Run with `bash bench/integration.sh`.

mod common;

use chrono::Utc;
use common::{approved_partner, on_engines};
use partner_portal::domain::application::RevenueModel;
use partner_portal::domain::integration::{day_of, Environment, EventIn, SANDBOX_EVENTS_PER_DAY};
use partner_portal::domain::webhook::Outcome;
use partner_portal::server::store::{EventBatch, NewAgent, OrgRef, Store};
use std::sync::Arc;
use std::time::Instant;

fn outcome(i: usize) -> Outcome {
    match i % 20 {
        0 => Outcome::Failure,
        1 => Outcome::Timeout,
        _ => Outcome::Success,
    }
}

/// Sends `count` events to `agent` in batches of `size`; returns events a second.
async fn send(
    store: &Arc<dyn Store>,
    b: i64,
    org: i64,
    agent: &str,
    tag: &str,
    count: usize,
    size: usize,
) -> anyhow::Result<f64> {
    let t = Instant::now();
    for start in (0..count).step_by(size) {
        let now = Utc::now();
        let events = (start..(start + size).min(count))
            .map(|i| EventIn { event_id: format!("{tag}-{i}"), agent_id: agent.to_owned(), outcome: outcome(i) })
            .collect();
        let quota = Some((day_of(now.timestamp_millis()), SANDBOX_EVENTS_PER_DAY * 100));
        let batch =
            EventBatch { brand_id: b, organisation_id: org, environment: Environment::Sandbox, events, quota, now };
        store.record_events(batch).await?;
    }
    Ok(count as f64 / t.elapsed().as_secs_f64())
}

async fn agent(store: &Arc<dyn Store>, b: i64, org: i64, name: &str) -> anyhow::Result<String> {
    let a = NewAgent {
        brand_id: b,
        organisation_id: org,
        environment: Environment::Sandbox,
        public_id: format!("agt_bench_{name}"),
        name: name.into(),
        external_ref: None,
        customer_user_id: None,
        now: Utc::now(),
    };
    Ok(store.register_agent(a, None).await?.id)
}

/// Median time of reading an agent and its 50 latest changes, in µs.
async fn read_us(store: &Arc<dyn Store>, org: OrgRef, id: &str) -> anyhow::Result<u128> {
    let mut times = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        store.agent(org, Environment::Sandbox, id).await?;
        store.trust_history(id, 50).await?;
        times.push(t.elapsed().as_micros());
    }
    times.sort_unstable();
    Ok(times[times.len() / 2])
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    on_engines(|label, store| async move {
        let (b, _, org) = approved_partner(&store, RevenueModel::Technology).await?;
        let single = agent(&store, b, org, "single").await?;
        let batched = agent(&store, b, org, "batched").await?;
        let one = send(&store, b, org, &single, "one", 1_000, 1).await?;
        let hundred = send(&store, b, org, &batched, "batch", 20_000, 100).await?;
        println!(
            "{label}: one event per request {one:>8.0} events/s; batches of 100 {hundred:>8.0} events/s; ratio {:.1}",
            hundred / one
        );
        let small = agent(&store, b, org, "small").await?;
        send(&store, b, org, &small, "small", 100, 100).await?;
        let scope = store.organisation_in(b, org).await?.expect("the partner just approved");
        let (small_us, large_us) = (read_us(&store, scope, &small).await?, read_us(&store, scope, &batched).await?);
        println!(
            "{label}: trust read median {small_us} µs at 100 events, {large_us} µs at 20 000; ratio {:.2}",
            large_us as f64 / small_us.max(1) as f64
        );
        Ok(())
    })
    .await
}
