use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::Utc;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use partner_portal::domain::account::CurrentUser;
use partner_portal::domain::role::Role;
use partner_portal::server::auth::hash_password;
use partner_portal::server::clock::ManualClock;
use partner_portal::server::config::Config;
use partner_portal::server::mail::{drain_once, Mailer};
use partner_portal::server::state::AppState;
use partner_portal::server::store::{self, NewAudit, NewUser, Store};
use sqlx::Connection;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs a test body once per engine, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::helpers::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::helpers::Engine::Postgres).await
            }
        }
    };
}

fn random_suffix() -> String {
    use rand::RngCore;
    let mut b = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn temp_path(prefix: &str) -> PathBuf {
    std::env::temp_dir().join(format!("pp-test-{prefix}-{}", random_suffix()))
}

/// A fresh, empty database that disappears when dropped.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    /// Someone else owns the database.
    None,
    File(PathBuf),
    Database {
        admin_url: String,
        name: String,
    },
}

impl TestDb {
    pub async fn new(engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => {
                let path = temp_path("db").with_extension("db");
                TestDb { url: format!("sqlite://{}", path.display()), cleanup: Cleanup::File(path) }
            }
            Engine::Postgres => {
                let admin_url = std::env::var("TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
                let name = format!("pp_test_{}", random_suffix());
                let mut conn =
                    sqlx::PgConnection::connect(&admin_url).await.expect("PostgreSQL reachable at TEST_POSTGRES_URL");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("postgres url");
                url.set_path(&name);
                TestDb { url: url.to_string(), cleanup: Cleanup::Database { admin_url, name } }
            }
        }
    }

    pub async fn store(&self) -> Arc<dyn Store> {
        store::connect(&self.url).await.expect("connect and migrate").0
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::None => {}
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs outside async; use a private runtime on a thread.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    rt.block_on(async {
                        if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                        }
                    })
                })
                .join();
            }
        }
    }
}

pub fn audit(brand_id: i64, action: &'static str) -> NewAudit {
    NewAudit {
        brand_id,
        at: Utc::now(),
        actor_id: None,
        actor_email: "test".into(),
        action,
        subject: String::new(),
        detail: serde_json::json!({}),
        client_ip: "127.0.0.1".into(),
        organisation_id: None,
    }
}

pub const HOST: &str = "portal.test";
pub const PASSWORD: &str = "correct horse battery staple";
/// The server secret of the tests' apps (a server binary started on the same
/// database needs the same one to read sealed secrets).
pub const SECRET_KEY: &str = "tests-secret-key-of-forty-characters-xx";

/// The whole app on a fresh database with a controllable clock.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub outbox_dir: PathBuf,
    /// Held so the database lives as long as the app.
    pub _db: TestDb,
}

impl TestApp {
    pub async fn start(engine: Engine) -> Self {
        Self::start_with(engine, |_| {}).await
    }

    pub async fn start_with(engine: Engine, configure: impl FnOnce(&mut Config)) -> Self {
        let db = TestDb::new(engine).await;
        let url = db.url.clone();
        Self::start_on(db, &url, &store::DbOptions::default(), configure).await
    }

    /// The app on `db`, reached at `url` (another route to it, such as a
    /// proxy the test controls) with `options`.
    pub async fn start_on(
        db: TestDb,
        url: &str,
        options: &store::DbOptions,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let (store, sessions) = store::connect_with(url, options).await.expect("connect");
        let outbox_dir = temp_path("outbox");
        let mut config = Config {
            public_url: format!("https://{HOST}"),
            outbox_dir: outbox_dir.clone(),
            secret_key: partner_portal::server::config::Secret::new(SECRET_KEY),
            ..Config::default()
        };
        configure(&mut config);
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let leptos_options = LeptosOptions::builder().output_name("partner-portal").site_root("target/site").build();
        let verifier = Arc::new(partner_portal::server::dns::DomainVerifier::new(&config.dns_resolver).unwrap());
        let state = AppState {
            leptos_options,
            config: Arc::new(config),
            store,
            clock: clock.clone(),
            verifier,
            traffic: Default::default(),
            brands: Default::default(),
            tokens: Default::default(),
        };
        let router = partner_portal::router(state.clone(), sessions);
        TestApp { router, state, clock, outbox_dir, _db: db }
    }

