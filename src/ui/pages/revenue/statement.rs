//! /statements/:id: one monthly statement, each line with why it has its
//! amount; staff close the statement and move its payout on.

use super::shared::{payout_label, PayoutActions};
use crate::api::revenue::{get_statement, get_statement_document, CloseStatement, MovePayout, StatementView};
use crate::domain::format::{count, date_utc};
use crate::domain::ledger::{exact_share, LineKind, Statement, StatementLine, StatementStatus};
use crate::domain::revenue::{format_money, Currency, Money, ShareRule};
use crate::domain::statement::{based_on_revenue, Subtotal, Summary};
use crate::domain::terms::format_bps;
use crate::ui::components::card::Card;
use crate::ui::components::confirm::Confirm;
use crate::ui::components::form::{Form, FormError, LastResult};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::pager::Pager;
use crate::ui::components::style::{BUTTON, NARROW_ONLY, TD_SHADED, TD_SHADED_MONEY, WIDE_ONLY};
use crate::ui::components::table::{DataTable, Head, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

/// The reasons behind a line's amount, one sentence each.
fn why(l: &StatementLine) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(id), Some(at)) = (&l.event_external_id, l.event_date_ms) {
        let source = if l.kind == LineKind::Clawback { "refund" } else { "invoice" };
        out.push(format!("Source: {source} {id} for {}, dated {}.", l.customer, date_utc(at)));
    }
    if let Some(inv) = &l.refunds_external_id {
        out.push(format!("Refunds invoice {inv}: claws back at that invoice's rate and terms version."));
    }
    if let Some(m) = &l.milestone {
        out.push(format!("Milestone reached: {m}."));
    }
    if let Some(v) = l.terms_version {
        out.push(format!("Terms version {v}."));
    }
    out.push(format!("Rule: {}.", l.rule.label()));
    if let Some(first) = l.first_invoice_ms {
        out.push(format!(
            "Customer first invoiced on {}: the first-year rate applies for 12 months from then.",
            date_utc(first)
        ));
    }
    match l.rule {
        ShareRule::VolumeBonus => out.push(format!(
            "Quarter revenue {} reached a threshold paying {}.",
            format_money(l.base),
            format_money(l.amount)
        )),
        ShareRule::Bounty => out.push(format!("Fixed amount {}.", format_money(l.amount))),
        ShareRule::Fund => {
            if let Some(a) = &l.fund_activity {
                out.push(format!("Co-marketing activity: {a}."));
            }
            out.push(format!("The approved claim: {}, paid as claimed.", format_money(l.amount)));
        }
        _ => {
            out.push(format!(
                "{} × {} = {} exactly; rounded to the nearest minor unit, halves away from zero: {}.",
                format_money(l.base),
                format_bps(l.rate_bps),
                exact_share(l.base, l.rate_bps),
                format_money(l.amount)
            ));
        }
    }
    if l.adjustment {
        out.push(format!(
            "Belongs to {}, which had closed when it arrived: shown here as an adjustment.",
            l.belongs.label()
        ));
    }
    if let Some(p) = l.customer_price_minor {
        out.push(format!(
            "Your price to the customer: {} (for your reports; it does not change the share).",
            format_money(Money::new(p, l.amount.currency))
        ));
    }
    out
}

#[component]
pub fn StatementPage() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let close = ServerAction::<CloseStatement>::new();
    let pay = ServerAction::<MovePayout>::new();
    let close_value: LastResult<()> = Signal::derive(move || close.value().get());
    let pay_value: LastResult<()> = Signal::derive(move || pay.value().get());
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or_default();
    let page = move || query.read().get("page").and_then(|v| v.parse::<usize>().ok());
    let data = Resource::new(
        move || (id(), page(), location.search.get(), close.version().get(), pay.version().get()),
        |(id, page, _, _, _)| get_statement(id, page),
    );
    view! {
        <Title text="Statement"/>
        <FormError value=close_value/>
        <FormError value=pay_value/>
        <Loaded data let:v>
            <StatementBody v close pay/>
        </Loaded>
    }
}

/// Customers listed by name on the statement page; the printable
/// statement and the CSV list every one.
const CUSTOMERS_SHOWN: usize = 10;

