//! Revenue use cases: dashboards, recording revenue (one event or a CSV
//! import), terms versions, closing statements and moving payouts.

use crate::domain::account::CurrentUser;
use crate::domain::application::RevenueModel;
use crate::domain::audit;
use crate::domain::deals::{attribute, WonCustomer};
use crate::domain::ledger::{
    checked_summary, parse_event, parse_percent, parse_schedule, parse_seen_payouts, payout_step, planned_statements,
    read_csv, refused_check_summary, spreadsheet_safe, still_as_seen, totals_by_month, ImportPlan, ImportRecord, Month,
    MonthlyFigure, PayoutAction, PayoutStatus, RawEvent, RowError, Statement, StatementLine, StatementStatus,
    BOUNTY_MILESTONES,
};
use crate::domain::revenue::{check_terms, next_threshold, volume_bonus, Currency, Money};
use crate::domain::role::{OrgAccess, Permission};
use crate::domain::terms::{in_force, Terms};
use crate::error::{AppError, FieldError};
use crate::server::checks::Checks;
use crate::server::context::{store_error, Ctx};
use crate::server::emails::{self, Wording};
use crate::server::services::partners::org_for;
use crate::server::store::{ImportBatch, ImportOutcome, StatementFilter};
use crate::views::revenue::{
    BonusProgress, CheckedStatement, ImportCheck, ImportList, ProgramView, Ranked, RevenueDashboard, Series,
    StatementList, StatementView, CLOSABLE_SHOWN, IMPORTS_PAGE, PARTNER_CHOICES, PAYOUTS_SHOWN, RANKED,
};
use chrono::NaiveDate;
use serde_json::json;
use std::collections::BTreeMap;

fn today(ctx: &Ctx) -> NaiveDate {
    ctx.now().date_naive()
}

/// Every month shown, per currency, with zeros where nothing happened.
fn series(figures: &[MonthlyFigure], months: &[Month]) -> Vec<Series> {
    type Points = BTreeMap<Month, (i64, i64)>;
    let mut by_currency: BTreeMap<&'static str, (Currency, Points)> = BTreeMap::new();
    for (m, c, r, k) in totals_by_month(figures) {
        by_currency.entry(c.code()).or_insert((c, BTreeMap::new())).1.insert(m, (r, k));
    }
    by_currency
        .into_values()
        .map(|(currency, points)| Series {
            currency,
            points: months
                .iter()
                .map(|m| {
                    let (r, k) = points.get(m).copied().unwrap_or((0, 0));
                    (*m, r, k)
                })
                .collect(),
        })
        .collect()
}

/// Commission per currency over the months `keep` picks.
pub(crate) fn sums(figures: &[MonthlyFigure], keep: impl Fn(Month) -> bool) -> Vec<Money> {
    sums_of(figures, keep, |f| f.commission_minor)
}

/// One figure (`amount`: revenue or commission) per currency over the
/// months `keep` picks, in currency-code order.
pub(crate) fn sums_of(
    figures: &[MonthlyFigure],
    keep: impl Fn(Month) -> bool,
    amount: impl Fn(&MonthlyFigure) -> i64,
) -> Vec<Money> {
    let mut by: BTreeMap<&'static str, Money> = BTreeMap::new();
    for f in figures.iter().filter(|f| keep(f.month)) {
        by.entry(f.currency.code()).or_insert(Money::new(0, f.currency)).minor += amount(f);
    }
    by.into_values().collect()
}

