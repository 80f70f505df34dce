//! The marketplace's sitemap: every listed partner's page, for search
//! engines, on the program's own host only.

use super::context::Ctx;
use super::services::marketplace;
use super::state::AppState;
use crate::domain::marketplace::sitemap_xml;
use axum::http::header;
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
