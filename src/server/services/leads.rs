//! Customer referrals and leads: a visitor asks a listed partner to contact
//! them, the partner accepts or declines in time, the managers offer what
//! comes back to another partner. The rules are `domain::leads`; the store
//! guards each step by the lead's version and status.

use crate::domain::audit;
use crate::domain::leads::{
    decline_reason, may_route, partner_action, respond_by, spam_check, LeadAction, LeadStatus, ReferralInput, Spam,
};
use crate::domain::marketplace::DirectoryFilter;
use crate::domain::role::{OrgAccess, Permission};
use crate::domain::throttle::REFER_ADDRESS;
use crate::error::AppError;
use crate::server::context::{store_error, Ctx};
use crate::server::emails::{lead_offered_email, lead_received_email, owner_addresses};
use crate::server::services::marketplace::{own_partner, partner_page, program_host, started_at};
use crate::server::state::AppState;
use crate::server::store::{LeadMove, OutgoingEmail};
use crate::server::throttle;
use crate::views::leads::{LeadsPage, ProgramLeads};
use serde_json::json;

/// The most leads one page lists.
const LISTED: i64 = 200;

/// The emails of a lead offered to `org`: its owners and the visitor.
async fn offer_mails(
    ctx: &Ctx,
    org: i64,
    partner: &str,
    visitor: (&str, &str),
    company: &str,
) -> Result<Vec<OutgoingEmail>, AppError> {
    let program = &ctx.meta.brand.name;
    let hours = ctx.state.config.lead_response_hours;
    let link = format!("{}/leads", ctx.public_url());
    let mut mails: Vec<OutgoingEmail> = owner_addresses(&ctx.state.store, ctx.meta.brand.id, org)
        .await
        .map_err(store_error)?
        .iter()
        .map(|to| lead_offered_email(to, program, company, hours, &link))
        .collect();
    mails.push(lead_received_email(visitor.0, program, visitor.1, Some(partner)));
    Ok(mails)
}

/// A visitor's request from a partner's page (`slug`), or to the program's
/// partner team from the directory (`slug` empty), which the managers then
/// offer to a partner. The spam defences run first: a filled trap field is
/// answered as a success and writes nothing; a form sent faster than a
/// person types is refused.
pub async fn refer(ctx: &Ctx, slug: &str, input: &ReferralInput, trap: &str, started: &str) -> Result<(), AppError> {
    program_host(ctx)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let partner = match slug {
        "" => None,
        slug => Some(store.directory_listing(brand, slug).await.map_err(store_error)?.ok_or(AppError::NotFound)?),
    };
    match spam_check(trap, started_at(ctx, started), ctx.now().timestamp_millis()) {
        Ok(()) => {}
        Err(Spam::Honeypot) => return Ok(()),
        Err(other) => return Err(AppError::Refused(other.message().into())),
    }
    let referral = input.parse().map_err(AppError::fields)?;
    if let Err(over) = throttle::count(ctx, &[(REFER_ADDRESS, ctx.meta.client_ip.as_str())]).await? {
        return Err(over.refusal("requests"));
    }
    let Some(partner) = partner else {
        // Asked of the program: with the managers, who choose the partner.
        let mails = vec![lead_received_email(&referral.email, &ctx.meta.brand.name, &referral.name, None)];
        let a = ctx.audit(None, audit::LEAD_CREATED, String::new(), json!({ "partner": null }));
        store.create_lead(brand, None, &referral, None, mails, a).await.map_err(store_error)?;
        return Ok(());
    };
    let org = partner.organisation_id;
    let name = partner.content.name.clone();
    let mails = offer_mails(ctx, org, &name, (&referral.email, &referral.name), &referral.company).await?;
    let answer_by = respond_by(ctx.now().timestamp_millis(), ctx.state.config.lead_response_hours);
    // The visitor's details stay out of the audit log: the lead holds them.
    let a = ctx.audit(None, audit::LEAD_CREATED, String::new(), json!({ "partner": org })).about(org);
    store.create_lead(brand, Some(org), &referral, Some(answer_by), mails, a).await.map_err(store_error)?;
    Ok(())
}

