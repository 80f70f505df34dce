//! /developers/changelog: the API's versions, what changed in each, and the
//! promise about change (additive within v1, six months' notice before
//! anything goes).

use super::shared::DevHeader;
use crate::domain::api_changes::{CHANGES, NOTICE_MONTHS, POLICY};
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