    /// Another app instance on the same database, as behind a load balancer.
    pub async fn second_instance(&self) -> TestApp {
        let (store, sessions) = store::connect(&self._db.url).await.expect("connect");
        let state = AppState {
            store,
            traffic: Default::default(),
            brands: Default::default(),
            tokens: Default::default(),
            ..self.state.clone()
        };
        let router = partner_portal::router(state.clone(), sessions);
        TestApp {
            router,
            state,
            clock: self.clock.clone(),
            outbox_dir: temp_path("outbox"),
            _db: TestDb { url: self._db.url.clone(), cleanup: Cleanup::None },
        }
    }

    /// The same app serving the site under `site_root` (its assets in
    /// `site_root/pkg`).
    pub async fn with_site_root(&self, site_root: &std::path::Path) -> TestApp {
        let mut app = self.second_instance().await;
        app.state.leptos_options.site_root = site_root.to_string_lossy().to_string().into();
        let (_, sessions) = store::connect(&self._db.url).await.expect("connect");
        app.router = partner_portal::router(app.state.clone(), sessions);
        app
    }

    pub async fn create_user(&self, email: &str, role: Role) -> i64 {
        let brand = self.state.store.default_brand().await.unwrap();
        self.state
            .store
            .create_user(
                NewUser {
                    brand_id: brand.id,
                    email: email.into(),
                    display_name: "Test User".into(),
                    role,
                    password_hash: hash_password(PASSWORD.into()).await.unwrap(),
                    created_at: self.clock_now(),
                },
                audit(brand.id, "user.created"),
            )
            .await
            .unwrap()
    }

