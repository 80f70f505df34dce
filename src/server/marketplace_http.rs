//! The marketplace outside the Leptos app, on the program's own host only:
//! a listing's pictures (uploaded as multipart forms, the same with or
//! without JavaScript, and served with cache validators), the sitemap of
//! every listed partner's page, and the canonical address and description
//! in each directory page's head.

use super::brand_http::not_modified;
use super::context::Ctx;
use super::logo::MAX_LOGO_BYTES;
use super::services::marketplace;
use super::state::AppState;
use super::upload::UploadForm;
use crate::domain::marketplace::{head_tags, sitemap_xml};
use crate::error::AppError;
use crate::server::store::StoredImage;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sitemap.xml", get(sitemap))
        .route("/marketplace/{slug}/images/{id}", get(published_image))
        .route("/listing/images/{id}", get(own_image))
        // The image and the form's few short fields.
        .route("/listing/images", post(add_image).layer(DefaultBodyLimit::max(MAX_LOGO_BYTES + 64 * 1024)))
        .route("/listing/images/remove", post(remove_image))
        .route("/listing/images/move", post(move_image))
}

/// Where the editor shows the pictures.
const PICTURES: &str = "/listing";
const ANCHOR: &str = "#listing-pictures";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Back to the editor: `done` names what happened, or the refusal goes in
/// the address with what was typed, for the page to show beside the
/// fields it concerns.
fn back(result: Result<i64, AppError>, done: &str, kept: &[(&str, String)]) -> Response {
    let e = match result {
        Ok(_) => return Redirect::to(&format!("{PICTURES}?pictures={done}{ANCHOR}")).into_response(),
        Err(e) => e,
    };
    let mut url = format!("{PICTURES}?pictures=refused");
    match e {
        AppError::Unauthenticated => return Redirect::to(&format!("/login?next={PICTURES}")).into_response(),
        AppError::NotFound | AppError::Forbidden => {
            return (e.status(), [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], e.to_string()).into_response()
        }
        AppError::Invalid(fields) => {
            for f in fields.iter().filter(|f| matches!(f.field.as_str(), "kind" | "alt" | "image")) {
                url.push_str(&format!("&e_{}={}", f.field, enc(&f.message)));
            }
        }
        other => url.push_str(&format!("&e_image={}", enc(&other.to_string()))),
    }
    for (name, value) in kept {
        url.push_str(&format!("&{name}={}", enc(value)));
    }
    url.push_str(ANCHOR);
    Redirect::to(&url).into_response()
}

async fn add_image(ctx: Ctx, form: Multipart) -> Response {
    // Refuse a stranger before reading the upload.
    if let Err(e) = ctx.require_user().await {
        return back(Err(e), "", &[]);
    }
    let Ok(mut form) = UploadForm::read(form).await else {
        let limit = MAX_LOGO_BYTES / 1024;
        return back(
            Err(AppError::field("image", format!("The upload could not be read; the limit is {limit} KB."))),
            "",
            &[],
        );
    };
    let (kind, alt) = (form.text("kind"), form.text("alt"));
    let bytes = form.take_file("image").map(|f| f.bytes).unwrap_or_default();
    let result = marketplace::add_image(&ctx, &kind, &alt, bytes).await;
    back(result, "added", &[("kind", kind), ("alt", alt)])
}

async fn remove_image(ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    let Some(position) = form.get("position").and_then(|p| p.parse().ok()) else {
        return back(Err(AppError::field("image", "Choose a picture to remove.")), "", &[]);
    };
    back(marketplace::remove_image(&ctx, position).await, "removed", &[])
}

async fn move_image(ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    let position = form.get("position").and_then(|p| p.parse().ok());
    let earlier = match form.get("direction").map(String::as_str) {
        Some("earlier") => Some(true),
        Some("later") => Some(false),
        _ => None,
    };
    let (Some(position), Some(earlier)) = (position, earlier) else {
        return back(Err(AppError::field("image", "Choose a screenshot and where to move it.")), "", &[]);
    };
    back(marketplace::move_image(&ctx, position, earlier).await, "moved", &[])
}

/// An image response: 304 when the browser's copy is current.
fn image(headers: &HeaderMap, i: StoredImage, cache: &str) -> Response {
    if not_modified(headers, &i.etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, i.etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, i.content_type),
            (header::ETAG, i.etag),
            (header::CACHE_CONTROL, cache.to_owned()),
            (header::CONTENT_DISPOSITION, "inline".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        i.bytes,
    )
        .into_response()
}

/// A published picture: public, cached briefly so a hidden listing's
/// pictures stop showing soon after the listing does.
async fn published_image(ctx: Ctx, headers: HeaderMap, Path((slug, id)): Path<(String, i64)>) -> Response {
    match marketplace::published_image(&ctx, &slug, id).await {
        Ok(i) => image(&headers, i, "public, max-age=300"),
        Err(e) => e.status().into_response(),
    }
}

/// Any version's picture, for the partner's people and its managers.
async fn own_image(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let org = q.get("org").and_then(|o| o.parse::<i64>().ok());
    match marketplace::own_image(&ctx, org, id).await {
        Ok(i) => image(&headers, i, "private, no-cache"),
        Err(e) => e.status().into_response(),
    }
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
