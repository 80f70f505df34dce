//! Deal registration: a partner's deals with the form that registers one,
//! and the managers' view where registrations are approved or turned down,
//! a conflicting one beside the deal it conflicts with.

use crate::api::deals::{get_deals, get_program_deals, CloseDeal, DealsPage, DecideDeal, ProgramDeals, RegisterDeal};
use crate::domain::deals::{actions, days_left, Deal, DealAction, DealStatus, Funnel, WonEvent};
use crate::domain::leads::span_words;
use crate::domain::ledger::total_per_currency;
use crate::domain::revenue::{format_money, format_totals, Money};
use crate::ui::components::card::Card;
use crate::ui::components::form::{
    drafted, field_error, for_row, invalid_when, Field, FieldMessage, Form, LastResult, Notice,
};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, CARD, INPUT, QUIET, SECONDARY, TD_BOXED, TD_BOXED_FIGURE, TD_BOXED_NOWRAP};
use crate::ui::components::table::{DataTable, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// The revenue recorded for deal `id`'s customer, in every currency.
fn revenue_of(revenue: &[(i64, Money)], id: i64) -> Vec<Money> {
    revenue.iter().filter(|(d, _)| *d == id).map(|(_, m)| *m).collect()
}

/// Where a deal stands, in words: its status, and for an approved one how
/// long it stays protected.
#[component]
fn Standing(status: DealStatus, until: Option<i64>, now_ms: i64) -> impl IntoView {
    match (status, until) {
        (DealStatus::Approved, Some(until)) => {
            let days = days_left(until, now_ms);
            let left = format!(" ({days} {} left)", if days == 1 { "day" } else { "days" });
            view! { "Protected until " <Time ms=until date=true/> {left} }.into_any()
        }
        (status, _) => status.label().into_any(),
    }
}

/// Leads and deals by partner: counts, rates and the revenue won. One row
/// per partner for the managers; the partner's own row on its page.
#[component]
fn FunnelTable(funnels: Vec<Funnel>, title: &'static str) -> impl IntoView {
    let rate = |r: Option<u32>| r.map(|p| format!("{p} %")).unwrap_or_else(|| "—".into());
    let rows = funnels
        .into_iter()
        .map(|f| {
            view! {
                <tr data-testid="funnel-row">
                    <td class=TD_BOXED>{f.organisation.clone()}</td>
                    <td class=TD_BOXED_FIGURE>{f.lead_count()}</td>
                    <td class=TD_BOXED_FIGURE>{rate(f.acceptance())}</td>
                    <td class=TD_BOXED_NOWRAP>{f.time_to_accept_minutes().map(span_words).unwrap_or_else(|| "—".into())}</td>
                    <td class=TD_BOXED_FIGURE>{f.leads_won()}</td>
                    <td class=TD_BOXED_FIGURE>{f.deal_count()}</td>
                    <td class=TD_BOXED_FIGURE>{f.deals_won()}</td>
                    <td class=TD_BOXED_FIGURE data-testid="win-rate">{rate(f.win_rate())}</td>
                    <td class=TD_BOXED_FIGURE data-testid="funnel-revenue">{format_totals(&f.revenue, "—")}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <Card title=title id="funnel">
            <DataTable
                look=TableLook::Boxed
                testid="funnel"
                label=title
                empty="No leads or deals yet."
                head=vec![
                    "Partner".into(), "Leads".into(), "Accepted".into(), "Time to accept".into(), "Leads won".into(),
                    "Deals".into(), "Deals won".into(), "Win rate".into(), "Revenue won".into(),
                ]
                rows
            />
            <p class="mt-2 text-xs text-slate-600">"Accepted: of the leads answered. Time to accept: from the customer's request, on average. Win rate: of the deals won, lost or expired. Revenue won: invoices less refunds recorded for won deals' customers."</p>
        </Card>
    }
}

#[component]
pub fn DealsPage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let register = ServerAction::<RegisterDeal>::new();
    let close = ServerAction::<CloseDeal>::new();
    let org = move || query.read().get("org").and_then(|v| v.parse::<i64>().ok());
    let data = Resource::new(move || (org(), location.search.get()), |(o, _)| get_deals(o));
    view! {
        <Title text="Deals"/>
        <Loaded data let:page>
            <Deals page register close/>
        </Loaded>
    }
}

#[component]
fn Deals(page: DealsPage, register: ServerAction<RegisterDeal>, close: ServerAction<CloseDeal>) -> impl IntoView {
    let query = use_query_map();
    let value: LastResult<()> = Signal::derive(move || close.value().get());
    let (now, can_act) = (page.now_ms, page.can_act);
    let revenue = page.revenue.clone();
    let registered = move || query.read().get("registered").is_some();
    // One element: a fragment redrawn by the page's transition would be
    // drawn again beside the old one.
    view! {
        <div>
            <h1 class="mb-1 text-2xl font-bold">"Deals"</h1>
            <p class="mb-4 text-sm text-slate-600">
                "Register the customers " {page.organisation.clone()} " is selling to. A partner manager approves each registration; "
                {format!("an approved deal is protected for {} days: no other partner can register that customer. ", page.protection_days)}
                "Mark it as won when the customer signs, naming the customer as the revenue imports do, and its revenue counts as yours."
            </p>
            {move || registered().then(|| view! { <Notice text="Registered. A partner manager reviews it; you are emailed the decision."/> })}
            {can_act.then(|| view! { <RegisterForm register today=page.today.clone()/> })}
            {page.deals.is_empty().then(|| view! {
                <p class="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-700" data-testid="no-deals">"No deals registered yet."</p>
            })}
            {page.funnel.clone().map(|f| view! { <div class="mt-4"><FunnelTable funnels=vec![f] title="Your funnel"/></div> })}
            <ul class="mt-4 space-y-4" data-testid="deals">
                {page.deals.into_iter().map(|d| {
                    let money = revenue_of(&revenue, d.id);
                    let events: Vec<WonEvent> = page.events.iter().filter(|e| e.deal_id == d.id).cloned().collect();
                    view! { <DealCard d now can_act close value money events/> }
                }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn RegisterForm(register: ServerAction<RegisterDeal>, today: String) -> impl IntoView {
    let value: LastResult<()> = Signal::derive(move || register.value().get());
    let e = move |f| field_error(value, f);
    view! {
        <section class=CARD aria-labelledby="register-heading">
            <h2 id="register-heading" class="mb-3 font-semibold">"Register a deal"</h2>
            <Form action=register>
                <div class="grid gap-x-6 sm:grid-cols-2">
                    <Field label="Customer company" name="company" autocomplete="off" error=e("company")/>
                    <Field label="Customer's web domain" name="domain" autocomplete="off" hint="Such as acme.com" error=e("domain")/>
                    <Field label="Contact at the customer" name="contact_name" autocomplete="off" error=e("contact_name")/>
                    <Field label="Contact's email" name="contact_email" kind="email" autocomplete="off" error=e("contact_email")/>
                </div>
                <Field label="Products" name="products" autocomplete="off" hint="Separated by commas" error=e("products")/>
                <div class="grid gap-x-6 sm:grid-cols-3">
                    <Field label="Expected value" name="value" autocomplete="off" hint="Such as 12000.00" error=e("value")/>
                    <Field label="Currency" name="currency" autocomplete="off" value="USD" hint="ISO code, such as USD or EUR" error=e("currency")/>
                    <DateField label="Expected close date" name="close_on" min=today error=e("close_on")/>
                </div>
                <button type="submit" class=BUTTON>"Register the deal"</button>
            </Form>
        </section>
    }
}

/// A date input (the shared `Field` has no lower bound).
#[component]
fn DateField(label: &'static str, name: &'static str, min: String, error: Signal<Option<String>>) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("field-{name}-error");
    let described = error_id.clone();
    view! {
        <div class="mb-4">
            <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            <input id=id name=name type="date" min=min class=INPUT required value=drafted(name)
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=move || error.get().map(|_| described.clone())/>
            {move || error.get().map(|m| view! { <p id=error_id.clone() class="mt-1 text-sm text-red-700" role="alert">{m}</p> })}
        </div>
    }
}

#[component]
fn DealCard(
    d: Deal,
    now: i64,
    can_act: bool,
    close: ServerAction<CloseDeal>,
    value: LastResult<()>,
    money: Vec<Money>,
    events: Vec<WonEvent>,
) -> impl IntoView {
    let steps = if can_act { actions(d.status, false) } else { Vec::new() };
    let key = d.id.to_string();
    // The message under the customer shows in the row that was sent.
    let value = for_row(value, <CloseDeal as ServerFn>::PATH, format!("{key}-won"));
    let (invalid, described, focus) = invalid_when(value, "customer_ref");
    view! {
        <li id=format!("deal-{}", d.id) class=CARD data-testid="deal">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 class="text-lg font-semibold">{d.company.clone()} <span class="text-sm font-normal text-slate-600">" · " {d.domain.clone()}</span></h2>
                <p class="text-sm font-medium" data-testid="deal-status"><Standing status=d.status until=d.protected_until_ms now_ms=now/></p>
            </div>
            <p class="text-sm text-slate-700">{format_money(d.value)} " expected by " {d.close_on.clone()} " · " {d.products.join(", ")}</p>
            <p class="text-sm text-slate-700">{d.contact_name.clone()} " · " <span class="break-all">{d.contact_email.clone()}</span></p>
            {d.note.clone().map(|n| view! { <p class="mt-2 text-sm"><span class="font-medium">"Manager's note: "</span>{n}</p> })}
            {(d.status == DealStatus::Won).then(|| view! {
                <p class="mt-2 text-sm" data-testid="deal-revenue">
                    "Customer in revenue imports: " <span class="font-medium">{d.customer_ref.clone().unwrap_or_default()}</span>
                    " · revenue recorded: " {format_totals(&money, "none yet")}
                </p>
            })}
            {(!events.is_empty()).then(|| view! {
                <details class="mt-1 text-sm" data-testid="deal-events">
                    <summary class="cursor-pointer text-brand underline">{format!("The {} revenue event{} behind it", events.len(), if events.len() == 1 { "" } else { "s" })}</summary>
                    <ul class="mt-1 space-y-0.5 pl-4 text-slate-700">
                        {events.into_iter().map(|e| view! {
                            <li>
                                <span class="font-mono text-xs">{e.external_id.clone()}</span> " · "
                                {if e.refund { "refund" } else { "invoice" }} " " {format_money(e.amount)} " · " <Time ms=e.occurred_at_ms date=true/>
                            </li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
            <p class="mt-1 text-xs text-slate-500">"Registered " <Time ms=d.created_at_ms/></p>
            {(!steps.is_empty()).then(|| {
                let (id, version) = (d.id, d.version);
                let won = steps.contains(&DealAction::Won);
                let company = d.company.clone();
                view! {
                    <div class="mt-3 flex flex-wrap items-end gap-3 border-t border-slate-200 pt-3">
                        {won.then(|| view! {
                            <Form action=close key=format!("{key}-won") anchored=false class="min-w-0 flex-1">
                                <input type="hidden" name="id" value=id.to_string()/>
                                <input type="hidden" name="version" value=version.to_string()/>
                                <input type="hidden" name="action" value="won"/>
                                <label for=format!("deal-{id}-customer") class="block text-sm font-medium">"Customer as your revenue imports name it"</label>
                                <input id=format!("deal-{id}-customer") name="customer" type="text" class=INPUT
                                    value=drafted("customer").unwrap_or_else(|| company.clone())
                                    aria-invalid=invalid aria-describedby=described autofocus=focus/>
                                <FieldMessage value field="customer_ref"/>
                                <button type="submit" class=format!("{BUTTON} mt-2")>"Mark as won"</button>
                            </Form>
                        })}
                        <Form action=close key=format!("{key}-lost") anchored=false>
                            <input type="hidden" name="id" value=id.to_string()/>
                            <input type="hidden" name="version" value=version.to_string()/>
                            <input type="hidden" name="action" value="lost"/>
                            <button type="submit" class=QUIET>
                                {if d.status == DealStatus::Registered { "Withdraw" } else { "Mark as lost" }}
                            </button>
                        </Form>
                    </div>
                }
            })}
        </li>
    }
}

#[component]
pub fn ProgramDealsPage() -> impl IntoView {
    let location = use_location();
    let decide = ServerAction::<DecideDeal>::new();
    let data = Resource::new(move || location.search.get(), |_| get_program_deals());
    let query = use_query_map();
    view! {
        <Title text="Deals"/>
        <h1 class="mb-1 text-2xl font-bold">"Deals"</h1>
        <p class="mb-4 text-sm text-slate-600">"Partners' deal registrations, those waiting for a decision first. A registration that claims a customer another partner holds shows both deals."</p>
        {move || query.read().get("decided").map(|d| view! {
            <Notice text=if d == "approved" { "Approved. The partner's owners have been emailed the protection's end." } else { "Turned down. The partner's owners have been emailed your note." }/>
        })}
        <Loaded data let:p>
            <Program p decide/>
        </Loaded>
    }
}

/// A short description of a deal for the conflict line.
fn summary(d: &Deal) -> String {
    format!(
        "#{} {} — {}, {} ({}), {}",
        d.id,
        d.organisation,
        d.company,
        d.domain,
        d.products.join(", "),
        d.status.label()
    )
}

#[component]
fn Program(p: ProgramDeals, decide: ServerAction<DecideDeal>) -> impl IntoView {
    let value: LastResult<()> = Signal::derive(move || decide.value().get());
    let now = p.now_ms;
    let all: Vec<Deal> = p.deals.iter().chain(p.conflicts.iter()).cloned().collect();
    let revenue = p.revenue.clone();
    let won = total_per_currency(revenue.iter().map(|(_, m)| *m));
    let rows = p
        .deals
        .into_iter()
        .map(|d| {
            let conflict = d.conflict_with.and_then(|id| all.iter().find(|o| o.id == id)).map(summary);
            let steps = actions(d.status, true);
            let value = for_row(value, <DecideDeal as ServerFn>::PATH, format!("{}-reject", d.id));
            let (invalid, described, focus) = invalid_when(value, "note");
            let money = revenue_of(&revenue, d.id);
            let form = (!steps.is_empty()).then(|| {
                let (id, version) = (d.id, d.version);
                view! {
                    <div class="flex flex-wrap items-end gap-2">
                        <Form action=decide key=format!("{id}-approve") anchored=false>
                            <input type="hidden" name="id" value=id.to_string()/>
                            <input type="hidden" name="version" value=version.to_string()/>
                            <input type="hidden" name="action" value="approve"/>
                            <button type="submit" class=SECONDARY>"Approve"</button>
                        </Form>
                        <Form action=decide key=format!("{id}-reject") anchored=false class="min-w-0 flex-1">
                            <input type="hidden" name="id" value=id.to_string()/>
                            <input type="hidden" name="version" value=version.to_string()/>
                            <input type="hidden" name="action" value="reject"/>
                            <label for=format!("deal-{id}-note") class="block text-xs font-medium">"Why it is turned down"</label>
                            <input id=format!("deal-{id}-note") name="note" type="text" class=INPUT value=drafted("note")
                                aria-invalid=invalid aria-describedby=described autofocus=focus/>
                            <FieldMessage value field="note"/>
                            <button type="submit" class=format!("{QUIET} mt-1")>"Turn down"</button>
                        </Form>
                    </div>
                }
            });
            view! {
                <tr id=format!("deal-{}", d.id) data-testid="program-deal">
                    <td class=TD_BOXED>
                        <span class="font-medium">{d.company.clone()}</span><br/>
                        <span class="text-xs text-slate-600">{d.domain.clone()} " · " {d.products.join(", ")}</span>
                        {conflict.map(|c| view! {
                            <p class="mt-1 rounded border border-amber-300 bg-amber-50 px-2 py-1 text-xs text-amber-900" data-testid="deal-conflict">
                                "Conflicts with " {c}
                            </p>
                        })}
                    </td>
                    <td class=TD_BOXED><a class="text-brand underline" href=format!("/deals?org={}", d.organisation_id)>{d.organisation.clone()}</a></td>
                    <td class=TD_BOXED_NOWRAP>{format_money(d.value)}<br/><span class="text-xs text-slate-600">"expected by " {d.close_on.clone()}</span></td>
                    <td class=TD_BOXED><span data-testid="deal-status"><Standing status=d.status until=d.protected_until_ms now_ms=now/></span>
                        {(d.status == DealStatus::Won).then(|| view! { <br/><span class="text-xs">{format!("Revenue: {}", format_totals(&money, "none yet"))}</span> })}
                    </td>
                    <td class=TD_BOXED>{form}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <div>
            <p class="mb-4 text-sm" data-testid="won-revenue">"Revenue recorded from won deals' customers: " <span class="font-semibold">{format_totals(&won, "none yet")}</span></p>
            <FunnelTable funnels=p.funnels title="Leads and deals by partner"/>
            <Card title="All deals" id="program-deals">
                <DataTable
                    look=TableLook::Boxed
                    testid="program-deals"
                    label="Deal registrations of the program"
                    empty="No partner has registered a deal yet."
                    head=vec!["Customer".into(), "Partner".into(), "Value".into(), "Status".into(), "Decision".into()]
                    rows
                    stacked=true
                />
            </Card>
        </div>
    }
}
