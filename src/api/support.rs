//! Support tickets and the SLA report. Opening a ticket and replying are
//! multipart posts handled in `server/support_http.rs` (they may carry a
//! file); the rest are server functions.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
pub use crate::views::support::*;
use leptos::prelude::*;

#[server]
pub async fn get_support(org: Option<i64>) -> Result<SupportView, AppError> {
    use crate::server::{context::serve, services::support};
    serve(|ctx| async move { support::partner_view(&ctx, org).await }).await
}

#[server]
pub async fn get_ticket(id: i64) -> Result<TicketPage, AppError> {
    use crate::server::{context::serve, services::support};
    serve(|ctx| async move { support::page(&ctx, id).await }).await
}

#[server]
pub async fn get_support_queue(
    show: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<usize>,
) -> Result<QueueView, AppError> {
    use crate::server::{context::serve, services::support};
    let (q, sort, dir) = (q.unwrap_or_default(), sort.unwrap_or_default(), dir.unwrap_or_default());
    serve(|ctx| async move { support::queue(&ctx, show, &q, &sort, &dir, page.unwrap_or(1)).await }).await
}

#[server]
pub async fn get_sla_report(month: Option<String>) -> Result<ReportView, AppError> {
    use crate::server::{context::serve, services::support};
    serve(|ctx| async move { support::report(&ctx, month).await }).await
}

/// Assigns the ticket; an empty `assignee` releases it.
#[server]
pub async fn assign_ticket(id: i64, assignee: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::support};
    serve(|ctx| async move {
        let assignee = match assignee.trim() {
            "" => None,
            v => Some(v.parse::<i64>().map_err(|_| AppError::field("assignee", "Choose a partner manager."))?),
        };
        support::assign(&ctx, id, assignee).await?;
        leptos_axum::redirect(&format!("/support/tickets/{id}?done=assigned"));
        Ok(())
    })
    .await
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
    use crate::server::{context::serve, services::support};
    serve(|ctx| async move {
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
        support::resolve(&ctx, id, Resolution { summary, steps }).await?;
        leptos_axum::redirect(&format!("/support/tickets/{id}?done=resolved"));
        Ok(())
    })
    .await
}

#[server]
pub async fn reopen_ticket(id: i64, reason: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::support};
    serve(|ctx| async move {
        support::reopen(&ctx, id, &reason).await?;
        leptos_axum::redirect(&format!("/support/tickets/{id}?done=reopened"));
        Ok(())
    })
    .await
}
