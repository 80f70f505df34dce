//! Developer pages: API keys, agents and trust scores, API traffic, webhook
//! subscriptions and their deliveries; and white-label customers' agents.
#![allow(clippy::too_many_arguments)]

use crate::domain::integration::{AgentView, TrustChange};
use crate::error::AppError;
pub use crate::views::integration::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn back(org: Option<i64>, path: &str, flag: &str) -> String {
    match org {
        Some(o) => format!("{path}?org={o}&{flag}"),
        None => format!("{path}?{flag}"),
    }
}

/// The scopes a form's checkboxes chose, one checkbox per scope in
/// `Scope::ALL`'s order (the forms work without JavaScript).
#[cfg(feature = "ssr")]
pub(crate) fn checked_scopes(boxes: [Option<String>; 9]) -> Vec<String> {
    use crate::domain::integration::Scope;
    Scope::ALL.iter().zip(boxes).filter(|(_, v)| v.is_some()).map(|(s, _)| s.key().to_owned()).collect()
}

#[server]
pub async fn get_developer(org: Option<i64>) -> Result<DeveloperView, AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move { integration::developer_view(&ctx, org).await }).await
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
    leads_read: Option<String>,
    deals_read: Option<String>,
    deals_write: Option<String>,
    revenue_read: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move {
        let scopes = checked_scopes([
            agents_read,
            agents_write,
            events_write,
            webhooks_manage,
            certification_read,
            leads_read,
            deals_read,
            deals_write,
            revenue_read,
        ]);
        // Each result has its own address, so the page loads (and takes
        // the shown-once key from the session) exactly once.
        let id = integration::create_key(&ctx, org, &name, &environment, &scopes).await?;
        leptos_axum::redirect(&back(org, "/developers", &format!("created={id}")));
        Ok(())
    })
    .await
}

#[server]
pub async fn rotate_api_key(org: Option<i64>, id: i64, grace: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move {
        let new_id = integration::rotate_key(&ctx, org, id, &grace).await?;
        leptos_axum::redirect(&back(org, "/developers", &format!("rotated={new_id}")));
        Ok(())
    })
    .await
}

#[server]
pub async fn revoke_api_key(org: Option<i64>, id: i64) -> Result<(), AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move {
        integration::revoke_key(&ctx, org, id).await?;
        leptos_axum::redirect(&back(org, "/developers", &format!("revoked={id}")));
        Ok(())
    })
    .await
}

#[server]
pub async fn simulate_events(org: Option<i64>, count: i64) -> Result<usize, AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move {
        let n = integration::simulate(&ctx, org, count).await?;
        leptos_axum::redirect(&back(org, "/developers/agents", &format!("simulated={n}")));
        Ok(n)
    })
    .await
}

#[cfg(feature = "ssr")]
fn env_or_sandbox(env: Option<String>) -> crate::domain::integration::Environment {
    use crate::domain::integration::Environment;
    env.as_deref().and_then(Environment::parse).unwrap_or(Environment::Sandbox)
}

#[server]
pub async fn get_agents(org: Option<i64>, env: Option<String>) -> Result<AgentsView, AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move { integration::agents_page(&ctx, org, env_or_sandbox(env)).await }).await
}

#[server]
pub async fn get_agent(
    org: Option<i64>,
    env: Option<String>,
    id: String,
) -> Result<(AgentView, Vec<TrustChange>), AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move { integration::agent_page(&ctx, org, env_or_sandbox(env), &id).await }).await
}

#[server]
pub async fn get_traffic(org: Option<i64>) -> Result<TrafficView, AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move { integration::traffic(&ctx, org).await }).await
}

#[server]
pub async fn get_webhooks(org: Option<i64>) -> Result<WebhooksView, AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move { integration::webhooks_page(&ctx, org).await }).await
}

#[server]
pub async fn create_webhook(
    org: Option<i64>,
    environment: String,
    url: String,
    patterns: String,
) -> Result<(), AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move {
        let id = integration::create_webhook(&ctx, org, &environment, &url, &patterns).await?;
        leptos_axum::redirect(&back(org, &format!("/developers/webhooks/{id}"), "created=1"));
        Ok(())
    })
    .await
}

#[server]
pub async fn get_webhook(
    org: Option<i64>,
    id: String,
    before: Option<i64>,
    failed: Option<bool>,
) -> Result<SubscriptionDetail, AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move { integration::webhook_page(&ctx, org, &id, before, failed.unwrap_or(false)).await }).await
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
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move {
        let flag = integration::webhook_action(&ctx, org, &id, &action, delivery).await?;
        let path =
            if action == "delete" { "/developers/webhooks".to_owned() } else { format!("/developers/webhooks/{id}") };
        leptos_axum::redirect(&back(org, &path, &format!("done={flag}")));
        Ok(())
    })
    .await
}

#[server]
pub async fn get_customer_agents() -> Result<Vec<CustomerAgent>, AppError> {
    use crate::server::{context::serve, services::integration};
    serve(|ctx| async move {
        let list = integration::customer_agents(&ctx).await?;
        Ok(list.into_iter().map(|(agent, recent)| CustomerAgent { agent, recent }).collect())
    })
    .await
}

/// The API's OpenAPI document, for the reference page.
#[server]
pub async fn get_openapi() -> Result<String, AppError> {
    Ok(crate::server::api_v1::openapi_json())
}

/// Runs a read-only GraphQL query for the partner on the explorer page.
#[server]
pub async fn run_graphql(org: Option<i64>, env: String, query: String) -> Result<String, AppError> {
    use crate::server::{context::serve, services::explorer};
    serve(|ctx| async move { explorer::run(&ctx, org, &env, &query).await }).await
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::checked_scopes;
    use crate::domain::integration::Scope;

    /// The key and app forms pass their checkboxes to `checked_scopes` in
    /// this order, one parameter each; a scope added to `Scope` needs its
    /// parameter there too, in the same place.
    const FORM_FIELDS: [&str; 9] = [
        "agents_read",
        "agents_write",
        "events_write",
        "webhooks_manage",
        "certification_read",
        "leads_read",
        "deals_read",
        "deals_write",
        "revenue_read",
    ];

    #[test]
    fn each_scope_checkbox_is_read_as_its_own_scope() {
        let fields: Vec<String> = Scope::ALL.iter().map(|s| s.key().replace(':', "_")).collect();
        assert_eq!(fields, FORM_FIELDS, "the forms' parameters follow Scope::ALL");
        for (i, scope) in Scope::ALL.iter().enumerate() {
            let mut boxes: [Option<String>; 9] = Default::default();
            boxes[i] = Some("on".into());
            assert_eq!(checked_scopes(boxes), vec![scope.key().to_owned()]);
        }
    }
}
