//! Developer pages: API keys, agents and trust scores, API traffic, webhook
//! subscriptions and their deliveries; and white-label customers' agents.

// Server functions take one argument per form field.
#![allow(clippy::too_many_arguments)]

use crate::api::error::AppError;
use crate::domain::integration::{
    AgentView, ApiKeyView, AttemptView, DeliveryView, Environment, RequestLogEntry, SubscriptionView, TrafficHour,
    TrafficSummary, TrustChange,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeveloperView {
    pub organisation_id: i64,
    pub organisation: String,
    /// Owners manage keys and subscriptions; others look.
    pub can_manage: bool,
    /// Why production keys are not available yet, if they are not.
    pub production_refusal: Option<String>,
    pub keys: Vec<ApiKeyView>,
    /// A key created a moment ago: (id, the whole key), shown this once.
    pub new_key: Option<(i64, String)>,
    pub sandbox_agents: i64,
    pub sandbox_events_today: i64,
    pub agent_limit: i64,
    pub event_limit: i64,
    pub day_resets_at_ms: i64,
    pub week_resets_at_ms: i64,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentsView {
    pub organisation_id: i64,
    pub environment: Environment,
    pub can_manage: bool,
    pub agents: Vec<AgentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficView {
    pub organisation_id: i64,
    pub sandbox: TrafficSummary,
    pub production: TrafficSummary,
    pub hours: Vec<TrafficHour>,
    pub recent: Vec<RequestLogEntry>,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksView {
    pub organisation_id: i64,
    pub can_manage: bool,
    pub subscriptions: Vec<SubscriptionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLine {
    pub delivery: DeliveryView,
    pub attempts: Vec<AttemptView>,
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionDetail {
    pub organisation_id: i64,
    pub can_manage: bool,
    pub subscription: SubscriptionView,
    /// The signing secret, for owners only.
    pub secret: Option<String>,
    pub deliveries: Vec<DeliveryLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerAgent {
    pub agent: AgentView,
    pub recent: Vec<TrustChange>,
}

#[cfg(feature = "ssr")]
fn back(org: Option<i64>, path: &str, flag: &str) -> String {
    match org {
        Some(o) => format!("{path}?org={o}&{flag}"),
        None => format!("{path}?{flag}"),
    }
}

#[server]
pub async fn get_developer(org: Option<i64>) -> Result<DeveloperView, AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(async move { integration::developer_view(&Ctx::load().await?, org).await }.await)
}

/// Scopes arrive as one checkbox each, so the form works without JavaScript.
#[server]
pub async fn create_api_key(
    org: Option<i64>,
    name: String,
    environment: String,
    agents_read: Option<String>,
    agents_write: Option<String>,
    events_write: Option<String>,
    webhooks_manage: Option<String>,
    certification_read: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::integration::Scope;
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(
        async move {
            let scopes: Vec<String> = [
                (agents_read, Scope::AgentsRead),
                (agents_write, Scope::AgentsWrite),
                (events_write, Scope::EventsWrite),
                (webhooks_manage, Scope::WebhooksManage),
                (certification_read, Scope::CertificationRead),
            ]
            .into_iter()
            .filter(|(v, _)| v.is_some())
            .map(|(_, s)| s.key().to_owned())
            .collect();
            // Each result has its own address, so the page loads (and takes
            // the shown-once key from the session) exactly once.
            let id = integration::create_key(&Ctx::load().await?, org, &name, &environment, &scopes).await?;
            leptos_axum::redirect(&back(org, "/developers", &format!("created={id}")));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn rotate_api_key(org: Option<i64>, id: i64, grace: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(
        async move {
            let new_id = integration::rotate_key(&Ctx::load().await?, org, id, &grace).await?;
            leptos_axum::redirect(&back(org, "/developers", &format!("rotated={new_id}")));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn revoke_api_key(org: Option<i64>, id: i64) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(
        async move {
            integration::revoke_key(&Ctx::load().await?, org, id).await?;
            leptos_axum::redirect(&back(org, "/developers", &format!("revoked={id}")));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn simulate_events(org: Option<i64>, count: i64) -> Result<usize, AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(
        async move {
            let n = integration::simulate(&Ctx::load().await?, org, count).await?;
            leptos_axum::redirect(&back(org, "/developers/agents", &format!("simulated={n}")));
            Ok(n)
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn env_or_sandbox(env: Option<String>) -> Environment {
    env.as_deref().and_then(Environment::parse).unwrap_or(Environment::Sandbox)
}

#[server]
pub async fn get_agents(org: Option<i64>, env: Option<String>) -> Result<AgentsView, AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(
        async move { integration::agents_page(&Ctx::load().await?, org, env_or_sandbox(env)).await }.await,
    )
}

#[server]
pub async fn get_agent(
    org: Option<i64>,
    env: Option<String>,
    id: String,
) -> Result<(AgentView, Vec<TrustChange>), AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(
        async move { integration::agent_page(&Ctx::load().await?, org, env_or_sandbox(env), &id).await }.await,
    )
}

#[server]
pub async fn get_traffic(org: Option<i64>) -> Result<TrafficView, AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(async move { integration::traffic(&Ctx::load().await?, org).await }.await)
}

#[server]
pub async fn get_webhooks(org: Option<i64>) -> Result<WebhooksView, AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(async move { integration::webhooks_page(&Ctx::load().await?, org).await }.await)
}

#[server]
pub async fn create_webhook(
    org: Option<i64>,
    environment: String,
    url: String,
    patterns: String,
) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(
        async move {
            let id = integration::create_webhook(&Ctx::load().await?, org, &environment, &url, &patterns).await?;
            leptos_axum::redirect(&back(org, &format!("/developers/webhooks/{id}"), "created=1"));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn get_webhook(org: Option<i64>, id: String) -> Result<SubscriptionDetail, AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(async move { integration::webhook_page(&Ctx::load().await?, org, &id).await }.await)
}

/// One form for every action on a subscription: `delete`, `rotate`,
/// `test`, `enable`, `disable`, or `replay` (with `delivery`).
#[server]
pub async fn webhook_action(
    org: Option<i64>,
    id: String,
    action: String,
    delivery: Option<i64>,
) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(
        async move {
            let flag = integration::webhook_action(&Ctx::load().await?, org, &id, &action, delivery).await?;
            let path = if action == "delete" {
                "/developers/webhooks".to_owned()
            } else {
                format!("/developers/webhooks/{id}")
            };
            leptos_axum::redirect(&back(org, &path, &format!("done={flag}")));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn get_customer_agents() -> Result<Vec<CustomerAgent>, AppError> {
    use crate::server::{context::Ctx, services::integration};
    crate::server::context::respond(
        async move {
            let list = integration::customer_agents(&Ctx::load().await?).await?;
            Ok(list.into_iter().map(|(agent, recent)| CustomerAgent { agent, recent }).collect())
        }
        .await,
    )
}

/// The API's OpenAPI document, for the reference page.
#[server]
pub async fn get_openapi() -> Result<String, AppError> {
    Ok(crate::server::api_v1::openapi_json())
}
