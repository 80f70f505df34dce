//! Concurrency: the real server binary, started on a program that has
//! something of everything, serves every page each role can reach (anonymous
//! visitors, a partner, a manager, an admin, a white-label customer on its
//! partner's domain) to several clients at once for a bounded time. Every
//! request must get a complete answer with the status it gets alone, and the
//! server's log must hold no panic. One client at a time never showed the
//! fault this guards against: page titles read reactive values outside the
//! request's owner, which panicked only when renders overlapped.
//!
//! `PP_LOAD_SECONDS` (default 12) and `PP_LOAD_CLIENTS` (default 6) make the
//! run longer or wider; the soak in the reliability suite is 64 clients for
//! ten minutes. The server's resident memory is read before, halfway and
//! after, and may not keep growing.

use crate::binary::Server;
use crate::helpers::{Client, Engine};
use crate::on_both;
use crate::program::Program;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One page as one identity sees it.
struct Visit {
    who: &'static str,
    host: String,
    cookie: Option<String>,
    path: String,
    /// What the page answers when asked alone.
    status: u16,
}

fn cookie_of(c: &Client) -> Option<String> {
    (!c.cookies.is_empty()).then(|| c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
}

fn visits(p: &Program) -> Vec<Visit> {
    let program = p.app.client().host;
    let (o, st, tk, rv, ap) = (p.org_a, p.statement, p.ticket, p.review, p.application);
    let (agent, webhook) = (&p.agent, &p.webhook);
    let anonymous: Vec<String> =
        ["/", "/login", "/apply", "/forgot-password", "/reset-password?token=unknown", "/invitation?token=unknown"]
            .map(String::from)
            .to_vec();
    let partner: Vec<String> = vec![
        "/".into(),
        "/account".into(),
        "/application".into(),
        "/plan".into(),
        "/team".into(),
        "/certification".into(),
        "/branding".into(),
        "/revenue".into(),
        format!("/statements/{st}"),
        "/developers".into(),
        "/developers/agents".into(),
        format!("/developers/agents/{agent}"),
        "/developers/traffic".into(),
        "/developers/webhooks".into(),
        format!("/developers/webhooks/{webhook}"),
        "/developers/api".into(),
        "/developers/verify".into(),
        "/scorecard".into(),
        "/support".into(),
        format!("/support/tickets/{tk}"),
        "/reviews".into(),
        format!("/reviews/{rv}"),
        "/funds".into(),
    ];
    let manager: Vec<String> = vec![
        "/".into(),
        "/account".into(),
        "/manager/applications".into(),
        format!("/manager/applications/{ap}"),
        "/manager/partners".into(),
        "/manager/certification".into(),
        "/manager/revenue".into(),
        format!("/statements/{st}"),
        "/support/queue".into(),
        "/support/report".into(),
        format!("/support/tickets/{tk}"),
        "/funds/review".into(),
        format!("/plan?org={o}"),
        format!("/certification?org={o}"),
        format!("/revenue?org={o}"),
        format!("/branding?org={o}"),
        format!("/developers?org={o}"),
        format!("/developers/webhooks?org={o}"),
        format!("/scorecard?org={o}"),
        format!("/support?org={o}"),
        format!("/reviews?org={o}"),
        format!("/funds?org={o}"),
    ];
    let admin: Vec<String> =
        ["/", "/admin/users", "/admin/audit", "/admin/onboarding-template", "/manager/revenue", "/manager/partners"]
            .map(String::from)
            .to_vec();
    let customer: Vec<String> = ["/", "/agents", "/account"].map(String::from).to_vec();

    let mut out = Vec::new();
    let mut add = |who: &'static str, host: &str, client: Option<&Client>, paths: Vec<String>| {
        for path in paths {
            out.push(Visit { who, host: host.to_owned(), cookie: client.and_then(cookie_of), path, status: 0 });
        }
    };
    add("anonymous", &program, None, anonymous);
    add("anonymous on A's domain", &p.domain_a, None, ["/", "/login", "/forgot-password"].map(String::from).to_vec());
    add("partner", &program, Some(&p.a), partner);
    add("manager", &program, Some(&p.manager), manager);
    add("admin", &program, Some(&p.admin), admin);
    add("customer of A", &p.domain_a, Some(&p.carol), customer);
    add("anonymous", &program, None, vec!["/no-such-page".into()]);
    out
}