pub async fn partner_leads(ctx: &Ctx, org: Option<i64>) -> Result<LeadsPage, AppError> {
    let (_, org, access) = partner_page(ctx, org).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let organisation =
        store.certification(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?.organisation;
    Ok(LeadsPage {
        organisation_id: org,
        organisation,
        can_act: access == OrgAccess::OwnOrganisation,
        leads: store.partner_leads(brand, org, LISTED).await.map_err(store_error)?,
        now_ms: ctx.now().timestamp_millis(),
    })
}

/// A partner's leads, newest first, for the API.
pub async fn leads_of(state: &AppState, brand: i64, org: i64) -> Result<Vec<crate::domain::leads::Lead>, AppError> {
    state.store.partner_leads(brand, org, LISTED).await.map_err(store_error)
}

/// A partner's step on one of its leads: accept, decline (with a reason),
/// or a later stage.
pub async fn act(ctx: &Ctx, id: i64, version: i64, action: &str, reason: &str) -> Result<LeadStatus, AppError> {
    let (user, org) = own_partner(ctx).await?;
    let action = LeadAction::parse(action).ok_or_else(|| AppError::Refused("Unknown step.".into()))?;
    let store = &ctx.state.store;
    let lead = store.lead(ctx.meta.brand.id, id).await.map_err(store_error)?;
    // Another partner's lead, or one no longer this partner's, is not there.
    let lead = lead.filter(|l| l.organisation_id == Some(org)).ok_or(AppError::NotFound)?;
    let to = partner_action(lead.status, action).map_err(|e| AppError::Refused(e.into()))?;
    let note = match action {
        LeadAction::Decline => Some(decline_reason(reason).map_err(|(f, m)| AppError::field(f, m))?),
        _ => None,
    };
    let a = ctx.audit(
        Some(&user),
        audit::LEAD_MOVED,
        format!("lead:{id}"),
        json!({ "from": lead.status.key(), "to": to.key(), "reason": note }),
    );
    let change = LeadMove {
        id,
        version,
        from: lead.status,
        to,
        organisation_id: Some(org),
        respond_by: None,
        note: note.as_deref(),
    };
    store.move_lead(ctx.meta.brand.id, change, Vec::new(), a).await.map_err(store_error)?;
    Ok(to)
}

pub async fn program_leads(ctx: &Ctx) -> Result<ProgramLeads, AppError> {
    ctx.require(Permission::ReviewApplications).await?;
    program_host(ctx)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let (partners, _) = store.directory(brand, &DirectoryFilter::default(), "", 0, 500).await.map_err(store_error)?;
    Ok(ProgramLeads {
        leads: store.program_leads(brand, LISTED).await.map_err(store_error)?,
        partners: partners.into_iter().map(|p| (p.organisation_id, p.content.name)).collect(),
        now_ms: ctx.now().timestamp_millis(),
    })
}

/// A manager offers a lead with the managers (or still offered) to a
/// partner shown in the directory; its response clock starts again.
pub async fn route(ctx: &Ctx, id: i64, version: i64, to_org: i64) -> Result<(), AppError> {
    let user = ctx.require(Permission::ReviewApplications).await?;
    program_host(ctx)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let lead = store.lead(brand, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    if !may_route(lead.status) {
        return Err(AppError::Refused(
            "This lead is taken: only a lead waiting or with the managers is offered.".into(),
        ));
    }
    let listing = store.listing(brand, to_org).await.map_err(store_error)?;
    let Some(listing) = listing.filter(|l| l.shown()) else {
        return Err(AppError::field("organisation", "Choose a partner shown in the directory."));
    };
    let partner = listing.published.map(|v| v.content.name).unwrap_or(listing.organisation);
    let mails = offer_mails(ctx, to_org, &partner, (&lead.email, &lead.name), &lead.company).await?;
    let answer_by = respond_by(ctx.now().timestamp_millis(), ctx.state.config.lead_response_hours);
    let a =
        ctx.audit(Some(&user), audit::LEAD_ROUTED, format!("lead:{id}"), json!({ "partner": to_org })).about(to_org);
    let change = LeadMove {
        id,
        version,
        from: lead.status,
        to: LeadStatus::Offered,
        organisation_id: Some(to_org),
        respond_by: Some(answer_by),
        note: None,
    };
    store.move_lead(brand, change, mails, a).await.map_err(store_error)
}

/// One round of the scheduler: offers not answered in time go back to the
/// managers. Returns how many did.
pub async fn return_overdue(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now();
    let returned = state.store.return_overdue_leads(now).await?;
    for (id, brand, org) in &returned {
        tracing::info!(lead = id, brand, partner = org, "lead not accepted in time, back with the managers");
    }
    Ok(returned.len())
}
