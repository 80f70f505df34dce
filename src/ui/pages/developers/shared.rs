//! What the developer pages share: their heading and navigation, and the
//! `?org=` that staff looking at a partner carry on links and forms.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub(super) fn org_param() -> Option<i64> {
    use_query_map().read_untracked().get("org").and_then(|v| v.parse().ok())
}

/// Keeps `?org=` on links for staff looking at a partner.
pub(super) fn with_org(path: &str, org: Option<i64>) -> String {
    match org {
        Some(o) if path.contains('?') => format!("{path}&org={o}"),
        Some(o) => format!("{path}?org={o}"),
        None => path.to_owned(),
    }
}

pub(super) fn hidden_org(org: Option<i64>) -> impl IntoView {
    org.map(|o| view! { <input type="hidden" name="org" value=o.to_string()/> })
}

/// The section's heading and its own navigation.
#[component]
pub(super) fn DevHeader(current: &'static str) -> impl IntoView {
    view! {
        <h1 class="mb-1 text-2xl font-bold">"Developers"</h1>
        <DevNav current/>
    }
}

/// The section's own navigation.
#[component]
pub(super) fn DevNav(current: &'static str) -> impl IntoView {
    let org = org_param();
    let items = [
        ("/developers", "API keys"),
        ("/developers/apps", "OAuth apps"),
        ("/developers/agents", "Agents"),
        ("/developers/traffic", "Traffic"),
        ("/developers/webhooks", "Webhooks"),
        ("/developers/api", "API reference"),
        ("/developers/verify", "Verify your receiver"),
    ];
    view! {
        <nav aria-label="Developers" class="mb-5 flex flex-wrap gap-1 border-b border-slate-200 pb-2 text-sm">
            {items.into_iter().map(|(href, label)| {
                let class = if href == current {
                    "rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white"
                } else {
                    "rounded-md px-3 py-1.5 text-slate-700 hover:bg-slate-100"
                };
                let aria = (href == current).then_some("page");
                view! { <a href=with_org(href, org) class=class aria-current=aria>{label}</a> }
            }).collect_view()}
        </nav>
    }
}