#[component]
fn StatementBody(
    v: StatementView,
    close: ServerAction<CloseStatement>,
    pay: ServerAction<MovePayout>,
) -> impl IntoView {
    let s = v.statement.clone();
    let back = format!("/statements/{}", s.id);
    let figure = "text-sm font-medium text-slate-600";
    view! {
        <p class="mb-2 text-sm"><a class="text-brand underline" href=if v.can_manage { format!("/revenue?org={}", s.organisation_id) } else { "/revenue".to_owned() }>"← Revenue"</a></p>
        <Heading s=s.clone()/>
        <div class="mb-6 grid gap-4 md:grid-cols-3">
            <Card title="Summary" heading=figure margin="md:col-span-2">
                <SummaryList summary=v.summary status=s.status currency=s.currency/>
            </Card>
            <Card title="Payout" heading=figure>
                <p class="mt-1 text-lg font-semibold" data-testid="payout-status">{payout_label(&s.payout)}</p>
                {s.payout.is_none().then(|| view! {
                    <p class="mt-1 text-xs text-slate-600">
                        {if s.status == StatementStatus::Open {
                            "None yet: a statement that closes with a positive balance creates its payout."
                        } else {
                            "None: the balance was not positive, so nothing is paid this month."
                        }}
                    </p>
                })}
                {(v.can_manage).then(|| s.payout.clone().map(|p| view! { <PayoutActions p back=back.clone() pay/> }))}
            </Card>
        </div>
        <div class="mb-6 flex flex-wrap items-center gap-3">
            <a class="rounded-md border border-slate-300 px-4 py-2 text-sm font-semibold" href=format!("/statements/{}/csv", s.id) download="">"Download CSV"</a>
            <a class="rounded-md border border-slate-300 px-4 py-2 text-sm font-semibold" href=format!("/statements/{}/print", s.id)>"Printable statement"</a>
            {(v.can_manage && s.status == StatementStatus::Open).then(|| view! {
                <Form action=close banner=false>
                    <input type="hidden" name="id" value=s.id.to_string()/>
                    <Confirm
                        label="Close statement"
                        what=format!("Close the {} statement? Its lines become final: revenue that arrives later for {} shows on a later statement as an adjustment.", s.month.label(), s.month.label())
                        confirm="Close this statement"
                        class=BUTTON
                    />
                </Form>
            })}
        </div>
        <Subtotals by_kind=v.by_kind by_customer=v.by_customer currency=s.currency customers=CUSTOMERS_SHOWN/>
        <Card title="Lines" id="lines">
            <LinesTable lines=v.lines/>
            {(v.pages > 1).then(|| view! { <Pager page=v.page pages=v.pages count=v.lines_count what="lines" anchor="#lines"/> })}
        </Card>
    }
}

/// The statement's title, whose it is, and its state.
#[component]
fn Heading(s: Statement) -> impl IntoView {
    view! {
        <h1 class="mb-1 text-2xl font-bold">{format!("Statement {} · {}", s.month.label(), s.currency.code())}</h1>
        <p class="mb-4 text-sm text-slate-600">
            {s.organisation} " · " <span data-testid="statement-status">{s.status.label()}</span>
            {s.closed_at_ms.map(|t| view! { " on " <Time ms=t/> })}
        </p>
    }
}

