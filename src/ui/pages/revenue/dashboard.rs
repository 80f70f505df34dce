//! /revenue: a partner's earnings, customers, statements and terms; staff
//! see one partner's with `?org=` and may set new terms.

use super::shared::statements_table;
use super::terms::{describe_terms, TermsEditor};
use super::trend::TrendChart;
use crate::api::revenue::{get_revenue_dashboard, RevenueDashboard, SaveRevenueTerms};
use crate::domain::revenue::{format_money, Money};
use crate::ui::components::card::Card;
use crate::ui::components::form::{LastResult, Notice};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{TD_SHADED_MONEY, TD_SHADED_NOWRAP};
use crate::ui::components::table::{DataTable, Head, TableLook};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

fn money_list(list: &[Money]) -> String {
    if list.is_empty() {
        "0".to_owned()
    } else {
        list.iter().map(|m| format_money(*m)).collect::<Vec<_>>().join(" · ")
    }
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
        <Loaded data let:d>
            <Dashboard d save value/>
        </Loaded>
    }
}

#[component]
fn Dashboard(d: RevenueDashboard, save: ServerAction<SaveRevenueTerms>, value: LastResult<()>) -> impl IntoView {
    let query = use_query_map();
    let saved = move || query.read().get("terms").is_some();
    let current = d.terms.iter().find(|t| Some(t.version) == d.current_version).cloned();
    let figure = "text-sm font-medium text-slate-600";
    let customers = d
        .customers
        .iter()
        .map(|c| {
            let price = if c.customer_price_minor == 0 {
                "—".to_owned()
            } else {
                format_money(Money::new(c.customer_price_minor, c.currency))
            };
            view! {
                <tr>
                    <td class=TD_SHADED_NOWRAP>{c.customer.clone()}</td>
                    <td class=TD_SHADED_MONEY>{format_money(Money::new(c.revenue_minor, c.currency))}</td>
                    <td class=TD_SHADED_MONEY>{format_money(Money::new(c.commission_minor, c.currency))}</td>
                    <td class=TD_SHADED_MONEY>{price}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h1 class="mb-1 text-2xl font-bold">"Revenue share"</h1>
        <p class="mb-4 text-sm text-slate-600">{d.organisation.clone()}</p>
        {move || saved().then(|| view! { <Notice text="New terms saved."/> })}
        <div class="mb-6 grid gap-4 sm:grid-cols-2">
            <Card title=format!("Earned in {}", d.now.label()) id="mtd" heading=figure>
                <p class="mt-1 text-2xl font-bold" data-testid="mtd">{money_list(&d.month_to_date)}</p>
            </Card>
            <Card title=format!("Earned in {}", d.now.year) id="ytd" heading=figure>
                <p class="mt-1 text-2xl font-bold" data-testid="ytd">{money_list(&d.year_to_date)}</p>
            </Card>
        </div>
        <Card title="Last 12 months" id="trend" margin="mb-6">
            {if d.trend.is_empty() {
                view! { <p class="text-sm text-slate-600">"No revenue recorded in the last 12 months."</p> }.into_any()
            } else {
                d.trend.clone().into_iter().map(|s| view! { <TrendChart series=s/> }).collect_view().into_any()
            }}
        </Card>
        {d.bonus.clone().map(|b| view! {
            <Card title=format!("Volume bonus, {}", b.quarter) id="bonus" heading="mb-2 font-semibold" margin="mb-6" testid="bonus">
                {if !b.has_schedule {
                    view! { <p class="text-sm text-slate-600">"Your terms have no volume-bonus schedule yet."</p> }.into_any()
                } else {
                    view! {
                        <p class="text-sm">{format!("Revenue this quarter: {}. Bonus reached so far: {}.", format_money(b.revenue), format_money(b.reached))}</p>
                        {match b.next {
                            Some((threshold, to_go, bonus)) => view! {
                                <p class="mt-1 text-sm">{format!("Next threshold: {}. {} to go; reaching it pays a bonus of {} when the quarter closes.", format_money(threshold), format_money(to_go), format_money(bonus))}</p>
                                <progress class="mt-2 w-full" aria-label="Progress to the next threshold" max=threshold.minor.to_string() value=b.revenue.minor.max(0).to_string()>{format!("{} of {}", format_money(b.revenue), format_money(threshold))}</progress>
                            }.into_any(),
                            None => view! { <p class="mt-1 text-sm">"You have reached the top threshold of your schedule."</p> }.into_any(),
                        }}
                    }.into_any()
                }}
            </Card>
        })}
        <Card title=format!("Customers in {}", d.now.year) id="customers" margin="mb-6">
            <DataTable
                look=TableLook::Shaded
                testid="customers"
                empty="No customer revenue this year."
                head=vec!["Customer".into(), Head::figure("Revenue"), Head::figure("Your share"), Head::figure("Your price to them")]
                rows=customers
            />
        </Card>
        <Card title="Statements" id="statements" margin="mb-6">
            {statements_table(d.statements.clone(), false, None)}
        </Card>
        <Card title="Terms" id="terms" heading="mb-2 font-semibold" margin="mb-6">
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
                view! {
                    <TermsEditor org=d.organisation_id current=t today=d.today.clone() can_backdate=d.can_backdate save value/>
                }
            })}
        </Card>
    }
}
