//! The onboarding plan (handbook §4.1 and the guide's getting-started
//! checklist): four phases with week windows counted from approval, items
//! that fall due at the end of their phase, progress, and where partners
//! stall.

use super::listing::{Column, Order, Sort};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Phase {
    Preparation,
    TechnicalIntegration,
    BusinessAlignment,
    LaunchAndOptimization,
}

impl Phase {
    pub const ALL: [Phase; 4] =
        [Phase::Preparation, Phase::TechnicalIntegration, Phase::BusinessAlignment, Phase::LaunchAndOptimization];

    pub fn key(self) -> &'static str {
        match self {
            Phase::Preparation => "preparation",
            Phase::TechnicalIntegration => "technical_integration",
            Phase::BusinessAlignment => "business_alignment",
            Phase::LaunchAndOptimization => "launch_and_optimization",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.key() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Preparation => "Preparation",
            Phase::TechnicalIntegration => "Technical Integration",
            Phase::BusinessAlignment => "Business Alignment",
            Phase::LaunchAndOptimization => "Launch and Optimization",
        }
    }

    /// First and last week, counted from approval (week 1 starts then).
    pub fn weeks(self) -> (i64, i64) {
        match self {
            Phase::Preparation => (1, 2),
            Phase::TechnicalIntegration => (3, 8),
            Phase::BusinessAlignment => (4, 10),
            Phase::LaunchAndOptimization => (9, 12),
        }
    }

    /// Items of this phase are due when its last week ends.
    pub fn due(self, approved_at: DateTime<Utc>) -> DateTime<Utc> {
        approved_at + Duration::weeks(self.weeks().1)
    }
}

/// System events that tick plan items by themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Binding {
    SandboxKeyCreated,
    SandboxEventReceived,
    CertificationSubmitted,
    Certified,
}

impl Binding {
    pub const ALL: [Binding; 4] = [
        Binding::SandboxKeyCreated,
        Binding::SandboxEventReceived,
        Binding::CertificationSubmitted,
        Binding::Certified,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Binding::SandboxKeyCreated => "sandbox_key_created",
            Binding::SandboxEventReceived => "sandbox_event_received",
            Binding::CertificationSubmitted => "certification_submitted",
            Binding::Certified => "certified",
        }
    }

    pub fn parse(s: &str) -> Option<Binding> {
        Binding::ALL.into_iter().find(|b| b.key() == s)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Binding::SandboxKeyCreated => "ticks itself when your first sandbox key is created",
            Binding::SandboxEventReceived => "ticks itself when your first sandbox event arrives",
            Binding::CertificationSubmitted => "ticks itself when you submit for certification",
            Binding::Certified => "ticks itself when you are certified",
        }
    }
}

/// One item of a partner's plan as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    pub id: i64,
    pub phase: Phase,
    pub position: i64,
    pub title: String,
    pub binding: Option<Binding>,
    pub due_at_ms: i64,
    pub done_at_ms: Option<i64>,
    pub done_by: Option<String>,
}

impl PlanItem {
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.done_at_ms.is_none() && self.due_at_ms < now.timestamp_millis()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub overdue: usize,
}

impl Progress {
    /// Whole percent, rounded down so 100 % means everything is done.
    pub fn percent(&self) -> usize {
        (self.done * 100).checked_div(self.total).unwrap_or(0)
    }
}

choices!(
    /// The columns of the managers' partner list.
    PartnerColumn {
        Name => "name", "Partner";
        Approved => "approved", "Approved";
        Progress => "progress", "Progress";
        Overdue => "overdue", "Overdue";
    }
);

/// The columns that order the partner list, by name first (the default):
/// newest approvals, least progress and most overdue items come first
/// when a column is first chosen.
pub const PARTNER_COLUMNS: [Column; 4] =
    [Column::up("name"), Column::down("approved"), Column::up("progress"), Column::down("overdue")];

/// The order of the managers' partner list; ties go by name.
pub type PartnerSort = Sort<PartnerColumn>;

impl PartnerSort {
    /// The order `listing::order` read from the address.
    pub fn of(order: &Order) -> PartnerSort {
        Sort::read(order, PartnerColumn::parse, PartnerColumn::Name)
    }

    /// A column in the direction it starts in.
    pub fn by(column: PartnerColumn) -> PartnerSort {
        Sort::first(column, column.key(), &PARTNER_COLUMNS)
    }
}

