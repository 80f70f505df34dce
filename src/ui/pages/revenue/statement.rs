//! /statements/:id: one monthly statement, each line with why it has its
//! amount; staff close the statement and move its payout on.

use super::shared::{payout_label, PayoutActions};
use crate::api::revenue::{get_statement, CloseStatement, MovePayout, StatementView};
use crate::domain::format::{date_utc, time_utc};
use crate::domain::ledger::{exact_share, LineKind, StatementLine, StatementStatus};
use crate::domain::revenue::{format_money, Money, ShareRule};
use crate::domain::terms::format_bps;
use crate::ui::components::card::Card;
use crate::ui::components::confirm::Confirm;
use crate::ui::components::form::{Form, FormError, LastResult};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::pager::Pager;
use crate::ui::components::style::BUTTON;
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

#[component]
fn StatementBody(
    v: StatementView,
    close: ServerAction<CloseStatement>,
    pay: ServerAction<MovePayout>,
) -> impl IntoView {
    let s = v.statement.clone();
    let money = move |minor: i64| format_money(Money::new(minor, s.currency));
    let back = format!("/statements/{}", s.id);
    let figure = "text-sm font-medium text-slate-600";
    view! {
        <p class="mb-2 text-sm"><a class="text-brand underline" href=if v.can_manage { format!("/revenue?org={}", s.organisation_id) } else { "/revenue".to_owned() }>"← Revenue"</a></p>
        <h1 class="mb-1 text-2xl font-bold">{format!("Statement {} · {}", s.month.label(), s.currency.code())}</h1>
        <p class="mb-4 text-sm text-slate-600">{s.organisation.clone()}</p>
        <div class="mb-6 grid gap-4 md:grid-cols-3">
            <Card title="Status" heading=figure>
                <p class="mt-1 text-lg font-semibold" data-testid="statement-status">{s.status.label()}</p>
                {s.closed_at_ms.map(|t| view! { <p class="text-xs text-slate-500">{format!("Closed {}", time_utc(t))}</p> })}
            </Card>
            <Card title="Totals" heading=figure>
                <dl class="mt-1 text-sm">
                    <div class="flex justify-between"><dt>"Commission"</dt><dd class="tabular-nums" data-testid="lines-total">{money(s.lines_total_minor)}</dd></div>
                    {(s.status == StatementStatus::Closed).then(|| view! {
                        <div class="flex justify-between"><dt>"Carried in"</dt><dd class="tabular-nums">{money(s.carried_in_minor)}</dd></div>
                        <div class="flex justify-between font-semibold"><dt>"Balance"</dt><dd class="tabular-nums" data-testid="balance">{money(s.balance_minor.unwrap_or(0))}</dd></div>
                    })}
                </dl>
                {(s.balance_minor.unwrap_or(0) < 0).then(|| view! { <p class="mt-1 text-xs text-slate-500">"A negative balance carries into the next statement."</p> })}
            </Card>
            <Card title="Payout" heading=figure>
                <p class="mt-1 text-lg font-semibold" data-testid="payout-status">{payout_label(&s.payout)}</p>
                {(v.can_manage).then(|| s.payout.clone().map(|p| view! { <PayoutActions p back=back.clone() pay/> }))}
            </Card>
        </div>
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <a class="rounded-md border border-slate-300 px-4 py-2 text-sm font-semibold" href=format!("/statements/{}/csv", s.id) download="">"Download CSV"</a>
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
        <Card title="Lines" id="lines">
            {if v.lines.is_empty() {
                view! { <p class="text-sm text-slate-600">"No lines."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100 text-sm" data-testid="lines">
                        {v.lines.iter().map(|l| {
                            let title = match l.kind {
                                LineKind::Bonus => "Quarterly volume bonus".to_owned(),
                                LineKind::Bounty => format!("Bounty: {}", l.milestone.clone().unwrap_or_default()),
                                LineKind::Fund => l.fund_activity.clone().unwrap_or_default(),
                                _ => format!("{} · {}", l.customer, l.event_external_id.clone().unwrap_or_default()),
                            };
                            view! {
                                <li class="py-2">
                                    <div class="flex flex-wrap justify-between gap-2">
                                        <span><strong>{l.kind.label()}</strong> " · " {title}
                                            {l.adjustment.then(|| view! { <span class="ml-2 rounded bg-amber-100 px-2 py-0.5 text-xs text-amber-900">{format!("Adjustment for {}", l.belongs.label())}</span> })}
                                        </span>
                                        <span class="font-semibold tabular-nums">{format_money(l.amount)}</span>
                                    </div>
                                    <details class="mt-1">
                                        <summary class="cursor-pointer text-brand">"Why this amount"</summary>
                                        <ul class="mt-1 list-disc pl-5 text-slate-700">{why(l).into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                                    </details>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {(v.pages > 1).then(|| view! { <Pager page=v.page pages=v.pages count=v.lines_count what="lines" anchor="#lines"/> })}
                }.into_any()
            }}
        </Card>
    }
}
