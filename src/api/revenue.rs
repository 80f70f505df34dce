//! Revenue share: dashboards, statements, terms, recorded revenue and
//! payouts. The CSV import (a file upload) and the statement download are
//! plain HTTP handlers in `server/revenue_http.rs`.
#![allow(clippy::too_many_arguments)]

use crate::domain::ledger::ImportRecord;
use crate::error::AppError;
pub use crate::views::revenue::*;
use leptos::prelude::*;

#[server]
pub async fn get_revenue_dashboard(org: Option<i64>) -> Result<RevenueDashboard, AppError> {
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move { revenue::dashboard(&ctx, org).await }).await
}

#[server]
pub async fn get_revenue_program() -> Result<ProgramView, AppError> {
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move { revenue::program(&ctx).await }).await
}

/// Every statement of the program for staff, a page at a time: `show`
/// one state (`StatementShow`), partners matching `q`, ordered by `sort`.
#[server]
pub async fn get_statement_list(
    show: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    q: Option<String>,
    page: Option<usize>,
) -> Result<StatementList, AppError> {
    use crate::server::{context::serve, services::revenue};
    let (show, sort, dir, q) =
        (show.unwrap_or_default(), sort.unwrap_or_default(), dir.unwrap_or_default(), q.unwrap_or_default());
    serve(|ctx| async move { revenue::statement_list(&ctx, &show, &sort, &dir, &q, page.unwrap_or(1)).await }).await
}

#[server]
pub async fn get_statement(id: i64, page: Option<usize>) -> Result<StatementView, AppError> {
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move { revenue::statement_page(&ctx, id, page.unwrap_or(1)).await }).await
}

/// The statement with every line, for the printable statement.
#[server]
pub async fn get_statement_document(id: i64) -> Result<StatementView, AppError> {
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move { revenue::statement(&ctx, id).await }).await
}

/// The program's revenue imports, newest first, a page at a time:
/// `before` an import's id, `show` only `imported` or `refused` ones.
#[server]
pub async fn get_revenue_imports(before: Option<i64>, show: Option<String>) -> Result<ImportList, AppError> {
    use crate::server::{context::serve, services::revenue};
    let show = show.unwrap_or_default();
    serve(|ctx| async move { revenue::imports(&ctx, before, &show).await }).await
}

#[server]
pub async fn get_revenue_import(id: i64) -> Result<ImportRecord, AppError> {
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move { revenue::import_record(&ctx, id).await }).await
}

/// The manager's latest check of a revenue file (none before one).
#[server]
pub async fn get_import_check() -> Result<Option<ImportCheck>, AppError> {
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move { revenue::import_check(&ctx).await }).await
}

/// The billing feed: its connection, endpoint and attributed customers.
#[server]
pub async fn get_billing_settings() -> Result<BillingSettings, AppError> {
    use crate::server::{context::serve, services::billing};
    serve(|ctx| async move { billing::settings(&ctx).await }).await
}

/// Connects Stripe with the webhook endpoint's signing secret.
#[server]
pub async fn connect_stripe(secret: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::billing};
    serve(|ctx| async move {
        billing::connect(&ctx, &secret).await?;
        leptos_axum::redirect("/manager/revenue/billing?connected=1");
        Ok(())
    })
    .await
}

/// Attributes a Stripe customer to a partner.
#[server]
pub async fn attribute_billing_customer(customer: String, partner: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::billing};
    serve(|ctx| async move {
        billing::attribute(&ctx, &customer, &partner).await?;
        leptos_axum::redirect("/manager/revenue/billing?attributed=1");
        Ok(())
    })
    .await
}

#[server]
pub async fn remove_billing_customer(customer: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::billing};
    serve(|ctx| async move {
        billing::remove(&ctx, &customer).await?;
        leptos_axum::redirect("/manager/revenue/billing?removed=1");
        Ok(())
    })
    .await
}

/// Records one revenue event (a manager's form).
#[server]
pub async fn record_revenue_event(
    partner: i64,
    customer: String,
    date: String,
    amount: String,
    currency: String,
    kind: String,
    refunds: String,
    external_id: String,
    customer_price: String,
) -> Result<(), AppError> {
    use crate::domain::ledger::RawEvent;
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move {
        let raw = RawEvent {
            row: 1,
            partner: partner.to_string(),
            customer,
            date,
            amount,
            currency,
            kind,
            refunds,
            external_id,
            customer_price,
        };
        revenue::record_event(&ctx, raw).await?;
        leptos_axum::redirect("/manager/revenue?recorded=1");
        Ok(())
    })
    .await
}

/// A new version of a partner's terms. Rates are percentages; amounts are
/// in the terms' currency.
#[server]
pub async fn save_revenue_terms(
    org: i64,
    effective: String,
    currency: String,
    first_year: Option<String>,
    ongoing: Option<String>,
    margin: Option<String>,
    fund_budget: Option<String>,
    bonus_schedule: Option<String>,
    bounty_certified: Option<String>,
    bounty_listed: Option<String>,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move {
        let form = revenue::TermsForm {
            effective,
            reason: reason.unwrap_or_default(),
            currency,
            first_year: first_year.unwrap_or_default(),
            ongoing: ongoing.unwrap_or_default(),
            margin: margin.unwrap_or_default(),
            fund_budget: fund_budget.unwrap_or_default(),
            bonus_schedule: bonus_schedule.unwrap_or_default(),
            bounties: vec![
                ("certified", bounty_certified.unwrap_or_default()),
                ("listed", bounty_listed.unwrap_or_default()),
            ],
        };
        revenue::save_terms(&ctx, org, form).await?;
        leptos_axum::redirect(&format!("/revenue?org={org}&terms=1"));
        Ok(())
    })
    .await
}

#[server]
pub async fn close_statement(id: i64) -> Result<(), AppError> {
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move {
        revenue::close(&ctx, id).await?;
        leptos_axum::redirect(&format!("/statements/{id}?closed=1"));
        Ok(())
    })
    .await
}

/// Closes every open statement of months that are over, oldest first.
#[server]
pub async fn close_past_statements() -> Result<usize, AppError> {
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move {
        let n = revenue::close_past(&ctx).await?;
        leptos_axum::redirect(&format!("/manager/revenue?closed={n}"));
        Ok(n)
    })
    .await
}

/// Approves together the payouts the page showed waiting (all or none).
#[server]
pub async fn approve_payouts(seen: String) -> Result<usize, AppError> {
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move {
        let n = revenue::approve_payouts(&ctx, &seen).await?;
        leptos_axum::redirect(&format!("/manager/revenue?approved={n}#payouts"));
        Ok(n)
    })
    .await
}

#[server]
pub async fn move_payout(
    id: i64,
    version: i64,
    action: String,
    reference: Option<String>,
    back: String,
) -> Result<(), AppError> {
    use crate::domain::account::safe_redirect_target;
    use crate::server::{context::serve, services::revenue};
    serve(|ctx| async move {
        revenue::payout(&ctx, id, version, &action, reference.as_deref().unwrap_or_default()).await?;
        leptos_axum::redirect(&safe_redirect_target(Some(&back)));
        Ok(())
    })
    .await
}
