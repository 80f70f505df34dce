//! Support endpoints that are plain HTTP rather than server functions:
//! opening a ticket and replying (multipart posts that may carry a file,
//! the same with or without JavaScript) and attachment downloads.

use super::context::Ctx;
use super::services::support::{self, TicketForm};
use super::state::AppState;
use super::upload::UploadForm;
use crate::domain::support::ATTACHMENT_MAX_BYTES;
use crate::error::AppError;
use axum::extract::{DefaultBodyLimit, Multipart, Path};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

/// The largest post: one attachment at its limit plus the text fields.
const MAX_POST: usize = ATTACHMENT_MAX_BYTES + 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/support/tickets", post(open).layer(DefaultBodyLimit::max(MAX_POST)))
        .route("/support/tickets/{id}/replies", post(reply).layer(DefaultBodyLimit::max(MAX_POST)))
        .route("/support/attachments/{id}", get(download))
}

/// Back to `path` with a message for the page to show.
fn back_with(path: &str, message: &str) -> Response {
    let q: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("error", message).finish();
    Redirect::to(&format!("{path}?{q}")).into_response()
}

fn signed_out(back: &str) -> Response {
    Redirect::to(&format!("/login?next={back}")).into_response()
}

fn too_large() -> String {
    format!("The upload could not be read: files can be at most {} MiB.", ATTACHMENT_MAX_BYTES / 1024 / 1024)
}

async fn open(ctx: Ctx, form: Multipart) -> Response {
    if ctx.user().await.ok().flatten().is_none() {
        return signed_out("/support");
    }
    let Ok(mut form) = UploadForm::read(form).await else { return back_with("/support", &too_large()) };
    let form = TicketForm {
        subject: form.text("subject"),
        severity: form.text("severity"),
        description: form.text("description"),
        file: form.take_file("file").map(|f| (f.file_name, f.bytes)),
    };
    match support::open(&ctx, form).await {
        Ok(id) => Redirect::to(&format!("/support/tickets/{id}?done=opened")).into_response(),
        // The draft and its field errors wait in the session.
        Err(AppError::Invalid(_)) => Redirect::to("/support?failed=1#open").into_response(),
        Err(AppError::Unauthenticated) => signed_out("/support"),
        Err(e) => back_with("/support", &e.to_string()),
    }
}

async fn reply(ctx: Ctx, Path(id): Path<i64>, form: Multipart) -> Response {
    let page = format!("/support/tickets/{id}");
    if ctx.user().await.ok().flatten().is_none() {
        return signed_out(&page);
    }
    let Ok(mut form) = UploadForm::read(form).await else { return back_with(&page, &too_large()) };
    let file = form.take_file("file").map(|f| (f.file_name, f.bytes));
    match support::reply(&ctx, id, &form.text("body"), file).await {
        Ok(()) => Redirect::to(&format!("{page}?done=replied")).into_response(),
        Err(AppError::Unauthenticated) => signed_out(&page),
        Err(AppError::Invalid(errors)) => {
            back_with(&page, &errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))
        }
        Err(AppError::NotFound) => (AppError::NotFound.status(), "Not found").into_response(),
        Err(e) => back_with(&page, &e.to_string()),
    }
}

async fn download(ctx: Ctx, Path(id): Path<i64>) -> Response {
    match support::download(&ctx, id).await {
        Ok(f) => {
            // Images may open in the browser; documents and logs download.
            // The type was sniffed at upload, and nosniff holds it.
            let disposition = if f.content_type.starts_with("image/") { "inline" } else { "attachment" };
            (
                [
                    (header::CONTENT_TYPE, f.content_type),
                    (header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"{}\"", f.file_name)),
                    (header::CACHE_CONTROL, "private, no-store".to_owned()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                ],
                f.bytes,
            )
                .into_response()
        }
        Err(AppError::Unauthenticated) => signed_out(&format!("/support/attachments/{id}")),
        Err(e) => (e.status(), e.to_string()).into_response(),
    }
}