pub async fn dashboard(ctx: &Ctx, org: Option<i64>) -> Result<RevenueDashboard, AppError> {
    let user = ctx.require_user().await?;
    let (org, access) = org_for(&user, org)?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let cert = store.certification(brand, org).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let now = Month::of(ctx.now());
    let months = now.last_n(12);
    let figures = store.monthly_figures(brand, Some(org), months[0], now).await.map_err(store_error)?;
    let customers =
        store.customer_figures(brand, org, Month { year: now.year, month: 1 }, now).await.map_err(store_error)?;
    let statements = store.statements(brand, Some(org), None).await.map_err(store_error)?;
    let terms = store.terms_versions(brand, org).await.map_err(store_error)?;
    let current = in_force(&terms, ctx.now().timestamp_millis()).or(terms.first());
    let bonus = current.filter(|tv| tv.terms.model == RevenueModel::Reseller).and_then(|tv| {
        let c = Currency::parse(&tv.terms.currency).ok()?;
        let quarter = now.quarter_months();
        let revenue: i64 =
            figures.iter().filter(|f| quarter.contains(&f.month) && f.currency == c).map(|f| f.revenue_minor).sum();
        let schedule = &tv.terms.bonus_schedule;
        Some(BonusProgress {
            quarter: format!("Q{} {}", now.quarter(), now.year),
            revenue: Money::new(revenue, c),
            reached: Money::new(volume_bonus(schedule, revenue), c),
            next: next_threshold(schedule, revenue)
                .map(|(t, to_go, b)| (Money::new(t, c), Money::new(to_go, c), Money::new(b, c))),
            has_schedule: !schedule.is_empty(),
        })
    });
    Ok(RevenueDashboard {
        organisation_id: org,
        organisation: cert.organisation,
        now,
        month_to_date: sums(&figures, |m| m == now),
        year_to_date: sums(&figures, |m| m.year == now.year),
        trend: series(&figures, &months),
        customers,
        statements,
        current_version: current.map(|t| t.version),
        terms,
        bonus,
        can_manage: matches!(access, OrgAccess::Staff { .. }),
        can_backdate: crate::domain::role::can(user.role, Permission::BackdateTerms),
        today: today(ctx).to_string(),
    })
}

/// Imports listed on the program page; the rest are on the imports page.
const RECENT_IMPORTS: i64 = 10;

/// The program's revenue imports, newest first, a page at a time from
/// before the import `before`: only those imported or refused if `show`
/// asks (`imported`, `refused`).
pub async fn imports(ctx: &Ctx, before: Option<i64>, show: &str) -> Result<ImportList, AppError> {
    ctx.require(Permission::ManageRevenue).await?;
    let show = crate::domain::ledger::ImportShow::read(show);
    let imported = show.imported();
    let per = IMPORTS_PAGE as i64;
    let mut imports =
        ctx.state.store.revenue_imports(ctx.meta.brand.id, before, imported, per + 1).await.map_err(store_error)?;
    // One more than a page was read to know whether older ones remain.
    let more = imports.len() > IMPORTS_PAGE;
    imports.truncate(IMPORTS_PAGE);
    let older_than = more.then(|| imports.last().map(|i| i.id)).flatten();
    Ok(ImportList { imports, show: show.key().to_owned(), older_than, paged: before.is_some() })
}

/// One page of the program's statements for staff: those `show` picks
/// (`StatementShow`) of partners whose name holds `q`, in the order asked
/// for (`STATEMENT_COLUMNS`).
pub async fn statement_list(
    ctx: &Ctx,
    show: &str,
    sort: &str,
    dir: &str,
    q: &str,
    page: usize,
) -> Result<StatementList, AppError> {
    use crate::domain::listing::{like_pattern, order, page_of, search};
    use crate::domain::statement::{StatementShow, StatementSort, STATEMENTS_PAGE, STATEMENT_COLUMNS};
    ctx.require(Permission::ManageRevenue).await?;
    let (store, brand) = (&ctx.state.store, ctx.meta.brand.id);
    let order = order(&STATEMENT_COLUMNS, sort, dir);
    let show = StatementShow::read(show);
    let search = search(q);
    let (status, payout) = show.states();
    let filter = StatementFilter { search: search.as_deref().map(like_pattern), status, payout };
    let sort = StatementSort::of(&order);
    let per = STATEMENTS_PAGE as i64;
    // Kept within what an SQL offset holds before the count is known; a
    // page past the end is read again as the last below.
    let asked = page.clamp(1, u32::MAX as usize) as i64;
    let (mut statements, total) =
        store.statements_page(brand, &filter, sort, (asked - 1) * per, per).await.map_err(store_error)?;
    let (page, pages) = page_of(page, total.max(0) as usize, STATEMENTS_PAGE);
    if statements.is_empty() && total > 0 {
        let last = (page as i64 - 1) * per;
        statements = store.statements_page(brand, &filter, sort, last, per).await.map_err(store_error)?.0;
    }
    Ok(StatementList { statements, order, show, search, page, pages, total: total.max(0) as usize })
}

