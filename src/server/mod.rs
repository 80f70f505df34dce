//! Everything that runs only on the server: configuration, the HTTP stack,
//! persistence, background work.

pub mod api_v1;
pub mod assets;
pub mod auth;
pub mod brand_cache;
pub mod brand_http;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod dns;
pub mod emails;
pub mod error_pages;
pub mod flash;
pub mod funds_http;
pub mod graphql;
pub mod logo;
pub mod mail;
pub mod marketplace_http;
pub mod oauth_http;
pub mod observe;
pub mod panics;
pub mod paths;
pub mod revenue_http;
pub mod secrets;
pub mod security;
pub mod seed;
pub mod services;
pub mod state;
pub mod store;
pub mod support_http;
pub mod tasks;
pub mod tenant;
pub mod throttle;
pub mod tokens;
pub mod traffic;
pub mod upload;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use store::AnySessionStore;
use tasks::Tasks;
use tokio_util::sync::CancellationToken;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The whole HTTP application, ready to serve. The pages (`app`, the root
/// component, and `shell`, the HTML document around it) belong to the layer
/// above this one, so whoever starts the server hands them in.
pub fn router<IV, SV>(
    state: AppState,
    sessions: AnySessionStore,
    app: fn() -> IV,
    shell: fn(LeptosOptions) -> SV,
) -> Router
where
    IV: IntoView + 'static,
    SV: IntoView + 'static,
{
    let routes = generate_route_list(app);
    // Pages name the assets under their version (`/pkg/<version>/…`), so the
    // options every render reads carry the versioned folder.
    let assets = assets::Assets::read(&state.leptos_options);
    let base_pkg_dir = state.leptos_options.site_pkg_dir.to_string();
    let mut state = state;
    state.leptos_options.site_pkg_dir = assets.url_dir().into();
    let leptos_options = state.leptos_options.clone();
    let app = Router::new()
        .merge(revenue_http::routes())
        .merge(support_http::routes())
        .merge(funds_http::routes())
        .merge(marketplace_http::routes())
        .merge(brand_http::routes())
        .merge(oauth_http::routes(&state))
        .merge(api_v1::routes(&state))
        .leptos_routes_with_context(&state, routes, page_context(state.clone()), move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(page_context(state.clone()), shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), marketplace_http::page_head));
    layered(app, state, sessions, &assets, &base_pkg_dir)
}

/// Routes that answer on any host without tenancy or sessions: probes
/// (liveness must not depend on the database, or a database blip restarts
/// every instance), the TLS proxy's question, asked over loopback, and the
/// built assets under `/pkg` (see `assets`), which are the same for every
/// brand and need no database.
fn outside_tenancy(state: AppState, assets: &assets::Assets, base_pkg_dir: &str) -> Router {
    let rebuilt_in_place = std::env::var_os("LEPTOS_WATCH").is_some();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(brand_http::tls_routes())
        .with_state(state)
        .merge(assets.routes(base_pkg_dir, rebuilt_in_place))
}

/// The cross-cutting layers every route runs inside: tenancy, security
/// headers, the panic catcher (inside the headers, so the error page carries
/// them too), the origin check and sessions; then, around everything (the
/// probes too), request ids, spans, metrics, compression and a time limit.
pub fn with_layers(app: Router<AppState>, state: AppState, sessions: AnySessionStore) -> Router {
    let assets = assets::Assets::read(&state.leptos_options);
    let base_pkg_dir = state.leptos_options.site_pkg_dir.to_string();
    layered(app, state, sessions, &assets, &base_pkg_dir)
}

/// `with_layers` for a router whose pages already name `assets` under
/// their version.
fn layered(
    app: Router<AppState>,
    state: AppState,
    sessions: AnySessionStore,
    assets: &assets::Assets,
    base_pkg_dir: &str,
) -> Router {
    let config = state.config.clone();
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(config.session_cookie_name())
        .with_secure(config.cookie_secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::minutes(
            config.session_idle_minutes,
        )));
    let dev_reload = std::env::var("LEPTOS_WATCH").ok().map(|_| state.leptos_options.reload_port as u16);
    let secure = config.cookie_secure;
    let timeout = Duration::from_secs(config.request_timeout_seconds);
    // Inside the sessions: a refused form waits in its visitor's session.
    app.layer(axum::middleware::from_fn_with_state(state.clone(), flash::keep_forms))
        .layer(session_layer)
        .layer(axum::middleware::from_fn(security::check_origin))
        .layer(panics::catch_layer())
        .layer(axum::middleware::from_fn(move |req, next| security::headers(secure, dev_reload, req, next)))
        .layer(axum::middleware::from_fn_with_state(state.clone(), tenant::resolve))
        .with_state(state.clone())
        .merge(outside_tenancy(state, assets, base_pkg_dir))
        // Outermost last: a request id (a proxy's, if well-formed), a span
        // carrying it, the id echoed on the response, compression, the
        // request's metrics and log line, then a time limit.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(axum::middleware::from_fn(observe::track))
        // Level 4 of brotli and gzip: most of the size gain at a fraction of
        // the time of their default (brotli 11), paid on every answer.
        .layer(tower_http::compression::CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(4)))
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(observe::span_for))
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(tower_http::request_id::MakeRequestUuid))
        .layer(axum::middleware::from_fn(observe::drop_malformed_request_id))
}

