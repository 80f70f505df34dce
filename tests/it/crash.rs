//! Crash safety: the server binary is killed with SIGKILL at random moments
//! while partners post API events, a manager imports revenue and webhooks
//! are delivered, then started again on the same database. Afterwards every
//! write that was answered 2xx is there, every import is whole or absent,
//! and every queued webhook reaches its receiver.
//!
//! `PP_CRASH_KILLS` (default 3; the reliability suite runs 10).

use crate::binary::Server;
use crate::helpers::{scalar, Engine};
use crate::on_both;
use crate::program::Program;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

const SERVER_ENV: &[(&str, &str)] = &[("APP_WEBHOOK_ALLOW_PRIVATE", "127.0.0.1"), ("APP_WORKER_INTERVAL_MS", "100")];

async fn writes_survive_kills(e: Engine) {
    let kills: usize = std::env::var("PP_CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let mut p = Program::start(e).await;
    let url = p.app._db.url.clone();
    let key = crate::binary::partner_key(&mut p, "Crash", &["events_write", "webhooks_manage"]).await;
    let (hook, seen) = crate::binary::webhook_receiver().await;

    let mut server = Server::start_with(&p, SERVER_ENV).await;
    let base = Arc::new(RwLock::new(server.base.clone()));
    let http = crate::binary::http_client(Duration::from_secs(10));
    crate::binary::subscribe(&http, &server.base, &key, &hook).await;

    let stop = Arc::new(AtomicBool::new(false));
    let acked_events: Arc<Mutex<Vec<String>>> = Arc::default();
    let events = {
        let (base, http, key, agent, stop, acked) =
            (base.clone(), http.clone(), key.clone(), p.agent.clone(), stop.clone(), acked_events.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let id = format!("crash-{n}");
                // Up, up, down: the score keeps moving, so every event is a
                // score change to deliver.
                let outcome = if n % 3 == 0 { "timeout" } else { "success" };
                let body = serde_json::json!({ "event_id": id, "agent_id": agent, "outcome": outcome });
                let at = base.read().unwrap().clone();
                let sent = http.post(format!("{at}/api/v1/events")).header("host", "portal.test").bearer_auth(&key);
                let sent = sent.header("content-type", "application/json").body(body.to_string());
                match sent.send().await {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().push(id),
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        })
    };
    let imports = {
        let (base, http, stop) = (base.clone(), http.clone(), stop.clone());
        let cookie: Vec<String> = p.manager.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let cookie = cookie.join("; ");
        let today = p.app.clock_now().date_naive().to_string();
        tokio::spawn(async move {
            let (mut n, mut accepted) = (0, 0);
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let mut csv =
                    String::from("partner,customer,date,amount,currency,kind,refunds,external_id,customer_price\n");
                for row in 0..200 {
                    csv.push_str(&format!("alpha,Globex,{today},12.50,USD,invoice,,imp-{n}-{row},\n"));
                }
                let boundary = "CRASHBOUNDARY";
                let body = format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"csv\"\r\n\r\n{csv}\r\n--{boundary}--\r\n"
                );
                let at = base.read().unwrap().clone();
                let answer = http
                    .post(format!("{at}/manager/revenue/import"))
                    .header("host", "portal.test")
                    .header("origin", "https://portal.test")
                    .header("cookie", cookie.clone())
                    .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                    .body(body)
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status().is_redirection() => accepted += 1,
                    // Down between a kill and the restart: wait a little.
                    _ => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
            (n, accepted)
        })
    };

    // Kills at random moments, each followed by a restart on the same data.
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..kills {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        tokio::time::sleep(Duration::from_millis(800 + rng % 2200)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        drop(server);
        server = Server::start_with(&p, SERVER_ENV).await;
        *base.write().unwrap() = server.base.clone();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    events.await.unwrap();
    let (attempts, accepted) = imports.await.unwrap();

    // Every event answered 2xx is there.
    let acked = acked_events.lock().unwrap().clone();
    assert!(acked.len() >= 5, "the load ran: {} events acknowledged", acked.len());
    let stored = scalar(&url, "SELECT COUNT(DISTINCT event_id) FROM agent_events WHERE event_id LIKE 'crash-%'").await;
    let missing: Vec<&String> = {
        let mut out = Vec::new();
        for id in &acked {
            let q = format!("SELECT COUNT(*) FROM agent_events WHERE event_id = '{id}'");
            if scalar(&url, &q).await == 0 {
                out.push(id);
            }
        }
        out
    };
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    // Every import is whole or absent.
    for n in 1..=attempts {
        let rows =
            scalar(&url, &format!("SELECT COUNT(*) FROM revenue_events WHERE external_id LIKE 'imp-{n}-%'")).await;
        assert!(rows == 0 || rows == 200, "import {n} left {rows} of 200 rows");
    }
    let whole = scalar(&url, "SELECT COUNT(*) FROM revenue_events WHERE external_id LIKE 'imp-%'").await / 200;
    // Every webhook queued is delivered to the receiver.
    let started = Instant::now();
    loop {
        let pending = scalar(
            &url,
            "SELECT COUNT(*) FROM webhook_deliveries d JOIN webhook_subscriptions s \
                                    ON s.id = d.subscription_id WHERE s.url LIKE 'http://127.0.0.1:%' \
                                    AND d.status <> 'delivered'",
        )
        .await;
        let unfanned = scalar(&url, "SELECT COUNT(*) FROM event_log WHERE fanned_out = FALSE").await;
        if pending == 0 && unfanned == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{pending} deliveries pending, {unfanned} events not fanned out"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let hook_sub = "SELECT id FROM webhook_subscriptions WHERE url LIKE 'http://127.0.0.1:%'";
    let changes = scalar(
        &url,
        &format!(
            "SELECT COUNT(*) FROM event_log WHERE event_type = 'trust.score_changed' AND environment = 'sandbox' \
             AND created_at >= (SELECT created_at FROM webhook_subscriptions WHERE id = ({hook_sub}))"
        ),
    )
    .await;
    let delivered =
        scalar(&url, &format!("SELECT COUNT(*) FROM webhook_deliveries WHERE subscription_id = ({hook_sub})")).await;
    let received = seen.lock().unwrap().iter().collect::<HashSet<_>>().len() as i64;
    assert!(changes > 0 && delivered >= changes, "{delivered} deliveries for {changes} score changes");
    assert_eq!(received, delivered, "every delivery reached the receiver");
    println!(
        "{e:?}: {kills} kills; {} events acknowledged, all stored ({stored} in all); {accepted} imports acknowledged, \
         {whole} whole of {attempts} tried, none partial; {changes} score changes, {delivered} webhooks delivered, \
         {received} received",
        acked.len()
    );
    let _ = p.a.whoami().await;
}

on_both!(writes_answered_before_a_kill_9_survive_it_and_queued_webhooks_arrive, writes_survive_kills);