pub async fn program(ctx: &Ctx) -> Result<ProgramView, AppError> {
    ctx.require(Permission::ManageRevenue).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let now = Month::of(ctx.now());
    let months = now.last_n(12);
    let figures = store.program_monthly_totals(brand, months[0], now).await.map_err(store_error)?;
    let top = |by_commission: bool| async move {
        let rows = store.top_partners(brand, now.year, by_commission, RANKED).await.map_err(store_error)?;
        Ok::<Vec<Ranked>, AppError>(
            rows.into_iter()
                .map(|(organisation_id, organisation, c, r, k)| Ranked {
                    organisation_id,
                    organisation,
                    revenue: Money::new(r, c),
                    commission: Money::new(k, c),
                })
                .collect(),
        )
    };
    let (closable, closable_total) =
        store.closable_statements(brand, now, CLOSABLE_SHOWN as i64).await.map_err(store_error)?;
    let (payouts, payouts_total) = store.payouts_waiting(brand, PAYOUTS_SHOWN as i64).await.map_err(store_error)?;
    // A choice of partner on the form while it stays short; past that the
    // form takes a name or number, as the CSV import does.
    let mut partners = store.revenue_partners_upto(brand, PARTNER_CHOICES as i64 + 1).await.map_err(store_error)?;
    if partners.len() > PARTNER_CHOICES {
        partners.clear();
    }
    Ok(ProgramView {
        now,
        trend: series(&figures, &months),
        by_revenue: top(false).await?,
        by_commission: top(true).await?,
        payouts,
        payouts_total: payouts_total.max(0) as usize,
        closable,
        closable_total: closable_total.max(0) as usize,
        imports: store.revenue_imports(brand, None, None, RECENT_IMPORTS).await.map_err(store_error)?,
        partners,
        today: today(ctx).to_string(),
    })
}

