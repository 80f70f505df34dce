//! Revenue share pages: the partner's dashboard (also staff's view of one
//! partner, with the terms editor), a statement with "why this amount",
//! the managers' program page, and an import's result.

use crate::api::revenue::{
    get_revenue_dashboard, get_revenue_import, get_revenue_program, get_statement, ClosePastStatements, CloseStatement,
    MovePayout, ProgramView, Ranked, RecordRevenueEvent, RevenueDashboard, SaveRevenueTerms, Series, StatementView,
};
use crate::domain::application::RevenueModel;
use crate::domain::format::{date_utc, time_utc};
use crate::domain::ledger::{exact_share, LineKind, Payout, PayoutStatus, Statement, StatementStatus, CSV_COLUMNS};
use crate::domain::revenue::{Money, ShareRule};
use crate::domain::terms::{format_bps, TermsVersion};
use crate::ui::components::form::{field_error, FormError, LastResult, Notice};
use crate::ui::pages::review::access_problem;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

const CARD: &str = "min-w-0 rounded-lg border border-slate-200 bg-white p-5";
const TH: &str = "px-3 py-2 font-medium";
const TD: &str = "whitespace-nowrap px-3 py-2";
const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2";
const BUTTON: &str = "rounded-md bg-brand px-4 py-2 text-sm font-semibold text-white hover:opacity-90";

fn money_list(list: &[Money]) -> String {
    if list.is_empty() {
        "0".to_owned()
    } else {
        list.iter().map(Money::to_string).collect::<Vec<_>>().join(" · ")
    }
}

fn error_text(value: LastResult<()>, field: &'static str) -> impl IntoView {
    move || field_error(value, field).get().map(|m| view! { <p class="mt-1 text-sm text-red-700" role="alert">{m}</p> })
}

