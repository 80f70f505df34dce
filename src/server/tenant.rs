//! Who is asking and under which brand. Runs before everything else: works
//! out the client address and the host (believing `X-Forwarded-*` only from
//! configured proxies), resolves the host to a brand, and attaches the
//! result to the request for handlers and server functions.

use super::config::UnknownHost;
use super::state::AppState;
use crate::domain::brand::Brand;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// The host the client addressed, lower-cased, with port if any.
    pub host: String,
    pub client_ip: String,
    pub brand: Brand,
    /// Per-response CSP nonce for inline scripts.
    pub nonce: String,
    /// The signed-in user once worked out for this request.
    pub user: UserMemo,
}

/// One request's answer to "who is signed in", shared by every server
/// function a page runs while it renders (each would otherwise read the
/// session's user again). Cleared when the request signs in or out.
#[derive(Debug, Clone, Default)]
pub struct UserMemo(std::sync::Arc<std::sync::Mutex<Option<Option<crate::domain::account::CurrentUser>>>>);

impl UserMemo {
    pub fn get(&self) -> Option<Option<crate::domain::account::CurrentUser>> {
        self.0.lock().ok().and_then(|m| m.clone())
    }

    pub fn set(&self, user: Option<crate::domain::account::CurrentUser>) {
        if let Ok(mut m) = self.0.lock() {
            *m = Some(user);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut m) = self.0.lock() {
            *m = None;
        }
    }
}

pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer: Option<IpAddr> = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let from_proxy = peer.is_some_and(|p| state.config.trusted_proxies.contains(&p));
    // Scoped so no borrow of the (non-Sync) request lives across an await.
    let (host, client_ip) = {
        let header_str = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);

        let host = if from_proxy { header_str("x-forwarded-host") } else { None }
            .or_else(|| header_str(header::HOST.as_str()))
            .or_else(|| req.uri().authority().map(|a| a.to_string()))
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let client_ip = if from_proxy {
            // The right-most address is the one our proxy saw.
            header_str("x-forwarded-for").and_then(|v| v.rsplit(',').next().map(|s| s.trim().to_owned()))
        } else {
            None
        }
        .or_else(|| peer.map(|p| p.to_string()))
        .unwrap_or_else(|| "unknown".into());
        (host, client_ip)
    };

    let domain = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(&host).to_owned();
    let brand = match state.brands.lookup(&*state.store, &domain).await {
        Ok(Some(b)) => b,
        Ok(None) if state.config.unknown_host == UnknownHost::Reject && !is_program_host(&state, &host) => {
            return (StatusCode::NOT_FOUND, "Unknown host").into_response();
        }
        Ok(None) => match state.brands.default(&*state.store).await {
            Ok(b) => b,
            Err(e) => return unreachable(e, &req),
        },
        Err(e) => return unreachable(e, &req),
    };
    let nonce = crate::server::auth::new_token().0;
    req.extensions_mut().insert(RequestMeta { host, client_ip, brand, nonce, user: UserMemo::default() });
    next.run(req).await
}

/// No brand without the database: a clear 503 (a page, or the API's error
/// shape), never an empty answer.
fn unreachable(e: super::store::StoreError, req: &Request) -> Response {
    tracing::error!(error = %e, "cannot resolve the brand");
    super::error_pages::unavailable(super::paths::is_api_path(req.uri().path()))
}

fn is_program_host(state: &AppState, host: &str) -> bool {
    url::Url::parse(&state.config.public_url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        })
        .is_some_and(|h| h.eq_ignore_ascii_case(host))
}
