//! The integration surface over HTTP, both engines: API keys, the `/api/v1`
//! REST API (errors, rate limits, idempotency, cross-partner access), the
//! sandbox's limits and weekly reset, the request log, and webhook
//! delivery against a real local receiver.

use crate::helpers::{certify, fire_cert_event, start_with_manager as start, Client, Reply, TestApp, PASSWORD};
use crate::on_both;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;
use partner_portal::api::integration::{
    CreateApiKey, DeveloperView, GetDeveloper, GetTraffic, RevokeApiKey, RotateApiKey, SimulateEvents, TrafficView,
};
use partner_portal::domain::certification::CertState;
use partner_portal::domain::integration::{day_of, week_of, week_start_ms, Environment, EventIn, KeyStatus};
use partner_portal::domain::onboarding::Binding;
use partner_portal::domain::webhook::{sign, Outcome};
use partner_portal::server::services::webhooks::{deliver_once, Deliverer};
use partner_portal::server::store::{EventBatch, StoreError};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

async fn partner(app: &TestApp, mgr: &mut Client, company: &str, email: &str) -> (Client, i64) {
    app.approved_partner(mgr, company, email, "technology/ai_platform", "technology").await
}

async fn developer(c: &mut Client) -> DeveloperView {
    let r = c.call(GetDeveloper::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{} {:?}", r.body, r.headers);
    serde_json::from_str(&r.body).unwrap()
}

/// Creates a key with every scope and returns it.
pub(crate) async fn new_key(c: &mut Client, env: &str) -> String {
    let r = c.call(CreateApiKey::PATH, &key_form("CI", env)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    developer(c).await.new_key.expect("the new key is shown once").1
}

fn key_form<'a>(name: &'a str, env: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("environment", env),
        ("agents_read", "on"),
        ("agents_write", "on"),
        ("events_write", "on"),
        ("webhooks_manage", "on"),
        ("certification_read", "on"),
        ("leads_read", "on"),
        ("deals_read", "on"),
        ("deals_write", "on"),
    ]
}

/// An API call with a bearer key, as an integration (no browser headers).
pub(crate) async fn api(
    c: &mut Client,
    method: &str,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value, Reply) {
    api_with(c, method, path, key, body, None).await
}

async fn api_with(
    c: &mut Client,
    method: &str,
    path: &str,
    key: &str,
    body: Option<Value>,
    idempotency: Option<&str>,
) -> (StatusCode, Value, Reply) {
    let mut req = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {key}"));
    if let Some(k) = idempotency {
        req = req.header("idempotency-key", k);
    }
    let req = match body {
        Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let reply = c.send(req).await;
    let v = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply.status, v, reply)
}

