//! What the developer pages share: their heading and navigation, and the
//! `?org=` that staff looking at a partner carry on links and forms.

use crate::domain::integration::Scope;
use crate::ui::components::form::{drafted_choice, FieldMessage, LastResult};
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
        ("/developers/graphql", "GraphQL"),
        ("/developers/changelog", "API changelog"),
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

/// One checkbox per scope, named as the key and app forms post them
/// (`agents_read`…), ticked as drafted or by `default_on`.
#[component]
pub(super) fn ScopeChoices(
    legend: &'static str,
    value: LastResult<()>,
    default_on: fn(Scope) -> bool,
) -> impl IntoView {
    view! {
        <fieldset class="mt-3">
            <legend class="text-sm font-medium">{legend}</legend>
            <div class="mt-1 grid gap-1 sm:grid-cols-2">
                {Scope::ALL.iter().map(|s| {
                    let name = s.key().replace(':', "_");
                    let checked = drafted_choice(&name, "on").unwrap_or(default_on(*s));
                    view! {
                        <label class="flex items-center gap-2 text-sm">
                            <input type="checkbox" name=name value="on" checked=checked/>
                            <span><code>{s.key()}</code> " · " {s.label()}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
            <FieldMessage value field="scopes"/>
        </fieldset>
    }
}
