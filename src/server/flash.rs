//! Forms posted without JavaScript, sent back with what was typed.
//!
//! A server function posted by a plain HTML form answers with a redirect to
//! the page it came from; when it refuses, Leptos writes the error into that
//! address (`?__path=…&__err=<base64>`), and the page shows the error but
//! every field comes back empty. This layer keeps the form instead: on a
//! refusal it stores the error and the typed fields (never secrets, see
//! `domain::form::keeps_field`) in the session as a flash, sends the browser
//! to the clean address opened at the form (`/page#form-…`), and hands the
//! flash to the first load of that page, which renders from it
//! (`views::form::FormFlash`). A form that succeeds is also sent back to its
//! place on the page rather than the top.

use super::state::AppState;
use crate::domain::form::{anchor, keeps_field, DRAFT_TTL_MS, MAX_DRAFT_BYTES};
use crate::error::AppError;
use crate::views::form::FormFlash;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::ServerFnUrlError;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

const FLASH_KEY: &str = "form_flash";

/// The flash as it waits in the session: for which page, since when.
#[derive(Serialize, Deserialize)]
struct Waiting {
    page: String,
    at_ms: i64,
    flash: FormFlash,
}

fn accepts_html(req: &Request) -> bool {
    req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// Server functions live under `/api/`; the bearer API under `/api/v1/`.
fn is_server_fn(path: &str) -> bool {
    path.starts_with("/api/") && !super::paths::is_api_path(path)
}

fn is_form_post(req: &Request) -> bool {
    let urlencoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    // The body's announced size (its Content-Length): one that does not
    // say, or says more, is passed on unread.
    let small = req.body().size_hint().upper().is_some_and(|n| n <= MAX_DRAFT_BYTES as u64);
    req.method() == Method::POST && urlencoded && small && accepts_html(req) && is_server_fn(req.uri().path())
}

pub async fn keep_forms(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(session) = req.extensions().get::<Session>().cloned() else { return next.run(req).await };
    let now_ms = state.clock.now().timestamp_millis();
    if is_form_post(&req) {
        return post(session, now_ms, req, next).await;
    }
    if req.method() == Method::GET && accepts_html(&req) && !req.uri().path().starts_with("/api/") {
        return page(session, now_ms, req, next).await;
    }
    next.run(req).await
}

/// A plain form post: keep the body to read back, and turn a refusal's
/// address into a flash.
async fn post(session: Session, now_ms: i64, req: Request, next: Next) -> Response {
    let fn_path = req.uri().path().to_owned();
    let referer = req.headers().get(header::REFERER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_DRAFT_BYTES).await else {
        // The body was longer than its Content-Length said; nothing to serve.
        return Response::builder().status(400).body(Body::from("The form could not be read.")).unwrap_or_default();
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&bytes)
        .filter(|(name, _)| keeps_field(name))
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    let mut res = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    if !res.status().is_redirection() {
        return res;
    }
    let Some(location) = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return res;
    };
    let Some(back) = Back::read(&location) else { return res };
    let place = match back.refused {
        Some((path, err)) => {
            let waiting_err = err.clone();
            let waiting = Waiting { page: back.page.clone(), at_ms: now_ms, flash: FormFlash { path, err, fields } };
            if let Err(e) = session.insert(FLASH_KEY, waiting).await {
                // Without the flash the page would show no error at all, so
                // keep Leptos's own address, error and all.
                tracing::warn!("could not keep a refused form: {e}");
                return res;
            }
            // A field in error carries `autofocus`, which takes the page
            // to it; browsers skip autofocus on an address with a fragment,
            // so only a refusal without one opens at the form.
            (!names_fields(&waiting_err)).then(|| anchor(&fn_path))
        }
        // Sent back to the page it came from: open it at the form.
        None if referer.as_deref().and_then(Back::read).is_some_and(|r| r.target == back.target) => {
            Some(anchor(&fn_path))
        }
        None => None,
    };
    let target = match place.or(back.fragment) {
        Some(id) => format!("{}#{id}", back.target),
        None => back.target,
    };
    if let Ok(v) = HeaderValue::from_str(&target) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Whether a refusal, as Leptos encodes it for the address, names fields.
fn names_fields(err: &str) -> bool {
    let e = ServerFnUrlError::<AppError>::decode_err(err);
    matches!(e, AppError::Invalid(list) if !list.is_empty())
}

/// A page load: hand it the flash that waits for it.
async fn page(session: Session, now_ms: i64, mut req: Request, next: Next) -> Response {
    // A visitor without a session has no flash; do not make one.
    if session.id().is_some() {
        if let Ok(Some(waiting)) = session.get::<Waiting>(FLASH_KEY).await {
            if waiting.page == req.uri().path() {
                let _ = session.remove::<Waiting>(FLASH_KEY).await;
                if now_ms - waiting.at_ms <= DRAFT_TTL_MS {
                    req.extensions_mut().insert(waiting.flash);
                }
            }
        }
    }
    next.run(req).await
}

/// Where a redirect sends the browser, read for what matters here: the
/// page, the same-site address without the refusal, and the refusal.
struct Back {
    page: String,
    target: String,
    fragment: Option<String>,
    refused: Option<(String, String)>,
}

impl Back {
    fn read(location: &str) -> Option<Back> {
        let base = url::Url::parse("http://portal.invalid/").ok()?;
        let url = base.join(location).ok()?;
        let mut refused_path = None;
        let mut refused_err = None;
        let mut kept = url::form_urlencoded::Serializer::new(String::new());
        let mut any = false;
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "__path" => refused_path = Some(v.into_owned()),
                "__err" => refused_err = Some(v.into_owned()),
                _ => {
                    kept.append_pair(&k, &v);
                    any = true;
                }
            }
        }
        let page = url.path().to_owned();
        // Only the path and query go back: the browser stays on this site
        // whatever host the Referer named.
        let target = if any { format!("{page}?{}", kept.finish()) } else { page.clone() };
        let fragment = url.fragment().map(str::to_owned);
        Some(Back { page, target, fragment, refused: refused_path.zip(refused_err) })
    }
}

#[cfg(test)]
mod tests {
    use super::Back;

    #[test]
    fn a_refusal_is_read_off_the_address_and_the_rest_kept_on_this_site() {
        let b = Back::read("https://evil.example/manager/revenue?page=2&__path=%2Fapi%2Fx&__err=abc").unwrap();
        assert_eq!(b.page, "/manager/revenue");
        assert_eq!(b.target, "/manager/revenue?page=2");
        assert_eq!(b.refused, Some(("/api/x".into(), "abc".into())));
        let b = Back::read("/login#top").unwrap();
        assert_eq!((b.target.as_str(), b.fragment.as_deref(), b.refused), ("/login", Some("top"), None));
    }
}
