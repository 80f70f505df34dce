//! Revenue endpoints that are plain HTTP rather than server functions: the
//! CSV import (a multipart file upload, which works the same with or
//! without JavaScript), the statement download, and the billing feed's
//! Stripe webhook.

use super::context::Ctx;
use super::services::billing::{self, HookAnswer};
use super::services::revenue;
use super::state::AppState;
use super::upload::UploadForm;
use crate::domain::ledger::{import_text, ImportRefusal, MAX_IMPORT_BYTES};
use crate::domain::role::Permission;
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

/// What the endpoint reads of a form: four times the file's limit, so a
/// file somewhat over it is read whole and answered on the page. Stopping
/// the read at the limit itself answers while the browser is still sending,
/// and a browser may then show a reset connection instead of the answer.
/// Only managers get this far (the permission is checked first).
const MAX_UPLOAD: usize = 4 * MAX_IMPORT_BYTES;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manager/revenue/import", post(import).layer(DefaultBodyLimit::max(MAX_UPLOAD)))
        .route("/statements/{id}/csv", get(download))
        .route(super::paths::STRIPE_HOOK_PATH, post(stripe_hook))
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
/// not at all (or only checks it), and shows the result page of the attempt.
async fn import(ctx: Ctx, form: Multipart) -> Response {
    // Refuse before reading the upload.
    if let Err(e) = ctx.require(Permission::ManageRevenue).await {
        return error_page(e, "/manager/revenue");
    }
    // A file over the limit fails the read (the only way a well-formed form
    // from the page fails it); the form says so and records nothing.
    let Ok(mut form) = UploadForm::read(form).await else {
        return refused(ImportRefusal::TooLarge);
    };
    let file = form.take_file("file");
    let (source, bytes) = match file {
        Some(f) if !f.bytes.iter().all(u8::is_ascii_whitespace) => (f.file_name, f.bytes),
        _ => ("pasted".to_owned(), form.text("csv").into_bytes()),
    };
    let text = match import_text(bytes) {
        Ok(text) => text,
        Err(r) => return refused(r),
    };
    // "Check without importing" submits the same form with mode=check.
    if form.text("mode") == "check" {
        return match revenue::check_csv(&ctx, &source, &text).await {
            Ok(()) => Redirect::to("/manager/revenue/check").into_response(),
            Err(e) => error_page(e, "/manager/revenue"),
        };
    }
    match revenue::import_csv(&ctx, &source, &text).await {
        Ok(id) => Redirect::to(&format!("/manager/revenue/imports/{id}")).into_response(),
        Err(e) => error_page(e, "/manager/revenue"),
    }
}

/// Back to the import form, which says why (`ImportRefusal::message`).
fn refused(r: ImportRefusal) -> Response {
    Redirect::to(&format!("/manager/revenue?import_refused={}#import", r.key())).into_response()
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

/// Stripe's webhook. The body is read raw: the signature covers its exact
/// bytes. Answers in JSON; Stripe retries anything but a 2xx.
async fn stripe_hook(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let (status, answer) = match billing::receive_stripe(&ctx, signature, &body).await {
        Ok(HookAnswer::Recorded { new, unchanged }) => {
            (StatusCode::OK, json!({ "recorded": new, "already_recorded": unchanged }))
        }
        Ok(HookAnswer::Ignored(kind)) => (StatusCode::OK, json!({ "ignored": kind })),
        Ok(HookAnswer::NotConnected) => {
            (StatusCode::NOT_FOUND, json!({ "error": "No billing system is connected to this program." }))
        }
        Ok(HookAnswer::Unsigned(message)) => (StatusCode::BAD_REQUEST, json!({ "error": message })),
        Ok(HookAnswer::Refused(problems)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "error": "Nothing was recorded; the program's import history lists this delivery and why.",
                "problems": problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>(),
            }),
        ),
        Err(e) => (e.status(), json!({ "error": e.to_string() })),
    };
    (status, Json(answer)).into_response()
}
