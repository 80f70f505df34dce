//! What the partners pages receive from the server: the types its server
//! functions return and its services build.

use crate::domain::account::{PendingInvitation, TeamMember};
use crate::domain::application::{ApplicationDetail, ApplicationSummary};
use crate::domain::certification::{CertState, SupportTier, TimelineEntry};
use crate::domain::evaluation::Summary;
use crate::domain::inbox::Alert;
use crate::domain::ledger::Payout;
use crate::domain::listing::Order;
use crate::domain::onboarding::{Phase, PlanItem, Progress, Stall};
use crate::domain::revenue::Money;
use crate::domain::terms::Terms;
use serde::{Deserialize, Serialize};

/// An application as the review page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub application: ApplicationDetail,
    pub summary: Option<Summary>,
    pub viewer_id: i64,
}

/// A partner's plan with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub organisation_id: i64,
    pub organisation: String,
    pub items: Vec<PlanItem>,
    pub overall: Progress,
    pub phases: Vec<(Phase, Progress)>,
    pub now_ms: i64,
    pub terms: Option<Terms>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerRow {
    pub organisation_id: i64,
    pub organisation: String,
    pub approved_at_ms: i64,
    pub progress: Progress,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnersOverview {
    /// One page (`PARTNERS_PAGE`) of the partners in the chosen order.
    pub partners: Vec<PartnerRow>,
    pub stalls: Vec<Stall>,
    /// 1-based page shown, of `pages`; `total` partners in all.
    pub page: usize,
    pub pages: usize,
    /// Partners matching the search, or all.
    pub total: usize,
    /// The order shown (`domain::onboarding::PARTNER_COLUMNS`).
    pub order: Order,
    /// The search as applied (trimmed, cut), if any.
    pub search: Option<String>,
}

/// Who a partner is, as the header of every staff view of it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerHeader {
    pub organisation_id: i64,
    pub organisation: String,
    /// "Technology: AI platform"; empty for an organisation created before types.
    pub kind: String,
    pub model: String,
    pub state: CertState,
    pub tier: SupportTier,
    /// The first owner's name and address.
    pub owner: Option<(String, String)>,
    pub year: i32,
    /// Revenue and commission from 1 January, per currency.
    pub revenue_ytd: Vec<Money>,
    pub commission_ytd: Vec<Money>,
    /// Which of the partner's pages apply (`navigation::partner_tabs`).
    pub builds: bool,
    pub funds: bool,
    pub white_label: bool,
    /// The viewer may read the partner's audit entries.
    #[serde(default)]
    pub audit: bool,
}

/// One partner on one page for program staff: who, how far, what is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerOverview {
    pub header: PartnerHeader,
    pub approved_at_ms: Option<i64>,
    pub plan: Option<Progress>,
    pub open_tickets: usize,
    pub breached_tickets: usize,
    pub members: Vec<TeamMember>,
    pub invitations: Vec<PendingInvitation>,
    /// The latest certification steps, newest first.
    pub timeline: Vec<TimelineEntry>,
}

/// Partners per page of the managers' partner list.
pub const PARTNERS_PAGE: usize = 50;

/// The review queue, with the time it was read so pages can show waiting days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    pub now_ms: i64,
    /// One page (`QUEUE_PAGE`) of the matching applications, oldest first.
    pub items: Vec<ApplicationSummary>,
    /// 1-based page shown, of `pages`; `total` applications match.
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

/// Applications per page of the review queue.
pub const QUEUE_PAGE: usize = 50;

/// A partner organisation's people, as its team page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    pub organisation: String,
    pub members: Vec<TeamMember>,
    pub invitations: Vec<PendingInvitation>,
    /// Whether the viewer is an owner, who may invite and remove.
    pub can_manage: bool,
    pub viewer_id: i64,
}

/// A partner's home page: this month's and this year's earnings, the next
/// payout, and what needs their attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerHome {
    pub month: String,
    pub year: i32,
    /// Commission per currency.
    pub month_to_date: Vec<Money>,
    pub year_to_date: Vec<Money>,
    /// The oldest payout not yet paid.
    pub next_payout: Option<Payout>,
    pub alerts: Vec<Alert>,
}
