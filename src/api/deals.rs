//! Deal registration: a partner's deals and the form that registers one,
//! and the managers' view where registrations are approved or turned down.
// Server functions take a form's fields one by one.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
pub use crate::views::deals::*;
use leptos::prelude::*;

#[server]
pub async fn get_deals(org: Option<i64>) -> Result<DealsPage, AppError> {
    use crate::server::{context::serve, services::deals};
    serve(|ctx| async move { deals::partner_deals(&ctx, org).await }).await
}

#[server]
pub async fn register_deal(
    company: String,
    domain: String,
    contact_name: String,
    contact_email: String,
    products: String,
    value: String,
    currency: String,
    close_on: String,
) -> Result<(), AppError> {
    use crate::domain::deals::DealInput;
    use crate::server::{context::serve, services::deals};
    let input = DealInput { company, domain, contact_name, contact_email, products, value, currency, close_on };
    serve(|ctx| async move {
        let id = deals::register(&ctx, &input).await?;
        leptos_axum::redirect(&format!("/deals?registered={id}#deal-{id}"));
        Ok(())
    })
    .await
}

/// A partner closes deal `id` (seen at `version`): won, naming the
/// customer as revenue imports do, or lost.
#[server]
pub async fn close_deal(id: i64, version: i64, action: String, customer: Option<String>) -> Result<(), AppError> {
    use crate::server::{context::serve, services::deals};
    serve(|ctx| async move {
        let to = deals::close(&ctx, id, version, &action, customer.as_deref().unwrap_or_default()).await?;
        leptos_axum::redirect(&format!("/deals?moved={}#deal-{id}", to.key()));
        Ok(())
    })
    .await
}

#[server]
pub async fn get_program_deals() -> Result<ProgramDeals, AppError> {
    use crate::server::{context::serve, services::deals};
    serve(|ctx| async move { deals::program_deals(&ctx).await }).await
}

/// A manager approves or turns down deal `id` (seen at `version`).
#[server]
pub async fn decide_deal(id: i64, version: i64, action: String, note: Option<String>) -> Result<(), AppError> {
    use crate::server::{context::serve, services::deals};
    serve(|ctx| async move {
        let to = deals::decide(&ctx, id, version, &action, note.as_deref().unwrap_or_default()).await?;
        leptos_axum::redirect(&format!("/manager/deals?decided={}#deal-{id}", to.key()));
        Ok(())
    })
    .await
}
