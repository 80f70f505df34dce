//! Revenue endpoints that are plain HTTP rather than server functions: the
//! CSV import (a multipart file upload, which works the same with or
//! without JavaScript) and the statement download.

use super::context::Ctx;
use super::services::revenue;
use super::state::AppState;
use super::tenant::RequestMeta;
use crate::domain::role::Permission;
use crate::error::AppError;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use tower_sessions::Session;

/// The largest import accepted: 5 000 rows fit well within it.
const MAX_UPLOAD: usize = 2 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manager/revenue/import", post(import).layer(DefaultBodyLimit::max(MAX_UPLOAD)))
        .route("/statements/{id}/csv", get(download))
}

fn ctx(state: AppState, meta: RequestMeta, session: Session) -> Ctx {
    Ctx { state, meta, session }
}

/// A failure as a plain page; a signed-out visitor is sent to sign in and
/// brought back to `back`.
fn error_page(e: AppError, back: &str) -> Response {
    let status = e.status();
    let message = match e {
        AppError::Unauthenticated => return Redirect::to(&format!("/login?next={back}")).into_response(),
        other => other.to_string(),
    };
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
}

/// Takes the uploaded file, or else the pasted text, imports it whole or
/// not at all, and shows the result page of the attempt.
async fn import(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    session: Session,
    mut form: Multipart,
) -> Response {
    let ctx = ctx(state, meta, session);
    // Refuse before reading the upload.
    if let Err(e) = ctx.require(Permission::ManageRevenue).await {
        return error_page(e, "/manager/revenue");
    }
    let (mut file_name, mut file, mut pasted) = (String::new(), String::new(), String::new());
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return (StatusCode::BAD_REQUEST, format!("The upload could not be read: {e}")).into_response(),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let fname = field.file_name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return (StatusCode::PAYLOAD_TOO_LARGE, format!("The upload could not be read: {e}")).into_response()
            }
        };
        let Ok(text) = String::from_utf8(bytes.to_vec()) else {
            return (StatusCode::BAD_REQUEST, "The file must be UTF-8 text (CSV).").into_response();
        };
        match name.as_str() {
            "file" => (file_name, file) = (fname, text),
            "csv" => pasted = text,
            _ => {}
        }
    }
    let (source, text) = if !file.trim().is_empty() { (file_name, file) } else { ("pasted".to_owned(), pasted) };
    match revenue::import_csv(&ctx, &source, &text).await {
        Ok(id) => Redirect::to(&format!("/manager/revenue/imports/{id}")).into_response(),
        Err(e) => error_page(e, "/manager/revenue"),
    }
}

async fn download(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    session: Session,
    Path(id): Path<i64>,
) -> Response {
    let ctx = ctx(state, meta, session);
    match revenue::statement_csv(&ctx, id).await {
        Ok((name, body)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                // Money figures: never kept by shared caches or the browser.
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            body,
        )
            .into_response(),
        Err(e) => error_page(e, &format!("/statements/{id}")),
    }
}
