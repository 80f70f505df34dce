//! GraphQL against a client no one here wrote: gql (PyPI) validates its
//! queries with the downloadable schema, pages through agents by cursor,
//! reads trust history and certification, and meets the server's scope,
//! depth and complexity refusals (`tests/interop/graphql_client.py`).
//! Both engines, against the server binary.
//!
//! Needs gql in the virtualenv `.ci/setup` makes, or `PP_PYTHON`.

use crate::binary::{partner_key, Server};
use crate::helpers::{Engine, HOST};
use crate::on_both;
use crate::program::Program;

async fn api(base: &str, key: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("host", HOST)
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

async fn graphql(e: Engine) {
    let mut p = Program::start(e).await;
    let full = ["agents_read", "agents_write", "events_write", "webhooks_manage", "certification_read"];
    let key = partner_key(&mut p, "GraphQL", &full).await;
    let narrow = partner_key(&mut p, "Narrow", &["agents_read"]).await;
    let server = Server::start(&p).await;
    // Partner A has one agent already (the program's); two more make three.
    let mut first = String::new();
    for name in ["G1", "G2"] {
        let a = api(&server.base, &key, "/api/v1/agents", serde_json::json!({ "name": name })).await;
        if first.is_empty() {
            first = a["id"].as_str().unwrap().to_owned();
        }
    }
    let event = serde_json::json!({ "event_id": "gql-1", "agent_id": first, "outcome": "timeout" });
    api(&server.base, &key, "/api/v1/events", event).await;
    let out = std::process::Command::new(crate::oauth_interop::python())
        .arg("tests/interop/graphql_client.py")
        .env("PORTAL_BASE", &server.base)
        .env("PORTAL_HOST", HOST)
        .env("FULL_KEY", &key)
        .env("NARROW_KEY", &narrow)
        .env("AGENT", &first)
        .output()
        .expect("python runs (install gql: pip install 'gql[requests]')");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{report}");
    assert!(out.status.success(), "the GraphQL client found problems:\n{report}\nserver log:\n{}", server.log_text());
    assert!(report.contains("all GraphQL checks passed"), "{report}");
}

on_both!(gql_pages_reads_and_meets_the_scope_depth_and_complexity_limits, graphql);