/// What every rendered page finds in its reactive context: the app state;
/// the request's CSP nonce, which Leptos puts on its inline scripts; and the
/// request's brand, for what the shell must know synchronously (page titles,
/// which are rendered outside the page's reactive owner); and a refused
/// form sent back to this page (`flash`), for the page to fill in again.
fn page_context(state: AppState) -> impl Fn() + Clone + Send + 'static {
    move || {
        provide_context(state.clone());
        let parts = use_context::<http::request::Parts>();
        let meta = parts.as_ref().and_then(|p| p.extensions.get::<tenant::RequestMeta>().cloned());
        if let Some(meta) = meta {
            provide_context(leptos::nonce::Nonce::from_value(meta.nonce));
            provide_context(meta.brand);
        }
        if let Some(flash) = parts.as_ref().and_then(|p| p.extensions.get::<crate::views::form::FormFlash>().cloned()) {
            provide_context(flash);
        }
    }
}

/// Ready when the database answers within two seconds; otherwise 503 with
/// the cause, for the operator reading the probe.
async fn readyz(State(state): State<AppState>) -> Response {
    let wait = std::time::Duration::from_secs(2);
    let cause = match tokio::time::timeout(wait, state.store.ping()).await {
        Ok(Ok(())) => return (StatusCode::OK, "ready").into_response(),
        Ok(Err(e)) => format!("database unreachable: {e}"),
        Err(_) => format!("database unreachable: no answer within {} s", wait.as_secs()),
    };
    tracing::warn!(%cause, "not ready");
    (StatusCode::SERVICE_UNAVAILABLE, [(http::header::CACHE_CONTROL, "no-store")], format!("not ready: {cause}"))
        .into_response()
}

/// Builds the whole application from its state (see `router`).
pub type BuildRouter = fn(AppState, AnySessionStore) -> Router;

/// The binary's entry: reads the command line and the configuration, then
/// serves, migrates or administers.
pub async fn run(build: BuildRouter) -> anyhow::Result<()> {
    use clap::Parser;
    let cli = cli::Cli::parse();
    let config = config::Config::load()?;
    observe::init_logging(config.log_json);
    panics::install_hook();
    match cli.command.unwrap_or(cli::Command::Serve) {
        cli::Command::Serve => serve(config, build).await,
        cli::Command::Migrate => cli::migrate(&config).await,
        cli::Command::Seed(args) => cli::seed(&config, args).await,
        cli::Command::Admin { action: cli::AdminAction::Create { email, name } } => {
            cli::admin_create(&config, &email, &name).await
        }
    }
}

/// Start-up, serving until SIGTERM or SIGINT, then a graceful stop: no new
/// connections, requests in flight and background rounds finish within the
/// grace period, exit 0.
async fn serve(config: config::Config, build: BuildRouter) -> anyhow::Result<()> {
    let problems = config.problems();
    if !problems.is_empty() {
        anyhow::bail!("the configuration cannot serve:\n- {}", problems.join("\n- "));
    }
    if !config.is_production() && config.secret_key.expose().is_empty() {
        tracing::warn!("development mode: API keys and webhook secrets are protected by a development secret");
    }
    // cargo-leptos passes the site settings in LEPTOS_* variables; started
    // by hand from the project root, read them from Cargo.toml instead.
    let from_env = std::env::var_os("LEPTOS_OUTPUT_NAME").is_some() || !std::path::Path::new("Cargo.toml").exists();
    let conf = get_configuration(if from_env { None } else { Some("Cargo.toml") })?;
    let leptos_options = conf.leptos_options;
    let addr: SocketAddr = leptos_options.site_addr;
    tracing::info!("configuration: {}", config.describe());

    let db = store::DbOptions {
        acquire_timeout: Duration::from_millis(config.db_wait_ms),
        migrate: config.migrate_on_start,
    };
    let (store, sessions) = store::connect_with(config.database_url.expose(), &db).await?;
    let verifier = Arc::new(dns::DomainVerifier::new(&config.dns_resolver)?);
    let state = AppState {
        leptos_options,
        config: Arc::new(config),
        store,
        clock: Arc::new(clock::SystemClock),
        verifier,
        traffic: Default::default(),
        brands: Default::default(),
        tokens: Default::default(),
    };
    let grace = Duration::from_secs(state.config.shutdown_grace_seconds);
    let token = CancellationToken::new();
    let tasks = start_tasks(&state, &sessions, &token)?;
    if let Some(metrics_addr) = state.config.metrics_addr {
        serve_metrics(&state, metrics_addr, &token).await?;
    }

    let last = state.clone();
    let app = build(state, sessions);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    // The bound address, so a port of 0 (tests) tells where it landed.
    tracing::info!("listening on http://{}", listener.local_addr()?);
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(token.clone().cancelled_owned());
    let mut server = tokio::spawn(std::future::IntoFuture::into_future(server));
    tokio::select! {
        () = shutdown_signal() => {}
        ended = &mut server => {
            tasks.shutdown(grace).await;
            return match ended {
                Ok(result) => result.map_err(Into::into),
                Err(e) => Err(anyhow::anyhow!("the server stopped: {e}")),
            };
        }
    }
    tracing::info!("stopping: no new connections; finishing what is in flight (at most {grace:?})");
    token.cancel();
    match tokio::time::timeout(grace, &mut server).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => tracing::error!(error = %e, "server error while stopping"),
        Ok(Err(e)) => tracing::error!(error = %e, "server task failed while stopping"),
        Err(_) => {
            tracing::warn!("requests still in flight after {grace:?}; closing them");
            server.abort();
        }
    }
    tasks.shutdown(grace).await;
    // The API calls answered since the last batch.
    last.traffic.write_waiting(&*last.store).await;
    tracing::info!("stopped");
    Ok(())
}

