//! The partner scorecard.

use crate::api::error::AppError;
use crate::domain::integration::Environment;
use crate::domain::scorecard::Measure;
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
