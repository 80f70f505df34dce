//! Revenue share: dashboards, statements, terms, recorded revenue and
//! payouts. The CSV import (a file upload) and the statement download are
//! plain HTTP handlers in `server/revenue_http.rs`.
#![allow(clippy::too_many_arguments)]

use crate::api::error::AppError;
use crate::domain::ledger::{CustomerFigure, ImportRecord, Month, Payout, Statement, StatementLine};
use crate::domain::revenue::{Currency, Money};
use crate::domain::terms::TermsVersion;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One currency's figures for the months of a chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub currency: Currency,
    /// (month, revenue, commission) for every month shown, zeros included.
    pub points: Vec<(Month, i64, i64)>,
}

/// A reseller's progress through this quarter's volume-bonus schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BonusProgress {
    pub quarter: String,
    pub revenue: Money,
    /// The bonus reached so far (paid when the quarter closes).
    pub reached: Money,
    /// (threshold, still to go, bonus it pays).
    pub next: Option<(Money, Money, Money)>,
    pub has_schedule: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueDashboard {
    pub organisation_id: i64,
    pub organisation: String,
    pub now: Month,
    /// Commission this month and this year, per currency.
    pub month_to_date: Vec<Money>,
    pub year_to_date: Vec<Money>,
    pub trend: Vec<Series>,
    pub customers: Vec<CustomerFigure>,
    pub statements: Vec<Statement>,
    pub terms: Vec<TermsVersion>,
    /// The version in force today.
    pub current_version: Option<i64>,
    pub bonus: Option<BonusProgress>,
    /// Staff see the terms editor.
    pub can_manage: bool,
    pub today: String,
}

/// One partner's place in a ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    pub organisation_id: i64,
    pub organisation: String,
    pub revenue: Money,
    pub commission: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramView {
    pub now: Month,
    pub trend: Vec<Series>,
    pub by_revenue: Vec<Ranked>,
    pub by_commission: Vec<Ranked>,
    pub payouts_pending: Vec<Payout>,
    pub payouts_approved: Vec<Payout>,
    /// Open statements of months that are over, oldest first.
    pub closable: Vec<Statement>,
    pub imports: Vec<ImportRecord>,
    pub partners: Vec<(i64, String)>,
    pub today: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementView {
    pub statement: Statement,
    pub lines: Vec<StatementLine>,
    pub can_manage: bool,
}

#[server]
pub async fn get_revenue_dashboard(org: Option<i64>) -> Result<RevenueDashboard, AppError> {
    use crate::server::{context::Ctx, services::revenue};
    crate::server::context::respond(async move { revenue::dashboard(&Ctx::load().await?, org).await }.await)
}

#[server]
pub async fn get_revenue_program() -> Result<ProgramView, AppError> {
    use crate::server::{context::Ctx, services::revenue};
    crate::server::context::respond(async move { revenue::program(&Ctx::load().await?).await }.await)
}

#[server]
pub async fn get_statement(id: i64) -> Result<StatementView, AppError> {
    use crate::server::{context::Ctx, services::revenue};
    crate::server::context::respond(async move { revenue::statement(&Ctx::load().await?, id).await }.await)
}

#[server]
pub async fn get_revenue_import(id: i64) -> Result<ImportRecord, AppError> {
    use crate::server::{context::Ctx, services::revenue};
    crate::server::context::respond(async move { revenue::import_record(&Ctx::load().await?, id).await }.await)
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
    use crate::server::{context::Ctx, services::revenue};
    crate::server::context::respond(
        async move {
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
            revenue::record_event(&Ctx::load().await?, raw).await?;
            leptos_axum::redirect("/manager/revenue?recorded=1");
            Ok(())
        }
        .await,
    )
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
) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::revenue};
    crate::server::context::respond(
        async move {
            let form = revenue::TermsForm {
                effective,
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
            revenue::save_terms(&Ctx::load().await?, org, form).await?;
            leptos_axum::redirect(&format!("/revenue?org={org}&terms=1"));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn close_statement(id: i64) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::revenue};
    crate::server::context::respond(
        async move {
            revenue::close(&Ctx::load().await?, id).await?;
            leptos_axum::redirect(&format!("/statements/{id}?closed=1"));
            Ok(())
        }
        .await,
    )
}

/// Closes every open statement of months that are over, oldest first.
#[server]
pub async fn close_past_statements() -> Result<usize, AppError> {
    use crate::server::{context::Ctx, services::revenue};
    crate::server::context::respond(
        async move {
            let n = revenue::close_past(&Ctx::load().await?).await?;
            leptos_axum::redirect(&format!("/manager/revenue?closed={n}"));
            Ok(n)
        }
        .await,
    )
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
    use crate::server::{context::Ctx, services::revenue};
    crate::server::context::respond(
        async move {
            revenue::payout(&Ctx::load().await?, id, version, &action, reference.as_deref().unwrap_or_default())
                .await?;
            leptos_axum::redirect(&safe_redirect_target(Some(&back)));
            Ok(())
        }
        .await,
    )
}
