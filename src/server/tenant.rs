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
    /// The `x5t#S256` thumbprint of the TLS client certificate a trusted
    /// proxy passed on (`X-Client-Cert`), for certificate-bound tokens.
    pub client_cert: Option<String>,
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
pub struct UserMemo {
    known: std::sync::Arc<std::sync::Mutex<Option<Option<crate::domain::account::CurrentUser>>>>,
    /// Held while one caller works the user out. A page's resources start
    /// together; without the turn each missed the memo and read the user.
    turn: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl UserMemo {
    pub fn get(&self) -> Option<Option<crate::domain::account::CurrentUser>> {
        self.known.lock().ok().and_then(|m| m.clone())
    }

    /// The memo's answer, or `load`'s, worked out by one caller at a time:
    /// whoever waited finds the first caller's answer.
    pub async fn get_or_load<E, F>(&self, load: F) -> Result<Option<crate::domain::account::CurrentUser>, E>
    where
        F: std::future::Future<Output = Result<Option<crate::domain::account::CurrentUser>, E>>,
    {
        if let Some(known) = self.get() {
            return Ok(known);
        }
        let _turn = self.turn.lock().await;
        if let Some(known) = self.get() {
            return Ok(known);
        }
        let user = load.await?;
        self.set(user.clone());
        Ok(user)
    }

    pub fn set(&self, user: Option<crate::domain::account::CurrentUser>) {
        if let Ok(mut m) = self.known.lock() {
            *m = Some(user);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut m) = self.known.lock() {
            *m = None;
        }
    }
}

pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer: Option<IpAddr> = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let from_proxy = peer.is_some_and(|p| state.config.trusted_proxies.contains(&p));
    // Scoped so no borrow of the (non-Sync) request lives across an await.
    let (host, client_ip, client_cert) = {
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
        // Only a trusted proxy terminates TLS for us; from anyone else the
        // header is a claim, not a certificate.
        let client_cert = if from_proxy { header_str("x-client-cert") } else { None }
            .and_then(|c| crate::domain::oauth::cert_thumbprint(&c));
        (host, client_ip, client_cert)
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
    req.extensions_mut().insert(RequestMeta { host, client_ip, client_cert, brand, nonce, user: UserMemo::default() });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::CurrentUser;
    use crate::domain::role::Role;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn someone() -> CurrentUser {
        CurrentUser {
            id: 7,
            email: "p@example.com".into(),
            display_name: "P".into(),
            role: Role::Partner,
            organisation: None,
            brand_name: "Program".into(),
            time_zone: None,
        }
    }

    #[tokio::test]
    async fn callers_that_ask_at_once_share_one_read_of_the_user() {
        let memo = UserMemo::default();
        let counter = AtomicUsize::new(0);
        let reads = &counter;
        let load = move || async move {
            reads.fetch_add(1, Ordering::SeqCst);
            // A read that takes a while, so the other callers arrive first.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok::<_, ()>(Some(someone()))
        };
        let (a, b, c) = tokio::join!(memo.get_or_load(load()), memo.get_or_load(load()), memo.get_or_load(load()));
        assert_eq!(counter.load(Ordering::SeqCst), 1);
        for got in [a, b, c] {
            assert_eq!(got.unwrap().map(|u| u.id), Some(7));
        }
    }

    #[tokio::test]
    async fn a_failed_read_is_not_remembered_and_a_cleared_memo_reads_again() {
        let memo = UserMemo::default();
        assert!(memo.get_or_load(async { Err::<Option<CurrentUser>, _>("down") }).await.is_err());
        assert_eq!(memo.get_or_load(async { Ok::<_, ()>(Some(someone())) }).await.unwrap().map(|u| u.id), Some(7));
        memo.clear();
        assert_eq!(memo.get_or_load(async { Ok::<_, ()>(None) }).await.unwrap(), None);
    }
}
