//! /agents: a white-label customer's agents, as the partner assigned them.

use super::agents::{history_table, score_bar};
use crate::api::integration::get_customer_agents;
use crate::ui::components::card::Card;
use crate::ui::components::loaded::Loaded;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CustomerAgentsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_customer_agents());
    view! {
        <Title text="Your agents"/>
        <h1 class="mb-4 text-2xl font-bold">"Your agents"</h1>
        <Loaded data let:list>
            {if list.is_empty() {
                view! { <p class="text-sm text-slate-600">"No agents are assigned to you yet."</p> }.into_any()
            } else {
                view! {
                    <div class="grid gap-4 sm:grid-cols-2" data-testid="customer-agents">
                        {list.into_iter().map(|c| view! {
                            <Card title=c.agent.name.clone() heading="mb-1 font-semibold" testid="customer-agent">
                                <p class="mb-2 text-xs text-slate-500">{c.agent.environment.label()} " · " {if c.agent.events == 1 { "1 event".to_owned() } else { format!("{} events", c.agent.events) }}</p>
                                {score_bar(c.agent.trust_score)}
                                <h3 class="mb-1 mt-3 text-sm font-medium">"Recent changes"</h3>
                                {history_table(c.recent)}
                            </Card>
                        }).collect_view()}
                    </div>
                }.into_any()
            }}
        </Loaded>
    }
}
