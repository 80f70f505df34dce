//! Fund endpoints that are plain HTTP rather than server functions: a claim
//! (a multipart form with an optional proof file, the same with or without
//! JavaScript) and the proof download.

use super::context::Ctx;
use super::services::funds::{self, Upload};
use super::state::AppState;
use super::upload::UploadForm;
use crate::domain::funds::MAX_PROOF_BYTES;
use crate::error::AppError;
use axum::extract::{DefaultBodyLimit, Multipart, Path};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

/// The proof file and the form's few short fields.
const MAX_UPLOAD: usize = MAX_PROOF_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/funds/{id}/claim", post(claim).layer(DefaultBodyLimit::max(MAX_UPLOAD)))
        .route("/funds/{id}/proof", get(proof))
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Back to the funds page with the claim's problems in the URL, for the
/// page to show next to the claim's fields.
fn back_with(id: i64, e: AppError) -> Response {
    match e {
        AppError::Unauthenticated => Redirect::to("/login?next=/funds").into_response(),
        AppError::NotFound | AppError::Forbidden => {
            (e.status(), [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], e.to_string()).into_response()
        }
        AppError::Invalid(fields) => {
            let mut url = format!("/funds?claim={id}");
            for f in fields.iter().filter(|f| matches!(f.field.as_str(), "amount" | "link" | "file")) {
                url.push_str(&format!("&e_{}={}", f.field, enc(&f.message)));
            }
            Redirect::to(&url).into_response()
        }
        other => Redirect::to(&format!("/funds?claim={id}&error={}", enc(&other.to_string()))).into_response(),
    }
}

async fn claim(ctx: Ctx, Path(id): Path<i64>, form: Multipart) -> Response {
    // Refuse a stranger before reading the upload.
    if let Err(e) = ctx.require_user().await {
        return back_with(id, e);
    }
    let Ok(mut form) = UploadForm::read(form).await else {
        return back_with(id, AppError::field("file", "The upload could not be read; use a file of at most 5 MiB."));
    };
    let file = form.take_file("file").map(|f| Upload { file_name: f.file_name, bytes: f.bytes });
    match funds::claim(&ctx, id, &form.text("version"), &form.text("amount"), &form.text("link"), file).await {
        Ok(()) => Redirect::to(&format!("/funds?claimed={id}")).into_response(),
        Err(e) => back_with(id, e),
    }
}

async fn proof(ctx: Ctx, Path(id): Path<i64>) -> Response {
    match funds::proof(&ctx, id).await {
        Ok(f) => (
            [
                (header::CONTENT_TYPE, f.content_type),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", f.file_name)),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            f.bytes,
        )
            .into_response(),
        Err(AppError::Unauthenticated) => Redirect::to("/login?next=/funds").into_response(),
        Err(e) => (e.status(), [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], e.to_string()).into_response(),
    }
}
