//! Revenue endpoints that are plain HTTP rather than server functions: the
//! CSV import (a multipart file upload, which works the same with or
//! without JavaScript) and the statement download.

use super::context::Ctx;
use super::services::revenue;
use super::state::AppState;
use super::tenant::RequestMeta;
use crate::api::error::AppError;
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

fn error_page(e: AppError) -> Response {
    let status = e.status();
    let target = match e {
        AppError::Unauthenticated => return Redirect::to("/login?next=/manager/revenue").into_response(),
        other => other.to_string(),
    };
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], target).into_response()
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
        Err(e) => error_page(e),
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
            ],
            body,
        )
            .into_response(),
        Err(e) => error_page(e),
    }
}
