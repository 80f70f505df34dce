//! Co-marketing funds and integration bounties. A claim carries a proof
//! file, so it is a multipart form handled by axum in `server/funds_http.rs`
//! (as is the proof download).

use crate::error::AppError;
pub use crate::views::funds::*;
use leptos::prelude::*;

#[server]
pub async fn get_funds(org: Option<i64>) -> Result<FundsView, AppError> {
    use crate::server::{context::serve, services::funds};
    serve(|ctx| async move { funds::view(&ctx, org).await }).await
}

#[server]
pub async fn get_fund_review() -> Result<FundReview, AppError> {
    use crate::server::{context::serve, services::funds};
    serve(|ctx| async move { funds::review(&ctx).await }).await
}

/// A partner asks for funds for an activity (amount in its terms' currency).
#[server]
pub async fn request_funds(kind: String, title: String, date: String, amount: String) -> Result<i64, AppError> {
    use crate::server::{context::serve, services::funds};
    serve(|ctx| async move {
        let id = funds::request(&ctx, &kind, &title, &date, &amount).await?;
        leptos_axum::redirect(&format!("/funds?requested={id}"));
        Ok(id)
    })
    .await
}

/// A decision on a request: a manager approves or rejects it or its claim
/// (a rejection needs a reason); the partner may withdraw a waiting one.
#[server]
pub async fn decide_fund_request(
    id: i64,
    version: i64,
    action: String,
    reason: Option<String>,
    back: String,
) -> Result<(), AppError> {
    use crate::domain::account::safe_redirect_target;
    use crate::server::{context::serve, services::funds};
    serve(|ctx| async move {
        funds::decide(&ctx, id, version, &action, reason.as_deref().unwrap_or_default()).await?;
        let back = safe_redirect_target(Some(&back));
        let joiner = if back.contains('?') { '&' } else { '?' };
        let action: String = action.chars().filter(|c| c.is_ascii_lowercase() || *c == '_').collect();
        leptos_axum::redirect(&format!("{back}{joiner}decided={action}"));
        Ok(())
    })
    .await
}
