//! The server process as an operator runs it: JSON log lines, metrics on an
//! address of their own, and a graceful stop on SIGTERM (no new
//! connections, the request in flight answered, exit 0).

use crate::binary::Server;
use crate::helpers::Engine;
use crate::on_both;
use crate::program::Program;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A multipart ticket of `size` bytes, as a browser sends the support form.
fn ticket_body(size: usize) -> (String, Vec<u8>) {
    let boundary = "LIFECYCLEBOUNDARY";
    let mut body = Vec::new();
    for (name, value) in [("subject", "Stuck upload"), ("severity", "tier3"), ("description", "A long upload.")] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"log.txt\"\r\n\
             Content-Type: text/plain\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(std::iter::repeat_n(b'a', size));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn stops_gracefully(e: Engine) {
    let p = Program::start(e).await;
    let mut server = Server::start_with(&p, &[("APP_LOG_FORMAT", "json"), ("APP_METRICS_ADDR", "127.0.0.1:0")]).await;
    let metrics = server.wait_for_address("metrics on ").await;
    let addr = server.base.trim_start_matches("http://").to_owned();

    // Traffic, then the metrics an operator scrapes.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let page = http.get(format!("{}/login", server.base)).header("host", "portal.test").send().await.unwrap();
    assert!(page.headers().contains_key("x-request-id"));
    let scrape = http.get(format!("{metrics}/metrics")).send().await.unwrap().text().await.unwrap();
    for series in [
        "http_requests_total{",
        "http_request_duration_seconds_bucket{",
        "route=\"/login\"",
        "outbox_backlog ",
        "webhook_backlog ",
        "db_pool_connections ",
        "database_up 1",
    ] {
        assert!(scrape.contains(series), "{series} missing from:\n{scrape}");
    }
    let public = http.get(format!("{}/metrics", server.base)).header("host", "portal.test").send().await.unwrap();
    assert_eq!(public.status(), 404, "metrics are not on the public address");

    // A signed-in partner's upload is under way when SIGTERM arrives.
    let cookie: Vec<String> = p.a.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let (content_type, body) = ticket_body(256 * 1024);
    let mut upload = TcpStream::connect(&addr).unwrap();
    write!(
        upload,
        "POST /support/tickets HTTP/1.1\r\nHost: portal.test\r\nOrigin: https://portal.test\r\nAccept: text/html\r\n\
         Cookie: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        cookie.join("; "),
        body.len()
    )
    .unwrap();
    let half = body.len() / 2;
    upload.write_all(&body[..half]).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());

    // It stops taking connections but finishes the one in flight.
    let refused = Instant::now();
    while TcpStream::connect(&addr).is_ok() {
        assert!(refused.elapsed() < Duration::from_secs(5), "still accepting connections after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    upload.write_all(&body[half..]).unwrap();
    upload.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut answer = String::new();
    let _ = upload.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 303") || answer.starts_with("HTTP/1.1 302"), "{answer}");
    assert!(answer.contains("/support/tickets/"), "the ticket was opened: {answer}");

    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "still running 30 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit {status}");
    let log = server.log_text();
    assert!(log.contains("\"stopped\""), "{log}");
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["level"].is_string() && v["message"].is_string(), "{line}");
    }
    let served = log.lines().find(|l| l.contains("\"served\"") && l.contains("/login")).expect("a request's line");
    assert!(served.contains("\"id\"") && served.contains("\"status\":200"), "{served}");
}

on_both!(the_server_stops_gracefully_on_sigterm_and_logs_json_with_metrics_apart, stops_gracefully);