/// `/metrics` on an address of its own.
async fn serve_metrics(state: &AppState, addr: SocketAddr, token: &CancellationToken) -> anyhow::Result<()> {
    let Some(handle) = observe::install_recorder() else {
        tracing::warn!("a metrics recorder is installed already; APP_METRICS_ADDR ignored");
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
    let metrics = observe::metrics_router(state.clone(), handle);
    let stop = token.clone();
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, metrics).with_graceful_shutdown(stop.cancelled_owned()).await {
            tracing::error!(error = %e, "metrics listener stopped");
        }
    });
    Ok(())
}

/// SIGTERM (how orchestrators stop a process) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// The background work, each task supervised.
fn start_tasks(state: &AppState, sessions: &AnySessionStore, token: &CancellationToken) -> anyhow::Result<Tasks> {
    let mut tasks = Tasks::new(token.clone());
    let interval = Duration::from_millis(state.config.worker_interval_ms.max(50));

    let s = state.clone();
    tasks.every("api log", Duration::from_secs(1), move || {
        let s = s.clone();
        async move {
            s.traffic.write_waiting(&*s.store).await;
            Ok(false)
        }
    });

    let mailer = Arc::new(mail::Mailer::from_config(&state.config)?);
    let (s, stop) = (state.clone(), token.clone());
    tasks.every("outbox", interval, move || {
        let (s, m, stop) = (s.clone(), mailer.clone(), stop.clone());
        async move { Ok(mail::drain_once(&s, &m, &stop).await? > 0) }
    });

    let sessions = sessions.clone();
    tasks.every("expired sessions", Duration::from_secs(600), move || {
        let sessions = sessions.clone();
        async move {
            use tower_sessions::session_store::ExpiredDeletion;
            sessions.delete_expired().await?;
            Ok(false)
        }
    });

    let s = state.clone();
    tasks.every("expired OAuth grants", Duration::from_secs(600), move || {
        let s = s.clone();
        async move {
            let gone = services::oauth::forget_expired(&s).await?;
            if gone > 0 {
                tracing::info!(gone, "forgot expired OAuth grants");
            }
            Ok(false)
        }
    });

    let s = state.clone();
    tasks.every("recertification", Duration::from_secs(300), move || {
        let s = s.clone();
        async move {
            let (moved, reminded) = services::certification::run_scheduler_once(&s).await?;
            if moved + reminded > 0 {
                tracing::info!(moved, reminded, "recertification scheduler");
            }
            Ok(false)
        }
    });

    let s = state.clone();
    tasks.every("lead response times", Duration::from_secs(60), move || {
        let s = s.clone();
        async move {
            services::leads::return_overdue(&s).await?;
            Ok(false)
        }
    });

    let s = state.clone();
    tasks.every("deal protection", Duration::from_secs(300), move || {
        let s = s.clone();
        async move {
            let (warned, expired) = services::deals::tend(&s).await?;
            if warned + expired > 0 {
                tracing::info!(warned, expired, "deal protection windows");
            }
            Ok(false)
        }
    });

    let s = state.clone();
    tasks.every("domain checks", Duration::from_secs(600), move || {
        let s = s.clone();
        async move {
            services::branding::recheck_domains_once(&s).await?;
            Ok(false)
        }
    });

    let s = state.clone();
    tasks.every("integration maintenance", Duration::from_secs(300), move || {
        let s = s.clone();
        async move {
            if services::integration::run_maintenance_once(&s).await? {
                tracing::info!("weekly sandbox reset done");
            }
            Ok(false)
        }
    });

    let deliverer = Arc::new(services::webhooks::Deliverer::new(&state.config)?);
    let s = state.clone();
    tasks.supervise("webhooks", move |token| {
        services::webhooks::run_deliveries(s.clone(), deliverer.clone(), token, interval)
    });
    Ok(tasks)
}