/// The statement with every line (exports, closing).
pub async fn statement(ctx: &Ctx, id: i64) -> Result<StatementView, AppError> {
    let user = ctx.require_user().await?;
    let (statement, lines) =
        ctx.state.store.statement(ctx.meta.brand.id, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    // A partner reads its own statements only; staff read any.
    let (_, access) = org_for(&user, Some(statement.organisation_id)).map_err(|_| AppError::NotFound)?;
    let lines_count = lines.len();
    document(ctx, statement, lines, access, (1, 1, lines_count)).await
}

/// The statement view around some of its lines: `(page, pages, count)`
/// places them; the summary and subtotals cover every line.
async fn document(
    ctx: &Ctx,
    statement: Statement,
    lines: Vec<StatementLine>,
    access: OrgAccess,
    (page, pages, lines_count): (usize, usize, usize),
) -> Result<StatementView, AppError> {
    use crate::domain::statement::{by_customer, by_kind, summary};
    let groups = ctx.state.store.statement_line_groups(ctx.meta.brand.id, statement.id).await.map_err(store_error)?;
    let closed = statement.status == StatementStatus::Closed;
    Ok(StatementView {
        summary: summary(&groups, statement.carried_in_minor, closed),
        by_kind: by_kind(&groups),
        by_customer: by_customer(&groups),
        statement,
        lines,
        can_manage: matches!(access, OrgAccess::Staff { .. }),
        page,
        pages,
        lines_count,
    })
}

/// The statement with one page of its lines, for its page; a page past the
/// end shows the last. Only that page's lines are read.
pub async fn statement_page(ctx: &Ctx, id: i64, page: usize) -> Result<StatementView, AppError> {
    use crate::views::revenue::LINES_PER_PAGE;
    let user = ctx.require_user().await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let per = LINES_PER_PAGE as i64;
    // Kept within what an SQL offset holds; past the end reads the last page.
    let offset = (page.clamp(1, u32::MAX as usize) as i64 - 1) * per;
    let (mut statement, mut lines, count) =
        store.statement_lines_page(brand, id, offset, per).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    // A partner reads its own statements only; staff read any.
    let (_, access) = org_for(&user, Some(statement.organisation_id)).map_err(|_| AppError::NotFound)?;
    let pages = (count as usize).div_ceil(LINES_PER_PAGE).max(1);
    if page > pages {
        let last = (pages as i64 - 1) * per;
        (statement, lines, _) =
            store.statement_lines_page(brand, id, last, per).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    }
    document(ctx, statement, lines, access, (page.clamp(1, pages), pages, count as usize)).await
}

/// The statement as CSV: one row per line, then the totals.
pub async fn statement_csv(ctx: &Ctx, id: i64) -> Result<(String, String), AppError> {
    let v = statement(ctx, id).await?;
    let s = &v.statement;
    let mut w = csv::Writer::from_writer(Vec::new());
    let amount =
        |minor: i64| Money::new(minor, s.currency).to_string().trim_end_matches(s.currency.code()).trim().to_owned();
    let write_err = |e: csv::Error| crate::server::context::internal(format!("csv: {e}"));
    w.write_record([
        "line",
        "kind",
        "customer",
        "event",
        "event_date",
        "refunds",
        "belongs_to",
        "adjustment",
        "base",
        "rate",
        "rule",
        "terms_version",
        "commission",
        "currency",
    ])
    .map_err(write_err)?;
    for l in &v.lines {
        w.write_record([
            l.id.to_string(),
            l.kind.key().to_owned(),
            spreadsheet_safe(&l.customer),
            spreadsheet_safe(
                l.event_external_id
                    .as_ref()
                    .or(l.milestone.as_ref())
                    .or(l.fund_activity.as_ref())
                    .map(String::as_str)
                    .unwrap_or_default(),
            ),
            l.event_date_ms.map(crate::domain::format::date_utc).unwrap_or_default(),
            spreadsheet_safe(l.refunds_external_id.as_deref().unwrap_or_default()),
            l.belongs.key(),
            if l.adjustment { "yes" } else { "no" }.to_owned(),
            amount(l.base.minor),
            crate::domain::terms::format_bps(l.rate_bps),
            l.rule.key().to_owned(),
            l.terms_version.map(|v| v.to_string()).unwrap_or_default(),
            amount(l.amount.minor),
            s.currency.code().to_owned(),
        ])
        .map_err(write_err)?;
    }
    let mut total = |label: &str, minor: i64| {
        let mut row = vec![String::new(); 14];
        row[1] = label.to_owned();
        row[12] = amount(minor);
        row[13] = s.currency.code().to_owned();
        w.write_record(&row)
    };
    total("lines_total", s.lines_total_minor).map_err(write_err)?;
    if s.status == StatementStatus::Closed {
        total("carried_in", s.carried_in_minor).map_err(write_err)?;
        total("balance", s.balance_minor.unwrap_or_default()).map_err(write_err)?;
    }
    let bytes = w.into_inner().map_err(|e| crate::server::context::internal(format!("csv: {e}")))?;
    let name = format!(
        "statement-{}-{}-{}.csv",
        s.organisation.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase(),
        s.month.key(),
        s.currency.code()
    );
    Ok((name, String::from_utf8(bytes).unwrap_or_default()))
}

pub async fn import_record(ctx: &Ctx, id: i64) -> Result<ImportRecord, AppError> {
    ctx.require(Permission::ManageRevenue).await?;
    ctx.state.store.revenue_import(ctx.meta.brand.id, id).await.map_err(store_error)?.ok_or(AppError::NotFound)
}

/// Finds the partner a CSV row names: its number, `#number`, or exact name.
fn resolve(partners: &[(i64, String)], named: &str) -> Result<i64, String> {
    let t = named.trim();
    if t.is_empty() {
        return Err("Required.".into());
    }
    if let Ok(id) = t.trim_start_matches('#').parse::<i64>() {
        return partners.iter().find(|(p, _)| *p == id).map(|(p, _)| *p).ok_or(format!("No partner has number {id}."));
    }
    let found: Vec<i64> = partners.iter().filter(|(_, n)| n.eq_ignore_ascii_case(t)).map(|(p, _)| *p).collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("No approved partner is named \"{t}\".")),
        _ => Err(format!("Several partners are named \"{t}\"; use the partner's number.")),
    }
}

/// The partner a row belongs to: the one it names, or with the column
/// empty, the partner of the won deal with that customer (an approved
/// partner still).
fn partner_of(raw: &RawEvent, partners: &[(i64, String)], won: &[WonCustomer]) -> Result<i64, String> {
    if !raw.partner.trim().is_empty() {
        return resolve(partners, &raw.partner);
    }
    attribute(&raw.customer, won)
        .map(|w| w.organisation_id)
        .filter(|org| partners.iter().any(|(p, _)| p == org))
        .ok_or_else(|| {
            "Required: the partner's name or number (empty only for a customer won by a registered deal).".to_owned()
        })
}

/// What an import attempt came to. Nothing is written unless `Imported`.
enum Recorded {
    Imported(ImportRecord),
    /// A check found no problem: what importing would write.
    Checked(ImportPlan),
    Refused(Vec<RowError>),
}

