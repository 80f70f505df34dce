//! Customer referrals and leads: the contact form of a partner's page, a
//! partner's leads, and the managers' view where leads are offered on.
// Server functions take a form's fields one by one.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
pub use crate::views::leads::*;
use leptos::prelude::*;

/// A visitor asks the partner of page `slug` (or, with `slug` empty, the
/// program's partner team) to contact them. `website` is a trap no person
/// sees; `started` is the form's signed drawing time.
#[server]
pub async fn ask_for_contact(
    slug: String,
    company: String,
    name: String,
    email: String,
    country: String,
    need: String,
    consent: Option<String>,
    website: Option<String>,
    started: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::leads::ReferralInput;
    use crate::server::{context::serve, services::leads};
    let input = ReferralInput { company, name, email, country, need, consent: consent.is_some() };
    serve(|ctx| async move {
        let trap = website.unwrap_or_default();
        leads::refer(&ctx, &slug, &input, &trap, started.as_deref().unwrap_or_default()).await?;
        // An empty `slug` asked the program, from the directory.
        let page = if slug.is_empty() { "/marketplace".to_owned() } else { format!("/marketplace/{slug}") };
        leptos_axum::redirect(&format!("{page}?asked=1#contact"));
        Ok(())
    })
    .await
}

#[server]
pub async fn get_leads(org: Option<i64>) -> Result<LeadsPage, AppError> {
    use crate::server::{context::serve, services::leads};
    serve(|ctx| async move { leads::partner_leads(&ctx, org).await }).await
}

/// A partner's step on lead `id` (seen at `version`).
#[server]
pub async fn act_on_lead(id: i64, version: i64, action: String, reason: Option<String>) -> Result<(), AppError> {
    use crate::server::{context::serve, services::leads};
    serve(|ctx| async move {
        let to = leads::act(&ctx, id, version, &action, reason.as_deref().unwrap_or_default()).await?;
        leptos_axum::redirect(&format!("/leads?moved={}#lead-{id}", to.key()));
        Ok(())
    })
    .await
}

#[server]
pub async fn get_program_leads() -> Result<ProgramLeads, AppError> {
    use crate::server::{context::serve, services::leads};
    serve(|ctx| async move { leads::program_leads(&ctx).await }).await
}

/// A manager offers lead `id` (seen at `version`) to partner `organisation`.
#[server]
pub async fn route_lead(id: i64, version: i64, organisation: Option<i64>) -> Result<(), AppError> {
    use crate::server::{context::serve, services::leads};
    serve(|ctx| async move {
        let Some(org) = organisation else {
            return Err(AppError::field("organisation", "Choose a partner."));
        };
        leads::route(&ctx, id, version, org).await?;
        leptos_axum::redirect("/manager/leads?routed=1");
        Ok(())
    })
    .await
}