/// Where the amount comes from: the parts that add up to the lines total,
/// then, once closed, what was carried in and what is paid or carried on.
#[component]
fn SummaryList(summary: Summary, status: StatementStatus, currency: Currency) -> impl IntoView {
    let sum = summary;
    let money = move |minor: i64| format_money(Money::new(minor, currency));
    let row = move |label: &'static str, minor: i64, testid: Option<&'static str>| {
        view! {
            <div class="flex justify-between gap-4 py-1">
                <dt>{label}</dt>
                <dd class="whitespace-nowrap text-right tabular-nums" data-testid=testid>{money(minor)}</dd>
            </div>
        }
    };
    let closed = status == StatementStatus::Closed;
    view! {
        <dl class="mt-1 text-sm" data-testid="summary">
            {row("Revenue invoiced this month", sum.gross_minor, Some("gross"))}
            <div class="border-t border-slate-100"></div>
            {row("Commission", sum.commission_minor, Some("commission"))}
            {(sum.clawbacks_minor != 0).then(|| row("Refund clawbacks", sum.clawbacks_minor, Some("clawbacks")))}
            {(sum.rewards_minor != 0).then(|| row("Bonuses, bounties and funds", sum.rewards_minor, Some("rewards")))}
            {(sum.adjustments_minor != 0).then(|| row("Adjustments to earlier months", sum.adjustments_minor, Some("adjustments")))}
            <div class="flex justify-between gap-4 border-t border-slate-200 py-1 font-semibold">
                <dt>"Lines total"</dt>
                <dd class="whitespace-nowrap text-right tabular-nums" data-testid="lines-total">{money(sum.lines_total_minor)}</dd>
            </div>
            {closed.then(|| view! {
                {row("Carried in from earlier statements", sum.carried_in_minor, Some("carried-in"))}
                <div class="flex justify-between gap-4 border-t border-slate-200 py-1 font-semibold">
                    <dt>"Balance"</dt>
                    <dd class="whitespace-nowrap text-right tabular-nums" data-testid="balance">{money(sum.carried_in_minor + sum.lines_total_minor)}</dd>
                </div>
                {row("Payable", sum.payable_minor.unwrap_or(0), Some("payable"))}
                {(sum.carried_forward_minor.unwrap_or(0) != 0).then(|| row("Carried into next month's statement", sum.carried_forward_minor.unwrap_or(0), Some("carried-forward")))}
            })}
        </dl>
        {(!closed).then(|| view! {
            <p class="mt-2 text-xs text-slate-600">"Open: lines can still arrive this month. What is carried in and what is paid are set when the statement closes."</p>
        })}
    }
}

/// Subtotals by kind and by customer; `customers` caps the customers
/// listed by name.
#[component]
fn Subtotals(
    by_kind: Vec<Subtotal>,
    by_customer: Vec<Subtotal>,
    currency: Currency,
    customers: usize,
) -> impl IntoView {
    if by_kind.is_empty() {
        return ().into_any();
    }
    let money = move |minor: i64| format_money(Money::new(minor, currency));
    let rows = move |list: Vec<Subtotal>| {
        list.into_iter()
            .map(|r| {
                view! {
                    <tr>
                        <td class=TD_SHADED>{r.label}</td>
                        <td class=TD_SHADED_MONEY>{r.lines}</td>
                        <td class=TD_SHADED_MONEY>{r.base_minor.map(money).unwrap_or_else(|| "—".into())}</td>
                        <td class=TD_SHADED_MONEY>{money(r.amount_minor)}</td>
                    </tr>
                }
            })
            .collect::<Vec<_>>()
    };
    let more = by_customer.len().saturating_sub(customers);
    let shown: Vec<Subtotal> = by_customer.into_iter().take(customers).collect();
    // One table per way of adding up: the first column names the group.
    let table = move |testid: &'static str, label: &'static str, group: &'static str, list: Vec<Subtotal>| {
        view! {
            <DataTable
                look=TableLook::Shaded
                testid
                label
                head=vec![group.into(), Head::figure("Lines"), Head::figure("Revenue"), Head::figure("Amount")]
                rows=rows(list)
            />
        }
    };
    view! {
        <div class="mb-6 grid gap-4 lg:grid-cols-2">
            <Card title="By kind" heading="mb-2 font-semibold">
                {table("by-kind", "Subtotals by kind", "Kind", by_kind)}
            </Card>
            <Card title="By customer" heading="mb-2 font-semibold">
                {table("by-customer", "Subtotals by customer", "Customer", shown)}
                {(more > 0).then(|| view! {
                    <p class="mt-2 text-xs text-slate-600">{format!("And {}: the printable statement and the CSV list every one.", count(more, "more customer", "more customers"))}</p>
                })}
            </Card>
        </div>
    }
    .into_any()
}

