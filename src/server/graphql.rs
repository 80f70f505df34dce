//! GraphQL at `/api/graphql` (async-graphql), read only, over the same
//! services as the REST API: the caller, agents with their trust scores and
//! history (cursor pagination), certification with its timeline, and
//! webhook subscriptions with their deliveries. It sits behind the API's
//! gate, so authentication (API keys and OAuth tokens), rate limits, the
//! request log and tenancy are the REST API's; a missing scope answers with
//! the REST code `insufficient_scope` in the error's `extensions.code`.
//! Depth and complexity are limited so one query cannot ask for the world.

use crate::domain::integration::{AgentView, Scope, TrustChange};
use crate::error::AppError;
use crate::server::services::integration::{self as svc, ApiCaller};
use crate::server::services::webhooks;
use crate::server::state::AppState;
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, EmptyMutation, EmptySubscription, ErrorExtensions, Object, Schema, SimpleObject, ID};
use std::sync::OnceLock;

/// Deepest nesting a query may have: room for the standard introspection
/// query tools send (its type references nest about a dozen deep), none
/// for anything deeper.
pub const MAX_DEPTH: usize = 15;
/// Most fields a query may ask for, each list counted by its page size.
pub const MAX_COMPLEXITY: usize = 2_000;
/// Largest page of a list.
pub const MAX_PAGE: i32 = 100;

pub type ApiSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// The schema, built once.
pub fn schema() -> &'static ApiSchema {
    static SCHEMA: OnceLock<ApiSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        Schema::build(Query, EmptyMutation, EmptySubscription)
            .limit_depth(MAX_DEPTH)
            .limit_complexity(MAX_COMPLEXITY)
            .finish()
    })
}

/// The schema in the GraphQL schema language, for download.
pub fn sdl() -> String {
    schema().sdl()
}

/// An error with the REST API's code.
fn coded(code: &'static str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message.into()).extend_with(|_, e| e.set("code", code))
}

fn app_error(e: AppError) -> async_graphql::Error {
    match e {
        AppError::NotFound => coded("not_found", "Not found."),
        AppError::Forbidden => coded("forbidden", "Not allowed."),
        AppError::Invalid(fields) => coded(
            "invalid_request",
            fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "),
        ),
        other => {
            tracing::error!(error = %other, "graphql");
            coded("internal", "Something went wrong on our side.")
        }
    }
}

struct Caller<'a> {
    state: &'a AppState,
    caller: &'a ApiCaller,
}

fn caller<'a>(ctx: &'a Context<'_>, scope: Option<Scope>) -> async_graphql::Result<Caller<'a>> {
    let state = ctx.data::<AppState>()?;
    let caller = ctx.data::<ApiCaller>()?;
    if let Some(s) = scope {
        if !caller.scopes.contains(&s) {
            return Err(coded("insufficient_scope", format!("This needs the {} scope.", s.key())));
        }
    }
    Ok(Caller { state, caller })
}

fn rfc3339(ms: i64) -> String {
    crate::domain::format::rfc3339_ms(ms)
}

pub struct Query;

#[Object]
impl Query {
    /// The caller: organisation, environment and scopes. Needs no scope.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Me> {
        let c = caller(ctx, None)?;
        let p = svc::caller_profile(c.state, c.caller).await.map_err(app_error)?;
        Ok(Me {
            organisation: p.organisation,
            environment: c.caller.environment.key().into(),
            scopes: c.caller.scopes.iter().map(|s| s.key().to_owned()).collect(),
            certification_state: p.cert_state.key().into(),
        })
    }

    /// The environment's agents, oldest first, a page at a time: `first`
    /// (at most 100, default 20) after the cursor `after`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, MAX_PAGE) as usize * child_complexity")]
    async fn agents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Agent>> {
        let c = caller(ctx, Some(Scope::AgentsRead))?;
        let first = first.unwrap_or(20);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(coded("invalid_request", format!("`first` must be 1 to {MAX_PAGE}.")));
        }
        let mut all = svc::list_agents(c.state, c.caller).await.map_err(app_error)?;
        all.sort_by(|a, b| (a.created_at_ms, &a.id).cmp(&(b.created_at_ms, &b.id)));
        let start = match after {
            Some(cursor) => match all.iter().position(|a| a.id == cursor) {
                Some(i) => i + 1,
                None => return Err(coded("invalid_request", "Unknown cursor.")),
            },
            None => 0,
        };
        let end = (start + first as usize).min(all.len());
        let mut page = Connection::new(start > 0, end < all.len());
        page.edges.extend(all.drain(start..end).map(|a| Edge::new(a.id.clone(), Agent(a))));
        Ok(page)
    }

    /// One agent by its id (`agt_…`).
    async fn agent(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Agent> {
        let c = caller(ctx, Some(Scope::AgentsRead))?;
        Ok(Agent(svc::agent(c.state, c.caller, &id).await.map_err(app_error)?))
    }

    /// The partner's certification state and its timeline.
    async fn certification(&self, ctx: &Context<'_>) -> async_graphql::Result<Certification> {
        let c = caller(ctx, Some(Scope::CertificationRead))?;
        let store = &c.state.store;
        let (brand, org) = (c.caller.brand_id, c.caller.organisation_id);
        let rec =
            store.certification(brand, org).await.map_err(|e| app_error(crate::server::context::store_error(e)))?;
        let rec = rec.ok_or_else(|| app_error(AppError::NotFound))?;
        let history = store
            .certification_history(brand, org)
            .await
            .map_err(|e| app_error(crate::server::context::store_error(e)))?;
        Ok(Certification {
            state: rec.state.key().into(),
            since: rfc3339(rec.state_since_ms),
            certified_at: rec.certified_at_ms.map(rfc3339),
            timeline: history
                .into_iter()
                .map(|t| CertStep { from: t.from.key().into(), to: t.to.key().into(), at: rfc3339(t.at_ms) })
                .collect(),
        })
    }

    /// The environment's webhook subscriptions.
    async fn webhooks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Subscription>> {
        let c = caller(ctx, Some(Scope::WebhooksManage))?;
        let list = webhooks::list(c.state, c.caller.org, Some(c.caller.environment)).await.map_err(app_error)?;
        Ok(list.into_iter().map(Subscription).collect())
    }
}

