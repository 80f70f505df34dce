//! The staff inbox: the work waiting in the program's queues, counted per
//! queue and ordered so that what is late comes first, then what falls due
//! soonest.
//!
//! Only support tickets carry a response target of their own (the support
//! tier's first-response time). Everything else a manager owes an answer on
//! (an application, a certification review, a fund request or claim, a
//! payout) counts as late once it has waited `STALE_AFTER_MS`: the program's
//! own promise, a week, so nothing sits unseen for a month.

use super::support::{SlaState, TicketStatus, TicketView};
use super::DAY_MS;
use serde::{Deserialize, Serialize};

/// How long work without a target of its own may wait before it is late.
pub const STALE_AFTER_MS: i64 = 7 * DAY_MS;

choices!(
    /// A queue of staff work, in the order the inbox lists them.
    Queue {
        Tickets => "tickets", "Support tickets";
        Applications => "applications", "Applications to review";
        Certifications => "certifications", "Certification reviews";
        Funds => "funds", "Fund requests and claims";
        Listings => "listings", "Marketplace listings to review";
        Leads => "leads", "Leads to offer to a partner";
        Deals => "deals", "Deal registrations to decide";
        Payouts => "payouts", "Payouts to approve or pay";
    }
);

impl Queue {
    /// The page where the whole queue is worked.
    pub fn href(self) -> &'static str {
        match self {
            Queue::Tickets => "/support/queue",
            Queue::Applications => "/manager/applications?status=submitted",
            Queue::Certifications => "/manager/certification",
            Queue::Funds => "/funds/review",
            Queue::Listings => "/manager/listings",
            Queue::Leads => "/manager/leads",
            Queue::Deals => "/manager/deals",
            Queue::Payouts => "/manager/revenue#payouts",
        }
    }
}

/// One piece of work waiting for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItem {
    pub queue: Queue,
    pub title: String,
    pub organisation: String,
    pub href: String,
    pub waiting_since_ms: i64,
    /// Its own target, where it has one (a ticket's first response).
    pub target_ms: Option<i64>,
}

impl WorkItem {
    /// When it becomes late: its own target, else a week after it arrived.
    pub fn due_ms(&self) -> i64 {
        self.target_ms.unwrap_or(self.waiting_since_ms + STALE_AFTER_MS)
    }

    pub fn is_late(&self, now_ms: i64) -> bool {
        self.due_ms() <= now_ms
    }
}

/// Something on a partner's side that needs their attention now, with the
/// page where it is put right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub text: String,
    pub href: String,
}

/// A webhook subscription as a partner's alerts read it.
#[derive(Debug, Clone, Copy)]
pub struct Subscription<'a> {
    pub public_id: &'a str,
    pub url: &'a str,
    pub active: bool,
    pub disabled_reason: Option<&'a str>,
}

/// What a partner's home warns of: each of its open tickets past its
/// first-response target, then each webhook subscription switched off after
/// failing, each with the page where it is put right.
pub fn partner_alerts(tickets: &[TicketView], subscriptions: &[Subscription], now_ms: i64) -> Vec<Alert> {
    let late = tickets.iter().filter(|t| t.status == TicketStatus::Open && t.clock(now_ms).state == SlaState::Breached);
    let off = subscriptions.iter().filter(|s| !s.active);
    late.map(|t| Alert {
        text: format!("Ticket #{} “{}” is past its response target.", t.id, t.subject),
        href: format!("/support/tickets/{}", t.id),
    })
    .chain(off.map(|s| Alert {
        text: format!(
            "Webhook deliveries to {} are switched off{}.",
            s.url,
            s.disabled_reason.map(|r| format!(": {r}")).unwrap_or_default()
        ),
        href: format!("/developers/webhooks/{}", s.public_id),
    }))
    .collect()
}

/// A queue's line in the inbox: how much waits, how much of it is late,
/// and since when the oldest waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueLine {
    pub queue: Queue,
    pub waiting: usize,
    pub late: usize,
    pub oldest_ms: Option<i64>,
}

