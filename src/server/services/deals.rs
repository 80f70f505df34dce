//! Deal registration: partners claim the customers they sell to, managers
//! approve or turn the claims down, an approval protects its partner for a
//! window, and the customer of a won deal carries its revenue to that
//! partner. The rules are `domain::deals`; the store guards each step by
//! the deal's version and status.

use crate::domain::audit;
use crate::domain::deals::{
    company_key, conflicts, customer_ref, decision_note, next_status, protected_until, warn_until, Deal, DealAction,
    DealInput, DealStatus,
};
use crate::domain::format::date_utc;
use crate::domain::role::{OrgAccess, Permission};
use crate::error::AppError;
use crate::server::context::{store_error, Ctx};
use crate::server::emails::{deal_decision_email, deal_expiring_email, owner_addresses};
use crate::server::services::marketplace::{own_partner, partner_page, program_host};
use crate::server::services::webhooks::Who;
use crate::server::state::AppState;
use crate::server::store::DealMove;
use crate::views::deals::{DealsPage, ProgramDeals};
use serde_json::json;

/// The most deals one page lists.
const LISTED: i64 = 200;

/// A partner registers a deal. A registration that claims a customer
/// another partner holds is kept with that deal noted, for the managers to
/// see both; every registration waits for a manager's approval.
pub async fn register(ctx: &Ctx, input: &DealInput) -> Result<i64, AppError> {
    let (user, org) = own_partner(ctx).await?;
    Ok(register_as(&ctx.state, &Who::of_user(ctx, &user), org, input).await?.id)
}

