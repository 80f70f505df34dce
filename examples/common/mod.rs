//! What the benchmarks share: an approved partner in a fresh store, and a
//! run on SQLite and (with `BENCH_POSTGRES_URL`) PostgreSQL databases made
//! for the run and dropped after it.

// Each benchmark uses only some of these.
#![allow(dead_code)]

use chrono::{Duration, TimeZone, Utc};
use partner_portal::domain::application::{ApplicationInput, Decision, RevenueModel};
use partner_portal::domain::role::Role;
use partner_portal::domain::terms::default_terms;
use partner_portal::server::store::{connect, DecisionRecord, NewAudit, NewToken, NewUser, OutgoingEmail, Store};
use std::future::Future;
use std::sync::Arc;

pub fn audit(b: i64) -> NewAudit {
    NewAudit {
        brand_id: b,
        at: Utc.with_ymd_and_hms(2026, 1, 2, 12, 0, 0).unwrap(),
        actor_id: None,
        actor_email: "bench".into(),
        action: "bench",
        subject: String::new(),
        detail: serde_json::json!({}),
        client_ip: "127.0.0.1".into(),
        organisation_id: None,
    }
}

/// A partner of `model`, approved now: (brand, manager, organisation).
pub async fn approved_partner(store: &Arc<dyn Store>, model: RevenueModel) -> anyhow::Result<(i64, i64, i64)> {
    let b = store.default_brand().await?.id;
    let mgr = store
        .create_user(
            NewUser {
                brand_id: b,
                email: "mgr@bench.example".into(),
                display_name: "M".into(),
                role: Role::Manager,
                password_hash: "x".into(),
                created_at: Utc::now(),
            },
            audit(b),
        )
        .await?;
    let app = ApplicationInput {
        company: "Bench Partner".into(),
        website: "https://bench.example".into(),
        contact_name: "B".into(),
        email: "owner@bench.example".into(),
        kind: "reseller/var".into(),
        category: "distribution_channels".into(),
        integration: "api".into(),
        revenue_model: model.key().into(),
        pitch: "Bench.".into(),
    }
    .parse()
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let now = Utc::now();
    let token = NewToken {
        token_hash: "bench".into(),
        brand_id: b,
        email: "owner@bench.example".into(),
        user_id: None,
        role: None,
        display_name: None,
        org: None,
        created_by: None,
        created_at: now,
        expires_at: now + Duration::days(1),
    };
    let mail = || OutgoingEmail {
        to: "x@bench.example".into(),
        subject: "s".into(),
        text: "t".into(),
        from_name: None,
        html: None,
    };
    let id = store.submit_application(b, &app, "!", token, mail(), audit(b)).await?;
    let terms = default_terms(model);
    let rec =
        DecisionRecord { application_id: id, version: 0, decision: &Decision::Approve, terms: &terms, decided_by: mgr };
    let org = store.decide_application(b, rec, mail(), audit(b)).await?.expect("approved");
    Ok((b, mgr, org))
}

/// Runs `bench` with a fresh store per named database, on SQLite and, when
/// `BENCH_POSTGRES_URL` is set, on PostgreSQL.
pub async fn on_engines<F, Fut>(bench: F) -> anyhow::Result<()>
where
    F: Fn(&'static str, Arc<dyn Store>) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let dir = std::env::temp_dir();
    let name = format!("pp_bench_{}", std::process::id());
    let url = format!("sqlite://{}", dir.join(format!("{name}.db")).display());
    let (store, _) = connect(&url).await?;
    let result = bench("sqlite", store).await;
    for ext in ["db", "db-wal", "db-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{name}.{ext}")));
    }
    result?;
    if let Ok(admin) = std::env::var("BENCH_POSTGRES_URL") {
        let psql = |sql: String| {
            let _ = std::process::Command::new("psql").arg(admin.as_str()).arg("-qc").arg(sql).status();
        };
        psql(format!("CREATE DATABASE {name}"));
        let mut u = url::Url::parse(&admin)?;
        u.set_path(&name);
        let (store, _) = connect(u.as_str()).await?;
        let result = bench("postgres", store).await;
        psql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        result?;
    }
    Ok(())
}
