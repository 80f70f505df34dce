//! A partner's home page: earnings at a glance, the next payout, and the
//! alerts that need them (a support ticket past its response target, a
//! webhook subscription switched off after failing).

use crate::domain::inbox::{partner_alerts, Subscription};
use crate::domain::ledger::{Month, PayoutStatus};
use crate::domain::support::TicketStatus;
use crate::error::AppError;
use crate::server::context::{store_error, Ctx};
use crate::server::services::integration::org_in_brand;
use crate::server::services::partners::org_for;
use crate::server::services::revenue::sums;
use crate::server::store::TicketFilter;
use crate::views::partners::PartnerHome;

pub async fn partner_home(ctx: &Ctx) -> Result<PartnerHome, AppError> {
    let user = ctx.require_user().await?;
    let (org, _) = org_for(&user, None)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let now = ctx.now();
    let now_ms = now.timestamp_millis();
    let month = Month::of(now);
    let january = Month { year: month.year, month: 1 };
    let figures = store.monthly_figures(brand, Some(org), january, month).await.map_err(store_error)?;
    let next_payout = store
        .statements(brand, Some(org), None)
        .await
        .map_err(store_error)?
        .into_iter()
        .filter_map(|s| s.payout)
        .filter(|p| p.status != PayoutStatus::Paid)
        .min_by_key(|p| p.created_at_ms);

    let open =
        TicketFilter { organisation_id: Some(org), status: Some(TicketStatus::Open), limit: 100, ..Default::default() };
    let tickets = store.tickets(brand, open).await.map_err(store_error)?;
    let org_ref = org_in_brand(&ctx.state, brand, org).await?;
    let hooks = store.subscriptions(org_ref).await.map_err(store_error)?;
    let hooks: Vec<Subscription> = hooks
        .iter()
        .map(|s| Subscription {
            public_id: &s.public_id,
            url: &s.url,
            active: s.active,
            disabled_reason: s.disabled_reason.as_deref(),
        })
        .collect();
    let alerts = partner_alerts(&tickets, &hooks, now_ms);
    Ok(PartnerHome {
        month: month.label(),
        year: month.year,
        month_to_date: sums(&figures, |m| m == month),
        year_to_date: sums(&figures, |m| m.year == month.year),
        next_payout,
        alerts,
    })
}