#[derive(SimpleObject)]
pub struct Me {
    organisation: String,
    environment: String,
    scopes: Vec<String>,
    certification_state: String,
}

pub struct Agent(AgentView);

#[Object]
impl Agent {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn environment(&self) -> &str {
        self.0.environment.key()
    }
    async fn external_ref(&self) -> Option<&str> {
        self.0.external_ref.as_deref()
    }
    /// 0 to 1000; new agents start at 500.
    async fn trust_score(&self) -> i64 {
        self.0.trust_score
    }
    async fn events(&self) -> i64 {
        self.0.events
    }
    async fn created_at(&self) -> String {
        rfc3339(self.0.created_at_ms)
    }
    /// The latest changes of its score, newest first (at most 50).
    #[graphql(complexity = "last.unwrap_or(10).clamp(1, 50) as usize * child_complexity")]
    async fn history(&self, ctx: &Context<'_>, last: Option<i32>) -> async_graphql::Result<Vec<TrustPoint>> {
        let c = caller(ctx, Some(Scope::AgentsRead))?;
        let n = last.unwrap_or(10).clamp(1, 50) as usize;
        let (_, history) = svc::trust(c.state, c.caller, &self.0.id).await.map_err(app_error)?;
        Ok(history.into_iter().take(n).map(TrustPoint::from).collect())
    }
}

#[derive(SimpleObject)]
pub struct TrustPoint {
    event_id: String,
    outcome: String,
    score_before: i64,
    score_after: i64,
    at: String,
}

impl From<TrustChange> for TrustPoint {
    fn from(h: TrustChange) -> Self {
        TrustPoint {
            event_id: h.event_id,
            outcome: h.outcome.key().into(),
            score_before: h.score_before,
            score_after: h.score_after,
            at: rfc3339(h.at_ms),
        }
    }
}

#[derive(SimpleObject)]
pub struct Certification {
    state: String,
    since: String,
    certified_at: Option<String>,
    timeline: Vec<CertStep>,
}

#[derive(SimpleObject)]
pub struct CertStep {
    from: String,
    to: String,
    at: String,
}

pub struct Subscription(crate::domain::integration::SubscriptionView);

#[Object]
impl Subscription {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    async fn patterns(&self) -> &[String] {
        &self.0.patterns
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Its latest deliveries, newest first (at most 50).
    #[graphql(complexity = "last.unwrap_or(10).clamp(1, 50) as usize * child_complexity")]
    async fn deliveries(&self, ctx: &Context<'_>, last: Option<i32>) -> async_graphql::Result<Vec<Delivery>> {
        let c = caller(ctx, Some(Scope::WebhooksManage))?;
        let n = i64::from(last.unwrap_or(10).clamp(1, 50));
        let sub = webhooks::find(c.state, c.caller.org, &self.0.id).await.map_err(app_error)?;
        let list = c
            .state
            .store
            .deliveries(sub.id, i64::MAX, false, n)
            .await
            .map_err(|e| app_error(crate::server::context::store_error(e)))?;
        Ok(list
            .into_iter()
            .map(|(d, _)| Delivery {
                id: d.id,
                event_type: d.event_type,
                status: d.status.key().into(),
                attempts: d.attempts,
                last_response_status: d.last_response_status,
                created_at: rfc3339(d.created_at_ms),
            })
            .collect())
    }
}

#[derive(SimpleObject)]
pub struct Delivery {
    id: i64,
    event_type: String,
    status: String,
    attempts: i64,
    last_response_status: Option<i64>,
    created_at: String,
}
