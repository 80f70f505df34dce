//! One partner as program staff see it: the header every staff view of the
//! partner carries, and the overview page behind its first tab.

use crate::domain::account::TeamMember;
use crate::domain::application::RevenueModel;
use crate::domain::certification::support_tier;
use crate::domain::ledger::Month;
use crate::domain::navigation::builds_integrations;
use crate::domain::onboarding::progress;
use crate::domain::role::{OrgRole, Permission};
use crate::domain::support::TicketStatus;
use crate::error::AppError;
use crate::server::context::{store_error, Ctx};
use crate::server::services::revenue::sums_of;
use crate::server::store::{PartnerProfile, TicketFilter};
use crate::views::partners::{PartnerHeader, PartnerOverview};

/// How many certification steps the overview lists.
const TIMELINE_SHOWN: usize = 5;

pub async fn header(ctx: &Ctx, org: i64) -> Result<PartnerHeader, AppError> {
    Ok(read_header(ctx, org).await?.0)
}

/// The header, with the profile and team it was drawn from.
async fn read_header(ctx: &Ctx, org: i64) -> Result<(PartnerHeader, PartnerProfile, Vec<TeamMember>), AppError> {
    let viewer = ctx.require(Permission::ReviewApplications).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let profile = store.partner_profile(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let members = store.org_members(brand, org).await.map_err(store_error)?;
    let owner = members
        .iter()
        .find(|m| m.org_role == OrgRole::Owner && !m.removed)
        .map(|m| (m.display_name.clone(), m.email.clone()));
    let month = Month::of(ctx.now());
    let january = Month { year: month.year, month: 1 };
    let figures = store.monthly_figures(brand, Some(org), january, month).await.map_err(store_error)?;
    let this_year = |m: Month| m.year == month.year;
    let header = PartnerHeader {
        organisation_id: profile.organisation_id,
        organisation: profile.organisation.clone(),
        kind: profile.kind.map(|k| k.label().to_owned()).unwrap_or_default(),
        model: profile.model.map(|m| m.label().to_owned()).unwrap_or_default(),
        state: profile.state,
        tier: support_tier(profile.state),
        owner,
        year: month.year,
        revenue_ytd: sums_of(&figures, this_year, |f| f.revenue_minor),
        commission_ytd: sums_of(&figures, this_year, |f| f.commission_minor),
        builds: builds_integrations(profile.kind, profile.model),
        // The same rules as the partner's own menu (`store::sql` session user).
        funds: crate::domain::funds::eligible(profile.model, profile.state),
        white_label: profile.model == Some(RevenueModel::WhiteLabel),
        audit: crate::domain::role::can(viewer.role, Permission::ReadAuditLog),
    };
    Ok((header, profile, members))
}

pub async fn overview(ctx: &Ctx, org: i64) -> Result<PartnerOverview, AppError> {
    let (header, profile, members) = read_header(ctx, org).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let now = ctx.now();
    let items = store.plan(brand, org).await.map_err(store_error)?;
    // Both counted in the database, however many a partner has.
    let open = TicketFilter { organisation_id: Some(org), status: Some(TicketStatus::Open), ..Default::default() };
    let open_tickets = store.ticket_count(brand, &open).await.map_err(store_error)?.max(0) as usize;
    let late = TicketFilter { breached_at: Some(now.timestamp_millis()), ..open };
    let breached = store.ticket_count(brand, &late).await.map_err(store_error)?.max(0) as usize;
    let mut timeline = store.certification_history(brand, org).await.map_err(store_error)?;
    timeline.reverse();
    timeline.truncate(TIMELINE_SHOWN);
    Ok(PartnerOverview {
        header,
        approved_at_ms: profile.approved_at_ms,
        plan: (!items.is_empty()).then(|| progress(&items, now)),
        open_tickets,
        breached_tickets: breached,
        members,
        invitations: store.pending_org_invitations(brand, org, now).await.map_err(store_error)?,
        timeline,
    })
}
