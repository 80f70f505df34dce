//! /manager/revenue: the program's totals and rankings, payouts and
//! statements waiting for staff, and the ways revenue comes in (a CSV
//! import or one event at a time).

use super::shared::{statements_table, PayoutActions};
use super::trend::TrendChart;
use crate::api::revenue::{
    get_revenue_program, ApprovePayouts, ClosePastStatements, MovePayout, ProgramView, Ranked, RecordRevenueEvent,
};
use crate::domain::format::count;
use crate::domain::ledger::{
    import_limits, import_result, seen_payouts, total_per_currency, ImportRefusal, Payout, PayoutStatus, CSV_COLUMNS,
};
use crate::domain::revenue::format_money;
use crate::ui::components::card::Card;
use crate::ui::components::confirm::Confirm;
use crate::ui::components::form::{
    drafted, invalid_when, successes, FieldMessage, Form, FormError, LastResult, Notice,
};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, INPUT, SECONDARY};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// Partners ranked by a figure of this year, each linking to its dashboard.
fn ranking_table(title: &'static str, list: &[Ranked]) -> impl IntoView {
    let ranking = if list.is_empty() {
        view! { <p class="text-sm text-slate-600">"No revenue this year."</p> }.into_any()
    } else {
        view! {
            <ol class="space-y-1 text-sm">
                {list.iter().map(|r| view! {
                    <li class="flex justify-between gap-3">
                        <a class="min-w-0 truncate text-brand underline" href=format!("/revenue?org={}", r.organisation_id)>{r.organisation.clone()}</a>
                        <span class="shrink-0 text-right text-slate-700">{format!("{} · {} commission", format_money(r.revenue), format_money(r.commission))}</span>
                    </li>
                }).collect_view()}
            </ol>
        }
        .into_any()
    };
    view! { <Card title>{ranking}</Card> }
}

#[component]
pub fn ProgramPage() -> impl IntoView {
    let location = use_location();
    let record = ServerAction::<RecordRevenueEvent>::new();
    let close_all = ServerAction::<ClosePastStatements>::new();
    let pay = ServerAction::<MovePayout>::new();
    let approve_all = ServerAction::<ApprovePayouts>::new();
    let approve_value: LastResult<usize> = Signal::derive(move || approve_all.value().get());
    let record_value: LastResult<()> = Signal::derive(move || record.value().get());
    let close_value: LastResult<usize> = Signal::derive(move || close_all.value().get());
    let pay_value: LastResult<()> = Signal::derive(move || pay.value().get());
    let recorded = successes(record);
    let data = Resource::new(
        move || {
            let moved = (pay.version().get(), approve_all.version().get());
            (location.search.get(), recorded.get(), close_all.version().get(), moved)
        },
        |_| get_revenue_program(),
    );
    view! {
        <Title text="Revenue"/>
        <h1 class="mb-4 text-2xl font-bold">"Revenue"</h1>
        <FormError value=close_value/>
        <FormError value=pay_value/>
        <FormError value=approve_value/>
        <Loaded data let:p>
            <Program p record record_value close_all pay approve_all/>
        </Loaded>
    }
}

