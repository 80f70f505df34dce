//! The partner scorecard.

use crate::domain::scorecard::ReviewRecord;
use crate::error::AppError;
pub use crate::views::scorecard::*;
use leptos::prelude::*;

#[server]
pub async fn get_scorecard(org: Option<i64>) -> Result<ScorecardView, AppError> {
    use crate::server::{context::serve, services::scorecard};
    serve(|ctx| async move { scorecard::view(&ctx, org).await }).await
}

#[server]
pub async fn get_reviews(org: Option<i64>) -> Result<ReviewsView, AppError> {
    use crate::server::{context::serve, services::scorecard};
    serve(|ctx| async move { scorecard::reviews(&ctx, org).await }).await
}

#[server]
pub async fn get_review(id: i64) -> Result<ReviewRecord, AppError> {
    use crate::server::{context::serve, services::scorecard};
    serve(|ctx| async move { scorecard::review(&ctx, id).await }).await
}

/// Generates the quarter's review for a partner (again, if it exists).
#[server]
pub async fn generate_review(org: i64, quarter: String, recommendations: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::scorecard};
    serve(|ctx| async move {
        let id = scorecard::generate(&ctx, org, &quarter, &recommendations).await?;
        leptos_axum::redirect(&format!("/reviews/{id}?saved=1"));
        Ok(())
    })
    .await
}
