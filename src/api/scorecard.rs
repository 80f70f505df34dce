//! The partner scorecard.

use crate::api::error::AppError;
use crate::domain::integration::Environment;
use crate::domain::scorecard::{Measure, ReviewRecord};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorecardView {
    pub organisation_id: i64,
    pub organisation: String,
    /// Whose API traffic is rated: production once it has any.
    pub environment: Environment,
    pub measures: Vec<Measure>,
    pub now_ms: i64,
}

#[server]
pub async fn get_scorecard(org: Option<i64>) -> Result<ScorecardView, AppError> {
    use crate::server::{context::Ctx, services::scorecard};
    crate::server::context::respond(async move { scorecard::view(&Ctx::load().await?, org).await }.await)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewsView {
    pub organisation_id: i64,
    pub organisation: String,
    pub reviews: Vec<ReviewRecord>,
    /// (key, label) of the quarters staff may generate; empty for partners.
    pub quarters: Vec<(String, String)>,
}

#[server]
pub async fn get_reviews(org: Option<i64>) -> Result<ReviewsView, AppError> {
    use crate::server::{context::Ctx, services::scorecard};
    crate::server::context::respond(async move { scorecard::reviews(&Ctx::load().await?, org).await }.await)
}

#[server]
pub async fn get_review(id: i64) -> Result<ReviewRecord, AppError> {
    use crate::server::{context::Ctx, services::scorecard};
    crate::server::context::respond(async move { scorecard::review(&Ctx::load().await?, id).await }.await)
}

/// Generates the quarter's review for a partner (again, if it exists).
#[server]
pub async fn generate_review(org: i64, quarter: String, recommendations: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::scorecard};
    crate::server::context::respond(
        async move {
            let id = scorecard::generate(&Ctx::load().await?, org, &quarter, &recommendations).await?;
            leptos_axum::redirect(&format!("/reviews/{id}?saved=1"));
            Ok(())
        }
        .await,
    )
}
