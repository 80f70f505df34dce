//! Fund endpoints that are plain HTTP rather than server functions: a claim
//! (a multipart form with an optional proof file, the same with or without
//! JavaScript) and the proof download.

use super::context::Ctx;
use super::services::funds::{self, Upload};
use super::state::AppState;
use super::tenant::RequestMeta;
use crate::domain::funds::MAX_PROOF_BYTES;
use crate::error::AppError;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use tower_sessions::Session;

/// The proof file and the form's few short fields.
const MAX_UPLOAD: usize = MAX_PROOF_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/funds/{id}/claim", post(claim).layer(DefaultBodyLimit::max(MAX_UPLOAD)))
        .route("/funds/{id}/proof", get(proof))
}

fn ctx(state: AppState, meta: RequestMeta, session: Session) -> Ctx {
    Ctx { state, meta, session }
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

async fn claim(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    session: Session,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Response {
    let ctx = ctx(state, meta, session);
    // Refuse a stranger before reading the upload.
    if let Err(e) = ctx.require_user().await {
        return back_with(id, e);
    }
    let (mut version, mut amount, mut link, mut file) = (String::new(), String::new(), String::new(), None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return back_with(
                    id,
                    AppError::field("file", "The upload could not be read; use a file of at most 5 MiB."),
                )
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(_) => return back_with(id, AppError::field("file", "Use a file of at most 5 MiB.")),
        };
        let text = || String::from_utf8_lossy(&bytes).chars().take(2_000).collect::<String>();
        match name.as_str() {
            "version" => version = text(),
            "amount" => amount = text(),
            "link" => link = text(),
            "file" => file = Some(Upload { file_name, bytes: bytes.to_vec() }),
            _ => {}
        }
    }
    match funds::claim(&ctx, id, &version, &amount, &link, file).await {
        Ok(()) => Redirect::to(&format!("/funds?claimed={id}")).into_response(),
        Err(e) => back_with(id, e),
    }
}

async fn proof(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    session: Session,
    Path(id): Path<i64>,
) -> Response {
    let ctx = ctx(state, meta, session);
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