/// Checks rows as one import and, unless `check_only`, records them.
/// Every row's problems come back together.
async fn record(
    ctx: &Ctx,
    user: &CurrentUser,
    source: &str,
    raws: &[RawEvent],
    check_only: bool,
) -> Result<Recorded, AppError> {
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let partners = store.revenue_partners(brand).await.map_err(store_error)?;
    let won = store.won_customers(brand).await.map_err(store_error)?;
    let today = today(ctx);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for raw in raws {
        match parse_event(raw, partner_of(raw, &partners, &won), today) {
            Ok(e) => rows.push(e),
            Err(mut e) => errors.append(&mut e),
        }
    }
    let batch = ImportBatch {
        source: source.to_owned(),
        rows,
        row_count: raws.len(),
        created_by: user.id,
        // Rows that failed to parse still go through planning (without
        // writing) so the ledger's own problems are named too.
        dry_run: check_only || !errors.is_empty(),
    };
    let mut a =
        ctx.audit(Some(user), audit::REVENUE_IMPORTED, String::new(), json!({ "source": source, "rows": raws.len() }));
    // Revenue of one partner only (an event recorded by hand, or a file of
    // one partner's rows) belongs in that partner's history.
    let mut partners_of_rows = batch.rows.iter().map(|r| r.organisation_id);
    if let Some(first) = partners_of_rows.next() {
        if partners_of_rows.all(|o| o == first) {
            a = a.about(first);
        }
    }
    let outcome = store.import_revenue(brand, batch, a).await.map_err(store_error)?;
    if let ImportOutcome::Rejected(mut more) = outcome {
        errors.append(&mut more);
    } else if errors.is_empty() {
        return Ok(match outcome {
            ImportOutcome::Imported(rec) => Recorded::Imported(rec),
            ImportOutcome::Checked(plan) => Recorded::Checked(plan),
            ImportOutcome::Rejected(_) => unreachable!("handled above"),
        });
    }
    errors.sort_by(|a, b| (a.row, &a.field).cmp(&(b.row, &b.field)));
    Ok(Recorded::Refused(errors))
}

pub async fn record_event(ctx: &Ctx, raw: RawEvent) -> Result<(), AppError> {
    let user = ctx.require(Permission::ManageRevenue).await?;
    match record(ctx, &user, "form", std::slice::from_ref(&raw), false).await? {
        Recorded::Imported(_) | Recorded::Checked(_) => Ok(()),
        Recorded::Refused(errors) => Err(AppError::Invalid(
            errors.into_iter().map(|e| FieldError { field: e.field, message: e.message }).collect(),
        )),
    }
}

/// A file's name as the import history shows it: printable, at most 120
/// characters, "pasted" for text typed into the form.
fn source_name(source: &str) -> String {
    let source: String = source.chars().filter(|c| !c.is_control()).take(120).collect();
    if source.trim().is_empty() {
        "pasted".to_owned()
    } else {
        source
    }
}

/// Reads and checks CSV text as one import, writing only when `check_only`
/// is false. The row count is that of the file as read.
async fn run_import(
    ctx: &Ctx,
    user: &CurrentUser,
    source: &str,
    text: &str,
    check_only: bool,
) -> Result<(usize, Recorded), AppError> {
    Ok(match read_csv(text) {
        Err(message) => (0, Recorded::Refused(vec![RowError { row: 1, field: "file".into(), message }])),
        Ok(raws) => (raws.len(), record(ctx, user, source, &raws, check_only).await?),
    })
}

/// Imports CSV text; either way the attempt is kept for the import history.
pub async fn import_csv(ctx: &Ctx, source: &str, text: &str) -> Result<i64, AppError> {
    let user = ctx.require(Permission::ManageRevenue).await?;
    let source = source_name(source);
    match run_import(ctx, &user, &source, text, false).await? {
        (_, Recorded::Imported(rec)) => Ok(rec.id),
        (_, Recorded::Checked(_)) => Err(crate::server::context::internal("an import was only checked")),
        (row_count, Recorded::Refused(errors)) => {
            let a = ctx.audit(
                Some(&user),
                audit::REVENUE_IMPORT_REJECTED,
                String::new(),
                json!({ "source": source, "rows": row_count, "errors": errors.len() }),
            );
            ctx.state
                .store
                .record_rejected_import(ctx.meta.brand.id, &source, row_count, &errors, a)
                .await
                .map_err(store_error)
        }
    }
}

/// Where the latest check of a file waits for its page, in the manager's
/// session: a check writes nothing to the program's data.
const IMPORT_CHECK_KEY: &str = "revenue_import_check";

