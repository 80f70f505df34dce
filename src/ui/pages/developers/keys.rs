//! /developers: the partner's API keys, with sandbox usage.

use super::shared::{hidden_org, org_param, DevHeader, ScopeChoices};
use crate::api::integration::{get_developer, CreateApiKey, DeveloperView, RevokeApiKey, RotateApiKey};
use crate::domain::integration::{ApiKeyView, Grace, KeyStatus, Scope};
use crate::ui::components::card::Card;
use crate::ui::components::confirm::Confirm;
use crate::ui::components::form::{drafted, invalid_when, FieldMessage, Form, FormError, LastResult, Notice};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, INPUT, QUIET, TD_RULED};
use crate::ui::components::table::{DataTable, Head, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn DevelopersPage() -> impl IntoView {
    let location = use_location();
    let create = ServerAction::<CreateApiKey>::new();
    let rotate = ServerAction::<RotateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    // Only the address: every action lands on an address of its own, and a
    // second load would find the shown-once key already taken.
    let data = Resource::new(move || location.search.get(), |_| get_developer(org_param()));
    view! {
        <Title text="Developers"/>
        <DevHeader current="/developers"/>
        <Loaded data let:v>
            <Keys v create rotate revoke/>
        </Loaded>
    }
}

#[component]
fn Keys(
    v: DeveloperView,
    create: ServerAction<CreateApiKey>,
    rotate: ServerAction<RotateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let query = use_query_map();
    let org = org_param();
    let create_value: LastResult<()> = Signal::derive(move || create.value().get());
    let rotate_value: LastResult<()> = Signal::derive(move || rotate.value().get());
    let revoke_value: LastResult<()> = Signal::derive(move || revoke.value().get());
    let notice = move || {
        let q = query.read();
        if q.get("created").is_some() {
            Some("Key created.")
        } else if q.get("rotated").is_some() {
            Some("Key rotated. The old key keeps working until its end time.")
        } else if q.get("revoked").is_some() {
            Some("Key revoked. It stopped working at once.")
        } else {
            None
        }
    };
    let can_manage = v.can_manage;
    let production_refusal = v.production_refusal.clone();
    let rows = v.keys.iter().cloned().map(|k| view! { <KeyRow k org can_manage rotate revoke/> }).collect_view();
    view! {
        <p class="mb-4 text-sm text-slate-600">{v.organisation.clone()} " · API keys authenticate your integration's calls to " <code>"/api/v1"</code> "."</p>
        {move || notice().map(|t| view! { <Notice text=t/> })}
        {v.new_key.clone().map(|(_, key)| view! {
            <section class="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-5" aria-labelledby="new-key-title">
                <h2 id="new-key-title" class="font-semibold">"Copy your new key now"</h2>
                <p class="mb-2 text-sm">"It is shown only this once; we keep only a hash of it."</p>
                <code class="block break-all rounded bg-white p-3 font-mono text-sm" data-testid="new-key">{key}</code>
            </section>
        })}
        <div class="mb-6 grid gap-4 sm:grid-cols-2">
            <Card title="Sandbox usage" id="usage" heading="mb-2 font-semibold">
                <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                    <dt class="text-slate-600">"Agents"</dt>
                    <dd data-testid="sandbox-agents">{format!("{} of {}", v.sandbox_agents, v.agent_limit)}</dd>
                    <dt class="text-slate-600">"Events today"</dt>
                    <dd data-testid="sandbox-events">{format!("{} of {}", v.sandbox_events_today, v.event_limit)}</dd>
                    <dt class="text-slate-600">"Daily quota resets"</dt>
                    <dd><Time ms=v.day_resets_at_ms/></dd>
                    <dt class="text-slate-600">"Sandbox cleared"</dt>
                    <dd><Time ms=v.week_resets_at_ms/> " (every Monday)"</dd>
                </dl>
            </Card>
            <Card title="Try it" id="start" heading="mb-2 font-semibold">
                <pre class="overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100"><code>{"curl -H \"Authorization: Bearer $KEY\" \\\n  "}{"https://<this portal>/api/v1/agents"}</code></pre>
                <p class="mt-2 text-sm text-slate-600">"Your first sandbox key grants sandbox access; your first sandbox event ticks \"test in sandbox\" on your onboarding plan."</p>
            </Card>
        </div>
        <Card title="Keys" id="keys" margin="mb-6">
            <FormError value=rotate_value/>
            <FormError value=revoke_value/>
            <DataTable
                look=TableLook::Ruled
                testid="keys"
                empty="No keys yet."
                head=vec![
                    "Name".into(), "Key".into(), "Environment".into(), "Scopes".into(),
                    "Created".into(), "Last used".into(), "Status".into(), Head::from("Actions").when(can_manage),
                ]
                rows
            />
        </Card>
        {can_manage.then(|| view! {
            <Card title="Create a key" id="new-key">
                <Form action=create>
                    {hidden_org(org)}
                    <div class="grid gap-3 sm:grid-cols-2">
                        <div>
                            <label for="key-name" class="block text-sm font-medium">"Name"</label>
                            <input id="key-name" name="name" class=INPUT placeholder="CI pipeline" required value=drafted("name")
                                aria-invalid=invalid_when(create_value, "name").0 aria-describedby=invalid_when(create_value, "name").1 autofocus=invalid_when(create_value, "name").2/>
                            <FieldMessage value=create_value field="name"/>
                        </div>
                        <div>
                            <label for="key-env" class="block text-sm font-medium">"Environment"</label>
                            <select id="key-env" name="environment" class=INPUT>
                                <option value="sandbox">"Sandbox (pk_test_…)"</option>
                                <option value="production" selected=drafted("environment").as_deref() == Some("production")>"Production (pk_live_…)"</option>
                            </select>
                            {production_refusal.clone().map(|m| view! { <p class="mt-1 text-xs text-slate-500">{m}</p> })}
                            <FieldMessage value=create_value field="environment"/>
                        </div>
                    </div>
                    <ScopeChoices legend="Scopes" value=create_value default_on=key_default/>
                    <button type="submit" class=format!("{BUTTON} mt-4")>"Create key"</button>
                </Form>
            </Card>
        })}
    }
}

#[component]
fn KeyRow(
    k: ApiKeyView,
    org: Option<i64>,
    can_manage: bool,
    rotate: ServerAction<RotateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let status = match (k.status, k.expires_at_ms) {
        (KeyStatus::Expiring, Some(t)) => view! { "Expiring " <Time ms=t/> }.into_any(),
        (s, _) => s.label().into_any(),
    };
    let live = k.status == KeyStatus::Active;
    let usable = k.status.authenticates();
    let id = k.id.to_string();
    let id2 = id.clone();
    let revoke_what = format!(
        "Revoke “{}” ({})? Calls made with it are refused from now on, and a revoked key cannot be restored.",
        k.name, k.hint
    );
    let revoke_name = format!("Revoke {}", k.name);
    view! {
        <tr class="border-b border-slate-100" data-testid="key-row">
            <td class=TD_RULED>{k.name.clone()}</td>
            <td class=format!("{TD_RULED} font-mono text-xs")>{k.hint.clone()}</td>
            <td class=TD_RULED>{k.environment.label()}</td>
            <td class=format!("{TD_RULED} text-xs")>{k.scopes.iter().map(|s| s.key()).collect::<Vec<_>>().join(", ")}</td>
            <td class=format!("{TD_RULED} text-xs")><Time ms=k.created_at_ms/> <br/> {k.created_by.clone()}</td>
            <td class=format!("{TD_RULED} text-xs")>{match k.last_used_at_ms { Some(t) => view! { <Time ms=t/> }.into_any(), None => "Never".into_any() }}</td>
            <td class=TD_RULED data-testid="key-status">{status}</td>
            {can_manage.then(|| view! {
                <td class=TD_RULED>
                    {live.then(|| view! {
                        <Form action=rotate anchored=false banner=false class="mb-1 flex items-center gap-1">
                            {hidden_org(org)}
                            <input type="hidden" name="id" value=id.clone()/>
                            <label class="sr-only" for=format!("grace-{id}")>"Old key works for"</label>
                            <select id=format!("grace-{id}") name="grace" class="rounded border border-slate-300 px-1 py-1 text-xs">
                                {Grace::ALL.iter().map(|g| view! { <option value=g.key() selected=*g == Grace::OneDay>{g.label()}</option> }).collect_view()}
                            </select>
                            <button type="submit" class=QUIET>"Rotate"</button>
                        </Form>
                    })}
                    {usable.then(|| view! {
                        <Form action=revoke anchored=false banner=false>
                            {hidden_org(org)}
                            <input type="hidden" name="id" value=id2.clone()/>
                            <Confirm label="Revoke" what=revoke_what.clone() confirm="Revoke key" aria_label=revoke_name.clone()/>
                        </Form>
                    })}
                </td>
            })}
        </tr>
    }
}

/// A new key's scopes as first offered: the integration's everyday ones;
/// webhooks, certification and revenue are ticked only by choice.
fn key_default(s: Scope) -> bool {
    !matches!(s, Scope::WebhooksManage | Scope::CertificationRead | Scope::RevenueRead)
}
