//! The partner scorecard: gathers the last 30 days from the stores and
//! rates them with `domain::scorecard`.

use crate::api::error::AppError;
use crate::api::scorecard::ScorecardView;
use crate::domain::integration::{summarise, Environment};
use crate::domain::ledger::Month;
use crate::domain::onboarding::progress;
use crate::domain::scorecard::{commission_trend, scorecard, trend_months, ScorecardInput};
use crate::server::context::{store_error, Ctx};
use crate::server::services::partners::org_for;

pub async fn view(ctx: &Ctx, org: Option<i64>) -> Result<ScorecardView, AppError> {
    let user = ctx.require_user().await?;
    let (org, _) = org_for(&user, org)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let cert = store.certification(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let now = ctx.now();
    let since = now - chrono::Duration::days(30);
    let hours = store.api_traffic(org, since).await.map_err(store_error)?;
    let of = |env: Environment| summarise(&hours.iter().filter(|h| h.environment == env).cloned().collect::<Vec<_>>());
    // Production once it has traffic; before that, the sandbox shows how
    // the integration behaves.
    let (environment, traffic) = match of(Environment::Production) {
        t if t.requests > 0 => (Environment::Production, t),
        _ => (Environment::Sandbox, of(Environment::Sandbox)),
    };
    let plan = store.plan(brand, org).await.map_err(store_error)?;
    let p = progress(&plan, now);
    let (first, last) = trend_months(Month::of(now));
    let figures = store.monthly_figures(brand, Some(org), first, last).await.map_err(store_error)?;
    let revenue = commission_trend(&figures, Month::of(now));
    let input = ScorecardInput {
        traffic,
        webhook_attempts: store.webhook_attempt_counts(org, since).await.map_err(store_error)?,
        onboarding: Some((p.done, p.total, p.overdue)),
        certification: Some(cert.state),
        revenue,
    };
    Ok(ScorecardView {
        organisation_id: org,
        organisation: cert.organisation,
        environment,
        measures: scorecard(&input),
        now_ms: now.timestamp_millis(),
    })
}