    /// Applies as `company` from `email` (partner type `kind`, revenue model
    /// `model`), sets the password through the emailed link, has `reviewer`
    /// approve, and signs the new owner in: its client and organisation.
    pub async fn approved_partner(
        &self,
        reviewer: &mut Client,
        company: &str,
        email: &str,
        kind: &str,
        model: &str,
    ) -> (Client, i64) {
        use leptos::server_fn::ServerFn;
        use partner_portal::api::auth::ConfirmApplication;
        use partner_portal::api::partners::{DecideApplication, GetApplicationQueue, SubmitApplication};
        let category = if kind.starts_with("technology") { "technology_integration" } else { "distribution_channels" };
        let mut p = self.client();
        let fields = [
            ("company", company),
            ("website", "https://partner.example"),
            ("contact_name", "Ada"),
            ("email", email),
            ("kind", kind),
            ("category", category),
            ("integration", "api"),
            ("revenue_model", model),
            ("pitch", "We partner."),
        ];
        let r = p.call(SubmitApplication::PATH, &fields).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let token = self.mailed_token("/welcome").await;
        p.call(ConfirmApplication::PATH, &[("token", &token), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
        let q = reviewer.call(GetApplicationQueue::PATH, &[("status", "submitted"), ("kind", "")]).await;
        let id =
            serde_json::from_str::<serde_json::Value>(&q.body).unwrap()["items"][0]["id"].as_i64().unwrap().to_string();
        reviewer
            .call(DecideApplication::PATH, &[("id", &id), ("version", "0"), ("decision", "approve"), ("text", "")])
            .await;
        p.sign_in(email, PASSWORD).await;
        let org = p.whoami().await.unwrap().organisation.unwrap().id;
        (p, org)
    }

    pub fn clock_now(&self) -> chrono::DateTime<Utc> {
        use partner_portal::server::clock::Clock;
        self.clock.now()
    }

    pub fn client(&self) -> Client {
        self.client_on(HOST)
    }

    pub fn client_on(&self, host: &str) -> Client {
        Client {
            router: self.router.clone(),
            host: host.into(),
            cookies: HashMap::new(),
            peer: "203.0.113.7:40000".parse().unwrap(),
        }
    }

    /// Delivers the outbox to files and returns the texts of all mail sent.
    pub async fn mail(&self) -> Vec<String> {
        let mailer = Mailer::from_config(&self.state.config).unwrap();
        let running = tokio_util::sync::CancellationToken::new();
        while drain_once(&self.state, &mailer, &running).await.unwrap() > 0 {}
        let mut out = Vec::new();
        if let Ok(dir) = std::fs::read_dir(&self.outbox_dir) {
            let mut paths: Vec<_> = dir.flatten().map(|e| e.path()).collect();
            paths.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
            for p in paths {
                out.push(decode_qp(&std::fs::read_to_string(p).unwrap()));
            }
        }
        out
    }

    /// The token of the newest mailed link to `path`.
    pub async fn mailed_token(&self, path: &str) -> String {
        let mails = self.mail().await;
        let needle = format!("{path}?token=");
        mails
            .iter()
            .rev()
            .find_map(|m| {
                let i = m.find(&needle)? + needle.len();
                Some(m[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
            })
            .unwrap_or_else(|| panic!("no mail with a link to {path}: {mails:?}"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.outbox_dir);
    }
}

fn decode_qp(s: &str) -> String {
    s.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// A browser stand-in: keeps cookies, sends Host and Origin like a browser.
pub struct Client {
    router: Router,
    pub host: String,
    pub cookies: HashMap<String, String>,
    pub peer: SocketAddr,
}

impl Client {
    /// The same cookies sent to another host, as a browser never would but
    /// an attacker might.
    pub fn clone_on(&self, host: &str) -> Client {
        Client { router: self.router.clone(), host: host.into(), cookies: self.cookies.clone(), peer: self.peer }
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> Reply {
        let h = req.headers_mut();
        h.insert(header::HOST, self.host.parse().unwrap());
        if !self.cookies.is_empty() {
            let c: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            h.insert(header::COOKIE, c.join("; ").parse().unwrap());
        }
        req.extensions_mut().insert(ConnectInfo(self.peer));
        let res = tokio::time::timeout(std::time::Duration::from_secs(30), self.router.clone().oneshot(req))
            .await
            .expect("the app answers within 30 s")
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || value.is_empty() {
                self.cookies.remove(name.trim());
            } else {
                self.cookies.insert(name.trim().into(), value.trim().into());
            }
        }
        let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned();
        Reply { status, headers, body }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let req = Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
        self.send(req).await
    }

    fn form_request(&self, path: &str, fields: &[(&str, &str)]) -> axum::http::request::Builder {
        let _ = fields;
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, format!("https://{}", self.host))
            .header("sec-fetch-site", "same-origin")
    }

    fn encode(fields: &[(&str, &str)]) -> String {
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
    }

    /// Calls a server function the way the hydrated app does.
    pub async fn call(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let req = self
            .form_request(path, fields)
            .header(header::ACCEPT, "application/json")
            .body(Body::from(Self::encode(fields)))
            .unwrap();
        self.send(req).await
    }

    /// Posts a plain HTML form, as a browser with JavaScript off does.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)], referer: &str) -> Reply {
        let req = self
            .form_request(path, fields)
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, format!("https://{}{referer}", self.host))
            .body(Body::from(Self::encode(fields)))
            .unwrap();
        self.send(req).await
    }

    /// Posts a multipart form (text fields and at most one file named
    /// `file`), as a browser does with or without JavaScript.
    pub async fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Reply {
        self.post_file(path, fields, "file", file).await
    }

    /// `post_multipart` with the file in the part `part`.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        part: &str,
        file: Option<(&str, &[u8])>,
    ) -> Reply {
        let boundary = "XPARTBOUNDARYX";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some((file_name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header(header::ORIGIN, format!("https://{}", self.host))
            .header(header::ACCEPT, "text/html")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    pub async fn whoami(&mut self) -> Option<CurrentUser> {
        use leptos::server_fn::ServerFn;
        let r = self.call(partner_portal::api::auth::GetCurrentUser::PATH, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        serde_json::from_str(&r.body).unwrap()
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Reply {
        use leptos::server_fn::ServerFn;
        self.call(partner_portal::api::auth::SignIn::PATH, &[("email", email), ("password", password)]).await
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.cookies.get("__Host-pp_session").cloned()
    }
}

/// An app with a manager `mgr@example.com`, signed in.
pub async fn start_with_manager(
    e: Engine,
    configure: impl FnOnce(&mut partner_portal::server::config::Config),
) -> (TestApp, Client) {
    let app = TestApp::start_with(e, configure).await;
    app.create_user("mgr@example.com", Role::Manager).await;
    let mut mgr = app.client();
    mgr.sign_in("mgr@example.com", PASSWORD).await;
    (app, mgr)
}

/// Fires a certification event on `org` as `who`, at its current version.
pub async fn fire_cert_event(app: &TestApp, who: &mut Client, org: i64, event: &str, note: &str, evidence: &str) {
    use leptos::server_fn::ServerFn;
    use partner_portal::api::certification::FireCertificationEvent;
    let version = app.state.store.certification(1, org).await.unwrap().unwrap().version.to_string();
    let org_s = org.to_string();
    let fields = [
        ("org", org_s.as_str()),
        ("version", version.as_str()),
        ("event", event),
        ("note", note),
        ("evidence", evidence),
        ("back", "/certification"),
    ];
    let r = who.call(FireCertificationEvent::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
}

/// Moves `org` (from registered, or development) through testing and
/// review to certified, as the partner (`p`) and a manager (`m`) do on the
/// certification page.
pub async fn certify(app: &TestApp, p: &mut Client, m: &mut Client, org: i64) {
    let registered = app.state.store.certification(1, org).await.unwrap().unwrap().state
        == partner_portal::domain::certification::CertState::Registered;
    if registered {
        fire_cert_event(app, m, org, "sandbox_access_granted", "", "").await;
    }
    fire_cert_event(app, p, org, "integration_built", "", "").await;
    fire_cert_event(app, p, org, "submitted_for_review", "", "https://docs.example/integration").await;
    fire_cert_event(app, m, org, "passed", "", "").await;
}

/// Noon UTC on a day: the store tests' instants.
pub fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

/// Any email, for store calls that take one.
pub fn any_mail() -> partner_portal::server::store::OutgoingEmail {
    partner_portal::server::store::OutgoingEmail {
        from_name: None,
        html: None,
        to: "a@example.com".into(),
        subject: "s".into(),
        text: "t".into(),
    }
}

/// A fresh database with a manager and a partner of `model` approved on
/// 2026-01-05 under `terms`, straight through the store: (db, store,
/// brand, manager, organisation).
pub async fn store_partner(
    e: Engine,
    model: partner_portal::domain::application::RevenueModel,
    terms: partner_portal::domain::terms::Terms,
) -> (TestDb, Arc<dyn Store>, i64, i64, i64) {
    use partner_portal::domain::application::{ApplicationInput, Decision, RevenueModel};
    use partner_portal::server::store::{DecisionRecord, NewToken};
    let db = TestDb::new(e).await;
    let store = db.store().await;
    let b = store.default_brand().await.unwrap().id;
    let manager = NewUser {
        brand_id: b,
        email: "mgr@example.com".into(),
        display_name: "M".into(),
        role: Role::Manager,
        password_hash: "x".into(),
        created_at: Utc::now(),
    };
    let mgr = store.create_user(manager, audit(b, "user.created")).await.unwrap();
    let technology = model == RevenueModel::Technology;
    let app = ApplicationInput {
        company: "Acme".into(),
        website: "https://acme.example".into(),
        contact_name: "Ada".into(),
        email: "ada@acme.example".into(),
        kind: if technology { "technology/ai_platform" } else { "reseller/var" }.into(),
        category: if technology { "technology_integration" } else { "distribution_channels" }.into(),
        integration: "api".into(),
        revenue_model: model.key().into(),
        pitch: "We partner.".into(),
    }
    .parse()
    .unwrap();
    let now = Utc::now();
    let token = NewToken {
        token_hash: "h".into(),
        brand_id: b,
        email: "ada@acme.example".into(),
        user_id: None,
        role: None,
        display_name: None,
        org: None,
        created_by: None,
        created_at: now,
        expires_at: now + chrono::Duration::days(7),
    };
    let id = store.submit_application(b, &app, "!", token, any_mail(), audit(b, "x")).await.unwrap();
    let record =
        DecisionRecord { application_id: id, version: 0, decision: &Decision::Approve, terms: &terms, decided_by: mgr };
    let approved = NewAudit { at: at(2026, 1, 5), ..audit(b, "application.approved") };
    let org = store.decide_application(b, record, any_mail(), approved).await.unwrap().unwrap();
    (db, store, b, mgr, org)
}

/// Moves `org` through `steps` straight through the store, each decided by
/// the domain's transition rule at the partner's current state.
pub async fn walk_certification(
    store: &Arc<dyn Store>,
    b: i64,
    org: i64,
    by: i64,
    steps: &[(partner_portal::domain::certification::CertEvent, partner_portal::domain::certification::CertActor)],
) {
    use partner_portal::domain::certification::transition;
    use partner_portal::server::store::{Actor, TransitionWrite};
    let actor = Actor { id: Some(by), label: "mgr".into() };
    for (event, who) in steps {
        let rec = store.certification(b, org).await.unwrap().unwrap();
        let t = transition(rec.state, rec.interrupted, *event, *who, "evidence").unwrap();
        let w = TransitionWrite {
            organisation_id: org,
            version: rec.version,
            transition: t,
            actor: &actor,
            note: "",
            evidence: "",
        };
        store.record_transition(b, w, vec![], audit(b, "certification.transition")).await.unwrap();
    }
}

/// One number from the database at `url` (either engine), for tests that
/// look at what was written without going through the app.
pub async fn scalar(url: &str, sql: &str) -> i64 {
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
    }
}

/// The store's brand-checked handle for `org`, in the brand it belongs to.
pub async fn org_ref(app: &TestApp, org: i64) -> partner_portal::server::store::OrgRef {
    let brand = scalar(&app._db.url, &format!("SELECT brand_id FROM organisations WHERE id = {org}")).await;
    app.state.store.organisation_in(brand, org).await.unwrap().expect("the organisation exists")
}

/// The fields of a complete marketplace listing named `name`, serving
/// `region`, as the listing form posts them.
pub fn listing_fields(name: &str, region: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_owned()),
        ("short_description", format!("{name} scores every agent call.")),
        ("long_description", "Trust scores inside your agent runtime, from the first call.".into()),
        ("kind", "technology/ai_platform".into()),
        ("category", "technology_integration".into()),
        ("integrations[]", "api".into()),
        ("integrations[]", "webhook".into()),
        ("regions[]", region.to_owned()),
        ("website", "https://partner.example".into()),
        ("support_email", "help@partner.example".into()),
        ("docs_url", "https://partner.example/docs".into()),
        ("setup_steps", "Create an API key\nAdd the webhook".into()),
    ]
}

/// Calls server function `path` with owned fields.
pub async fn call_with(c: &mut Client, path: &str, fields: &[(&str, String)]) -> Reply {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.call(path, &refs).await
}

/// The owner `p` of `org` writes a listing and sends it for review, and
/// the manager `m` approves it: what publication in the marketplace needs.
pub async fn approved_listing(p: &mut Client, m: &mut Client, org: i64, name: &str) {
    use leptos::server_fn::ServerFn;
    use partner_portal::api::marketplace::{DecideListing, SaveListing, SubmitListing};
    let r = call_with(p, SaveListing::PATH, &listing_fields(name, "europe")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let number = r.body.clone();
    let r = p.call(SubmitListing::PATH, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fields =
        [("org", org.to_string()), ("number", number), ("decision", "approve".into()), ("note", String::new())];
    let r = call_with(m, DecideListing::PATH, &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
