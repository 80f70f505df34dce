//! Several instances: two server binaries on one PostgreSQL behind nginx
//! (Debian's package, started here with its own configuration and port),
//! as an operator runs the portal when one machine is not enough. Signed-in
//! users browse, partners open support tickets (each queues emails) and an
//! integration posts API events (each score change queues webhooks) while
//! the instances are stopped one after the other with SIGTERM and started
//! again, as a rolling deploy does. Nobody is signed out, no page fails,
//! every event answered 2xx is stored, every email is written once and
//! every webhook reaches its receiver once.
//!
//! Needs nginx (`.ci/setup` installs it). `PP_INSTANCES_SECONDS` (default 4)
//! sets how long each phase of the rolling restart lasts.

use crate::binary::Server;
use crate::helpers::{scalar, temp_path, Engine};
use crate::nginx::Nginx;
use crate::program::Program;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn ticket(n: usize) -> (String, String) {
    let boundary = "INSTANCESBOUNDARY";
    let mut body = String::new();
    for (name, value) in [
        ("subject", format!("Rolling {n}")),
        ("severity", "tier3".into()),
        ("description", "Seen during a deploy.".into()),
    ] {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// SIGTERM, then waits for the graceful exit.
async fn terminate(server: &mut Server) {
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit {status}:\n{}", server.log_text());
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "still running 30 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Message-IDs of the `.eml` files in `dir`.
fn message_ids(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map(|d| d.flatten().collect::<Vec<_>>()).unwrap_or_default() {
        if entry.path().extension().is_some_and(|e| e == "eml") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let id = text
                .lines()
                .find_map(|l| l.strip_prefix("Message-ID: ").or_else(|| l.strip_prefix("Message-Id: ")))
                .unwrap_or_else(|| panic!("no Message-ID in {}", entry.path().display()));
            out.push(id.trim().to_owned());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_nginx_survive_a_rolling_restart_postgres() {
    let phase =
        Duration::from_secs(std::env::var("PP_INSTANCES_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(4));
    let mut p = Program::start(Engine::Postgres).await;
    let url = p.app._db.url.clone();
    let key = crate::binary::partner_key(&mut p, "Rolling", &["events_write", "webhooks_manage"]).await;
    let (hook, seen) = crate::binary::webhook_receiver().await;

    // Both instances share the database and the mail folder, as two
    // machines share a database and a mail relay.
    let outbox = temp_path("instances-outbox");
    let outbox_dir = outbox.display().to_string();
    let env = [
        ("APP_OUTBOX_DIR", outbox_dir.as_str()),
        ("APP_WEBHOOK_ALLOW_PRIVATE", "127.0.0.1"),
        ("APP_WORKER_INTERVAL_MS", "100"),
        // One address (nginx) sends everything here.
        ("APP_TRUSTED_PROXIES", "127.0.0.1"),
        ("APP_API_RATE_PER_SECOND", "10000"),
        ("APP_API_RATE_BURST", "10000"),
    ];
    let first_email = scalar(&url, "SELECT COALESCE(MAX(id), 0) FROM outbox").await;
    let mut a = Server::start_with(&p, &env).await;
    let mut b = Server::start_with(&p, &env).await;
    // Fixed ports, so a restarted instance takes its old place upstream.
    let (a_addr, b_addr) = (a.base.clone(), b.base.clone());
    let nginx = Nginx::start(&[&a_addr, &b_addr]).await;
    let lb = nginx.base.clone();
    let http = crate::binary::http_client(Duration::from_secs(30));
    crate::binary::subscribe(&http, &lb, &key, &hook).await;

    let stop = Arc::new(AtomicBool::new(false));
    let cookie =
        |c: &crate::helpers::Client| c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let st = p.statement;
    let users: Vec<(&str, String, Vec<String>)> = vec![
        ("partner", cookie(&p.a), vec!["/".into(), "/revenue".into(), format!("/statements/{st}"), "/support".into()]),
        (
            "manager",
            cookie(&p.manager),
            vec!["/manager/partners".into(), "/support/queue".into(), "/funds/review".into()],
        ),
        ("admin", cookie(&p.admin), vec!["/admin/users".into(), "/admin/emails".into(), "/account".into()]),
    ];
    let mut browsing = Vec::new();
    for (who, cookie, pages) in users {
        for copy in 0..2 {
            let (http, lb, stop, cookie, pages) =
                (http.clone(), lb.clone(), stop.clone(), cookie.clone(), pages.clone());
            browsing.push(tokio::spawn(async move {
                let (mut n, mut failures) = (copy, Vec::new());
                while !stop.load(Ordering::SeqCst) {
                    let path = &pages[n % pages.len()];
                    n += 1;
                    let answer = http
                        .get(format!("{lb}{path}"))
                        .header("host", "portal.test")
                        .header("accept", "text/html")
                        .header("cookie", &cookie)
                        .send()
                        .await;
                    match answer {
                        Ok(r) if r.status() == 200 => {
                            let body = r.text().await.unwrap_or_default();
                            if !body.contains("</html>") {
                                failures.push(format!("{who} {path}: incomplete"));
                            }
                        }
                        Ok(r) => {
                            failures.push(format!("{who} {path}: {} {:?}", r.status(), r.headers().get("location")))
                        }
                        Err(e) => failures.push(format!("{who} {path}: {e}")),
                    }
                }
                (n - copy, failures)
            }));
        }
    }
    let acked_events: Arc<Mutex<Vec<String>>> = Arc::default();
    let events = {
        let (http, lb, key, agent, stop, acked) =
            (http.clone(), lb.clone(), key.clone(), p.agent.clone(), stop.clone(), acked_events.clone());
        tokio::spawn(async move {
            let (mut n, mut refused) = (0, Vec::new());
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let id = format!("rolling-{n}");
                let outcome = if n % 3 == 0 { "timeout" } else { "success" };
                let body = serde_json::json!({ "event_id": id, "agent_id": agent, "outcome": outcome });
                let sent = http.post(format!("{lb}/api/v1/events")).header("host", "portal.test").bearer_auth(&key);
                match sent.header("content-type", "application/json").body(body.to_string()).send().await {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().push(id),
                    Ok(r) => refused.push(format!("{id}: {}", r.status())),
                    Err(e) => refused.push(format!("{id}: {e}")),
                }
            }
            refused
        })
    };
    let tickets = {
        let (http, lb, stop, cookie) = (http.clone(), lb.clone(), stop.clone(), cookie(&p.a));
        tokio::spawn(async move {
            let (mut opened, mut refused) = (Vec::new(), Vec::new());
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let (content_type, body) = ticket(n);
                let answer = http
                    .post(format!("{lb}/support/tickets"))
                    .header("host", "portal.test")
                    .header("origin", "https://portal.test")
                    .header("accept", "text/html")
                    .header("cookie", &cookie)
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status().is_redirection() => opened.push(n),
                    Ok(r) => refused.push(format!("ticket {n}: {}", r.status())),
                    Err(e) => refused.push(format!("ticket {n}: {e}")),
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (opened, refused)
        })
    };

    // The rolling restart: A stops and comes back, then B.
    tokio::time::sleep(phase).await;
    terminate(&mut a).await;
    tokio::time::sleep(phase).await;
    let a_port = &a_addr[a_addr.rfind(':').unwrap() + 1..];
    let a_listen = format!("127.0.0.1:{a_port}");
    drop(a);
    let _a = Server::start_with(&p, &[&env[..], &[("LEPTOS_SITE_ADDR", a_listen.as_str())]].concat()).await;
    tokio::time::sleep(phase).await;
    terminate(&mut b).await;
    tokio::time::sleep(phase).await;
    stop.store(true, Ordering::SeqCst);

    let (mut pages, mut failures) = (0, Vec::new());
    for t in browsing {
        let (n, f) = t.await.unwrap();
        pages += n;
        failures.extend(f);
    }
    let refused_events = events.await.unwrap();
    let (opened, refused_tickets) = tickets.await.unwrap();
    failures.extend(refused_events);
    failures.extend(refused_tickets);
    assert!(failures.is_empty(), "{} requests failed, e.g. {:#?}", failures.len(), &failures[..failures.len().min(10)]);

    // Every event answered 2xx is stored.
    let acked = acked_events.lock().unwrap().clone();
    assert!(acked.len() >= 10 && opened.len() >= 5, "the load ran");
    for id in &acked {
        let q = format!("SELECT COUNT(*) FROM agent_events WHERE event_id = '{id}'");
        assert_eq!(scalar(&url, &q).await, 1, "event {id}");
    }
    let stored = scalar(&url, "SELECT COUNT(*) FROM support_tickets WHERE subject LIKE 'Rolling %'").await;
    assert_eq!(stored, opened.len() as i64, "every ticket answered with a redirect is stored, once");

    // Every email and every webhook leaves, once, whichever instance took it.
    // The program's own subscriptions point nowhere; only this receiver's.
    let mine = format!(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE subscription_id = \
         (SELECT id FROM webhook_subscriptions WHERE url = '{hook}')"
    );
    let started = Instant::now();
    loop {
        let waiting = format!("SELECT COUNT(*) FROM outbox WHERE id > {first_email} AND done_at IS NULL");
        let emails = scalar(&url, &waiting).await;
        let hooks = scalar(&url, &format!("{mine} AND status <> 'delivered'")).await;
        let unfanned = scalar(&url, "SELECT COUNT(*) FROM event_log WHERE fanned_out = FALSE").await;
        if emails == 0 && hooks == 0 && unfanned == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{emails} emails, {hooks} webhooks and {unfanned} events still waiting"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let queued = scalar(&url, &format!("SELECT COUNT(*) FROM outbox WHERE id > {first_email}")).await;
    let written = message_ids(&outbox);
    let mut per_id: HashMap<&str, usize> = HashMap::new();
    for id in &written {
        *per_id.entry(id.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = per_id.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "emails written twice: {twice:?}");
    assert!(queued >= opened.len() as i64, "each ticket queued an email: {queued} for {}", opened.len());
    for id in first_email + 1..=first_email + queued {
        let want = format!("<outbox-{id}@portal.test>");
        assert!(per_id.contains_key(want.as_str()), "email {id} was never written");
    }
    let delivered = scalar(&url, &mine).await;
    let received = seen.lock().unwrap().clone();
    let distinct: std::collections::HashSet<&String> = received.iter().collect();
    assert!(delivered > 0, "score changes were delivered");
    assert_eq!(distinct.len() as i64, delivered, "every delivery reached the receiver");
    assert_eq!(received.len(), distinct.len(), "no webhook was received twice");
    let log = format!("{}{}", _a.log_text(), b.log_text());
    assert!(!log.contains("panicked"), "{log}");
    println!(
        "two instances behind nginx, rolling restart ({} s phases): {pages} pages, 0 failed, nobody signed out; \
         {} events acknowledged, all stored; {} tickets opened; {queued} emails written once each; \
         {delivered} webhooks received once each",
        phase.as_secs(),
        acked.len(),
        opened.len()
    );
    drop(nginx);
    let _ = std::fs::remove_dir_all(&outbox);
}
