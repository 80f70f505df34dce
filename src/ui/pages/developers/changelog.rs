//! /developers/changelog: the API's versions, what changed in each, and the
//! promise about change (additive within v1, six months' notice before
//! anything goes).

use super::shared::DevHeader;
use crate::domain::api_changes::{CHANGES, DEPRECATIONS, NOTICE_MONTHS, POLICY};
use crate::ui::components::card::Card;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApiChangelogPage() -> impl IntoView {
    view! {
        <Title text="API changelog"/>
        <DevHeader current="/developers/changelog"/>
        <Card title="How the API changes" id="policy" margin="mb-6">
            <p class="max-w-3xl text-sm text-slate-700" data-testid="api-policy">{POLICY}</p>
            <p class="mt-2 text-sm text-slate-700">{format!("Notice before a removal: at least {NOTICE_MONTHS} months.")}</p>
        </Card>
        <Card title="Deprecated operations" id="deprecations" margin="mb-6">
            {if DEPRECATIONS.is_empty() {
                view! { <p class="text-sm text-slate-700">"None: every v1 operation is current."</p> }.into_any()
            } else {
                view! {
                    <ul class="grid gap-2 text-sm" data-testid="api-deprecations">
                        {DEPRECATIONS.iter().map(|d| view! {
                            <li>
                                <code>{format!("{} {}", d.method, d.path)}</code>
                                {format!(": deprecated on {}, answers until at least {}. Instead: {}.",
                                    d.announced, d.sunset, d.instead)}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </Card>
        <ol class="grid gap-4" data-testid="api-versions">
            {CHANGES.iter().map(|c| view! {
                <li>
                    <Card title=format!("Version {}", c.version)>
                        <p class="mb-2 text-xs text-slate-600">"Released " <time datetime=c.date>{c.date}</time></p>
                        <ul class="list-disc pl-5 text-sm">
                            {c.changes.iter().map(|t| view! { <li>{*t}</li> }).collect_view()}
                        </ul>
                    </Card>
                </li>
            }).collect_view()}
        </ol>
    }
}
