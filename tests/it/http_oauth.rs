//! The OAuth 2.0 authorization server over HTTP, both engines: registering
//! apps on Developers, client credentials, the authorization code with PKCE
//! through the consent screen, refresh token rotation and reuse detection,
//! revocation, introspection, signing key rotation, and `/api/v1` taking
//! access tokens with the app's scopes and its partner's data only.

use crate::helpers::{start_with_manager as start, Client, Reply, TestApp};
use crate::http_integration::{api, new_key};
use crate::on_both;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use leptos::server_fn::ServerFn;
use partner_portal::api::oauth::{GetOauthApps, OAuthAppsView, RegisterOauthApp, RevokeOauthApp};
use partner_portal::domain::oauth::s256_challenge;
use serde_json::Value;

async fn partner(app: &TestApp, mgr: &mut Client, company: &str, email: &str) -> (Client, i64) {
    app.approved_partner(mgr, company, email, "technology/ai_platform", "technology").await
}

async fn apps(c: &mut Client) -> OAuthAppsView {
    let r = c.call(GetOauthApps::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// Registers an app; returns its client id and secret (if confidential).
async fn register(c: &mut Client, kind: &str, redirects: &str, scopes: &[&str]) -> (String, Option<String>) {
    let mut form =
        vec![("name", "Billing sync"), ("kind", kind), ("environment", "sandbox"), ("redirect_uris", redirects)];
    form.extend(scopes.iter().map(|s| (*s, "on")));
    let r = c.call(RegisterOauthApp::PATH, &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    apps(c).await.new_client.expect("shown once")
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")))
}

/// A form post to an OAuth endpoint, as a client library sends it (no
/// cookies, no Origin).
async fn post(c: &mut Client, path: &str, auth: Option<&str>, fields: &[(&str, &str)]) -> (StatusCode, Value, Reply) {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(a) = auth {
        req = req.header(header::AUTHORIZATION, a);
    }
    let reply = c.send(req.body(Body::from(body)).unwrap()).await;
    (reply.status, serde_json::from_str(&reply.body).unwrap_or(Value::Null), reply)
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CALLBACK: &str = "http://127.0.0.1/cb";

fn authorize_fields<'a>(client_id: &'a str, challenge: &'a str, scope: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", "http://127.0.0.1:5555/cb"),
        ("scope", scope),
        ("state", "xyz"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

fn authorize_path(fields: &[(&str, &str)]) -> String {
    format!("/oauth/authorize?{}", url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish())
}

/// The owner allows the app; returns the code.
async fn consent(owner: &mut Client, client_id: &str, scope: &str) -> String {
    let challenge = s256_challenge(VERIFIER);
    let mut fields = authorize_fields(client_id, &challenge, scope);
    fields.push(("decision", "allow"));
    let r = owner.submit("/oauth/authorize", &fields, "/oauth/authorize").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.location().unwrap().to_owned();
    assert!(to.starts_with("http://127.0.0.1:5555/cb?code="), "{to}");
    let q = query_of(&to);
    assert_eq!(q["state"], "xyz");
    q["code"].clone()
}

async fn exchange(c: &mut Client, client_id: &str, code: &str, verifier: &str) -> (StatusCode, Value, Reply) {
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", "http://127.0.0.1:5555/cb"),
        ("client_id", client_id),
        ("code_verifier", verifier),
    ];
    post(c, "/oauth/token", None, &fields).await
}

async fn refresh(c: &mut Client, client_id: &str, token: &str) -> (StatusCode, Value, Reply) {
    post(
        c,
        "/oauth/token",
        None,
        &[("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", client_id)],
    )
    .await
}

on_both!(an_app_gets_tokens_by_client_credentials_that_the_api_takes_with_its_scopes_only, |e| async move {
    let (app, mut mgr) = start(e, |_| {}).await;
    let (mut ada, _) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, _) = partner(&app, &mut mgr, "Bolt Bots", "bob@bolt.example").await;
    let mut http = app.client();

    // Bad input names every field and registers nothing.
    let bad =
        [("name", ""), ("kind", "public"), ("environment", "staging"), ("redirect_uris", "http://evil.example/cb")];
    let r = ada.call(RegisterOauthApp::PATH, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["\"name\"", "\"environment\"", "\"redirect_uris\"", "\"scopes\""] {
        assert!(r.body.contains(field), "{field} in {}", r.body);
    }
    assert!(apps(&mut ada).await.clients.is_empty());

    let (client_id, secret) = register(&mut ada, "confidential", "", &["agents_read", "certification_read"]).await;
    let secret = secret.expect("a confidential app has a secret");
    assert!(client_id.starts_with("cli_") && secret.starts_with("cs_"), "{client_id} {secret}");
    let v = apps(&mut ada).await;
    assert_eq!(v.new_client, None, "shown only once");
    assert!(v.clients[0].secret_hint.as_deref().is_some_and(|h| !h.contains(&secret[7..])));

    // The server describes itself (RFC 8414) and publishes its key.
    let meta: Value = serde_json::from_str(&http.get("/.well-known/oauth-authorization-server").await.body).unwrap();
    let issuer = meta["issuer"].as_str().unwrap().to_owned();
    assert_eq!(meta["token_endpoint"], format!("{issuer}/oauth/token"));
    assert_eq!(meta["code_challenge_methods_supported"], serde_json::json!(["S256"]));

    // A wrong secret is refused and challenged; a right one gets a token.
    let (s, body, reply) =
        post(&mut http, "/oauth/token", Some(&basic(&client_id, "cs_wrong")), &[("grant_type", "client_credentials")])
            .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "invalid_client");
    assert!(reply.headers.get(header::WWW_AUTHENTICATE).is_some());
    let auth = basic(&client_id, &secret);
    let (s, body, reply) = post(&mut http, "/oauth/token", Some(&auth), &[("grant_type", "client_credentials")]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(reply.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["scope"], "agents:read certification:read");
    assert!(body.get("refresh_token").is_none(), "client credentials get no refresh token");
    let token = body["access_token"].as_str().unwrap().to_owned();
    // A scope the app was not registered with is refused.
    let (s, body, _) =
        post(&mut http, "/oauth/token", Some(&auth), &[("grant_type", "client_credentials"), ("scope", "deals:write")])
            .await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_scope")));

    // A browser app may call the token endpoint and the API from its own
    // origin (no cookies); the consent form's answer stays same-origin.
    let preflight = |path: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri(path)
            .header(header::ORIGIN, "https://spa.example")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization,content-type")
            .body(Body::empty())
            .unwrap()
    };
    for path in ["/oauth/token", "/api/v1/agents", "/api/graphql"] {
        let r = http.send(preflight(path)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(r.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), "*", "{path}");
        assert!(r.headers.get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none(), "{path}");
    }
    let r = http.send(preflight("/oauth/authorize")).await;
    assert!(r.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "the consent answer is not cross-origin");
    let mut req = Request::get("/api/v1/agents")
        .header(header::ORIGIN, "https://spa.example")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    req.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    let r = http.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), "*");

    // The token is a JWT the published key verifies, with the claims promised.
    let jwks: Value = serde_json::from_str(&http.get("/.well-known/jwks.json").await.body).unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header.kid.clone().unwrap()).unwrap();
    let key =
        jsonwebtoken::DecodingKey::from_ec_components(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[format!("{issuer}/api/v1")]);
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap().claims;
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["env"], "sandbox");
    assert_eq!(claims["client_id"], client_id);

    // The API takes it with its scopes, and only the partner's own data.
    let (s, me, _) = api(&mut http, "GET", "/api/v1/me", &token, None).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(
        (me["credential"].as_str(), me["credential_id"].as_str()),
        (Some("oauth_client"), Some(client_id.as_str()))
    );
    assert_eq!(me["organisation"]["name"], "Acme Agents");
    assert_eq!(me["scopes"], serde_json::json!(["agents:read", "certification:read"]));
    assert_eq!((me["sandbox"]["agent_limit"].as_i64(), me["rate_limit"]["burst"].as_u64()), (Some(100), Some(100)));
    let (s, body, _) = api(&mut http, "GET", "/api/v1/certification", &token, None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body, _) = api(&mut http, "GET", "/api/v1/deals", &token, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let bob_key = new_key(&mut bob, "sandbox").await;
    let (_, me, _) = api(&mut http, "GET", "/api/v1/me", &bob_key, None).await;
    assert_eq!((me["credential"].as_str(), me["organisation"]["name"].as_str()), (Some("api_key"), Some("Bolt Bots")));
    let (s, agent, _) =
        api(&mut http, "POST", "/api/v1/agents", &bob_key, Some(serde_json::json!({"name": "B1"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{agent}");
    let bobs = format!("/api/v1/agents/{}", agent["id"].as_str().unwrap());
    let (s, _, _) = api(&mut http, "GET", &bobs, &token, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another partner's agent is not found");
    let (s, list, _) = api(&mut http, "GET", "/api/v1/agents", &token, None).await;
    assert_eq!((s, list["data"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{list}");

    // Introspection tells the app about its own token; revocation ends it.
    let (s, body, _) = post(&mut http, "/oauth/introspect", Some(&auth), &[("token", &token)]).await;
    assert_eq!((s, &body["active"]), (StatusCode::OK, &Value::Bool(true)), "{body}");
    assert_eq!(body["scope"], "agents:read certification:read");
    let (s, _, _) = post(&mut http, "/oauth/revoke", Some(&auth), &[("token", &token)]).await;
    assert_eq!(s, StatusCode::OK);
    let (_, body, _) = post(&mut http, "/oauth/introspect", Some(&auth), &[("token", &token)]).await;
    assert_eq!(body, serde_json::json!({ "active": false }));
    let (s, _, _) = api(&mut http, "GET", "/api/v1/certification", &token, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a revoked token stops at once");
    // Unknown tokens are answered alike (RFC 7009 §2.2).
    let (s, _, _) = post(&mut http, "/oauth/revoke", Some(&auth), &[("token", "nonsense")]).await;
    assert_eq!(s, StatusCode::OK);

    // Tokens expire with the server's clock.
    let (_, body, _) = post(&mut http, "/oauth/token", Some(&auth), &[("grant_type", "client_credentials")]).await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    app.clock.advance(chrono::Duration::seconds(601));
    let (s, _, _) = api(&mut http, "GET", "/api/v1/certification", &token, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "expired");

    // Revoking the app on Developers ends its tokens and its secret.
    ada.sign_in("ada@acme.example", crate::helpers::PASSWORD).await;
    let (_, body, _) = post(&mut http, "/oauth/token", Some(&auth), &[("grant_type", "client_credentials")]).await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    let id = apps(&mut ada).await.clients[0].id.to_string();
    assert_eq!(ada.call(RevokeOauthApp::PATH, &[("id", &id)]).await.status, StatusCode::OK);
    let (s, _, _) = api(&mut http, "GET", "/api/v1/certification", &token, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, body, _) = post(&mut http, "/oauth/token", Some(&auth), &[("grant_type", "client_credentials")]).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    // Another partner cannot revoke what is not theirs.
    assert_eq!(bob.call(RevokeOauthApp::PATH, &[("id", &id)]).await.status, StatusCode::NOT_FOUND);

    // Grants that ended a day ago are forgotten (client credentials make
    // one per token).
    let grants = || crate::helpers::scalar(&app._db.url, "SELECT COUNT(*) FROM oauth_grants");
    let before = grants().await;
    assert!(before >= 3, "{before}");
    app.clock.advance(chrono::Duration::days(1) + chrono::Duration::minutes(11));
    let gone = partner_portal::server::services::oauth::forget_expired(&app.state).await.unwrap();
    assert_eq!((gone as i64, grants().await), (before, 0));
});

on_both!(the_authorization_code_with_pkce_needs_an_owners_consent_and_refresh_tokens_rotate, |e| async move {
    let (app, mut mgr) = start(e, |_| {}).await;
    let (mut ada, _) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let (mut bob, _) = partner(&app, &mut mgr, "Bolt Bots", "bob@bolt.example").await;
    let mut http = app.client();
    let (client_id, secret) = register(&mut ada, "public", CALLBACK, &["agents_read", "certification_read"]).await;
    assert_eq!(secret, None, "a public app has no secret");
    // A public app's id proves nothing: it may not introspect.
    let (s, body, _) = post(&mut http, "/oauth/introspect", None, &[("client_id", &client_id), ("token", "x")]).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unauthorized_client")));
    let challenge = s256_challenge(VERIFIER);

    // The consent screen names the app, the partner and what it may do.
    let page = ada.get(&authorize_path(&authorize_fields(&client_id, &challenge, "agents:read"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Billing sync") && page.body.contains("Acme Agents"), "{}", page.body);
    assert!(page.body.contains("agents:read") && !page.body.contains("certification:read"));
    // A stranger is asked to sign in first, keeping the request.
    let r = http.submit("/oauth/authorize", &authorize_fields(&client_id, &challenge, ""), "/oauth/authorize").await;
    assert!(r.location().unwrap().starts_with("/login?next=%2Foauth%2Fauthorize%3F"), "{:?}", r.location());
    // Another partner's owner cannot allow it, and gets no code.
    let page = bob.get(&authorize_path(&authorize_fields(&client_id, &challenge, ""))).await;
    assert!(page.body.contains("belongs to another partner"), "{}", page.body);
    let mut allow = authorize_fields(&client_id, &challenge, "");
    allow.push(("decision", "allow"));
    let r = bob.submit("/oauth/authorize", &allow, "/oauth/authorize").await;
    assert!(r.location().unwrap().starts_with("/oauth/authorize?"), "{:?}", r.location());
    // An address the app did not register is never redirected to.
    let mut evil = authorize_fields(&client_id, &challenge, "");
    evil[2] = ("redirect_uri", "https://evil.example/cb");
    let page = ada.get(&authorize_path(&evil)).await;
    assert!(page.body.contains("did not register"), "{}", page.body);
    // Without PKCE the app is told so at its own address.
    let mut plain = authorize_fields(&client_id, &challenge, "");
    plain[6] = ("code_challenge_method", "plain");
    let page = ada.get(&authorize_path(&plain)).await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    assert!(page.location().unwrap().contains("error=invalid_request&"), "{:?}", page.location());
    // Declining says so to the app.
    let mut deny = authorize_fields(&client_id, &challenge, "");
    deny.push(("decision", "deny"));
    let r = ada.submit("/oauth/authorize", &deny, "/oauth/authorize").await;
    let q = query_of(r.location().unwrap());
    assert_eq!((q["error"].as_str(), q["state"].as_str()), ("access_denied", "xyz"));

    // The code needs the verifier, and works once.
    let code = consent(&mut ada, &client_id, "").await;
    let (s, body, _) = exchange(&mut http, &client_id, &code, &"x".repeat(43)).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{body}");
    let (s, tokens, _) = exchange(&mut http, &client_id, &code, VERIFIER).await;
    assert_eq!(s, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(api(&mut http, "GET", "/api/v1/agents", &access, None).await.0, StatusCode::OK);
    // A second exchange is refused and ends what the first one gave.
    let (s, _, _) = exchange(&mut http, &client_id, &code, VERIFIER).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(api(&mut http, "GET", "/api/v1/agents", &access, None).await.0, StatusCode::UNAUTHORIZED);

    // A fresh consent; the refresh token turns into a new one on every use.
    let code = consent(&mut ada, &client_id, "agents:read certification:read").await;
    let (_, tokens, _) = exchange(&mut http, &client_id, &code, VERIFIER).await;
    let r1 = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (s, second, _) = refresh(&mut http, &client_id, &r1).await;
    assert_eq!(s, StatusCode::OK, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    let a2 = second["access_token"].as_str().unwrap().to_owned();
    assert_eq!(api(&mut http, "GET", "/api/v1/certification", &a2, None).await.0, StatusCode::OK);
    // A narrower scope may be asked; a wider one may not.
    let fields = [("grant_type", "refresh_token"), ("refresh_token", r2.as_str()), ("client_id", &client_id)];
    let (s, body, _) =
        post(&mut http, "/oauth/token", None, &[fields.as_slice(), &[("scope", "deals:read")]].concat()).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_scope")));
    let (s, third, _) =
        post(&mut http, "/oauth/token", None, &[fields.as_slice(), &[("scope", "agents:read")]].concat()).await;
    assert_eq!((s, third["scope"].as_str()), (StatusCode::OK, Some("agents:read")), "{third}");
    let a3 = third["access_token"].as_str().unwrap().to_owned();
    let r3 = third["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(api(&mut http, "GET", "/api/v1/certification", &a3, None).await.0, StatusCode::FORBIDDEN);
    // Another app cannot use it.
    let (other, _) = register(&mut ada, "public", CALLBACK, &["agents_read"]).await;
    let (s, _, _) = refresh(&mut http, &other, &r3).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // A used refresh token coming back means a copy is loose: the grant ends.
    let (s, body, _) = refresh(&mut http, &client_id, &r1).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{body}");
    let (s, _, _) = refresh(&mut http, &client_id, &r3).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "the current token of the family is revoked too");
    assert_eq!(api(&mut http, "GET", "/api/v1/agents", &a3, None).await.0, StatusCode::UNAUTHORIZED);
    // Both replays (the code's and the refresh token's) are in the audit log.
    let entries = app.state.store.audit_entries(1, None, 50).await.unwrap();
    let replays: Vec<&str> = entries
        .iter()
        .filter(|e| e.action == partner_portal::domain::audit::OAUTH_REPLAY_REVOKED)
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(replays.len(), 2, "{replays:?}");
    assert!(
        replays.iter().any(|d| d.contains("refresh_token")) && replays.iter().any(|d| d.contains("authorization_code"))
    );

    // A code is good for a minute.
    let code = consent(&mut ada, &client_id, "").await;
    app.clock.advance(chrono::Duration::seconds(61));
    let (s, body, _) = exchange(&mut http, &client_id, &code, VERIFIER).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
});

on_both!(signing_keys_rotate_and_the_old_one_stays_published_while_its_tokens_live, |e| async move {
    let (app, mut mgr) = start(e, |_| {}).await;
    let (mut ada, _) = partner(&app, &mut mgr, "Acme Agents", "ada@acme.example").await;
    let mut http = app.client();
    let (client_id, secret) = register(&mut ada, "confidential", "", &["agents_read"]).await;
    let auth = basic(&client_id, &secret.unwrap());
    let kid = |t: &str| jsonwebtoken::decode_header(t).unwrap().kid.unwrap();
    let (_, body, _) = post(&mut http, "/oauth/token", Some(&auth), &[("grant_type", "client_credentials")]).await;
    let first = kid(body["access_token"].as_str().unwrap());

    // A second instance signs with the same key (it is in the database).
    let other = app.second_instance().await;
    let mut http2 = other.client();
    let (_, body, _) = post(&mut http2, "/oauth/token", Some(&auth), &[("grant_type", "client_credentials")]).await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(kid(&token), first);
    assert_eq!(api(&mut http, "GET", "/api/v1/agents", &token, None).await.0, StatusCode::OK, "one checks the other's");

    // Thirty days on, a new key signs and both are published.
    app.clock.advance(chrono::Duration::days(30) + chrono::Duration::minutes(2));
    let (_, body, _) = post(&mut http, "/oauth/token", Some(&auth), &[("grant_type", "client_credentials")]).await;
    let second = kid(body["access_token"].as_str().unwrap());
    assert_ne!(first, second);
    let jwks: Value = serde_json::from_str(&http.get("/.well-known/jwks.json").await.body).unwrap();
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, vec![second.as_str(), first.as_str()]);
    // A client that asks in a loop is slowed down.
    let mut limited = None;
    for _ in 0..30 {
        let (s, _, reply) = post(&mut http, "/oauth/token", Some(&auth), &[("grant_type", "client_credentials")]).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            limited = reply.headers.get(header::RETRY_AFTER).cloned();
            break;
        }
    }
    assert!(limited.is_some(), "30 token requests at once meet the limit");
    // A day later the old one is gone.
    app.clock.advance(chrono::Duration::days(1) + chrono::Duration::minutes(2));
    let jwks: Value = serde_json::from_str(&http.get("/.well-known/jwks.json").await.body).unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kid"], second);
});
