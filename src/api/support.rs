//! Support tickets and the SLA report. Opening a ticket and replying are
//! multipart posts handled in `server/support_http.rs` (they may carry a
//! file); the rest are server functions.

// Server functions take one argument per form field.
#![allow(clippy::too_many_arguments)]

use crate::api::error::{AppError, FieldError};
use crate::domain::certification::SupportTier;
use crate::domain::support::{MessageView, Severity, SlaCounts, TicketView};
use leptos::prelude::*;
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

#[server]
pub async fn get_support(org: Option<i64>) -> Result<SupportView, AppError> {
    use crate::server::{context::Ctx, services::support};
    crate::server::context::respond(async move { support::partner_view(&Ctx::load().await?, org).await }.await)
}

#[server]
pub async fn get_ticket(id: i64) -> Result<TicketPage, AppError> {
    use crate::server::{context::Ctx, services::support};
    crate::server::context::respond(async move { support::page(&Ctx::load().await?, id).await }.await)
}

#[server]
pub async fn get_support_queue(show: Option<String>) -> Result<QueueView, AppError> {
    use crate::server::{context::Ctx, services::support};
    crate::server::context::respond(async move { support::queue(&Ctx::load().await?, show).await }.await)
}

#[server]
pub async fn get_sla_report(month: Option<String>) -> Result<ReportView, AppError> {
    use crate::server::{context::Ctx, services::support};
    crate::server::context::respond(async move { support::report(&Ctx::load().await?, month).await }.await)
}

/// Assigns the ticket; an empty `assignee` releases it.
#[server]
pub async fn assign_ticket(id: i64, assignee: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::support};
    crate::server::context::respond(
        async move {
            let assignee = match assignee.trim() {
                "" => None,
                v => Some(v.parse::<i64>().map_err(|_| AppError::field("assignee", "Choose a partner manager."))?),
            };
            support::assign(&Ctx::load().await?, id, assignee).await?;
            leptos_axum::redirect(&format!("/support/tickets/{id}?done=assigned"));
            Ok(())
        }
        .await,
    )
}

/// Resolves the ticket. The six steps are required for Tier 1 and ignored
/// otherwise.
#[server]
pub async fn resolve_ticket(
    id: i64,
    summary: String,
    step_identification: Option<String>,
    step_impact: Option<String>,
    step_plan: Option<String>,
    step_implementation: Option<String>,
    step_verification: Option<String>,
    step_prevention: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::support::Resolution;
    use crate::server::{context::Ctx, services::support};
    crate::server::context::respond(
        async move {
            let steps = [
                ("identification", step_identification),
                ("impact", step_impact),
                ("plan", step_plan),
                ("implementation", step_implementation),
                ("verification", step_verification),
                ("prevention", step_prevention),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.unwrap_or_default()))
            .collect();
            support::resolve(&Ctx::load().await?, id, Resolution { summary, steps }).await?;
            leptos_axum::redirect(&format!("/support/tickets/{id}?done=resolved"));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn reopen_ticket(id: i64, reason: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::support};
    crate::server::context::respond(
        async move {
            support::reopen(&Ctx::load().await?, id, &reason).await?;
            leptos_axum::redirect(&format!("/support/tickets/{id}?done=reopened"));
            Ok(())
        }
        .await,
    )
}