/// Registers a deal for partner `org`, by a person or an API key (`who`).
pub async fn register_as(state: &AppState, who: &Who, org: i64, input: &DealInput) -> Result<Deal, AppError> {
    let now = state.clock.now();
    let deal = input.parse(now.date_naive()).map_err(AppError::fields)?;
    let store = &state.store;
    let brand = who.brand_id;
    let claims = store.claims_on(brand, &deal.domain, &company_key(&deal.company)).await.map_err(store_error)?;
    let conflict = conflicts(&deal, org, &claims, now.timestamp_millis()).first().map(|d| d.id);
    let detail = json!({
        "company": deal.company, "domain": deal.domain, "value": deal.value.to_string(), "conflict_with": conflict,
    });
    let a = who.audit(now, audit::DEAL_REGISTERED, String::new(), detail).about(org);
    let id = store.create_deal(brand, org, &deal, conflict, Vec::new(), a).await.map_err(store_error)?;
    let created = store.deal(brand, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    Ok(for_partner(vec![created]).remove(0))
}

/// A partner's deals, newest first, for the API.
pub async fn deals_of(state: &AppState, brand: i64, org: i64) -> Result<Vec<Deal>, AppError> {
    Ok(for_partner(state.store.partner_deals(brand, org, LISTED).await.map_err(store_error)?))
}

/// Deals as their partner reads them: which other partner's deal one
/// conflicted with is the managers' to know, not the partner's.
fn for_partner(deals: Vec<Deal>) -> Vec<Deal> {
    deals.into_iter().map(|d| Deal { conflict_with: None, ..d }).collect()
}

/// Revenue events listed under a partner's won deals: the latest ones;
/// the statements hold every line.
pub const EVENTS_SHOWN: i64 = 200;

pub async fn partner_deals(ctx: &Ctx, org: Option<i64>) -> Result<DealsPage, AppError> {
    let (_, org, access) = partner_page(ctx, org).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let organisation =
        store.certification(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?.organisation;
    Ok(DealsPage {
        organisation_id: org,
        organisation,
        can_act: access == OrgAccess::OwnOrganisation,
        deals: for_partner(store.partner_deals(brand, org, LISTED).await.map_err(store_error)?),
        revenue: store.won_revenue(brand, Some(org)).await.map_err(store_error)?,
        events: store.won_events(brand, org, EVENTS_SHOWN).await.map_err(store_error)?,
        protection_days: ctx.state.config.deal_protection_days,
        today: ctx.now().date_naive().format("%Y-%m-%d").to_string(),
        funnel: store.funnels(brand, Some(org)).await.map_err(store_error)?.into_iter().next(),
        now_ms: ctx.now().timestamp_millis(),
    })
}

/// A partner closes one of its deals: won (naming the customer as revenue
/// events will), or lost.
pub async fn close(ctx: &Ctx, id: i64, version: i64, action: &str, customer: &str) -> Result<DealStatus, AppError> {
    let (user, org) = own_partner(ctx).await?;
    let action = DealAction::parse(action).ok_or_else(|| AppError::Refused("Unknown step.".into()))?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    // Another partner's deal is not there.
    let deal = store.deal(brand, id).await.map_err(store_error)?.filter(|d| d.organisation_id == org);
    let deal = deal.ok_or(AppError::NotFound)?;
    let to = next_status(deal.status, action, false).map_err(|e| AppError::Refused(e.into()))?;
    let customer = match to {
        DealStatus::Won => Some(customer_ref(customer).map_err(|(f, m)| AppError::field(f, m))?),
        _ => None,
    };
    let a = ctx
        .audit(
            Some(&user),
            audit::DEAL_MOVED,
            format!("deal:{id}"),
            json!({ "from": deal.status.key(), "to": to.key(), "customer": customer }),
        )
        .about(org);
    let change = DealMove {
        id,
        version,
        from: deal.status,
        to,
        protected_until: None,
        note: None,
        customer_ref: customer.as_deref(),
    };
    store.move_deal(brand, change, Vec::new(), a).await.map_err(store_error)?;
    Ok(to)
}

pub async fn program_deals(ctx: &Ctx) -> Result<ProgramDeals, AppError> {
    ctx.require(Permission::ReviewApplications).await?;
    program_host(ctx)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let deals = store.program_deals(brand, LISTED).await.map_err(store_error)?;
    // The other side of each conflict, when the list does not hold it.
    let mut others = Vec::new();
    for id in deals.iter().filter_map(|d| d.conflict_with) {
        if !deals.iter().any(|d| d.id == id) && !others.iter().any(|d: &Deal| d.id == id) {
            others.extend(store.deal(brand, id).await.map_err(store_error)?);
        }
    }
    Ok(ProgramDeals {
        deals,
        conflicts: others,
        funnels: store.funnels(brand, None).await.map_err(store_error)?,
        revenue: store.won_revenue(brand, None).await.map_err(store_error)?,
        protection_days: ctx.state.config.deal_protection_days,
        now_ms: ctx.now().timestamp_millis(),
    })
}

/// A manager approves a registration (starting its protection) or turns
/// it down with a note; the partner's owners are emailed either way.
pub async fn decide(ctx: &Ctx, id: i64, version: i64, action: &str, note: &str) -> Result<DealStatus, AppError> {
    let user = ctx.require(Permission::ReviewApplications).await?;
    program_host(ctx)?;
    let action = DealAction::parse(action).ok_or_else(|| AppError::Refused("Unknown decision.".into()))?;
    let note = decision_note(action, note).map_err(|(f, m)| AppError::field(f, m))?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let deal = store.deal(brand, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let to = next_status(deal.status, action, true).map_err(|e| AppError::Refused(e.into()))?;
    let now = ctx.now().timestamp_millis();
    // An approval's claim is checked by the store, inside its transaction.
    let until = (to == DealStatus::Approved).then(|| protected_until(now, ctx.state.config.deal_protection_days));
    let link = format!("{}/deals#deal-{id}", ctx.public_url());
    let until_text = until.map(date_utc);
    let mails = owner_addresses(store, brand, deal.organisation_id)
        .await
        .map_err(store_error)?
        .iter()
        .map(|to_addr| {
            let note = note.as_deref().unwrap_or_default();
            deal_decision_email(to_addr, &ctx.meta.brand.name, &deal.company, until_text.as_deref(), note, &link)
        })
        .collect();
    let a = ctx
        .audit(
            Some(&user),
            audit::DEAL_MOVED,
            format!("deal:{id}"),
            json!({ "from": deal.status.key(), "to": to.key(), "note": note, "protected_until": until_text }),
        )
        .about(deal.organisation_id);
    let change = DealMove {
        id,
        version,
        from: deal.status,
        to,
        protected_until: until,
        note: note.as_deref(),
        customer_ref: None,
    };
    store.move_deal(brand, change, mails, a).await.map_err(store_error)?;
    Ok(to)
}

/// One round of the scheduler: partners whose protection ends within 14
/// days are told once, and windows that ended expire their deals. Returns
/// (warned, expired).
pub async fn tend(state: &AppState) -> anyhow::Result<(usize, usize)> {
    let now = state.clock.now();
    let warn_until = warn_until(now.timestamp_millis());
    let mut warned = 0;
    let due = state.store.deals_to_warn(now, warn_until).await?;
    if due.is_empty() {
        return Ok((0, state.store.expire_deals(now).await?.len()));
    }
    // Deals are the program's (its own host only), so the program's name and
    // address.
    let program = state.store.default_brand().await?.name;
    let base = state.config.public_url.trim_end_matches('/');
    for (brand_id, deal) in due {
        let until = deal.protected_until_ms.map(date_utc).unwrap_or_default();
        let link = format!("{base}/deals#deal-{}", deal.id);
        let mails = owner_addresses(&state.store, brand_id, deal.organisation_id)
            .await?
            .iter()
            .map(|to| deal_expiring_email(to, &program, &deal.company, &until, &link))
            .collect();
        if state.store.mark_deal_warned(deal.id, mails, now).await? {
            warned += 1;
        }
    }
    Ok((warned, state.store.expire_deals(now).await?.len()))
}
