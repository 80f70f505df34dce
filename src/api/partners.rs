//! Applications, review and onboarding plans.
#![allow(clippy::too_many_arguments)]

use crate::domain::application::ApplicationDetail;
use crate::domain::onboarding::TemplateItem;
use crate::error::AppError;
pub use crate::views::partners::*;
use leptos::prelude::*;

/// The signed-in partner's home: earnings, the next payout, alerts.
#[server]
pub async fn get_partner_home() -> Result<PartnerHome, AppError> {
    use crate::server::{context::serve, services::home};
    serve(|ctx| async move { home::partner_home(&ctx).await }).await
}

/// Who a partner is, for the header of staff views of its pages.
#[server]
pub async fn get_partner_header(org: i64) -> Result<PartnerHeader, AppError> {
    use crate::server::{context::serve, services::partner_overview};
    serve(|ctx| async move { partner_overview::header(&ctx, org).await }).await
}

/// One partner's overview for program staff.
#[server]
pub async fn get_partner_overview(org: i64) -> Result<PartnerOverview, AppError> {
    use crate::server::{context::serve, services::partner_overview};
    serve(|ctx| async move { partner_overview::overview(&ctx, org).await }).await
}

#[server]
pub async fn submit_application(
    company: String,
    website: String,
    contact_name: String,
    email: String,
    kind: String,
    category: String,
    integration: String,
    revenue_model: String,
    pitch: String,
) -> Result<(), AppError> {
    use crate::domain::application::ApplicationInput;
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move {
        let input = ApplicationInput {
            company,
            website,
            contact_name,
            email,
            kind,
            category,
            integration,
            revenue_model,
            pitch,
        };
        partners::apply(&ctx, &input).await?;
        leptos_axum::redirect("/apply?submitted=1");
        Ok(())
    })
    .await
}

#[server]
pub async fn get_application_queue(status: String, kind: String, page: Option<usize>) -> Result<QueueView, AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move { partners::queue(&ctx, &status, &kind, page.unwrap_or(1)).await }).await
}

#[server]
pub async fn get_application_review(id: i64) -> Result<Review, AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move { partners::review(&ctx, id).await }).await
}

#[server]
pub async fn score_application(
    id: i64,
    strategic_alignment: String,
    market_impact: String,
    technical_compatibility: String,
    operational_feasibility: String,
    financial_value: String,
    strategic_alignment_note: String,
    market_impact_note: String,
    technical_compatibility_note: String,
    operational_feasibility_note: String,
    financial_value_note: String,
) -> Result<(), AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move {
        partners::score(
            &ctx,
            id,
            [
                &strategic_alignment,
                &market_impact,
                &technical_compatibility,
                &operational_feasibility,
                &financial_value,
            ],
            [
                &strategic_alignment_note,
                &market_impact_note,
                &technical_compatibility_note,
                &operational_feasibility_note,
                &financial_value_note,
            ],
        )
        .await?;
        leptos_axum::redirect(&format!("/manager/applications/{id}?scored=1"));
        Ok(())
    })
    .await
}

#[server]
pub async fn decide_application(id: i64, version: i64, decision: String, text: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move {
        partners::decide(&ctx, id, version, &decision, &text).await?;
        leptos_axum::redirect(&format!("/manager/applications/{id}?decided=1"));
        Ok(())
    })
    .await
}

#[server]
pub async fn get_my_application() -> Result<Option<ApplicationDetail>, AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move { partners::my_application(&ctx).await }).await
}

#[server]
pub async fn answer_application(answer: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move {
        partners::answer(&ctx, &answer).await?;
        leptos_axum::redirect("/application?answered=1");
        Ok(())
    })
    .await
}

#[server]
pub async fn get_onboarding_plan(org: Option<i64>) -> Result<PlanView, AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move { partners::plan(&ctx, org).await }).await
}

#[server]
pub async fn set_plan_item(org: i64, item: i64, done: bool, back: String) -> Result<(), AppError> {
    use crate::domain::account::safe_redirect_target;
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move {
        partners::set_item(&ctx, org, item, done).await?;
        leptos_axum::redirect(&safe_redirect_target(Some(&back)));
        Ok(())
    })
    .await
}

#[server]
pub async fn get_partners_overview(
    sort: String,
    dir: Option<String>,
    q: Option<String>,
    page: Option<usize>,
) -> Result<PartnersOverview, AppError> {
    use crate::server::{context::serve, services::partners};
    let (dir, q) = (dir.unwrap_or_default(), q.unwrap_or_default());
    serve(|ctx| async move { partners::partners(&ctx, &sort, &dir, &q, page.unwrap_or(1)).await }).await
}

#[server]
pub async fn get_plan_template() -> Result<Vec<TemplateItem>, AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move { partners::template(&ctx).await }).await
}

#[server]
pub async fn add_template_item(phase: String, title: String, binding: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move {
        partners::add_template_item(&ctx, &phase, &title, &binding).await?;
        leptos_axum::redirect("/admin/onboarding-template?changed=1");
        Ok(())
    })
    .await
}

#[server]
pub async fn remove_template_item(id: i64) -> Result<(), AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move {
        partners::remove_template_item(&ctx, id).await?;
        leptos_axum::redirect("/admin/onboarding-template?changed=1");
        Ok(())
    })
    .await
}

#[server]
pub async fn get_team() -> Result<TeamView, AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move { partners::team(&ctx).await }).await
}

#[server]
pub async fn invite_colleague(email: String, display_name: String, org_role: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move {
        let email = partners::invite_colleague(&ctx, &email, &display_name, &org_role).await?;
        let q: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
        leptos_axum::redirect(&format!("/team?invited={q}"));
        Ok(())
    })
    .await
}

#[server]
pub async fn remove_colleague(user_id: i64) -> Result<(), AppError> {
    use crate::server::{context::serve, services::partners};
    serve(|ctx| async move {
        partners::remove_colleague(&ctx, user_id).await?;
        leptos_axum::redirect("/team?removed=1");
        Ok(())
    })
    .await
}
