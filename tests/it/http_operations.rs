//! What an operator relies on: probes that answer on any host without the
//! tenancy (or the database, for liveness), a request id on every answer,
//! compressed pages, an outbox that gives up and lets an administrator send
//! again, migrations that tolerate a newer schema and refuse to serve an
//! older one, and metrics. Both engines.

use crate::helpers::{start_with_manager, Engine, TestApp, TestDb, PASSWORD};
use crate::on_both;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;
use partner_portal::api::admin::{GetFailedEmails, ResendEmail};
use partner_portal::api::auth::RequestPasswordReset;
use partner_portal::domain::email::FailedEmail;
use partner_portal::domain::role::Role;
use partner_portal::server::config::{MailTransport, Secret, UnknownHost};
use partner_portal::server::store::{connect_with, DbOptions};

on_both!(probes_and_the_tls_question_answer_on_any_host_without_tenancy, |e| async move {
    let app = TestApp::start_with(e, |c| c.unknown_host = UnknownHost::Reject).await;
    let mut by_address = app.client_on("10.0.0.5:3000");
    assert_eq!(by_address.get("/login").await.status, StatusCode::NOT_FOUND, "pages refuse an unknown host");
    let live = by_address.get("/healthz").await;
    assert_eq!((live.status, live.body.as_str()), (StatusCode::OK, "ok"));
    let ready = by_address.get("/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (StatusCode::OK, "ready"));
    let mut proxy = app.client_on("127.0.0.1");
    let ask = proxy.get("/tls/ask?domain=unknown.example").await;
    assert_eq!((ask.status, ask.body.as_str()), (StatusCode::NOT_FOUND, "not a verified domain"));
    assert_eq!(proxy.get("/tls/ask?domain=").await.status, StatusCode::BAD_REQUEST);
});

/// The `/pkg/<version>/` folder a page links its stylesheet under.
fn asset_folder(page: &str) -> String {
    let at = page.find("href=\"/pkg/").expect("the page links a stylesheet under /pkg") + "href=\"".len();
    let path = &page[at..at + page[at..].find('"').unwrap()];
    path.rsplit_once('/').unwrap().0.to_owned()
}

on_both!(assets_are_linked_under_their_content_version_and_kept_a_year, |e| async move {
    let app = TestApp::start(e).await;
    let root = crate::helpers::temp_path("site");
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("partner-portal.css"), "body{color:red}").unwrap();
    std::fs::write(pkg.join("partner-portal.js"), "export default function(){}").unwrap();
    // What `cargo leptos build --release --precompress` leaves beside a file.
    std::fs::write(pkg.join("partner-portal.css.gz"), b"gzip bytes").unwrap();
    let site = app.with_site_root(&root).await;
    let mut c = site.client();

    let page = c.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let folder = asset_folder(&page.body);
    let version = folder.strip_prefix("/pkg/").unwrap();
    assert!(version.len() == 12 && version.chars().all(|c| c.is_ascii_hexdigit()), "{folder}");
    assert!(page.body.contains(&format!("{folder}/partner-portal.js")), "the hydration script too: {}", page.body);

    let css = c.get(&format!("{folder}/partner-portal.css")).await;
    assert_eq!((css.status, css.body.as_str()), (StatusCode::OK, "body{color:red}"));
    assert_eq!(css.headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    let req = Request::get(format!("{folder}/partner-portal.css")).header(header::ACCEPT_ENCODING, "gzip");
    let packed = c.send(req.body(Body::empty()).unwrap()).await;
    assert_eq!(packed.headers[header::CONTENT_ENCODING], "gzip", "the compressed copy, sent as it is");
    assert_eq!(packed.body, "gzip bytes");

    let plain = c.get("/pkg/partner-portal.css").await;
    assert_eq!((plain.status, &plain.headers[header::CACHE_CONTROL]), (StatusCode::OK, &"no-cache".parse().unwrap()));
    let other = c.get("/pkg/0123456789ab/partner-portal.css").await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "another build's version is not answered with this build's file");

    std::fs::write(pkg.join("partner-portal.css"), "body{color:blue}").unwrap();
    let rebuilt = app.with_site_root(&root).await;
    let again = asset_folder(&rebuilt.client().get("/login").await.body);
    assert_ne!(again, folder, "a changed file is a new version");
    std::fs::remove_dir_all(&root).unwrap();
});

