//! The request as a server function sees it: app state, who is asking, under
//! which brand, and their session. Authorisation helpers live here so every
//! server function checks access the same way.

use super::auth::{SessionAuth, SESSION_KEY};
use super::state::AppState;
use super::store::{NewAudit, StoreError};
use super::tenant::RequestMeta;
use crate::domain::account::CurrentUser;
use crate::domain::role::{can, Permission};
use crate::domain::session::{SessionLimits, SessionVerdict};
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use leptos::prelude::use_context;
use std::future::Future;
use tower_sessions::Session;

pub struct Ctx {
    pub state: AppState,
    pub meta: RequestMeta,
    pub session: Session,
}

/// The context as an axum extractor, for the plain HTTP handlers (uploads,
/// downloads): `async fn handler(ctx: Ctx, …)`.
impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Tenancy runs before every route, so a request without its meta is
        // a wiring fault, not a client's.
        let meta = parts.extensions.get::<RequestMeta>().cloned().ok_or_else(|| {
            tracing::error!("request meta missing: tenancy did not run");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })?;
        let session = Session::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        Ok(Ctx { state: state.clone(), meta, session })
    }
}

impl Ctx {
    /// Builds the context inside a server function or during SSR.
    pub async fn load() -> Result<Self, AppError> {
        let state = use_context::<AppState>().ok_or_else(|| internal("app state missing from context"))?;
        leptos_axum::extract_with_state::<Ctx, AppState>(&state).await.map_err(|_| internal("request context"))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    pub fn limits(&self) -> SessionLimits {
        SessionLimits {
            idle: Duration::minutes(self.state.config.session_idle_minutes),
            absolute: Duration::hours(self.state.config.session_absolute_hours),
        }
    }

    /// The signed-in user, if the session is valid for this host, brand,
    /// password epoch and time. An invalid session is ended here. Worked
    /// out once per request.
    pub async fn user(&self) -> Result<Option<CurrentUser>, AppError> {
        self.meta.user.get_or_load(self.find_user()).await
    }

    /// The session changed hands (sign-in, new password): work the user out
    /// again when next asked.
    pub fn forget_user(&self) {
        self.meta.user.clear();
    }

    async fn find_user(&self) -> Result<Option<CurrentUser>, AppError> {
        let auth: Option<SessionAuth> =
            self.session.get(SESSION_KEY).await.map_err(|e| internal(format!("session read: {e}")))?;
        let Some(mut auth) = auth else { return Ok(None) };
        if auth.host != self.meta.host || auth.brand_id != self.meta.brand.id {
            // A cookie carried to another domain is worth nothing there.
            return Ok(None);
        }
        let now = self.now();
        if auth.verdict(self.limits(), now) != SessionVerdict::Valid {
            self.end_session().await;
            return Ok(None);
        }
        let found = self.state.store.session_user(self.meta.brand.id, auth.user_id).await.map_err(store_error)?;
        let Some(found) = found else {
            self.end_session().await;
            return Ok(None);
        };
        if found.disabled || found.session_epoch != auth.epoch {
            self.end_session().await;
            return Ok(None);
        }
        if auth.needs_touch(now) {
            auth.last_seen_ms = now.timestamp_millis();
            self.session.insert(SESSION_KEY, auth).await.map_err(|e| internal(format!("session write: {e}")))?;
        }
        Ok(Some(found.user))
    }

    pub async fn require_user(&self) -> Result<CurrentUser, AppError> {
        self.user().await?.ok_or(AppError::Unauthenticated)
    }

    pub async fn require(&self, permission: Permission) -> Result<CurrentUser, AppError> {
        let user = self.require_user().await?;
        if can(user.role, permission) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub async fn end_session(&self) {
        self.meta.user.set(None);
        if let Err(e) = self.session.flush().await {
            tracing::error!(error = %e, "cannot end session");
        }
    }

    /// An audit row stamped with this request's brand, time and address.
    pub fn audit(
        &self,
        actor: Option<&CurrentUser>,
        action: &'static str,
        subject: String,
        detail: serde_json::Value,
    ) -> NewAudit {
        NewAudit {
            brand_id: self.meta.brand.id,
            at: self.now(),
            actor_id: actor.map(|u| u.id),
            actor_email: actor.map(|u| u.email.clone()).unwrap_or_default(),
            action,
            subject,
            detail,
            client_ip: self.meta.client_ip.clone(),
            organisation_id: None,
        }
    }

    /// The base URL for links in emails sent under this brand.
    pub fn public_url(&self) -> String {
        self.state.config.public_url.trim_end_matches('/').to_owned()
    }

    /// The base URL of this request's brand: the program's address, or a
    /// white-label brand's domain.
    pub fn brand_url(&self) -> String {
        brand_url(&self.state, &self.meta)
    }

    /// `scheme://domain[:port]` for a brand's custom domain, with the
    /// program address's scheme and port (never taken from the request).
    pub fn url_for_domain(&self, domain: &str) -> String {
        url_for_domain(&self.state, domain)
    }
}

/// The base URL of a request's brand: the program's address, or a
/// white-label brand's domain. Tenancy only resolves a verified domain to a
/// white-label brand, so the host here is never an arbitrary one.
pub fn brand_url(state: &AppState, meta: &RequestMeta) -> String {
    if meta.brand.is_default {
        return state.config.public_url.trim_end_matches('/').to_owned();
    }
    let domain = meta.host.rsplit_once(':').map(|(h, _)| h).unwrap_or(&meta.host);
    url_for_domain(state, domain)
}

fn url_for_domain(state: &AppState, domain: &str) -> String {
    match url::Url::parse(&state.config.public_url) {
        Ok(u) => match u.port() {
            Some(p) => format!("{}://{domain}:{p}", u.scheme()),
            None => format!("{}://{domain}", u.scheme()),
        },
        Err(_) => format!("https://{domain}"),
    }
}

/// The body of a server function: runs `body` with the request's context
/// and gives a failure the HTTP status it deserves (see `respond`).
///
/// ```ignore
/// serve(|ctx| async move { revenue::statement(&ctx, id).await }).await
/// ```
pub async fn serve<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let result = match Ctx::load().await {
        Ok(ctx) => body(ctx).await,
        Err(e) => Err(e),
    };
    respond(result)
}

/// Gives a failed server function the HTTP status its error deserves. A
/// plain form post keeps the 302 back to its page that Leptos sets.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        let html = use_context::<http::request::Parts>().is_some_and(|p| {
            p.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
        });
        if let (false, Some(res)) = (html, use_context::<leptos_axum::ResponseOptions>()) {
            res.set_status(e.status());
        }
    }
    result
}

pub fn internal(msg: impl std::fmt::Display) -> AppError {
    tracing::error!("{msg}");
    AppError::Internal
}

/// Maps store failures to what a user may see; database text is logged only.
pub fn store_error(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(m) => AppError::Conflict(m.to_owned()),
        StoreError::NotFound => AppError::NotFound,
        StoreError::Token(t) => AppError::Refused(t.to_string()),
        StoreError::Rule(m) => AppError::Refused(m),
        StoreError::Unavailable(e) => {
            tracing::warn!(error = %e, "database unavailable");
            AppError::Unavailable
        }
        StoreError::Database(e) => internal(format!("database: {e}")),
    }
}