/// Statements a check lists; the rest are counted.
const CHECK_SHOWN: usize = 500;

/// Checks CSV text as an import would and keeps the result for the check
/// page. Nothing is imported and the import history is unchanged.
pub async fn check_csv(ctx: &Ctx, source: &str, text: &str) -> Result<(), AppError> {
    let user = ctx.require(Permission::ManageRevenue).await?;
    let source = source_name(source);
    let (row_count, outcome) = run_import(ctx, &user, &source, text, true).await?;
    let mut check = ImportCheck {
        source,
        row_count,
        checked_at_ms: ctx.now().timestamp_millis(),
        summary: String::new(),
        problems: Vec::new(),
        statements: Vec::new(),
        statements_total: 0,
    };
    match outcome {
        Recorded::Refused(errors) => {
            check.summary = refused_check_summary(errors.len(), row_count);
            check.problems = errors;
        }
        Recorded::Checked(plan) => {
            let partners = ctx.state.store.revenue_partners(ctx.meta.brand.id).await.map_err(store_error)?;
            let name = |id: i64| partners.iter().find(|(p, _)| *p == id).map(|(_, n)| n.clone()).unwrap_or_default();
            let current = Month::of(ctx.now());
            let planned = planned_statements(&plan);
            let mut orgs: Vec<i64> = planned.iter().map(|p| p.organisation_id).collect();
            orgs.dedup();
            check.summary = checked_summary(plan.new.len(), plan.unchanged, planned.len(), orgs.len());
            check.statements_total = planned.len();
            check.statements = planned
                .into_iter()
                .take(CHECK_SHOWN)
                .map(|p| CheckedStatement {
                    partner: name(p.organisation_id),
                    month: p.month,
                    revenue: Money::new(p.revenue_minor, p.currency),
                    commission: Money::new(p.commission_minor, p.currency),
                    events: p.events,
                    adjustments: p.adjustments,
                    past: p.month < current,
                })
                .collect();
        }
        Recorded::Imported(_) => return Err(crate::server::context::internal("a check imported")),
    }
    ctx.session
        .insert(IMPORT_CHECK_KEY, check)
        .await
        .map_err(|e| crate::server::context::internal(format!("session write: {e}")))
}

/// The manager's latest check, if any.
pub async fn import_check(ctx: &Ctx) -> Result<Option<ImportCheck>, AppError> {
    ctx.require(Permission::ManageRevenue).await?;
    ctx.session.get(IMPORT_CHECK_KEY).await.map_err(|e| crate::server::context::internal(format!("session read: {e}")))
}