on_both!(every_answer_carries_a_request_id_and_a_proxys_is_kept_only_if_well_formed, |e| async move {
    let app = TestApp::start(e).await;
    let mut c = app.client();
    let fresh = c.get("/login").await;
    let id = fresh.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_ne!(c.get("/login").await.headers["x-request-id"], id.as_str(), "one per request");
    for (sent, kept) in [("lb-7f3a.9", true), ("<script>", false), ("a b", false), (&"x".repeat(65)[..], false)] {
        let req = Request::get("/healthz").header("x-request-id", sent).body(Body::empty()).unwrap();
        let got = c.send(req).await.headers["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(got == sent, kept, "{sent:?} → {got}");
    }
});

on_both!(pages_are_compressed_for_browsers_that_accept_it, |e| async move {
    let app = TestApp::start(e).await;
    let mut c = app.client();
    for (accept, encoding) in [("gzip", "gzip"), ("br, gzip", "br")] {
        let req = Request::get("/login")
            .header(header::ACCEPT, "text/html")
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .unwrap();
        let r = c.send(req).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers[header::CONTENT_ENCODING], encoding);
    }
    assert!(c.get("/login").await.headers.get(header::CONTENT_ENCODING).is_none(), "plain when not asked");
});

on_both!(the_outbox_gives_up_after_its_window_and_an_administrator_sends_the_email_again, |e| async move {
    // A mail server that refuses every connection.
    let (app, mut manager) = start_with_manager(e, |c| {
        c.smtp_url = Secret::new("smtp://127.0.0.1:1");
        c.mail_transport = Some(MailTransport::Smtp);
        c.mail_give_up_hours = 24;
    })
    .await;
    app.create_user("admin@example.com", Role::Admin).await;
    let mut admin = app.client();
    admin.sign_in("admin@example.com", PASSWORD).await;
    let mut someone = app.client();
    assert_eq!(someone.call(RequestPasswordReset::PATH, &[("email", "mgr@example.com")]).await.status, StatusCode::OK);

    app.mail().await;
    let failed = |r: String| serde_json::from_str::<Vec<FailedEmail>>(&r).unwrap();
    assert!(failed(admin.call(GetFailedEmails::PATH, &[]).await.body).is_empty(), "still retrying");
    assert_eq!(app.state.store.pending_outbox_count().await.unwrap(), 1);

    app.clock.advance(chrono::Duration::hours(25));
    app.mail().await;
    // A day later the sessions have ended too.
    admin.sign_in("admin@example.com", PASSWORD).await;
    manager.sign_in("mgr@example.com", PASSWORD).await;
    let list = failed(admin.call(GetFailedEmails::PATH, &[]).await.body);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].to, "mgr@example.com");
    assert!(list[0].subject.starts_with("Reset your"), "{}", list[0].subject);
    assert!(!list[0].last_error.is_empty() && list[0].attempts >= 2, "{:?}", list[0]);
    assert_eq!(app.state.store.pending_outbox_count().await.unwrap(), 0, "no longer tried");
    let b = app.state.store.backlogs(app.clock_now()).await.unwrap();
    assert_eq!((b.outbox, b.outbox_failed), (0, 1));

    // Only administrators see them (they hold people's links).
    assert_eq!(manager.call(GetFailedEmails::PATH, &[]).await.status, StatusCode::FORBIDDEN);
    let id = list[0].id.to_string();
    assert_eq!(manager.call(ResendEmail::PATH, &[("id", &id)]).await.status, StatusCode::FORBIDDEN);

    assert_eq!(admin.call(ResendEmail::PATH, &[("id", &id)]).await.status, StatusCode::OK);
    assert!(failed(admin.call(GetFailedEmails::PATH, &[]).await.body).is_empty());
    assert_eq!(app.state.store.pending_outbox_count().await.unwrap(), 1, "queued again");
    assert_eq!(admin.call(ResendEmail::PATH, &[("id", &id)]).await.status, StatusCode::CONFLICT, "once only");
    let audit = app.state.store.audit_entries(1, None, 5).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "email.resent" && a.actor_email == "admin@example.com"));
});

