//! Brand endpoints outside the Leptos app: the brand's stylesheet and logo
//! (with cache validators), the logo upload, and the question a
//! TLS-terminating proxy asks before issuing a certificate for a domain.

use super::context::Ctx;
use super::services::branding;
use super::state::AppState;
use super::tenant::RequestMeta;
use super::upload::UploadForm;
use crate::domain::brand::brand_css;
use crate::domain::whitelabel::{parse_domain, Colour};
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/brand.css", get(stylesheet)).route("/brand/logo", get(logo)).route(
        "/branding/logo",
        get(own_logo).post(upload).layer(DefaultBodyLimit::max(super::logo::MAX_LOGO_BYTES + 64 * 1024)),
    )
}

/// The TLS proxy's question, served outside tenancy (the proxy asks over
/// loopback, by address, before any brand is known).
pub fn tls_routes() -> Router<AppState> {
    Router::new().route("/tls/ask", get(ask))
}

pub(super) fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
}

/// The brand's colours as theme variables; with `primary`/`accent` query
/// values, the same for the branding page's preview box only.
async fn stylesheet(
    Extension(meta): Extension<RequestMeta>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let preview = |k: &str| q.get(k).and_then(|v| Colour::parse(v).ok()).map(|c| c.to_string());
    let css = if q.contains_key("primary") || q.contains_key("accent") {
        brand_css(".brand-preview", preview("primary").as_deref(), preview("accent").as_deref())
    } else {
        let b = &meta.brand;
        brand_css(":root", b.primary_colour.as_deref(), b.accent_colour.as_deref())
    };
    let etag = format!("\"{:x}\"", <sha2::Sha256 as sha2::Digest>::digest(css.as_bytes()));
    if not_modified(&headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8".to_owned()),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        css,
    )
        .into_response()
}

async fn logo(State(state): State<AppState>, Extension(meta): Extension<RequestMeta>, headers: HeaderMap) -> Response {
    match state.store.logo(meta.brand.id).await {
        Ok(Some(l)) if not_modified(&headers, &l.etag) => {
            (StatusCode::NOT_MODIFIED, [(header::ETAG, l.etag)]).into_response()
        }
        Ok(Some(l)) => (
            [
                (header::CONTENT_TYPE, l.content_type),
                (header::ETAG, l.etag),
                (header::CACHE_CONTROL, "public, max-age=300".to_owned()),
                (header::CONTENT_DISPOSITION, "inline".to_owned()),
            ],
            l.bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "logo");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A partner's logo as its branding page shows it (on the program's own
/// host, where the request's brand is not the partner's).
async fn own_logo(ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> Response {
    let org = q.get("org").and_then(|o| o.parse::<i64>().ok());
    match branding::own_logo(&ctx, org).await {
        Ok(Some(l)) => {
            ([(header::CONTENT_TYPE, l.content_type), (header::CACHE_CONTROL, "private, no-cache".to_owned())], l.bytes)
                .into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => e.status().into_response(),
    }
}

async fn upload(ctx: Ctx, form: Multipart) -> Response {
    if ctx.user().await.ok().flatten().is_none() {
        return Redirect::to("/login?next=/branding").into_response();
    }
    let Ok(mut form) = UploadForm::read(form).await else {
        return back(None, "The upload could not be read; the limit is 512 KB.");
    };
    let org = form.text("org").trim().parse::<i64>().ok();
    let bytes = form.take_file("logo").map(|f| f.bytes).unwrap_or_default();
    match branding::upload_logo(&ctx, org, &bytes).await {
        Ok(()) => Redirect::to(&match org {
            Some(o) => format!("/branding?org={o}&logo=1"),
            None => "/branding?logo=1".to_owned(),
        })
        .into_response(),
        Err(e) => back(org, &e.message_for("logo").unwrap_or_else(|| e.to_string())),
    }
}

/// Back to the branding page with the problem in the address, which the
/// page shows next to the logo field.
fn back(org: Option<i64>, message: &str) -> Response {
    let m: String = url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
    Redirect::to(&match org {
        Some(o) => format!("/branding?org={o}&logo_error={m}"),
        None => format!("/branding?logo_error={m}"),
    })
    .into_response()
}

/// For a reverse proxy's on-demand TLS: 200 only for a verified domain.
async fn ask(State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(domain) = q.get("domain").and_then(|d| parse_domain(d).ok()) else {
        return (StatusCode::BAD_REQUEST, "domain must be a domain name").into_response();
    };
    match state.store.brand_for_domain(&domain).await {
        Ok(Some(_)) => (StatusCode::OK, "ok").into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "not a verified domain").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "tls ask");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