#[component]
fn Program(
    p: ProgramView,
    record: ServerAction<RecordRevenueEvent>,
    record_value: LastResult<()>,
    close_all: ServerAction<ClosePastStatements>,
    pay: ServerAction<MovePayout>,
    approve_all: ServerAction<ApprovePayouts>,
) -> impl IntoView {
    let query = use_query_map();
    let notice = move || {
        let q = query.read();
        if q.get("recorded").is_some() {
            Some("Revenue recorded.".to_owned())
        } else if let Some(n) = q.get("approved").and_then(|n| n.parse::<u64>().ok()) {
            Some(format!("Approved {}; each is ready to be paid.", count(n, "payout", "payouts")))
        } else {
            q.get("closed")
                .and_then(|n| n.parse::<u64>().ok())
                .map(|n| format!("Closed {}.", count(n, "statement", "statements")))
        }
    };
    // Set by the import endpoint when it turned an upload away unread.
    let import_refused =
        move || query.read().get("import_refused").and_then(|k| ImportRefusal::parse(&k)).map(ImportRefusal::message);
    let payouts: Vec<Payout> = p.payouts.clone();
    // Approving together names the count and the total before it acts.
    let pending: Vec<Payout> = payouts.iter().filter(|p| p.status == PayoutStatus::Pending).cloned().collect();
    let bulk = (pending.len() > 1).then(|| {
        let total = total_per_currency(pending.iter().map(|p| p.amount))
            .into_iter()
            .map(format_money)
            .collect::<Vec<_>>()
            .join(" + ");
        let what = count(pending.len(), "payout", "payouts");
        view! {
            <Form action=approve_all banner=false class="mb-3">
                <input type="hidden" name="seen" value=seen_payouts(&pending)/>
                <Confirm
                    label=format!("Approve the {what} listed as waiting for approval ({total})")
                    what=format!("Approve {what} totalling {total}? Each becomes ready to be paid; a payout that changed since this page was drawn stops them all.")
                    confirm=format!("Approve {what}: {total}")
                    class=BUTTON
                />
            </Form>
        }
    });
    let n = p.closable_total;
    let one = n == 1;
    let closing = count(n, "statement", "statements");
    view! {
        {move || notice().map(|t| view! { <Notice text=t/> })}
        <Card title="Program totals, last 12 months" id="program-trend" margin="mb-6">
            {if p.trend.is_empty() {
                view! { <p class="text-sm text-slate-600">"No revenue recorded yet."</p> }.into_any()
            } else {
                p.trend.clone().into_iter().map(|s| view! { <TrendChart series=s what="Partner commission"/> }).collect_view().into_any()
            }}
        </Card>
        <div class="mb-6 grid gap-4 md:grid-cols-2">
            {ranking_table("Partners by revenue this year", &p.by_revenue)}
            {ranking_table("Partners by commission this year", &p.by_commission)}
        </div>
        <Card title="Payouts waiting" id="payouts" margin="mb-6">
            {if payouts.is_empty() {
                view! { <p class="text-sm text-slate-600">"No payout is waiting for approval or payment."</p> }.into_any()
            } else {
                view! {
                    {(p.payouts_total > p.payouts.len()).then(|| view! {
                        <p class="mb-2 text-sm text-slate-600">{format!(
                            "The oldest {} of {} waiting payouts are listed.",
                            p.payouts.len(),
                            p.payouts_total
                        )}</p>
                    })}
                    {bulk}
                    <ul class="divide-y divide-slate-100 text-sm" data-testid="payouts">
                        {payouts.into_iter().map(|po| view! {
                            <li class="flex flex-wrap items-end justify-between gap-3 py-3">
                                <span>
                                    <a class="text-brand underline" href=format!("/statements/{}", po.statement_id)>{format!("{} · {}", po.organisation, po.month.label())}</a>
                                    {format!(" · {} · {}", format_money(po.amount), po.status.label())}
                                </span>
                                <PayoutActions p=po back="/manager/revenue".to_owned() pay/>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <p class="mt-3 text-sm"><a class="text-brand underline" href="/manager/statements?show=paid">"Payouts already paid"</a></p>
        </Card>
        <Card title="Statements to close" id="closable" margin="mb-6">
            {if p.closable.is_empty() {
                view! { <p class="text-sm text-slate-600">"Every statement of a finished month is closed."</p> }.into_any()
            } else {
                view! {
                    {(p.closable_total > p.closable.len()).then(|| view! {
                        <p class="mb-2 text-sm text-slate-600">{format!(
                            "The oldest {} of {} are listed; they close in order.",
                            p.closable.len(),
                            p.closable_total
                        )}</p>
                    })}
                    {statements_table(p.closable.clone(), true, None)}
                    <Form action=close_all banner=false>
                        <div class="mt-3">
                            <Confirm
                                label=if one { "Close the statement of a past month".to_owned() } else { format!("Close all {n} statements of past months") }
                                what=format!("Close {closing} at once? Lines become final, as when a statement is closed on its own page; this cannot be undone.")
                                confirm=format!("Close {closing}")
                                class=BUTTON
                            />
                        </div>
                    </Form>
                }.into_any()
            }}
            <p class="mt-3 text-sm"><a class="text-brand underline" href="/manager/statements">"Every statement, to search and sort"</a></p>
        </Card>
        <div class="mb-6 grid gap-4 lg:grid-cols-2">
            <Card title="Import revenue (CSV)" id="import" heading="mb-1 font-semibold">
                <p class="mb-3 text-xs text-slate-600">{format!(
                    "Header row with the columns {}. Partner: its name or number, or empty for a customer won by a registered deal (the deal's partner gets it). Date: YYYY-MM-DD. Kind: invoice or refund; a refund names its invoice's external id in refunds. Every row is checked first: if one fails, nothing is imported. Rows already recorded are skipped.",
                    CSV_COLUMNS.join(", ")
                )}</p>
                <p id="import-limits" class="mb-3 text-xs font-medium text-slate-700">{import_limits()}</p>
                {move || import_refused().map(|m| view! {
                    <p id="import-error" class="mb-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800" role="alert" data-testid="import-refused">{m}</p>
                })}
                <form method="post" action="/manager/revenue/import" enctype="multipart/form-data">
                    <label for="import-file" class="block text-sm font-medium">"CSV file"</label>
                    <input id="import-file" type="file" name="file" accept=".csv,text/csv" class="mt-1 block w-full text-sm"
                        aria-invalid=move || import_refused().is_some().then_some("true")
                        aria-describedby=move || if import_refused().is_some() { "import-error import-limits" } else { "import-limits" }/>
                    <label for="import-csv" class="mt-3 block text-sm font-medium">"…or paste the rows"</label>
                    <textarea id="import-csv" name="csv" rows="6" class=format!("{INPUT} font-mono text-xs")></textarea>
                    <div class="mt-3 flex flex-wrap gap-2">
                        <button type="submit" class=BUTTON>"Import"</button>
                        <button type="submit" name="mode" value="check" class=SECONDARY>"Check without importing"</button>
                    </div>
                </form>
                {(!p.imports.is_empty()).then(|| view! {
                    <h3 class="mb-1 mt-4 text-sm font-semibold">"Recent imports"</h3>
                    <ul class="text-sm" data-testid="imports">
                        {p.imports.iter().map(|i| view! {
                            <li><a class="text-brand underline" href=format!("/manager/revenue/imports/{}", i.id)><Time ms=i.created_at_ms/> {format!(" · {}", i.source)}</a>
                                {format!(" · {}", import_result(i.imported, i.new_count, i.unchanged_count, i.errors.len()))}
                            </li>
                        }).collect_view()}
                    </ul>
                    <p class="mt-2 text-sm"><a class="text-brand underline" href="/manager/revenue/imports">"Every import"</a></p>
                })}
                <p class="mt-3 text-sm">"Revenue can also come straight from Stripe: "<a class="text-brand underline" href="/manager/revenue/billing">"Billing feed"</a></p>
            </Card>
            <Card title="Record one event" id="record">
                <Form action=record>
                    {
                        let (invalid, described, first) = invalid_when(record_value, "partner");
                        let typed = drafted("partner");
                        if p.partners.is_empty() {
                            view! {
                                <label for="ev-partner" class="block text-sm font-medium">"Partner (name or number)"</label>
                                <input id="ev-partner" name="partner" type="text" required class=INPUT value=typed
                                    aria-invalid=invalid aria-describedby=described autofocus=first/>
                            }.into_any()
                        } else {
                            view! {
                                <label for="ev-partner" class="block text-sm font-medium">"Partner"</label>
                                <select id="ev-partner" name="partner" class=INPUT aria-invalid=invalid aria-describedby=described autofocus=first>
                                    {p.partners.iter().map(|(id, n)| {
                                        let id = id.to_string();
                                        let selected = typed.as_deref() == Some(id.as_str());
                                        view! { <option value=id selected=selected>{n.clone()}</option> }
                                    }).collect_view()}
                                </select>
                            }.into_any()
                        }
                    }
                    <FieldMessage value=record_value field="partner"/>
                    <div class="grid gap-3 sm:grid-cols-2">
                        {[("customer", "Customer", "text", String::new()), ("date", "Date", "date", p.today.clone()), ("amount", "Amount", "text", String::new()), ("currency", "Currency", "text", "USD".to_owned()), ("external_id", "External id", "text", String::new()), ("refunds", "Refunds invoice (refunds only)", "text", String::new()), ("customer_price", "Partner's price to the customer (optional)", "text", String::new())]
                            .into_iter().map(|(name, label, kind, v)| {
                                let v = drafted(name).unwrap_or(v);
                                let (invalid, described, first) = invalid_when(record_value, name);
                                view! {
                                    <div class="mt-3">
                                        <label for=format!("ev-{name}") class="block text-sm font-medium">{label}</label>
                                        <input id=format!("ev-{name}") name=name type=kind value=v class=INPUT
                                            aria-invalid=invalid aria-describedby=described autofocus=first/>
                                        <FieldMessage value=record_value field=name/>
                                    </div>
                                }
                            }).collect_view()}
                        <div class="mt-3">
                            <label for="ev-kind" class="block text-sm font-medium">"Kind"</label>
                            <select id="ev-kind" name="kind" class=INPUT>
                                <option value="invoice">"Invoice"</option>
                                <option value="refund" selected=drafted("kind").as_deref() == Some("refund")>"Refund"</option>
                            </select>
                        </div>
                    </div>
                    <button type="submit" class=format!("{BUTTON} mt-4")>"Record"</button>
                </Form>
            </Card>
        </div>
    }
}