async fn execute(url: &str, sql: &str) {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    }
}

on_both!(a_newer_schema_still_serves_and_an_older_one_is_refused_until_migrated, |e: Engine| async move {
    let db = TestDb::new(e).await;
    let apply = DbOptions::default();
    let verify = DbOptions { migrate: false, ..DbOptions::default() };
    assert!(connect_with(&db.url, &verify).await.is_err(), "an empty database is refused without migrating");
    connect_with(&db.url, &apply).await.unwrap();
    connect_with(&db.url, &verify).await.expect("up to date");

    // A newer build applied a migration this one does not know (expand):
    // this build keeps starting, migrating or not (a rollback, a rolling deploy).
    let newer = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES (99990101000000, 'from a newer build', TRUE, X'00', 0)";
    let newer = if e == Engine::Postgres { newer.replace("X'00'", "'\\x00'::bytea") } else { newer.to_owned() };
    execute(&db.url, &newer).await;
    connect_with(&db.url, &verify).await.expect("a newer schema serves");
    connect_with(&db.url, &apply).await.expect("and migrating leaves it alone");

    // An older schema (this build's last migration undone) is refused with
    // what to run, and migrating brings it up.
    execute(&db.url, "DROP INDEX outbox_failed; ALTER TABLE outbox DROP COLUMN failed_at; DELETE FROM _sqlx_migrations WHERE version = 12;").await;
    let refused = connect_with(&db.url, &verify).await.err().expect("refused").to_string();
    assert!(refused.contains("12 outbox failures") && refused.contains("partner-portal migrate"), "{refused}");
    let (store, _) = connect_with(&db.url, &apply).await.unwrap();
    assert!(store.pending_migrations().await.unwrap().is_empty());
});

