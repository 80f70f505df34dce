//! What the revenue pages receive from the server: the types its server
//! functions return and its services build.

use crate::domain::billing::BillingCustomer;
use crate::domain::ledger::{CustomerFigure, ImportRecord, Month, Payout, RowError, Statement, StatementLine};
use crate::domain::listing::Order;
use crate::domain::revenue::{Currency, Money};
use crate::domain::statement::{StatementShow, Subtotal, Summary};
use crate::domain::terms::TermsVersion;
use serde::{Deserialize, Serialize};

/// One currency's figures for the months of a chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub currency: Currency,
    /// (month, revenue, commission) for every month shown, zeros included.
    pub points: Vec<(Month, i64, i64)>,
}

/// A reseller's progress through this quarter's volume-bonus schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BonusProgress {
    pub quarter: String,
    pub revenue: Money,
    /// The bonus reached so far (paid when the quarter closes).
    pub reached: Money,
    /// (threshold, still to go, bonus it pays).
    pub next: Option<(Money, Money, Money)>,
    pub has_schedule: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueDashboard {
    pub organisation_id: i64,
    pub organisation: String,
    pub now: Month,
    /// Commission this month and this year, per currency.
    pub month_to_date: Vec<Money>,
    pub year_to_date: Vec<Money>,
    pub trend: Vec<Series>,
    pub customers: Vec<CustomerFigure>,
    pub statements: Vec<Statement>,
    pub terms: Vec<TermsVersion>,
    /// The version in force today.
    pub current_version: Option<i64>,
    pub bonus: Option<BonusProgress>,
    /// Staff see the terms editor.
    pub can_manage: bool,
    /// Administrators may give new terms a past effective day, with a reason.
    pub can_backdate: bool,
    pub today: String,
}

/// One partner's place in a ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    pub organisation_id: i64,
    pub organisation: String,
    pub revenue: Money,
    pub commission: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramView {
    pub now: Month,
    pub trend: Vec<Series>,
    pub by_revenue: Vec<Ranked>,
    pub by_commission: Vec<Ranked>,
    /// The oldest `PAYOUTS_SHOWN` payouts waiting for approval, then for
    /// payment, of `payouts_total`.
    pub payouts: Vec<Payout>,
    pub payouts_total: usize,
    /// Open statements of months that are over, oldest first: the first
    /// `CLOSABLE_SHOWN` of `closable_total`.
    pub closable: Vec<Statement>,
    pub closable_total: usize,
    pub imports: Vec<ImportRecord>,
    /// The approved partners to choose from when recording an event; empty
    /// when there are more than `PARTNER_CHOICES` (the form then takes a
    /// name or number).
    pub partners: Vec<(i64, String)>,
    pub today: String,
}

/// One page of every statement of the program, for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementList {
    /// One page (`domain::statement::STATEMENTS_PAGE`) in the order shown.
    pub statements: Vec<Statement>,
    pub order: Order,
    pub show: StatementShow,
    /// The search as applied, if any.
    pub search: Option<String>,
    /// 1-based page shown, of `pages`; `total` statements match.
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

/// A page of the program's revenue imports, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportList {
    pub imports: Vec<ImportRecord>,
    /// `imported`, `refused`, or empty for every import.
    pub show: String,
    /// Where the next page starts, when older imports remain.
    pub older_than: Option<i64>,
    /// Whether this page came after another (so there are newer ones).
    pub paged: bool,
}

/// A check of a revenue file: what importing it would do, or why it
/// would be refused. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCheck {
    pub source: String,
    pub row_count: usize,
    pub checked_at_ms: i64,
    /// The headline (`ledger::checked_summary` or `refused_check_summary`).
    pub summary: String,
    /// Every problem, when importing would be refused.
    pub problems: Vec<RowError>,
    /// Where the lines would land, partner by partner and month by month.
    pub statements: Vec<CheckedStatement>,
    /// Statements in all; more than `statements` holds for a large file.
    pub statements_total: usize,
}

/// One statement a checked import would add lines to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedStatement {
    pub partner: String,
    pub month: Month,
    pub events: usize,
    pub revenue: Money,
    pub commission: Money,
    /// Lines for an earlier month's event.
    pub adjustments: usize,
    /// A month before the current one: once imported, its statement can be
    /// closed straight away ("Close past statements").
    pub past: bool,
}

/// The billing feed page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingSettings {
    /// The address to give Stripe as the webhook endpoint.
    pub endpoint: String,
    pub connected: Option<BillingLink>,
    /// Whether the viewer may connect Stripe (administrators).
    pub can_connect: bool,
    pub customers: Vec<BillingCustomer>,
    /// Approved partners to attribute a customer to.
    pub partners: Vec<(i64, String)>,
}

/// A connected billing system, shown without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingLink {
    /// `whsec_…` and the secret's last characters.
    pub hint: String,
    pub connected_by: String,
    pub connected_at_ms: i64,
    pub last_delivery_ms: Option<i64>,
}

/// Imports per page of the imports list.
pub const IMPORTS_PAGE: usize = 50;

/// Partners in each of the program page's rankings.
pub const RANKED: i64 = 20;

/// Waiting payouts listed on the program page; the rest are counted.
pub const PAYOUTS_SHOWN: usize = 50;

/// Above this many partners the record form asks for a name or number
/// instead of offering a list.
pub const PARTNER_CHOICES: usize = 200;

/// Statements to close listed on the program page; closing them all is one
/// button, so a long tail is counted rather than rendered.
pub const CLOSABLE_SHOWN: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementView {
    pub statement: Statement,
    /// One page of the lines (`LINES_PER_PAGE`), in statement order.
    pub lines: Vec<StatementLine>,
    pub can_manage: bool,
    /// 1-based page shown, of `pages`; `lines_count` lines in all.
    pub page: usize,
    pub pages: usize,
    pub lines_count: usize,
    /// Where the amount comes from, over every line (not only this page's).
    pub summary: Summary,
    pub by_kind: Vec<Subtotal>,
    pub by_customer: Vec<Subtotal>,
}

/// Statement lines per page: a busy partner's month has thousands.
pub const LINES_PER_PAGE: usize = 50;