/// The inbox from every queue's waiting work: one line per queue (in
/// `Queue::ALL` order, empty ones included so a manager sees they are
/// clear) and the work itself, late first, then by when it falls due, the
/// longest waiting first among equals. A queue read only in part (its
/// oldest few hundred) gives its whole count in `totals`.
pub fn inbox(mut items: Vec<WorkItem>, totals: &[(Queue, usize)], now_ms: i64) -> (Vec<QueueLine>, Vec<WorkItem>) {
    let lines = Queue::ALL
        .iter()
        .map(|&queue| {
            let of: Vec<&WorkItem> = items.iter().filter(|i| i.queue == queue).collect();
            let total = totals.iter().find(|(q, _)| *q == queue).map(|(_, n)| *n);
            QueueLine {
                queue,
                waiting: total.unwrap_or(of.len()).max(of.len()),
                late: of.iter().filter(|i| i.is_late(now_ms)).count(),
                oldest_ms: of.iter().map(|i| i.waiting_since_ms).min(),
            }
        })
        .collect();
    items.sort_by_key(|i| (!i.is_late(now_ms), i.due_ms(), i.waiting_since_ms));
    (lines, items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(queue: Queue, since: i64, target: Option<i64>) -> WorkItem {
        WorkItem {
            queue,
            title: format!("{} {since}", queue.key()),
            organisation: "Acme".into(),
            href: "/".into(),
            waiting_since_ms: since,
            target_ms: target,
        }
    }

    #[test]
    fn late_work_comes_first_then_what_falls_due_soonest() {
        let now = 100 * DAY_MS;
        let (_, order) = inbox(
            vec![
                item(Queue::Applications, now - DAY_MS, None),
                item(Queue::Tickets, now - 60_000, Some(now + 3_600_000)),
                item(Queue::Payouts, now - 8 * DAY_MS, None),
                item(Queue::Tickets, now - 7_200_000, Some(now - 1)),
            ],
            &[],
            now,
        );
        let titles: Vec<(Queue, bool)> = order.iter().map(|i| (i.queue, i.is_late(now))).collect();
        assert_eq!(
            titles,
            vec![(Queue::Payouts, true), (Queue::Tickets, true), (Queue::Tickets, false), (Queue::Applications, false)]
        );
    }

    #[test]
    fn every_queue_has_a_line_even_when_clear_with_its_late_work_and_oldest_arrival() {
        let now = 100 * DAY_MS;
        let (lines, _) = inbox(
            vec![
                item(Queue::Funds, now - 9 * DAY_MS, None),
                item(Queue::Funds, now - 2 * DAY_MS, None),
                item(Queue::Applications, now - DAY_MS, None),
            ],
            &[(Queue::Applications, 40)],
            now,
        );
        assert_eq!(lines.len(), Queue::ALL.len());
        let funds = lines.iter().find(|l| l.queue == Queue::Funds).unwrap();
        assert_eq!((funds.waiting, funds.late, funds.oldest_ms), (2, 1, Some(now - 9 * DAY_MS)));
        let applications = lines.iter().find(|l| l.queue == Queue::Applications).unwrap();
        assert_eq!(applications.waiting, 40, "a queue read in part counts its whole");
        let tickets = lines.iter().find(|l| l.queue == Queue::Tickets).unwrap();
        assert_eq!((tickets.waiting, tickets.late, tickets.oldest_ms), (0, 0, None));
    }

    #[test]
    fn work_without_a_target_is_late_after_a_week_and_not_a_moment_before() {
        let since = 10 * DAY_MS;
        let i = item(Queue::Certifications, since, None);
        assert!(!i.is_late(since + STALE_AFTER_MS - 1));
        assert!(i.is_late(since + STALE_AFTER_MS));
    }

    fn ticket(id: i64, opened_ms: i64, answered: Option<i64>, status: TicketStatus) -> TicketView {
        use crate::domain::certification::SupportTier;
        use crate::domain::support::Severity;
        TicketView {
            id,
            organisation_id: 1,
            organisation: "Acme".into(),
            subject: format!("Ticket {id}"),
            severity: Severity::Tier1,
            tier: SupportTier::Registered,
            target_minutes: 60,
            opened_ms,
            opened_by: "ada@acme.example".into(),
            first_response_ms: answered,
            status,
            assignee_id: None,
            assignee: None,
            resolution: None,
            resolved_ms: None,
            updated_ms: opened_ms,
            version: 1,
        }
    }

    #[test]
    fn a_partner_is_warned_of_open_tickets_past_their_target_and_of_switched_off_webhooks_only() {
        let now = 10 * DAY_MS;
        let hour = 3_600_000;
        let tickets = [
            ticket(1, now - 2 * hour, None, TicketStatus::Open),
            ticket(2, now - 30 * 60_000, None, TicketStatus::Open),
            ticket(3, now - 2 * hour, Some(now - hour), TicketStatus::Open),
            ticket(4, now - 2 * hour, None, TicketStatus::Resolved),
        ];
        let hooks = [
            Subscription { public_id: "wh_on", url: "https://on.example", active: true, disabled_reason: None },
            Subscription {
                public_id: "wh_off",
                url: "https://off.example",
                active: false,
                disabled_reason: Some("every delivery failed for 5 days"),
            },
        ];
        let alerts = partner_alerts(&tickets, &hooks, now);
        let hrefs: Vec<&str> = alerts.iter().map(|a| a.href.as_str()).collect();
        assert_eq!(hrefs, ["/support/tickets/1", "/developers/webhooks/wh_off"]);
        assert_eq!(
            alerts[1].text,
            "Webhook deliveries to https://off.example are switched off: every delivery failed for 5 days."
        );
    }
}
