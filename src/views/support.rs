//! What the support pages receive from the server: the types its server
//! functions return and its services build.

use crate::domain::certification::SupportTier;
use crate::domain::listing::Order;
use crate::domain::support::{MessageView, Severity, SlaCounts, TicketView};
use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// A failed opening attempt, shown again with its errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDraft {
    pub subject: String,
    pub severity: String,
    pub description: String,
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportView {
    pub organisation_id: i64,
    pub organisation: String,
    pub tier: SupportTier,
    /// First-response target in minutes per severity, for a ticket opened now.
    pub targets: Vec<(Severity, i64)>,
    /// Partners open tickets; staff looking at a partner only read.
    pub may_open: bool,
    pub tickets: Vec<TicketView>,
    pub draft: Option<TicketDraft>,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketPage {
    pub ticket: TicketView,
    pub messages: Vec<MessageView>,
    /// Staff who can hold the ticket (for staff viewers only).
    pub staff: Vec<(i64, String)>,
    pub is_staff: bool,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    /// `open`, `resolved`, or none for all.
    pub show: Option<String>,
    pub tickets: Vec<TicketView>,
    pub now_ms: i64,
    /// The search as applied (subject or partner), if any.
    #[serde(default)]
    pub search: Option<String>,
    pub order: Order,
    /// 1-based page shown, of `pages`; `total` tickets match.
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub month: String,
    pub label: String,
    pub previous: String,
    pub next: Option<String>,
    pub tiers: Vec<(SupportTier, SlaCounts)>,
    pub total: SlaCounts,
}
