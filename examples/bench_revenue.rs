//! Dashboard reads against a small and a large ledger, on SQLite and (with
//! `BENCH_POSTGRES_URL`, a role allowed to create databases) PostgreSQL.
//!
//! Dashboards read the rollups, so the time of a read should not grow with
//! the ledger. The figure to watch is the ratio large/small: about 1 means
//! the read does not scan the ledger. Run with `bash bench/revenue.sh`.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::{approved_partner, audit};
use partner_portal::domain::application::RevenueModel;
use partner_portal::domain::ledger::{EventInput, EventKind, Month};
use partner_portal::domain::revenue::{Currency, Money};
use partner_portal::server::store::{connect, ImportBatch, ImportOutcome, Store};
use std::sync::Arc;
use std::time::Instant;

/// A reseller approved now with `events` invoices over 2026.
async fn ledger(store: &Arc<dyn Store>, events: usize) -> anyhow::Result<(i64, i64)> {
    let (b, mgr, org) = approved_partner(store, RevenueModel::Reseller).await?;
    let usd = Currency::parse("USD")?;
    let start = Utc.with_ymd_and_hms(2026, 1, 3, 0, 0, 0).unwrap();
    let mut n = 0;
    while n < events {
        let rows: Vec<EventInput> = (n..(n + 5_000).min(events))
            .map(|i| EventInput {
                row: i + 2,
                organisation_id: org,
                customer: format!("customer-{}", i % 20),
                occurred_ms: (start + Duration::days((i % 320) as i64)).timestamp_millis(),
                kind: EventKind::Invoice,
                amount: Money::new(10_000 + (i as i64 % 977), usd),
                refunds: None,
                external_id: format!("inv-{i}"),
                customer_price_minor: None,
            })
            .collect();
        let count = rows.len();
        let batch = ImportBatch { source: "bench".into(), rows, row_count: count, created_by: mgr, dry_run: false };
        match store.import_revenue(b, batch, audit(b)).await? {
            ImportOutcome::Imported(_) => {}
            ImportOutcome::Checked(_) => anyhow::bail!("import was only checked"),
            ImportOutcome::Rejected(e) => anyhow::bail!("import refused: {:?}", &e[..e.len().min(3)]),
        }
        n += count;
    }
    Ok((b, org))
}

/// Median time of one dashboard's reads, in microseconds.
async fn dashboard_us(store: &Arc<dyn Store>, b: i64, org: i64) -> anyhow::Result<u128> {
    let (from, to) = (Month { year: 2026, month: 1 }, Month { year: 2026, month: 12 });
    let mut times = Vec::new();
    for _ in 0..60 {
        let t = Instant::now();
        store.monthly_figures(b, Some(org), from, to).await?;
        store.customer_figures(b, org, from, to).await?;
        store.statements(b, Some(org), None).await?;
        times.push(t.elapsed().as_micros());
    }
    times.sort_unstable();
    Ok(times[times.len() / 2])
}

async fn run(label: &str, url_for: impl Fn(&str) -> String, cleanup: impl Fn(&str)) -> anyhow::Result<()> {
    let sizes = [1_000usize, 40_000];
    let mut results = Vec::new();
    for size in sizes {
        let name = format!("pp_bench_{}_{size}", std::process::id());
        let url = url_for(&name);
        let (store, _) = connect(&url).await?;
        let t = Instant::now();
        let (b, org) = ledger(&store, size).await?;
        let load = t.elapsed();
        let us = dashboard_us(&store, b, org).await?;
        println!(
            "{label}: {size:>6} events imported in {:>6.2} s; dashboard read median {us:>6} µs",
            load.as_secs_f64()
        );
        results.push(us);
        drop(store);
        cleanup(&name);
    }
    println!(
        "{label}: dashboard read at {} events / at {} events = {:.2}",
        sizes[1],
        sizes[0],
        results[1] as f64 / results[0].max(1) as f64
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::env::temp_dir();
    run(
        "sqlite",
        |name| format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
        |name| {
            for ext in ["db", "db-wal", "db-shm"] {
                let _ = std::fs::remove_file(dir.join(format!("{name}.{ext}")));
            }
        },
    )
    .await?;
    if let Ok(admin) = std::env::var("BENCH_POSTGRES_URL") {
        let base = url::Url::parse(&admin)?;
        let psql = |sql: String| {
            let _ = std::process::Command::new("psql").arg(admin.as_str()).arg("-qc").arg(sql).status();
        };
        run(
            "postgres",
            |name| {
                psql(format!("CREATE DATABASE {name}"));
                let mut u = base.clone();
                u.set_path(name);
                u.to_string()
            },
            |name| psql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
        )
        .await?;
    }
    Ok(())
}
