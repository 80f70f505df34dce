//! The partner scorecard and quarterly reviews: gathers a period's figures
//! from the stores and rates them with `domain::scorecard`.

use crate::domain::audit;
use crate::domain::integration::{summarise, Environment, TrafficSummary};
use crate::domain::ledger::{Month, Quarter};
use crate::domain::onboarding::progress;
use crate::domain::role::Permission;
use crate::domain::scorecard::{commission_trend, review_business, scorecard, Measure, ReviewSnapshot, ScorecardInput};
use crate::domain::support::sla_report;
use crate::error::AppError;
use crate::server::checks::Checks;
use crate::server::context::{store_error, Ctx};
use crate::server::services::partners::org_for;
use crate::server::store::{from_ms, CertRecord, NewReview};
use crate::views::scorecard::{ReviewsView, ScorecardView};
use chrono::{DateTime, Utc};
use serde_json::json;

pub const RECOMMENDATIONS_MAX: usize = 10_000;

/// The measures of `org` from `since` until before `until`, with the
/// environment the API figures describe and that traffic's summary.
async fn gather(
    ctx: &Ctx,
    org: i64,
    cert: &CertRecord,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(Environment, TrafficSummary, Vec<Measure>), AppError> {
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    // Hours that began before `until` (the current hour counts so far).
    let until_ms = until.timestamp_millis();
    let scope = super::integration::org_in_brand(&ctx.state, brand, org).await?;
    ctx.state.traffic.write_waiting(&**store).await;
    let hours = store.api_traffic(scope, since).await.map_err(store_error)?;
    let of = |env: Environment| {
        summarise(
            &hours
                .iter()
                .filter(|h| h.environment == env && h.hour * 3_600_000 < until_ms)
                .cloned()
                .collect::<Vec<_>>(),
        )
    };
    // Production once it has traffic; before that, the sandbox shows how
    // the integration behaves.
    let (environment, traffic) = match of(Environment::Production) {
        t if t.requests > 0 => (Environment::Production, t),
        _ => (Environment::Sandbox, of(Environment::Sandbox)),
    };
    let plan = store.plan(brand, org).await.map_err(store_error)?;
    let p = progress(&plan, ctx.now());
    // The commission trend compares the three full months before `until`
    // with the three before them.
    let trend_to = Month::of(until - chrono::Duration::milliseconds(1)).next();
    let (first, last) = crate::domain::scorecard::trend_months(trend_to);
    let figures = store.monthly_figures(brand, Some(org), first, last).await.map_err(store_error)?;
    let clocks = store.ticket_clocks(brand, Some(org), since, until).await.map_err(store_error)?;
    let input = ScorecardInput {
        traffic: traffic.clone(),
        webhook_attempts: store.webhook_attempt_counts(org, since, until).await.map_err(store_error)?,
        onboarding: Some((p.done, p.total, p.overdue)),
        certification: Some(cert.state),
        revenue: commission_trend(&figures, trend_to),
        support: sla_report(&clocks, ctx.now().timestamp_millis()).1,
    };
    Ok((environment, traffic, scorecard(&input)))
}

pub async fn view(ctx: &Ctx, org: Option<i64>) -> Result<ScorecardView, AppError> {
    let user = ctx.require_user().await?;
    let (org, _) = org_for(&user, org)?;
    let cert =
        ctx.state.store.certification(ctx.meta.brand.id, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let now = ctx.now();
    // Up to and including this instant.
    let until = now + chrono::Duration::milliseconds(1);
    let (environment, _, measures) = gather(ctx, org, &cert, now - chrono::Duration::days(30), until).await?;
    Ok(ScorecardView {
        organisation_id: org,
        organisation: cert.organisation,
        environment,
        measures,
        now_ms: now.timestamp_millis(),
    })
}

/// The quarters a review can be generated for: this one and the four before.
fn review_quarters(now: DateTime<Utc>) -> Vec<(String, String)> {
    std::iter::successors(Some(Quarter::of(now)), |q| Some(q.prev()))
        .take(5)
        .map(|q| (q.key(), q.long_label()))
        .collect()
}

/// A partner's saved reviews; staff also get the quarters they can
/// generate.
pub async fn reviews(ctx: &Ctx, org: Option<i64>) -> Result<ReviewsView, AppError> {
    let user = ctx.require_user().await?;
    let (org, _) = org_for(&user, org)?;
    let store = &ctx.state.store;
    let cert = store.certification(ctx.meta.brand.id, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let staff = crate::domain::role::can(user.role, Permission::ReviewApplications);
    Ok(ReviewsView {
        organisation_id: org,
        organisation: cert.organisation,
        reviews: store.reviews(ctx.meta.brand.id, org).await.map_err(store_error)?,
        quarters: if staff { review_quarters(ctx.now()) } else { Vec::new() },
    })
}

pub async fn review(ctx: &Ctx, id: i64) -> Result<crate::server::store::ReviewRecord, AppError> {
    let user = ctx.require_user().await?;
    let r = ctx.state.store.review(ctx.meta.brand.id, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    // Partners see their own reviews only; the answer does not tell others
    // that a review exists.
    org_for(&user, Some(r.organisation_id)).map_err(|_| AppError::NotFound)?;
    Ok(r)
}

/// Generates (or regenerates) the review of `quarter` for `org` with the
/// manager's recommendations.
pub async fn generate(ctx: &Ctx, org: i64, quarter: &str, recommendations: &str) -> Result<i64, AppError> {
    let user = ctx.require(Permission::ReviewApplications).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let cert = store.certification(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let now = ctx.now();
    let mut checks = Checks::default();
    let allowed = review_quarters(now);
    let chosen = checks.check(
        "quarter",
        Quarter::parse(quarter)
            .filter(|q| allowed.iter().any(|(k, _)| *k == q.key()))
            .ok_or("Choose this quarter or one of the four before it."),
    );
    let recommendations = recommendations.trim().to_owned();
    if recommendations.is_empty() {
        checks.check::<(), _>("recommendations", Err("Write your recommendations for the partner."));
    } else if recommendations.chars().count() > RECOMMENDATIONS_MAX {
        checks.check::<(), _>("recommendations", Err(format!("At most {RECOMMENDATIONS_MAX} characters.")));
    }
    checks.finish()?;
    let chosen = chosen.expect("checked");
    let months = chosen.months();
    let since = from_ms(chosen.start_ms());
    let quarter_end = from_ms(months[2].next().start_ms());
    let until = quarter_end.min(now + chrono::Duration::milliseconds(1));
    let (environment, traffic, measures) = gather(ctx, org, &cert, since, until).await?;
    let figures = store.monthly_figures(brand, Some(org), months[0], months[2]).await.map_err(store_error)?;
    let clocks = store.ticket_clocks(brand, Some(org), since, until).await.map_err(store_error)?;
    let business = review_business(&figures, environment, traffic.requests, clocks.len(), cert.state);
    let snapshot = ReviewSnapshot {
        quarter_label: chosen.long_label(),
        environment: environment.label().to_owned(),
        measures,
        business,
        partial: now < quarter_end,
    };
    let audit = ctx
        .audit(
            Some(&user),
            audit::REVIEW_SAVED,
            String::new(),
            json!({ "organisation_id": org, "quarter": chosen.key() }),
        )
        .about(org);
    let review = NewReview {
        brand_id: brand,
        organisation_id: org,
        quarter: chosen.key(),
        snapshot,
        recommendations,
        created_by: user.id,
    };
    store.save_review(review, audit).await.map_err(store_error)
}
