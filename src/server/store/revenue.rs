//! SQL for the revenue ledger, shared by both engines through
//! `revenue_store!`. Every line is written by `insert_lines`, which also
//! moves its statement's total and the rollups in the same transaction, so
//! dashboards never scan the ledger and totals never drift from lines.

use super::common::*;
pub(super) use crate::domain::billing::BillingCustomer;
pub(super) use crate::domain::ledger::{
    bounty, check_close, close_statement, commission_notices, in_force_for_close, plan_import, quarter_bonus,
    statement_month, CustomerFigure, EventInput, EventKind, ImportPlan, ImportRecord, KnownEvent, KnownLine,
    LedgerContext, LineKind, Month, MonthlyFigure, Payout, PayoutStatus, RowError, Statement, StatementLine,
    StatementStatus,
};
pub(super) use crate::domain::revenue::{Commission, Currency, Money, ShareRule};
pub(super) use crate::domain::statement::{LineGroup, StatementColumn, StatementSort};
pub(super) use crate::domain::terms::{in_force, TermsVersion};
pub(super) use std::collections::{BTreeMap, HashMap};

/// Revenue events to check and record as one import.
#[derive(Debug, Clone)]
pub struct ImportBatch {
    /// A file name, "pasted" or "form".
    pub source: String,
    pub rows: Vec<EventInput>,
    /// Rows in the file, including any refused before planning.
    pub row_count: usize,
    pub created_by: i64,
    /// Check only: report the rows' problems and write nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone)]
pub enum ImportOutcome {
    Imported(ImportRecord),
    /// A check (`dry_run`) found no problem: what importing would write.
    /// Nothing was written.
    Checked(ImportPlan),
    /// Nothing was written.
    Rejected(Vec<RowError>),
}

#[async_trait]
pub trait RevenueStore: Send + Sync + 'static {
    /// Every version of a partner's terms, oldest first.
    async fn terms_versions(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<TermsVersion>>;
    /// Adds the next version, taking effect at `effective_from_ms`: not
    /// before the latest version's date unless `backdated` (an
    /// administrator's, with a reason: it then applies until the next
    /// version to take effect, `terms::in_force`); returns its number.
    #[allow(clippy::too_many_arguments)]
    async fn add_terms_version(
        &self,
        brand_id: i64,
        organisation_id: i64,
        effective_from_ms: i64,
        backdated: bool,
        terms: &Terms,
        created_by: i64,
        audit: NewAudit,
    ) -> StoreResult<i64>;
    /// Approved partners that revenue can be recorded for: (id, name).
    async fn revenue_partners(&self, brand_id: i64) -> StoreResult<Vec<(i64, String)>>;
    /// Plans the batch against the ledger (`domain::ledger::plan_import`)
    /// and, if every row passes, writes events, lines, statement totals and
    /// rollups in one transaction. Otherwise writes nothing.
    async fn import_revenue(&self, brand_id: i64, batch: ImportBatch, audit: NewAudit) -> StoreResult<ImportOutcome>;
    /// Keeps a refused import and its row errors for the import history.
    async fn record_rejected_import(
        &self,
        brand_id: i64,
        source: &str,
        row_count: usize,
        errors: &[RowError],
        audit: NewAudit,
    ) -> StoreResult<i64>;
    /// The newest `limit` imports with an id below `before` (all if `None`),
    /// only those that were (`Some(true)`) or were not imported if asked.
    async fn revenue_imports(
        &self,
        brand_id: i64,
        before: Option<i64>,
        imported: Option<bool>,
        limit: i64,
    ) -> StoreResult<Vec<ImportRecord>>;
    async fn revenue_import(&self, brand_id: i64, id: i64) -> StoreResult<Option<ImportRecord>>;
    /// Newest month first.
    async fn statements(
        &self,
        brand_id: i64,
        organisation_id: Option<i64>,
        status: Option<StatementStatus>,
    ) -> StoreResult<Vec<Statement>>;
    /// `limit` of the brand's statements from `offset` in `sort` order,
    /// only those `filter` lets through; and how many it lets through.
    async fn statements_page(
        &self,
        brand_id: i64,
        filter: &StatementFilter,
        sort: StatementSort,
        offset: i64,
        limit: i64,
    ) -> StoreResult<(Vec<Statement>, i64)>;
    async fn statement(&self, brand_id: i64, id: i64) -> StoreResult<Option<(Statement, Vec<StatementLine>)>>;
    /// The statement with `limit` of its lines from `offset` (in line
    /// order), and how many lines it has in all.
    async fn statement_lines_page(
        &self,
        brand_id: i64,
        id: i64,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Option<(Statement, Vec<StatementLine>, i64)>>;
    /// The statement's lines summed per customer, kind and adjustment, for
    /// its summary and subtotals (`domain::statement`); none for a
    /// statement of another brand.
    async fn statement_line_groups(&self, brand_id: i64, id: i64) -> StoreResult<Vec<LineGroup>>;
    /// Closes a statement (rules: `domain::ledger::check_close`), adding the
    /// quarter's volume bonus, carrying in a negative balance, creating the
    /// payout of a positive one, and writing a `statement.closed` event.
    async fn close_statement(
        &self,
        brand_id: i64,
        id: i64,
        now: Month,
        closed_by: i64,
        mails: Vec<OutgoingEmail>,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Approves payouts seen waiting for approval (each at its version),
    /// all or none: if one changed meanwhile, nothing is approved.
    async fn approve_payouts(
        &self,
        brand_id: i64,
        payouts: &[Payout],
        by: i64,
        audits: Vec<NewAudit>,
    ) -> StoreResult<()>;
    /// Moves a payout from the state it was seen in (at its version) to `to`.
    async fn move_payout(
        &self,
        brand_id: i64,
        payout: &Payout,
        to: PayoutStatus,
        reference: Option<&str>,
        by: i64,
        audit: NewAudit,
    ) -> StoreResult<()>;
    async fn payouts(&self, brand_id: i64, status: Option<PayoutStatus>) -> StoreResult<Vec<Payout>>;
    async fn payout(&self, brand_id: i64, id: i64) -> StoreResult<Option<Payout>>;
    /// For each quarter (its three months) with revenue but no statement for
    /// its last month, opens that statement so its close computes the
    /// quarter's volume bonus. Returns how many were opened.
    async fn open_quarter_end_statements(
        &self,
        brand_id: i64,
        quarters: &[[Month; 3]],
        now_ms: i64,
    ) -> StoreResult<u64>;
    /// The whole program's figures between two months inclusive, one per
    /// month and currency (`organisation_id` 0, no name).
    async fn program_monthly_totals(&self, brand_id: i64, from: Month, to: Month) -> StoreResult<Vec<MonthlyFigure>>;
    /// The `limit` partners with the most revenue (or commission) in a
    /// calendar year, per currency, highest first and then by name:
    /// (organisation, name, currency, revenue, commission).
    async fn top_partners(
        &self,
        brand_id: i64,
        year: i32,
        by_commission: bool,
        limit: i64,
    ) -> StoreResult<Vec<(i64, String, Currency, i64, i64)>>;
    /// The oldest `limit` open statements of months before `before`, and how
    /// many there are in all.
    async fn closable_statements(&self, brand_id: i64, before: Month, limit: i64)
        -> StoreResult<(Vec<Statement>, i64)>;
    /// The oldest `limit` payouts waiting for approval, then for payment, and
    /// how many wait in all.
    async fn payouts_waiting(&self, brand_id: i64, limit: i64) -> StoreResult<(Vec<Payout>, i64)>;
    /// Up to `limit` approved partners by name, for a choice on a form.
    async fn revenue_partners_upto(&self, brand_id: i64, limit: i64) -> StoreResult<Vec<(i64, String)>>;
    /// The program's billing connection, if an administrator made one.
    async fn billing_connection(&self, brand_id: i64) -> StoreResult<Option<BillingConnection>>;
    /// Connects the billing feed, replacing an earlier secret.
    async fn connect_billing(
        &self,
        brand_id: i64,
        secret_sealed: &str,
        secret_hint: &str,
        by: i64,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Notes when the feed last delivered something it verified.
    async fn billing_delivered(&self, brand_id: i64, at_ms: i64) -> StoreResult<()>;
    /// Customers attributed to partners, by customer id.
    async fn billing_customers(&self, brand_id: i64) -> StoreResult<Vec<BillingCustomer>>;
    /// The partner a billing customer is attributed to.
    async fn billing_partner(&self, brand_id: i64, customer_ref: &str) -> StoreResult<Option<i64>>;
    /// Attributes a customer to an approved partner of the brand, replacing
    /// an earlier attribution. `NotFound` for another brand's partner.
    async fn attribute_billing_customer(
        &self,
        brand_id: i64,
        customer_ref: &str,
        organisation_id: i64,
        by: i64,
        audit: NewAudit,
    ) -> StoreResult<()>;
    /// Removes an attribution; false if there was none.
    async fn remove_billing_customer(&self, brand_id: i64, customer_ref: &str, audit: NewAudit) -> StoreResult<bool>;
    /// Rollup figures between two months inclusive, for one partner or all.
    async fn monthly_figures(
        &self,
        brand_id: i64,
        organisation_id: Option<i64>,
        from: Month,
        to: Month,
    ) -> StoreResult<Vec<MonthlyFigure>>;
    /// One partner's customers between two months, by revenue.
    async fn customer_figures(
        &self,
        brand_id: i64,
        organisation_id: i64,
        from: Month,
        to: Month,
    ) -> StoreResult<Vec<CustomerFigure>>;
}

/// A program's billing connection as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BillingConnection {
    pub provider: String,
    /// Encrypted under the server's secret (`Secrets::seal`).
    pub secret_sealed: String,
    pub secret_hint: String,
    pub connected_by: i64,
    pub connected_by_email: String,
    pub connected_at: i64,
    pub last_delivery_at: Option<i64>,
}

/// The payload of `payout.approved` and `payout.paid`.
pub(super) fn payout_payload(payout: &Payout, reference: Option<&str>, at: i64) -> serde_json::Value {
    serde_json::json!({
        "organisation_id": payout.organisation_id,
        "payout_id": payout.id,
        "statement_id": payout.statement_id,
        "amount_minor": payout.amount.minor,
        "currency": payout.amount.currency.code(),
        "reference": reference,
        "at": at,
    })
}

/// SQLite and PostgreSQL both take this many parameters in one statement
/// with room to spare.
pub(super) const CHUNK: usize = 400;

/// `$first, $first+1, …` for an IN list of `n` values.
pub(super) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Parameters one multi-row statement binds at most: well under SQLite's
/// 32,766 and PostgreSQL's 65,535, and enough that a 5,000-row import is a
/// handful of statements rather than eight per row.
pub(super) const BATCH_PARAMS: usize = 16_000;

/// `rows` tuples of `casts.len()` parameters for a `VALUES` list: `$1`,
/// `$2`, … when `numbered`, otherwise `?` each (bound in order). A
/// non-empty cast names the SQL type of its column, which PostgreSQL needs
/// where nothing else tells it (a `VALUES` in a `WITH`).
pub(super) fn values(rows: usize, casts: &[&str], numbered: bool) -> String {
    let cols = casts.len();
    (0..rows)
        .map(|r| {
            let row = casts
                .iter()
                .enumerate()
                .map(|(c, cast)| {
                    let p = if numbered { format!("${}", r * cols + c + 1) } else { "?".to_string() };
                    match *cast {
                        "" => p,
                        t => format!("CAST({p} AS {t})"),
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("({row})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The columns of a rollup: its key, what a new row also carries, and the
/// sums a line adds to.
pub(super) struct Rollup<'a> {
    pub table: &'a str,
    pub keys: &'a [&'a str],
    pub carried: &'a [&'a str],
    pub sums: &'a [&'a str],
}

/// The rollups every ledger line adds to (migrations 0006 and 0016).
pub(super) const PARTNER_MONTHS: Rollup<'static> = Rollup {
    table: "revenue_monthly",
    keys: &["organisation_id", "currency", "month"],
    carried: &[],
    sums: &["revenue_minor", "commission_minor"],
};

pub(super) const PROGRAM_MONTHS: Rollup<'static> = Rollup {
    table: "revenue_program_monthly",
    keys: &["brand_id", "currency", "month"],
    carried: &[],
    sums: &["revenue_minor", "commission_minor"],
};

pub(super) const PARTNER_YEARS: Rollup<'static> = Rollup {
    table: "revenue_yearly",
    keys: &["organisation_id", "currency", "year"],
    carried: &["brand_id"],
    sums: &["revenue_minor", "commission_minor"],
};

pub(super) const CUSTOMER_MONTHS: Rollup<'static> = Rollup {
    table: "revenue_by_customer",
    keys: &["organisation_id", "currency", "month", "customer"],
    carried: &[],
    sums: &["revenue_minor", "commission_minor", "customer_price_minor"],
};

/// A multi-row upsert adding to a rollup's sums, bound key columns first,
/// then carried ones, then the sums: the shape of every rollup the ledger
/// keeps.
pub(super) fn add_to_rollup_sql(r: &Rollup<'_>, rows: usize, numbered: bool) -> String {
    let t = r.table;
    let columns: Vec<&str> = r.keys.iter().chain(r.carried).chain(r.sums).copied().collect();
    let added = r.sums.iter().map(|c| format!("{c} = {t}.{c} + excluded.{c}")).collect::<Vec<_>>().join(", ");
    format!(
        "INSERT INTO {t} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {added}",
        columns.join(", "),
        values(rows, &vec![""; columns.len()], numbered),
        r.keys.join(", ")
    )
}

/// A rollup row's key: partner, currency, month, customer.
type CustomerKey<'a> = (i64, &'static str, String, &'a str);

/// What a batch of lines adds to the rows kept beside the ledger, summed per
/// row, so a batch writes each statement and rollup row once (PostgreSQL
/// also refuses an upsert that meets the same row twice in one statement).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct LineSums<'a> {
    /// (partner, currency, statement month) → commission.
    pub statements: BTreeMap<(i64, &'static str, String), i64>,
    /// (partner, currency, month the line belongs to) → (revenue, commission).
    pub monthly: BTreeMap<(i64, &'static str, String), (i64, i64)>,
    /// (currency, month the line belongs to) → (revenue, commission).
    pub program: BTreeMap<(&'static str, String), (i64, i64)>,
    /// (partner, currency, year) → (revenue, commission).
    pub yearly: BTreeMap<(i64, &'static str, i64), (i64, i64)>,
    /// (partner, currency, month, customer) → (revenue, commission, customer price);
    /// lines with no customer (bounties, bonuses, funds) have no row here.
    pub customers: BTreeMap<CustomerKey<'a>, (i64, i64, i64)>,
}

impl<'a> LineSums<'a> {
    pub fn of(lines: &[NewLine<'a>]) -> Self {
        let mut s = LineSums::default();
        for l in lines {
            let code = l.commission.amount.currency.code();
            let (org, revenue, commission) = (l.organisation_id, l.revenue_minor, l.commission.amount.minor);
            *s.statements.entry((org, code, l.statement_month.key())).or_default() += commission;
            let add = |v: &mut (i64, i64)| {
                v.0 += revenue;
                v.1 += commission;
            };
            add(s.monthly.entry((org, code, l.belongs.key())).or_default());
            add(s.program.entry((code, l.belongs.key())).or_default());
            add(s.yearly.entry((org, code, i64::from(l.belongs.year))).or_default());
            if !l.customer.is_empty() {
                let v = s.customers.entry((org, code, l.belongs.key(), l.customer)).or_default();
                v.0 += revenue;
                v.1 += commission;
                v.2 += l.customer_price_minor;
            }
        }
        s
    }
}

pub(super) fn currency(code: &str) -> StoreResult<Currency> {
    Currency::parse(code).map_err(|_| super::partners::corrupt("currency"))
}

fn month(key: &str) -> StoreResult<Month> {
    Month::parse(key).ok_or_else(|| super::partners::corrupt("month"))
}

/// A line about to be written.
pub(super) struct NewLine<'a> {
    pub organisation_id: i64,
    pub event_id: Option<i64>,
    pub kind: LineKind,
    pub milestone: Option<&'a str>,
    pub customer: &'a str,
    pub belongs: Month,
    pub statement_month: Month,
    pub adjustment: bool,
    pub commission: Commission,
    pub terms_version: Option<i64>,
    pub first_invoice_ms: Option<i64>,
    /// The revenue the line's event adds (negative for a refund).
    pub revenue_minor: i64,
    pub customer_price_minor: i64,
    pub now_ms: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct KnownRow {
    pub id: i64,
    pub organisation_id: i64,
    pub external_id: String,
    pub customer: String,
    pub occurred_at: i64,
    pub kind: String,
    pub amount_minor: i64,
    pub currency: String,
    pub refunds: Option<String>,
    pub customer_price_minor: Option<i64>,
    pub rate_bps: Option<i64>,
    pub rule: Option<String>,
    pub terms_version: Option<i64>,
    pub refunded: i64,
}

impl KnownRow {
    pub fn into_known(self) -> StoreResult<(i64, KnownEvent)> {
        let bad = || super::partners::corrupt("revenue event");
        let c = currency(&self.currency)?;
        let line = match (self.rate_bps, self.rule.as_deref().and_then(ShareRule::parse)) {
            (Some(rate_bps), Some(rule)) => {
                Some(KnownLine { rate_bps, rule, terms_version: self.terms_version.unwrap_or_default() })
            }
            _ => None,
        };
        Ok((
            self.id,
            KnownEvent {
                event: EventInput {
                    row: 0,
                    organisation_id: self.organisation_id,
                    customer: self.customer,
                    occurred_ms: self.occurred_at,
                    kind: EventKind::parse(&self.kind).ok_or_else(bad)?,
                    amount: Money::new(self.amount_minor, c),
                    refunds: self.refunds,
                    external_id: self.external_id,
                    customer_price_minor: self.customer_price_minor,
                },
                line,
                refunded_minor: self.refunded,
            },
        ))
    }
}

/// Recorded events as an import checks them against (`KnownRow`), with
/// `e` the event; each engine adds how the batch's external ids are looked
/// up (`KNOWN_EVENTS`).
macro_rules! known_select {
    () => {
        "SELECT e.id, e.organisation_id, e.external_id, e.customer, e.occurred_at, \
     e.kind, e.amount_minor, e.currency, inv.external_id AS refunds, e.customer_price_minor, l.rate_bps, l.rule, \
     l.terms_version, CAST((SELECT COALESCE(SUM(r.amount_minor), 0) FROM revenue_events r \
     WHERE r.refunds_event_id = e.id) AS BIGINT) AS refunded \
     FROM revenue_events e LEFT JOIN revenue_events inv ON inv.id = e.refunds_event_id \
     LEFT JOIN commission_lines l ON l.event_id = e.id"
    };
}

#[derive(sqlx::FromRow)]
pub(super) struct TermsVersionRow {
    pub organisation_id: i64,
    pub version: i64,
    pub effective_from: i64,
    #[sqlx(flatten)]
    pub terms: super::partners::TermsRow,
}

impl TermsVersionRow {
    pub fn into_version(self) -> StoreResult<(i64, TermsVersion)> {
        Ok((
            self.organisation_id,
            TermsVersion {
                version: self.version,
                effective_from_ms: self.effective_from,
                terms: self.terms.into_terms()?,
            },
        ))
    }
}

pub(super) fn terms_versions_sql(orgs: usize) -> String {
    format!(
        "SELECT t.organisation_id, t.version, t.effective_from, {} FROM revenue_terms t \
         JOIN organisations o ON o.id = t.organisation_id WHERE o.brand_id = $1 AND t.organisation_id IN ({}) \
         ORDER BY t.organisation_id, t.version",
        super::partners::TERMS_COLUMNS,
        placeholders(2, orgs)
    )
}

#[derive(sqlx::FromRow)]
pub(super) struct StatementRow {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub currency: String,
    pub month: String,
    pub status: String,
    pub lines_total_minor: i64,
    pub carried_in_minor: i64,
    pub balance_minor: Option<i64>,
    pub closed_at: Option<i64>,
    pub payout_id: Option<i64>,
    pub payout_amount: Option<i64>,
    pub payout_status: Option<String>,
    pub payout_reference: Option<String>,
    pub payout_version: Option<i64>,
    pub payout_created: Option<i64>,
    pub payout_paid: Option<i64>,
}

impl StatementRow {
    pub fn into_statement(self) -> StoreResult<Statement> {
        let c = currency(&self.currency)?;
        let m = month(&self.month)?;
        let payout = match (self.payout_id, self.payout_status.as_deref().and_then(PayoutStatus::parse)) {
            (Some(id), Some(status)) => Some(Payout {
                id,
                statement_id: self.id,
                organisation_id: self.organisation_id,
                organisation: self.name.clone(),
                month: m,
                amount: Money::new(self.payout_amount.unwrap_or_default(), c),
                status,
                reference: self.payout_reference,
                version: self.payout_version.unwrap_or_default(),
                created_at_ms: self.payout_created.unwrap_or_default(),
                paid_at_ms: self.payout_paid,
            }),
            _ => None,
        };
        Ok(Statement {
            id: self.id,
            organisation_id: self.organisation_id,
            organisation: self.name,
            currency: c,
            month: m,
            status: StatementStatus::parse(&self.status).ok_or_else(|| super::partners::corrupt("statement"))?,
            lines_total_minor: self.lines_total_minor,
            carried_in_minor: self.carried_in_minor,
            balance_minor: self.balance_minor,
            closed_at_ms: self.closed_at,
            payout,
        })
    }
}

/// Moves one payout on from the state it was seen in, at its version:
/// `$1` the new status, `$2` a payment reference, `$3` the instant, `$4` who,
/// `$5` the payout, `$6` its version, `$7` its status, `$8` the brand.
pub const MOVE_PAYOUT: &str = "UPDATE payouts SET status = $1, version = version + 1, \
     reference = COALESCE($2, reference), \
     approved_at = CASE WHEN $1 = 'approved' THEN $3 ELSE approved_at END, \
     approved_by = CASE WHEN $1 = 'approved' THEN $4 ELSE approved_by END, \
     paid_at = CASE WHEN $1 = 'paid' THEN $3 ELSE paid_at END, \
     paid_by = CASE WHEN $1 = 'paid' THEN $4 ELSE paid_by END \
     WHERE id = $5 AND version = $6 AND status = $7 \
     AND organisation_id IN (SELECT id FROM organisations WHERE brand_id = $8)";

pub(super) const STATEMENT_SELECT: &str = "SELECT s.id, s.organisation_id, o.name, s.currency, s.month, s.status, \
     s.lines_total_minor, s.carried_in_minor, s.balance_minor, s.closed_at, p.id AS payout_id, \
     p.amount_minor AS payout_amount, p.status AS payout_status, p.reference AS payout_reference, \
     p.version AS payout_version, p.created_at AS payout_created, p.paid_at AS payout_paid \
     FROM statements s JOIN organisations o ON o.id = s.organisation_id LEFT JOIN payouts p ON p.statement_id = s.id";

/// Which statements the staff's list lets through.
#[derive(Debug, Clone, Default)]
pub struct StatementFilter {
    /// Only statements of partners whose name matches this
    /// `domain::listing::like_pattern`.
    pub search: Option<String>,
    pub status: Option<StatementStatus>,
    /// Only statements whose payout is in this state.
    pub payout: Option<PayoutStatus>,
}

/// The statement list's conditions after `o.brand_id = $1`: `$2` the
/// search, `$3` the statement's state, `$4` its payout's.
pub(super) fn statement_list_filter(filter: &StatementFilter) -> String {
    format!(
        "{} AND ($3 IS NULL OR s.status = $3) AND ($4 IS NULL OR p.status = $4)",
        super::common::search_clause(filter.search.is_some(), "$2", &["o.name"])
    )
}

/// ORDER BY for the statement list. Open statements have no balance yet:
/// they come after closed ones in either direction, the same on both
/// engines (whose NULLs would not agree).
pub(super) fn statement_list_order(sort: StatementSort) -> String {
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let column = match sort.column {
        StatementColumn::Month => format!("s.month {dir}"),
        StatementColumn::Partner => format!("LOWER(o.name) {dir}"),
        StatementColumn::Commission => format!("s.lines_total_minor {dir}"),
        StatementColumn::Balance => format!("(s.balance_minor IS NULL), s.balance_minor {dir}"),
    };
    format!("{column}, s.month DESC, LOWER(o.name), s.currency, s.id")
}

/// One sum of `statement_line_groups`.
#[derive(sqlx::FromRow)]
pub(super) struct LineGroupRow {
    pub customer: String,
    pub kind: String,
    pub adjustment: bool,
    pub lines: i64,
    pub base: i64,
    pub amount: i64,
}

impl LineGroupRow {
    pub fn into_group(self) -> StoreResult<LineGroup> {
        Ok(LineGroup {
            kind: LineKind::parse(&self.kind).ok_or_else(|| super::partners::corrupt("line kind"))?,
            customer: self.customer,
            adjustment: self.adjustment,
            lines: self.lines,
            base_minor: self.base,
            amount_minor: self.amount,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct LineRow {
    pub id: i64,
    pub kind: String,
    pub customer: String,
    pub external_id: Option<String>,
    pub occurred_at: Option<i64>,
    pub refunds: Option<String>,
    pub customer_price_minor: Option<i64>,
    pub milestone: Option<String>,
    pub fund_kind: Option<String>,
    pub fund_title: Option<String>,
    pub belongs_month: String,
    pub adjustment: bool,
    pub base_minor: i64,
    pub currency: String,
    pub rate_bps: i64,
    pub rule: String,
    pub amount_minor: i64,
    pub terms_version: Option<i64>,
    pub first_invoice_at: Option<i64>,
}

impl LineRow {
    pub fn into_line(self) -> StoreResult<StatementLine> {
        let bad = || super::partners::corrupt("commission line");
        let c = currency(&self.currency)?;
        Ok(StatementLine {
            id: self.id,
            kind: LineKind::parse(&self.kind).ok_or_else(bad)?,
            customer: self.customer,
            event_external_id: self.external_id,
            event_date_ms: self.occurred_at,
            refunds_external_id: self.refunds,
            customer_price_minor: self.customer_price_minor,
            milestone: self.milestone,
            fund_activity: self.fund_title.map(|t| {
                let kind = self.fund_kind.as_deref().and_then(crate::domain::funds::ActivityKind::parse);
                format!("{}: {t}", kind.map(|k| k.label()).unwrap_or("Activity"))
            }),
            belongs: month(&self.belongs_month)?,
            adjustment: self.adjustment,
            base: Money::new(self.base_minor, c),
            rate_bps: self.rate_bps,
            rule: ShareRule::parse(&self.rule).ok_or_else(bad)?,
            amount: Money::new(self.amount_minor, c),
            terms_version: self.terms_version,
            first_invoice_ms: self.first_invoice_at,
        })
    }
}

pub(super) const LINE_SELECT: &str = "SELECT l.id, l.kind, l.customer, e.external_id, e.occurred_at, \
     inv.external_id AS refunds, e.customer_price_minor, l.milestone, f.kind AS fund_kind, f.title AS fund_title, \
     l.belongs_month, l.adjustment, l.base_minor, \
     l.currency, l.rate_bps, l.rule, l.amount_minor, l.terms_version, l.first_invoice_at \
     FROM commission_lines l LEFT JOIN revenue_events e ON e.id = l.event_id \
     LEFT JOIN revenue_events inv ON inv.id = e.refunds_event_id LEFT JOIN fund_requests f ON f.id = l.fund_request_id";

#[derive(sqlx::FromRow)]
pub(super) struct ImportRow {
    pub id: i64,
    pub source: String,
    pub imported: bool,
    pub row_count: i64,
    pub new_count: i64,
    pub unchanged_count: i64,
    pub errors: String,
    pub created_at: i64,
    pub created_by: Option<String>,
}

impl ImportRow {
    pub fn into_record(self) -> StoreResult<ImportRecord> {
        Ok(ImportRecord {
            id: self.id,
            source: self.source,
            imported: self.imported,
            row_count: self.row_count,
            new_count: self.new_count,
            unchanged_count: self.unchanged_count,
            errors: serde_json::from_str(&self.errors).map_err(|_| super::partners::corrupt("import errors"))?,
            created_at_ms: self.created_at,
            created_by: self.created_by.unwrap_or_default(),
        })
    }
}

pub(super) const IMPORT_SELECT: &str = "SELECT i.id, i.source, i.imported, i.row_count, i.new_count, \
     i.unchanged_count, i.errors, i.created_at, u.email AS created_by \
     FROM revenue_imports i LEFT JOIN users u ON u.id = i.created_by";

#[derive(sqlx::FromRow)]
pub(super) struct FigureRow {
    pub organisation_id: i64,
    pub name: String,
    pub month: String,
    pub currency: String,
    pub revenue_minor: i64,
    pub commission_minor: i64,
}

impl FigureRow {
    pub fn into_figure(self) -> StoreResult<MonthlyFigure> {
        Ok(MonthlyFigure {
            organisation_id: self.organisation_id,
            organisation: self.name,
            month: month(&self.month)?,
            currency: currency(&self.currency)?,
            revenue_minor: self.revenue_minor,
            commission_minor: self.commission_minor,
        })
    }
}

pub(super) fn with_ids(known: Vec<(i64, KnownEvent)>) -> (HashMap<String, KnownEvent>, HashMap<String, i64>) {
    let mut ids = HashMap::new();
    let mut map = HashMap::new();
    for (id, k) in known {
        ids.insert(k.event.external_id.clone(), id);
        map.insert(k.event.external_id.clone(), k);
    }
    (map, ids)
}

/// Emits `impl RevenueStore for $store`.
macro_rules! revenue_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Moves the count of a brand's open statements of one month
            /// (migration 0019). Callers hold the brand's ledger lock.
            async fn count_open_statements(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                month: &str,
                by: i64,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO statements_open_monthly (brand_id, month, n) VALUES ($1, $2, $3) \
                     ON CONFLICT (brand_id, month) DO UPDATE SET n = statements_open_monthly.n + excluded.n",
                )
                .bind(brand_id)
                .bind(month)
                .bind(by)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Writes one line (see `insert_lines`) and returns its id.
            async fn insert_line(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                l: &NewLine<'_>,
            ) -> StoreResult<i64> {
                let ids = Self::insert_lines(tx, brand_id, std::slice::from_ref(l)).await?;
                ids.first().copied().ok_or_else(|| super::partners::corrupt("commission line id"))
            }

            /// Writes lines into the open statements of their months (created
            /// on first use) and moves the statement totals and the rollups.
            /// Each statement and rollup row is written once per batch, and
            /// each kind of write is one statement per `BATCH_PARAMS`
            /// parameters, where writing line by line took eight a line.
            /// Returns the lines' ids, in no particular order. Callers hold
            /// the brand's ledger lock, so the shared rollup rows are never
            /// updated by two transactions at once.
            async fn insert_lines(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                lines: &[NewLine<'_>],
            ) -> StoreResult<Vec<i64>> {
                use $crate::server::store::revenue::{add_to_rollup_sql, values, LineSums, BATCH_PARAMS};
                let Some(first) = lines.first() else { return Ok(Vec::new()) };
                let now_ms = first.now_ms;
                let sums = LineSums::of(lines);
                let keys: Vec<_> = sums.statements.iter().collect();
                let mut opened: BTreeMap<String, i64> = BTreeMap::new();
                for chunk in keys.chunks(BATCH_PARAMS / 5) {
                    let sql = format!(
                        "INSERT INTO statements (organisation_id, currency, month, status, created_at) VALUES {} \
                         ON CONFLICT (organisation_id, currency, month) DO NOTHING RETURNING month",
                        values(chunk.len(), &[""; 5], Self::NUMBERED)
                    );
                    let mut q = sqlx::query_scalar::<_, String>(&sql).persistent(chunk.len() == 1);
                    for ((org, code, month), _) in chunk {
                        q = q.bind(*org).bind(*code).bind(month.as_str()).bind("open").bind(now_ms);
                    }
                    for month in q.fetch_all(&mut **tx).await? {
                        *opened.entry(month).or_default() += 1;
                    }
                }
                for (month, n) in &opened {
                    Self::count_open_statements(tx, brand_id, month, *n).await?;
                }
                // The status guard keeps closed statements immutable, even
                // against a close committed a moment ago by another instance.
                let mut statement_ids: HashMap<(i64, String, String), i64> = HashMap::new();
                for chunk in keys.chunks(BATCH_PARAMS / 4) {
                    let sql = format!(
                        "WITH v (v_org, v_currency, v_month, v_add) AS (VALUES {}) \
                         UPDATE statements SET lines_total_minor = lines_total_minor + v.v_add FROM v \
                         WHERE organisation_id = v.v_org AND currency = v.v_currency AND month = v.v_month \
                         AND status = 'open' RETURNING id, organisation_id, currency, month",
                        values(chunk.len(), &["BIGINT", "TEXT", "TEXT", "BIGINT"], Self::NUMBERED)
                    );
                    let mut q = sqlx::query_as::<_, (i64, i64, String, String)>(&sql).persistent(chunk.len() == 1);
                    for ((org, code, month), add) in chunk {
                        q = q.bind(*org).bind(*code).bind(month.as_str()).bind(**add);
                    }
                    let moved = q.fetch_all(&mut **tx).await?;
                    if moved.len() != chunk.len() {
                        return Err(StoreError::Conflict(
                            "A statement closed while this was being recorded. Record it again: it will land in the \
                             next open statement.",
                        ));
                    }
                    statement_ids.extend(moved.into_iter().map(|(id, org, code, month)| ((org, code, month), id)));
                }
                let mut ids = Vec::with_capacity(lines.len());
                for chunk in lines.chunks(BATCH_PARAMS / 16) {
                    let sql = format!(
                        "INSERT INTO commission_lines (statement_id, organisation_id, event_id, kind, milestone, \
                         customer, belongs_month, adjustment, base_minor, currency, rate_bps, rule, amount_minor, \
                         terms_version, first_invoice_at, created_at) VALUES {} RETURNING id",
                        values(chunk.len(), &[""; 16], Self::NUMBERED)
                    );
                    let mut q = sqlx::query_scalar::<_, i64>(&sql).persistent(chunk.len() == 1);
                    for l in chunk {
                        let code = l.commission.amount.currency.code();
                        let key = (l.organisation_id, code.to_string(), l.statement_month.key());
                        let statement = *statement_ids
                            .get(&key)
                            .ok_or_else(|| super::partners::corrupt("statement of a new line"))?;
                        q = q
                            .bind(statement)
                            .bind(l.organisation_id)
                            .bind(l.event_id)
                            .bind(l.kind.key())
                            .bind(l.milestone)
                            .bind(l.customer)
                            .bind(l.belongs.key())
                            .bind(l.adjustment)
                            .bind(l.commission.base.minor)
                            .bind(code)
                            .bind(l.commission.rate_bps)
                            .bind(l.commission.rule.key())
                            .bind(l.commission.amount.minor)
                            .bind(l.terms_version)
                            .bind(l.first_invoice_ms)
                            .bind(l.now_ms);
                    }
                    ids.extend(q.fetch_all(&mut **tx).await?);
                }
                let monthly: Vec<_> = sums.monthly.iter().collect();
                for chunk in monthly.chunks(BATCH_PARAMS / 5) {
                    let sql = add_to_rollup_sql(
                        &$crate::server::store::revenue::PARTNER_MONTHS,
                        chunk.len(),
                        Self::NUMBERED,
                    );
                    let mut q = sqlx::query(&sql).persistent(chunk.len() == 1);
                    for ((org, code, month), (revenue, commission)) in chunk {
                        q = q.bind(*org).bind(*code).bind(month.as_str()).bind(*revenue).bind(*commission);
                    }
                    q.execute(&mut **tx).await?;
                }
                // The program's own rollups (migration 0016).
                let program: Vec<_> = sums.program.iter().collect();
                for chunk in program.chunks(BATCH_PARAMS / 5) {
                    let sql = add_to_rollup_sql(
                        &$crate::server::store::revenue::PROGRAM_MONTHS,
                        chunk.len(),
                        Self::NUMBERED,
                    );
                    let mut q = sqlx::query(&sql).persistent(chunk.len() == 1);
                    for ((code, month), (revenue, commission)) in chunk {
                        q = q.bind(brand_id).bind(*code).bind(month.as_str()).bind(*revenue).bind(*commission);
                    }
                    q.execute(&mut **tx).await?;
                }
                let yearly: Vec<_> = sums.yearly.iter().collect();
                for chunk in yearly.chunks(BATCH_PARAMS / 6) {
                    let sql = add_to_rollup_sql(
                        &$crate::server::store::revenue::PARTNER_YEARS,
                        chunk.len(),
                        Self::NUMBERED,
                    );
                    let mut q = sqlx::query(&sql).persistent(chunk.len() == 1);
                    for ((org, code, year), (revenue, commission)) in chunk {
                        q = q.bind(*org).bind(*code).bind(*year).bind(brand_id).bind(*revenue).bind(*commission);
                    }
                    q.execute(&mut **tx).await?;
                }
                let customers: Vec<_> = sums.customers.iter().collect();
                for chunk in customers.chunks(BATCH_PARAMS / 7) {
                    let sql = add_to_rollup_sql(
                        &$crate::server::store::revenue::CUSTOMER_MONTHS,
                        chunk.len(),
                        Self::NUMBERED,
                    );
                    let mut q = sqlx::query(&sql).persistent(chunk.len() == 1);
                    for ((org, code, month, customer), (revenue, commission, price)) in chunk {
                        q = q
                            .bind(*org)
                            .bind(*code)
                            .bind(month.as_str())
                            .bind(*customer)
                            .bind(*revenue)
                            .bind(*commission)
                            .bind(*price);
                    }
                    q.execute(&mut **tx).await?;
                }
                Ok(ids)
            }

            async fn terms_versions_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                orgs: &[i64],
            ) -> StoreResult<HashMap<i64, Vec<TermsVersion>>> {
                let mut out: HashMap<i64, Vec<TermsVersion>> = HashMap::new();
                for chunk in orgs.chunks($crate::server::store::revenue::CHUNK) {
                    let sql = $crate::server::store::revenue::terms_versions_sql(chunk.len());
                    let mut q = sqlx::query_as::<_, TermsVersionRow>(&sql).bind(brand_id);
                    for o in chunk {
                        q = q.bind(*o);
                    }
                    for row in q.fetch_all(&mut **tx).await? {
                        let (org, v) = row.into_version()?;
                        out.entry(org).or_default().push(v);
                    }
                }
                Ok(out)
            }

            async fn last_closed_month(
                tx: &mut sqlx::Transaction<'_, $db>,
                organisation_id: i64,
                code: &str,
            ) -> StoreResult<Option<Month>> {
                let m: Option<String> = sqlx::query_scalar(
                    "SELECT MAX(month) FROM statements WHERE organisation_id = $1 AND currency = $2 AND status = \
                     'closed'",
                )
                .bind(organisation_id)
                .bind(code)
                .fetch_one(&mut **tx)
                .await?;
                Ok(m.as_deref().and_then(Month::parse))
            }

            /// Pays a technology partner's bounty for reaching `milestone`,
            /// once, if its terms in force name one. Called inside the
            /// certification transition's transaction.
            async fn award_bounty(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                organisation_id: i64,
                milestone: &str,
                now_ms: i64,
            ) -> StoreResult<()> {
                Self::take_lock(tx, Self::LEDGER_LOCK, brand_id).await?;
                let paid: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM commission_lines WHERE organisation_id = $1 AND milestone = $2")
                        .bind(organisation_id)
                        .bind(milestone)
                        .fetch_optional(&mut **tx)
                        .await?;
                if paid.is_some() {
                    return Ok(());
                }
                let versions = Self::terms_versions_tx(tx, brand_id, &[organisation_id]).await?;
                let Some(tv) = versions.get(&organisation_id).and_then(|v| in_force(v, now_ms)) else { return Ok(()) };
                let Some(amount) = bounty(&tv.terms, milestone) else { return Ok(()) };
                let c = currency(&tv.terms.currency)?;
                let belongs = Month::of_ms(now_ms);
                let (statement, adjustment) =
                    statement_month(belongs, Self::last_closed_month(tx, organisation_id, c.code()).await?);
                let line = NewLine {
                    organisation_id,
                    event_id: None,
                    kind: LineKind::Bounty,
                    milestone: Some(milestone),
                    customer: "",
                    belongs,
                    statement_month: statement,
                    adjustment,
                    commission: Commission {
                        base: Money::new(amount, c),
                        rate_bps: 10_000,
                        rule: ShareRule::Bounty,
                        amount: Money::new(amount, c),
                    },
                    terms_version: Some(tv.version),
                    first_invoice_ms: None,
                    revenue_minor: 0,
                    customer_price_minor: 0,
                    now_ms,
                };
                Self::insert_line(tx, brand_id, &line).await?;
                Ok(())
            }

            async fn ledger_context(
                tx: &mut sqlx::Transaction<'_, $db>,
                brand_id: i64,
                rows: &[EventInput],
            ) -> StoreResult<(LedgerContext, HashMap<String, i64>)> {
                let mut names: Vec<&str> = rows
                    .iter()
                    .flat_map(|r| std::iter::once(r.external_id.as_str()).chain(r.refunds.as_deref()))
                    .collect();
                names.sort_unstable();
                names.dedup();
                let mut known = Vec::new();
                for row in sqlx::query_as::<_, KnownRow>(Self::KNOWN_EVENTS)
                    .bind(brand_id)
                    .bind(Self::text_list(&names))
                    .fetch_all(&mut **tx)
                    .await?
                {
                    known.push(row.into_known()?);
                }
                let (known, ids) = $crate::server::store::revenue::with_ids(known);
                let mut orgs: Vec<i64> = rows.iter().map(|r| r.organisation_id).collect();
                orgs.sort_unstable();
                orgs.dedup();
                let terms = Self::terms_versions_tx(tx, brand_id, &orgs).await?;
                let mut first_invoice_ms = HashMap::new();
                let mut last_closed = HashMap::new();
                // Each customer's first invoice, looked up for the batch's
                // own partner and customer pairs: one index seek each
                // (`revenue_events_first_invoice`), where grouping every
                // event of the batch's partners read their whole history on
                // every import.
                let mut pairs: Vec<(i64, &str)> =
                    rows.iter().map(|r| (r.organisation_id, r.customer.as_str())).collect();
                pairs.sort_unstable();
                pairs.dedup();
                for chunk in pairs.chunks($crate::server::store::revenue::CHUNK / 2) {
                    let values = (0..chunk.len())
                        .map(|i| format!("(CAST(${} AS BIGINT), ${})", 2 * i + 1, 2 * i + 2))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "WITH pair (organisation_id, customer) AS (VALUES {values}) \
                         SELECT p.organisation_id, p.customer, (SELECT MIN(e.occurred_at) FROM revenue_events e \
                         WHERE e.organisation_id = p.organisation_id AND e.customer = p.customer \
                         AND e.kind = 'invoice') AS first FROM pair p"
                    );
                    let mut q = sqlx::query_as::<_, (i64, String, Option<i64>)>(&sql);
                    for (o, c) in chunk {
                        q = q.bind(*o).bind(*c);
                    }
                    for (o, c, at) in q.fetch_all(&mut **tx).await? {
                        if let Some(at) = at {
                            first_invoice_ms.insert((o, c), at);
                        }
                    }
                }
                for chunk in orgs.chunks($crate::server::store::revenue::CHUNK) {
                    let list = $crate::server::store::revenue::placeholders(1, chunk.len());
                    let sql = format!(
                        "SELECT organisation_id, currency, MAX(month) FROM statements \
                         WHERE status = 'closed' AND organisation_id IN ({list}) GROUP BY organisation_id, currency"
                    );
                    let mut q = sqlx::query_as::<_, (i64, String, String)>(&sql);
                    for o in chunk {
                        q = q.bind(*o);
                    }
                    for (o, c, m) in q.fetch_all(&mut **tx).await? {
                        if let Some(m) = Month::parse(&m) {
                            last_closed.insert((o, c), m);
                        }
                    }
                }
                Ok((LedgerContext { known, terms, first_invoice_ms, last_closed }, ids))
            }
        }

        #[async_trait]
        impl RevenueStore for $store {
            async fn terms_versions(&self, brand_id: i64, organisation_id: i64) -> StoreResult<Vec<TermsVersion>> {
                let mut tx = self.pool.begin().await?;
                let mut all = Self::terms_versions_tx(&mut tx, brand_id, &[organisation_id]).await?;
                tx.commit().await?;
                Ok(all.remove(&organisation_id).unwrap_or_default())
            }

            async fn add_terms_version(
                &self,
                brand_id: i64,
                organisation_id: i64,
                effective_from_ms: i64,
                backdated: bool,
                terms: &Terms,
                created_by: i64,
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let latest: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT t.version, t.effective_from FROM revenue_terms t JOIN organisations o ON o.id = \
                     t.organisation_id \
                     WHERE o.brand_id = $1 AND t.organisation_id = $2 ORDER BY t.version DESC LIMIT 1",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((version, from)) = latest else { return Err(StoreError::NotFound) };
                if effective_from_ms < from && !backdated {
                    return Err(StoreError::Rule(format!(
                        "Version {version} takes effect on {}; a new version cannot take effect before it.",
                        from_ms(from).format("%Y-%m-%d")
                    )));
                }
                let res = sqlx::query(
                    "INSERT INTO revenue_terms (organisation_id, version, model, effective_from, currency, \
                     first_year_bps, \
                     ongoing_bps, margin_bps, fund_budget_minor, created_at, created_by, bonus_schedule, bounties) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(organisation_id)
                .bind(version + 1)
                .bind(terms.model.key())
                .bind(effective_from_ms)
                .bind(&terms.currency)
                .bind(terms.first_year_bps)
                .bind(terms.ongoing_bps)
                .bind(terms.margin_bps)
                .bind(terms.fund_budget_minor)
                .bind(ms(audit.at))
                .bind(created_by)
                .bind(serde_json::json!(terms.bonus_schedule).to_string())
                .bind(serde_json::json!(terms.bounties).to_string())
                .execute(&mut *tx)
                .await;
                match res {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => {
                        return Err(StoreError::Conflict(
                            "Someone saved new terms at the same time. Reload and try again.",
                        ))
                    }
                    Err(e) => return Err(e.into()),
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(version + 1)
            }

            async fn billing_connection(&self, brand_id: i64) -> StoreResult<Option<BillingConnection>> {
                Ok(sqlx::query_as(
                    "SELECT c.provider, c.secret_sealed, c.secret_hint, c.connected_by, u.email AS \
                     connected_by_email, c.connected_at, c.last_delivery_at FROM billing_connections c \
                     JOIN users u ON u.id = c.connected_by WHERE c.brand_id = $1",
                )
                .bind(brand_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn connect_billing(
                &self,
                brand_id: i64,
                secret_sealed: &str,
                secret_hint: &str,
                by: i64,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO billing_connections (brand_id, provider, secret_sealed, secret_hint, connected_by, \
                     connected_at) VALUES ($1, 'stripe', $2, $3, $4, $5) ON CONFLICT (brand_id) DO UPDATE SET \
                     secret_sealed = excluded.secret_sealed, secret_hint = excluded.secret_hint, \
                     connected_by = excluded.connected_by, connected_at = excluded.connected_at",
                )
                .bind(brand_id)
                .bind(secret_sealed)
                .bind(secret_hint)
                .bind(by)
                .bind(ms(audit.at))
                .execute(&mut *tx)
                .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn billing_delivered(&self, brand_id: i64, at_ms: i64) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE billing_connections SET last_delivery_at = $2 WHERE brand_id = $1 AND \
                     (last_delivery_at IS NULL OR last_delivery_at < $2)",
                )
                .bind(brand_id)
                .bind(at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn billing_customers(&self, brand_id: i64) -> StoreResult<Vec<BillingCustomer>> {
                let rows: Vec<(String, i64, String, i64)> = sqlx::query_as(
                    "SELECT b.customer_ref, b.organisation_id, o.name, b.created_at FROM billing_customers b \
                     JOIN organisations o ON o.id = b.organisation_id WHERE b.brand_id = $1 ORDER BY b.customer_ref",
                )
                .bind(brand_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(customer_ref, organisation_id, organisation, created_at_ms)| BillingCustomer {
                        customer_ref,
                        organisation_id,
                        organisation,
                        created_at_ms,
                    })
                    .collect())
            }

            async fn billing_partner(&self, brand_id: i64, customer_ref: &str) -> StoreResult<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "SELECT organisation_id FROM billing_customers WHERE brand_id = $1 AND customer_ref = $2",
                )
                .bind(brand_id)
                .bind(customer_ref)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn attribute_billing_customer(
                &self,
                brand_id: i64,
                customer_ref: &str,
                organisation_id: i64,
                by: i64,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let partner: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM organisations WHERE id = $1 AND brand_id = $2 AND approved_at IS NOT NULL",
                )
                .bind(organisation_id)
                .bind(brand_id)
                .fetch_optional(&mut *tx)
                .await?;
                if partner.is_none() {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(
                    "INSERT INTO billing_customers (brand_id, customer_ref, organisation_id, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (brand_id, customer_ref) DO UPDATE SET \
                     organisation_id = excluded.organisation_id, created_by = excluded.created_by, \
                     created_at = excluded.created_at",
                )
                .bind(brand_id)
                .bind(customer_ref)
                .bind(organisation_id)
                .bind(by)
                .bind(ms(audit.at))
                .execute(&mut *tx)
                .await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_billing_customer(
                &self,
                brand_id: i64,
                customer_ref: &str,
                audit: NewAudit,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let gone = sqlx::query("DELETE FROM billing_customers WHERE brand_id = $1 AND customer_ref = $2")
                    .bind(brand_id)
                    .bind(customer_ref)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    > 0;
                if gone {
                    Self::insert_audit(&mut tx, &audit).await?;
                }
                tx.commit().await?;
                Ok(gone)
            }

            async fn revenue_partners(&self, brand_id: i64) -> StoreResult<Vec<(i64, String)>> {
                Ok(sqlx::query_as(
                    "SELECT id, name FROM organisations WHERE brand_id = $1 AND approved_at IS NOT NULL ORDER BY name, \
                     id",
                )
                .bind(brand_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn import_revenue(
                &self,
                brand_id: i64,
                batch: ImportBatch,
                audit: NewAudit,
            ) -> StoreResult<ImportOutcome> {
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::LEDGER_LOCK, brand_id).await?;
                let (ctx, mut ids) = Self::ledger_context(&mut tx, brand_id, &batch.rows).await?;
                let plan = match plan_import(&batch.rows, &ctx) {
                    Ok(plan) if batch.dry_run => {
                        tx.rollback().await?;
                        return Ok(ImportOutcome::Checked(plan));
                    }
                    Ok(plan) => plan,
                    Err(errors) => {
                        tx.rollback().await?;
                        return Ok(ImportOutcome::Rejected(errors));
                    }
                };
                let now = ms(audit.at);
                let import_id: i64 = sqlx::query_scalar(
                    "INSERT INTO revenue_imports (brand_id, source, imported, row_count, new_count, unchanged_count, \
                     errors, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, $8) RETURNING id",
                )
                .bind(brand_id)
                .bind(&batch.source)
                .bind(true)
                .bind(batch.row_count as i64)
                .bind(plan.new.len() as i64)
                .bind(plan.unchanged as i64)
                .bind(now)
                .bind(batch.created_by)
                .fetch_one(&mut *tx)
                .await?;
                // Events go in a few multi-row statements. A refund of an
                // invoice in the same batch waits for a later round, once its
                // invoice has an id.
                let mut waiting: Vec<&EventInput> = plan.new.iter().map(|p| &p.event).collect();
                while !waiting.is_empty() {
                    let pending: std::collections::HashSet<&str> =
                        waiting.iter().map(|e| e.external_id.as_str()).collect();
                    let (ready, later): (Vec<&EventInput>, Vec<&EventInput>) = waiting.into_iter().partition(|e| {
                        e.refunds.as_deref().is_none_or(|r| ids.contains_key(r) || !pending.contains(r))
                    });
                    if ready.is_empty() {
                        return Err(super::partners::corrupt("refunds that refund each other"));
                    }
                    for chunk in ready.chunks($crate::server::store::revenue::BATCH_PARAMS / 13) {
                        let sql = format!(
                            "INSERT INTO revenue_events (brand_id, organisation_id, external_id, customer, \
                             occurred_at, kind, amount_minor, currency, refunds_event_id, customer_price_minor, \
                             import_id, created_at, created_by) VALUES {} RETURNING id, external_id",
                            $crate::server::store::revenue::values(chunk.len(), &[""; 13], Self::NUMBERED)
                        );
                        let mut q = sqlx::query_as::<_, (i64, String)>(&sql).persistent(chunk.len() == 1);
                        for e in chunk {
                            q = q
                                .bind(brand_id)
                                .bind(e.organisation_id)
                                .bind(&e.external_id)
                                .bind(&e.customer)
                                .bind(e.occurred_ms)
                                .bind(e.kind.key())
                                .bind(e.amount.minor)
                                .bind(e.amount.currency.code())
                                .bind(e.refunds.as_ref().and_then(|r| ids.get(r).copied()))
                                .bind(e.customer_price_minor)
                                .bind(import_id)
                                .bind(now)
                                .bind(batch.created_by);
                        }
                        match q.fetch_all(&mut *tx).await {
                            Ok(rows) => ids.extend(rows.into_iter().map(|(id, external)| (external, id))),
                            Err(err) if is_unique_violation(&err) => {
                                return Err(StoreError::Conflict(
                                    "Another import recorded some of these events at the same time. Import again: \
                                     rows already recorded are skipped.",
                                ))
                            }
                            Err(err) => return Err(err.into()),
                        }
                    }
                    waiting = later;
                }
                let mut lines = Vec::with_capacity(plan.new.len());
                for p in &plan.new {
                    let e = &p.event;
                    let event_id =
                        *ids.get(&e.external_id).ok_or_else(|| super::partners::corrupt("id of a new event"))?;
                    lines.push(NewLine {
                        organisation_id: e.organisation_id,
                        event_id: Some(event_id),
                        kind: p.line.kind,
                        milestone: None,
                        customer: &e.customer,
                        belongs: p.line.belongs,
                        statement_month: p.line.statement_month,
                        adjustment: p.line.adjustment,
                        commission: p.line.commission,
                        terms_version: Some(p.line.terms_version),
                        first_invoice_ms: p.line.first_invoice_ms,
                        revenue_minor: e.signed_minor(),
                        customer_price_minor: match e.kind {
                            EventKind::Invoice => e.customer_price_minor.unwrap_or(0),
                            EventKind::Refund => -e.customer_price_minor.unwrap_or(0),
                        },
                        now_ms: now,
                    });
                }
                Self::insert_lines(&mut tx, brand_id, &lines).await?;
                for n in commission_notices(&plan) {
                    let payload = serde_json::json!({
                        "organisation_id": n.organisation_id,
                        "import_id": import_id,
                        "month": n.month.key(),
                        "currency": n.currency.code(),
                        "lines": n.lines,
                        "commission_minor": n.commission_minor,
                        "external_ids": n.external_ids,
                        "at": now,
                    });
                    Self::insert_program_event(&mut tx, brand_id, n.organisation_id, n.event_type, payload, now).await?;
                }
                let mut audit = audit;
                audit.subject = format!("revenue_import:{import_id}");
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(ImportOutcome::Imported(ImportRecord {
                    id: import_id,
                    source: batch.source,
                    imported: true,
                    row_count: batch.row_count as i64,
                    new_count: plan.new.len() as i64,
                    unchanged_count: plan.unchanged as i64,
                    errors: Vec::new(),
                    created_at_ms: now,
                    created_by: audit.actor_email,
                }))
            }

            async fn record_rejected_import(
                &self,
                brand_id: i64,
                source: &str,
                row_count: usize,
                errors: &[RowError],
                audit: NewAudit,
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO revenue_imports (brand_id, source, imported, row_count, new_count, unchanged_count, \
                     errors, created_at, created_by) VALUES ($1, $2, $3, $4, 0, 0, $5, $6, $7) RETURNING id",
                )
                .bind(brand_id)
                .bind(source)
                .bind(false)
                .bind(row_count as i64)
                .bind(serde_json::to_string(errors).expect("row errors serialise"))
                .bind(ms(audit.at))
                .bind(audit.actor_id)
                .fetch_one(&mut *tx)
                .await?;
                let mut audit = audit;
                audit.subject = format!("revenue_import:{id}");
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn revenue_imports(
                &self,
                brand_id: i64,
                before: Option<i64>,
                imported: Option<bool>,
                limit: i64,
            ) -> StoreResult<Vec<ImportRecord>> {
                let rows: Vec<ImportRow> = sqlx::query_as(&format!(
                    "{} WHERE i.brand_id = $1 AND i.id < $2 AND ($3 IS NULL OR i.imported = $3) \
                     ORDER BY i.id DESC LIMIT $4",
                    $crate::server::store::revenue::IMPORT_SELECT
                ))
                .bind(brand_id)
                .bind(before.unwrap_or(i64::MAX))
                .bind(imported)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(ImportRow::into_record).collect()
            }

            async fn revenue_import(&self, brand_id: i64, id: i64) -> StoreResult<Option<ImportRecord>> {
                let row: Option<ImportRow> = sqlx::query_as(&format!(
                    "{} WHERE i.brand_id = $1 AND i.id = $2",
                    $crate::server::store::revenue::IMPORT_SELECT
                ))
                .bind(brand_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(ImportRow::into_record).transpose()
            }

            async fn statements(
                &self,
                brand_id: i64,
                organisation_id: Option<i64>,
                status: Option<StatementStatus>,
            ) -> StoreResult<Vec<Statement>> {
                // One partner's statements are found through the partner's
                // index; `$2 IS NULL OR …` would make SQLite walk every
                // organisation of the brand instead.
                let org = if organisation_id.is_some() { "s.organisation_id = $2" } else { "$2 IS NULL" };
                let rows: Vec<StatementRow> = sqlx::query_as(&format!(
                    "{} WHERE o.brand_id = $1 AND {org} AND ($3 IS NULL OR s.status = $3) \
                     ORDER BY s.month DESC, o.name, s.currency LIMIT 500",
                    $crate::server::store::revenue::STATEMENT_SELECT
                ))
                .bind(brand_id)
                .bind(organisation_id)
                .bind(status.map(|s| s.key()))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(StatementRow::into_statement).collect()
            }

            async fn statements_page(
                &self,
                brand_id: i64,
                filter: &StatementFilter,
                sort: StatementSort,
                offset: i64,
                limit: i64,
            ) -> StoreResult<(Vec<Statement>, i64)> {
                use $crate::server::store::revenue::{statement_list_filter, statement_list_order};
                let conditions = statement_list_filter(filter);
                let count: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM statements s JOIN organisations o ON o.id = s.organisation_id \
                     LEFT JOIN payouts p ON p.statement_id = s.id WHERE o.brand_id = $1 AND {conditions}"
                ))
                .bind(brand_id)
                .bind(filter.search.as_deref().unwrap_or_default())
                .bind(filter.status.map(|s| s.key()))
                .bind(filter.payout.map(|p| p.key()))
                .fetch_one(&self.pool)
                .await?;
                let rows: Vec<StatementRow> = sqlx::query_as(&format!(
                    "{} WHERE o.brand_id = $1 AND {conditions} ORDER BY {} LIMIT $5 OFFSET $6",
                    $crate::server::store::revenue::STATEMENT_SELECT,
                    statement_list_order(sort)
                ))
                .bind(brand_id)
                .bind(filter.search.as_deref().unwrap_or_default())
                .bind(filter.status.map(|s| s.key()))
                .bind(filter.payout.map(|p| p.key()))
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok((rows.into_iter().map(StatementRow::into_statement).collect::<StoreResult<_>>()?, count))
            }

            async fn statement(&self, brand_id: i64, id: i64) -> StoreResult<Option<(Statement, Vec<StatementLine>)>> {
                let row: Option<StatementRow> = sqlx::query_as(&format!(
                    "{} WHERE o.brand_id = $1 AND s.id = $2",
                    $crate::server::store::revenue::STATEMENT_SELECT
                ))
                .bind(brand_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let lines: Vec<LineRow> = sqlx::query_as(&format!(
                    "{} WHERE l.statement_id = $1 ORDER BY l.id",
                    $crate::server::store::revenue::LINE_SELECT
                ))
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                Ok(Some((
                    row.into_statement()?,
                    lines.into_iter().map(LineRow::into_line).collect::<StoreResult<_>>()?,
                )))
            }

            async fn statement_lines_page(
                &self,
                brand_id: i64,
                id: i64,
                offset: i64,
                limit: i64,
            ) -> StoreResult<Option<(Statement, Vec<StatementLine>, i64)>> {
                let row: Option<StatementRow> = sqlx::query_as(&format!(
                    "{} WHERE o.brand_id = $1 AND s.id = $2",
                    $crate::server::store::revenue::STATEMENT_SELECT
                ))
                .bind(brand_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM commission_lines WHERE statement_id = $1")
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await?;
                let lines: Vec<LineRow> = sqlx::query_as(&format!(
                    "{} WHERE l.statement_id = $1 ORDER BY l.id LIMIT $2 OFFSET $3",
                    $crate::server::store::revenue::LINE_SELECT
                ))
                .bind(id)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(Some((
                    row.into_statement()?,
                    lines.into_iter().map(LineRow::into_line).collect::<StoreResult<_>>()?,
                    count,
                )))
            }

            async fn statement_line_groups(&self, brand_id: i64, id: i64) -> StoreResult<Vec<LineGroup>> {
                let rows: Vec<LineGroupRow> = sqlx::query_as(
                    "SELECT l.customer, l.kind, l.adjustment, COUNT(*) AS lines, \
                     CAST(SUM(l.base_minor) AS BIGINT) AS base, CAST(SUM(l.amount_minor) AS BIGINT) AS amount \
                     FROM commission_lines l \
                     JOIN statements s ON s.id = l.statement_id JOIN organisations o ON o.id = s.organisation_id \
                     WHERE o.brand_id = $1 AND l.statement_id = $2 GROUP BY l.customer, l.kind, l.adjustment",
                )
                .bind(brand_id)
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(LineGroupRow::into_group).collect()
            }

            async fn close_statement(
                &self,
                brand_id: i64,
                id: i64,
                now: Month,
                closed_by: i64,
                mails: Vec<OutgoingEmail>,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let now_ms = ms(audit.at);
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::LEDGER_LOCK, brand_id).await?;
                let row: Option<(i64, String, String, String)> = sqlx::query_as(
                    "SELECT s.organisation_id, s.currency, s.month, s.status FROM statements s \
                     JOIN organisations o ON o.id = s.organisation_id WHERE o.brand_id = $1 AND s.id = $2",
                )
                .bind(brand_id)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((org, code, month_key, status)) = row else { return Err(StoreError::NotFound) };
                let m = Month::parse(&month_key).ok_or_else(|| super::partners::corrupt("month"))?;
                let status = StatementStatus::parse(&status).ok_or_else(|| super::partners::corrupt("statement"))?;
                let earliest: Option<String> = sqlx::query_scalar(
                    "SELECT MIN(month) FROM statements WHERE organisation_id = $1 AND currency = $2 AND status = \
                     'open'",
                )
                .bind(org)
                .bind(&code)
                .fetch_one(&mut *tx)
                .await?;
                check_close(m, status, now, earliest.as_deref().and_then(Month::parse))
                    .map_err(|e| StoreError::Rule(e.to_string()))?;
                // A reseller's volume bonus is computed when its quarter closes.
                let versions = Self::terms_versions_tx(&mut tx, brand_id, &[org]).await?;
                if let Some(tv) = versions.get(&org).and_then(|v| in_force_for_close(v, m)) {
                    let q = m.quarter_months();
                    let revenue: i64 = sqlx::query_scalar(
                        "SELECT CAST(COALESCE(SUM(revenue_minor), 0) AS BIGINT) FROM revenue_monthly \
                         WHERE organisation_id = $1 AND currency = $2 AND month IN ($3, $4, $5)",
                    )
                    .bind(org)
                    .bind(&code)
                    .bind(q[0].key())
                    .bind(q[1].key())
                    .bind(q[2].key())
                    .fetch_one(&mut *tx)
                    .await?;
                    if let Some(b) = quarter_bonus(&tv.terms, m, &code, revenue) {
                        let c = currency(&code)?;
                        let line = NewLine {
                            organisation_id: org,
                            event_id: None,
                            kind: LineKind::Bonus,
                            milestone: None,
                            customer: "",
                            belongs: m,
                            statement_month: m,
                            adjustment: false,
                            commission: Commission {
                                base: Money::new(revenue, c),
                                rate_bps: 0,
                                rule: ShareRule::VolumeBonus,
                                amount: Money::new(b, c),
                            },
                            terms_version: Some(tv.version),
                            first_invoice_ms: None,
                            revenue_minor: 0,
                            customer_price_minor: 0,
                            now_ms,
                        };
                        Self::insert_line(&mut tx, brand_id, &line).await?;
                    }
                }
                let total: i64 = sqlx::query_scalar("SELECT lines_total_minor FROM statements WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                let previous: Option<i64> = sqlx::query_scalar(
                    "SELECT balance_minor FROM statements WHERE organisation_id = $1 AND currency = $2 \
                     AND status = 'closed' AND month < $3 ORDER BY month DESC LIMIT 1",
                )
                .bind(org)
                .bind(&code)
                .bind(&month_key)
                .fetch_optional(&mut *tx)
                .await?
                .flatten();
                let carried_in = previous.unwrap_or(0).min(0);
                let closing = close_statement(carried_in, total);
                let done = sqlx::query(
                    "UPDATE statements SET status = 'closed', carried_in_minor = $1, balance_minor = $2, closed_at = \
                     $3, \
                     closed_by = $4 WHERE id = $5 AND status = 'open' AND lines_total_minor = $6",
                )
                .bind(carried_in)
                .bind(closing.balance_minor)
                .bind(now_ms)
                .bind(closed_by)
                .bind(id)
                .bind(total)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("The statement changed while closing. Try again."));
                }
                Self::count_open_statements(&mut tx, brand_id, &month_key, -1).await?;
                if let Some(amount) = closing.payout_minor {
                    sqlx::query(
                        "INSERT INTO payouts (statement_id, organisation_id, amount_minor, currency, status, \
                         created_at) \
                         VALUES ($1, $2, $3, $4, 'pending', $5)",
                    )
                    .bind(id)
                    .bind(org)
                    .bind(amount)
                    .bind(&code)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                    let pending = PayoutStatus::Pending.key();
                    Self::move_status_count(&mut tx, "payout_status_counts", brand_id, None, pending).await?;
                }
                let payload = serde_json::json!({
                    "organisation_id": org,
                    "statement_id": id,
                    "month": month_key,
                    "currency": code,
                    "lines_total_minor": total,
                    "carried_in_minor": carried_in,
                    "balance_minor": closing.balance_minor,
                    "at": now_ms,
                });
                sqlx::query(
                    "INSERT INTO event_log (brand_id, organisation_id, event_type, payload, created_at) \
                     VALUES ($1, $2, 'statement.closed', $3, $4)",
                )
                .bind(brand_id)
                .bind(org)
                .bind(payload.to_string())
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                for mail in &mails {
                    Self::insert_email(&mut tx, mail, audit.at).await?;
                }
                let mut audit = audit;
                audit.detail = payload;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn approve_payouts(
                &self,
                brand_id: i64,
                payouts: &[Payout],
                by: i64,
                audits: Vec<NewAudit>,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                for (payout, audit) in payouts.iter().zip(audits) {
                    let done = sqlx::query($crate::server::store::revenue::MOVE_PAYOUT)
                        .bind(PayoutStatus::Approved.key())
                        .bind(None::<&str>)
                        .bind(ms(audit.at))
                        .bind(by)
                        .bind(payout.id)
                        .bind(payout.version)
                        .bind(PayoutStatus::Pending.key())
                        .bind(brand_id)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() != 1 {
                        return Err(StoreError::Conflict(
                            "A payout changed since you looked; nothing was approved. Reload and try again.",
                        ));
                    }
                    Self::move_status_count(
                        &mut tx,
                        "payout_status_counts",
                        brand_id,
                        Some(PayoutStatus::Pending.key()),
                        PayoutStatus::Approved.key(),
                    )
                    .await?;
                    Self::insert_program_event(
                        &mut tx,
                        brand_id,
                        payout.organisation_id,
                        "payout.approved",
                        $crate::server::store::revenue::payout_payload(payout, None, ms(audit.at)),
                        ms(audit.at),
                    )
                    .await?;
                    Self::insert_audit(&mut tx, &audit).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn move_payout(
                &self,
                brand_id: i64,
                payout: &Payout,
                to: PayoutStatus,
                reference: Option<&str>,
                by: i64,
                audit: NewAudit,
            ) -> StoreResult<()> {
                let now = ms(audit.at);
                let mut tx = self.begin_write().await?;
                let done = sqlx::query($crate::server::store::revenue::MOVE_PAYOUT)
                .bind(to.key())
                .bind(reference)
                .bind(now)
                .bind(by)
                .bind(payout.id)
                .bind(payout.version)
                .bind(payout.status.key())
                .bind(brand_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("The payout changed since you looked. Reload and try again."));
                }
                Self::move_status_count(&mut tx, "payout_status_counts", brand_id, Some(payout.status.key()), to.key())
                    .await?;
                let event = match to {
                    PayoutStatus::Paid => Some("payout.paid"),
                    PayoutStatus::Approved => Some("payout.approved"),
                    _ => None,
                };
                if let Some(event) = event {
                    let payload = $crate::server::store::revenue::payout_payload(payout, reference, now);
                    Self::insert_program_event(&mut tx, brand_id, payout.organisation_id, event, payload, now).await?;
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn payouts(&self, brand_id: i64, status: Option<PayoutStatus>) -> StoreResult<Vec<Payout>> {
                let rows: Vec<StatementRow> = sqlx::query_as(&format!(
                    "{} WHERE o.brand_id = $1 AND p.id IS NOT NULL AND ($2 IS NULL OR p.status = $2) \
                     ORDER BY p.id LIMIT 500",
                    $crate::server::store::revenue::STATEMENT_SELECT
                ))
                .bind(brand_id)
                .bind(status.map(|s| s.key()))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().filter_map(|r| r.into_statement().map(|s| s.payout).transpose()).collect()
            }

            async fn payout(&self, brand_id: i64, id: i64) -> StoreResult<Option<Payout>> {
                let row: Option<StatementRow> = sqlx::query_as(&format!(
                    "{} WHERE o.brand_id = $1 AND p.id = $2",
                    $crate::server::store::revenue::STATEMENT_SELECT
                ))
                .bind(brand_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(StatementRow::into_statement).transpose()?.and_then(|s| s.payout))
            }

            async fn open_quarter_end_statements(
                &self,
                brand_id: i64,
                quarters: &[[Month; 3]],
                now_ms: i64,
            ) -> StoreResult<u64> {
                let mut tx = self.begin_write().await?;
                Self::take_lock(&mut tx, Self::LEDGER_LOCK, brand_id).await?;
                let mut opened = 0;
                for q in quarters {
                    // A quarter with revenue but no statement for its last
                    // month: open that statement, so closing it computes the
                    // bonus. Not once a later month has closed: statements
                    // close in order.
                    let done = sqlx::query(
                        "INSERT INTO statements (organisation_id, currency, month, status, created_at) \
                         SELECT DISTINCT r.organisation_id, r.currency, $1, 'open', $2 FROM revenue_monthly r \
                         JOIN organisations o ON o.id = r.organisation_id \
                         WHERE o.brand_id = $3 AND r.month IN ($4, $5, $1) AND r.revenue_minor <> 0 \
                         AND EXISTS (SELECT 1 FROM revenue_terms t WHERE t.organisation_id = r.organisation_id \
                             AND t.model = 'reseller' AND t.bonus_schedule <> '[]') \
                         AND NOT EXISTS (SELECT 1 FROM statements s WHERE s.organisation_id = r.organisation_id \
                             AND s.currency = r.currency AND s.status = 'closed' AND s.month >= $1) \
                         ON CONFLICT (organisation_id, currency, month) DO NOTHING",
                    )
                    .bind(q[2].key())
                    .bind(now_ms)
                    .bind(brand_id)
                    .bind(q[0].key())
                    .bind(q[1].key())
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() > 0 {
                        Self::count_open_statements(&mut tx, brand_id, &q[2].key(), done.rows_affected() as i64)
                            .await?;
                    }
                    opened += done.rows_affected();
                }
                tx.commit().await?;
                Ok(opened)
            }

            async fn monthly_figures(
                &self,
                brand_id: i64,
                organisation_id: Option<i64>,
                from: Month,
                to: Month,
            ) -> StoreResult<Vec<MonthlyFigure>> {
                // As for statements: one partner's rows through its own index.
                let org = if organisation_id.is_some() { "r.organisation_id = $4" } else { "$4 IS NULL" };
                let rows: Vec<FigureRow> = sqlx::query_as(&format!(
                    "SELECT r.organisation_id, o.name, r.month, r.currency, r.revenue_minor, r.commission_minor \
                     FROM revenue_monthly r JOIN organisations o ON o.id = r.organisation_id \
                     WHERE o.brand_id = $1 AND r.month >= $2 AND r.month <= $3 AND {org} ORDER BY r.month, o.name"
                ))
                .bind(brand_id)
                .bind(from.key())
                .bind(to.key())
                .bind(organisation_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(FigureRow::into_figure).collect()
            }

            async fn program_monthly_totals(
                &self,
                brand_id: i64,
                from: Month,
                to: Month,
            ) -> StoreResult<Vec<MonthlyFigure>> {
                let rows: Vec<FigureRow> = sqlx::query_as(
                    "SELECT CAST(0 AS BIGINT) AS organisation_id, '' AS name, p.month, p.currency, p.revenue_minor, \
                     p.commission_minor FROM revenue_program_monthly p \
                     WHERE p.brand_id = $1 AND p.month >= $2 AND p.month <= $3 ORDER BY p.month, p.currency",
                )
                .bind(brand_id)
                .bind(from.key())
                .bind(to.key())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(FigureRow::into_figure).collect()
            }

            async fn top_partners(
                &self,
                brand_id: i64,
                year: i32,
                by_commission: bool,
                limit: i64,
            ) -> StoreResult<Vec<(i64, String, Currency, i64, i64)>> {
                let key = if by_commission { "commission_minor" } else { "revenue_minor" };
                let rows: Vec<FigureRow> = sqlx::query_as(&format!(
                    "SELECT y.organisation_id, o.name, '' AS month, y.currency, y.revenue_minor, y.commission_minor \
                     FROM revenue_yearly y JOIN organisations o ON o.id = y.organisation_id \
                     WHERE y.brand_id = $1 AND y.year = $2 ORDER BY y.{key} DESC, o.name LIMIT $3"
                ))
                .bind(brand_id)
                .bind(i64::from(year))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|r| {
                        let c = currency(&r.currency)?;
                        Ok((r.organisation_id, r.name, c, r.revenue_minor, r.commission_minor))
                    })
                    .collect()
            }

            async fn closable_statements(
                &self,
                brand_id: i64,
                before: Month,
                limit: i64,
            ) -> StoreResult<(Vec<Statement>, i64)> {
                let rows: Vec<StatementRow> = sqlx::query_as(&format!(
                    "{} WHERE o.brand_id = $1 AND s.status = 'open' AND s.month < $2 \
                     ORDER BY s.month, s.id LIMIT $3",
                    $crate::server::store::revenue::STATEMENT_SELECT
                ))
                .bind(brand_id)
                .bind(before.key())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let total: i64 = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM statements_open_monthly \
                     WHERE brand_id = $1 AND month < $2",
                )
                .bind(brand_id)
                .bind(before.key())
                .fetch_one(&self.pool)
                .await?;
                Ok((rows.into_iter().map(StatementRow::into_statement).collect::<StoreResult<_>>()?, total))
            }

            async fn payouts_waiting(&self, brand_id: i64, limit: i64) -> StoreResult<(Vec<Payout>, i64)> {
                // Pending first, then approved, each oldest first: one
                // status at a time walks `payouts_status` in order and stops
                // at the page, where both at once sorted every statement of
                // the program.
                let mut rows: Vec<StatementRow> = Vec::new();
                for status in [PayoutStatus::Pending, PayoutStatus::Approved] {
                    let left = limit - rows.len() as i64;
                    if left <= 0 {
                        break;
                    }
                    rows.extend(
                        sqlx::query_as::<_, StatementRow>(&format!(
                            "{} WHERE o.brand_id = $1 AND p.status = $2 ORDER BY p.id LIMIT $3",
                            $crate::server::store::revenue::STATEMENT_SELECT
                        ))
                        .bind(brand_id)
                        .bind(status.key())
                        .bind(left)
                        .fetch_all(&self.pool)
                        .await?,
                    );
                }
                let total: i64 = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM payout_status_counts \
                     WHERE brand_id = $1 AND status IN ('pending', 'approved')",
                )
                .bind(brand_id)
                .fetch_one(&self.pool)
                .await?;
                let payouts = rows
                    .into_iter()
                    .filter_map(|r| r.into_statement().map(|s| s.payout).transpose())
                    .collect::<StoreResult<_>>()?;
                Ok((payouts, total))
            }

            async fn revenue_partners_upto(&self, brand_id: i64, limit: i64) -> StoreResult<Vec<(i64, String)>> {
                Ok(sqlx::query_as(
                    "SELECT id, name FROM organisations WHERE brand_id = $1 AND approved_at IS NOT NULL \
                     ORDER BY name, id LIMIT $2",
                )
                .bind(brand_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn customer_figures(
                &self,
                brand_id: i64,
                organisation_id: i64,
                from: Month,
                to: Month,
            ) -> StoreResult<Vec<CustomerFigure>> {
                let rows: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
                    "SELECT c.customer, c.currency, CAST(SUM(c.revenue_minor) AS BIGINT), \
                     CAST(SUM(c.commission_minor) AS BIGINT), CAST(SUM(c.customer_price_minor) AS BIGINT) \
                     FROM revenue_by_customer c JOIN organisations o ON o.id = c.organisation_id \
                     WHERE o.brand_id = $1 AND c.organisation_id = $2 AND c.month >= $3 AND c.month <= $4 \
                     GROUP BY c.customer, c.currency ORDER BY 3 DESC, c.customer LIMIT 100",
                )
                .bind(brand_id)
                .bind(organisation_id)
                .bind(from.key())
                .bind(to.key())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(customer, code, revenue_minor, commission_minor, customer_price_minor)| {
                        Ok(CustomerFigure {
                            customer,
                            currency: currency(&code)?,
                            revenue_minor,
                            commission_minor,
                            customer_price_minor,
                        })
                    })
                    .collect()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(org: i64, customer: &'a str, month: &str, revenue: i64, commission: i64) -> NewLine<'a> {
        let usd = Currency::parse("USD").unwrap();
        let m = Month::parse(month).unwrap();
        NewLine {
            organisation_id: org,
            event_id: None,
            kind: LineKind::Commission,
            milestone: None,
            customer,
            belongs: m,
            statement_month: m,
            adjustment: false,
            commission: Commission {
                base: Money::new(revenue, usd),
                rate_bps: 1_000,
                rule: ShareRule::ReferralOngoing,
                amount: Money::new(commission, usd),
            },
            terms_version: Some(1),
            first_invoice_ms: None,
            revenue_minor: revenue,
            customer_price_minor: 7,
            now_ms: 0,
        }
    }

    #[test]
    fn lines_of_one_partner_month_and_customer_add_up_to_one_row_of_each_rollup() {
        let lines = [
            line(1, "acme", "2026-01", 1_000, 100),
            line(1, "acme", "2026-01", -400, -40),
            line(1, "", "2026-01", 0, 500),
            line(2, "acme", "2026-02", 2_000, 200),
        ];
        let s = LineSums::of(&lines);
        assert_eq!(s.statements.len(), 2);
        assert_eq!(s.statements[&(1, "USD", "2026-01".to_string())], 560);
        assert_eq!(s.monthly[&(1, "USD", "2026-01".to_string())], (600, 560));
        assert_eq!(s.program[&("USD", "2026-01".to_string())], (600, 560));
        assert_eq!(s.program[&("USD", "2026-02".to_string())], (2_000, 200));
        assert_eq!(s.yearly[&(1, "USD", 2026)], (600, 560));
        assert_eq!(s.customers.len(), 2, "the line with no customer has no customer row");
        assert_eq!(s.customers[&(1, "USD", "2026-01".to_string(), "acme")], (600, 60, 14));
    }

    #[test]
    fn a_values_list_numbers_its_parameters_row_by_row_and_casts_where_asked() {
        assert_eq!(values(2, &["BIGINT", ""], true), "(CAST($1 AS BIGINT), $2), (CAST($3 AS BIGINT), $4)");
        assert_eq!(values(2, &["BIGINT", ""], false), "(CAST(? AS BIGINT), ?), (CAST(? AS BIGINT), ?)");
        assert_eq!(
            add_to_rollup_sql(&Rollup { table: "t", keys: &["k"], carried: &["c"], sums: &["a", "b"] }, 1, true),
            "INSERT INTO t (k, c, a, b) VALUES ($1, $2, $3, $4) ON CONFLICT (k) DO UPDATE SET a = t.a + excluded.a, \
             b = t.b + excluded.b"
        );
    }
}
