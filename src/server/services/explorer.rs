//! The GraphQL explorer on Developers: a signed-in partner (or staff with
//! `?org=`) runs a read-only query against their own data, as an API key
//! with the read scopes would, without holding a key.

use crate::domain::integration::{may_create_key, Environment, Scope};
use crate::error::AppError;
use crate::server::context::{store_error, Ctx};
use crate::server::services::integration::{integration_org, ApiCaller, Credential};

/// The longest query the explorer runs.
const MAX_QUERY: usize = 10_000;

/// Runs `query` for the organisation in `env`; the answer as pretty JSON
/// (GraphQL errors included, as the API would send them).
pub async fn run(ctx: &Ctx, org: Option<i64>, env: &str, query: &str) -> Result<String, AppError> {
    let user = ctx.require_user().await?;
    let (scope, _) = integration_org(ctx, &user, org).await?;
    let env = Environment::parse(env).ok_or_else(|| AppError::field("env", "Choose sandbox or production."))?;
    if query.trim().is_empty() || query.len() > MAX_QUERY {
        return Err(AppError::field("query", format!("Write a query of at most {MAX_QUERY} characters.")));
    }
    let rec = ctx.state.store.certification(ctx.meta.brand.id, scope.id()).await.map_err(store_error)?;
    may_create_key(env, rec.ok_or(AppError::NotFound)?.state).map_err(|m| AppError::field("env", m))?;
    let caller = ApiCaller {
        credential: Credential::Portal { user_id: user.id },
        user_id: Some(user.id),
        brand_id: ctx.meta.brand.id,
        organisation_id: scope.id(),
        org: scope,
        environment: env,
        // Whoever opens Developers also reads the revenue pages, so the
        // explorer reads revenue too (in production, as the API does).
        scopes: vec![Scope::AgentsRead, Scope::CertificationRead, Scope::WebhooksManage, Scope::RevenueRead],
    };
    let request = async_graphql::Request::new(query).data(ctx.state.clone()).data(caller);
    let response = crate::server::graphql::schema().execute(request).await;
    serde_json::to_string_pretty(&response).map_err(|e| crate::server::context::internal(e.to_string()))
}
