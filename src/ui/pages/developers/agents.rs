//! /developers/agents and /developers/agents/:id: the partner's agents with
//! their trust scores, and one agent's history.

use super::shared::{hidden_org, org_param, with_org, DevHeader, DevNav};
use crate::api::integration::{get_agent, get_agents, SimulateEvents};
use crate::domain::format::count;
use crate::domain::integration::{Environment, TrustChange};
use crate::ui::components::card::Card;
use crate::ui::components::form::{
    drafted, invalid_when, successes, FieldMessage, Form, FormError, LastResult, Notice,
};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, QUIET, TD_RULED};
use crate::ui::components::table::{DataTable, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

fn env_param() -> Option<String> {
    use_query_map().read_untracked().get("env")
}

/// A trust score with a bar coloured by band.
pub(super) fn score_bar(score: i64) -> impl IntoView {
    let width = (score.clamp(0, 1000) as f64 / 10.0).round();
    let colour = if score >= 700 {
        "fill-emerald-600"
    } else if score >= 400 {
        "fill-amber-500"
    } else {
        "fill-red-600"
    };
    view! {
        <span class="inline-flex items-center gap-2">
            <strong data-testid="trust-score">{score}</strong>
            <svg viewBox="0 0 100 6" class="h-1.5 w-24" aria-hidden="true">
                <rect width="100" height="6" class="fill-slate-200"/>
                <rect width=width.to_string() height="6" class=colour/>
            </svg>
        </span>
    }
}

/// The trust score across the changes listed (oldest on the left; the
/// store lists them newest first, and several can share a millisecond),
/// scaled to the scores reached with 500, where agents start, always in
/// view; its label says the same in words.
pub(super) fn history_chart(history: &[TrustChange]) -> impl IntoView {
    let oldest_first: Vec<&TrustChange> = history.iter().rev().collect();
    let (Some(first), Some(last)) = (oldest_first.first(), oldest_first.last()) else {
        return ().into_any();
    };
    let (first, last) = (first.score_before, last.score_after);
    let (low, high) =
        oldest_first.iter().fold((first, first), |(lo, hi), h| (lo.min(h.score_after), hi.max(h.score_after)));
    let (bottom, top) = ((low.min(500) - 25).max(0), (high.max(500) + 25).min(1000));
    let y = |score: i64| 60.0 - ((score - bottom) as f64) * 60.0 / ((top - bottom).max(1) as f64);
    let step = 300.0 / oldest_first.len() as f64;
    let mut points = vec![format!("0,{:.1}", y(first))];
    points.extend(
        oldest_first.iter().enumerate().map(|(i, h)| format!("{:.1},{:.1}", (i + 1) as f64 * step, y(h.score_after))),
    );
    let label = format!(
        "Trust score over the last {}: from {first} to {last}, lowest {low}, highest {high}, on a scale of 0 to 1000.",
        count(oldest_first.len(), "change", "changes")
    );
    view! {
        <figure class="mb-3">
            <svg viewBox="0 -2 300 64" class="h-24 w-full" role="img" aria-label=label.clone() data-testid="trust-chart" preserveAspectRatio="none">
                <line x1="0" x2="300" y1=y(500).to_string() y2=y(500).to_string() class="stroke-slate-300" stroke-dasharray="4 4" vector-effect="non-scaling-stroke"/>
                <polyline points=points.join(" ") fill="none" class="stroke-brand" stroke-width="2" vector-effect="non-scaling-stroke"/>
            </svg>
            <figcaption class="text-xs text-slate-600">
                {label}{format!(" The chart runs from {bottom} to {top}; the dashed line is 500, where new agents start.")}
            </figcaption>
        </figure>
    }
    .into_any()
}

/// What moved an agent's trust score, one change a row.
pub(super) fn history_table(history: Vec<TrustChange>) -> impl IntoView {
    let rows = history
        .into_iter()
        .map(|h| {
            let delta = h.score_after - h.score_before;
            view! {
                <tr class="border-b border-slate-100">
                    <td class=TD_RULED><Time ms=h.at_ms/></td>
                    <td class=TD_RULED>{h.outcome.label()}</td>
                    <td class=TD_RULED>{format!("{} → {} ({delta:+})", h.score_before, h.score_after)}</td>
                    <td class=format!("{TD_RULED} font-mono text-xs")>{h.event_id}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable
            look=TableLook::Ruled
            testid="trust-history"
            head=vec!["When".into(), "Outcome".into(), "Score".into(), "Event id".into()]
            rows
        />
    }
}

#[component]
pub fn AgentsPage() -> impl IntoView {
    let location = use_location();
    let simulate = ServerAction::<SimulateEvents>::new();
    let simulated = successes(simulate);
    let data =
        Resource::new(move || (location.search.get(), simulated.get()), |_| get_agents(org_param(), env_param()));
    let simulate_value: LastResult<usize> = Signal::derive(move || simulate.value().get());
    let query = use_query_map();
    view! {
        <Title text="Agents"/>
        <DevHeader current="/developers/agents"/>
        {move || query.read().get("simulated").map(|n| view! { <Notice text=format!("Simulated {n} events across your sandbox agents.")/> })}
        <FormError value=simulate_value/>
        <Loaded data let:v>
            {
                let org = org_param();
                let env = v.environment;
                let rows = v.agents.iter().map(|a| {
                    let href = with_org(&format!("/developers/agents/{}?env={}", a.id, env.key()), org);
                    view! {
                        <tr class="border-b border-slate-100" data-testid="agent-row">
                            <td class=TD_RULED><a class="font-medium text-brand underline" href=href>{a.name.clone()}</a><br/><code class="text-xs text-slate-500">{a.id.clone()}</code></td>
                            <td class=TD_RULED>{score_bar(a.trust_score)}</td>
                            <td class=TD_RULED>{a.events}</td>
                            <td class=TD_RULED>{a.customer.clone().unwrap_or_else(|| "—".into())}</td>
                            <td class=TD_RULED><Time ms=a.updated_at_ms/></td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
                        <div class="flex gap-1 text-sm" role="group" aria-label="Environment">
                            {Environment::ALL.iter().map(|e| {
                                let class = if *e == env { "rounded-md bg-slate-900 px-3 py-1.5 text-white" } else { QUIET };
                                view! { <a href=with_org(&format!("/developers/agents?env={}", e.key()), org) class=class>{e.label()}</a> }
                            }).collect_view()}
                        </div>
                        {(v.can_manage && env == Environment::Sandbox).then(|| view! {
                            <Form action=simulate banner=false class="flex items-end gap-2">
                                {hidden_org(org)}
                                <label class="text-sm">"Events"
                                    <input name="count" type="number" min="1" max="100" value=drafted("count").unwrap_or_else(|| "25".to_owned())
                                        class="ml-1 w-20 rounded border border-slate-300 px-2 py-1"
                                        aria-invalid=invalid_when(simulate_value, "count").0 aria-describedby=invalid_when(simulate_value, "count").1 autofocus=invalid_when(simulate_value, "count").2/>
                                </label>
                                <button type="submit" class=BUTTON>"Simulate events"</button>
                            </Form>
                        })}
                    </div>
                    <FieldMessage value=simulate_value field="count"/>
                    <DataTable
                        look=TableLook::Ruled
                        testid="agents"
                        empty="No agents in this environment yet. Register them with POST /api/v1/agents, or simulate events to create test agents."
                        head=vec!["Agent".into(), "Trust score".into(), "Events".into(), "Customer".into(), "Last change".into()]
                        rows
                    />
                }.into_any()
            }
        </Loaded>
    }
}

#[component]
pub fn AgentPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        |id| get_agent(org_param(), env_param(), id),
    );
    view! {
        <Title text="Agent"/>
        <DevNav current="/developers/agents"/>
        <Loaded data let:found>
            {
                let (a, history) = found;
                view! {
                    <h1 class="mb-1 text-2xl font-bold">{a.name.clone()}</h1>
                    <p class="mb-4 text-sm text-slate-600"><code>{a.id.clone()}</code> " · " {a.environment.label()}
                        {a.external_ref.clone().map(|r| view! { " · your reference " <code>{r}</code> })}
                    </p>
                    <Card title="Trust score" heading="mb-2 font-semibold" margin="mb-6">
                        {score_bar(a.trust_score)}
                        <p class="mt-2 text-xs text-slate-500">"Rule: success +5, timeout −10, failure −20, policy violation −100; within 0–1000; new agents start at 500."</p>
                    </Card>
                    <Card title="History" heading="mb-2 font-semibold">
                        {history_chart(&history)}
                        <details data-testid="trust-changes">
                            <summary class="cursor-pointer text-sm text-brand">{format!("Every change ({})", history.len())}</summary>
                            {history_table(history)}
                        </details>
                    </Card>
                }
            }
        </Loaded>
    }
}
