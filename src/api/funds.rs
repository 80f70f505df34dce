//! Co-marketing funds and integration bounties. A claim carries a proof
//! file, so it is a multipart form handled by axum in `server/funds_http.rs`
//! (as is the proof download).

use crate::api::error::AppError;
use crate::domain::funds::{BountyState, BudgetUse, FundRequest};
use crate::domain::revenue::Money;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One integration bounty of the terms and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BountyView {
    pub milestone: String,
    pub amount: Money,
    pub state: BountyState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundsView {
    pub organisation_id: i64,
    pub organisation: String,
    /// This quarter's budget, if the partner has one.
    pub budget: Option<BudgetUse>,
    /// Why there is no budget, when there is none.
    pub no_budget: Option<String>,
    /// The partner's own people request and claim; staff read and decide.
    pub can_request: bool,
    pub staff: bool,
    pub requests: Vec<FundRequest>,
    /// A technology partner's bounties (empty for other models).
    pub technology: bool,
    pub bounties: Vec<BountyView>,
    pub today: String,
}

/// A request or claim waiting for a manager, with its quarter's budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub request: FundRequest,
    pub budget: Option<BudgetUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundReview {
    pub items: Vec<QueueItem>,
    pub now_ms: i64,
}

#[server]
pub async fn get_funds(org: Option<i64>) -> Result<FundsView, AppError> {
    use crate::server::{context::Ctx, services::funds};
    crate::server::context::respond(async move { funds::view(&Ctx::load().await?, org).await }.await)
}

#[server]
pub async fn get_fund_review() -> Result<FundReview, AppError> {
    use crate::server::{context::Ctx, services::funds};
    crate::server::context::respond(async move { funds::review(&Ctx::load().await?).await }.await)
}

/// A partner asks for funds for an activity (amount in its terms' currency).
#[server]
pub async fn request_funds(kind: String, title: String, date: String, amount: String) -> Result<i64, AppError> {
    use crate::server::{context::Ctx, services::funds};
    crate::server::context::respond(
        async move {
            let id = funds::request(&Ctx::load().await?, &kind, &title, &date, &amount).await?;
            leptos_axum::redirect(&format!("/funds?requested={id}"));
            Ok(id)
        }
        .await,
    )
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
    use crate::server::{context::Ctx, services::funds};
    crate::server::context::respond(
        async move {
            funds::decide(&Ctx::load().await?, id, version, &action, reason.as_deref().unwrap_or_default()).await?;
            let back = safe_redirect_target(Some(&back));
            let joiner = if back.contains('?') { '&' } else { '?' };
            let action: String = action.chars().filter(|c| c.is_ascii_lowercase() || *c == '_').collect();
            leptos_axum::redirect(&format!("{back}{joiner}decided={action}"));
            Ok(())
        }
        .await,
    )
}
