//! What the funds pages receive from the server: the types its server
//! functions return and its services build.

use crate::domain::funds::{BountyState, BudgetUse, FundRequest};
use crate::domain::revenue::Money;
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