on_both!(keys_open_the_sandbox_rotate_with_grace_and_revoke_at_once, |e| async move {
    let (app, mut mgr) = start(e, |_| {}).await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let mut api_client = app.client();

    // Bad input names every field and writes nothing.
    let r = ada.call(CreateApiKey::PATH, &[("name", ""), ("environment", "staging")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("\"name\"") && r.body.contains("\"environment\"") && r.body.contains("\"scopes\""),
        "{}",
        r.body
    );
    // Production waits for certification.
    let r = ada.call(CreateApiKey::PATH, &key_form("Live", "production")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("certified"), "{}", r.body);
    assert!(developer(&mut ada).await.keys.is_empty());

    // The first sandbox key is shown once, grants sandbox access and ticks the plan.
    let key = new_key(&mut ada, "sandbox").await;
    assert!(key.starts_with("pk_test_") && key.len() == 48, "{key}");
    let v = developer(&mut ada).await;
    assert_eq!(v.new_key, None, "shown only once");
    assert_eq!(v.keys.len(), 1);
    assert!(v.keys[0].hint.starts_with("pk_test_") && !v.keys[0].hint.contains(&key[12..]));
    let cert = app.state.store.certification(1, org).await.unwrap().unwrap();
    assert_eq!(cert.state, CertState::Development);
    let plan = app.state.store.plan(1, org).await.unwrap();
    assert!(plan.iter().any(|i| i.binding == Some(Binding::SandboxKeyCreated) && i.done_at_ms.is_some()));

    // The key authenticates; nothing else does, and errors have one shape.
    let (s, body, _) = api(&mut api_client, "GET", "/api/v1/certification", &key, None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "development");
    let (s, body, reply) = api(&mut api_client, "GET", "/api/v1/agents", "pk_test_wrong", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    assert_eq!(reply.headers.get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
    let r = api_client.send(Request::get("/api/v1/agents").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let lower = Request::get("/api/v1/agents").header(header::AUTHORIZATION, format!("bearer {key}"));
    assert_eq!(
        api_client.send(lower.body(Body::empty()).unwrap()).await.status,
        StatusCode::OK,
        "the scheme is case-insensitive"
    );
    // The key is not a cookie: a browser session alone does not open the API.
    let r = ada.send(Request::get("/api/v1/agents").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Another partner's owner and the manager cannot create keys here.
    let (mut bob, _) = partner(&app, &mut mgr, "Bob Bots", "bob@bob.example").await;
    let mut form = key_form("Mine", "sandbox");
    let org_s = org.to_string();
    form.push(("org", &org_s));
    assert_eq!(bob.call(CreateApiKey::PATH, &form).await.status, StatusCode::FORBIDDEN);
    assert_eq!(mgr.call(CreateApiKey::PATH, &form).await.status, StatusCode::FORBIDDEN);
    assert_eq!(developer(&mut ada).await.keys.len(), 1);

    // Rotation: the old key works through its grace period, then stops.
    let old_id = developer(&mut ada).await.keys[0].id.to_string();
    let r = ada.call(RotateApiKey::PATH, &[("id", &old_id), ("grace", "1")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = developer(&mut ada).await;
    let rotated = v.new_key.unwrap().1;
    assert_eq!(v.keys.iter().find(|k| k.id.to_string() == old_id).unwrap().status, KeyStatus::Expiring);
    assert_eq!(api(&mut api_client, "GET", "/api/v1/agents", &key, None).await.0, StatusCode::OK);
    assert_eq!(api(&mut api_client, "GET", "/api/v1/agents", &rotated, None).await.0, StatusCode::OK);
    // Rotating it again is refused: it already has a successor.
    assert_eq!(ada.call(RotateApiKey::PATH, &[("id", &old_id), ("grace", "1")]).await.status, StatusCode::CONFLICT);
    app.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(api(&mut api_client, "GET", "/api/v1/agents", &key, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(api(&mut api_client, "GET", "/api/v1/agents", &rotated, None).await.0, StatusCode::OK);

    // Revocation is immediate, and shows as last used and revoked (the
    // hour that passed ended the browser sessions).
    ada.sign_in("ada@acme.example", PASSWORD).await;
    bob.sign_in("bob@bob.example", PASSWORD).await;
    let new_id = developer(&mut ada).await.keys.iter().find(|k| k.status == KeyStatus::Active).unwrap().id.to_string();
    assert_eq!(ada.call(RevokeApiKey::PATH, &[("id", &new_id)]).await.status, StatusCode::OK);
    assert_eq!(api(&mut api_client, "GET", "/api/v1/agents", &rotated, None).await.0, StatusCode::UNAUTHORIZED);
    let v = developer(&mut ada).await;
    let k = v.keys.iter().find(|k| k.id.to_string() == new_id).unwrap();
    assert_eq!(k.status, KeyStatus::Revoked);
    assert!(k.last_used_at_ms.is_some());
    // Bob's revoke of Ada's key finds nothing.
    assert_eq!(bob.call(RevokeApiKey::PATH, &[("id", &old_id)]).await.status, StatusCode::NOT_FOUND);
    let audit = app.state.store.audit_entries(1, None, 100).await.unwrap();
    for action in ["integration.api_key_created", "integration.api_key_rotated", "integration.api_key_revoked"] {
        assert!(audit.iter().any(|a| a.action == action), "{action} audited");
    }
    assert!(
        audit.iter().all(|a| !a.detail.contains(&key) && !a.detail.contains(&rotated)),
        "no secret in the audit log"
    );
});

on_both!(agents_and_events_move_trust_scores_once_per_event_id, |e| async move {
    let (app, mut mgr) = start(e, |_| {}).await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, _) = partner(&app, &mut mgr, "Bob Bots", "bob@bob.example").await;
    let key = new_key(&mut ada, "sandbox").await;
    let bob_key = new_key(&mut bob, "sandbox").await;
    let mut c = app.client();

    let (s, body, _) =
        api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": "", "external_ref": "a b" }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_request");
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "external_ref"]);
    let (s, body, _) = api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "nom": 1 }))).await;
    assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_request")));
    let (s, body, _) =
        api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": "x", "customer": "nobody@x.example" }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        app.state.store.agent_count(crate::helpers::org_ref(&app, org).await, Environment::Sandbox).await.unwrap(),
        0
    );

    let (s, agent, _) =
        api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": "Support bot", "external_ref": "bot-1" })))
            .await;
    assert_eq!(s, StatusCode::CREATED, "{agent}");
    assert_eq!((agent["trust_score"].as_i64(), agent["environment"].as_str()), (Some(500), Some("sandbox")));
    let id = agent["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("agt_"));

    let events = json!({ "events": [
        { "event_id": "e1", "agent_id": id, "outcome": "success" },
        { "event_id": "e2", "agent_id": id, "outcome": "policy_violation" },
        { "event_id": "e1", "agent_id": id, "outcome": "success" },
    ]});
    let (s, body, _) = api(&mut c, "POST", "/api/v1/events", &key, Some(events.clone())).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let applied: Vec<bool> =
        body["results"].as_array().unwrap().iter().map(|r| r["applied"].as_bool().unwrap()).collect();
    assert_eq!(applied, [true, true, false]);
    assert_eq!(body["results"][1]["trust_score"], 405);
    // The same batch again changes nothing.
    let (_, body, _) = api(&mut c, "POST", "/api/v1/events", &key, Some(events)).await;
    assert!(body["results"].as_array().unwrap().iter().all(|r| r["applied"] == false), "{body}");
    let (_, trust, _) = api(&mut c, "GET", &format!("/api/v1/trust/{id}"), &key, None).await;
    assert_eq!(trust["trust_score"], 405);
    assert_eq!(trust["history"].as_array().unwrap().len(), 2);
    assert_eq!(trust["history"][0]["outcome"], "policy_violation");

    // A batch with an unknown agent or a bad outcome applies nothing.
    let bad = json!({ "events": [
        { "event_id": "e3", "agent_id": id, "outcome": "success" },
        { "event_id": "e4", "agent_id": "agt_nobody", "outcome": "success" },
    ]});
    let (s, body, _) = api(&mut c, "POST", "/api/v1/events", &key, Some(bad)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body, _) = api(
        &mut c,
        "POST",
        "/api/v1/events",
        &key,
        Some(json!({ "event_id": "e5", "agent_id": id, "outcome": "great" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["field"], "events[0].outcome");
    let (_, trust, _) = api(&mut c, "GET", &format!("/api/v1/trust/{id}"), &key, None).await;
    assert_eq!(trust["trust_score"], 405, "nothing of the refused batches applied");

    // Another partner sees nothing of it: 404, and its events cannot touch it.
    let (s, body, _) = api(&mut c, "GET", &format!("/api/v1/agents/{id}"), &bob_key, None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    assert_eq!(api(&mut c, "GET", &format!("/api/v1/trust/{id}"), &bob_key, None).await.0, StatusCode::NOT_FOUND);
    let (s, _, _) = api(
        &mut c,
        "POST",
        "/api/v1/events",
        &bob_key,
        Some(json!({ "event_id": "x", "agent_id": id, "outcome": "failure" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, list, _) = api(&mut c, "GET", "/api/v1/agents", &bob_key, None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    // Production never sees sandbox agents.
    assert!(app
        .state
        .store
        .agents(crate::helpers::org_ref(&app, org).await, Environment::Production)
        .await
        .unwrap()
        .is_empty());

    // The first sandbox event ticked its plan item; a trust event was logged for webhooks.
    let plan = app.state.store.plan(1, org).await.unwrap();
    assert!(plan.iter().any(|i| i.binding == Some(Binding::SandboxEventReceived) && i.done_at_ms.is_some()));

    // Scopes are enforced.
    let r =
        ada.call(CreateApiKey::PATH, &[("name", "Read only"), ("environment", "sandbox"), ("agents_read", "on")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let read_only = developer(&mut ada).await.new_key.unwrap().1;
    let (s, body, _) = api(&mut c, "POST", "/api/v1/agents", &read_only, Some(json!({ "name": "x" }))).await;
    assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("insufficient_scope")));

    // Every request was logged for the partner's traffic view, by route.
    let r = ada.call(GetTraffic::PATH, &[]).await;
    let t: TrafficView = serde_json::from_str(&r.body).unwrap();
    assert!(t.sandbox.requests >= 10, "{:?}", t.sandbox);
    assert!(t.sandbox.client_errors >= 4);
    assert!(t.recent.iter().any(|q| q.route == "/api/v1/trust/{agent_id}" && q.status == 200));
    let r = bob.call(GetTraffic::PATH, &[]).await;
    let t: TrafficView = serde_json::from_str(&r.body).unwrap();
    assert!(t.recent.iter().all(|q| q.route != "/api/v1/trust/{agent_id}" || q.status == 404), "Bob sees only his own");
});

async fn three_agents(app: &TestApp, key: &str) -> Vec<String> {
    let mut c = app.client();
    let mut ids = Vec::new();
    for n in ["one", "two", "three"] {
        let (s, a, _) = api(&mut c, "POST", "/api/v1/agents", key, Some(json!({ "name": n }))).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        ids.push(a["id"].as_str().unwrap().to_owned());
    }
    ids
}

on_both!(a_batch_stores_what_the_same_events_sent_one_at_a_time_store, |e| async move {
    let (app, mut mgr) = start(e, |c| c.api_rate_burst = 1_000).await;
    let (mut ada, ada_org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, bob_org) = partner(&app, &mut mgr, "Bob Bots", "bob@bob.example").await;
    let ada_key = new_key(&mut ada, "sandbox").await;
    let bob_key = new_key(&mut bob, "sandbox").await;
    let mut c = app.client();
    let ada_agents = three_agents(&app, &ada_key).await;
    let bob_agents = three_agents(&app, &bob_key).await;
    // Interleaved agents, ids repeated inside the batch and from an earlier
    // one, and enough policy violations to pin one agent at 0 (a change
    // that moves nothing writes no `trust.score_changed`).
    let outcomes = ["success", "policy_violation", "failure", "timeout", "policy_violation"];
    let stream = |agents: &[String]| -> Vec<Value> {
        (0..60)
            .map(|i| {
                let id = if i % 7 == 3 { format!("ev{}", i - 2) } else { format!("ev{i}") };
                let agent = &agents[(i + i / 4) % 3];
                json!({ "event_id": id, "agent_id": agent, "outcome": outcomes[i % 5] })
            })
            .collect()
    };
    let all = stream(&ada_agents);
    let earlier = &all[..10];
    let (s, first, _) = api(&mut c, "POST", "/api/v1/events", &ada_key, Some(json!({ "events": earlier }))).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let mut batched: Vec<Value> = first["results"].as_array().unwrap().clone();
    let again = all.clone();
    let (s, body, _) = api(&mut c, "POST", "/api/v1/events", &ada_key, Some(json!({ "events": again }))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    batched.extend(body["results"].as_array().unwrap()[10..].iter().cloned());
    let mut single = Vec::new();
    for ev in stream(&bob_agents) {
        let (s, body, _) = api(&mut c, "POST", "/api/v1/events", &bob_key, Some(ev)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        single.push(body["results"][0].clone());
    }
    let strip = |rs: &[Value], agents: &[String]| -> Vec<(String, usize, bool, i64)> {
        rs.iter()
            .map(|r| {
                let who = agents.iter().position(|a| a == r["agent_id"].as_str().unwrap()).unwrap();
                (
                    r["event_id"].as_str().unwrap().to_owned(),
                    who,
                    r["applied"].as_bool().unwrap(),
                    r["trust_score"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(strip(&batched, &ada_agents), strip(&single, &bob_agents));
    assert!(single.iter().any(|r| r["trust_score"] == 0), "one agent reached the floor");
    for (a, b) in ada_agents.iter().zip(&bob_agents) {
        let (_, ta, _) = api(&mut c, "GET", &format!("/api/v1/trust/{a}"), &ada_key, None).await;
        let (_, tb, _) = api(&mut c, "GET", &format!("/api/v1/trust/{b}"), &bob_key, None).await;
        assert_eq!(ta["trust_score"], tb["trust_score"]);
        let steps = |t: &Value| -> Vec<(String, String, i64, i64)> {
            t["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    let s = |k: &str| h[k].as_str().unwrap().to_owned();
                    (
                        s("event_id"),
                        s("outcome"),
                        h["score_before"].as_i64().unwrap(),
                        h["score_after"].as_i64().unwrap(),
                    )
                })
                .collect()
        };
        assert_eq!(steps(&ta), steps(&tb), "the same changes, newest first");
        assert!(!steps(&ta).is_empty());
        let (_, aa, _) = api(&mut c, "GET", &format!("/api/v1/agents/{a}"), &ada_key, None).await;
        let (_, ab, _) = api(&mut c, "GET", &format!("/api/v1/agents/{b}"), &bob_key, None).await;
        assert_eq!(aa["events"], ab["events"], "{aa} {ab}");
    }
    let changed = |org: i64| {
        let url = app._db.url.clone();
        async move {
            crate::helpers::scalar(
                &url,
                &format!("SELECT COUNT(*) FROM event_log WHERE organisation_id = {org} AND event_type = 'trust.score_changed'"),
            )
            .await
        }
    };
    let (ca, cb) = (changed(ada_org).await, changed(bob_org).await);
    assert_eq!(ca, cb);
    let moved = single.iter().filter(|r| r["applied"] == true).count() as i64;
    assert!(ca > 0 && ca < moved, "{ca} score changes of {moved} applied events: the floor wrote none");
});

on_both!(sandbox_limits_refuse_with_the_limit_and_the_reset_time, |e| async move {
    let (app, mut mgr) = start(e, |c| c.api_rate_burst = 1_000).await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let key = new_key(&mut ada, "sandbox").await;
    let mut c = app.client();
    for i in 0..100 {
        let (s, b, _) = api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": format!("a{i}") }))).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (s, body, reply) = api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": "one too many" }))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "sandbox_limit_exceeded");
    assert_eq!(body["error"]["limit"], 100);
    assert!(body["error"]["resets_at"].as_str().unwrap().ends_with('Z'));
    assert!(reply.headers.get(header::RETRY_AFTER).is_some());
    assert_eq!(
        app.state.store.agent_count(crate::helpers::org_ref(&app, org).await, Environment::Sandbox).await.unwrap(),
        100
    );

    // The daily event quota is one guarded counter: a batch that would pass it writes nothing.
    let agent = app.state.store.agents(crate::helpers::org_ref(&app, org).await, Environment::Sandbox).await.unwrap()
        [0]
    .id
    .clone();
    let now = app.clock_now();
    let batch = |ids: &[&str], limit: i64| EventBatch {
        brand_id: 1,
        organisation_id: org,
        environment: Environment::Sandbox,
        events: ids
            .iter()
            .map(|i| EventIn { event_id: (*i).into(), agent_id: agent.clone(), outcome: Outcome::Success })
            .collect(),
        quota: Some((day_of(now.timestamp_millis()), limit)),
        now,
    };
    let store = &app.state.store;
    assert!(store.record_events(batch(&["q1", "q2"], 3)).await.is_ok());
    assert!(matches!(store.record_events(batch(&["q3", "q4"], 3)).await, Err(StoreError::Rule(_))));
    // Repeats do not count against the quota.
    assert!(store.record_events(batch(&["q1", "q2", "q3"], 3)).await.is_ok());
    assert_eq!(
        store
            .sandbox_events_on(crate::helpers::org_ref(&app, org).await, day_of(now.timestamp_millis()))
            .await
            .unwrap(),
        3
    );
    assert!(matches!(store.record_events(batch(&["q4"], 3)).await, Err(StoreError::Rule(_))));

    // The weekly reset clears the sandbox agents of the weeks before, once
    // per week, whichever instance runs it; an agent made this week stays.
    let second = app.second_instance().await;
    app.clock.advance(chrono::Duration::days(7));
    let fresh = partner_portal::server::store::NewAgent {
        brand_id: 1,
        organisation_id: org,
        environment: Environment::Sandbox,
        public_id: "agt_freshweek".into(),
        name: "fresh week".into(),
        external_ref: None,
        customer_user_id: None,
        now: app.clock_now(),
    };
    // Straight through the store: the sandbox is full until the reset.
    store.register_agent(fresh, None).await.unwrap();
    let week = week_of(app.clock_now().timestamp_millis());
    let start = chrono::DateTime::from_timestamp_millis(week_start_ms(week)).unwrap();
    let (a, b) = tokio::join!(store.reset_sandbox(week, start), second.state.store.reset_sandbox(week, start));
    assert!(a.unwrap() ^ b.unwrap(), "exactly one instance resets");
    let left = store.agents(crate::helpers::org_ref(&app, org).await, Environment::Sandbox).await.unwrap();
    assert_eq!(left.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["fresh week"]);
    assert!(!store.reset_sandbox(week, start).await.unwrap());
    let (s, _, _) = api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": "after the reset" }))).await;
    assert_eq!(s, StatusCode::CREATED);
    // A week on, Ada signs in again.
    ada.sign_in("ada@acme.example", crate::helpers::PASSWORD).await;

    // Simulating events creates test agents and moves their scores.
    let r = ada.call(SimulateEvents::PATH, &[("count", "500")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = ada.call(SimulateEvents::PATH, &[("count", "40")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let agents = store.agents(crate::helpers::org_ref(&app, org).await, Environment::Sandbox).await.unwrap();
    assert_eq!(agents.iter().map(|a| a.events).sum::<i64>(), 40);
    assert!(agents.iter().any(|a| a.trust_score != 500));
});

on_both!(rate_limits_answer_429_and_idempotency_keys_replay_the_first_answer, |e| async move {
    let (app, mut mgr) = start(e, |c| {
        c.api_rate_per_second = 1;
        c.api_rate_burst = 3;
    })
    .await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let key = new_key(&mut ada, "sandbox").await;
    let mut c = app.client();
    let body = json!({ "name": "Once" });
    let (s1, first, _) = api_with(&mut c, "POST", "/api/v1/agents", &key, Some(body.clone()), Some("req-1")).await;
    assert_eq!(s1, StatusCode::CREATED);
    let (s2, again, reply) = api_with(&mut c, "POST", "/api/v1/agents", &key, Some(body), Some("req-1")).await;
    assert_eq!((s2, &again), (StatusCode::CREATED, &first));
    assert_eq!(reply.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(
        app.state.store.agent_count(crate::helpers::org_ref(&app, org).await, Environment::Sandbox).await.unwrap(),
        1
    );
    let (s3, err, _) =
        api_with(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": "Other" })), Some("req-1")).await;
    assert_eq!((s3, err["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")));
    // The burst is spent: the next call waits.
    let (s, body, reply) = api(&mut c, "GET", "/api/v1/agents", &key, None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    let wait: u64 = reply.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait));
});

on_both!(an_idempotency_key_outside_the_documented_characters_is_refused_and_nothing_is_written, |e| async move {
    let (app, mut mgr) = start(e, |c| c.api_rate_burst = 1_000).await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let key = new_key(&mut ada, "sandbox").await;
    let mut c = app.client();
    for bad in ["two words", &"k".repeat(256)] {
        let body = json!({ "name": "Once" });
        let (s, err, _) = api_with(&mut c, "POST", "/api/v1/agents", &key, Some(body), Some(bad)).await;
        assert_eq!((s, err["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_request")));
    }
    let org = crate::helpers::org_ref(&app, org).await;
    assert_eq!(app.state.store.agent_count(org, Environment::Sandbox).await.unwrap(), 0);
});

on_both!(the_openapi_document_matches_the_routes, |e| async move {
    let (app, mut mgr) = start(e, |c| c.api_rate_burst = 1_000).await;
    let (mut ada, _) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let key = new_key(&mut ada, "sandbox").await;
    let mut c = app.client();
    let r = c.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&r.body).unwrap();
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let concrete = path.replace("{agent_id}", "agt_missing").replace("{id}", "whk_missing");
            let body = (method == "post").then(|| json!({}));
            let (s, v, _) = api(&mut c, &method.to_uppercase(), &concrete, &key, body).await;
            assert_ne!(s, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert_ne!(
                v["error"]["message"], "No such API route; see /api/v1/openapi.json.",
                "{method} {path} is routed"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, 15);
    // Undocumented routes answer in the API's error shape.
    let (s, v, _) = api(&mut c, "GET", "/api/v1/nothing-here", &key, None).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
});

/// A webhook receiver on a loopback port: records each request and answers
/// with the next scripted status (then 200).
pub(crate) struct Receiver {
    pub(crate) url: String,
    hits: Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>,
    script: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    pub(crate) async fn start() -> Self {
        let hits: Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>> = Arc::default();
        let script: Arc<Mutex<Vec<u16>>> = Arc::default();
        let (h, s) = (hits.clone(), script.clone());
        let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap, body: String| {
            let (h, s) = (h.clone(), s.clone());
            async move {
                h.lock().unwrap().push((headers, body));
                let next = {
                    let mut s = s.lock().unwrap();
                    if s.is_empty() {
                        200
                    } else {
                        s.remove(0)
                    }
                };
                let mut res = axum::response::Response::new(Body::from("ok"));
                *res.status_mut() = StatusCode::from_u16(next).unwrap();
                if next == 302 {
                    res.headers_mut().insert(header::LOCATION, "/elsewhere".parse().unwrap());
                }
                res
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url: format!("http://127.0.0.1:{}/hooks", addr.port()), hits, script }
    }

    pub(crate) fn hits(&self) -> Vec<(axum::http::HeaderMap, String)> {
        self.hits.lock().unwrap().clone()
    }
}

on_both!(webhooks_are_signed_retried_not_redirected_and_disabled_on_410, |e| async move {
    let (app, mut mgr) = start(e, |c| {
        c.api_rate_burst = 1_000;
        c.webhook_allow_private = vec!["127.0.0.1".into()];
    })
    .await;
    let (mut ada, ada_org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, _) = partner(&app, &mut mgr, "Bob Bots", "bob@bob.example").await;
    let key = new_key(&mut ada, "sandbox").await;
    let bob_key = new_key(&mut bob, "sandbox").await;
    let mut c = app.client();
    let rx = Receiver::start().await;
    let deliverer = Deliverer::new(&app.state.config).unwrap();

    // Non-public receivers are refused, however they are spelled.
    for url in [
        "http://10.0.0.5/h",
        "http://169.254.169.254/latest",
        "http://[::1]/h",
        "http://0x7f000002/h",
        "http://2130706434/h",
        "ftp://example.com/h",
    ] {
        let (s, v, _) =
            api(&mut c, "POST", "/api/v1/webhooks", &key, Some(json!({ "url": url, "patterns": ["*"] }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert_eq!(v["error"]["fields"][0]["field"], "url");
    }
    let (s, v, _) =
        api(&mut c, "POST", "/api/v1/webhooks", &key, Some(json!({ "url": rx.url, "patterns": ["trusts.*"] }))).await;
    assert_eq!((s, v["error"]["fields"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("patterns")));

    let (s, created, _) = api(
        &mut c,
        "POST",
        "/api/v1/webhooks",
        &key,
        Some(json!({ "url": rx.url, "patterns": ["trust.*", "webhook.test"] })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let sub = created["subscription"]["id"].as_str().unwrap().to_owned();

    // An event that moves a score is delivered, signed; the first answer fails.
    let (_, agent, _) = api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": "bot" }))).await;
    let agent = agent["id"].as_str().unwrap().to_owned();
    rx.script.lock().unwrap().extend([500, 302]);
    api(
        &mut c,
        "POST",
        "/api/v1/events",
        &key,
        Some(json!({ "event_id": "w1", "agent_id": agent, "outcome": "failure" })),
    )
    .await;
    assert_eq!(deliver_once(&app.state, &deliverer).await.unwrap(), 1);
    let hits = rx.hits();
    assert_eq!(hits.len(), 1);
    let (h, body) = &hits[0];
    let id = h["webhook-id"].to_str().unwrap();
    let ts: i64 = h["webhook-timestamp"].to_str().unwrap().parse().unwrap();
    assert_eq!(h["webhook-signature"].to_str().unwrap(), sign(&secret, id, ts, body).unwrap());
    assert_eq!(h["x-event-type"], "trust.score_changed");
    assert!(h["x-signature"].to_str().unwrap().starts_with("sha256="));
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!((payload["type"].as_str(), payload["data"]["score"].as_i64()), (Some("trust.score_changed"), Some(480)));

    // Nothing is due until the first retry time (5 s).
    assert_eq!(deliver_once(&app.state, &deliverer).await.unwrap(), 0);
    app.clock.advance(chrono::Duration::seconds(6));
    // The redirect is not followed: one more hit, and a retry stays pending.
    assert_eq!(deliver_once(&app.state, &deliverer).await.unwrap(), 1);
    assert_eq!(rx.hits().len(), 2);
    assert!(rx.hits().iter().all(|(_, b)| b == body), "the same message each time");
    app.clock.advance(chrono::Duration::seconds(301));
    assert_eq!(deliver_once(&app.state, &deliverer).await.unwrap(), 1);
    assert_eq!(rx.hits()[2].0["webhook-id"], id, "a retry keeps the message id");
    let s = app.state.store.subscription(crate::helpers::org_ref(&app, ada_org).await, &sub).await.unwrap().unwrap();
    let log: Vec<_> =
        app.state.store.deliveries(s.id, i64::MAX, false, 10).await.unwrap().into_iter().map(|(d, _)| d).collect();
    assert_eq!(log[0].status, partner_portal::domain::integration::DeliveryStatus::Delivered);
    assert_eq!(log[0].attempts, 3);
    let attempts = app.state.store.attempts(log[0].id).await.unwrap();
    let codes: Vec<Option<i64>> = attempts.iter().map(|a| a.response_status).collect();
    assert_eq!(codes, [Some(500), Some(302), Some(200)]);
    assert_eq!(attempts[1].error.as_deref(), Some("Redirects are not followed."));

    // A worker killed after claiming loses nothing: the lease runs out and another delivers.
    let (s, _, _) = api(&mut c, "POST", &format!("/api/v1/webhooks/{sub}/test"), &key, None).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let now = app.clock_now();
    let claimed = app.state.store.claim_deliveries(now, now + chrono::Duration::seconds(60), 10, 32).await.unwrap();
    assert_eq!(claimed.len(), 1, "claimed, then the worker dies");
    let second = app.second_instance().await;
    assert_eq!(deliver_once(&second.state, &deliverer).await.unwrap(), 0, "leased: nobody else takes it");
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(deliver_once(&second.state, &deliverer).await.unwrap(), 1);
    assert_eq!(rx.hits().last().unwrap().0["x-event-type"], "webhook.test");

    // Rotation: both secrets sign for a day.
    let (_, rotated, _) = api(&mut c, "POST", &format!("/api/v1/webhooks/{sub}/rotate-secret"), &key, None).await;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    // A second rotation would end the first secret early: refused until its day is over.
    let (s, again, _) = api(&mut c, "POST", &format!("/api/v1/webhooks/{sub}/rotate-secret"), &key, None).await;
    assert_eq!((s, again["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));
    api(&mut c, "POST", &format!("/api/v1/webhooks/{sub}/test"), &key, None).await;
    deliver_once(&app.state, &deliverer).await.unwrap();
    let (h, body) = rx.hits().last().unwrap().clone();
    let (id, ts) =
        (h["webhook-id"].to_str().unwrap().to_owned(), h["webhook-timestamp"].to_str().unwrap().parse().unwrap());
    let sigs: Vec<String> = h["webhook-signature"].to_str().unwrap().split(' ').map(str::to_owned).collect();
    assert_eq!(sigs, [sign(&new_secret, &id, ts, &body).unwrap(), sign(&secret, &id, ts, &body).unwrap()]);
    // The guide's X-Signature honours the same grace: one value per secret.
    let legacy: Vec<&str> = h["x-signature"].to_str().unwrap().split(", ").collect();
    use partner_portal::domain::webhook::legacy_signature;
    assert_eq!(
        legacy,
        [legacy_signature(&new_secret, ts, &body).unwrap(), legacy_signature(&secret, ts, &body).unwrap()]
    );

    // 410 Gone disables the subscription and stops its deliveries.
    rx.script.lock().unwrap().push(410);
    api(&mut c, "POST", &format!("/api/v1/webhooks/{sub}/test"), &key, None).await;
    deliver_once(&app.state, &deliverer).await.unwrap();
    let (_, list, _) = api(&mut c, "GET", "/api/v1/webhooks", &key, None).await;
    assert_eq!(list["data"][0]["active"], false);
    assert_eq!(list["data"][0]["disabled_reason"], "The receiver answered 410 Gone.");
    let before = rx.hits().len();
    api(
        &mut c,
        "POST",
        "/api/v1/events",
        &key,
        Some(json!({ "event_id": "w2", "agent_id": agent, "outcome": "failure" })),
    )
    .await;
    app.clock.advance(chrono::Duration::hours(1));
    deliver_once(&app.state, &deliverer).await.unwrap();
    assert_eq!(rx.hits().len(), before, "a disabled subscription receives nothing");

    // Deleting is scoped to the owner: another partner's key gets 404.
    assert_eq!(
        api(&mut c, "DELETE", &format!("/api/v1/webhooks/{sub}"), &bob_key, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(api(&mut c, "DELETE", &format!("/api/v1/webhooks/{sub}"), &key, None).await.0, StatusCode::NO_CONTENT);
    let (_, list, _) = api(&mut c, "GET", "/api/v1/webhooks", &key, None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
});

on_both!(program_events_reach_subscribers_and_connect_time_checks_refuse_private_addresses, |e| async move {
    // Subscribing while the receiver is allowed, then delivering without the
    // allowance: the connect-time check refuses (as after a DNS change).
    let rx = Receiver::start().await;
    let (app, mut mgr) = start(e, |c| c.webhook_allow_private = vec!["127.0.0.1".into()]).await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let key = new_key(&mut ada, "sandbox").await;
    let mut c = app.client();
    // Program events are production data: a sandbox subscription never
    // receives them; the owner subscribes production from the page.
    let (s, _, _) =
        api(&mut c, "POST", "/api/v1/webhooks", &key, Some(json!({ "url": rx.url, "patterns": ["*"] }))).await;
    assert_eq!(s, StatusCode::CREATED);
    let form = [("environment", "production"), ("url", rx.url.as_str()), ("patterns", "cert.*")];
    let r = ada.call(partner_portal::api::integration::CreateWebhook::PATH, &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A certification change is delivered to the partner's receiver.
    let cert = app.state.store.certification(1, org).await.unwrap().unwrap();
    let (org_s, version) = (org.to_string(), cert.version.to_string());
    let fields = [
        ("org", org_s.as_str()),
        ("version", version.as_str()),
        ("event", "integration_built"),
        ("note", ""),
        ("evidence", ""),
        ("back", "/certification"),
    ];
    let r = ada.call(partner_portal::api::certification::FireCertificationEvent::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let strict = Deliverer::new(&partner_portal::server::config::Config::default()).unwrap();
    deliver_once(&app.state, &strict).await.unwrap();
    assert!(rx.hits().is_empty(), "a private address is refused at connect time");
    let subs = app.state.store.subscriptions(crate::helpers::org_ref(&app, org).await).await.unwrap();
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert!(
        app.state.store.deliveries(subs[0].id, i64::MAX, false, 10).await.unwrap().is_empty(),
        "nothing to the sandbox"
    );
    let log: Vec<_> = app
        .state
        .store
        .deliveries(subs[1].id, i64::MAX, false, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].event_type, "cert.state_changed");
    assert!(log[0].last_error.as_deref().unwrap().contains("not public"), "{:?}", log[0]);
    // With the allowance the retry goes through.
    app.clock.advance(chrono::Duration::seconds(6));
    deliver_once(&app.state, &Deliverer::new(&app.state.config).unwrap()).await.unwrap();
    let (_, body) = rx.hits().remove(0);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["data"]["previous_state"].as_str(), v["data"]["state"].as_str()),
        (Some("development"), Some("testing"))
    );
});

on_both!(production_keys_come_with_certification_and_see_only_production_data, |e| async move {
    let (app, mut mgr) = start(e, |_| {}).await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let sandbox = new_key(&mut ada, "sandbox").await;
    certify(&app, &mut ada, &mut mgr, org).await;
    let live = new_key(&mut ada, "production").await;
    assert!(live.starts_with("pk_live_"), "{live}");
    let mut c = app.client();
    let (s, agent, _) = api(&mut c, "POST", "/api/v1/agents", &live, Some(json!({ "name": "Live bot" }))).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(agent["environment"], "production");
    let id = agent["id"].as_str().unwrap();
    // The sandbox key does not see production agents, nor the reverse.
    assert_eq!(api(&mut c, "GET", &format!("/api/v1/agents/{id}"), &sandbox, None).await.0, StatusCode::NOT_FOUND);
    let (_, list, _) = api(&mut c, "GET", "/api/v1/agents", &sandbox, None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    // Production has no daily quota: a batch goes through and is not counted.
    let events: Vec<Value> =
        (0..100).map(|i| json!({ "event_id": format!("p{i}"), "agent_id": id, "outcome": "success" })).collect();
    let (s, body, _) = api(&mut c, "POST", "/api/v1/events", &live, Some(json!({ "events": events }))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["results"][99]["trust_score"], 1000);
    let day = day_of(app.clock_now().timestamp_millis());
    assert_eq!(app.state.store.sandbox_events_on(crate::helpers::org_ref(&app, org).await, day).await.unwrap(), 0);
    let (_, cert, _) = api(&mut c, "GET", "/api/v1/certification", &live, None).await;
    assert_eq!((cert["state"].as_str(), cert["support_tier"].as_str()), (Some("certified"), Some("Certified")));
    // A key in the wrong environment's clothing is refused: the prefix must match.
    let forged = live.replacen("pk_live_", "pk_test_", 1);
    assert_eq!(api(&mut c, "GET", "/api/v1/agents", &forged, None).await.0, StatusCode::UNAUTHORIZED);

    // Keys follow the partner's standing: a failed recertification
    // suspends it, and then no key of its works.
    for event in ["annual_review_due", "recertification_failed"] {
        fire_cert_event(&app, &mut mgr, org, event, "Integration no longer meets the requirements.", "").await;
    }
    assert_eq!(api(&mut c, "GET", "/api/v1/agents", &live, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(api(&mut c, "GET", "/api/v1/agents", &sandbox, None).await.0, StatusCode::UNAUTHORIZED);
});

on_both!(owners_replay_disable_and_enable_subscriptions_from_the_page, |e| async move {
    let rx = Receiver::start().await;
    let (app, mut mgr) = start(e, |c| c.webhook_allow_private = vec!["127.0.0.1".into()]).await;
    let (mut ada, _) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, _) = partner(&app, &mut mgr, "Bob Bots", "bob@bob.example").await;
    let key = new_key(&mut ada, "sandbox").await;
    let mut c = app.client();
    let (_, created, _) =
        api(&mut c, "POST", "/api/v1/webhooks", &key, Some(json!({ "url": rx.url, "patterns": ["*"] }))).await;
    let sub = created["subscription"]["id"].as_str().unwrap().to_owned();
    let deliverer = Deliverer::new(&app.state.config).unwrap();
    assert_eq!(act(&mut ada, &sub, "test", None).await.status, StatusCode::OK);
    deliver_once(&app.state, &deliverer).await.unwrap();
    let (_, v) = detail(&mut ada, &sub).await;
    let v = v.unwrap();
    assert!(v.secret.as_deref().unwrap().starts_with("whsec_"), "owners read the secret");
    let first = v.deliveries[0].delivery.clone();
    assert_eq!(v.deliveries[0].attempts.len(), 1);
    // Another partner can neither read nor act on it.
    assert_eq!(detail(&mut bob, &sub).await.0, StatusCode::NOT_FOUND);
    assert_eq!(act(&mut bob, &sub, "replay", Some(first.id)).await.status, StatusCode::NOT_FOUND);
    // Replay sends the same message again.
    assert_eq!(act(&mut ada, &sub, "replay", Some(first.id)).await.status, StatusCode::OK);
    deliver_once(&app.state, &deliverer).await.unwrap();
    let hits = rx.hits();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].0["webhook-id"], hits[1].0["webhook-id"]);
    assert_eq!(hits[0].1, hits[1].1);
    // Disabled: tests are refused; enabled again: they flow.
    assert_eq!(act(&mut ada, &sub, "disable", None).await.status, StatusCode::OK);
    assert_eq!(act(&mut ada, &sub, "test", None).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(act(&mut ada, &sub, "enable", None).await.status, StatusCode::OK);
    assert_eq!(act(&mut ada, &sub, "test", None).await.status, StatusCode::OK);
    deliver_once(&app.state, &deliverer).await.unwrap();
    assert_eq!(rx.hits().len(), 3);
    assert_eq!(act(&mut ada, &sub, "explode", None).await.status, StatusCode::BAD_REQUEST);
    let audit = app.state.store.audit_entries(1, None, 200).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "integration.webhook_disabled"));
    assert!(audit.iter().all(|a| !a.detail.contains(v.secret.as_deref().unwrap())), "no secret in the audit log");
});

async fn act(c: &mut Client, sub: &str, action: &str, delivery: Option<i64>) -> Reply {
    use partner_portal::api::integration::WebhookAction;
    let d = delivery.map(|d| d.to_string()).unwrap_or_default();
    let mut fields = vec![("id", sub), ("action", action)];
    if !d.is_empty() {
        fields.push(("delivery", d.as_str()));
    }
    c.call(WebhookAction::PATH, &fields).await
}

async fn detail(
    c: &mut Client,
    sub: &str,
) -> (StatusCode, Option<partner_portal::api::integration::SubscriptionDetail>) {
    let r = c.call(partner_portal::api::integration::GetWebhook::PATH, &[("id", sub)]).await;
    (r.status, serde_json::from_str(&r.body).ok())
}

on_both!(the_scorecard_rates_real_traffic_webhooks_onboarding_and_certification, |e| async move {
    use partner_portal::api::scorecard::{GetScorecard, ScorecardView};
    use partner_portal::domain::scorecard::Rating;
    let rx = Receiver::start().await;
    let (app, mut mgr) = start(e, |c| {
        c.api_rate_burst = 1_000;
        c.webhook_allow_private = vec!["127.0.0.1".into()];
    })
    .await;
    let (mut ada, org) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, _) = partner(&app, &mut mgr, "Bob Bots", "bob@bob.example").await;
    let card = |v: &ScorecardView, key: &str| v.measures.iter().find(|m| m.key == key).unwrap().clone();
    let r = ada.call(GetScorecard::PATH, &[]).await;
    let v: ScorecardView = serde_json::from_str(&r.body).unwrap();
    assert_eq!(card(&v, "reliability").rating, Rating::NoData, "no traffic yet");
    assert_eq!(card(&v, "certification").rating, Rating::Amber);

    let key = new_key(&mut ada, "sandbox").await;
    let mut c = app.client();
    api(&mut c, "POST", "/api/v1/webhooks", &key, Some(json!({ "url": rx.url, "patterns": ["*"] }))).await;
    for i in 0..20 {
        api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": format!("a{i}") }))).await;
    }
    // One bad request in 23 (with the webhook calls): 4.34 %, far over 0.1 %.
    api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": "" }))).await;
    let sub =
        app.state.store.subscriptions(crate::helpers::org_ref(&app, org).await).await.unwrap().remove(0).public_id;
    api(&mut c, "POST", &format!("/api/v1/webhooks/{sub}/test"), &key, None).await;
    deliver_once(&app.state, &Deliverer::new(&app.state.config).unwrap()).await.unwrap();

    let v: ScorecardView = serde_json::from_str(&ada.call(GetScorecard::PATH, &[]).await.body).unwrap();
    assert_eq!(v.environment, Environment::Sandbox);
    assert_eq!((card(&v, "reliability").rating, card(&v, "reliability").value.as_str()), (Rating::Green, "100.00 %"));
    // Real response times on a shared machine: the rating's thresholds are
    // the domain tests' business; here, that the latency was measured.
    let latency = card(&v, "latency");
    assert!(latency.rating != Rating::NoData && latency.value.contains(" ms / "), "{latency:?}");
    assert_eq!((card(&v, "errors").rating, card(&v, "errors").value.as_str()), (Rating::Red, "4.34 %"));
    assert_eq!((card(&v, "webhooks").rating, card(&v, "webhooks").value.as_str()), (Rating::Green, "100.00 %"));
    assert_eq!(card(&v, "onboarding").rating, Rating::Green);
    // Staff see it; another partner does not.
    let r = mgr.call(GetScorecard::PATH, &[("org", &org.to_string())]).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = bob.call(GetScorecard::PATH, &[("org", &org.to_string())]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
});

on_both!(one_receiver_holds_at_most_its_share_of_attempts_and_a_test_event_goes_first, |e| async move {
    let (app, mut mgr) = start(e, |c| {
        c.api_rate_burst = 1_000;
        c.webhook_allow_private = vec!["127.0.0.1".into()];
    })
    .await;
    let (mut ada, _) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, _) = partner(&app, &mut mgr, "Bob Bots", "bob@bob.example").await;
    let mut c = app.client();
    let mut subs = Vec::new();
    for (who, name) in [(&mut ada, "ada"), (&mut bob, "bob")] {
        let key = new_key(who, "sandbox").await;
        let url = format!("http://127.0.0.1:9/{name}");
        let (s, created, _) =
            api(&mut c, "POST", "/api/v1/webhooks", &key, Some(json!({ "url": url, "patterns": ["*"] }))).await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let (_, agent, _) = api(&mut c, "POST", "/api/v1/agents", &key, Some(json!({ "name": "bot" }))).await;
        let events: Vec<Value> = (0..6)
            .map(|i| json!({ "event_id": format!("{name}{i}"), "agent_id": agent["id"], "outcome": "failure" }))
            .collect();
        let (s, v, _) = api(&mut c, "POST", "/api/v1/events", &key, Some(json!({ "events": events }))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        subs.push((key, created["subscription"]["id"].as_str().unwrap().to_owned()));
    }
    let now = app.clock_now();
    while app.state.store.fan_out(now, 200).await.unwrap() == 200 {}
    let lease = now + chrono::Duration::seconds(30);

    // Six deliveries each are due; at most two per receiver are let out.
    let first = app.state.store.claim_deliveries(now, lease, 100, 2).await.unwrap();
    let mut per_sub = std::collections::HashMap::new();
    for d in &first {
        *per_sub.entry(d.subscription_id).or_insert(0) += 1;
    }
    assert_eq!(per_sub.values().copied().collect::<Vec<_>>(), [2, 2], "{per_sub:?}");
    // Their leases still count: nothing more for either receiver.
    assert!(app.state.store.claim_deliveries(now, lease, 100, 2).await.unwrap().is_empty());

    // A test event a person sent goes at once, past the cap and the backlog.
    let (key, sub) = &subs[0];
    let (s, _, _) = api(&mut c, "POST", &format!("/api/v1/webhooks/{sub}/test"), key, None).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let next = app.state.store.claim_deliveries(now, lease, 1, 2).await.unwrap();
    assert_eq!(next.iter().map(|d| d.event_type.as_str()).collect::<Vec<_>>(), ["webhook.test"]);

    // Leases that run out (a worker died) free the receivers' shares again;
    // the test event, due again, takes one of its receiver's two.
    let later = now + chrono::Duration::seconds(31);
    let again = app.state.store.claim_deliveries(later, later + chrono::Duration::seconds(30), 100, 2).await.unwrap();
    let mut kinds: Vec<&str> = again.iter().map(|d| d.event_type.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["trust.score_changed", "trust.score_changed", "trust.score_changed", "webhook.test"]);
});

on_both!(the_delivery_log_pages_back_filters_failures_and_says_when_a_subscription_is_failing, |e| async move {
    use partner_portal::views::integration::DELIVERIES_PAGE;
    let rx = Receiver::start().await;
    let (app, mut mgr) = start(e, |c| c.webhook_allow_private = vec!["127.0.0.1".into()]).await;
    let (mut ada, _) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let key = new_key(&mut ada, "sandbox").await;
    let mut c = app.client();
    let (_, created, _) =
        api(&mut c, "POST", "/api/v1/webhooks", &key, Some(json!({ "url": rx.url, "patterns": ["*"] }))).await;
    let sub = created["subscription"]["id"].as_str().unwrap().to_owned();
    let deliverer = Deliverer::new(&app.state.config).unwrap();
    // One delivered, then more than a page that the receiver refuses.
    assert_eq!(act(&mut ada, &sub, "test", None).await.status, StatusCode::OK);
    deliver_once(&app.state, &deliverer).await.unwrap();
    let refused = DELIVERIES_PAGE + 2;
    rx.script.lock().unwrap().extend(std::iter::repeat_n(500, refused));
    for _ in 0..refused {
        assert_eq!(act(&mut ada, &sub, "test", None).await.status, StatusCode::OK);
    }
    while deliver_once(&app.state, &deliverer).await.unwrap() > 0 {}
    assert_eq!(rx.hits().len(), refused + 1);

    let first = log_page(&mut ada, &sub, None, false).await;
    assert_eq!(first.deliveries.len(), DELIVERIES_PAGE);
    assert!(first.health.failing_now, "{:?}", first.health);
    assert_eq!((first.health.failed, first.health.of), (DELIVERIES_PAGE, DELIVERIES_PAGE));
    let older = first.older_than.expect("an older page");
    let second = log_page(&mut ada, &sub, Some(older), false).await;
    assert_eq!(second.deliveries.len(), 3, "two refused and the delivered one");
    assert!(second.older_than.is_none());
    assert!(second.deliveries.iter().all(|l| l.delivery.id < older));
    let failures = log_page(&mut ada, &sub, Some(older), true).await;
    assert_eq!(failures.deliveries.len(), 2, "the delivered one is left out");

    // The page says so in words: failing, and where older deliveries are.
    let html = ada.get(&format!("/developers/webhooks/{sub}")).await.body;
    assert!(html.contains("Active, but failing"), "{html}");
    assert!(html.contains(&format!("?before={older}")), "{html}");
    // So does the list of subscriptions, not a green "Active".
    let list = ada.get("/developers/webhooks").await.body;
    assert!(list.contains(r#"data-testid="subscription-state""#) && list.contains(">Active, but failing<"), "{list}");
});

async fn log_page(
    c: &mut Client,
    sub: &str,
    before: Option<i64>,
    failed: bool,
) -> partner_portal::api::integration::SubscriptionDetail {
    let before = before.map(|b| b.to_string()).unwrap_or_default();
    let mut fields = vec![("id", sub)];
    if !before.is_empty() {
        fields.push(("before", before.as_str()));
    }
    if failed {
        fields.push(("failed", "true"));
    }
    let r = c.call(partner_portal::api::integration::GetWebhook::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}