/// GETs one page as a browser would; the status and whether the HTML came
/// whole, or why there was no answer.
async fn fetch(http: &reqwest::Client, base: &str, v: &Visit) -> Result<(u16, bool), String> {
    let mut req = http.get(format!("{base}{}", v.path)).header("host", &v.host).header("accept", "text/html");
    if let Some(c) = &v.cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.map_err(|e| format!("{e:?}"))?;
    let status = res.status().as_u16();
    let body = res.text().await.map_err(|e| format!("body: {e:?}"))?;
    // Leptos adds its resource scripts after `</html>`; a body cut short
    // fails above, as a transfer error.
    Ok((status, body.contains("</html>")))
}

/// The process's resident memory in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: 0 kB");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn every_page_answers_under_concurrent_load(e: Engine) {
    let p = Program::start(e).await;
    let server = Server::start(&p).await;
    let mut visits = visits(&p);
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap();

    // Alone, each page answers in full: 200, and 404 for a path that is none.
    for v in &mut visits {
        let (status, whole) = fetch(&http, &server.base, v).await.unwrap_or_else(|e| panic!("{}: {e}", v.path));
        let expected = if v.path == "/no-such-page" { 404 } else { 200 };
        assert_eq!(status, expected, "{} on {}{}", v.who, v.host, v.path);
        assert!(whole, "{} on {}{}: incomplete page", v.who, v.host, v.path);
        v.status = status;
    }

    let visits = Arc::new(visits);
    let clients = setting("PP_LOAD_CLIENTS", 6) as usize;
    let seconds = setting("PP_LOAD_SECONDS", 12);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let pid = server.child.id();
    let rss_start = rss_kib(pid);
    // Memory halfway through, once caches and pools have filled: what the
    // second half adds is what a leak would add.
    let rss_half = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(seconds) / 2).await;
        rss_kib(pid)
    });
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let (visits, base) = (visits.clone(), server.base.clone());
        // Each client its own connections, as separate browsers have.
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap();
        tasks.push(tokio::spawn(async move {
            let (mut sent, mut failures) = (0usize, Vec::new());
            let mut i = worker * visits.len() / clients;
            while Instant::now() < deadline {
                let v = &visits[i % visits.len()];
                match fetch(&http, &base, v).await {
                    Ok((status, true)) if status == v.status => {}
                    Ok((status, whole)) => failures.push(format!("{} {}: {status}, whole: {whole}", v.who, v.path)),
                    Err(e) => failures.push(format!("{} {}: no answer: {e}", v.who, v.path)),
                }
                sent += 1;
                i += 1;
            }
            (sent, failures)
        }));
    }
    let (mut sent, mut failures) = (0, Vec::new());
    for t in tasks {
        let (s, f) = t.await.unwrap();
        sent += s;
        failures.extend(f);
    }
    let (rss_half, rss_end) = (rss_half.await.unwrap(), rss_kib(pid));
    let log = server.log_text();
    let panics: Vec<&str> = log.lines().filter(|l| l.contains("panicked")).collect();
    println!(
        "{e:?}: {sent} requests over {} pages from {clients} clients in {seconds} s; {} failed; {} panics; \
         RSS {} MiB before, {} MiB halfway, {} MiB after",
        visits.len(),
        failures.len(),
        panics.len(),
        rss_start / 1024,
        rss_half / 1024,
        rss_end / 1024
    );
    assert!(sent >= 2 * visits.len(), "the load ran: {sent} requests");
    assert!(
        failures.is_empty(),
        "{} of {sent} requests failed, e.g. {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    // Memory is stable: the second half of the run adds at most a quarter,
    // and 32 MiB of slack for allocator noise in short runs.
    assert!(
        rss_end <= rss_half + rss_half / 4 + 32 * 1024,
        "memory grew from {} MiB halfway to {} MiB",
        rss_half / 1024,
        rss_end / 1024
    );
    assert!(
        panics.is_empty(),
        "the server panicked {} times, e.g. {:#?}",
        panics.len(),
        &panics[..panics.len().min(5)]
    );
}

on_both!(every_page_each_role_reaches_answers_in_full_under_concurrent_load, every_page_answers_under_concurrent_load);