/// The terms editor's fields as typed.
pub struct TermsForm {
    pub effective: String,
    /// Why a past effective day: required then, and only administrators
    /// may give one.
    pub reason: String,
    pub currency: String,
    pub first_year: String,
    pub ongoing: String,
    pub margin: String,
    pub fund_budget: String,
    pub bonus_schedule: String,
    pub bounties: Vec<(&'static str, String)>,
}

pub async fn save_terms(ctx: &Ctx, org: i64, form: TermsForm) -> Result<(), AppError> {
    let user = ctx.require(Permission::ManageRevenue).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let versions = store.terms_versions(brand, org).await.map_err(store_error)?;
    let latest = versions.last().ok_or(AppError::NotFound)?;
    let model = latest.terms.model;
    let mut checks = Checks::default();
    let may_backdate = crate::domain::role::can(user.role, Permission::BackdateTerms);
    let (effective, reason) =
        match crate::domain::terms::check_effective(&form.effective, today(ctx), may_backdate, &form.reason) {
            Ok((day, reason)) => (Some(day), reason),
            Err(e) => {
                checks.check::<(), String>(e.field, Err(e.message));
                (None, None)
            }
        };
    let currency = checks.check("currency", Currency::parse(&form.currency));
    let pct = |checks: &mut Checks, field: &str, v: &str, used: bool| {
        if used {
            checks.check(field, parse_percent(v))
        } else {
            None
        }
    };
    let referral = model == RevenueModel::Referral;
    let margin_model = matches!(model, RevenueModel::Reseller | RevenueModel::WhiteLabel);
    let technology = model == RevenueModel::Technology;
    let first_year_bps = pct(&mut checks, "first_year", &form.first_year, referral);
    let ongoing_bps = pct(&mut checks, "ongoing", &form.ongoing, referral);
    let margin_bps = pct(&mut checks, "margin", &form.margin, margin_model);
    let money = |checks: &mut Checks, field: &str, v: &str| match (currency, v.trim()) {
        (_, "") => Some(0),
        (Some(c), t) => checks.check(field, Money::parse(t, c).map(|m| m.minor)),
        (None, _) => None,
    };
    // Technology partners, and Premier partners of any model, draw on it.
    let fund_budget_minor = match money(&mut checks, "fund_budget", &form.fund_budget) {
        Some(0) if !technology => None,
        other => other,
    };
    let bonus_schedule = match (model, currency) {
        (RevenueModel::Reseller, Some(c)) => checks.check("bonus_schedule", parse_schedule(&form.bonus_schedule, c)),
        _ => Some(Vec::new()),
    };
    let mut bounties = Vec::new();
    if technology {
        for (milestone, amount) in &form.bounties {
            if let Some(a) = money(&mut checks, &format!("bounty_{milestone}"), amount).filter(|a| *a != 0) {
                if BOUNTY_MILESTONES.contains(milestone) {
                    bounties.push(((*milestone).to_owned(), a));
                }
            }
        }
    }
    checks.finish()?;
    let (Some(effective), Some(currency), Some(bonus_schedule)) = (effective, currency, bonus_schedule) else {
        return Err(AppError::Internal);
    };
    let terms = Terms {
        model,
        currency: currency.code().to_owned(),
        first_year_bps,
        ongoing_bps,
        margin_bps,
        fund_budget_minor,
        bonus_schedule,
        bounties,
    };
    let field_of = |f: &str| match f {
        "first_year_bps" => "first_year",
        "ongoing_bps" => "ongoing",
        "margin_bps" => "margin",
        _ => "fund_budget",
    };
    if let Err(errors) = check_terms(&terms) {
        return Err(AppError::Invalid(
            errors.into_iter().map(|(f, m)| FieldError { field: field_of(f).into(), message: m }).collect(),
        ));
    }
    if terms.bounties.iter().any(|(_, a)| *a < 0) {
        return Err(AppError::field("bounty_certified", "A bounty cannot be negative."));
    }
    let from = effective.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0);
    let a = ctx
        .audit(
            Some(&user),
            audit::TERMS_CHANGED,
            format!("organisation:{org}"),
            json!({
                "before": latest.terms,
                "after": terms,
                "effective_from": effective.to_string(),
                "backdated": reason.is_some(),
                "reason": reason,
            }),
        )
        .about(org);
    store.add_terms_version(brand, org, from, reason.is_some(), &terms, user.id, a).await.map_err(store_error)?;
    Ok(())
}

