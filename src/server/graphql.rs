//! GraphQL at `/api/graphql` (async-graphql), read only, over the same
//! services as the REST API: the caller, agents with their trust scores and
//! history (cursor pagination), certification with its timeline, and
//! webhook subscriptions with their deliveries, and revenue summaries and
//! statements with their lines (production only). It sits behind the API's
//! gate, so authentication (API keys and OAuth tokens), rate limits, the
//! request log and tenancy are the REST API's; a missing scope answers with
//! the REST code `insufficient_scope` in the error's `extensions.code`.
//! Depth and complexity are limited so one query cannot ask for the world.

use crate::domain::integration::{production_data, AgentView, Scope, TrustChange};
use crate::domain::ledger::{Statement as StatementRecord, StatementLine};
use crate::domain::revenue::Money as MoneyValue;
use crate::error::AppError;
use crate::server::services::integration::{self as svc, ApiCaller};
use crate::server::services::{revenue, webhooks};
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

/// A list's page size: `first`, 20 when not given, refused outside 1 to
/// `MAX_PAGE`.
fn page_size(first: Option<i32>) -> async_graphql::Result<i32> {
    let first = first.unwrap_or(20);
    if (1..=MAX_PAGE).contains(&first) {
        Ok(first)
    } else {
        Err(coded("invalid_request", format!("`first` must be 1 to {MAX_PAGE}.")))
    }
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
        let first = page_size(first)?;
        let has_previous = after.is_some();
        let (agents, more) =
            svc::agents_after(c.state, c.caller, after.as_deref(), first as usize).await.map_err(app_error)?;
        let mut page = Connection::new(has_previous, more);
        page.edges.extend(agents.into_iter().map(|a| Edge::new(a.id.clone(), Agent(a))));
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

    /// The organisation's revenue: commission this month and year, figures
    /// by month, and statements. Revenue is production data: a sandbox
    /// credential is refused with `production_only`, as leads and deals are.
    async fn revenue(&self, ctx: &Context<'_>) -> async_graphql::Result<Revenue> {
        let c = caller(ctx, Some(Scope::RevenueRead))?;
        production_data(c.caller.environment, "Revenue").map_err(|m| coded("production_only", m))?;
        let r = revenue::api_summary(c.state, c.caller).await.map_err(app_error)?;
        Ok(Revenue(r))
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

/// An amount of money: exact minor units (cents) as a string, since they
/// may pass GraphQL's 32-bit `Int`, with the currency code.
#[derive(SimpleObject)]
pub struct Money {
    /// Integer minor units, e.g. `"1050"` for 10.50 USD.
    minor_units: String,
    /// ISO 4217 code.
    currency: String,
    /// As people read it: `10.50 USD`.
    display: String,
}

impl From<MoneyValue> for Money {
    fn from(m: MoneyValue) -> Self {
        Money { minor_units: m.minor.to_string(), currency: m.currency.code().into(), display: m.to_string() }
    }
}

pub struct Revenue(revenue::ApiRevenue);

#[derive(SimpleObject)]
pub struct MonthFigure {
    /// `2026-11`.
    month: String,
    revenue: Money,
    commission: Money,
}

#[Object]
impl Revenue {
    /// Commission earned this month, one amount per currency.
    async fn month_to_date(&self) -> Vec<Money> {
        self.0.month_to_date.iter().copied().map(Money::from).collect()
    }
    /// Commission earned this calendar year, one amount per currency.
    async fn year_to_date(&self) -> Vec<Money> {
        self.0.year_to_date.iter().copied().map(Money::from).collect()
    }
    /// Revenue and commission per month and currency over the last twelve
    /// months, oldest first (months without revenue are left out).
    async fn months(&self) -> Vec<MonthFigure> {
        self.0
            .months
            .iter()
            .map(|f| MonthFigure {
                month: f.month.key(),
                revenue: MoneyValue::new(f.revenue_minor, f.currency).into(),
                commission: MoneyValue::new(f.commission_minor, f.currency).into(),
            })
            .collect()
    }
    /// Monthly statements, newest first (at most 36).
    #[graphql(complexity = "last.unwrap_or(12).clamp(1, 36) as usize * child_complexity")]
    async fn statements(&self, ctx: &Context<'_>, last: Option<i32>) -> async_graphql::Result<Vec<Statement>> {
        let c = caller(ctx, Some(Scope::RevenueRead))?;
        let n = last.unwrap_or(12).clamp(1, 36) as usize;
        let list = revenue::api_statements(c.state, c.caller).await.map_err(app_error)?;
        Ok(list.into_iter().take(n).map(Statement).collect())
    }
    /// One statement by its id.
    async fn statement(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Statement> {
        let c = caller(ctx, Some(Scope::RevenueRead))?;
        let id: i64 = id.parse().map_err(|_| app_error(AppError::NotFound))?;
        let (s, _, _) = revenue::api_statement(c.state, c.caller, id, 0, 0).await.map_err(app_error)?;
        Ok(Statement(s))
    }
}

pub struct Statement(StatementRecord);

#[Object]
impl Statement {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The month it covers, `2026-11`.
    async fn month(&self) -> String {
        self.0.month.key()
    }
    async fn currency(&self) -> &str {
        self.0.currency.code()
    }
    /// `open` while the month's lines may still change, then `closed`.
    async fn status(&self) -> &str {
        self.0.status.key()
    }
    /// The sum of its lines.
    async fn lines_total(&self) -> Money {
        MoneyValue::new(self.0.lines_total_minor, self.0.currency).into()
    }
    /// A negative balance carried in from the previous statement.
    async fn carried_in(&self) -> Money {
        MoneyValue::new(self.0.carried_in_minor, self.0.currency).into()
    }
    /// What it came to when closed.
    async fn balance(&self) -> Option<Money> {
        self.0.balance_minor.map(|b| MoneyValue::new(b, self.0.currency).into())
    }
    async fn closed_at(&self) -> Option<String> {
        self.0.closed_at_ms.map(rfc3339)
    }
    /// The payout of a closed statement with a positive balance.
    async fn payout(&self) -> Option<Payout> {
        self.0.payout.as_ref().map(|p| Payout {
            status: p.status.key().into(),
            amount: p.amount.into(),
            reference: p.reference.clone(),
            paid_at: p.paid_at_ms.map(rfc3339),
        })
    }
    /// Its lines in order, a page at a time: `first` (at most 100, default
    /// 20) after the cursor `after`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, MAX_PAGE) as usize * child_complexity")]
    async fn lines(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Line>> {
        let c = caller(ctx, Some(Scope::RevenueRead))?;
        let first = page_size(first)?;
        // The cursor is the line's position: lines are only ever added
        // after the last, so positions stay put while a client pages.
        let start = match after {
            Some(cursor) => match cursor.parse::<i64>() {
                Ok(p) if p >= 0 => p + 1,
                _ => return Err(coded("invalid_request", "Unknown cursor.")),
            },
            None => 0,
        };
        let (_, lines, count) =
            revenue::api_statement(c.state, c.caller, self.0.id, start, i64::from(first)).await.map_err(app_error)?;
        let end = start + lines.len() as i64;
        let mut page = Connection::new(start > 0, end < count);
        page.edges
            .extend(lines.into_iter().enumerate().map(|(i, l)| Edge::new((start + i as i64).to_string(), Line(l))));
        Ok(page)
    }
}

#[derive(SimpleObject)]
pub struct Payout {
    /// `pending`, `approved` or `paid`.
    status: String,
    amount: Money,
    reference: Option<String>,
    paid_at: Option<String>,
}

pub struct Line(StatementLine);

#[Object]
impl Line {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// `commission`, `clawback`, `bonus`, `bounty` or `fund`.
    async fn kind(&self) -> &str {
        self.0.kind.key()
    }
    async fn customer(&self) -> &str {
        &self.0.customer
    }
    /// The invoice or refund's id in the billing system, when it has one.
    async fn external_id(&self) -> Option<&str> {
        self.0.event_external_id.as_deref()
    }
    async fn event_date(&self) -> Option<String> {
        self.0.event_date_ms.map(rfc3339)
    }
    /// The month the revenue belongs to (an adjustment's is earlier).
    async fn belongs_to(&self) -> String {
        self.0.belongs.key()
    }
    async fn adjustment(&self) -> bool {
        self.0.adjustment
    }
    /// What the rate applied to.
    async fn base(&self) -> Money {
        self.0.base.into()
    }
    /// The rate in basis points (2 000 = 20 %).
    async fn rate_bps(&self) -> i64 {
        self.0.rate_bps
    }
    /// Which rule of the terms gave the rate.
    async fn rule(&self) -> &str {
        self.0.rule.key()
    }
    async fn amount(&self) -> Money {
        self.0.amount.into()
    }
    async fn terms_version(&self) -> Option<i64> {
        self.0.terms_version
    }
}
