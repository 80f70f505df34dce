//! A monthly statement read as a document (guide "Partner Revenue Share":
//! "Monthly statements with line-item detail"): a summary that says where
//! the payable amount comes from, and subtotals by kind and by customer.
//! The store sums the lines by customer, kind and adjustment in one query;
//! these rules turn those sums into the figures a partner reads.

use super::ledger::{close_statement, LineKind, PayoutStatus, StatementStatus};
use super::listing::{Column, Order, Sort};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The lines of one statement summed per customer, kind and whether they
/// adjust an earlier month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineGroup {
    /// Empty for lines that belong to no customer (bonuses, bounties, funds).
    pub customer: String,
    pub kind: LineKind,
    pub adjustment: bool,
    pub lines: i64,
    pub base_minor: i64,
    pub amount_minor: i64,
}

/// Where the statement's amount comes from, in the statement's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Revenue invoiced this month that earned commission.
    pub gross_minor: i64,
    /// Commission on this month's invoices.
    pub commission_minor: i64,
    /// Commission taken back for this month's refunds (zero or less).
    pub clawbacks_minor: i64,
    /// Volume bonuses, integration bounties and co-marketing funds.
    pub rewards_minor: i64,
    /// Lines for earlier months whose revenue arrived after they closed.
    pub adjustments_minor: i64,
    /// The sum of every line: the four parts above add up to it.
    pub lines_total_minor: i64,
    pub carried_in_minor: i64,
    /// Set once closed: what is paid, and what (a negative balance) moves
    /// to the next statement.
    pub payable_minor: Option<i64>,
    pub carried_forward_minor: Option<i64>,
}

/// The summary of a statement from its line sums; a closed statement adds
/// what it carried in and splits the balance into payable and carried
/// forward exactly as closing did.
pub fn summary(groups: &[LineGroup], carried_in_minor: i64, closed: bool) -> Summary {
    let mut s = Summary {
        gross_minor: 0,
        commission_minor: 0,
        clawbacks_minor: 0,
        rewards_minor: 0,
        adjustments_minor: 0,
        lines_total_minor: 0,
        carried_in_minor: if closed { carried_in_minor } else { 0 },
        payable_minor: None,
        carried_forward_minor: None,
    };
    for g in groups {
        s.lines_total_minor += g.amount_minor;
        if g.adjustment {
            s.adjustments_minor += g.amount_minor;
            continue;
        }
        match g.kind {
            LineKind::Commission => {
                s.gross_minor += g.base_minor;
                s.commission_minor += g.amount_minor;
            }
            LineKind::Clawback => s.clawbacks_minor += g.amount_minor,
            LineKind::Bonus | LineKind::Bounty | LineKind::Fund => s.rewards_minor += g.amount_minor,
        }
    }
    if closed {
        let closing = close_statement(carried_in_minor, s.lines_total_minor);
        s.payable_minor = Some(closing.payout_minor.unwrap_or(0));
        s.carried_forward_minor = Some(closing.carry_forward_minor);
    }
    s
}

/// One subtotal row: how many lines, the revenue they are based on (only
/// where a rate applies to revenue: commission and clawbacks), and their
/// amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subtotal {
    pub label: String,
    pub lines: i64,
    pub base_minor: Option<i64>,
    pub amount_minor: i64,
}

/// What a line without a customer is listed under.
pub const PROGRAM: &str = "Program rewards (bonuses, bounties, funds)";

/// Whether a line's amount is a rate of revenue (so it has a base and a
/// rate to show) rather than an amount of its own.
pub fn based_on_revenue(kind: LineKind) -> bool {
    matches!(kind, LineKind::Commission | LineKind::Clawback)
}

fn add(row: &mut Subtotal, g: &LineGroup) {
    row.lines += g.lines;
    row.amount_minor += g.amount_minor;
    if based_on_revenue(g.kind) {
        *row.base_minor.get_or_insert(0) += g.base_minor;
    }
}

/// Subtotals per kind in the ledger's order, then one row for adjustments
/// to earlier months; kinds without lines are left out.
pub fn by_kind(groups: &[LineGroup]) -> Vec<Subtotal> {
    let mut rows: Vec<Subtotal> = LineKind::ALL
        .iter()
        .map(|k| Subtotal { label: k.label().to_owned(), lines: 0, base_minor: None, amount_minor: 0 })
        .collect();
    let mut adjustments =
        Subtotal { label: "Adjustments to earlier months".to_owned(), lines: 0, base_minor: None, amount_minor: 0 };
    for g in groups {
        if g.adjustment {
            add(&mut adjustments, g);
        } else if let Some(i) = LineKind::ALL.iter().position(|k| *k == g.kind) {
            add(&mut rows[i], g);
        }
    }
    rows.push(adjustments);
    rows.retain(|r| r.lines > 0);
    rows
}