/// Twelve months of commission as bars, drawn on the server (readable
/// without JavaScript), with the same figures as a table for screen readers
/// and for anyone who prefers numbers.
#[component]
fn TrendChart(series: Series, #[prop(default = "Commission")] what: &'static str) -> impl IntoView {
    let (w, h, pad, base_pad) = (720i64, 220i64, 40i64, 28i64);
    let values: Vec<i64> = series.points.iter().map(|(_, _, k)| *k).collect();
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let min = values.iter().copied().min().unwrap_or(0).min(0);
    let span = max - min;
    let plot_h = h - pad - base_pad;
    let y = |v: i64| pad + (max - v) * plot_h / span;
    let zero = y(0);
    let step = (w - 2 * pad) / series.points.len().max(1) as i64;
    let c = series.currency;
    let total: i64 = values.iter().sum();
    let label = format!(
        "{what} per month in {}, {} to {}: total {}; highest month {}.",
        c.code(),
        series.points.first().map(|p| p.0.label()).unwrap_or_default(),
        series.points.last().map(|p| p.0.label()).unwrap_or_default(),
        Money::new(total, c),
        Money::new(max.max(0), c)
    );
    let points = series.points.clone();
    view! {
        <figure class="mb-2">
            <svg viewBox=format!("0 0 {w} {h}") class="w-full" role="img" aria-label=label.clone() data-testid="trend-chart">
                <title>{label.clone()}</title>
                <line x1=pad y1=zero x2=w - pad y2=zero stroke="#94a3b8" stroke-width="1"/>
                <line x1=pad y1=pad x2=w - pad y2=pad stroke="#e2e8f0" stroke-width="1" stroke-dasharray="4 4"/>
                <text x=pad y=pad - 8 font-size="11" fill="#475569">{Money::new(max, c).to_string()}</text>
                {points.iter().enumerate().map(|(i, (m, _, k))| {
                    let x = pad + i as i64 * step + step / 6;
                    let bw = step * 2 / 3;
                    let (top, height) = if *k >= 0 { (y(*k), zero - y(*k)) } else { (zero, y(*k) - zero) };
                    let fill = if *k >= 0 { "#2563eb" } else { "#dc2626" };
                    view! {
                        <g>
                            <rect x=x y=top width=bw height=height.max(if *k != 0 { 1 } else { 0 }) fill=fill>
                                <title>{format!("{}: {}", m.label(), Money::new(*k, c))}</title>
                            </rect>
                            <text x=x + bw / 2 y=h - 8 text-anchor="middle" font-size="11" fill="#475569">{m.short()}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <figcaption class="text-xs text-slate-500">{format!("{what} by month, {}. Red bars are net clawbacks.", c.code())}</figcaption>
        </figure>
        <details class="mb-4 text-sm">
            <summary class="cursor-pointer text-brand">"Show the figures as a table"</summary>
            <table class="mt-2 text-sm">
                <thead><tr><th scope="col" class=TH>"Month"</th><th scope="col" class=TH>"Revenue"</th><th scope="col" class=TH>{what}</th></tr></thead>
                <tbody>
                    {series.points.iter().map(|(m, r, k)| view! {
                        <tr><td class=TD>{m.label()}</td><td class=TD>{Money::new(*r, c).to_string()}</td><td class=TD>{Money::new(*k, c).to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}

fn payout_label(p: &Option<Payout>) -> String {
    match p {
        None => "—".to_owned(),
        Some(p) => match (&p.status, &p.reference) {
            (PayoutStatus::Paid, Some(r)) => format!("Paid ({r})"),
            (s, _) => s.label().to_owned(),
        },
    }
}

fn statement_rows(list: &[Statement], with_partner: bool) -> impl IntoView {
    list.iter()
        .map(|s| {
            let balance = s.balance_minor.map(|b| Money::new(b, s.currency).to_string()).unwrap_or_else(|| "—".into());
            view! {
                <tr>
                    {with_partner.then(|| view! { <td class=TD>{s.organisation.clone()}</td> })}
                    <td class=TD><a class="text-brand underline" href=format!("/statements/{}", s.id)>{s.month.label()}</a></td>
                    <td class=TD>{s.currency.code()}</td>
                    <td class=TD>{s.status.label()}</td>
                    <td class=TD>{Money::new(s.lines_total_minor, s.currency).to_string()}</td>
                    <td class=TD>{balance}</td>
                    <td class=TD>{payout_label(&s.payout)}</td>
                    <td class=TD><a class="text-brand underline" href=format!("/statements/{}/csv", s.id) download="">"CSV"</a></td>
                </tr>
            }
        })
        .collect_view()
}

fn statements_table(list: Vec<Statement>, with_partner: bool) -> AnyView {
    if list.is_empty() {
        return view! { <p class="text-sm text-slate-600">"No statements yet: one opens with the first revenue of a month."</p> }.into_any();
    }
    view! {
        <div class="overflow-x-auto">
            <table class="min-w-full text-sm" data-testid="statements">
                <thead class="bg-slate-50 text-left text-slate-600">
                    <tr>
                        {with_partner.then(|| view! { <th scope="col" class=TH>"Partner"</th> })}
                        <th scope="col" class=TH>"Month"</th>
                        <th scope="col" class=TH>"Currency"</th>
                        <th scope="col" class=TH>"Status"</th>
                        <th scope="col" class=TH>"Lines"</th>
                        <th scope="col" class=TH>"Balance"</th>
                        <th scope="col" class=TH>"Payout"</th>
                        <th scope="col" class=TH><span class="sr-only">"Download"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">{statement_rows(&list, with_partner)}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn describe_terms(t: &TermsVersion) -> String {
    let x = &t.terms;
    let money = |minor: i64| {
        crate::domain::revenue::Currency::parse(&x.currency)
            .map(|c| Money::new(minor, c).to_string())
            .unwrap_or_default()
    };
    let body = match x.model {
        RevenueModel::Referral => format!(
            "{} of a referred customer's revenue in the 12 months after its first invoice, then {}",
            format_bps(x.first_year_bps.unwrap_or(0)),
            format_bps(x.ongoing_bps.unwrap_or(0))
        ),
        RevenueModel::Reseller | RevenueModel::WhiteLabel => {
            let mut s = format!("{} margin on list price", format_bps(x.margin_bps.unwrap_or(0)));
            if !x.bonus_schedule.is_empty() {
                let tiers: Vec<String> =
                    x.bonus_schedule.iter().map(|(t, b)| format!("{} → {}", money(*t), money(*b))).collect();
                s.push_str(&format!("; quarterly volume bonus: {}", tiers.join(", ")));
            }
            s
        }
        RevenueModel::Technology => {
            let mut s = format!("co-marketing fund {} per quarter", money(x.fund_budget_minor.unwrap_or(0)));
            for (m, a) in &x.bounties {
                s.push_str(&format!("; bounty when {m}: {}", money(*a)));
            }
            s
        }
    };
    let body = match x.fund_budget_minor {
        Some(b) if b > 0 && x.model != RevenueModel::Technology => {
            format!("{body}; co-marketing fund {} per quarter once Premier", money(b))
        }
        _ => body,
    };
    format!("Version {} from {} ({}): {body}.", t.version, date_utc(t.effective_from_ms), x.currency)
}

#[component]
pub fn RevenuePage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let save = ServerAction::<SaveRevenueTerms>::new();
    let value: LastResult<()> = Signal::derive(move || save.value().get());
    let org = move || query.read().get("org").and_then(|v| v.parse::<i64>().ok());
    let data = Resource::new(
        move || (org(), location.search.get(), save.version().get()),
        |(o, _, _)| get_revenue_dashboard(o),
    );
    view! {
        <Title text="Revenue"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok(d) => view! { <Dashboard d save value/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard(d: RevenueDashboard, save: ServerAction<SaveRevenueTerms>, value: LastResult<()>) -> impl IntoView {
    let query = use_query_map();
    let saved = move || query.read().get("terms").is_some();
    let current = d.terms.iter().find(|t| Some(t.version) == d.current_version).cloned();
    view! {
        <h1 class="mb-1 text-2xl font-bold">"Revenue share"</h1>
        <p class="mb-4 text-sm text-slate-600">{d.organisation.clone()}</p>
        {move || saved().then(|| view! { <Notice text="New terms saved."/> })}
        <div class="mb-6 grid gap-4 sm:grid-cols-2">
            <section class=CARD aria-labelledby="mtd">
                <h2 id="mtd" class="text-sm font-medium text-slate-600">{format!("Earned in {}", d.now.label())}</h2>
                <p class="mt-1 text-2xl font-bold" data-testid="mtd">{money_list(&d.month_to_date)}</p>
            </section>
            <section class=CARD aria-labelledby="ytd">
                <h2 id="ytd" class="text-sm font-medium text-slate-600">{format!("Earned in {}", d.now.year)}</h2>
                <p class="mt-1 text-2xl font-bold" data-testid="ytd">{money_list(&d.year_to_date)}</p>
            </section>
        </div>
        <section class=format!("{CARD} mb-6") aria-labelledby="trend">
            <h2 id="trend" class="mb-3 font-semibold">"Last 12 months"</h2>
            {if d.trend.is_empty() {
                view! { <p class="text-sm text-slate-600">"No revenue recorded in the last 12 months."</p> }.into_any()
            } else {
                d.trend.clone().into_iter().map(|s| view! { <TrendChart series=s/> }).collect_view().into_any()
            }}
        </section>
        {d.bonus.clone().map(|b| view! {
            <section class=format!("{CARD} mb-6") aria-labelledby="bonus" data-testid="bonus">
                <h2 id="bonus" class="mb-2 font-semibold">{format!("Volume bonus, {}", b.quarter)}</h2>
                {if !b.has_schedule {
                    view! { <p class="text-sm text-slate-600">"Your terms have no volume-bonus schedule yet."</p> }.into_any()
                } else {
                    view! {
                        <p class="text-sm">{format!("Revenue this quarter: {}. Bonus reached so far: {}.", b.revenue, b.reached)}</p>
                        {match b.next {
                            Some((threshold, to_go, bonus)) => view! {
                                <p class="mt-1 text-sm">{format!("Next threshold: {threshold}. {to_go} to go; reaching it pays a bonus of {bonus} when the quarter closes.")}</p>
                                <progress class="mt-2 w-full" aria-label="Progress to the next threshold" max=threshold.minor.to_string() value=b.revenue.minor.max(0).to_string()>{format!("{} of {}", b.revenue, threshold)}</progress>
                            }.into_any(),
                            None => view! { <p class="mt-1 text-sm">"You have reached the top threshold of your schedule."</p> }.into_any(),
                        }}
                    }.into_any()
                }}
            </section>
        })}
        <section class=format!("{CARD} mb-6") aria-labelledby="customers">
            <h2 id="customers" class="mb-3 font-semibold">{format!("Customers in {}", d.now.year)}</h2>
            {if d.customers.is_empty() {
                view! { <p class="text-sm text-slate-600">"No customer revenue this year."</p> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto">
                        <table class="min-w-full text-sm" data-testid="customers">
                            <thead class="bg-slate-50 text-left text-slate-600">
                                <tr><th scope="col" class=TH>"Customer"</th><th scope="col" class=TH>"Revenue"</th><th scope="col" class=TH>"Your share"</th><th scope="col" class=TH>"Your price to them"</th></tr>
                            </thead>
                            <tbody class="divide-y divide-slate-100">
                                {d.customers.iter().map(|c| view! {
                                    <tr>
                                        <td class=TD>{c.customer.clone()}</td>
                                        <td class=TD>{Money::new(c.revenue_minor, c.currency).to_string()}</td>
                                        <td class=TD>{Money::new(c.commission_minor, c.currency).to_string()}</td>
                                        <td class=TD>{if c.customer_price_minor == 0 { "—".to_owned() } else { Money::new(c.customer_price_minor, c.currency).to_string() }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class=format!("{CARD} mb-6") aria-labelledby="statements">
            <h2 id="statements" class="mb-3 font-semibold">"Statements"</h2>
            {statements_table(d.statements.clone(), false)}
        </section>
        <section class=format!("{CARD} mb-6") aria-labelledby="terms">
            <h2 id="terms" class="mb-2 font-semibold">"Terms"</h2>
            {match &current {
                Some(t) => view! { <p class="text-sm" data-testid="current-terms">{describe_terms(t)}</p> }.into_any(),
                None => view! { <p class="text-sm text-slate-600">"No terms are in force yet."</p> }.into_any(),
            }}
            {(d.terms.len() > 1).then(|| view! {
                <details class="mt-2 text-sm">
                    <summary class="cursor-pointer text-brand">"All versions"</summary>
                    <ul class="mt-2 list-disc pl-5">{d.terms.iter().rev().map(|t| view! { <li>{describe_terms(t)}</li> }).collect_view()}</ul>
                </details>
            })}
            {(d.can_manage && current.is_some()).then(|| {
                let t = current.clone().unwrap_or_else(|| d.terms[0].clone());
                view! { <TermsEditor org=d.organisation_id current=t today=d.today.clone() save value/> }
            })}
        </section>
    }
}

fn pct(bps: Option<i64>) -> String {
    bps.map(|b| format_bps(b).trim_end_matches(" %").to_owned()).unwrap_or_default()
}

#[component]
fn TermsEditor(
    org: i64,
    current: TermsVersion,
    today: String,
    save: ServerAction<SaveRevenueTerms>,
    value: LastResult<()>,
) -> impl IntoView {
    let t = current.terms.clone();
    let c = crate::domain::revenue::Currency::parse(&t.currency).ok();
    let amount = move |minor: i64| {
        c.map(|c| Money::new(minor, c).to_string().trim_end_matches(c.code()).trim().to_owned()).unwrap_or_default()
    };
    let schedule: String = t.bonus_schedule.iter().map(|(a, b)| format!("{} = {}\n", amount(*a), amount(*b))).collect();
    let bounty = |m: &str| t.bounties.iter().find(|(k, _)| k == m).map(|(_, a)| amount(*a)).unwrap_or_default();
    let field = move |id: &'static str, label: &'static str, hint: &'static str, v: String| {
        view! {
            <div>
                <label for=format!("terms-{id}") class="block text-sm font-medium">{label}</label>
                <input id=format!("terms-{id}") name=id value=v class=INPUT/>
                {(!hint.is_empty()).then(|| view! { <p class="text-xs text-slate-500">{hint}</p> })}
                {error_text(value, id)}
            </div>
        }
        .into_any()
    };
    let mut fields = vec![
        field("effective", "Takes effect on", "A date, today or later (UTC). Earlier lines keep their version.", today),
        field("currency", "Currency", "ISO 4217 code.", t.currency.clone()),
    ];
    match t.model {
        RevenueModel::Referral => {
            fields.push(field("first_year", "First-year rate (%)", "10 to 15 %.", pct(t.first_year_bps)));
            fields.push(field(
                "ongoing",
                "Ongoing rate (%)",
                "After the first 12 months; default 5 %.",
                pct(t.ongoing_bps),
            ));
        }
        RevenueModel::Reseller => {
            fields.push(field("margin", "Margin on list price (%)", "20 to 30 %.", pct(t.margin_bps)))
        }
        RevenueModel::WhiteLabel => {
            fields.push(field("margin", "Margin on list price (%)", "50 to 60 %.", pct(t.margin_bps)))
        }
        RevenueModel::Technology => {
            fields.push(field(
                "bounty_certified",
                "Bounty when certified",
                "Paid once; leave empty for none.",
                bounty("certified"),
            ));
            fields.push(field(
                "bounty_listed",
                "Bounty when listed",
                "Paid once; leave empty for none.",
                bounty("listed"),
            ));
        }
    }
    fields.push(field(
        "fund_budget",
        "Co-marketing fund per quarter",
        if t.model == RevenueModel::Technology {
            "Per calendar quarter; 0 for none."
        } else {
            "Per calendar quarter, drawn on once the partner is Premier; leave empty for none."
        },
        t.fund_budget_minor.map(amount).unwrap_or_default(),
    ));
    view! {
        <h3 class="mb-2 mt-5 font-semibold">"New version"</h3>
        <FormError value/>
        <ActionForm action=save>
            <input type="hidden" name="org" value=org.to_string()/>
            <div class="grid gap-4 sm:grid-cols-2">{fields}</div>
            {(t.model == RevenueModel::Reseller).then(|| view! {
                <div class="mt-4">
                    <label for="terms-bonus_schedule" class="block text-sm font-medium">"Quarterly volume bonus"</label>
                    <p class="text-xs text-slate-500">"One tier per line: quarterly revenue threshold = bonus, e.g. 100000.00 = 1000.00."</p>
                    <textarea id="terms-bonus_schedule" name="bonus_schedule" rows="3" class=INPUT>{schedule}</textarea>
                    {error_text(value, "bonus_schedule")}
                </div>
            })}
            <button type="submit" class=format!("{BUTTON} mt-4")>"Save new version"</button>
        </ActionForm>
    }
}

fn why(l: &crate::domain::ledger::StatementLine) -> Vec<String> {
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
        ShareRule::VolumeBonus => {
            out.push(format!("Quarter revenue {} reached a threshold paying {}.", l.base, l.amount))
        }
        ShareRule::Bounty => out.push(format!("Fixed amount {}.", l.amount)),
        ShareRule::Fund => {
            if let Some(a) = &l.fund_activity {
                out.push(format!("Co-marketing activity: {a}."));
            }
            out.push(format!("The approved claim: {}, paid as claimed.", l.amount));
        }
        _ => {
            out.push(format!(
                "{} × {} = {} exactly; rounded to the nearest minor unit, halves away from zero: {}.",
                l.base,
                format_bps(l.rate_bps),
                exact_share(l.base, l.rate_bps),
                l.amount
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
            Money::new(p, l.amount.currency)
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
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or_default();
    let data = Resource::new(
        move || (id(), location.search.get(), close.version().get(), pay.version().get()),
        |(id, _, _, _)| get_statement(id),
    );
    view! {
        <Title text="Statement"/>
        <FormError value=close_value/>
        <FormError value=pay_value/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok(v) => view! { <StatementBody v close pay/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StatementBody(
    v: StatementView,
    close: ServerAction<CloseStatement>,
    pay: ServerAction<MovePayout>,
) -> impl IntoView {
    let s = v.statement.clone();
    let money = move |minor: i64| Money::new(minor, s.currency).to_string();
    let back = format!("/statements/{}", s.id);
    view! {
        <p class="mb-2 text-sm"><a class="text-brand underline" href=if v.can_manage { format!("/revenue?org={}", s.organisation_id) } else { "/revenue".to_owned() }>"← Revenue"</a></p>
        <h1 class="mb-1 text-2xl font-bold">{format!("Statement {} · {}", s.month.label(), s.currency.code())}</h1>
        <p class="mb-4 text-sm text-slate-600">{s.organisation.clone()}</p>
        <div class="mb-6 grid gap-4 md:grid-cols-3">
            <section class=CARD>
                <h2 class="text-sm font-medium text-slate-600">"Status"</h2>
                <p class="mt-1 text-lg font-semibold" data-testid="statement-status">{s.status.label()}</p>
                {s.closed_at_ms.map(|t| view! { <p class="text-xs text-slate-500">{format!("Closed {}", time_utc(t))}</p> })}
            </section>
            <section class=CARD>
                <h2 class="text-sm font-medium text-slate-600">"Totals"</h2>
                <dl class="mt-1 text-sm">
                    <div class="flex justify-between"><dt>"Lines"</dt><dd data-testid="lines-total">{money(s.lines_total_minor)}</dd></div>
                    {(s.status == StatementStatus::Closed).then(|| view! {
                        <div class="flex justify-between"><dt>"Carried in"</dt><dd>{money(s.carried_in_minor)}</dd></div>
                        <div class="flex justify-between font-semibold"><dt>"Balance"</dt><dd data-testid="balance">{money(s.balance_minor.unwrap_or(0))}</dd></div>
                    })}
                </dl>
                {(s.balance_minor.unwrap_or(0) < 0).then(|| view! { <p class="mt-1 text-xs text-slate-500">"A negative balance carries into the next statement."</p> })}
            </section>
            <section class=CARD>
                <h2 class="text-sm font-medium text-slate-600">"Payout"</h2>
                <p class="mt-1 text-lg font-semibold" data-testid="payout-status">{payout_label(&s.payout)}</p>
                {(v.can_manage).then(|| s.payout.clone().map(|p| view! { <PayoutActions p back=back.clone() pay/> }))}
            </section>
        </div>
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <a class="rounded-md border border-slate-300 px-4 py-2 text-sm font-semibold" href=format!("/statements/{}/csv", s.id) download="">"Download CSV"</a>
            {(v.can_manage && s.status == StatementStatus::Open).then(|| view! {
                <ActionForm action=close>
                    <input type="hidden" name="id" value=s.id.to_string()/>
                    <button type="submit" class=BUTTON>"Close statement"</button>
                </ActionForm>
            })}
        </div>
        <section class=CARD aria-labelledby="lines">
            <h2 id="lines" class="mb-3 font-semibold">"Lines"</h2>
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
                                        <span class="font-semibold">{l.amount.to_string()}</span>
                                    </div>
                                    <details class="mt-1">
                                        <summary class="cursor-pointer text-brand">"Why this amount"</summary>
                                        <ul class="mt-1 list-disc pl-5 text-slate-700">{why(l).into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                                    </details>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn PayoutActions(p: Payout, back: String, pay: ServerAction<MovePayout>) -> impl IntoView {
    let id = p.id.to_string();
    let version = p.version.to_string();
    let ref_id = format!("reference-{}", p.id);
    match p.status {
        PayoutStatus::Pending => view! {
            <ActionForm action=pay>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="version" value=version/>
                <input type="hidden" name="action" value="approve"/>
                <input type="hidden" name="back" value=back/>
                <button type="submit" class=format!("{BUTTON} mt-2")>{format!("Approve {}", p.amount)}</button>
            </ActionForm>
        }
        .into_any(),
        PayoutStatus::Approved => view! {
            <ActionForm action=pay>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="version" value=version/>
                <input type="hidden" name="action" value="pay"/>
                <input type="hidden" name="back" value=back/>
                <label for=ref_id.clone() class="mt-2 block text-sm font-medium">"Payment reference"</label>
                <input id=ref_id name="reference" required class=INPUT/>
                <button type="submit" class=format!("{BUTTON} mt-2")>"Mark as paid"</button>
            </ActionForm>
        }
        .into_any(),
        PayoutStatus::Paid => ().into_any(),
    }
}

fn ranking_table(title: &'static str, list: &[Ranked]) -> impl IntoView {
    view! {
        <section class=CARD>
            <h2 class="mb-3 font-semibold">{title}</h2>
            {if list.is_empty() {
                view! { <p class="text-sm text-slate-600">"No revenue this year."</p> }.into_any()
            } else {
                view! {
                    <ol class="space-y-1 text-sm">
                        {list.iter().map(|r| view! {
                            <li class="flex justify-between gap-3">
                                <a class="min-w-0 truncate text-brand underline" href=format!("/revenue?org={}", r.organisation_id)>{r.organisation.clone()}</a>
                                <span class="shrink-0 text-right text-slate-700">{format!("{} · {} commission", r.revenue, r.commission)}</span>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn ProgramPage() -> impl IntoView {
    let location = use_location();
    let record = ServerAction::<RecordRevenueEvent>::new();
    let close_all = ServerAction::<ClosePastStatements>::new();
    let pay = ServerAction::<MovePayout>::new();
    let record_value: LastResult<()> = Signal::derive(move || record.value().get());
    let close_value: LastResult<usize> = Signal::derive(move || close_all.value().get());
    let pay_value: LastResult<()> = Signal::derive(move || pay.value().get());
    let data = Resource::new(
        move || (location.search.get(), record.version().get(), close_all.version().get(), pay.version().get()),
        |_| get_revenue_program(),
    );
    view! {
        <Title text="Revenue"/>
        <h1 class="mb-4 text-2xl font-bold">"Revenue"</h1>
        <FormError value=close_value/>
        <FormError value=pay_value/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok(p) => view! { <Program p record record_value close_all pay/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Program(
    p: ProgramView,
    record: ServerAction<RecordRevenueEvent>,
    record_value: LastResult<()>,
    close_all: ServerAction<ClosePastStatements>,
    pay: ServerAction<MovePayout>,
) -> impl IntoView {
    let query = use_query_map();
    let notice = move || {
        let q = query.read();
        if q.get("recorded").is_some() {
            Some("Revenue recorded.".to_owned())
        } else {
            q.get("closed").map(|n| format!("Closed {n} statement(s)."))
        }
    };
    let payouts: Vec<Payout> = p.payouts_pending.iter().chain(p.payouts_approved.iter()).cloned().collect();
    view! {
        {move || notice().map(|t| view! { <Notice text=t/> })}
        <section class=format!("{CARD} mb-6") aria-labelledby="program-trend">
            <h2 id="program-trend" class="mb-3 font-semibold">"Program totals, last 12 months"</h2>
            {if p.trend.is_empty() {
                view! { <p class="text-sm text-slate-600">"No revenue recorded yet."</p> }.into_any()
            } else {
                p.trend.clone().into_iter().map(|s| view! { <TrendChart series=s what="Partner commission"/> }).collect_view().into_any()
            }}
        </section>
        <div class="mb-6 grid gap-4 md:grid-cols-2">
            {ranking_table("Partners by revenue this year", &p.by_revenue)}
            {ranking_table("Partners by commission this year", &p.by_commission)}
        </div>
        <section class=format!("{CARD} mb-6") aria-labelledby="payouts">
            <h2 id="payouts" class="mb-3 font-semibold">"Payouts waiting"</h2>
            {if payouts.is_empty() {
                view! { <p class="text-sm text-slate-600">"No payout is waiting for approval or payment."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100 text-sm" data-testid="payouts">
                        {payouts.into_iter().map(|po| view! {
                            <li class="flex flex-wrap items-end justify-between gap-3 py-3">
                                <span>
                                    <a class="text-brand underline" href=format!("/statements/{}", po.statement_id)>{format!("{} · {}", po.organisation, po.month.label())}</a>
                                    {format!(" · {} · {}", po.amount, po.status.label())}
                                </span>
                                <PayoutActions p=po back="/manager/revenue".to_owned() pay/>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class=format!("{CARD} mb-6") aria-labelledby="closable">
            <h2 id="closable" class="mb-3 font-semibold">"Statements to close"</h2>
            {if p.closable.is_empty() {
                view! { <p class="text-sm text-slate-600">"Every statement of a finished month is closed."</p> }.into_any()
            } else {
                view! {
                    {statements_table(p.closable.clone(), true)}
                    <ActionForm action=close_all>
                        <button type="submit" class=format!("{BUTTON} mt-3")>{format!("Close all {} statements of past months", p.closable.len())}</button>
                    </ActionForm>
                }.into_any()
            }}
        </section>
        <div class="mb-6 grid gap-4 lg:grid-cols-2">
            <section class=CARD aria-labelledby="import">
                <h2 id="import" class="mb-1 font-semibold">"Import revenue (CSV)"</h2>
                <p class="mb-3 text-xs text-slate-600">{format!(
                    "Header row with the columns {}. Partner: its name or number. Date: YYYY-MM-DD. Kind: invoice or refund; a refund names its invoice's external id in refunds. Every row is checked first: if one fails, nothing is imported. Rows already recorded are skipped.",
                    CSV_COLUMNS.join(", ")
                )}</p>
                <form method="post" action="/manager/revenue/import" enctype="multipart/form-data">
                    <label for="import-file" class="block text-sm font-medium">"CSV file"</label>
                    <input id="import-file" type="file" name="file" accept=".csv,text/csv" class="mt-1 block w-full text-sm"/>
                    <label for="import-csv" class="mt-3 block text-sm font-medium">"…or paste the rows"</label>
                    <textarea id="import-csv" name="csv" rows="6" class=format!("{INPUT} font-mono text-xs")></textarea>
                    <button type="submit" class=format!("{BUTTON} mt-3")>"Import"</button>
                </form>
                {(!p.imports.is_empty()).then(|| view! {
                    <h3 class="mb-1 mt-4 text-sm font-semibold">"Recent imports"</h3>
                    <ul class="text-sm" data-testid="imports">
                        {p.imports.iter().map(|i| view! {
                            <li><a class="text-brand underline" href=format!("/manager/revenue/imports/{}", i.id)>{format!("{} · {}", time_utc(i.created_at_ms), i.source)}</a>
                                {if i.imported { format!(" · {} new, {} already recorded", i.new_count, i.unchanged_count) } else { format!(" · refused, {} problem(s)", i.errors.len()) }}
                            </li>
                        }).collect_view()}
                    </ul>
                })}
            </section>
            <section class=CARD aria-labelledby="record">
                <h2 id="record" class="mb-3 font-semibold">"Record one event"</h2>
                <FormError value=record_value/>
                <ActionForm action=record>
                    <label for="ev-partner" class="block text-sm font-medium">"Partner"</label>
                    <select id="ev-partner" name="partner" class=INPUT>
                        {p.partners.iter().map(|(id, n)| view! { <option value=id.to_string()>{n.clone()}</option> }).collect_view()}
                    </select>
                    <div class="grid gap-3 sm:grid-cols-2">
                        {[("customer", "Customer", "text", String::new()), ("date", "Date", "date", p.today.clone()), ("amount", "Amount", "text", String::new()), ("currency", "Currency", "text", "USD".to_owned()), ("external_id", "External id", "text", String::new()), ("refunds", "Refunds invoice (refunds only)", "text", String::new()), ("customer_price", "Partner's price to the customer (optional)", "text", String::new())]
                            .into_iter().map(|(name, label, kind, v)| view! {
                                <div class="mt-3">
                                    <label for=format!("ev-{name}") class="block text-sm font-medium">{label}</label>
                                    <input id=format!("ev-{name}") name=name type=kind value=v class=INPUT/>
                                    {error_text(record_value, name)}
                                </div>
                            }).collect_view()}
                        <div class="mt-3">
                            <label for="ev-kind" class="block text-sm font-medium">"Kind"</label>
                            <select id="ev-kind" name="kind" class=INPUT>
                                <option value="invoice">"Invoice"</option>
                                <option value="refund">"Refund"</option>
                            </select>
                        </div>
                    </div>
                    <button type="submit" class=format!("{BUTTON} mt-4")>"Record"</button>
                </ActionForm>
            </section>
        </div>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or_default();
    let data = Resource::new(id, get_revenue_import);
    view! {
        <Title text="Revenue import"/>
        <p class="mb-2 text-sm"><a class="text-brand underline" href="/manager/revenue">"← Revenue"</a></p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => access_problem(e),
                    Ok(i) => view! {
                        <h1 class="mb-2 text-2xl font-bold">{format!("Import: {}", i.source)}</h1>
                        <p class="mb-4 text-sm text-slate-600">{format!("{} by {}", time_utc(i.created_at_ms), i.created_by)}</p>
                        {if i.imported {
                            view! { <Notice text=format!("Imported: {} new event(s); {} row(s) were already recorded and were skipped.", i.new_count, i.unchanged_count)/> }.into_any()
                        } else {
                            view! {
                                <div class="mb-4 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert" data-testid="import-refused">
                                    {format!("Nothing was imported: {} problem(s) in {} row(s). Fix them and import the file again.", i.errors.len(), i.row_count)}
                                </div>
                                <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white">
                                    <table class="min-w-full text-sm" data-testid="import-errors">
                                        <thead class="bg-slate-50 text-left text-slate-600"><tr><th scope="col" class=TH>"Line"</th><th scope="col" class=TH>"Column"</th><th scope="col" class=TH>"Problem"</th></tr></thead>
                                        <tbody class="divide-y divide-slate-100">
                                            {i.errors.iter().map(|e| view! {
                                                <tr><td class=TD>{e.row}</td><td class=TD>{e.field.clone()}</td><td class="px-3 py-2">{e.message.clone()}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }}
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
