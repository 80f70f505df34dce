//! Applications, review and onboarding plans.

// A server function takes one argument per form field, so forms with many
// fields make functions with many arguments, in both the server and the
// browser code the macro generates.
#![allow(clippy::too_many_arguments)]

use crate::api::error::AppError;
use crate::domain::account::{PendingInvitation, TeamMember};
use crate::domain::application::{ApplicationDetail, ApplicationSummary};
use crate::domain::evaluation::Summary;
use crate::domain::onboarding::{Phase, PlanItem, Progress, Stall, TemplateItem};
use crate::domain::terms::Terms;
use leptos::prelude::*;
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
    pub partners: Vec<PartnerRow>,
    pub stalls: Vec<Stall>,
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
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(
        async move {
            let ctx = Ctx::load().await?;
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
        }
        .await,
    )
}

/// The review queue, with the time it was read so pages can show waiting days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    pub now_ms: i64,
    pub items: Vec<ApplicationSummary>,
}

#[server]
pub async fn get_application_queue(status: String, kind: String) -> Result<QueueView, AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(
        async move {
            let ctx = Ctx::load().await?;
            let items = partners::queue(&ctx, &status, &kind).await?;
            Ok(QueueView { now_ms: ctx.now().timestamp_millis(), items })
        }
        .await,
    )
}

#[server]
pub async fn get_application_review(id: i64) -> Result<Review, AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(async move { partners::review(&Ctx::load().await?, id).await }.await)
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
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(
        async move {
            let ctx = Ctx::load().await?;
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
        }
        .await,
    )
}

#[server]
pub async fn decide_application(id: i64, version: i64, decision: String, text: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(
        async move {
            let ctx = Ctx::load().await?;
            partners::decide(&ctx, id, version, &decision, &text).await?;
            leptos_axum::redirect(&format!("/manager/applications/{id}?decided=1"));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn get_my_application() -> Result<Option<ApplicationDetail>, AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(async move { partners::my_application(&Ctx::load().await?).await }.await)
}

#[server]
pub async fn answer_application(answer: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(
        async move {
            partners::answer(&Ctx::load().await?, &answer).await?;
            leptos_axum::redirect("/application?answered=1");
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn get_onboarding_plan(org: Option<i64>) -> Result<PlanView, AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(async move { partners::plan(&Ctx::load().await?, org).await }.await)
}

#[server]
pub async fn set_plan_item(org: i64, item: i64, done: bool, back: String) -> Result<(), AppError> {
    use crate::domain::account::safe_redirect_target;
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(
        async move {
            partners::set_item(&Ctx::load().await?, org, item, done).await?;
            leptos_axum::redirect(&safe_redirect_target(Some(&back)));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn get_partners_overview(sort: String) -> Result<PartnersOverview, AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(async move { partners::partners(&Ctx::load().await?, &sort).await }.await)
}

#[server]
pub async fn get_plan_template() -> Result<Vec<TemplateItem>, AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(async move { partners::template(&Ctx::load().await?).await }.await)
}

#[server]
pub async fn add_template_item(phase: String, title: String, binding: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(
        async move {
            partners::add_template_item(&Ctx::load().await?, &phase, &title, &binding).await?;
            leptos_axum::redirect("/admin/onboarding-template?changed=1");
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn remove_template_item(id: i64) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(
        async move {
            partners::remove_template_item(&Ctx::load().await?, id).await?;
            leptos_axum::redirect("/admin/onboarding-template?changed=1");
            Ok(())
        }
        .await,
    )
}

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

#[server]
pub async fn get_team() -> Result<TeamView, AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(async move { partners::team(&Ctx::load().await?).await }.await)
}

#[server]
pub async fn invite_colleague(email: String, display_name: String, org_role: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(
        async move {
            let email = partners::invite_colleague(&Ctx::load().await?, &email, &display_name, &org_role).await?;
            let q: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
            leptos_axum::redirect(&format!("/team?invited={q}"));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn remove_colleague(user_id: i64) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::partners};
    crate::server::context::respond(
        async move {
            partners::remove_colleague(&Ctx::load().await?, user_id).await?;
            leptos_axum::redirect("/team?removed=1");
            Ok(())
        }
        .await,
    )
}