pub fn progress<'a>(items: impl IntoIterator<Item = &'a PlanItem>, now: DateTime<Utc>) -> Progress {
    let mut p = Progress { done: 0, total: 0, overdue: 0 };
    for i in items {
        p.total += 1;
        if i.done_at_ms.is_some() {
            p.done += 1;
        } else if i.is_overdue(now) {
            p.overdue += 1;
        }
    }
    p
}

pub fn progress_by_phase(items: &[PlanItem], now: DateTime<Utc>) -> Vec<(Phase, Progress)> {
    Phase::ALL.into_iter().map(|ph| (ph, progress(items.iter().filter(|i| i.phase == ph), now))).collect()
}

/// The next open items: overdue first, then by due date and plan order.
pub fn next_steps(items: &[PlanItem], n: usize) -> Vec<PlanItem> {
    let mut open: Vec<_> = items.iter().filter(|i| i.done_at_ms.is_none()).cloned().collect();
    open.sort_by_key(|i| (i.due_at_ms, i.phase, i.position));
    open.truncate(n);
    open
}

/// Per item title across partners: how often it is overdue now, and the
/// median days from plan start to completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stall {
    pub title: String,
    pub overdue: usize,
    pub completed: usize,
    pub median_days: Option<i64>,
}

/// How many instances of one item title are in one state across the
/// program: open (with how many of those are overdue now), or completed
/// `days` whole days after their plan started. The store counts; the page
/// ranks, so no request reads every partner's items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StallCount {
    pub title: String,
    /// `None` for open items, else whole days from plan start to completion.
    pub days: Option<i64>,
    pub count: usize,
    pub overdue: usize,
}

/// Ranks item titles by how many are overdue now, then by the median days
/// to complete them (slowest first), then by title.
pub fn stalls(counts: &[StallCount]) -> Vec<Stall> {
    use std::collections::BTreeMap;
    /// Per title: overdue now, and completions as (days, how many).
    type Tally = (usize, Vec<(i64, usize)>);
    let mut by_title: BTreeMap<&str, Tally> = BTreeMap::new();
    for c in counts {
        let e = by_title.entry(c.title.as_str()).or_default();
        e.0 += c.overdue;
        if let Some(days) = c.days {
            // A completion recorded before the plan started counts as day 0.
            e.1.push((days.max(0), c.count));
        }
    }
    let mut out: Vec<Stall> = by_title
        .into_iter()
        .map(|(title, (overdue, mut days))| {
            days.sort_unstable();
            let completed = days.iter().map(|d| d.1).sum();
            Stall { title: title.to_owned(), overdue, completed, median_days: median(&days, completed) }
        })
        .collect();
    out.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(b.median_days.cmp(&a.median_days)).then(a.title.cmp(&b.title)));
    out
}

/// The median of whole days counted as `(days, how many)` in ascending
/// order; an even count takes the lower middle so the result stays a whole
/// day that actually occurred.
fn median(sorted: &[(i64, usize)], n: usize) -> Option<i64> {
    let middle = n.checked_sub(1)? / 2;
    let mut seen = 0;
    for &(days, count) in sorted {
        seen += count;
        if seen > middle {
            return Some(days);
        }
    }
    None
}