pub async fn close(ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let user = ctx.require(Permission::ManageRevenue).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let (s, _) = store.statement(brand, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    let email = Wording::StatementReady {
        organisation: s.organisation.clone(),
        month: s.month.label(),
        currency: s.currency.code().to_owned(),
        link: format!("{}/statements/{id}", ctx.public_url()),
    };
    let mails = emails::to_owners(ctx, s.organisation_id, &email).await?;
    let a =
        ctx.audit(Some(&user), audit::STATEMENT_CLOSED, format!("statement:{id}"), json!({})).about(s.organisation_id);
    store.close_statement(brand, id, Month::of(ctx.now()), user.id, mails, a).await.map_err(store_error)
}

pub async fn close_past(ctx: &Ctx) -> Result<usize, AppError> {
    ctx.require(Permission::ManageRevenue).await?;
    let now = Month::of(ctx.now());
    // The four quarters before this one: a quarter without revenue in its
    // last month still gets the statement whose close pays its bonus.
    let mut quarters = Vec::new();
    let mut m = now.quarter_months()[0].prev();
    for _ in 0..4 {
        quarters.push(m.quarter_months());
        m = m.quarter_months()[0].prev();
    }
    ctx.state
        .store
        .open_quarter_end_statements(ctx.meta.brand.id, &quarters, ctx.now().timestamp_millis())
        .await
        .map_err(store_error)?;
    let mut open =
        ctx.state.store.statements(ctx.meta.brand.id, None, Some(StatementStatus::Open)).await.map_err(store_error)?;
    open.retain(|s| s.month < now);
    open.sort_by_key(|s| (s.month, s.id));
    for s in &open {
        close(ctx, s.id).await?;
    }
    Ok(open.len())
}

/// Approves together the payouts the manager saw waiting (`seen`, from
/// `ledger::seen_payouts`), all or none. Returns how many.
pub async fn approve_payouts(ctx: &Ctx, seen: &str) -> Result<usize, AppError> {
    let user = ctx.require(Permission::ManageRevenue).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let seen = parse_seen_payouts(seen).ok_or_else(|| AppError::Refused("No payouts to approve were named.".into()))?;
    let pending = store.payouts(brand, Some(PayoutStatus::Pending)).await.map_err(store_error)?;
    let waiting = still_as_seen(&seen, pending).ok_or_else(|| {
        AppError::Conflict("A payout changed since you looked; nothing was approved. Reload and try again.".into())
    })?;
    let audits = waiting
        .iter()
        .map(|p| {
            ctx.audit(
                Some(&user),
                audit::PAYOUT_APPROVED,
                format!("payout:{}", p.id),
                json!({ "before": "pending", "after": "approved", "amount": p.amount.to_string(), "bulk": true }),
            )
            .about(p.organisation_id)
        })
        .collect();
    store.approve_payouts(brand, &waiting, user.id, audits).await.map_err(store_error)?;
    Ok(waiting.len())
}

pub async fn payout(ctx: &Ctx, id: i64, version: i64, action: &str, reference: &str) -> Result<(), AppError> {
    let user = ctx.require(Permission::ManageRevenue).await?;
    let store = &ctx.state.store;
    let brand = ctx.meta.brand.id;
    let action = PayoutAction::parse(action).ok_or_else(|| AppError::Refused("Unknown payout action.".into()))?;
    let mut p = store.payout(brand, id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
    if p.version != version {
        return Err(AppError::Conflict("The payout changed since you looked. Reload and try again.".into()));
    }
    // One message for the whole page: several payouts' forms may be on it.
    let to = payout_step(p.status, action, reference).map_err(|e| AppError::Refused(e.to_string()))?;
    let reference = (to == PayoutStatus::Paid).then(|| reference.trim());
    let a = ctx.audit(
        Some(&user),
        if to == PayoutStatus::Paid { audit::PAYOUT_PAID } else { audit::PAYOUT_APPROVED },
        format!("payout:{id}"),
        json!({ "before": p.status.key(), "after": to.key(), "amount": p.amount.to_string(), "reference": reference }),
    ).about(p.organisation_id);
    p.version = version;
    store.move_payout(brand, &p, to, reference, user.id, a).await.map_err(store_error)
}

// ---- For the partner API (GraphQL) -------------------------------------------------

/// An organisation's revenue as the API reads it: commission this month and
/// this year per currency, and revenue and commission by month over the
/// last twelve.
pub struct ApiRevenue {
    pub month_to_date: Vec<Money>,
    pub year_to_date: Vec<Money>,
    pub months: Vec<MonthlyFigure>,
}

/// The caller's organisation's revenue summary.
pub async fn api_summary(
    state: &crate::server::state::AppState,
    caller: &crate::server::services::integration::ApiCaller,
) -> Result<ApiRevenue, AppError> {
    let now = Month::of(state.clock.now());
    let months = now.last_n(12);
    let figures = state
        .store
        .monthly_figures(caller.brand_id, Some(caller.organisation_id), months[0], now)
        .await
        .map_err(store_error)?;
    Ok(ApiRevenue {
        month_to_date: sums(&figures, |m| m == now),
        year_to_date: sums(&figures, |m| m.year == now.year),
        months: figures,
    })
}

/// The caller's organisation's statements, newest first.
pub async fn api_statements(
    state: &crate::server::state::AppState,
    caller: &crate::server::services::integration::ApiCaller,
) -> Result<Vec<Statement>, AppError> {
    state.store.statements(caller.brand_id, Some(caller.organisation_id), None).await.map_err(store_error)
}

/// One of the caller's organisation's statements with `limit` of its lines
/// from `offset`, and how many lines it has. Another partner's statement is
/// not found, as an unknown one.
pub async fn api_statement(
    state: &crate::server::state::AppState,
    caller: &crate::server::services::integration::ApiCaller,
    id: i64,
    offset: i64,
    limit: i64,
) -> Result<(Statement, Vec<StatementLine>, i64), AppError> {
    let found = state.store.statement_lines_page(caller.brand_id, id, offset, limit).await.map_err(store_error)?;
    found.filter(|(s, _, _)| s.organisation_id == caller.organisation_id).ok_or(AppError::NotFound)
}