on_both!(pages_that_do_not_apply_to_the_visitor_answer_with_the_status_they_say, |e| async move {
    use partner_portal::api::auth::ConfirmApplication;
    use partner_portal::api::partners::SubmitApplication;
    let app = TestApp::start(e).await;
    // An applicant: signed in, no partner organisation yet.
    let mut c = app.client();
    let form = [
        ("company", "Waiting Co"),
        ("website", "https://waiting.example"),
        ("contact_name", "Wai"),
        ("email", "wai@waiting.example"),
        ("kind", "reseller/var"),
        ("category", "distribution_channels"),
        ("integration", "api"),
        ("revenue_model", "reseller"),
        ("pitch", "We partner."),
    ];
    assert_eq!(c.call(SubmitApplication::PATH, &form).await.status, StatusCode::OK);
    let token = app.mailed_token("/welcome").await;
    c.call(ConfirmApplication::PATH, &[("token", &token), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!(c.sign_in("wai@waiting.example", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(c.get("/application").await.status, StatusCode::OK);
    for page in ["/developers", "/support", "/plan", "/revenue", "/funds"] {
        let r = c.get(page).await;
        assert!(matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{page}: {}", r.status);
    }
    assert_eq!(c.get("/admin/users").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.client().get("/developers").await.status,
        StatusCode::UNAUTHORIZED,
        "signed out: the sign-in prompt"
    );
    assert_eq!(app.client().get("/no/such/page").await.status, StatusCode::NOT_FOUND);
});

/// An API request cut off by the time limit while it holds an
/// Idempotency-Key hands the key back, so the client's retry runs instead of
/// answering 409 until the key is deemed abandoned. PostgreSQL, where a
/// partner's agent writes take an advisory lock the test can hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_cut_off_mid_way_hands_its_idempotency_key_back() {
    use partner_portal::api::integration::{CreateApiKey, DeveloperView, GetDeveloper};
    use sqlx::Connection;
    let (app, mut mgr) = start_with_manager(Engine::Postgres, |c| c.request_timeout_seconds = 1).await;
    let (mut p, org) =
        app.approved_partner(&mut mgr, "Acme", "ada@acme.example", "technology/ai_platform", "technology").await;
    let form = [("name", "CI"), ("environment", "sandbox"), ("agents_write", "on")];
    assert_eq!(p.call(CreateApiKey::PATH, &form).await.status, StatusCode::OK);
    let v: DeveloperView = serde_json::from_str(&p.call(GetDeveloper::PATH, &[]).await.body).unwrap();
    let key = v.new_key.unwrap().1;
    let register = |idem: &str| {
        Request::post("/api/v1/agents")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", idem)
            .body(Body::from(r#"{"name": "slow"}"#))
            .unwrap()
    };
    // Another session holds the partner's write lock, so the registration
    // waits inside the handler, after taking the key, until the limit.
    let mut holder = sqlx::PgConnection::connect(&app._db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(7412000000 + $1)").bind(org).execute(&mut holder).await.unwrap();
    let cut = app.client().send(register("k-1")).await;
    assert_eq!(cut.status, StatusCode::REQUEST_TIMEOUT);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    let retry = app.client().send(register("k-1")).await;
    assert_eq!(retry.status, StatusCode::CREATED, "the retry ran: {}", retry.body);
    let replay = app.client().send(register("k-1")).await;
    assert_eq!(replay.headers["idempotent-replayed"], "true");
}

on_both!(every_api_answer_is_in_the_document_and_in_the_error_shape, |e| async move {
    let app = TestApp::start(e).await;
    let mut c = app.client();
    let doc: serde_json::Value = serde_json::from_str(&c.get("/api/v1/openapi.json").await.body).unwrap();
    let post = &doc["paths"]["/api/v1/agents"]["post"]["responses"];
    for status in ["201", "400", "401", "403", "409", "413", "422", "429", "500", "503"] {
        assert!(post[status].is_object(), "POST /api/v1/agents documents {status}");
    }
    assert!(doc["paths"]["/api/v1/trust/{agent_id}"]["get"]["responses"]["404"].is_object());
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["NewAgentRequest"]["properties"]["name"]["maxLength"], 60);
    let batch = serde_json::to_string(&schemas["EventsRequest"]).unwrap();
    assert!(batch.contains("\"maxItems\":100"), "{batch}");

    let shape = |body: &str| {
        serde_json::from_str::<serde_json::Value>(body).expect("the error shape")["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    // Unknown paths, and no key at all.
    let r = c.send(Request::get("/api/v1/nothing").body(Body::empty()).unwrap()).await;
    assert_eq!(shape(&r.body), if r.status == StatusCode::NOT_FOUND { "not_found" } else { "unauthorized" });
});

on_both!(an_api_body_over_the_limit_and_a_wrong_method_answer_in_the_error_shape, |e| async move {
    use partner_portal::api::integration::{CreateApiKey, DeveloperView, GetDeveloper};
    let (app, mut mgr) = start_with_manager(e, |_| {}).await;
    let (mut p, _) =
        app.approved_partner(&mut mgr, "Acme", "ada@acme.example", "technology/ai_platform", "technology").await;
    let form = [("name", "CI"), ("environment", "sandbox"), ("agents_write", "on"), ("events_write", "on")];
    assert_eq!(p.call(CreateApiKey::PATH, &form).await.status, StatusCode::OK);
    let v: DeveloperView = serde_json::from_str(&p.call(GetDeveloper::PATH, &[]).await.body).unwrap();
    let key = v.new_key.unwrap().1;
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(1_100_000));
    for idem in [None, Some("k-big")] {
        let mut req = Request::post("/api/v1/agents")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(k) = idem {
            req = req.header("idempotency-key", k);
        }
        let r = app.client().send(req.body(Body::from(big.clone())).unwrap()).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "idempotency key {idem:?}");
        let body: serde_json::Value = serde_json::from_str(&r.body).expect("JSON");
        assert_eq!(body["error"]["code"], "payload_too_large");
    }
    // A method a route does not take: 405, in the error shape.
    let put = Request::put("/api/v1/agents").header(header::AUTHORIZATION, format!("Bearer {key}"));
    let r = app.client().send(put.body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value = serde_json::from_str(&r.body).expect("JSON");
    assert_eq!(body["error"]["code"], "method_not_allowed");
});