/// An onboarding template item (program data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateItem {
    pub id: i64,
    pub phase: Phase,
    pub position: i64,
    pub title: String,
    pub binding: Option<Binding>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::listing::order;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn item(id: i64, phase: Phase, done: Option<DateTime<Utc>>) -> PlanItem {
        PlanItem {
            id,
            phase,
            position: id,
            title: format!("item {id}"),
            binding: None,
            due_at_ms: phase.due(t0()).timestamp_millis(),
            done_at_ms: done.map(|d| d.timestamp_millis()),
            done_by: None,
        }
    }

    #[test]
    fn each_phase_falls_due_at_the_end_of_its_last_week() {
        assert_eq!(Phase::Preparation.due(t0()), t0() + Duration::days(14));
        assert_eq!(Phase::TechnicalIntegration.due(t0()), t0() + Duration::days(56));
        assert_eq!(Phase::BusinessAlignment.due(t0()), t0() + Duration::days(70));
        assert_eq!(Phase::LaunchAndOptimization.due(t0()), t0() + Duration::days(84));
    }

    #[test]
    fn open_items_past_their_due_date_are_overdue_and_done_ones_never_are() {
        let open = item(1, Phase::Preparation, None);
        assert!(!open.is_overdue(t0() + Duration::days(13)));
        assert!(open.is_overdue(t0() + Duration::days(15)));
        assert!(!item(2, Phase::Preparation, Some(t0())).is_overdue(t0() + Duration::days(60)));
    }

    #[test]
    fn progress_counts_done_and_overdue_items_per_phase() {
        let items = vec![
            item(1, Phase::Preparation, Some(t0())),
            item(2, Phase::Preparation, None),
            item(3, Phase::TechnicalIntegration, None),
        ];
        let now = t0() + Duration::days(20);
        let all = progress(&items, now);
        assert_eq!((all.done, all.total, all.overdue, all.percent()), (1, 3, 1, 33));
        let phases = progress_by_phase(&items, now);
        assert_eq!(phases[0].1.percent(), 50);
        assert_eq!(phases[1].1.overdue, 0);
        assert_eq!(phases[3].1.total, 0);
        assert_eq!(phases[3].1.percent(), 0);
    }

    #[test]
    fn the_next_steps_are_the_earliest_due_open_items() {
        let items = vec![
            item(1, Phase::TechnicalIntegration, None),
            item(2, Phase::Preparation, Some(t0())),
            item(3, Phase::Preparation, None),
            item(4, Phase::LaunchAndOptimization, None),
            item(5, Phase::BusinessAlignment, None),
        ];
        let ids: Vec<_> = next_steps(&items, 3).into_iter().map(|i| i.id).collect();
        assert_eq!(ids, vec![3, 1, 5]);
    }

    fn count(title: &str, days: Option<i64>, count: usize, overdue: usize) -> StallCount {
        StallCount { title: title.into(), days, count, overdue }
    }

    #[test]
    fn stalls_rank_the_most_overdue_items_with_their_median_days() {
        let rows = stalls(&[
            count("Sign the partner agreement", None, 2, 2),
            count("Sign the partner agreement", Some(3), 1, 0),
            count("Sign the partner agreement", Some(9), 1, 0),
            count("Review documentation", Some(1), 1, 0),
        ]);
        assert_eq!(rows[0].title, "Sign the partner agreement");
        assert_eq!((rows[0].overdue, rows[0].completed, rows[0].median_days), (2, 2, Some(3)));
        assert_eq!((rows[1].overdue, rows[1].median_days), (0, Some(1)));
    }

    #[test]
    fn the_median_counts_every_completion_in_a_day_not_each_day_once() {
        // Days 2, 2, 2, 8: the median is 2, though two distinct days were seen.
        let rows = stalls(&[count("Go live", Some(8), 1, 0), count("Go live", Some(2), 3, 0)]);
        assert_eq!((rows[0].completed, rows[0].median_days), (4, Some(2)));
    }

    #[test]
    fn a_completion_before_the_plan_started_counts_as_day_zero_and_open_items_have_no_median() {
        let rows = stalls(&[count("Early", Some(-3), 1, 0), count("Open", None, 4, 1)]);
        assert_eq!((rows[0].title.as_str(), rows[0].median_days, rows[0].completed), ("Open", None, 0));
        assert_eq!((rows[1].title.as_str(), rows[1].median_days), ("Early", Some(0)));
    }

    #[test]
    fn every_partner_column_orders_the_list_and_anything_else_sorts_by_name() {
        for c in PartnerColumn::ALL {
            let order = order(&PARTNER_COLUMNS, c.key(), "");
            assert_eq!(PartnerSort::of(&order), PartnerSort::by(*c));
        }
        assert_eq!(PartnerSort::of(&order(&PARTNER_COLUMNS, "name; DROP TABLE", "")).column, PartnerColumn::Name);
        assert!(PartnerSort::by(PartnerColumn::Overdue).descending, "most overdue first");
        assert!(!PartnerSort::by(PartnerColumn::Progress).descending, "least progress first");
    }

    #[test]
    fn bindings_and_phases_round_trip_through_their_keys() {
        for b in Binding::ALL {
            assert_eq!(Binding::parse(b.key()), Some(b));
        }
        for p in Phase::ALL {
            assert_eq!(Phase::parse(p.key()), Some(p));
        }
    }
}
