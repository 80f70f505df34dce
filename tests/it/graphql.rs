//! GraphQL against a client no one here wrote: gql (PyPI) validates its
//! queries with the downloadable schema, pages through agents by cursor,
//! reads trust history and certification, reads revenue and pages through
//! a statement's lines with a production key (and is refused it with a
//! sandbox key, and for another partner's statement), and meets the
//! server's scope, depth and complexity refusals
//! (`tests/interop/graphql_client.py`).
//! Both engines, against the server binary.
//!
//! Needs gql in the virtualenv `.ci/setup` makes, or `PP_PYTHON`.

use crate::binary::{partner_key, partner_key_in, Server};
use crate::helpers::{certify, Engine, HOST};
use crate::on_both;
use crate::program::Program;
use leptos::server_fn::ServerFn;
use partner_portal::api::revenue::RecordRevenueEvent;

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
    let full = ["agents_read", "agents_write", "events_write", "webhooks_manage", "certification_read", "revenue_read"];
    let key = partner_key(&mut p, "GraphQL", &full).await;
    let narrow = partner_key(&mut p, "Narrow", &["agents_read"]).await;
    // Revenue is production data: A is certified for a production key.
    // A's statement has the program's invoice (10.00 USD) and one more;
    // B gets a statement of its own.
    certify(&p.app, &mut p.a, &mut p.manager, p.org_a).await;
    let live = partner_key_in(&mut p, "production", "Live", &["revenue_read", "certification_read"]).await;
    let today = p.app.clock_now().date_naive().to_string();
    let org_a = p.org_a.to_string();
    let partners = p.app.state.store.revenue_partners_upto(1, 10).await.unwrap();
    let org_b = partners.iter().find(|(_, name)| name == "bravo").expect("partner B").0.to_string();
    for (partner, ext, amount) in [(org_a.as_str(), "inv-a2", "5.00"), (org_b.as_str(), "inv-b", "7.00")] {
        let event = crate::http_revenue::event(partner, ext, amount, &today);
        let r = p.admin.call(RecordRevenueEvent::PATH, &event).await;
        assert_eq!(r.status, axum::http::StatusCode::OK, "{ext}: {}", r.body);
    }
    let all = p.app.state.store.statements(1, None, None).await.unwrap();
    let of_b = all.iter().find(|s| s.organisation_id != p.org_a).expect("B's statement").id;
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
        .env("LIVE_KEY", &live)
        .env("A_STATEMENT", p.statement.to_string())
        .env("B_STATEMENT", of_b.to_string())
        .env("AGENT", &first)
        .output()
        .expect("python runs (install gql: pip install 'gql[requests]')");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{report}");
    assert!(out.status.success(), "the GraphQL client found problems:\n{report}\nserver log:\n{}", server.log_text());
    assert!(report.contains("all GraphQL checks passed"), "{report}");
}

on_both!(gql_pages_reads_and_meets_the_scope_depth_and_complexity_limits, graphql);
