//! The partner scorecard: each measure of the last 30 days against its
//! target, for the partner and for program staff (`?org=`).

use crate::api::scorecard::get_scorecard;
use crate::domain::scorecard::Rating;
use crate::ui::components::loaded::Loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The badge of a rating, shared by the scorecard and quarterly reviews.
pub fn pill(r: Rating) -> &'static str {
    match r {
        Rating::Green => {
            "whitespace-nowrap rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900"
        }
        Rating::Amber => "whitespace-nowrap rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900",
        Rating::Red => "whitespace-nowrap rounded-full bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-900",
        Rating::NoData => {
            "whitespace-nowrap rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-700"
        }
    }
}

#[component]
pub fn ScorecardPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("org").and_then(|v| v.parse::<i64>().ok()), get_scorecard);
    view! {
        <Title text="Scorecard"/>
        <Loaded data let:v>
            <h1 class="mb-1 text-2xl font-bold">"Scorecard"</h1>
            <p class="mb-4 text-sm text-slate-600">
                {v.organisation.clone()} " · the last 30 days · API figures from "
                {v.environment.label().to_lowercase()} " traffic"
            </p>
            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white" tabindex="0" role="group" aria-label="Scorecard">
                <table class="w-full text-sm" data-testid="scorecard">
                    <thead class="border-b border-slate-200 text-left">
                        <tr>
                            <th class="px-3 py-2">"Measure"</th>
                            <th class="px-3 py-2">"Value"</th>
                            <th class="px-3 py-2">"Target"</th>
                            <th class="px-3 py-2">"Rating"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {v.measures.into_iter().map(|m| view! {
                            <tr class="border-b border-slate-100" data-testid=format!("measure-{}", m.key)>
                                <td class="px-3 py-2 font-medium">{m.label}</td>
                                <td class="px-3 py-2">{m.value}</td>
                                <td class="px-3 py-2 text-slate-600">{m.target}</td>
                                <td class="px-3 py-2"><span class=pill(m.rating) data-testid="rating">{m.rating.label()}</span></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="mt-3 text-xs text-slate-500">"Targets from the partner handbook: API reliability 99.9 %, response time 50 ms, error rate 0.1 %. Latency is read from buckets, so it shows the bucket's upper bound."</p>
        </Loaded>
    }
}
