//! Everything that runs only on the server: configuration, the HTTP stack,
//! persistence, background work.

pub mod api_v1;
pub mod auth;
pub mod brand_http;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod dns;
pub mod emails;
pub mod funds_http;
pub mod logo;
pub mod mail;
pub mod panics;
pub mod revenue_http;
pub mod secrets;
pub mod security;
pub mod services;
pub mod state;
pub mod store;
pub mod support_http;
pub mod tenant;
pub mod upload;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use store::AnySessionStore;
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
    let leptos_options = state.leptos_options.clone();
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(revenue_http::routes())
        .merge(support_http::routes())
        .merge(funds_http::routes())
        .merge(brand_http::routes())
        .merge(api_v1::routes(&state))
        .leptos_routes_with_context(&state, routes, page_context(state.clone()), move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(page_context(state.clone()), shell));
    with_layers(app, state, sessions)
}

/// The cross-cutting layers every route runs inside, outermost last: a
/// span per request, tenancy, security headers, the panic catcher (inside
/// the headers, so the error page carries them too), the origin check and
/// sessions.
pub fn with_layers(app: Router<AppState>, state: AppState, sessions: AnySessionStore) -> Router {
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
    app.layer(session_layer)
        .layer(axum::middleware::from_fn(security::check_origin))
        .layer(panics::catch_layer())
        .layer(axum::middleware::from_fn(move |req, next| security::headers(secure, dev_reload, req, next)))
        .layer(axum::middleware::from_fn_with_state(state.clone(), tenant::resolve))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(panics::span_for))
        .with_state(state)
}

/// What every rendered page finds in its reactive context: the app state;
/// the request's CSP nonce, which Leptos puts on its inline scripts; and the
/// request's brand, for what the shell must know synchronously (page titles,
/// which are rendered outside the page's reactive owner).
fn page_context(state: AppState) -> impl Fn() + Clone + Send + 'static {
    move || {
        provide_context(state.clone());
        let meta =
            use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<tenant::RequestMeta>().cloned());
        if let Some(meta) = meta {
            provide_context(leptos::nonce::Nonce::from_value(meta.nonce));
            provide_context(meta.brand);
        }
    }
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::error!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Builds the whole application from its state (see `router`).
pub type BuildRouter = fn(AppState, AnySessionStore) -> Router;

/// Start-up: configuration, database, workers, then serve what `build`
/// makes until stopped.
pub async fn run(build: BuildRouter) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into()),
        )
        .init();

    panics::install_hook();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(result) = cli::run(&args).await {
        return result;
    }

    let config = config::Config::load()?;
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

    let (store, sessions) = store::connect(config.database_url.expose()).await?;
    let verifier = Arc::new(dns::DomainVerifier::new(&config.dns_resolver)?);
    let state =
        AppState { leptos_options, config: Arc::new(config), store, clock: Arc::new(clock::SystemClock), verifier };

    let mailer = mail::Mailer::from_config(&state.config)?;
    tokio::spawn(mail::run_worker(state.clone(), mailer));
    {
        use tower_sessions::session_store::ExpiredDeletion;
        let s = sessions.clone();
        tokio::spawn(async move {
            if let Err(e) = s.continuously_delete_expired(tokio::time::Duration::from_secs(600)).await {
                tracing::error!(error = %e, "expired-session cleanup stopped");
            }
        });
    }

    tokio::spawn(services::certification::run_scheduler(state.clone(), std::time::Duration::from_secs(300)));
    tokio::spawn(services::branding::run_domain_checks(state.clone(), std::time::Duration::from_secs(600)));
    tokio::spawn(services::integration::run_maintenance(state.clone(), std::time::Duration::from_secs(300)));
    let deliverer = services::webhooks::Deliverer::new(&state.config)?;
    let every = std::time::Duration::from_millis(state.config.worker_interval_ms);
    tokio::spawn(services::webhooks::run_worker(state.clone(), deliverer, every));

    let app = build(state, sessions);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    // The bound address, so a port of 0 (tests) tells where it landed.
    tracing::info!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
