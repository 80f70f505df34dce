//! Revenue endpoints that are plain HTTP rather than server functions: the
//! CSV import (a multipart file upload, which works the same with or
//! without JavaScript) and the statement download.

use super::context::Ctx;
use super::services::revenue;
use super::state::AppState;
use super::upload::UploadForm;
use crate::domain::role::Permission;
use crate::error::AppError;
use axum::extract::{DefaultBodyLimit, Multipart, Path};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

/// The largest import accepted: 5 000 rows fit well within it.
const MAX_UPLOAD: usize = 2 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manager/revenue/import", post(import).layer(DefaultBodyLimit::max(MAX_UPLOAD)))
        .route("/statements/{id}/csv", get(download))
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
async fn import(ctx: Ctx, form: Multipart) -> Response {
    // Refuse before reading the upload.
    if let Err(e) = ctx.require(Permission::ManageRevenue).await {
        return error_page(e, "/manager/revenue");
    }
    let Ok(mut form) = UploadForm::read(form).await else {
        let limit = MAX_UPLOAD / 1024 / 1024;
        let message = format!("The upload could not be read: a file can be at most {limit} MiB.");
        return (StatusCode::PAYLOAD_TOO_LARGE, message).into_response();
    };
    let file = form.take_file("file");
    let (source, bytes) = match file {
        Some(f) if !f.bytes.iter().all(u8::is_ascii_whitespace) => (f.file_name, f.bytes),
        _ => ("pasted".to_owned(), form.text("csv").into_bytes()),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return (StatusCode::BAD_REQUEST, "The file must be UTF-8 text (CSV).").into_response();
    };
    match revenue::import_csv(&ctx, &source, &text).await {
        Ok(id) => Redirect::to(&format!("/manager/revenue/imports/{id}")).into_response(),
        Err(e) => error_page(e, "/manager/revenue"),
    }
}

async fn download(ctx: Ctx, Path(id): Path<i64>) -> Response {
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