/// The lines as a table: date, what the line is for, base, rate and amount,
/// with the reasons for the amount under each.
#[component]
fn LinesTable(lines: Vec<StatementLine>) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p class="text-sm text-slate-600">"No lines yet."</p> }.into_any();
    }
    let rows = lines
        .iter()
        .map(|l| {
            let title = match l.kind {
                LineKind::Bonus => "Quarterly volume bonus".to_owned(),
                LineKind::Bounty => format!("Bounty: {}", l.milestone.clone().unwrap_or_default()),
                LineKind::Fund => l.fund_activity.clone().unwrap_or_default(),
                _ => format!("{} · {}", l.customer, l.event_external_id.clone().unwrap_or_default()),
            };
            let on_revenue = based_on_revenue(l.kind);
            let date = l.event_date_ms.map(date_utc);
            // Phones show the date, base and rate under the line, and keep
            // the amount in view beside it; wider screens give each a column.
            let narrow = [date.clone(), on_revenue.then(|| format!("{} × {}", format_money(l.base), format_bps(l.rate_bps)))]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
            let cell = "px-2 pt-2 align-top";
            let figure = "whitespace-nowrap px-2 pt-2 text-right align-top tabular-nums";
            view! {
                <tr data-line=l.id.to_string()>
                    <td class=format!("{cell} whitespace-nowrap {WIDE_ONLY}")>{date.unwrap_or_else(|| "—".into())}</td>
                    <td class=cell>
                        <span class="font-medium">{l.kind.label()}</span> " · " <span class="break-all">{title.clone()}</span>
                        {l.adjustment.then(|| view! { <span class="ml-2 rounded bg-amber-100 px-2 py-0.5 text-xs text-amber-900">{format!("Adjustment for {}", l.belongs.label())}</span> })}
                        {(!narrow.is_empty()).then(|| view! { <span class=format!("block text-xs text-slate-600 {NARROW_ONLY}")>{narrow}</span> })}
                    </td>
                    <td class=format!("{figure} {WIDE_ONLY}")>{on_revenue.then(|| format_money(l.base))}</td>
                    <td class=format!("{figure} {WIDE_ONLY}")>{on_revenue.then(|| format_bps(l.rate_bps))}</td>
                    <td class=format!("{figure} font-semibold")>{format_money(l.amount)}</td>
                </tr>
                <tr class="border-b border-slate-100">
                    <td class=WIDE_ONLY></td>
                    <td class="px-2 pb-2 text-xs" colspan="4">
                        <details>
                            <summary class="cursor-pointer text-brand">"Why this amount"<span class="sr-only">{format!(": {title}")}</span></summary>
                            <ul class="mt-1 list-disc pl-5 text-slate-700">{why(l).into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                        </details>
                    </td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <DataTable
            look=TableLook::Ruled
            testid="lines"
            label="Statement lines"
            head=vec![
                Head::from("Date").wide_only(),
                "Line".into(),
                Head::figure("Revenue").wide_only(),
                Head::figure("Rate").wide_only(),
                Head::figure("Amount"),
            ]
            rows
        />
    }
    .into_any()
}

/// /statements/:id/print: the whole statement as one document, every line
/// and every customer, without the site's menus when printed, for paper or
/// "Save as PDF".
#[component]
pub fn StatementPrintPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or_default();
    let data = Resource::new(id, get_statement_document);
    view! {
        <Title text="Statement"/>
        <Loaded data let:v>
            <p class="mb-4 text-sm print:hidden">
                <a class="text-brand underline" href=format!("/statements/{}", v.statement.id)>"← Statement"</a>
                " · Use your browser's Print command to print this statement or save it as a PDF."
            </p>
            <Heading s=v.statement.clone()/>
            <section class="mb-6 max-w-xl" aria-labelledby="summary-heading">
                <h2 id="summary-heading" class="mb-1 font-semibold">"Summary"</h2>
                <SummaryList summary=v.summary status=v.statement.status currency=v.statement.currency/>
            </section>
            <Subtotals by_kind=v.by_kind.clone() by_customer=v.by_customer.clone() currency=v.statement.currency customers=usize::MAX/>
            <section aria-labelledby="lines-heading">
                <h2 id="lines-heading" class="mb-2 font-semibold">{format!("Lines ({})", v.lines_count)}</h2>
                <LinesTable lines=v.lines.clone()/>
            </section>
        </Loaded>
    }
}