/// Subtotals per customer, the largest amount first (then by name), with
/// the lines that belong to no customer last under `PROGRAM`.
pub fn by_customer(groups: &[LineGroup]) -> Vec<Subtotal> {
    let mut customers: BTreeMap<&str, Subtotal> = BTreeMap::new();
    let mut program = Subtotal { label: PROGRAM.to_owned(), lines: 0, base_minor: None, amount_minor: 0 };
    for g in groups {
        if g.customer.trim().is_empty() {
            add(&mut program, g);
            continue;
        }
        let row = customers.entry(g.customer.as_str()).or_insert_with(|| Subtotal {
            label: g.customer.clone(),
            lines: 0,
            base_minor: None,
            amount_minor: 0,
        });
        add(row, g);
    }
    let mut rows: Vec<Subtotal> = customers.into_values().collect();
    rows.sort_by(|a, b| b.amount_minor.cmp(&a.amount_minor).then_with(|| a.label.cmp(&b.label)));
    if program.lines > 0 {
        rows.push(program);
    }
    rows
}

choices!(
    /// The columns that order the staff's list of every statement.
    StatementColumn {
        Month => "month", "Month";
        Partner => "partner", "Partner";
        Commission => "commission", "Commission";
        Balance => "balance", "Balance";
    }
);

/// The newest month first (the default); amounts start with the largest.
pub const STATEMENT_COLUMNS: [Column; 4] =
    [Column::down("month"), Column::up("partner"), Column::down("commission"), Column::down("balance")];

/// The order of the statement list; ties go by month (newest first), then
/// partner and currency.
pub type StatementSort = Sort<StatementColumn>;

impl StatementSort {
    pub fn of(order: &Order) -> StatementSort {
        Sort::read(order, StatementColumn::parse, StatementColumn::Month)
    }
}

/// Statements listed per page.
pub const STATEMENTS_PAGE: usize = 50;

choices!(
    /// Which statements the list shows, by where they stand: still open,
    /// closed, or where their payout is.
    StatementShow {
        All => "all", "All statements";
        Open => "open", "Open";
        Closed => "closed", "Closed";
        AwaitingApproval => "approval", "Payout waiting for approval";
        AwaitingPayment => "payment", "Payout approved, not paid";
        Paid => "paid", "Paid";
    }
);

impl StatementShow {
    /// Read from the address; anything unknown shows every statement.
    pub fn read(key: &str) -> StatementShow {
        StatementShow::parse(key).unwrap_or(StatementShow::All)
    }

