//! /developers/webhooks and /developers/webhooks/:id: the partner's webhook
//! subscriptions, and one subscription with its delivery log.

use super::shared::{hidden_org, org_param, with_org, DevHeader};
use crate::api::integration::{get_webhook, get_webhooks, CreateWebhook, SubscriptionDetail, WebhookAction};
use crate::domain::format::count;
use crate::domain::integration::{DeliveryStatus, EVENT_TYPES};
use crate::ui::components::card::Card;
use crate::ui::components::confirm::Confirm;
use crate::ui::components::form::{
    drafted, invalid_when, successes, FieldMessage, Form, FormError, LastResult, Notice,
};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, CARD, INPUT, QUIET, TD_RULED, TH_RULED};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let location = use_location();
    let create = ServerAction::<CreateWebhook>::new();
    let created = successes(create);
    let data = Resource::new(move || (location.search.get(), created.get()), |_| get_webhooks(org_param()));
    let create_value: LastResult<()> = Signal::derive(move || create.value().get());
    let query = use_query_map();
    view! {
        <Title text="Webhooks"/>
        <DevHeader current="/developers/webhooks"/>
        {move || (query.read().get("done").as_deref() == Some("deleted")).then(|| view! { <Notice text="Subscription deleted."/> })}
        <Loaded data let:v>
            {
                let org = org_param();
                view! {
                    <Card title="Subscriptions" margin="mb-6">
                        {if v.subscriptions.is_empty() {
                            view! { <p class="text-sm text-slate-600">"No subscriptions yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="divide-y divide-slate-100 text-sm" data-testid="subscriptions">
                                    {v.subscriptions.iter().enumerate().map(|(i, s)| {
                                        let failing = v.health.get(i).is_some_and(|h| h.failing_now);
                                        // Said in words and in colour, never colour alone.
                                        let (tone, state) = match (s.active, failing) {
                                            (false, _) => ("font-semibold text-red-800", "Disabled"),
                                            (true, true) => ("font-semibold text-red-800", "Active, but failing"),
                                            (true, false) => ("text-emerald-800", "Active"),
                                        };
                                        view! {
                                            <li class="flex flex-wrap items-center justify-between gap-2 py-2">
                                                <div class="min-w-0">
                                                    <a class="break-all font-medium text-brand underline" href=with_org(&format!("/developers/webhooks/{}", s.id), org)>{s.url.clone()}</a>
                                                    <p class="text-xs text-slate-600">{s.environment.label()} " · " {s.patterns.join(", ")}</p>
                                                </div>
                                                <span class=tone data-testid="subscription-state">{state}</span>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </Card>
                    {v.can_manage.then(|| view! {
                        <Card title="Add a subscription" id="new-sub">
                            <Form action=create>
                                {hidden_org(org)}
                                <label for="sub-url" class="block text-sm font-medium">"Receiver URL"</label>
                                <input id="sub-url" name="url" class=INPUT placeholder="https://hooks.example.com/partner-portal" required
                                    value=drafted("url") aria-invalid=invalid_when(create_value, "url").0 aria-describedby=invalid_when(create_value, "url").1 autofocus=invalid_when(create_value, "url").2/>
                                <FieldMessage value=create_value field="url"/>
                                <div class="mt-3 grid gap-3 sm:grid-cols-2">
                                    <div>
                                        <label for="sub-patterns" class="block text-sm font-medium">"Events"</label>
                                        <input id="sub-patterns" name="patterns" class=INPUT value=drafted("patterns").unwrap_or_else(|| "trust.*, cert.*".to_owned())
                                            aria-invalid=invalid_when(create_value, "patterns").0 aria-describedby=invalid_when(create_value, "patterns").1 autofocus=invalid_when(create_value, "patterns").2/>
                                        <p class="mt-1 text-xs text-slate-500">{format!("*, a family such as trust.*, or names: {}", EVENT_TYPES.join(", "))}</p>
                                        <FieldMessage value=create_value field="patterns"/>
                                    </div>
                                    <div>
                                        <label for="sub-env" class="block text-sm font-medium">"Environment"</label>
                                        <select id="sub-env" name="environment" class=INPUT>
                                            <option value="sandbox">"Sandbox"</option>
                                            <option value="production" selected=drafted("environment").as_deref() == Some("production")>"Production"</option>
                                        </select>
                                    </div>
                                </div>
                                <button type="submit" class=format!("{BUTTON} mt-4")>"Add subscription"</button>
                            </Form>
                        </Card>
                    })}
                }.into_any()
            }
        </Loaded>
    }
}

/// The log's page (`?before=`) and filter (`?failed=1`) from the address.
fn query_before_failed() -> (Option<i64>, bool) {
    let query = use_query_map();
    let q = query.read_untracked();
    (q.get("before").and_then(|b| b.parse().ok()), q.get("failed").is_some_and(|f| f == "1"))
}

#[component]
pub fn WebhookPage() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let act = ServerAction::<WebhookAction>::new();
    let data = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), location.search.get(), act.version().get()),
        move |(id, ..)| {
            let q = query_before_failed();
            get_webhook(org_param(), id, q.0, Some(q.1))
        },
    );
    let act_value: LastResult<()> = Signal::derive(move || act.value().get());
    let query = use_query_map();
    let notice = move || {
        query.read().get("done").map(|d| match d.as_str() {
            "rotated" => "Secret rotated. The old secret also signs for 24 hours.",
            "test" => "Test event queued; it appears in the log below within seconds.",
            "replayed" => "Delivery queued again.",
            "enabled" => "Subscription enabled.",
            "disabled" => "Subscription disabled; pending deliveries were cancelled.",
            _ => "Done.",
        })
    };
    view! {
        <Title text="Webhook"/>
        <DevHeader current="/developers/webhooks"/>
        {move || query.read().get("created").map(|_| view! { <Notice text="Subscription added. Copy its signing secret below."/> })}
        {move || notice().map(|t| view! { <Notice text=t/> })}
        <FormError value=act_value/>
        <Loaded data let:v>
            <Subscription v act/>
        </Loaded>
    }
}

#[component]
fn Subscription(v: SubscriptionDetail, act: ServerAction<WebhookAction>) -> impl IntoView {
    let org = org_param();
    let s = v.subscription.clone();
    let id = s.id.clone();
    let url = s.url.clone();
    let button = move |action: &'static str, label: &'static str, danger: bool| {
        let id = id.clone();
        let submit = if danger {
            let what =
                format!("Delete the subscription to {url}? Nothing more is sent there, and it cannot be undone.");
            view! { <Confirm label=label what confirm="Delete subscription"/> }.into_any()
        } else {
            view! { <button type="submit" class=QUIET>{label}</button> }.into_any()
        };
        view! {
            <Form action=act anchored=false banner=false>
                {hidden_org(org)}
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="action" value=action/>
                {submit}
            </Form>
        }
    };
    let can_manage = v.can_manage;
    let sub_id = s.id.clone();
    let log_id = s.id.clone();
    let older = v.older_than.map(|before| {
        let failed = if v.failed_only { "&failed=1" } else { "" };
        format!("{}#log", with_org(&format!("/developers/webhooks/{}?before={before}{failed}", s.id), org))
    });
    view! {
        <section class=format!("{CARD} mb-6")>
            <h2 class="mb-1 break-all font-semibold" data-testid="subscription-url">{s.url.clone()}</h2>
            <p class="mb-3 text-sm text-slate-600">{s.environment.label()} " · " {s.patterns.join(", ")} " · "
                <span data-testid="subscription-status" class=if !s.active || v.health.failing_now { "font-semibold text-red-800" } else { "" }>
                    {match (s.active, v.health.failing_now) {
                        (false, _) => format!("Disabled{}", s.disabled_reason.clone().map(|r| format!(": {r}")).unwrap_or_default()),
                        (true, true) => format!("Active, but failing: {} of the last {} deliveries failed", v.health.failed, v.health.of),
                        (true, false) if v.health.failed > 0 => format!("Active · {} of the last {} deliveries failed", v.health.failed, v.health.of),
                        (true, false) => "Active".to_owned(),
                    }}
                </span>
            </p>
            {v.secret.clone().map(|secret| view! {
                <details class="mb-3 text-sm">
                    <summary class="cursor-pointer font-medium">"Signing secret"</summary>
                    <code class="mt-1 block break-all rounded bg-slate-100 p-2 font-mono text-xs" data-testid="signing-secret">{secret}</code>
                    {s.rotating_until_ms.map(|t| view! { <p class="mt-1 text-xs text-slate-600">"The previous secret also signs until " <Time ms=t/> "."</p> })}
                </details>
            })}
            {can_manage.then(|| view! {
                <div class="flex flex-wrap gap-2">
                    {s.active.then(|| button("test", "Send test event", false))}
                    {button("rotate", "Rotate secret", false)}
                    {if s.active { button("disable", "Disable", false).into_any() } else { button("enable", "Enable", false).into_any() }}
                    {button("delete", "Delete", true)}
                </div>
            })}
        </section>
        <Card title="Delivery log" id="log">
            <p class="mb-2 text-sm">
                {if v.failed_only {
                    view! { "Failed deliveries only · " <a class="text-brand underline" href=format!("{}#log", with_org(&format!("/developers/webhooks/{log_id}"), org))>"Show all"</a> }.into_any()
                } else {
                    view! { "All deliveries · " <a class="text-brand underline" href=format!("{}#log", with_org(&format!("/developers/webhooks/{log_id}?failed=1"), org))>"Show failures only"</a> }.into_any()
                }}
            </p>
            {if v.deliveries.is_empty() {
                view! { <p class="text-sm text-slate-600">{if v.failed_only { "No delivery has failed." } else { "Nothing delivered yet." }}</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100 text-sm" data-testid="deliveries">
                        {v.deliveries.into_iter().map(|line| {
                            let d = line.delivery;
                            let status = match (d.status, d.next_attempt_at_ms) {
                                (DeliveryStatus::Pending, Some(t)) if d.attempts > 0 => view! { "Failed; retrying at " <Time ms=t/> }.into_any(),
                                (s, _) => s.label().into_any(),
                            };
                            // Said in words and in colour, never colour alone.
                            let tone = match d.status {
                                DeliveryStatus::Delivered => "rounded bg-emerald-100 px-1.5 text-emerald-900",
                                DeliveryStatus::Failed => "rounded bg-red-100 px-1.5 font-semibold text-red-900",
                                DeliveryStatus::Pending if d.attempts > 0 => "rounded bg-amber-100 px-1.5 text-amber-900",
                                _ => "rounded bg-slate-100 px-1.5 text-slate-800",
                            };
                            let last = d.last_response_status.map(|c| format!("HTTP {c}")).or(d.last_error.clone()).unwrap_or_default();
                            let sub_id = sub_id.clone();
                            // Which delivery a Replay button sends again, for screen readers.
                            let replay_name = format!(" {} delivery {}", d.event_type, d.msg_id);
                            view! {
                                <li class="py-2" data-testid="delivery">
                                    <div class="flex flex-wrap items-center justify-between gap-2">
                                        <span><code>{d.event_type.clone()}</code> " · " <span data-testid="delivery-status" class=tone>{status}</span> " · " {count(d.attempts, "attempt", "attempts")} " · " {last}</span>
                                        {can_manage.then(|| view! {
                                            <Form action=act anchored=false banner=false>
                                                {hidden_org(org)}
                                                <input type="hidden" name="id" value=sub_id/>
                                                <input type="hidden" name="action" value="replay"/>
                                                <input type="hidden" name="delivery" value=d.id.to_string()/>
                                                <button type="submit" class=QUIET>"Replay"<span class="sr-only">{replay_name.clone()}</span></button>
                                            </Form>
                                        })}
                                    </div>
                                    <details class="mt-1">
                                        <summary class="cursor-pointer text-xs text-slate-600">{format!("{} · ", d.msg_id)} <Time ms=d.created_at_ms/></summary>
                                        <pre class="mt-1 overflow-x-auto rounded bg-slate-100 p-2 text-xs">{line.payload}</pre>
                                        <table class="mt-1 w-full text-xs">
                                            <thead><tr><th class=TH_RULED>"#"</th><th class=TH_RULED>"When"</th><th class=TH_RULED>"Answer"</th><th class=TH_RULED>"Duration"</th><th class=TH_RULED>"Response"</th></tr></thead>
                                            <tbody>
                                                {line.attempts.into_iter().map(|a| view! {
                                                    <tr class="border-t border-slate-100">
                                                        <td class=TD_RULED>{a.attempt}</td>
                                                        <td class=TD_RULED><Time ms=a.at_ms/></td>
                                                        <td class=TD_RULED>{a.response_status.map(|c| format!("HTTP {c}")).unwrap_or_default()} " " {a.error.unwrap_or_default()}</td>
                                                        <td class=TD_RULED>{format!("{} ms", a.duration_ms)}</td>
                                                        <td class=format!("{TD_RULED} font-mono")>{a.response_body.unwrap_or_default()}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </details>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {older.map(|href| view! {
                        <p class="mt-3 text-sm"><a class="text-brand underline" href=href data-testid="older-deliveries">"Older deliveries →"</a></p>
                    })}
                }.into_any()
            }}
        </Card>
    }
}
