//! The marketplace for search engines, on the program's own host only: the
//! sitemap of every listed partner's page, and the canonical address and
//! description in each directory page's head.

use super::context::Ctx;
use super::services::marketplace;
use super::state::AppState;
use crate::domain::marketplace::{head_tags, sitemap_xml};
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route("/sitemap.xml", get(sitemap))
}

async fn sitemap(ctx: Ctx) -> Response {
    match marketplace::sitemap(&ctx).await {
        Ok(urls) => ([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], sitemap_xml(&urls)).into_response(),
        Err(e) => (e.status(), e.to_string()).into_response(),
    }
}

/// The largest page the head tags are added to; the directory's pages are a
/// small fraction of it.
const MAX_PAGE_BYTES: usize = 4 << 20;

/// Adds the canonical address and description to a directory page's head.
/// The head is the server's alone (the browser hydrates the body), so tags
/// put there never meet the page's hydration; pages drawn by the router in
/// the browser keep the tags of the page first loaded, which search engines
/// do not see.
pub async fn page_head(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let wanted = req.method() == Method::GET && path.starts_with("/marketplace") && !path.starts_with("/marketplaces");
    if !wanted {
        return next.run(req).await;
    }
    let query = req.uri().query().map(str::to_owned);
    let (mut parts, body) = req.into_parts();
    let ctx = Ctx::from_request_parts(&mut parts, &state).await;
    let res = next.run(Request::from_parts(parts, body)).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let Ok(ctx) = ctx else { return res };
    if res.status() != StatusCode::OK || !html {
        return res;
    }
    let head = match marketplace::page_head(&ctx, &path, query.as_deref()).await {
        Ok(Some((url, description))) => head_tags(&url, &description),
        _ => return res,
    };
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = String::from_utf8_lossy(&bytes);
    let out = match page.find("</head>") {
        Some(i) => format!("{}{head}{}", &page[..i], &page[i..]),
        None => page.into_owned(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}