    /// The statement's state and its payout's that this choice asks for,
    /// each `None` when any will do.
    pub fn states(self) -> (Option<StatementStatus>, Option<PayoutStatus>) {
        match self {
            StatementShow::All => (None, None),
            StatementShow::Open => (Some(StatementStatus::Open), None),
            StatementShow::Closed => (Some(StatementStatus::Closed), None),
            StatementShow::AwaitingApproval => (Some(StatementStatus::Closed), Some(PayoutStatus::Pending)),
            StatementShow::AwaitingPayment => (Some(StatementStatus::Closed), Some(PayoutStatus::Approved)),
            StatementShow::Paid => (Some(StatementStatus::Closed), Some(PayoutStatus::Paid)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn group(customer: &str, kind: LineKind, adjustment: bool, base: i64, amount: i64) -> LineGroup {
        LineGroup { customer: customer.into(), kind, adjustment, lines: 1, base_minor: base, amount_minor: amount }
    }

    fn sample() -> Vec<LineGroup> {
        vec![
            group("Globex", LineKind::Commission, false, 100_000, 20_000),
            group("Globex", LineKind::Clawback, false, -10_000, -2_000),
            group("Initech", LineKind::Commission, false, 25_000, 5_000),
            group("Initech", LineKind::Commission, true, 5_000, 1_000),
            group("", LineKind::Bounty, false, 0, 50_000),
        ]
    }

    #[test]
    fn an_open_statement_sums_its_lines_and_leaves_payable_to_closing() {
        let s = summary(&sample(), -3_000, false);
        assert_eq!(s.gross_minor, 125_000);
        assert_eq!(s.commission_minor, 25_000);
        assert_eq!(s.clawbacks_minor, -2_000);
        assert_eq!(s.rewards_minor, 50_000);
        assert_eq!(s.adjustments_minor, 1_000);
        assert_eq!(s.lines_total_minor, 74_000);
        assert_eq!((s.carried_in_minor, s.payable_minor, s.carried_forward_minor), (0, None, None));
    }

    #[test]
    fn a_closed_statement_pays_its_balance_after_what_it_carried_in() {
        let s = summary(&sample(), -3_000, true);
        assert_eq!(s.carried_in_minor, -3_000);
        assert_eq!(s.payable_minor, Some(71_000));
        assert_eq!(s.carried_forward_minor, Some(0));
    }

    #[test]
    fn a_closed_statement_whose_refunds_outweigh_its_commission_pays_nothing_and_carries_the_rest() {
        let s = summary(&[group("Globex", LineKind::Clawback, false, -50_000, -10_000)], 0, true);
        assert_eq!((s.payable_minor, s.carried_forward_minor), (Some(0), Some(-10_000)));
    }

    #[test]
    fn subtotals_by_kind_follow_the_ledger_order_with_adjustments_last_and_skip_empty_kinds() {
        let rows = by_kind(&sample());
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["Commission", "Refund clawback", "Integration bounty", "Adjustments to earlier months"]);
        assert_eq!(rows[0].base_minor, Some(125_000));
        assert_eq!(rows[0].amount_minor, 25_000);
        assert_eq!(rows[2].base_minor, None, "a bounty is not based on revenue");
    }

    #[test]
    fn subtotals_by_customer_put_the_largest_first_and_program_rewards_last() {
        let rows = by_customer(&sample());
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["Globex", "Initech", PROGRAM]);
        assert_eq!((rows[0].lines, rows[0].base_minor, rows[0].amount_minor), (2, Some(90_000), 18_000));
        assert_eq!((rows[1].lines, rows[1].amount_minor), (2, 6_000));
        assert_eq!(rows[2].base_minor, None);
    }

    #[test]
    fn a_statement_without_lines_has_no_subtotals_and_sums_to_zero() {
        assert!(by_kind(&[]).is_empty());
        assert!(by_customer(&[]).is_empty());
        assert_eq!(summary(&[], 0, false).lines_total_minor, 0);
    }

    fn any_group() -> impl Strategy<Value = LineGroup> {
        (
            prop::sample::select(vec!["", "Acme", "Globex"]),
            prop::sample::select(LineKind::ALL.to_vec()),
            any::<bool>(),
            1i64..20,
            -1_000_000i64..1_000_000,
            -200_000i64..200_000,
        )
            .prop_map(|(c, kind, adjustment, lines, base, amount)| LineGroup {
                customer: c.into(),
                kind,
                adjustment,
                lines,
                base_minor: base,
                amount_minor: amount,
            })
    }

    proptest! {
        #[test]
        fn the_summary_parts_and_both_subtotal_lists_add_up_to_the_lines_total(
            groups in prop::collection::vec(any_group(), 0..40), carried in -100_000i64..100_000
        ) {
            let s = summary(&groups, carried, true);
            prop_assert_eq!(
                s.commission_minor + s.clawbacks_minor + s.rewards_minor + s.adjustments_minor,
                s.lines_total_minor
            );
            prop_assert_eq!(by_kind(&groups).iter().map(|r| r.amount_minor).sum::<i64>(), s.lines_total_minor);
            prop_assert_eq!(by_customer(&groups).iter().map(|r| r.amount_minor).sum::<i64>(), s.lines_total_minor);
            let lines: i64 = groups.iter().map(|g| g.lines).sum();
            prop_assert_eq!(by_customer(&groups).iter().map(|r| r.lines).sum::<i64>(), lines);
            prop_assert_eq!(
                s.payable_minor.unwrap_or(0) + s.carried_forward_minor.unwrap_or(0),
                carried + s.lines_total_minor
            );
        }
    }

    #[test]
    fn the_statement_list_starts_with_the_newest_month_and_reads_unknown_choices_as_the_defaults() {
        use crate::domain::listing::order;
        let sort = StatementSort::of(&order(&STATEMENT_COLUMNS, "", ""));
        assert_eq!((sort.column, sort.descending), (StatementColumn::Month, true));
        let sort = StatementSort::of(&order(&STATEMENT_COLUMNS, "partner", ""));
        assert_eq!((sort.column, sort.descending), (StatementColumn::Partner, false));
        assert_eq!(StatementShow::read("nonsense"), StatementShow::All);
    }

    #[test]
    fn a_payout_choice_only_finds_closed_statements_as_only_those_have_payouts() {
        for show in StatementShow::ALL {
            let (status, payout) = show.states();
            if payout.is_some() {
                assert_eq!(status, Some(StatementStatus::Closed), "{show:?}");
            }
        }
        assert_eq!(StatementShow::All.states(), (None, None));
    }

    #[test]
    fn only_commission_and_clawbacks_are_a_rate_of_revenue() {
        let on_revenue: Vec<LineKind> = LineKind::ALL.iter().copied().filter(|k| based_on_revenue(*k)).collect();
        assert_eq!(on_revenue, [LineKind::Commission, LineKind::Clawback]);
    }
}
