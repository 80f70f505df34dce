//! The staff inbox: every queue's waiting work in one place, for the
//! manager's home page. Reads the queues the other services work; the
//! ordering and counting are `domain::inbox`.

use crate::domain::certification::CertState;
use crate::domain::deals::DealStatus;
use crate::domain::funds::FundStatus;
use crate::domain::inbox::{inbox as order_inbox, Queue, WorkItem};
use crate::domain::leads::LeadStatus;
use crate::domain::ledger::PayoutStatus;
use crate::domain::revenue::format_money;
use crate::domain::role::Permission;
use crate::domain::support::TicketStatus;
use crate::error::AppError;
use crate::server::context::{store_error, Ctx};
use crate::server::store::TicketFilter;
use crate::views::admin::InboxView;

/// The most of one queue read for the inbox; its count is exact anyway.
const READ: i64 = 500;
/// The most work listed on the page; the rest is a click away in its queue.
const LISTED: usize = 25;

pub async fn inbox(ctx: &Ctx) -> Result<InboxView, AppError> {
    ctx.require(Permission::ReviewApplications).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let now_ms = ctx.now().timestamp_millis();
    let mut items = Vec::new();
    let mut totals = Vec::new();

    let filter = TicketFilter { status: Some(TicketStatus::Open), queue: true, limit: READ, ..Default::default() };
    for t in store.tickets(brand, filter).await.map_err(store_error)? {
        // Until someone answers, the tier's first-response time is the target.
        let target_ms = t.first_response_ms.is_none().then(|| t.opened_ms + t.target_minutes * 60_000);
        items.push(WorkItem {
            queue: Queue::Tickets,
            title: format!("{}: {}", t.severity.label(), t.subject),
            organisation: t.organisation,
            href: format!("/support/tickets/{}", t.id),
            waiting_since_ms: t.opened_ms,
            target_ms,
        });
    }

    let (applications, total) = store.application_queue(brand, "submitted", "", 0, READ).await.map_err(store_error)?;
    totals.push((Queue::Applications, total as usize));
    for a in applications {
        items.push(WorkItem {
            queue: Queue::Applications,
            title: format!("{} · {}", a.kind.label(), a.category.label()),
            organisation: a.company,
            href: format!("/manager/applications/{}", a.id),
            waiting_since_ms: a.created_at_ms,
            target_ms: None,
        });
    }

    for c in store.certifications(brand).await.map_err(store_error)? {
        if c.state == CertState::Review {
            items.push(WorkItem {
                queue: Queue::Certifications,
                title: "Submitted for review".to_owned(),
                organisation: c.organisation,
                href: format!("/certification?org={}", c.organisation_id),
                waiting_since_ms: c.state_since_ms,
                target_ms: None,
            });
        }
    }

    for l in store.listing_queue(brand).await.map_err(store_error)? {
        items.push(WorkItem {
            queue: Queue::Listings,
            title: format!("Version {} of “{}”", l.number, l.name),
            organisation: l.organisation,
            href: format!("/listing?org={}", l.organisation_id),
            waiting_since_ms: l.submitted_at_ms,
            target_ms: None,
        });
    }

    // Leads back with the managers wait for a partner; those still offered
    // are the partners' to answer.
    for l in store.program_leads(brand, READ).await.map_err(store_error)? {
        if l.status == LeadStatus::Returned {
            items.push(WorkItem {
                queue: Queue::Leads,
                title: format!("Lead from {} · {}", l.company, l.country),
                // Asked of the program, or back from the partner that had it.
                organisation: l
                    .organisation
                    .map(|o| format!("Back from {o}"))
                    .unwrap_or_else(|| "No partner yet".into()),
                href: "/manager/leads".to_owned(),
                waiting_since_ms: l.created_at_ms,
                target_ms: None,
            });
        }
    }

    for d in store.program_deals(brand, READ).await.map_err(store_error)? {
        if d.status == DealStatus::Registered {
            let conflict = if d.conflict_with.is_some() { " · conflicts with another partner's deal" } else { "" };
            items.push(WorkItem {
                queue: Queue::Deals,
                title: format!("{} · {}{conflict}", d.company, format_money(d.value)),
                organisation: d.organisation,
                href: format!("/manager/deals#deal-{}", d.id),
                waiting_since_ms: d.created_at_ms,
                target_ms: None,
            });
        }
    }

    for r in store.fund_queue(brand).await.map_err(store_error)? {
        let (title, since) = match (r.status, r.claim, r.claimed_at_ms) {
            (FundStatus::Claimed, Some(claim), Some(at)) => {
                (format!("Claim of {} · {}", format_money(claim), r.title), at)
            }
            _ => (format!("Request for {} · {}", format_money(r.requested), r.title), r.requested_at_ms),
        };
        items.push(WorkItem {
            queue: Queue::Funds,
            title,
            organisation: r.organisation,
            href: "/funds/review".to_owned(),
            waiting_since_ms: since,
            target_ms: None,
        });
    }

    let (payouts, total) = store.payouts_waiting(brand, READ).await.map_err(store_error)?;
    totals.push((Queue::Payouts, total as usize));
    for p in payouts {
        let step = if p.status == PayoutStatus::Pending { "Approve" } else { "Record payment of" };
        items.push(WorkItem {
            queue: Queue::Payouts,
            title: format!("{step} {} for {}", format_money(p.amount), p.month.label()),
            organisation: p.organisation,
            href: format!("/statements/{}", p.statement_id),
            waiting_since_ms: p.created_at_ms,
            target_ms: None,
        });
    }

    let (lines, mut items) = order_inbox(items, &totals, now_ms);
    let more = items.len().saturating_sub(LISTED);
    items.truncate(LISTED);
    Ok(InboxView { now_ms, lines, items, more })
}
